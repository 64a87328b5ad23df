//! `scimitar selftest`: the suites against the healthy reference server and
//! against one server per fault, printed as which fault each case catches.

use crate::cli::{SelftestArgs, exit};
use crate::faults::Fault;
use crate::report::terminal::Style;
use crate::selftest::{self, Matrix};
use crate::suite::Case;
use std::fmt::Write as _;
use std::sync::Arc;

pub fn run(args: SelftestArgs) -> u8 {
    let suite = match super::load_suites(args.suites.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let cases: Vec<Arc<Case>> = suite
        .cases
        .iter()
        .filter(|c| args.filters.is_empty() || args.filters.iter().any(|f| c.id().contains(f.as_str())))
        .cloned()
        .collect();
    if cases.is_empty() {
        errln!("error: no case id contains {}", args.filters.join(" or "));
        return exit::USAGE;
    }
    let faults: Vec<Fault> = if args.faults.is_empty() { Fault::ALL.to_vec() } else { args.faults.clone() };
    let jobs = args.jobs.unwrap_or_else(crate::cli::default_jobs);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            errln!("error: cannot start the runtime: {e}");
            return exit::HARNESS_ERROR;
        }
    };
    errln!("{} cases against a healthy reference server and {} faulty ones", cases.len(), faults.len());
    let matrix = match runtime.block_on(selftest::matrix(&cases, &faults, jobs)) {
        Ok(m) => m,
        Err(e) => {
            errln!("error: {e}");
            return exit::HARNESS_ERROR;
        }
    };
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&matrix).unwrap_or_default() + "\n";
        if let Err(e) = std::fs::write(path, json) {
            errln!("error: cannot write {}: {e}", path.display());
            return exit::HARNESS_ERROR;
        }
    }
    // A subset of cases need not catch every fault, nor a subset of faults
    // every case; only the whole can be judged on those counts.
    let whole = args.filters.is_empty() && args.faults.is_empty();
    out!("{}", render(&matrix, whole, Style::detect()));
    let sound = matrix.healthy_problems.is_empty()
        && (!whole || (matrix.unkilled_cases().is_empty() && matrix.uncaught_faults().is_empty()));
    if sound { exit::SUCCESS } else { exit::NON_COMPLIANT }
}

pub fn render(m: &Matrix, whole: bool, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", style.bold("faults, and how many cases catch each:"));
    let width = m.faults.iter().map(String::len).max().unwrap_or(0);
    for (f, name) in m.faults.iter().enumerate() {
        let n = m.catches(f);
        let count = if n == 0 { style.red("caught by no case") } else { format!("{n} cases") };
        let _ = writeln!(out, "  {name:<width$}  {count}");
    }
    let _ = writeln!(out, "\n{}", style.bold("cases, and the faults that make each fail:"));
    for (c, id) in m.cases.iter().enumerate() {
        let killers = m.killers(c);
        let text = if killers.is_empty() { style.red("no fault") } else { style.dim(&killers.join(", ")) };
        let _ = writeln!(out, "  {id}\n      {text}");
    }
    let _ = writeln!(out);
    let healthy = m.cases.len() - m.healthy_problems.len();
    let line = format!("healthy server: {healthy} of {} cases pass", m.cases.len());
    let _ = writeln!(
        out,
        "{}",
        if m.healthy_problems.is_empty() { style.green(&line) } else { style.red(&line) }
    );
    for problem in &m.healthy_problems {
        let _ = writeln!(out, "  {}", style.red(problem));
    }
    let (unkilled, uncaught) = (m.unkilled_cases(), m.uncaught_faults());
    let line = format!(
        "{} of {} cases fail under some fault; {} of {} faults are caught",
        m.cases.len() - unkilled.len(),
        m.cases.len(),
        m.faults.len() - uncaught.len(),
        m.faults.len()
    );
    let complete = unkilled.is_empty() && uncaught.is_empty();
    let _ = writeln!(
        out,
        "{}",
        if complete {
            style.green(&line)
        } else if whole {
            style.red(&line)
        } else {
            style.yellow(&format!("{line} (a subset: not judged)"))
        }
    );
    out
}
