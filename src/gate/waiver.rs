//! Waivers: known gaps a pipeline accepts for now. A waived failure is still
//! reported, marked waived, and does not fail the run; a waiver past its
//! expiry date fails the run, so that accepting a gap stays a decision.
//!
//! ```yaml
//! - id: rfc7644::bulk::circular_references   # a case id, or a requirement id
//!   reason: Bulk is not offered until Q3 (TICKET-123)
//!   expires: 2027-03-31                     # optional
//! ```

use crate::file_error::FileError;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// A case id (`rfc7644::bulk::circular_references`), which accepts every
    /// finding of that case, or a requirement id
    /// (`rfc7644.3.7.1.circular-resolve`), which accepts the findings citing it.
    pub id: String,
    pub reason: String,
    /// `YYYY-MM-DD`; from the next day on the waiver fails the run.
    #[serde(default)]
    pub expires: Option<String>,
}

/// What became of one waiver in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverStatus {
    pub id: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub expired: bool,
    /// The cases with a finding it accepted.
    pub waived: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Waivers(Vec<Waiver>);

impl Waivers {
    pub fn load(path: &Path) -> Result<Waivers, FileError> {
        Waivers::parse(path, &FileError::read(path)?)
    }

    /// The waivers in `text`, read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Waivers, FileError> {
        let list: Vec<Waiver> = if text.trim().is_empty() {
            Vec::new()
        } else {
            serde_saphyr::from_str(text).map_err(|e| FileError::Invalid {
                path: path.to_path_buf(),
                line: e.location().map(|l| l.line() as usize),
                message: e.render_with_options(
                    serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off },
                ),
            })?
        };
        for w in &list {
            if w.reason.trim().is_empty() {
                return Err(FileError::invalid(path, format!("the waiver for {} needs a reason", w.id)));
            }
            if let Some(date) = &w.expires
                && parse_date(date).is_none()
            {
                return Err(FileError::invalid(
                    path,
                    format!("the waiver for {}: expires: {date} is not a date (YYYY-MM-DD)", w.id),
                ));
            }
        }
        Ok(Waivers(list))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each waiver as of `today`, accepting nothing yet.
    pub fn statuses(&self, today: time::Date) -> Vec<WaiverStatus> {
        self.0
            .iter()
            .map(|w| WaiverStatus {
                id: w.id.clone(),
                reason: w.reason.clone(),
                expires: w.expires.clone(),
                expired: w.expires.as_deref().and_then(parse_date).is_some_and(|d| d < today),
                waived: Vec::new(),
            })
            .collect()
    }

    /// The live waiver (an index into `statuses`) that accepts a finding of
    /// `case` citing `requirement`: one naming the case wins over one naming
    /// the requirement. An expired waiver accepts nothing.
    pub fn accepting(&self, statuses: &[WaiverStatus], case: &str, requirement: &str) -> Option<usize> {
        let live = |id: &str| statuses.iter().position(|s| !s.expired && s.id == id);
        live(case).or_else(|| live(requirement))
    }
}

fn parse_date(text: &str) -> Option<time::Date> {
    time::Date::parse(text.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
}

pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::Gate;
    use crate::runner::outcome::testing::{failing, finding};
    use crate::runner::outcome::{Outcome, Verdict};
    use crate::suite::requirement::Level;

    fn day(text: &str) -> time::Date {
        parse_date(text).unwrap()
    }

    #[test]
    fn a_case_or_requirement_waiver_accepts_findings_until_it_expires() {
        let waivers = Waivers::parse(
            Path::new("waivers.yaml"),
            "- { id: a::b::c, reason: known, expires: 2026-12-31 }\n- { id: rfc.req, reason: later }\n",
        )
        .unwrap();
        let mut two = failing("a::b::f", "rfc.req");
        if let Outcome::Fail { findings } = &mut two.outcome {
            findings.push(finding("x.y", Level::Must));
        }
        let mut cases =
            vec![failing("a::b::c", "x.y"), failing("a::b::d", "rfc.req"), failing("a::b::e", "other"), two];
        let gate = Gate { waivers: waivers.clone(), ..Gate::default() };
        let judged = gate.judge(&mut cases, day("2026-12-31"));
        let verdicts: Vec<Verdict> = cases.iter().map(|c| c.verdict()).collect();
        assert_eq!(verdicts, [Verdict::Waived, Verdict::Waived, Verdict::Fail, Verdict::Fail]);
        assert_eq!(judged.waivers[0].waived, ["a::b::c"]);
        assert_eq!(judged.waivers[1].waived, ["a::b::d", "a::b::f"], "it accepted one of a::b::f's two");
        assert!(judged.waivers.iter().all(|s| !s.expired));

        let mut cases = vec![failing("a::b::c", "x.y")];
        let judged = gate.judge(&mut cases, day("2027-01-01"));
        assert_eq!(cases[0].verdict(), Verdict::Fail, "an expired waiver waives nothing");
        assert!(judged.waivers[0].expired);
    }

    #[test]
    fn a_waiver_needs_a_reason_and_a_real_date() {
        assert!(
            Waivers::parse(Path::new("waivers.yaml"), "- { id: a::b, reason: '' }")
                .unwrap_err()
                .to_string()
                .contains("reason")
        );
        assert!(
            Waivers::parse(Path::new("waivers.yaml"), "- { id: a::b, reason: r, expires: soon }")
                .unwrap_err()
                .to_string()
                .contains("not a date")
        );
        assert!(
            Waivers::parse(Path::new("waivers.yaml"), "- { id: a::b, reason: r, until: 2020-01-01 }")
                .is_err()
        );
    }
}
