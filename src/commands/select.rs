//! Which cases a command works on: the case files named on the command line,
//! or the chosen profiles' cases, narrowed by filters, `--only`, `--skip` and
//! `--tag`. `run` and `list` share it, so a list shows what a run would run.

use crate::cli::SelectArgs;
use crate::suite::profile::Profile;
use crate::suite::{Case, Suite};
use std::sync::Arc;

/// The cases to run: the case files named on the command line, or else the
/// chosen profiles' cases; either narrowed by the other filters.
pub fn select(suite: &mut Suite, args: &SelectArgs, profiles: &[Profile]) -> Result<Vec<Arc<Case>>, String> {
    let (files, filters): (Vec<&String>, Vec<&String>) = args.filters.iter().partition(|f| is_case_file(f));
    let matches = |c: &Arc<Case>| {
        (filters.is_empty() || filters.iter().any(|f| c.id().contains(f.as_str())))
            && (args.only.is_empty() || args.only.iter().any(|p| under(c.id(), p)))
            && !args.skip.iter().any(|p| under(c.id(), p))
            && (args.tag.is_empty() || args.tag.iter().any(|t| c.doc.tags.contains(t)))
    };
    if !files.is_empty() {
        let mut cases = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
            let index =
                suite.add_case_file(file, &text).map_err(|e| format!("{file} does not load:\n{e}"))?;
            cases.push(suite.cases[index].clone());
        }
        return Ok(cases.into_iter().filter(matches).collect());
    }
    let in_profile = |c: &Arc<Case>| Profile::of_case(c.id()).is_some_and(|p| profiles.contains(&p));
    let cases: Vec<Arc<Case>> = suite.cases.iter().filter(|c| in_profile(c) && matches(c)).cloned().collect();
    if !cases.is_empty() {
        return Ok(cases);
    }
    let names: Vec<&str> = profiles.iter().map(|p| p.name()).collect();
    let elsewhere: Vec<String> = suite
        .cases
        .iter()
        .filter(|c| matches(c))
        .filter_map(|c| Profile::of_case(c.id()))
        .map(|p| p.name().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let wanted: Vec<String> = filters
        .iter()
        .map(|f| f.to_string())
        .chain(args.only.iter().map(|o| format!("--only {o}")))
        .chain(args.tag.iter().map(|t| format!("--tag {t}")))
        .collect();
    if elsewhere.is_empty() {
        Err(format!("no case id contains {}; `scimitar list` shows them", wanted.join(" or ")))
    } else {
        Err(format!(
            "no case of profile {} matches {}; add --profile {}",
            names.join(","),
            wanted.join(" or "),
            elsewhere.join(",")
        ))
    }
}

/// `id` is `pattern`, lies under it (`rfc7644::patch` holds
/// `rfc7644::patch::add`), or starts with it when it ends in `*`.
pub fn under(id: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => id == pattern || id.strip_prefix(pattern).is_some_and(|rest| rest.starts_with("::")),
    }
}

fn is_case_file(arg: &str) -> bool {
    let lower = arg.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml")
}
