//! The gate: what the run's findings mean. It judges every finding once
//! (fail, warn, note, waived, declared) and every case once (its
//! [`Verdict`]), from the findings' levels, `--fail-on`, the waivers and the
//! vendor's declarations; then every report and the exit code read that.

pub mod baseline;
pub mod declared;
pub mod waiver;

use crate::runner::outcome::{CaseReport, Disposition, Finding, Outcome, Verdict};
use crate::suite::requirement::Level;
use baseline::{Baseline, Comparison};
use declared::{Declaration, DeclarationStatus};
use std::collections::HashMap;
use waiver::{WaiverStatus, Waivers};

/// What decides the verdicts, read before the run so a bad file stops it
/// before it starts.
#[derive(Debug, Clone)]
pub struct Gate {
    /// The weakest level whose findings fail the run.
    pub fail_on: Level,
    /// Declared deviations fail the run too.
    pub fail_on_declared: bool,
    pub waivers: Waivers,
    /// Deviations the vendor's target file declares.
    pub declarations: Vec<Declaration>,
    pub baseline: Option<Baseline>,
}

impl Default for Gate {
    fn default() -> Gate {
        Gate {
            fail_on: Level::Must,
            fail_on_declared: false,
            waivers: Waivers::default(),
            declarations: Vec::new(),
            baseline: None,
        }
    }
}

/// What the gate found beyond the verdicts.
#[derive(Debug, Clone, Default)]
pub struct Judgement {
    pub waivers: Vec<WaiverStatus>,
    pub declarations: Vec<DeclarationStatus>,
    pub baseline: Option<Comparison>,
}

impl Gate {
    pub fn new(fail_on: Level) -> Gate {
        Gate { fail_on, ..Gate::default() }
    }

    /// Judges every finding and every case of a finished run.
    pub fn judge(&self, cases: &mut [CaseReport], today: time::Date) -> Judgement {
        let mut waivers = self.waivers.statuses(today);
        let mut declarations: Vec<DeclarationStatus> = self
            .declarations
            .iter()
            .map(|d| DeclarationStatus {
                declaration: d.clone(),
                declared_in: Vec::new(),
                not_observed_in: Vec::new(),
            })
            .collect();
        for case in cases.iter_mut() {
            let id = case.id.clone();
            let exchanges = &case.exchanges;
            for finding in case.outcome.findings_mut() {
                let declared = declarations.iter_mut().find(|d| d.declaration.covers(exchanges, finding));
                if let Some(status) = declared {
                    if !status.declared_in.contains(&id) {
                        status.declared_in.push(id.clone());
                    }
                    finding.disposition = Disposition::Declared {
                        accepted_by: status.declaration.key.clone(),
                        because: status.declaration.says.clone(),
                    };
                    continue;
                }
                finding.disposition = match self.waivers.accepting(&waivers, &id, &finding.requirement.id) {
                    Some(i) => {
                        if !waivers[i].waived.contains(&id) {
                            waivers[i].waived.push(id.clone());
                        }
                        Disposition::Waived {
                            accepted_by: waivers[i].id.clone(),
                            because: waivers[i].reason.clone(),
                        }
                    }
                    None => self.by_level(finding.requirement.level),
                };
            }
        }
        resolve_blocked(cases);
        for case in cases.iter_mut() {
            case.verdict = Some(verdict_of(case, self.fail_on_declared));
        }
        for status in &mut declarations {
            for case in cases.iter() {
                let checks =
                    case.requirements.iter().any(|r| status.declaration.requirements.contains(&r.id));
                let about = case.exchanges.iter().any(|e| status.declaration.is_about(&e.request.url));
                if checks && about && case.verdict() == Verdict::Pass {
                    status.not_observed_in.push(case.id.clone());
                }
            }
        }
        let baseline = self.baseline.as_ref().map(|b| b.compare(cases));
        Judgement { waivers, declarations, baseline }
    }

    /// A case as it finishes, for its live line: its findings judged as the
    /// end of the run will judge them, but a blocked case stays blocked:
    /// which case reports its blocker is known only once every case ran.
    pub fn judge_live(&self, case: &mut CaseReport) {
        self.judge(std::slice::from_mut(case), waiver::today());
        if matches!(case.outcome, Outcome::Blocked { .. }) {
            case.verdict = Some(Verdict::Blocked);
        }
    }

    fn by_level(&self, level: Level) -> Disposition {
        if level <= self.fail_on {
            Disposition::Fail
        } else if level == Level::Should {
            Disposition::Warn
        } else {
            Disposition::Note
        }
    }
}

/// A case's verdict from its judged findings; under `--fail-on declared` a
/// declared finding fails like any failing one, whatever else the case found.
fn verdict_of(case: &CaseReport, fail_on_declared: bool) -> Verdict {
    match &case.outcome {
        Outcome::Pass => Verdict::Pass,
        Outcome::NotApplicable { .. } => Verdict::NotApplicable,
        Outcome::Error { .. } => Verdict::Error,
        Outcome::Blocked { blocker, .. } if blocker.reported_by.is_some() => Verdict::Blocked,
        Outcome::Blocked { findings, .. } | Outcome::Fail { findings } => {
            of_findings(findings, fail_on_declared)
        }
    }
}

/// The most pressing disposition among the findings.
fn of_findings(findings: &[Finding], fail_on_declared: bool) -> Verdict {
    let has = |d: fn(&Disposition) -> bool| findings.iter().any(|f| d(&f.disposition));
    let declared = has(|d| matches!(d, Disposition::Declared { .. }));
    if has(|d| matches!(d, Disposition::Fail | Disposition::Unjudged)) || (fail_on_declared && declared) {
        Verdict::Fail
    } else if has(|d| matches!(d, Disposition::Warn)) {
        Verdict::Warn
    } else if declared {
        Verdict::Declared
    } else if has(|d| matches!(d, Disposition::Waived { .. })) {
        Verdict::Waived
    } else {
        Verdict::Note
    }
}

/// Each blocked case names the case that reports what blocked it: one of
/// this run's cases that checks the blocking requirement and failed it, or
/// else the first case it blocked, which then reports it itself. So one root
/// cause is one finding, however many cases it stops.
fn resolve_blocked(cases: &mut [CaseReport]) {
    let mut reporter: HashMap<String, String> = HashMap::new();
    for case in cases.iter() {
        if let Outcome::Fail { findings } = &case.outcome {
            for f in findings {
                let checks_it = case.requirements.iter().any(|r| r.id == f.requirement.id);
                if checks_it {
                    reporter.entry(f.requirement.id.clone()).or_insert_with(|| case.id.clone());
                }
            }
        }
    }
    for case in cases.iter_mut() {
        let id = case.id.clone();
        if let Outcome::Blocked { blocker, .. } = &mut case.outcome {
            match reporter.get(&blocker.requirement) {
                Some(other) if *other != id => blocker.reported_by = Some(other.clone()),
                Some(_) => blocker.reported_by = None,
                None => {
                    reporter.insert(blocker.requirement.clone(), id);
                    blocker.reported_by = None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::outcome::Blocker;
    use crate::runner::outcome::testing::{finding, report};

    fn judged(gate: &Gate, mut cases: Vec<CaseReport>) -> Vec<Verdict> {
        gate.judge(&mut cases, waiver::today());
        cases.iter().map(CaseReport::verdict).collect()
    }

    fn with_findings(id: &str, levels: &[Level]) -> CaseReport {
        let findings = levels.iter().map(|l| finding(&format!("req.{l}").to_lowercase(), *l)).collect();
        report(id, Outcome::Fail { findings })
    }

    #[test]
    fn levels_decide_fail_warn_and_note_under_fail_on() {
        let cases = || {
            vec![
                with_findings("a::must", &[Level::Must, Level::May]),
                with_findings("a::should", &[Level::Should, Level::May]),
                with_findings("a::may", &[Level::May]),
                report("a::pass", Outcome::Pass),
            ]
        };
        use Verdict::*;
        assert_eq!(judged(&Gate::new(Level::Must), cases()), [Fail, Warn, Note, Pass]);
        assert_eq!(judged(&Gate::new(Level::Should), cases()), [Fail, Fail, Note, Pass]);
        assert_eq!(judged(&Gate::new(Level::May), cases()), [Fail, Fail, Fail, Pass]);
    }

    #[test]
    fn under_fail_on_declared_a_declared_finding_fails_its_case_beside_a_warning() {
        let mut declared = finding("req.declared", Level::Must);
        declared.disposition = Disposition::Declared { accepted_by: "k".into(), because: "b".into() };
        let mut warned = finding("req.should", Level::Should);
        warned.disposition = Disposition::Warn;
        let findings = [declared, warned];
        assert_eq!(of_findings(&findings, false), Verdict::Warn);
        assert_eq!(of_findings(&findings, true), Verdict::Fail);
        assert_eq!(of_findings(&findings[..1], false), Verdict::Declared);
    }

    #[test]
    fn every_finding_gets_a_status() {
        let mut cases = vec![with_findings("a::b", &[Level::Must, Level::Should, Level::May])];
        Gate::new(Level::Must).judge(&mut cases, waiver::today());
        let statuses: Vec<&str> =
            cases[0].outcome.findings().iter().map(|f| f.disposition.as_str()).collect();
        assert_eq!(statuses, ["fail", "warn", "note"]);
    }

    #[test]
    fn a_blocker_is_reported_once_where_it_is_checked_or_by_the_first_case_it_blocked() {
        let blocked = |id: &str, req: &str| {
            let blocker = Blocker { step: 1, step_name: None, requirement: req.into(), reported_by: None };
            report(id, Outcome::Blocked { blocker, findings: vec![finding(req, Level::Must)] })
        };
        let mut checker =
            report("crud::create", Outcome::Fail { findings: vec![finding("create", Level::Must)] });
        checker.requirements = vec![crate::runner::outcome::testing::requirement("create", Level::Must)];
        let mut cases = vec![
            blocked("patch::a", "create"),
            checker,
            blocked("patch::b", "put"),
            blocked("patch::c", "put"),
        ];
        Gate::new(Level::Must).judge(&mut cases, waiver::today());
        let verdicts: Vec<Verdict> = cases.iter().map(CaseReport::verdict).collect();
        assert_eq!(verdicts, [Verdict::Blocked, Verdict::Fail, Verdict::Fail, Verdict::Blocked]);
        let reported_by = |c: &CaseReport| match &c.outcome {
            Outcome::Blocked { blocker, .. } => blocker.reported_by.clone(),
            _ => None,
        };
        assert_eq!(reported_by(&cases[0]).as_deref(), Some("crud::create"));
        assert_eq!(reported_by(&cases[2]), None, "the first case a cause blocks reports it");
        assert_eq!(reported_by(&cases[3]).as_deref(), Some("patch::b"));
    }

    #[test]
    fn waived_findings_make_a_waived_case_and_a_later_fail_still_fails() {
        let waivers =
            Waivers::parse(std::path::Path::new("waivers.yaml"), "- { id: req.must, reason: known }\n")
                .unwrap();
        let gate = Gate { waivers, ..Gate::default() };
        let verdicts = judged(
            &gate,
            vec![
                with_findings("a::w", &[Level::Must]),
                with_findings("a::mixed", &[Level::Must, Level::Must]),
            ],
        );
        assert_eq!(verdicts[0], Verdict::Waived);
        // Both findings cite req.must here, so both are waived.
        assert_eq!(verdicts[1], Verdict::Waived);
        let mut other = with_findings("a::x", &[Level::Must]);
        if let Outcome::Fail { findings } = &mut other.outcome {
            findings.push(finding("other", Level::Must));
        }
        assert_eq!(judged(&gate, vec![other]), [Verdict::Fail]);
    }
}
