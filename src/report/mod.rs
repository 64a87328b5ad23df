//! Reports, built after the run from one [`RunReport`](crate::runner::outcome::RunReport):
//! the terminal, JSON (schema in `reports/run-report.schema.json`) and JUnit.

pub mod har;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod progress;
pub mod terminal;

use crate::runner::outcome::RunReport;

/// The JSON report, pretty-printed.
pub fn json(run: &RunReport) -> String {
    serde_json::to_string_pretty(run)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize the report: {e}\"}}"))
}

use crate::runner::outcome::{CaseReport, Outcome};
use crate::suite::profile::Profile;
use crate::suite::requirement::Level;

/// `rfc7644::patch::add` → `rfc7644::patch`: where a case belongs in a report.
pub fn area(id: &str) -> &str {
    id.rsplit_once("::").map_or(id, |(area, _)| area)
}

/// How a case came out, as every report names, orders and filters it. The
/// order is the reports': what needs attention first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Fail,
    /// The harness could not run the case.
    Error,
    /// Findings below --fail-on only.
    Warn,
    /// Failed, and a waiver accepts it.
    Waived,
    Skip,
    Pass,
}

impl Verdict {
    pub fn of(case: &CaseReport, fail_on: Level) -> Verdict {
        match case.outcome {
            Outcome::Pass => Verdict::Pass,
            Outcome::Fail { .. } if case.waived.is_some() => Verdict::Waived,
            Outcome::Fail { .. } if !case.fails_run(fail_on) => Verdict::Warn,
            Outcome::Fail { .. } => Verdict::Fail,
            Outcome::Error { .. } => Verdict::Error,
            Outcome::Skip { .. } => Verdict::Skip,
        }
    }

    /// The name reports filter on: `fail`, `error`, `warn`, `waived`, `skip`, `pass`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Warn => "warn",
            Verdict::Waived => "waived",
            Verdict::Skip => "skip",
            Verdict::Pass => "pass",
        }
    }

    /// Fail, error, warn or waived: what a reader should look at.
    pub fn needs_attention(self) -> bool {
        self < Verdict::Skip
    }
}

/// Counts of each verdict in a group of cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub waived: usize,
    pub error: usize,
    pub skip: usize,
}

impl Tally {
    pub fn of<'a>(cases: impl IntoIterator<Item = &'a CaseReport>, fail_on: Level) -> Tally {
        let mut t = Tally::default();
        for c in cases {
            match Verdict::of(c, fail_on) {
                Verdict::Pass => t.pass += 1,
                Verdict::Fail => t.fail += 1,
                Verdict::Warn => t.warn += 1,
                Verdict::Waived => t.waived += 1,
                Verdict::Error => t.error += 1,
                Verdict::Skip => t.skip += 1,
            }
        }
        t
    }

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.warn + self.waived + self.error + self.skip
    }
}

/// Per area, in the order the areas first appear.
pub fn areas(run: &RunReport) -> Vec<(String, Tally)> {
    let mut names: Vec<&str> = Vec::new();
    for c in &run.cases {
        let a = area(&c.id);
        if !names.contains(&a) {
            names.push(a);
        }
    }
    names.sort();
    names
        .into_iter()
        .map(|a| (a.to_string(), Tally::of(run.cases.iter().filter(|c| area(&c.id) == a), run.fail_on)))
        .collect()
}

/// One conformance statement: for an RFC or an identity provider, whether
/// the target conforms as far as the run's cases show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// "RFC 7644", "Okta".
    pub subject: String,
    pub conforms: bool,
    pub text: String,
}

/// A statement for each RFC and each identity provider the run covered.
pub fn statements(run: &RunReport) -> Vec<Statement> {
    let mut subjects: Vec<String> = vec!["RFC 7643".into(), "RFC 7644".into()];
    subjects.extend(Profile::ALL.into_iter().filter(|p| p.is_idp()).map(|p| p.title().to_string()));
    subjects.push(RECORDING.into());
    let mut out = Vec::new();
    for subject in subjects {
        let cases: Vec<&CaseReport> =
            run.cases.iter().filter(|c| subject_of(&c.id).as_deref() == Some(subject.as_str())).collect();
        if cases.is_empty() {
            continue;
        }
        let t = Tally::of(cases.iter().copied(), run.fail_on);
        let ran = t.total() - t.skip;
        let conforms = t.fail == 0 && t.error == 0;
        let mut text = if t.error > 0 {
            format!("not determined: {} of {} cases could not run", t.error, t.total())
        } else if t.fail > 0 {
            format!("does not conform: {} of {ran} cases fail at {} or above", t.fail, run.fail_on)
        } else {
            format!("conforms: {} of {ran} cases pass", t.pass)
        };
        let mut notes = Vec::new();
        if t.warn > 0 {
            notes.push(format!("{} with warnings below {}", t.warn, run.fail_on));
        }
        if t.waived > 0 {
            notes.push(format!("{} waived", t.waived));
        }
        if t.skip > 0 {
            notes.push(format!("{} not applicable to this server", t.skip));
        }
        if !notes.is_empty() {
            text.push_str(&format!(" ({})", notes.join("; ")));
        }
        out.push(Statement { subject, conforms, text });
    }
    out
}

const RECORDING: &str = "The recording";

/// What a case's verdict speaks for: an RFC, an identity provider, or a
/// replayed recording.
fn subject_of(id: &str) -> Option<String> {
    if id.starts_with("rfc7643::") {
        Some("RFC 7643".into())
    } else if id.starts_with("rfc7644::") {
        Some("RFC 7644".into())
    } else if id.starts_with("recorded::") {
        Some(RECORDING.into())
    } else {
        Profile::of_case(id).filter(|p| p.is_idp()).map(|p| p.title().to_string())
    }
}

/// The run's verdict in one line. "compliant" only when nothing fails at
/// the gating level: a run that passes against a baseline still says how
/// many cases fail.
pub fn headline(run: &RunReport) -> String {
    let errors = run.cases.iter().filter(|c| matches!(c.outcome, Outcome::Error { .. })).count();
    let failing = run.cases.iter().filter(|c| c.fails_run(run.fail_on)).count();
    if errors > 0 {
        format!("incomplete: {errors} cases could not run")
    } else if run.waivers.iter().any(|w| w.expired) {
        "not compliant: a waiver has expired".into()
    } else if let Some(b) = run.baseline.as_ref().filter(|b| !b.regressions.is_empty()) {
        format!("{} regressions against the baseline", b.regressions.len())
    } else if failing > 0 && run.baseline.is_some() {
        format!("no regressions against the baseline; not compliant: {failing} cases fail")
    } else if failing > 0 {
        "not compliant".into()
    } else {
        "compliant".into()
    }
}
