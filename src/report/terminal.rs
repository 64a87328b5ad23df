//! The terminal report: a line per case as it finishes, then each finding in
//! full (requirement, diff of expected against actual, the exchange), then
//! one line with the count of every verdict.

use super::RunReport;
use crate::runner::outcome::{CaseReport, Disposition, Exchange, Finding, Outcome, Verdict};
use similar::{ChangeTag, TextDiff};
use std::fmt::Write as _;

/// ANSI styling, on only for a terminal that wants colour.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour when stdout is a terminal and `NO_COLOR` is not set. Decided
    /// here rather than by anstream's stream detection, which also obeys
    /// `CLICOLOR_FORCE` and `TERM=dumb` and ignores an empty `NO_COLOR`:
    /// the rule stays the one scimitar has always followed.
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        Style { color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() }
    }

    /// Text reaches the terminal only through here, so a server cannot send
    /// escape sequences to it: control characters are shown, not obeyed.
    fn paint(self, look: anstyle::Style, text: &str) -> String {
        let text = printable(text);
        if self.color { format!("{look}{text}{look:#}") } else { text }
    }

    pub fn red(self, t: &str) -> String {
        self.paint(anstyle::AnsiColor::Red.on_default(), t)
    }

    pub fn green(self, t: &str) -> String {
        self.paint(anstyle::AnsiColor::Green.on_default(), t)
    }

    pub fn yellow(self, t: &str) -> String {
        self.paint(anstyle::AnsiColor::Yellow.on_default(), t)
    }

    pub fn dim(self, t: &str) -> String {
        self.paint(anstyle::Style::new().dimmed(), t)
    }

    pub fn bold(self, t: &str) -> String {
        self.paint(anstyle::Style::new().bold(), t)
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

/// The line printed when a case finishes: its verdict, its id, and the
/// reason for a verdict that has one.
pub fn progress_line(report: &CaseReport, style: Style) -> String {
    let verdict = report.verdict();
    let label = verdict.label();
    let label = match verdict {
        Verdict::Pass => style.green(label),
        Verdict::Fail | Verdict::Error => style.red(label),
        Verdict::NotApplicable | Verdict::Note => style.dim(label),
        _ => style.yellow(label),
    };
    let tail = match &report.outcome {
        Outcome::NotApplicable { reason } => style.dim(&format!(": {reason}")),
        Outcome::Error { message, .. } => printable(&format!(": {message}")),
        // Live, which case reports the blocker is not known yet.
        Outcome::Blocked { blocker, .. } if blocker.reported_by.is_none() => style.dim(&format!(
            ": {} failed {}; the summary says which case reports it",
            blocking_step(blocker),
            blocker.requirement
        )),
        Outcome::Blocked { blocker, .. } => style.dim(&format!(": {}", blocked_text(blocker))),
        _ => style.dim(&format!(" ({:.0} ms)", report.duration_ms)),
    };
    format!("{label} {}{tail}", printable(&report.id))
}

/// The sections findings are shown in, by how they count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Failing,
    Warnings,
    Declared,
    Waived,
    Notes,
}

impl Group {
    fn holds(self, d: &Disposition) -> bool {
        match self {
            Group::Failing => matches!(d, Disposition::Fail | Disposition::Unjudged),
            Group::Warnings => matches!(d, Disposition::Warn),
            Group::Declared => matches!(d, Disposition::Declared { .. }),
            Group::Waived => matches!(d, Disposition::Waived { .. }),
            Group::Notes => matches!(d, Disposition::Note),
        }
    }
}

/// `step 2 (create)`: the step that blocked a case.
fn blocking_step(b: &crate::runner::outcome::Blocker) -> String {
    match &b.step_name {
        Some(name) => format!("step {} ({name})", b.step),
        None => format!("step {}", b.step),
    }
}

/// Why a blocked case did not run its checks, and where that is reported.
pub fn blocked_text(b: &crate::runner::outcome::Blocker) -> String {
    let step = blocking_step(b);
    match &b.reported_by {
        Some(case) => format!("{step} failed {}; reported by {case}", b.requirement),
        None => format!("{step} failed {}, which this case reports", b.requirement),
    }
}

/// What the run believes about the target, for the top of the output:
/// the documents, resource types and required attributes, then which
/// probes found what.
pub fn target_lines(info: &super::run::TargetInfo, style: Style) -> String {
    let mut out = String::new();
    for line in &info.highlights {
        let _ = writeln!(out, "  {}", printable(line));
    }
    let (works, not): (Vec<_>, Vec<_>) = info.model.probes.iter().partition(|p| p.probe.works());
    if !works.is_empty() {
        let names: Vec<&str> = works.iter().map(|p| p.feature.as_str()).collect();
        let _ = writeln!(out, "  supported: {}", printable(&names.join(", ")));
    }
    // Grouped by how they came out: "refused (400 invalidFilter): ...".
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for p in not {
        let how = p.probe.to_string();
        match groups.iter_mut().find(|(h, _)| *h == how) {
            Some((_, names)) => names.push(&p.feature),
            None => groups.push((how, vec![&p.feature])),
        }
    }
    for (how, names) in groups {
        let _ = writeln!(out, "  {}", style.dim(&printable(&format!("{how}: {}", names.join(", ")))));
    }
    let scope = |s: Option<crate::runner::model::Scope>| match s {
        Some(crate::runner::model::Scope::NamePrefix) => "by name prefix (sw)",
        Some(crate::runner::model::Scope::ExternalId) => "by an externalId the run sets (eq)",
        None => "no filter can (cases that need it do not apply)",
    };
    let _ = writeln!(
        out,
        "  a case's own resources are selected: users {}, groups {}",
        scope(info.model.scope.users),
        scope(info.model.scope.groups)
    );
    out
}

/// The findings in full, grouped by how they count (those failing the run
/// first), then blocked cases and harness errors, then the counts.
pub fn details(run: &RunReport, style: Style) -> String {
    let mut out = String::new();
    let groups = [
        ("failing the run", Group::Failing),
        ("warnings (SHOULD; --fail-on should makes them fail the run)", Group::Warnings),
        ("declared by the target file (--fail-on declared makes them fail the run)", Group::Declared),
        ("waived", Group::Waived),
        ("notes (MAY: optional behaviour, never a failure)", Group::Notes),
    ];
    for (title, group) in groups {
        let red = group == Group::Failing;
        let cases: Vec<(&CaseReport, Vec<&Finding>)> = run
            .cases
            .iter()
            .filter(|c| !matches!(c.verdict(), Verdict::Blocked))
            .map(|c| {
                (c, c.outcome.findings().iter().filter(|f| group.holds(&f.disposition)).collect::<Vec<_>>())
            })
            .filter(|(_, found)| !found.is_empty())
            .collect();
        if cases.is_empty() {
            continue;
        }
        let count: usize = cases.iter().map(|(_, f)| f.len()).sum();
        let heading = format!(
            "{count} finding{} {title}, in {} case{}",
            if count == 1 { "" } else { "s" },
            cases.len(),
            if cases.len() == 1 { "" } else { "s" },
        );
        let _ = writeln!(out, "\n{}", if red { style.red(&heading) } else { style.yellow(&heading) });
        for (case, found) in cases {
            case_heading(&mut out, case, style);
            for finding in found {
                finding_text(&mut out, case, finding, style);
            }
        }
    }
    let blocked: Vec<&CaseReport> = run.with_verdict(Verdict::Blocked).collect();
    if !blocked.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.yellow(&format!(
                "{} case{} blocked: a step they depend on failed; the failure is reported once, where named",
                blocked.len(),
                if blocked.len() == 1 { "" } else { "s" }
            ))
        );
        for case in blocked {
            if let Outcome::Blocked { blocker, .. } = &case.outcome {
                let _ = writeln!(out, "   {} {}", printable(&case.id), style.dim(&blocked_text(blocker)));
            }
        }
    }
    let errors: Vec<&CaseReport> = run.with_verdict(Verdict::Error).collect();
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
            let _ = writeln!(out, "   harness error ({}): {}", kind.name(), printable(message));
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
    if let Some(pace) = run.pace_line() {
        let _ = writeln!(out, "{}", style.dim(&format!("pace: {pace}")));
    }
    // The counts, then the verdict every other report and the exit code give.
    let verdict = run.verdict();
    let line = format!("{}: {}", s.line(), verdict.headline());
    let _ = writeln!(
        out,
        "{}",
        match verdict {
            super::run::RunVerdict::Compliant(_) => style.green(&line),
            _ => style.red(&line),
        }
    );
    out
}

/// Resources left behind the terminal lists by name.
const LISTED_LEFT_BEHIND: usize = 10;

/// Waivers (an expired one fails the run), declarations, what was left on
/// the target, and the comparison with a baseline.
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
    if !run.declarations.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("declared by the target file"));
        for (contradicted, line) in run.declaration_lines() {
            let _ = writeln!(out, "  {}", if contradicted { style.red(&line) } else { style.yellow(&line) });
        }
    }
    if let Some((head, lines)) = run.left_behind_text() {
        let _ = writeln!(out, "\n{}", style.bold("left on the target"));
        let _ = writeln!(out, "  {}", style.yellow(&head));
        for line in lines.iter().take(LISTED_LEFT_BEHIND) {
            let _ = writeln!(out, "  {line}");
        }
        if lines.len() > LISTED_LEFT_BEHIND {
            let _ = writeln!(
                out,
                "  …and {} more (the JSON report lists them all)",
                lines.len() - LISTED_LEFT_BEHIND
            );
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
    if let Disposition::Waived { accepted_by, because } | Disposition::Declared { accepted_by, because } =
        &f.disposition
    {
        let how = f.disposition.as_str();
        let _ = writeln!(out, "   {}", style.yellow(&format!("{how} by {accepted_by}: {because}")));
    }
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
    let _ = writeln!(out, "   {}", printable(&f.check.to_string()));
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
