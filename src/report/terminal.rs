//! The terminal report: a line per case as it finishes, then each failure in
//! full (requirement, diff of expected against actual, the exchange), then
//! `N passed, N failed, N skipped`.

use crate::runner::outcome::{CaseReport, Exchange, Finding, Outcome, RunReport};
use crate::suite::requirement::Level;
use similar::{ChangeTag, TextDiff};
use std::fmt::Write as _;

/// ANSI styling, on only for a terminal that wants colour.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour when stdout is a terminal and `NO_COLOR` is not set.
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        Style { color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() }
    }

    /// Text reaches the terminal only through here, so a server cannot send
    /// escape sequences to it: control characters are shown, not obeyed.
    fn paint(self, code: &str, text: &str) -> String {
        let text = printable(text);
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text }
    }

    pub fn red(self, t: &str) -> String {
        self.paint("31", t)
    }

    pub fn green(self, t: &str) -> String {
        self.paint("32", t)
    }

    pub fn yellow(self, t: &str) -> String {
        self.paint("33", t)
    }

    pub fn dim(self, t: &str) -> String {
        self.paint("2", t)
    }

    pub fn bold(self, t: &str) -> String {
        self.paint("1", t)
    }
}

fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                char::from_u32(0x2400 + (c as u32 & 0x1f)).unwrap_or('?')
            } else {
                c
            }
        })
        .collect()
}

/// The line printed when a case finishes.
/// A failure whose findings are all below `fail_on` shows as WARN, and one a
/// waiver accepts as WAIVE: neither fails the run.
pub fn progress_line(report: &CaseReport, style: Style, fail_on: Level) -> String {
    let label = match super::Verdict::of(report, fail_on) {
        super::Verdict::Pass => style.green("PASS "),
        super::Verdict::Waived => style.yellow("WAIVE"),
        super::Verdict::Warn => style.yellow("WARN "),
        super::Verdict::Fail => style.red("FAIL "),
        super::Verdict::Error => style.red("ERROR"),
        super::Verdict::Skip => style.yellow("SKIP "),
    };
    let tail = match &report.outcome {
        Outcome::Skip { reason } => style.dim(&format!(": {reason}")),
        Outcome::Error { message, .. } => printable(&format!(": {message}")),
        _ => style.dim(&format!(" ({:.0} ms)", report.duration_ms)),
    };
    format!("{label} {}{tail}", printable(&report.id))
}

/// Findings in full, grouped by level (MUST first: those fail the run), then
/// harness errors, then the summary.
pub fn details(run: &RunReport, style: Style) -> String {
    let mut out = String::new();
    for level in [Level::Must, Level::Should, Level::May] {
        let cases: Vec<(&CaseReport, Vec<&Finding>)> = run
            .cases
            .iter()
            .map(|c| {
                (c, c.outcome.findings().iter().filter(|f| f.requirement.level == level).collect::<Vec<_>>())
            })
            .filter(|(_, found)| !found.is_empty())
            .collect();
        if cases.is_empty() {
            continue;
        }
        let count = run.summary.findings.get(level);
        let heading = format!(
            "{level} findings: {count} in {} case{} ({})",
            cases.len(),
            if cases.len() == 1 { "" } else { "s" },
            if level <= run.fail_on {
                "these fail the run, unless waived"
            } else {
                "warnings; --fail-on makes them fail the run"
            }
        );
        let _ = writeln!(
            out,
            "\n{}",
            if level == Level::Must { style.red(&heading) } else { style.yellow(&heading) }
        );
        for (case, found) in cases {
            case_heading(&mut out, case, style);
            if let Some(w) = &case.waived {
                let _ = writeln!(out, "   {}", style.yellow(&format!("waived by {}: {}", w.by, w.reason)));
            }
            for finding in found {
                finding_text(&mut out, case, finding, style);
            }
        }
    }
    let errors: Vec<&CaseReport> =
        run.cases.iter().filter(|c| matches!(c.outcome, Outcome::Error { .. })).collect();
    if !errors.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.red(&format!(
                "harness errors: {} case{} could not finish; they say nothing about compliance",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            ))
        );
    }
    for case in errors {
        case_heading(&mut out, case, style);
        if let Outcome::Error { kind, message, .. } = &case.outcome {
            let _ = writeln!(out, "   harness error ({}): {}", kind_name(*kind), printable(message));
        }
    }
    gating(&mut out, run, style);
    let s = &run.summary;
    let _ = writeln!(
        out,
        "\n{} cases in {:.2}s against {}; {} requests{}; {} resources left behind",
        s.total,
        run.duration_ms / 1000.0,
        run.target.url,
        s.requests,
        if s.rate_limited > 0 {
            format!(", {} answered 429 and were retried", s.rate_limited)
        } else {
            String::new()
        },
        s.left_behind
    );
    let line = s.line();
    let _ = writeln!(out, "{}", if s.failed + s.errors > 0 { style.red(&line) } else { style.green(&line) });
    out
}

/// Waivers (an expired one fails the run) and the comparison with a baseline.
fn gating(out: &mut String, run: &RunReport, style: Style) {
    if !run.waivers.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("waivers"));
        for w in &run.waivers {
            let line = if w.expired {
                style.red(&format!(
                    "  {} expired on {}: it fails the run until it is renewed or removed ({})",
                    w.id,
                    w.expires.as_deref().unwrap_or(""),
                    w.reason
                ))
            } else if w.waived.is_empty() {
                style.dim(&format!("  {} matched nothing in this run ({})", w.id, w.reason))
            } else {
                format!("  {} waived {} ({})", w.id, w.waived.join(", "), w.reason)
            };
            let _ = writeln!(out, "{line}");
        }
    }
    if let Some(b) = &run.baseline {
        let _ = writeln!(out, "\n{}", style.bold(&format!("against the baseline {}", b.file)));
        let list = |ids: &[String]| if ids.is_empty() { "none".to_string() } else { ids.join(", ") };
        let regressions = format!("  regressions: {}", list(&b.regressions));
        let _ =
            writeln!(out, "{}", if b.regressions.is_empty() { regressions } else { style.red(&regressions) });
        let fixed = format!("  fixed: {}", list(&b.fixed));
        let _ = writeln!(out, "{}", if b.fixed.is_empty() { fixed } else { style.green(&fixed) });
        let _ = writeln!(out, "  still failing: {}", b.still_failing.len());
    }
}

fn case_heading(out: &mut String, case: &CaseReport, style: Style) {
    let _ = writeln!(
        out,
        "\n{} {}",
        style.bold(&format!("── {}", case.id)),
        style.dim(&format!("── {}", case.title))
    );
}

fn finding_text(out: &mut String, case: &CaseReport, f: &Finding, style: Style) {
    let r = &f.requirement;
    let step = match &f.step_name {
        Some(name) => format!("step {} ({name})", f.step),
        None => format!("step {}", f.step),
    };
    let _ = writeln!(out, "   {} {}: {}", style.bold(&r.source), style.bold(r.level.as_str()), r.says);
    if let Some(confidence) = r.confidence {
        let _ = writeln!(
            out,
            "   {}",
            style.dim(&format!("how sure the sources make us: {}", format!("{confidence:?}").to_lowercase()))
        );
    }
    if let Some(impact) = &f.impact {
        let says = if impact.breaks { style.red(&impact.says) } else { style.yellow(&impact.says) };
        let _ = writeln!(out, "   {says}");
    }
    let _ = writeln!(out, "   {step}, {} {}", f.location, style.dim(&format!("[{}]", r.id)));
    let _ = writeln!(out, "   {}", printable(&f.check));
    let _ = writeln!(out, "   {} {}", style.red("- expected"), style.green("+ actual"));
    diff(out, &f.expected, &f.actual, style);
    if let Some(exchange) = f.exchange.and_then(|i| case.exchanges.get(i)) {
        exchange_text(out, exchange, style);
    }
}

fn diff(out: &mut String, expected: &str, actual: &str, style: Style) {
    let (a, b) = (format!("{expected}\n"), format!("{actual}\n"));
    for change in TextDiff::from_lines(&a, &b).iter_all_changes() {
        let text = change.value().trim_end_matches('\n');
        let line = match change.tag() {
            ChangeTag::Delete => style.red(&format!("-{text}")),
            ChangeTag::Insert => style.green(&format!("+{text}")),
            ChangeTag::Equal => style.dim(&format!(" {text}")),
        };
        let _ = writeln!(out, "   {line}");
    }
}

pub fn kind_name(kind: crate::runner::outcome::ErrorKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// At most this many lines of a body in a failure; the JSON report keeps more.
const BODY_LINES: usize = 30;

fn exchange_text(out: &mut String, e: &Exchange, style: Style) {
    let _ = writeln!(out, "   {}", style.dim(&format!("> {} {}", e.request.method, e.request.url)));
    for (name, value) in &e.request.headers {
        let _ = writeln!(out, "   {}", style.dim(&format!("> {name}: {value}")));
    }
    if let Some(body) = &e.request.body {
        body_text(out, ">", body, style);
    }
    match &e.response {
        None => {
            let _ = writeln!(out, "   {}", style.dim("< (no response)"));
        }
        Some(r) => {
            let _ = writeln!(out, "   {}", style.dim(&format!("< {}  ({:.0} ms)", r.status, e.elapsed_ms)));
            for (name, value) in &r.headers {
                let _ = writeln!(out, "   {}", style.dim(&format!("< {name}: {value}")));
            }
            body_text(out, "<", &r.body, style);
        }
    }
}

fn body_text(out: &mut String, arrow: &str, body: &str, style: Style) {
    let lines: Vec<&str> = body.lines().collect();
    for line in lines.iter().take(BODY_LINES) {
        let _ = writeln!(out, "   {}", style.dim(&format!("{arrow} {line}")));
    }
    if lines.len() > BODY_LINES {
        let _ = writeln!(
            out,
            "   {}",
            style.dim(&format!("{arrow} … {} more lines (see --json)", lines.len() - BODY_LINES))
        );
    }
}
