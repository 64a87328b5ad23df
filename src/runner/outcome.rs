//! What a run produces: data, not errors. A server that is wrong yields
//! findings (`Fail`); a harness that could not run yields `Error`. The two
//! never mix, in types, reports or exit codes.

use crate::suite::capability::Capability;
use crate::suite::profile::Profile;
use crate::suite::requirement::{Level, Requirement};
use serde::Serialize;

/// One case's verdict.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    /// The target did not do what the requirements ask.
    Fail {
        findings: Vec<Finding>,
    },
    /// The harness could not complete the case.
    Error {
        kind: ErrorKind,
        message: String,
    },
    /// The case does not apply to this target.
    Skip {
        reason: String,
    },
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail { .. } => "FAIL",
            Outcome::Error { .. } => "ERROR",
            Outcome::Skip { .. } => "SKIP",
        }
    }

    pub fn findings(&self) -> &[Finding] {
        match self {
            Outcome::Fail { findings } => findings,
            _ => &[],
        }
    }
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
}

/// One way the target departed from a requirement.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// 1-based step number, and its name if it has one.
    pub step: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_name: Option<String>,
    pub requirement: Requirement,
    /// In an identity provider's case: whether this breaks that IdP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    /// What was checked: `status`, `header Location`, `json`, `pointer /totalResults`, ...
    pub check: String,
    pub expected: String,
    pub actual: String,
    /// `file:line` of the expectation in the suite.
    pub location: String,
    /// Index into the case's exchanges of the response that made this finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchange: Option<usize>,
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

#[derive(Debug, Clone, Serialize)]
pub struct CaseReport {
    pub id: String,
    pub title: String,
    pub file: String,
    pub requirements: Vec<Requirement>,
    pub tags: Vec<String>,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// A failure a waiver accepts: still reported, no longer failing the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<crate::waiver::Waived>,
    pub duration_ms: f64,
    pub exchanges: Vec<Exchange>,
}

impl CaseReport {
    /// A case's report with its outcome; not waived (waivers apply after the run).
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
            waived: None,
            duration_ms,
            exchanges,
        }
    }

    /// The strongest level among the requirements a failing case's findings cite.
    pub fn worst_level(&self) -> Option<Level> {
        self.outcome.findings().iter().map(|f| f.requirement.level).min()
    }

    /// Whether this case makes the run non-compliant: a finding at `fail_on`
    /// or stronger (MUST by default), unless a waiver accepts it.
    pub fn fails_run(&self, fail_on: Level) -> bool {
        self.waived.is_none() && self.worst_level().is_some_and(|worst| worst <= fail_on)
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    /// Failed cases whose findings are all SHOULD or MAY: reported, not gating
    /// unless `--fail-on` says so.
    pub warnings: usize,
    /// Failed cases a waiver accepts (counted in `failed` too).
    pub waived: usize,
    pub errors: usize,
    pub skipped: usize,
    /// Requests sent, retries included.
    pub requests: u64,
    /// 429 answers waited out.
    pub rate_limited: u64,
    /// Resources this run created and could not delete (or kept with --keep).
    pub left_behind: usize,
    /// Findings by the level of the requirement they cite.
    pub findings: LevelCounts,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct LevelCounts {
    pub must: usize,
    pub should: usize,
    pub may: usize,
}

impl LevelCounts {
    pub fn get(&self, level: Level) -> usize {
        match level {
            Level::Must => self.must,
            Level::Should => self.should,
            Level::May => self.may,
        }
    }
}

impl Summary {
    pub fn of(cases: &[CaseReport]) -> Summary {
        let mut s = Summary { total: cases.len(), ..Summary::default() };
        for c in cases {
            for f in c.outcome.findings() {
                match f.requirement.level {
                    Level::Must => s.findings.must += 1,
                    Level::Should => s.findings.should += 1,
                    Level::May => s.findings.may += 1,
                }
            }
            match c.outcome {
                Outcome::Pass => s.passed += 1,
                Outcome::Fail { .. } => {
                    s.failed += 1;
                    s.warnings += usize::from(c.worst_level().is_some_and(|l| l != Level::Must));
                    s.waived += usize::from(c.waived.is_some());
                }
                Outcome::Error { .. } => s.errors += 1,
                Outcome::Skip { .. } => s.skipped += 1,
            }
        }
        s
    }

    /// `N passed, N failed, N skipped` (and warnings and errors when there are some).
    pub fn line(&self) -> String {
        let mut line = format!("{} passed, {} failed, {} skipped", self.passed, self.failed, self.skipped);
        if self.warnings > 0 {
            line.push_str(&format!(" ({} of the failures SHOULD or MAY only)", self.warnings));
        }
        if self.waived > 0 {
            line.push_str(&format!(", {} of them waived", self.waived));
        }
        if self.errors > 0 {
            line.push_str(&format!(", {} errors", self.errors));
        }
        line
    }
}

/// Where the run went and what it found there.
#[derive(Debug, Clone, Serialize)]
pub struct TargetInfo {
    pub url: String,
    /// True when the run used an in-process reference server.
    pub in_process: bool,
    pub capabilities: Vec<Capability>,
    /// How each capability was decided, one line each.
    pub capability_notes: Vec<String>,
}

/// The whole run: the JSON report's root (its schema: `reports/run-report.schema.json`).
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Version of this report format; bumped on any incompatible change.
    pub format: u32,
    pub scimitar: String,
    pub run_id: String,
    pub started_at: String,
    pub duration_ms: f64,
    pub target: TargetInfo,
    /// The clients the run played (`rfc`, `okta`, ...); empty for a replayed recording.
    pub profiles: Vec<Profile>,
    /// The weakest level whose findings fail the run.
    pub fail_on: Level,
    pub summary: Summary,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<crate::waiver::WaiverStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baseline::Comparison>,
    pub cases: Vec<CaseReport>,
}

impl RunReport {
    /// Whether the run is compliant as gated: against a baseline only
    /// regressions count; an expired waiver always fails.
    pub fn fails(&self) -> bool {
        let expired = self.waivers.iter().any(|w| w.expired);
        let failing = match &self.baseline {
            Some(comparison) => !comparison.regressions.is_empty(),
            None => self.cases.iter().any(|c| c.fails_run(self.fail_on)),
        };
        expired || failing
    }
}

pub const REPORT_FORMAT: u32 = 1;

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A case that failed one MUST finding citing `requirement`.
    pub fn failing(id: &str, requirement: &str) -> CaseReport {
        let requirement = Requirement {
            id: requirement.into(),
            source: "RFC 7644 §3".into(),
            level: Level::Must,
            says: "x".into(),
            quote: None,
            observable: true,
            reason: None,
            note: None,
            breaks: None,
            departs_from: None,
            confidence: None,
        };
        let finding = Finding {
            step: 1,
            step_name: None,
            requirement,
            impact: None,
            check: "status".into(),
            expected: "200".into(),
            actual: "500".into(),
            location: "f.yaml:1".into(),
            exchange: None,
        };
        report(id, Outcome::Fail { findings: vec![finding] })
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
            waived: None,
            duration_ms: 0.0,
            exchanges: Vec::new(),
        }
    }
}
