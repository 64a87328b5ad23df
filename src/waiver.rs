//! Waivers: known gaps a pipeline accepts for now. A waived failure is still
//! reported, marked waived, and does not fail the run; a waiver past its
//! expiry date fails the run, so that accepting a gap stays a decision.
//!
//! ```yaml
//! - id: rfc7644::bulk::circular_references   # a case id, or a requirement id
//!   reason: Bulk is not offered until Q3 (TICKET-123)
//!   expires: 2027-03-31                     # optional
//! ```

use crate::runner::outcome::{CaseReport, Outcome};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// A case id (`rfc7644::bulk::circular_references`) or a requirement id
    /// (`rfc7644.3.7.1.circular-resolve`): a case is waived when its id is named,
    /// or when every finding it has cites a named requirement.
    pub id: String,
    pub reason: String,
    /// `YYYY-MM-DD`; the waiver applies up to and including that day.
    #[serde(default)]
    pub expires: Option<String>,
}

/// What became of a waiver in a run, for the reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverStatus {
    pub id: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub expired: bool,
    /// The cases it waived in this run.
    pub waived: Vec<String>,
}

/// The waiver a case's failure was waived by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waived {
    pub by: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Waivers(Vec<Waiver>);

impl Waivers {
    pub fn load(path: &Path) -> Result<Waivers, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Waivers::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Waivers, String> {
        let list: Vec<Waiver> = if text.trim().is_empty() {
            Vec::new()
        } else {
            serde_saphyr::from_str(text).map_err(|e| e.to_string())?
        };
        for w in &list {
            if w.reason.trim().is_empty() {
                return Err(format!("the waiver for {} needs a reason", w.id));
            }
            if let Some(date) = &w.expires
                && parse_date(date).is_none()
            {
                return Err(format!("the waiver for {}: expires: {date} is not a date (YYYY-MM-DD)", w.id));
            }
        }
        Ok(Waivers(list))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Marks the failing cases each waiver covers, on `today`; returns what
    /// became of every waiver. An expired waiver waives nothing.
    pub fn apply(&self, cases: &mut [CaseReport], today: time::Date) -> Vec<WaiverStatus> {
        let mut statuses: Vec<WaiverStatus> = self
            .0
            .iter()
            .map(|w| WaiverStatus {
                id: w.id.clone(),
                reason: w.reason.clone(),
                expires: w.expires.clone(),
                expired: w.expires.as_deref().and_then(parse_date).is_some_and(|d| d < today),
                waived: Vec::new(),
            })
            .collect();
        for case in cases.iter_mut() {
            let Outcome::Fail { findings } = &case.outcome else { continue };
            let live = |s: &WaiverStatus| !s.expired;
            // The case's own waiver, or one for each requirement its findings cite.
            let by: Vec<usize> = match statuses.iter().position(|s| live(s) && s.id == case.id) {
                Some(i) => vec![i],
                None => {
                    let per_finding: Option<Vec<usize>> = findings
                        .iter()
                        .map(|f| statuses.iter().position(|s| live(s) && s.id == f.requirement.id))
                        .collect();
                    let mut by = per_finding.filter(|b| !b.is_empty()).unwrap_or_default();
                    by.sort_unstable();
                    by.dedup();
                    by
                }
            };
            if by.is_empty() {
                continue;
            }
            for &i in &by {
                statuses[i].waived.push(case.id.clone());
            }
            let ids: Vec<&str> = by.iter().map(|&i| statuses[i].id.as_str()).collect();
            let reasons: Vec<&str> = by.iter().map(|&i| statuses[i].reason.as_str()).collect();
            case.waived = Some(Waived { by: ids.join(", "), reason: reasons.join("; ") });
        }
        statuses
    }
}

fn parse_date(text: &str) -> Option<time::Date> {
    time::Date::parse(text.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Today's date, in UTC.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::outcome::testing::failing;

    fn day(text: &str) -> time::Date {
        parse_date(text).unwrap()
    }

    #[test]
    fn a_case_or_requirement_waiver_marks_the_failure_until_it_expires() {
        let waivers = Waivers::parse(
            "- { id: a::b::c, reason: known, expires: 2026-12-31 }\n- { id: rfc.req, reason: later }\n",
        )
        .unwrap();
        let mut two = failing("a::b::f", "rfc.req");
        if let Outcome::Fail { findings } = &mut two.outcome {
            let mut second = findings[0].clone();
            second.requirement.id = "x.y".into();
            findings.push(second);
        }
        let mut cases =
            vec![failing("a::b::c", "x.y"), failing("a::b::d", "rfc.req"), failing("a::b::e", "other"), two];
        let statuses = waivers.apply(&mut cases, day("2026-12-31"));
        assert_eq!(cases[0].waived.as_ref().unwrap().by, "a::b::c");
        assert_eq!(cases[1].waived.as_ref().unwrap().by, "rfc.req");
        assert!(cases[2].waived.is_none());
        // One finding on rfc.req (waived), one on x.y (no requirement waiver): not waived.
        assert!(cases[3].waived.is_none());
        assert!(statuses.iter().all(|s| !s.expired));
        let both = Waivers::parse("- { id: rfc.req, reason: one }\n- { id: x.y, reason: two }\n").unwrap();
        let mut case = vec![cases[3].clone()];
        both.apply(&mut case, day("2026-01-01"));
        assert_eq!(case[0].waived.as_ref().unwrap().by, "rfc.req, x.y");

        let mut cases = vec![failing("a::b::c", "x.y")];
        let statuses = waivers.apply(&mut cases, day("2027-01-01"));
        assert!(cases[0].waived.is_none(), "an expired waiver waives nothing");
        assert!(statuses[0].expired);
    }

    #[test]
    fn a_waiver_needs_a_reason_and_a_real_date() {
        assert!(Waivers::parse("- { id: a::b, reason: '' }").unwrap_err().contains("reason"));
        assert!(
            Waivers::parse("- { id: a::b, reason: r, expires: soon }").unwrap_err().contains("not a date")
        );
        assert!(Waivers::parse("- { id: a::b, reason: r, until: 2020-01-01 }").is_err());
    }
}
