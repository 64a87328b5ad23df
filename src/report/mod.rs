//! Reports, built after the run from one [`RunReport`](crate::runner::outcome::RunReport):
//! the terminal, JSON (schema in `reports/run-report.schema.json`) and JUnit.

pub mod junit;
pub mod terminal;

use crate::runner::outcome::RunReport;

/// The JSON report, pretty-printed.
pub fn json(run: &RunReport) -> String {
    serde_json::to_string_pretty(run)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize the report: {e}\"}}"))
}
