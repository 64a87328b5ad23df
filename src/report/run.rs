//! The whole run, as every report reads it: the JSON report's root (its
//! schema: `reports/run-report.schema.json`). Built once after the gate has
//! judged every case; nothing here re-derives a verdict.

use crate::gate::baseline::Comparison;
use crate::gate::declared::DeclarationStatus;
use crate::gate::waiver::WaiverStatus;
use crate::runner::model::ModelSummary;
use crate::runner::outcome::{CaseReport, Verdict};
use crate::runner::pace::Settled;
use crate::runner::target::{Limits, ResourceDeclaration, Target};
use crate::runner::tracker::{LeftBehind, Remains};
use crate::suite::capability::Capability;
use crate::suite::profile::Profile;
use crate::suite::requirement::Level;
use serde::Serialize;

/// Version of the JSON report format; bumped on any incompatible change.
/// 2: one `verdict` per case (pass, fail, warn, note, blocked,
/// not-applicable, waived, declared, error) and a `status` per finding.
/// 3: what the target file declares (`target.declared`, `declarations`),
/// what the run left on the target (`left_behind`), and the pace it settled
/// on (`pace`).
pub const REPORT_FORMAT: u32 = 3;

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
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
    /// Whether declared deviations fail the run too (`--fail-on declared`).
    pub fail_on_declared: bool,
    pub summary: Summary,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverStatus>,
    /// The deviations the target file declares, and what became of each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub declarations: Vec<DeclarationStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Comparison>,
    /// What the run created and is still on the target, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_behind: Vec<LeftBehind>,
    /// How many cases ran at once and how fast, as the target allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pace: Option<Settled>,
    pub cases: Vec<CaseReport>,
}

/// What a run comes to, with the line that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunVerdict {
    Compliant(String),
    NotCompliant(String),
    /// The harness could not run some cases: no verdict either way.
    Incomplete(String),
}

impl RunVerdict {
    pub fn headline(&self) -> &str {
        match self {
            RunVerdict::Compliant(s) | RunVerdict::NotCompliant(s) | RunVerdict::Incomplete(s) => s,
        }
    }
}

impl RunReport {
    /// The run's one verdict, which every report and the exit code read:
    /// a run with harness errors is incomplete; an expired waiver always
    /// fails; against a baseline only regressions count.
    pub fn verdict(&self) -> RunVerdict {
        let failing = self.summary.failed;
        if self.summary.errors > 0 {
            let n = self.summary.errors;
            let cases = if n == 1 { "case" } else { "cases" };
            return RunVerdict::Incomplete(format!("incomplete: {n} {cases} could not run"));
        }
        if self.waivers.iter().any(|w| w.expired) {
            return RunVerdict::NotCompliant("not compliant: a waiver has expired".into());
        }
        match &self.baseline {
            Some(b) if !b.regressions.is_empty() => {
                RunVerdict::NotCompliant(format!("{} regressions against the baseline", b.regressions.len()))
            }
            Some(_) if failing > 0 => RunVerdict::Compliant(format!(
                "no regressions against the baseline ({failing} cases fail, as they did there)"
            )),
            None if failing > 0 => RunVerdict::NotCompliant("not compliant".into()),
            _ => RunVerdict::Compliant("compliant".into()),
        }
    }

    /// Whether the run is not compliant as gated.
    pub fn fails(&self) -> bool {
        matches!(self.verdict(), RunVerdict::NotCompliant(_))
    }

    /// Each declaration and what became of it, a line each; `true` where
    /// the server was seen to behave otherwise than declared.
    pub fn declaration_lines(&self) -> Vec<(bool, String)> {
        self.declarations
            .iter()
            .map(|d| {
                let key = &d.declaration.key;
                if d.not_observed() {
                    (
                        true,
                        format!(
                            "{key}: declared but not observed: {} found the server following the RFC instead",
                            d.not_observed_in.join(", ")
                        ),
                    )
                } else if d.declared_in.is_empty() {
                    (false, format!("{key}: no case of this run exercised it"))
                } else {
                    (
                        false,
                        format!(
                            "{key}: {}; {} cases reported as declared ({})",
                            d.declaration.says,
                            d.declared_in.len(),
                            d.declared_in.join(", ")
                        ),
                    )
                }
            })
            .collect()
    }

    /// The pace the run settled on, in a line; `None` for a run that kept none.
    pub fn pace_line(&self) -> Option<String> {
        let p = self.pace.as_ref()?;
        let mut line = format!("at most {} cases at once (ceiling {})", p.peak_concurrency, p.ceiling);
        if p.backoffs > 0 {
            line.push_str(&format!(", backed off {} times when the target pushed back", p.backoffs));
        }
        match (p.rate, p.rate_learned) {
            (Some(rate), true) => line.push_str(&format!(", settled at {rate} requests/s after 429s")),
            (Some(rate), false) => line.push_str(&format!(", at most {rate} requests/s")),
            (None, _) => {}
        }
        Some(line)
    }

    /// What is still on the target, and how to remove it; `None` if nothing is.
    pub fn left_behind_text(&self) -> Option<(String, Vec<String>)> {
        if self.left_behind.is_empty() {
            return None;
        }
        let deactivated = self.left_behind.iter().filter(|l| l.state == Remains::Deactivated).count();
        let mut head = format!(
            "{} resources this run created are still on the target (their names start with {})",
            self.left_behind.len(),
            self.run_id
        );
        if deactivated > 0 {
            head.push_str(&format!(
                "; {deactivated} of them deactivated, as the target file declares DELETE does: remove those with the \
                 vendor's own tools (its admin console, or an API that deletes for good)"
            ));
        }
        let lines =
            self.left_behind.iter().map(|l| format!("{}: {}", l.resource, l.state.describe())).collect();
        Some((head, lines))
    }

    /// The cases with this verdict, in run order.
    pub fn with_verdict(&self, verdict: Verdict) -> impl Iterator<Item = &CaseReport> {
        self.cases.iter().filter(move |c| c.verdict() == verdict)
    }
}

/// Where the run went and what it believed about the target there.
#[derive(Debug, Clone, Serialize)]
pub struct TargetInfo {
    pub url: String,
    /// True when the run used an in-process reference server.
    pub in_process: bool,
    pub capabilities: Vec<Capability>,
    /// How each capability was decided, one line each.
    pub capability_notes: Vec<String>,
    /// What discovery and the probes found the target to be.
    pub model: ModelSummary,
    /// The model in lines for a reader: documents, resource types, what
    /// discovery could not read, what the target file declares.
    pub highlights: Vec<String>,
    /// What the target file declares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared: Option<DeclaredInfo>,
}

/// A target file's declarations, as the report records them.
#[derive(Debug, Clone, Serialize)]
pub struct DeclaredInfo {
    pub limits: Limits,
    pub resources: std::collections::BTreeMap<String, ResourceDeclaration>,
}

impl DeclaredInfo {
    pub fn of(target: &Target) -> Option<DeclaredInfo> {
        let nothing = target.limits == Limits::default() && target.resources.is_empty();
        (!nothing)
            .then(|| DeclaredInfo { limits: target.limits.clone(), resources: target.resources.clone() })
    }
}

/// How many cases ended with each verdict: the one set of numbers every
/// report shows.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub noted: usize,
    pub blocked: usize,
    pub not_applicable: usize,
    pub waived: usize,
    pub declared: usize,
    pub errors: usize,
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
    /// Counts of judged cases.
    pub fn of<'a>(cases: impl IntoIterator<Item = &'a CaseReport>) -> Summary {
        let mut s = Summary::default();
        for c in cases {
            s.total += 1;
            for f in c.outcome.findings() {
                match f.requirement.level {
                    Level::Must => s.findings.must += 1,
                    Level::Should => s.findings.should += 1,
                    Level::May => s.findings.may += 1,
                }
            }
            *s.count_mut(c.verdict()) += 1;
        }
        s
    }

    fn count_mut(&mut self, verdict: Verdict) -> &mut usize {
        match verdict {
            Verdict::Pass => &mut self.passed,
            Verdict::Fail => &mut self.failed,
            Verdict::Warn => &mut self.warned,
            Verdict::Note => &mut self.noted,
            Verdict::Blocked => &mut self.blocked,
            Verdict::NotApplicable => &mut self.not_applicable,
            Verdict::Waived => &mut self.waived,
            Verdict::Declared => &mut self.declared,
            Verdict::Error => &mut self.errors,
        }
    }

    pub fn count(&self, verdict: Verdict) -> usize {
        match verdict {
            Verdict::Pass => self.passed,
            Verdict::Fail => self.failed,
            Verdict::Warn => self.warned,
            Verdict::Note => self.noted,
            Verdict::Blocked => self.blocked,
            Verdict::NotApplicable => self.not_applicable,
            Verdict::Waived => self.waived,
            Verdict::Declared => self.declared,
            Verdict::Error => self.errors,
        }
    }

    /// `N passed, N failed, ...`: every verdict that occurred, in report order.
    pub fn line(&self) -> String {
        let mut parts = vec![format!("{} passed", self.passed), format!("{} failed", self.failed)];
        for verdict in Verdict::ALL {
            if matches!(verdict, Verdict::Pass | Verdict::Fail) {
                continue;
            }
            let n = self.count(verdict);
            if n > 0 {
                parts.push(format!("{n} {}", verdict.title()));
            }
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::outcome::Outcome;
    use crate::runner::outcome::testing::{failing, report};

    #[test]
    fn the_line_names_each_verdict_that_occurred_once() {
        let mut cases = vec![
            report("a::p", Outcome::Pass),
            failing("a::f", "r"),
            report("a::n", Outcome::NotApplicable { reason: "no groups".into() }),
        ];
        cases[1].verdict = Some(Verdict::Warn);
        let s = Summary::of(&cases);
        assert_eq!((s.passed, s.failed, s.warned, s.not_applicable), (1, 0, 1, 1));
        assert_eq!(s.line(), "1 passed, 0 failed, 1 warned, 1 not applicable");
    }
}
