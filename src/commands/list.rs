//! `scimitar list`: the cases a run would pick, with what each checks and
//! needs, so a pipeline can see what `--only`, `--skip` and `--tag` select.

use super::{Ended, Failure};
use crate::cli::{ListArgs, ProfileChoice};
use crate::exit::Exit;
use crate::suite::Case;
use serde::Serialize;
use std::sync::Arc;

#[derive(Serialize)]
struct Listed<'a> {
    id: &'a str,
    title: &'a str,
    /// The levels of the requirements the case checks, strongest first.
    levels: Vec<&'static str>,
    requirements: Vec<&'a str>,
    requires: Vec<String>,
    tags: &'a [String],
    file: &'a str,
}

pub fn run(args: ListArgs) -> Ended {
    let mut suite = super::load_suites(args.suites.as_deref())?;
    let profiles = ProfileChoice::resolve(&args.select.profiles);
    let cases = super::select::select(&mut suite, &args.select, &profiles).map_err(Failure::Usage)?;
    let listed: Vec<Listed<'_>> = cases.iter().map(|c| listed(c)).collect();
    match args.json.as_deref() {
        Some(path) => {
            let text = serde_json::to_string_pretty(&listed).unwrap_or_default();
            if path.as_os_str() == "-" {
                outln!("{text}");
            } else {
                std::fs::write(path, text)
                    .map_err(|e| Failure::harness(format!("cannot write {}: {e}", path.display())))?;
            }
        }
        None => out!("{}", table(&listed)),
    }
    Ok(Exit::Success)
}

fn listed(case: &Arc<Case>) -> Listed<'_> {
    let mut levels: Vec<_> = case.requirements.iter().map(|r| r.level).collect();
    levels.sort();
    levels.dedup();
    Listed {
        id: case.id(),
        title: &case.doc.title,
        levels: levels.into_iter().map(|l| l.as_str()).collect(),
        requirements: case.requirements.iter().map(|r| r.id.as_str()).collect(),
        requires: case.doc.requires.iter().map(ToString::to_string).collect(),
        tags: &case.doc.tags,
        file: &case.file,
    }
}

fn table(listed: &[Listed<'_>]) -> String {
    use std::fmt::Write as _;
    let width = listed.iter().map(|l| l.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for l in listed {
        let _ = writeln!(out, "{:<width$}  {:<11}  {}", l.id, l.levels.join(","), l.title);
        let needs =
            if l.requires.is_empty() { String::new() } else { format!("  needs {}", l.requires.join(", ")) };
        let _ = writeln!(out, "{:<width$}  {:<11}  checks {}{needs}", "", "", l.requirements.join(", "));
    }
    let _ = writeln!(out, "\n{} cases", listed.len());
    out
}
