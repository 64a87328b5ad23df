//! Reports, built after the run from one [`RunReport`](crate::runner::outcome::RunReport):
//! the terminal, JSON (schema in `reports/run-report.schema.json`) and JUnit.

//! Reports, built after the run from one [`RunReport`]: the terminal, JSON
//! (schema in `reports/run-report.schema.json`), JUnit, HTML, Markdown and
//! HAR. Each reads the verdicts the gate decided; none derives its own.

pub mod har;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod progress;
pub mod run;
pub mod terminal;

use crate::runner::outcome::{CaseReport, Verdict};
use crate::suite::profile::Profile;
pub use run::{RunReport, Summary};

/// The JSON report, pretty-printed.
pub fn json(run: &RunReport) -> String {
    serde_json::to_string_pretty(run)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize the report: {e}\"}}"))
}

/// `rfc7644::patch::add` → `rfc7644::patch`: where a case belongs in a report.
pub fn area(id: &str) -> &str {
    id.rsplit_once("::").map_or(id, |(area, _)| area)
}

/// Per area, in order of name.
pub fn areas(run: &RunReport) -> Vec<(String, Summary)> {
    let mut names: Vec<&str> = run.cases.iter().map(|c| area(&c.id)).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|a| (a.to_string(), Summary::of(run.cases.iter().filter(|c| area(&c.id) == a))))
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
    subjects.push(CLIENT.into());
    subjects.extend(
        Profile::ALL.into_iter().filter(|p| p.is_idp()).map(|p| format!("{CLIENT_LIKE}{}", p.title())),
    );
    let mut out = Vec::new();
    for subject in subjects {
        let cases: Vec<&CaseReport> =
            run.cases.iter().filter(|c| subject_of(&c.id).as_deref() == Some(subject.as_str())).collect();
        if cases.is_empty() {
            continue;
        }
        let t = Summary::of(cases.iter().copied());
        let ran = t.total - t.count(Verdict::NotApplicable);
        let (fail, error) = (t.count(Verdict::Fail), t.count(Verdict::Error));
        let conforms = fail == 0 && error == 0;
        let mut text = if error > 0 {
            format!("not determined: {error} of {} cases could not run", t.total)
        } else if fail > 0 {
            format!("does not conform: {fail} of {ran} cases fail at {} or above", run.fail_on)
        } else {
            format!("conforms: {} of {ran} cases pass", t.count(Verdict::Pass))
        };
        let mut notes = Vec::new();
        for verdict in [Verdict::Warn, Verdict::Blocked, Verdict::Declared, Verdict::Waived, Verdict::Note] {
            let n = t.count(verdict);
            if n > 0 {
                notes.push(format!("{n} {}", verdict.title()));
            }
        }
        let not_applicable = t.count(Verdict::NotApplicable);
        if not_applicable > 0 {
            let why = if subject.starts_with(CLIENT) || subject.starts_with(CLIENT_LIKE) {
                "the client had no occasion to show"
            } else {
                "not applicable to this server"
            };
            notes.push(format!("{not_applicable} {why}"));
        }
        if !notes.is_empty() {
            text.push_str(&format!(" ({})", notes.join("; ")));
        }
        out.push(Statement { subject, conforms, text });
    }
    out
}

const RECORDING: &str = "The recording";
/// An audit of a client (`scimitar audit`), and its comparison with an IdP.
const CLIENT: &str = "The client (RFC 7643/7644)";
const CLIENT_LIKE: &str = "The client, as ";

/// What a case's verdict speaks for: an RFC, an identity provider, or a
/// replayed recording.
fn subject_of(id: &str) -> Option<String> {
    if id.starts_with("rfc7643::") {
        Some("RFC 7643".into())
    } else if id.starts_with("rfc7644::") {
        Some("RFC 7644".into())
    } else if id.starts_with("recorded::") {
        Some(RECORDING.into())
    } else if let Some(rest) = id.strip_prefix("audit::like::") {
        let name = rest.split("::").next().unwrap_or_default();
        Profile::ALL.into_iter().find(|p| p.name() == name).map(|p| format!("{CLIENT_LIKE}{}", p.title()))
    } else if id.starts_with("audit::") {
        Some(CLIENT.into())
    } else {
        Profile::of_case(id).filter(|p| p.is_idp()).map(|p| p.title().to_string())
    }
}

/// Whether the report is a client audit's (`scimitar audit`): its cases
/// judge a client, its target is the server the client talked to.
pub fn is_client_audit(run: &RunReport) -> bool {
    !run.cases.is_empty() && run.cases.iter().all(|c| c.id.starts_with("audit::"))
}

/// The profiles line of a report's header: who the run played, or for a
/// client audit which IdPs the client was compared with.
pub fn profiles_line(run: &RunReport, name: fn(&Profile) -> &'static str, recording: &str) -> String {
    let names = run.profiles.iter().map(name).collect::<Vec<_>>().join(", ");
    match (is_client_audit(run), run.profiles.is_empty()) {
        (true, true) => "none (an audit of a client)".into(),
        (true, false) => format!("the client compared with {names}"),
        (false, true) => recording.to_string(),
        (false, false) => names,
    }
}

/// The run's verdict in one line.
pub fn headline(run: &RunReport) -> String {
    run.verdict().headline().to_string()
}
