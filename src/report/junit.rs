//! JUnit XML: one testsuite per area (`rfc7644::crud`), one testcase per case,
//! from the case's verdict. Only a failing verdict is a `<failure>` and only
//! a harness problem an `<error>`, so a CI dashboard tells "the server is
//! wrong" from "the run broke"; not applicable, waived and declared are
//! `<skipped>` with the reason; warnings, notes and blocked cases pass, with
//! what was found in `<system-out>`.

use super::RunReport;
use crate::runner::outcome::{CaseReport, Outcome, Verdict};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

pub fn render(run: &RunReport) -> Result<String, String> {
    let mut report = Report::new("scimitar");
    let mut suites: Vec<(String, TestSuite)> = Vec::new();
    for case in &run.cases {
        let area = super::area(&case.id).to_string();
        let index = match suites.iter().position(|(a, _)| *a == area) {
            Some(i) => i,
            None => {
                suites.push((area.clone(), TestSuite::new(area.clone())));
                suites.len() - 1
            }
        };
        suites[index].1.add_test_case(test_case(case, &area));
    }
    report.add_test_suites(suites.into_iter().map(|(_, s)| s));
    report.set_time(Duration::from_secs_f64(run.duration_ms / 1000.0));
    report.to_string().map_err(|e| e.to_string())
}

fn test_case(case: &CaseReport, area: &str) -> TestCase {
    let first = case.outcome.findings().first();
    let headline = first.map(|f| {
        format!("{} {}: {} ({})", f.requirement.source, f.requirement.level, f.requirement.says, f.check)
    });
    let status = match case.verdict() {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::Fail => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            if let Some(f) = first {
                s.set_type(f.requirement.level.as_str());
            }
            s.set_message(headline.clone().unwrap_or_default());
            s.set_description(describe(case));
            s
        }
        Verdict::Error => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            if let Outcome::Error { kind, message } = &case.outcome {
                s.set_message(message.as_str());
                s.set_type(kind.name());
            }
            s.set_description(describe(case));
            s
        }
        Verdict::NotApplicable | Verdict::Waived | Verdict::Declared => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(skip_message(case));
            if case.verdict() != Verdict::NotApplicable {
                s.set_description(describe(case));
            }
            s
        }
        // Passing test cases that say what was found: they do not fail the run.
        Verdict::Warn | Verdict::Note | Verdict::Blocked => TestCaseStatus::success(),
    };
    let name = case.id.strip_prefix(area).map(|n| n.trim_start_matches(':')).unwrap_or(&case.id).to_string();
    let mut tc = TestCase::new(name, status);
    tc.set_classname(area);
    tc.set_time(Duration::from_secs_f64(case.duration_ms / 1000.0));
    if matches!(case.verdict(), Verdict::Warn | Verdict::Note | Verdict::Blocked) {
        tc.set_system_out(format!("{}: {}", case.verdict().title(), describe(case)));
    }
    tc
}

/// Why a skipped test case was skipped.
fn skip_message(case: &CaseReport) -> String {
    use crate::runner::outcome::Disposition;
    match &case.outcome {
        Outcome::NotApplicable { reason } => format!("not applicable: {reason}"),
        _ => {
            let accepted = case.outcome.findings().iter().find_map(|f| match &f.disposition {
                Disposition::Waived { accepted_by, because } => {
                    Some(format!("waived by {accepted_by}: {because}"))
                }
                Disposition::Declared { accepted_by, because } => {
                    Some(format!("declared in {accepted_by}: {because}"))
                }
                _ => None,
            });
            let first = case
                .outcome
                .findings()
                .first()
                .map(|f| format!("; {} {}: {}", f.requirement.source, f.requirement.level, f.check));
            format!("{}{}", accepted.unwrap_or_default(), first.unwrap_or_default())
        }
    }
}

fn describe(case: &CaseReport) -> String {
    let mut text = format!("{}\n", case.title);
    if let Outcome::Blocked { blocker, .. } = &case.outcome {
        text.push_str(&format!("{}\n", super::terminal::blocked_text(blocker)));
    }
    for f in case.outcome.findings() {
        text.push_str(&format!(
            "\n[{}] step {} at {}: {}\n{} {}: {}\nexpected: {}\nactual:   {}\n",
            f.disposition.as_str(),
            f.step,
            f.location,
            f.check,
            f.requirement.source,
            f.requirement.level,
            f.requirement.says,
            f.expected,
            f.actual
        ));
    }
    text
}
