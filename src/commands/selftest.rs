//! `scimitar selftest`: the two proofs, printed. Teeth: the suites against
//! the healthy reference server and one server per fault, as which fault
//! each case catches. Latitude: the suites against the server under each
//! legal variant and the minimal bundle, as what every case came to there,
//! and which faults the suites still catch under the minimal bundle.

use super::{Ended, Failure};
use crate::cli::SelftestArgs;
use crate::exit::Exit;
use crate::faults::Fault;
use crate::report::terminal::Style;
use crate::runner::outcome::Verdict;
use crate::selftest::{self, Matrix};
use crate::suite::Case;
use std::fmt::Write as _;
use std::sync::Arc;

pub fn run(args: SelftestArgs) -> Ended {
    let suite = super::load_suites(args.suites.as_deref())?;
    let cases: Vec<Arc<Case>> = suite
        .cases
        .iter()
        .filter(|c| args.filters.is_empty() || args.filters.iter().any(|f| c.id().contains(f.as_str())))
        .cloned()
        .collect();
    if cases.is_empty() {
        return Err(Failure::usage(format!("no case id contains {}", args.filters.join(" or "))));
    }
    let faults: Vec<Fault> = if args.faults.is_empty() { Fault::ALL.to_vec() } else { args.faults.clone() };
    let jobs = args.jobs.unwrap_or_else(crate::cli::default_jobs);
    let runtime = super::runtime()?;
    errln!("{} cases against a healthy reference server and {} faulty ones", cases.len(), faults.len());
    let matrix = runtime.block_on(selftest::matrix(&cases, &faults, jobs)).map_err(Failure::harness)?;
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&matrix).unwrap_or_default() + "\n";
        std::fs::write(path, json)
            .map_err(|e| Failure::harness(format!("cannot write {}: {e}", path.display())))?;
    }
    // A subset of cases need not catch every fault, nor a subset of faults
    // every case; only the whole can be judged on those counts.
    let whole = args.filters.is_empty() && args.faults.is_empty();
    let style = Style::detect();
    errln!("{} cases against the reference server under each legal variant", cases.len());
    let latitude = runtime.block_on(latitude(&cases, &faults, jobs)).map_err(Failure::harness)?;
    // A case about what only a smaller server has shows its teeth there.
    let mut matrix = matrix;
    for (c, id) in matrix.cases.clone().iter().enumerate() {
        if let Some(fault) = latitude.killed_under_minimal.iter().find(|(k, _)| k == id).map(|(_, f)| *f)
            && let Some(f) = matrix.faults.iter().position(|n| n == fault.name())
        {
            matrix.killed[c][f] = true;
        }
    }
    out!("{}", render(&matrix, whole, style));
    let teeth = matrix.healthy_problems.is_empty()
        && (!whole || (matrix.unkilled_cases().is_empty() && matrix.uncaught_faults().is_empty()));
    out!("{}", render_latitude(&latitude, whole, style));
    let held =
        latitude.rows.iter().all(|r| r.problems.is_empty()) && (!whole || latitude.uncaught.is_empty());
    Ok(Exit::judged(!(teeth && held)))
}

/// The latitude proof: a row per variant set, and the faults the minimal
/// bundle leaves uncaught without a reason.
pub struct Latitude {
    pub rows: Vec<selftest::LatitudeRow>,
    /// Faults no case catches under the minimal bundle, though nothing says they cannot show there.
    pub uncaught: Vec<Fault>,
    /// Faults that cannot show under the minimal bundle, with why.
    pub inert: Vec<(Fault, &'static str)>,
    /// Cases that fail under the minimal bundle with a fault, and the fault.
    pub killed_under_minimal: Vec<(String, Fault)>,
}

async fn latitude(
    cases: &[Arc<Case>],
    faults: &[Fault],
    jobs: usize,
) -> Result<Latitude, selftest::SelftestError> {
    let mut rows = Vec::new();
    for (name, variants) in selftest::latitude_sets() {
        rows.push(selftest::latitude_row(&name, variants, cases, jobs).await?);
    }
    let minimal = crate::server::variant::VariantSet::minimal();
    let proof = selftest::proof_under(minimal, cases, faults, jobs).await?;
    let (mut uncaught, mut inert) = (Vec::new(), Vec::new());
    for &fault in faults {
        if proof.fault_caught_by.get(&fault).is_some_and(Option::is_some) {
            continue;
        }
        match minimal.hides(fault) {
            Some(why) => inert.push((fault, why)),
            None => uncaught.push(fault),
        }
    }
    let killed_under_minimal = proof.case_killed_by.iter().map(|(c, f)| (c.clone(), *f)).collect();
    Ok(Latitude { rows, uncaught, inert, killed_under_minimal })
}

/// `whole`: every case ran, so a fault none catches is a gap, not a subset's limit.
pub fn render_latitude(l: &Latitude, whole: bool, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", style.bold("legal variants, and what every case came to under each:"));
    let width = l.rows.iter().map(|r| r.variants.len()).max().unwrap_or(0);
    for row in &l.rows {
        let count = |v: Verdict| row.verdicts.iter().filter(|x| **x == v).count();
        let line = format!(
            "  {:<width$}  {} pass, {} not applicable, {} warn, {} note, {} false failures",
            row.variants,
            count(Verdict::Pass),
            count(Verdict::NotApplicable),
            count(Verdict::Warn),
            count(Verdict::Note),
            row.problems.len()
        );
        let _ = writeln!(out, "{}", if row.problems.is_empty() { line } else { style.red(&line) });
        for problem in &row.problems {
            let _ = writeln!(out, "      {}", style.red(problem));
        }
    }
    let _ = writeln!(out, "\n{}", style.bold("faults under the minimal bundle:"));
    for (fault, why) in &l.inert {
        let _ = writeln!(out, "  {}", style.dim(&format!("{fault}: cannot show there ({why})")));
    }
    for fault in &l.uncaught {
        let line = if whole {
            style.red(&format!("{fault}: caught by no case, and nothing says it cannot show"))
        } else {
            style.dim(&format!("{fault}: caught by none of these cases"))
        };
        let _ = writeln!(out, "  {line}");
    }
    let false_failures: usize = l.rows.iter().map(|r| r.problems.len()).sum();
    let line = format!(
        "{} false failures under {} variant sets; {} faults uncaught under the minimal bundle",
        false_failures,
        l.rows.len(),
        l.uncaught.len()
    );
    let _ = writeln!(
        out,
        "{}",
        if false_failures == 0 && (!whole || l.uncaught.is_empty()) {
            style.green(&line)
        } else {
            style.red(&line)
        }
    );
    out
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
