//! Writing the report files a run or an audit was asked for.

use super::Failure;
use crate::cli::ReportArgs;
use crate::report::{self, run::RunReport};
use std::path::Path;

/// Every report asked for, and the Markdown summary GitHub Actions shows on
/// the run's page. Each that cannot be written is said on stderr, and the
/// others are still written; false if one was not.
pub fn write(paths: &ReportArgs, run: &RunReport) -> bool {
    let mut wrote_all = true;
    let mut attempt = |path: &Option<std::path::PathBuf>, render: &dyn Fn() -> Result<String, String>| {
        let Some(path) = path else { return };
        let written = render().map_err(Failure::harness).and_then(|text| write_file(path, &text));
        if let Err(e) = written {
            errln!("error: {e}");
            wrote_all = false;
        }
    };
    attempt(&paths.json, &|| Ok(report::json(run)));
    attempt(&paths.junit, &|| {
        report::junit::render(run).map_err(|e| format!("cannot render the JUnit report: {e}"))
    });
    attempt(&paths.html, &|| Ok(report::html::render(run)));
    let markdown = report::markdown::render(run);
    attempt(&paths.markdown, &|| Ok(markdown.clone()));
    attempt(&paths.har, &|| Ok(report::har::render(run)));
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        use std::io::Write as _;
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .and_then(|mut f| f.write_all(markdown.as_bytes()));
        if let Err(e) = appended {
            errln!("error: cannot append to $GITHUB_STEP_SUMMARY ({}): {e}", summary.to_string_lossy());
            wrote_all = false;
        }
    }
    wrote_all
}

pub fn write_file(path: &Path, text: &str) -> Result<(), Failure> {
    std::fs::write(path, text).map_err(|e| Failure::harness(format!("cannot write {}: {e}", path.display())))
}
