//! A Markdown summary, for a pull request, a ticket or GitHub's job summary:
//! the verdict, a statement per RFC and IdP, counts per area, then each
//! failure in a line. The details live in the HTML and JSON reports.

use super::{Tally, Verdict, areas, headline, statements};
use crate::runner::outcome::RunReport;
use std::fmt::Write as _;

/// At most this many failures are listed; the rest are counted.
const LISTED: usize = 50;

pub fn render(run: &RunReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## scimitar: {}\n", headline(run));
    let _ = writeln!(
        out,
        "Target `{}`{} · scimitar {} · {} · profiles {} · fails on {} and above\n",
        run.target.url,
        if run.target.in_process { " (in-process reference server)" } else { "" },
        run.scimitar,
        run.started_at,
        if run.profiles.is_empty() {
            "none (a recording)".to_string()
        } else {
            run.profiles.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")
        },
        run.fail_on
    );
    for s in statements(run) {
        let mark = if s.conforms { "✅" } else { "❌" };
        let _ = writeln!(out, "- {mark} **{}**: {}", s.subject, cell(&s.text));
    }
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

    let _ = writeln!(out, "| area | pass | fail | warn | waived | skip | error |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    for (area, t) in areas(run) {
        let Tally { pass, fail, warn, waived, error, skip } = t;
        let _ = writeln!(out, "| `{area}` | {pass} | {fail} | {warn} | {waived} | {skip} | {error} |");
    }

    let failures: Vec<_> =
        run.cases.iter().filter(|c| Verdict::of(c, run.fail_on).needs_attention()).collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\n### Failures\n");
        let _ = writeln!(out, "| case | verdict | level | requirement | what |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for c in failures.iter().take(LISTED) {
            let verdict = Verdict::of(c, run.fail_on).as_str();
            match c.outcome.findings().first() {
                Some(first) => {
                    let what = format!(
                        "{}: expected {}, got {}",
                        first.check,
                        short(&first.expected),
                        short(&first.actual)
                    );
                    let _ = writeln!(
                        out,
                        "| `{}` | {verdict} | {} | {} | {} |",
                        c.id,
                        first.requirement.level,
                        cell(&format!("{}: {}", first.requirement.source, first.requirement.says)),
                        code(&what)
                    );
                }
                None => {
                    let message = match &c.outcome {
                        crate::runner::outcome::Outcome::Error { message, .. } => message.as_str(),
                        _ => "",
                    };
                    let _ = writeln!(out, "| `{}` | {verdict} | | | {} |", c.id, code(message));
                }
            }
        }
        if failures.len() > LISTED {
            let _ = writeln!(out, "\n…and {} more; see the HTML or JSON report.", failures.len() - LISTED);
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

/// Text safe inside a table cell: one line, no pipes.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Text the server wrote, as inline code: shown, never rendered as markup or
/// a link on the page that displays the summary.
fn code(text: &str) -> String {
    format!("`{}`", cell(text).replace('`', "'"))
}

fn short(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() > 80 {
        format!("{}…", one_line.chars().take(80).collect::<String>())
    } else {
        one_line
    }
}
