//! What running one case produces: data, not errors. A server that is wrong
//! yields findings; a harness that could not run yields `Error`; a case that
//! does not fit the target says why it does not apply. The three never mix,
//! in types, reports or exit codes.
//!
//! [`Outcome`] is what happened. [`Verdict`] is what it means for the run,
//! decided once (by `gate`) from the outcome, the findings' levels and the
//! run's settings, and read by every report and the exit code.

use super::check::{Check, Span};
use crate::suite::profile::Profile;
use crate::suite::requirement::{Level, Requirement};
use serde::Serialize;
use serde::ser::SerializeMap;

/// What happened when one case ran.
#[derive(Debug, Clone)]
pub enum Outcome {
    Pass,
    /// A step that checks one of the case's requirements found deviations.
    Fail {
        findings: Vec<Finding>,
    },
    /// A step the case only depends on (setting up a user, say) did not do
    /// what it needed, so the case's own checks never ran. The finding is
    /// kept for the reader; it counts where its requirement is checked.
    Blocked {
        blocker: Blocker,
        findings: Vec<Finding>,
    },
    /// The case does not apply to this target, and why (a capability the
    /// target lacks, an attribute its schema does not define, a feature it
    /// refuses as the RFC allows).
    NotApplicable {
        reason: String,
    },
    /// The harness could not complete the case.
    Error {
        kind: ErrorKind,
        message: String,
    },
}

impl Outcome {
    pub fn findings(&self) -> &[Finding] {
        match self {
            Outcome::Fail { findings } | Outcome::Blocked { findings, .. } => findings,
            _ => &[],
        }
    }

    pub fn findings_mut(&mut self) -> &mut [Finding] {
        match self {
            Outcome::Fail { findings } | Outcome::Blocked { findings, .. } => findings,
            _ => &mut [],
        }
    }

    /// The case's own checks found a deviation (not a setup step, not the harness).
    pub fn is_fail(&self) -> bool {
        matches!(self, Outcome::Fail { .. })
    }
}

/// The step that blocked a case, and where what it found is reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    /// 1-based step number.
    pub step: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_name: Option<String>,
    /// The requirement the step cites (creation, say).
    pub requirement: String,
    /// The case of this run that reports the deviation: one that checks the
    /// requirement, or the first case it blocked. Filled in by the gate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reported_by: Option<String>,
}

/// Why the harness could not run a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// Connection refused, DNS, reset.
    Network,
    /// No complete response within the timeout.
    Timeout,
    Tls,
    /// The case itself is broken (an unknown variable, a bad pointer).
    Suite,
    /// The case would have modified a resource this run did not create.
    Unsafe,
    /// The run was stopped (Ctrl-C).
    Interrupted,
    /// The target kept answering 429 Too Many Requests.
    RateLimited,
    /// The target refused the run's own credentials.
    Credentials,
    /// There is no SCIM service at the URL.
    NotScim,
    /// The target file declares what the target does not serve.
    Config,
}

impl ErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Tls => "tls",
            ErrorKind::Suite => "suite",
            ErrorKind::Unsafe => "unsafe",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::RateLimited => "rate-limited",
            ErrorKind::Credentials => "credentials",
            ErrorKind::NotScim => "not-scim",
            ErrorKind::Config => "config",
        }
    }
}

/// A harness failure: kind and message, with secrets already redacted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HarnessError {
    pub kind: ErrorKind,
    pub message: String,
}

impl HarnessError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> HarnessError {
        HarnessError { kind, message: message.into() }
    }

    pub fn suite(message: impl Into<String>) -> HarnessError {
        HarnessError::new(ErrorKind::Suite, message)
    }

    pub fn config(message: impl Into<String>) -> HarnessError {
        HarnessError::new(ErrorKind::Config, message)
    }
}

/// One way the target departed from a requirement.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// 1-based step number, and its name if it has one.
    pub step: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_name: Option<String>,
    pub requirement: Requirement,
    /// How this finding counts in the run, decided by the gate.
    #[serde(flatten)]
    pub disposition: Disposition,
    /// In an identity provider's case: whether this breaks that IdP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    /// What was checked: `status`, `header Location`, `json`, `pointer /totalResults`, ...
    pub check: Check,
    pub expected: String,
    pub actual: String,
    /// Where the expectation is written.
    pub location: Span,
    /// Index into the case's exchanges of the response that made this finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchange: Option<usize>,
}

/// How one finding counts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Disposition {
    /// Not judged yet: the runner's own output, before the gate.
    #[default]
    Unjudged,
    /// At or above `--fail-on`: it fails the run.
    Fail,
    /// A SHOULD below `--fail-on`: reported, not failing.
    Warn,
    /// A MAY: an observation. RFC 2119 makes a MAY optional, so it is never a
    /// failure unless `--fail-on may` asks for it.
    Note,
    /// A waiver accepts it.
    Waived { accepted_by: String, because: String },
    /// The vendor's target file declares it.
    Declared { accepted_by: String, because: String },
}

impl Disposition {
    pub fn as_str(&self) -> &'static str {
        match self {
            Disposition::Unjudged => "unjudged",
            Disposition::Fail => "fail",
            Disposition::Warn => "warn",
            Disposition::Note => "note",
            Disposition::Waived { .. } => "waived",
            Disposition::Declared { .. } => "declared",
        }
    }
}

/// What a finding of an identity provider's case means to that IdP, so a
/// vendor knows what to fix first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Impact {
    /// The IdP, as people name it: "Okta".
    pub idp: String,
    /// The IdP fails on it (it cites one of the IdP's own requirements);
    /// otherwise it is an RFC deviation the IdP's sequence does not depend on.
    pub breaks: bool,
    /// What the IdP does about it, in words for the report.
    pub says: String,
}

impl Impact {
    pub fn of(case_id: &str, requirement: &Requirement) -> Option<Impact> {
        let profile = Profile::of_case(case_id).filter(|p| p.is_idp())?;
        let idp = profile.title().to_string();
        let must = requirement.level == Level::Must;
        let Some(consequence) = &requirement.breaks else {
            return Some(Impact {
                says: format!(
                    "{idp} tolerates this: an RFC deviation, not something {idp}'s own sequence depends on"
                ),
                idp,
                breaks: false,
            });
        };
        let mut says = if must {
            format!("breaks {idp}: {consequence}.")
        } else {
            format!("{idp} works, but: {consequence}.")
        };
        if let Some(rule) = &requirement.departs_from {
            says.push_str(&format!(
                " {idp} sends this although {rule}; a server must accept it anyway to work with {idp}"
            ));
        }
        Some(Impact { says, idp, breaks: must })
    }
}

/// One request and its response, as recorded (credentials redacted).
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    pub step: usize,
    /// When the request went out (RFC 3339, UTC).
    pub started_at: String,
    pub request: RequestRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseRecord>,
    pub elapsed_ms: f64,
    /// How many 429 answers were waited out before this response.
    #[serde(skip_serializing_if = "is_zero")]
    pub rate_limited: u32,
    /// Why the harness sent this request on its own (a GET after a PATCH
    /// that answered 204, the next page of a capped listing, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body was longer than the report keeps (or than the harness reads).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// What a case means for the run: exactly one per case, decided by the gate.
/// The order is the reports': what needs attention first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A finding at or above `--fail-on`, neither waived nor declared.
    Fail,
    /// The harness could not run the case.
    Error,
    /// A step it depends on failed; the deviation is reported elsewhere.
    Blocked,
    /// SHOULD findings below `--fail-on`.
    Warn,
    /// Deviations the vendor declares (target file); reported, not failing.
    Declared,
    /// Deviations a waiver accepts.
    Waived,
    /// MAY observations only.
    Note,
    NotApplicable,
    Pass,
}

impl Verdict {
    pub const ALL: [Verdict; 9] = [
        Verdict::Fail,
        Verdict::Error,
        Verdict::Blocked,
        Verdict::Warn,
        Verdict::Declared,
        Verdict::Waived,
        Verdict::Note,
        Verdict::NotApplicable,
        Verdict::Pass,
    ];

    /// The name reports use and filter on.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Blocked => "blocked",
            Verdict::Warn => "warn",
            Verdict::Declared => "declared",
            Verdict::Waived => "waived",
            Verdict::Note => "note",
            Verdict::NotApplicable => "not-applicable",
            Verdict::Pass => "pass",
        }
    }

    /// A fixed-width label for a line per case.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Fail => "FAIL ",
            Verdict::Error => "ERROR",
            Verdict::Blocked => "BLOCK",
            Verdict::Warn => "WARN ",
            Verdict::Declared => "DECL ",
            Verdict::Waived => "WAIVE",
            Verdict::Note => "NOTE ",
            Verdict::NotApplicable => "N/A  ",
            Verdict::Pass => "PASS ",
        }
    }

    /// What a person reads it as.
    pub fn title(self) -> &'static str {
        match self {
            Verdict::Fail => "failed",
            Verdict::Error => "could not run",
            Verdict::Blocked => "blocked",
            Verdict::Warn => "warned",
            Verdict::Declared => "declared",
            Verdict::Waived => "waived",
            Verdict::Note => "noted",
            Verdict::NotApplicable => "not applicable",
            Verdict::Pass => "passed",
        }
    }

    /// Worth a reader's look: everything but a plain pass or not applicable.
    pub fn needs_attention(self) -> bool {
        !matches!(self, Verdict::Pass | Verdict::NotApplicable)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct CaseReport {
    pub id: String,
    pub title: String,
    pub file: String,
    pub requirements: Vec<Requirement>,
    pub tags: Vec<String>,
    pub outcome: Outcome,
    /// Decided once by the gate; `None` only before it ran.
    pub verdict: Option<Verdict>,
    pub duration_ms: f64,
    pub exchanges: Vec<Exchange>,
}

impl CaseReport {
    /// A case's report with its outcome, not judged yet.
    pub fn of(
        case: &crate::suite::Case,
        outcome: Outcome,
        duration_ms: f64,
        exchanges: Vec<Exchange>,
    ) -> CaseReport {
        CaseReport {
            id: case.id().to_string(),
            title: case.doc.title.clone(),
            file: case.file.clone(),
            requirements: case.requirements.clone(),
            tags: case.doc.tags.clone(),
            outcome,
            verdict: None,
            duration_ms,
            exchanges,
        }
    }

    /// The verdict, or what the outcome alone says when the gate has not run
    /// (a test that looks at a case's raw result).
    pub fn verdict(&self) -> Verdict {
        self.verdict.unwrap_or(match &self.outcome {
            Outcome::Pass => Verdict::Pass,
            Outcome::Fail { .. } => Verdict::Fail,
            Outcome::Blocked { .. } => Verdict::Blocked,
            Outcome::NotApplicable { .. } => Verdict::NotApplicable,
            Outcome::Error { .. } => Verdict::Error,
        })
    }

    pub fn findings_mut(&mut self) -> &mut [Finding] {
        self.outcome.findings_mut()
    }

    /// The strongest level among the requirements the findings cite.
    pub fn worst_level(&self) -> Option<Level> {
        self.outcome.findings().iter().map(|f| f.requirement.level).min()
    }
}

/// The JSON report's case: the verdict, then what the outcome holds.
impl Serialize for CaseReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("title", &self.title)?;
        map.serialize_entry("file", &self.file)?;
        map.serialize_entry("requirements", &self.requirements)?;
        map.serialize_entry("tags", &self.tags)?;
        map.serialize_entry("verdict", &self.verdict())?;
        match &self.outcome {
            Outcome::Pass => {}
            Outcome::Fail { findings } => map.serialize_entry("findings", findings)?,
            Outcome::Blocked { blocker, findings } => {
                map.serialize_entry("blocked_by", blocker)?;
                map.serialize_entry("findings", findings)?;
            }
            Outcome::NotApplicable { reason } => map.serialize_entry("reason", reason)?,
            Outcome::Error { kind, message } => {
                map.serialize_entry("error", &serde_json::json!({ "kind": kind, "message": message }))?;
            }
        }
        map.serialize_entry("duration_ms", &self.duration_ms)?;
        map.serialize_entry("exchanges", &self.exchanges)?;
        map.end()
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A requirement at `level`, for tests of what reads findings.
    pub fn requirement(id: &str, level: Level) -> Requirement {
        Requirement::new(id, "RFC 7644 §3", level, "x")
    }

    /// A finding citing `requirement` at `level`.
    pub fn finding(requirement_id: &str, level: Level) -> Finding {
        Finding {
            step: 1,
            step_name: None,
            requirement: requirement(requirement_id, level),
            disposition: Disposition::Unjudged,
            impact: None,
            check: Check::Status,
            expected: "200".into(),
            actual: "500".into(),
            location: Span::Line { file: "f.yaml".into(), line: 1 },
            exchange: None,
        }
    }

    /// A case that failed one MUST finding citing `requirement`.
    pub fn failing(id: &str, requirement: &str) -> CaseReport {
        report(id, Outcome::Fail { findings: vec![finding(requirement, Level::Must)] })
    }

    /// A case that came out as `outcome`, with nothing else recorded.
    pub fn report(id: &str, outcome: Outcome) -> CaseReport {
        CaseReport {
            id: id.into(),
            title: String::new(),
            file: String::new(),
            requirements: Vec::new(),
            tags: Vec::new(),
            outcome,
            verdict: None,
            duration_ms: 0.0,
            exchanges: Vec::new(),
        }
    }
}
