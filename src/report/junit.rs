//! JUnit XML: one testsuite per area (`rfc7644::crud`), one testcase per case.
//! A non-compliance is a `<failure>`; a harness problem an `<error>`, so a CI
//! dashboard can tell "the server is wrong" from "the run broke".

use crate::runner::outcome::{CaseReport, Outcome, RunReport};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

pub fn render(run: &RunReport) -> Result<String, String> {
    let mut report = Report::new("scimitar");
    let mut suites: Vec<(String, TestSuite)> = Vec::new();
    for case in &run.cases {
        let area = area(&case.id);
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

fn area(id: &str) -> String {
    match id.rsplit_once("::") {
        Some((area, _)) => area.to_string(),
        None => id.to_string(),
    }
}

fn test_case(case: &CaseReport, area: &str) -> TestCase {
    let status = match &case.outcome {
        Outcome::Pass => TestCaseStatus::success(),
        Outcome::Skip { reason } => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(reason.as_str());
            s
        }
        // A waived failure is known and accepted: not red on a dashboard, and
        // not hidden either.
        Outcome::Fail { findings } if case.waived.is_some() => {
            let mut s = TestCaseStatus::skipped();
            let w = case.waived.as_ref().map(|w| format!("{}: {}", w.by, w.reason)).unwrap_or_default();
            let first = findings
                .first()
                .map(|f| format!("; {} {}: {}", f.requirement.source, f.requirement.level, f.check));
            s.set_message(format!("waived by {w}{}", first.unwrap_or_default()));
            s.set_description(describe(case));
            s
        }
        Outcome::Fail { findings } => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            if let Some(first) = findings.first() {
                s.set_message(format!(
                    "{} {}: {} ({})",
                    first.requirement.source, first.requirement.level, first.requirement.says, first.check
                ));
                s.set_type(first.requirement.level.as_str());
            }
            s.set_description(describe(case));
            s
        }
        Outcome::Error { kind, message, .. } => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(message.as_str());
            s.set_type(super::terminal::kind_name(*kind));
            s.set_description(describe(case));
            s
        }
    };
    let name = case.id.strip_prefix(area).map(|n| n.trim_start_matches(':')).unwrap_or(&case.id).to_string();
    let mut tc = TestCase::new(name, status);
    tc.set_classname(area);
    tc.set_time(Duration::from_secs_f64(case.duration_ms / 1000.0));
    tc
}

fn describe(case: &CaseReport) -> String {
    let mut text = format!("{}\n", case.title);
    for f in case.outcome.findings() {
        text.push_str(&format!(
            "\nstep {} at {}: {}\n{} {}: {}\nexpected: {}\nactual:   {}\n",
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
