//! A Markdown summary, for a pull request, a ticket or GitHub's job summary:
//! the headline, a statement per RFC and IdP, the verdict counts per area,
//! then each case that needs attention with its first finding. Expected and
//! actual values go in code blocks, cut at a line and marked, never inside a
//! value. The full story lives in the HTML and JSON reports.

use super::{RunReport, areas, headline, statements};
use crate::runner::outcome::{CaseReport, Outcome, Verdict};
use std::fmt::Write as _;

/// At most this many cases are detailed; the rest are counted.
const LISTED: usize = 50;
/// At most this many lines of an expected or actual value.
const VALUE_LINES: usize = 12;

pub fn render(run: &RunReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## scimitar: {}\n", headline(run));
    let _ = writeln!(
        out,
        "Target `{}`{} · scimitar {} · {} · profiles {} · fails on {} and above{}\n",
        run.target.url,
        if run.target.in_process { " (in-process reference server)" } else { "" },
        run.scimitar,
        run.started_at,
        super::profiles_line(run, |p| p.name(), "none (a recording)"),
        run.fail_on,
        if run.fail_on_declared { " and declared deviations" } else { "" }
    );
    for s in statements(run) {
        let mark = if s.conforms { "✅" } else { "❌" };
        let _ = writeln!(out, "- {mark} **{}**: {}", s.subject, cell(&s.text));
    }
    let heading = if super::is_client_audit(run) {
        "The server the client talked to"
    } else {
        "The target, as discovered"
    };
    let _ = writeln!(out, "\n<details><summary>{heading}</summary>\n");
    for line in &run.target.highlights {
        let _ = writeln!(out, "- {}", cell(line));
    }
    for p in &run.target.model.probes {
        let _ = writeln!(out, "- probe {}: {}", code(&p.feature), cell(&p.probe.to_string()));
    }
    let _ = writeln!(out, "\n</details>");
    let f = &run.summary.findings;
    let _ = writeln!(
        out,
        "\n{} findings: {} MUST, {} SHOULD, {} MAY. {}\n",
        f.must + f.should + f.may,
        f.must,
        f.should,
        f.may,
        run.summary.line()
    );

    let shown: Vec<Verdict> = Verdict::ALL.into_iter().filter(|v| run.summary.count(*v) > 0).collect();
    let _ = writeln!(out, "| area | {} |", shown.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(out, "|---|{}", "---:|".repeat(shown.len()));
    for (area, t) in areas(run) {
        let counts: Vec<String> = shown.iter().map(|v| t.count(*v).to_string()).collect();
        let _ = writeln!(out, "| `{area}` | {} |", counts.join(" | "));
    }

    let attention: Vec<&CaseReport> = {
        let mut cases: Vec<&CaseReport> =
            run.cases.iter().filter(|c| c.verdict().needs_attention()).collect();
        cases.sort_by_key(|c| c.verdict());
        cases
    };
    if !attention.is_empty() {
        let _ = writeln!(out, "\n### Cases to look at\n");
        for c in attention.iter().take(LISTED) {
            case(&mut out, c);
        }
        if attention.len() > LISTED {
            let _ = writeln!(out, "\n…and {} more; see the HTML or JSON report.", attention.len() - LISTED);
        }
    }
    if !run.waivers.is_empty() {
        let _ = writeln!(out, "\n### Waivers\n");
        for w in &run.waivers {
            let state = if w.expired {
                format!("❌ **expired** on {}", w.expires.as_deref().unwrap_or(""))
            } else if w.waived.is_empty() {
                "matched nothing in this run".to_string()
            } else {
                format!("waived {}", w.waived.join(", "))
            };
            let _ = writeln!(out, "- `{}`: {} ({state})", w.id, cell(&w.reason));
        }
    }
    if !run.declarations.is_empty() {
        let _ = writeln!(out, "\n### Declared by the target file\n");
        for (contradicted, line) in run.declaration_lines() {
            let _ = writeln!(out, "- {}{}", if contradicted { "❌ " } else { "" }, cell(&line));
        }
    }
    if let Some((head, lines)) = run.left_behind_text() {
        let _ = writeln!(out, "\n### Left on the target\n\n{}\n", cell(&head));
        for line in lines.iter().take(LISTED) {
            let _ = writeln!(out, "- {}", cell(line));
        }
        if lines.len() > LISTED {
            let _ = writeln!(out, "- …and {} more; see the JSON report.", lines.len() - LISTED);
        }
    }
    if let Some(b) = &run.baseline {
        let _ = writeln!(out, "\n### Against the baseline `{}`\n", b.file);
        let list = |ids: &[String]| {
            if ids.is_empty() {
                "none".to_string()
            } else {
                ids.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
            }
        };
        let _ = writeln!(out, "- regressions: {}", list(&b.regressions));
        let _ = writeln!(out, "- fixed: {}", list(&b.fixed));
        let _ = writeln!(out, "- still failing: {}", b.still_failing.len());
    }
    out
}

fn case(out: &mut String, c: &CaseReport) {
    let _ = writeln!(out, "#### `{}`: {}\n", c.id, c.verdict().title());
    match &c.outcome {
        Outcome::Error { kind, message } => {
            let _ = writeln!(out, "The harness could not run it ({}):\n", kind.name());
            block(out, message);
        }
        Outcome::Blocked { blocker, .. } if blocker.reported_by.is_some() => {
            let _ = writeln!(out, "{}.\n", cell(&super::terminal::blocked_text(blocker)));
        }
        _ => {
            if let Some(f) = c.outcome.findings().first() {
                let _ = writeln!(
                    out,
                    "{} **{}** ({}): {}\n",
                    cell(&f.requirement.source),
                    f.requirement.level,
                    f.disposition.as_str(),
                    cell(&f.requirement.says)
                );
                let _ = writeln!(out, "Step {}, {}: {}\n", f.step, f.location, code(&f.check.to_string()));
                let _ = writeln!(out, "Expected:\n");
                block(out, &f.expected);
                let _ = writeln!(out, "Actual:\n");
                block(out, &f.actual);
                let more = c.outcome.findings().len() - 1;
                if more > 0 {
                    let _ = writeln!(out, "…and {more} more finding{}.\n", if more == 1 { "" } else { "s" });
                }
            }
        }
    }
}

/// A value in a fenced code block: whole lines only, with a marker where it
/// was cut, and a fence longer than any backtick run inside.
fn block(out: &mut String, text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run.max(2) + 1);
    let _ = writeln!(out, "{fence}");
    for line in lines.iter().take(VALUE_LINES) {
        let _ = writeln!(out, "{line}");
    }
    if lines.len() > VALUE_LINES {
        let _ = writeln!(out, "… {} more lines", lines.len() - VALUE_LINES);
    }
    let _ = writeln!(out, "{fence}\n");
}

/// Text safe inside a table cell or a list item: one line, no pipes.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Text the server wrote, as inline code: shown, never rendered as markup or
/// a link on the page that displays the summary.
fn code(text: &str) -> String {
    format!("`{}`", cell(text).replace('`', "'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_is_cut_at_a_line_with_a_marker_and_fenced_safely() {
        let value: String =
            (1..=20).map(|i| format!("\"id\": \"2819c223-7f76-453a-919d-41{i:04}\"\n")).collect();
        let mut out = String::new();
        block(&mut out, &value);
        assert!(out.contains("\"id\": \"2819c223-7f76-453a-919d-410012\""));
        assert!(!out.contains("410013"), "only whole lines, up to the limit");
        assert!(out.contains("… 8 more lines"));
        let mut out = String::new();
        block(&mut out, "a ``` b");
        assert!(out.starts_with("````\n"), "{out}");
    }
}
