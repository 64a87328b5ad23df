//! Baselines: compare a run with an earlier JSON report, so a pipeline fails
//! on what got worse (regressions), not on gaps it already knew of, and sees
//! what got better (fixed).

use crate::file_error::FileError;
use crate::runner::outcome::{CaseReport, Disposition, Verdict};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// The earlier run, as far as a comparison needs it.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub file: String,
    /// Cases that failed in the earlier run, waived or not.
    failing: BTreeSet<String>,
    /// (case, requirement) of every finding of the earlier run: a case that
    /// still fails, but now on a requirement it did not break before, got worse.
    broken: BTreeSet<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub file: String,
    /// Failing now (at the run's --fail-on level, unwaived) on a requirement
    /// the case did not break before.
    pub regressions: Vec<String>,
    /// Failing before, passing now.
    pub fixed: Vec<String>,
    /// Failing before and now.
    pub still_failing: Vec<String>,
}

impl Baseline {
    /// Reads a report written by `scimitar run --json`.
    pub fn load(path: &Path) -> Result<Baseline, FileError> {
        Baseline::parse(path, &FileError::read(path)?)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Baseline, FileError> {
        let report: serde_json::Value = serde_json::from_str(text).map_err(|e| FileError::Invalid {
            path: path.to_path_buf(),
            line: Some(e.line()),
            message: format!("not a JSON report: {e}"),
        })?;
        let cases = report
            .get("cases")
            .and_then(|c| c.as_array())
            .ok_or_else(|| FileError::invalid(path, "no \"cases\": is it a `scimitar run --json` report?"))?;
        let mut baseline = Baseline { file: path.display().to_string(), ..Baseline::default() };
        for case in cases {
            let Some(id) = case.get("id").and_then(|v| v.as_str()) else { continue };
            // Format 2 reports a verdict; format 1 called a failing case's outcome "fail".
            let verdict = case.get("verdict").or_else(|| case.get("outcome")).and_then(|v| v.as_str());
            if verdict == Some("fail") {
                baseline.failing.insert(id.to_string());
            }
            for finding in case.get("findings").and_then(|f| f.as_array()).into_iter().flatten() {
                if let Some(requirement) = finding.pointer("/requirement/id").and_then(|r| r.as_str()) {
                    baseline.broken.insert((id.to_string(), requirement.to_string()));
                }
            }
        }
        Ok(baseline)
    }

    /// The run against the baseline, by verdict: a case failing now that
    /// failed before on the same requirements is still failing; one that
    /// fails on a requirement it did not break before regressed.
    pub fn compare(&self, cases: &[CaseReport]) -> Comparison {
        let mut c = Comparison { file: self.file.clone(), ..Comparison::default() };
        for case in cases {
            let failed_before = self.failing.contains(&case.id);
            let failing_now = case.verdict() == Verdict::Fail;
            let newly_broken = failing_now
                && case.outcome.findings().iter().any(|f| {
                    f.disposition == Disposition::Fail
                        && !self.broken.contains(&(case.id.clone(), f.requirement.id.clone()))
                });
            match (failing_now, failed_before, case.verdict()) {
                (true, _, _) if newly_broken => c.regressions.push(case.id.clone()),
                (true, true, _) => c.still_failing.push(case.id.clone()),
                (false, true, Verdict::Pass) => c.fixed.push(case.id.clone()),
                _ => {}
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::{Gate, waiver};
    use crate::runner::outcome::Outcome;
    use crate::runner::outcome::testing::{failing, report as case};
    use crate::suite::requirement::Level;

    #[test]
    fn new_failures_regress_old_ones_do_not_and_passing_ones_are_fixed() {
        let before = r#"{"cases": [
            {"id": "a::x", "outcome": "fail", "findings": [{"requirement": {"id": "r"}}]},
            {"id": "a::y", "outcome": "fail", "findings": [{"requirement": {"id": "r"}}]},
            {"id": "a::w", "outcome": "fail", "findings": [{"requirement": {"id": "weak"}}]},
            {"id": "a::z", "outcome": "pass"}
        ]}"#;
        let baseline = Baseline::parse(Path::new("before.json"), before).unwrap();
        let mut now = [
            case("a::x", Outcome::Pass),
            failing("a::y", "r"),
            failing("a::w", "r"),
            failing("a::z", "r"),
            failing("a::new", "r"),
        ];
        Gate::new(Level::Must).judge(&mut now, waiver::today());
        let c = baseline.compare(&now);
        assert_eq!(c.fixed, vec!["a::x"]);
        assert_eq!(c.still_failing, vec!["a::y"]);
        // a::w failed before, but not on r: it got worse.
        assert_eq!(c.regressions, vec!["a::w", "a::z", "a::new"]);
    }

    #[test]
    fn a_file_that_is_not_a_report_is_refused() {
        assert!(
            Baseline::parse(Path::new("x.json"), "[1]").unwrap_err().to_string().contains("no \"cases\"")
        );
        assert!(
            Baseline::parse(Path::new("x.json"), "{").unwrap_err().to_string().contains("not a JSON report")
        );
    }
}
