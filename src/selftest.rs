//! The two proofs every check needs.
//!
//! Teeth: every case against the healthy reference server (each must pass)
//! and against a server with each fault switched on (each fault must make
//! some case fail, and each case must fail under some fault). A case no
//! fault can fail is a check nothing shows can fail.
//!
//! Latitude: every case against the server under each legal variant the
//! RFCs allow (see `server::variant`) must pass, or say why it does not
//! apply; and under the minimal bundle, every fault that can still show
//! must still be caught. A case that fails a legal server is a false failure.

use crate::faults::{Fault, FaultSet};
use crate::gate::{Gate, waiver};
use crate::runner::outcome::{CaseReport, Disposition, Outcome, Verdict};
use crate::runner::target::{Target, TargetAuth};
use crate::runner::{self, RunOptions};
use crate::scim::quirks::{Idp, Leniency};
use crate::server::variant::{Variant, VariantSet};
use crate::server::{Auth, ReferenceServer, ServerConfig};
use crate::suite::Case;
use crate::suite::profile::Profile;
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Why a matrix could not be computed: the harness, never a case's verdict.
#[derive(Debug, thiserror::Error)]
pub enum SelftestError {
    #[error("a faulty reference server did not start: {0}")]
    Server(#[from] crate::server::ServerError),
    #[error("the harness could not discover a faulty reference server: {0}")]
    Discovery(String),
}

const TOKEN: &str = "selftest-token";

/// Cases × faults, and how the healthy server fared.
#[derive(Debug, Serialize)]
pub struct Matrix {
    pub cases: Vec<String>,
    pub faults: Vec<String>,
    /// `killed[case][fault]`: the case fails against a server with that fault.
    pub killed: Vec<Vec<bool>>,
    /// Cases that did not pass against the healthy server, with why.
    pub healthy_problems: Vec<String>,
}

impl Matrix {
    pub fn unkilled_cases(&self) -> Vec<&str> {
        self.cases
            .iter()
            .zip(&self.killed)
            .filter(|(_, row)| !row.iter().any(|k| *k))
            .map(|(c, _)| c.as_str())
            .collect()
    }

    pub fn uncaught_faults(&self) -> Vec<&str> {
        (0..self.faults.len())
            .filter(|&f| !self.killed.iter().any(|row| row[f]))
            .map(|f| self.faults[f].as_str())
            .collect()
    }

    pub fn killers(&self, case: usize) -> Vec<&str> {
        self.killed[case]
            .iter()
            .enumerate()
            .filter(|(_, k)| **k)
            .map(|(f, _)| self.faults[f].as_str())
            .collect()
    }

    pub fn catches(&self, fault: usize) -> usize {
        self.killed.iter().filter(|row| row[fault]).count()
    }
}

/// Runs `cases` against a reference server with `faults` switched on.
pub async fn run_against(
    faults: FaultSet,
    cases: &[Arc<Case>],
    jobs: usize,
) -> Result<Vec<CaseReport>, SelftestError> {
    FaultyServer::new(faults, VariantSet::none()).run(cases, jobs).await
}

/// The ids of the cases that fail against a server with `fault`.
pub async fn failing_under(
    fault: Fault,
    cases: &[Arc<Case>],
    jobs: usize,
) -> Result<Vec<String>, SelftestError> {
    FaultyServer::new(FaultSet::of(&[fault]), VariantSet::none()).failing(cases, jobs).await
}

/// Enough of the matrix to prove the suites sound: for each case one fault
/// that makes it fail, and for each fault one case it makes fail.
#[derive(Debug, Default)]
pub struct Proof {
    /// Case id → a fault under which it fails.
    pub case_killed_by: HashMap<String, Fault>,
    /// Fault → a case that fails under it (`None`: no case does).
    pub fault_caught_by: HashMap<Fault, Option<String>>,
}

/// Computes a [`Proof`] with a fraction of the runs of [`matrix`]. First each
/// fault meets the cases most likely to catch it (by shared words in names),
/// a few at a time, until one does; then the cases no fault has failed yet
/// meet the faults, the broadest first. The order only changes the cost: a
/// case or fault is reported unproven only after everything was tried.
pub async fn proof(cases: &[Arc<Case>], faults: &[Fault], jobs: usize) -> Result<Proof, SelftestError> {
    proof_under(VariantSet::none(), cases, faults, jobs).await
}

/// How many faulty servers a proof keeps busy at once. A case spends most of
/// its time waiting on round trips (and one waits out a clock tick), so
/// servers side by side fill the time one server leaves idle.
const SERVERS_AT_ONCE: usize = 6;

/// [`proof`] against a server under some variants: what the suites still
/// catch on a server that uses the RFCs' latitude. A fault the variants make
/// inert ([`VariantSet::hides`]) is not tried: it cannot show, so every case
/// would meet a healthy server again, and it stays out of `fault_caught_by`.
pub async fn proof_under(
    variants: VariantSet,
    cases: &[Arc<Case>],
    faults: &[Fault],
    jobs: usize,
) -> Result<Proof, SelftestError> {
    let faults: Vec<Fault> = faults.iter().copied().filter(|f| variants.hides(*f).is_none()).collect();
    let batch = jobs.max(1) * 2;
    let first_catches = stream::iter(faults.iter().map(|&fault| async move {
        let server = FaultyServer::new(FaultSet::of(&[fault]), variants);
        let mut likely: Vec<&Arc<Case>> = cases.iter().collect();
        likely.sort_by_key(|c| std::cmp::Reverse(affinity(fault.name(), c.id())));
        for chunk in likely.chunks(batch) {
            let chunk: Vec<Arc<Case>> = chunk.iter().map(|c| Arc::clone(c)).collect();
            let caught = server.failing(&chunk, jobs).await?;
            if !caught.is_empty() {
                return Ok::<_, SelftestError>(caught);
            }
        }
        Ok(Vec::new())
    }))
    .buffered(SERVERS_AT_ONCE)
    .collect::<Vec<_>>()
    .await;
    let mut proof = Proof::default();
    let mut breadth: Vec<(usize, Fault)> = Vec::new();
    for (&fault, caught) in faults.iter().zip(first_catches) {
        let caught = caught?;
        for id in &caught {
            proof.case_killed_by.entry(id.clone()).or_insert(fault);
        }
        breadth.push((caught.len(), fault));
        proof.fault_caught_by.insert(fault, caught.into_iter().next());
    }
    breadth.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    // The broadest faults first, a few at a time against the same survivors:
    // a case two of them fail costs one run more, and the wave one server's time.
    for wave in breadth.chunks(SERVERS_AT_ONCE) {
        let alive: Vec<Arc<Case>> =
            cases.iter().filter(|c| !proof.case_killed_by.contains_key(c.id())).cloned().collect();
        if alive.is_empty() {
            break;
        }
        let kills = futures_util::future::join_all(wave.iter().map(|&(_, fault)| {
            let alive = &alive;
            async move {
                let server = FaultyServer::new(FaultSet::of(&[fault]), variants);
                Ok::<_, SelftestError>((fault, server.failing(alive, jobs).await?))
            }
        }))
        .await;
        for kill in kills {
            let (fault, ids) = kill?;
            for id in ids {
                proof.case_killed_by.entry(id).or_insert(fault);
            }
        }
    }
    Ok(proof)
}

/// How many words a fault's name shares with a case id: `patch-remove-ignored`
/// and `rfc7644::patch::remove_single_valued` share two.
fn affinity(fault: &str, case: &str) -> usize {
    let words: Vec<&str> = case.split([':', '_', '-']).filter(|w| w.len() > 2).collect();
    fault
        .split('-')
        .filter(|t| t.len() > 2)
        .filter(|t| words.iter().any(|w| w.contains(t) || t.contains(w)))
        .count()
}

/// The server a case is proven against: strict for the RFC suites; for an
/// identity provider's case, one that accepts what the IdPs send
/// (`--compat` for all of them), since that is what such a case asks of a server.
pub fn leniency_for(case: &Case) -> Leniency {
    match Profile::of_case(case.id()) {
        Some(p) if p.is_idp() => Leniency::for_idps(&Idp::ALL),
        _ => Leniency::strict(),
    }
}

/// A reference server with some faults, and a run context aimed at it; one
/// strict and one lenient, each case meeting the one [`leniency_for`] it.
/// Each is started when a case first needs it: discovering a server costs
/// more than most cases, and many batches hold only one kind.
struct FaultyServer {
    faults: FaultSet,
    variants: VariantSet,
    strict: tokio::sync::OnceCell<Prepared>,
    lenient: tokio::sync::OnceCell<Prepared>,
}

type Prepared = (ReferenceServer, Arc<runner::RunContext>);

impl FaultyServer {
    fn new(faults: FaultSet, variants: VariantSet) -> FaultyServer {
        FaultyServer {
            faults,
            variants,
            strict: tokio::sync::OnceCell::new(),
            lenient: tokio::sync::OnceCell::new(),
        }
    }

    async fn context(&self, strict: bool) -> Result<Arc<runner::RunContext>, SelftestError> {
        let (cell, leniency) = if strict {
            (&self.strict, Leniency::strict())
        } else {
            (&self.lenient, Leniency::for_idps(&Idp::ALL))
        };
        let (_, ctx) = cell.get_or_try_init(|| Self::one(self.faults, self.variants, leniency)).await?;
        Ok(ctx.clone())
    }

    async fn one(
        faults: FaultSet,
        variants: VariantSet,
        leniency: Leniency,
    ) -> Result<Prepared, SelftestError> {
        let config = ServerConfig::new(Auth::bearer(TOKEN))
            .with_faults(faults)
            .with_variants(variants)
            .with_leniency(leniency);
        let server = ReferenceServer::start(config)?;
        let target = Target::new(server.base_url(), TargetAuth::Bearer(TOKEN.into()));
        let ctx = runner::prepare(&target, &RunOptions::default(), runner::new_run_id())
            .await
            .map_err(|e| SelftestError::Discovery(e.message))?;
        Ok((server, Arc::new(ctx)))
    }

    async fn run(&self, cases: &[Arc<Case>], jobs: usize) -> Result<Vec<CaseReport>, SelftestError> {
        let (strict, lenient): (Vec<Arc<Case>>, Vec<Arc<Case>>) =
            cases.iter().cloned().partition(|c| leniency_for(c).is_strict());
        let (_keep, cancel) = tokio::sync::watch::channel(false);
        let on = |strict: bool, cases: Vec<Arc<Case>>| {
            let cancel = cancel.clone();
            async move {
                if cases.is_empty() {
                    return Ok(Vec::new());
                }
                let ctx = self.context(strict).await?;
                Ok::<_, SelftestError>(runner::run_all(ctx, cases, Some(jobs), None, cancel).await)
            }
        };
        let (a, b) = tokio::join!(on(true, strict), on(false, lenient));
        let mut a = a?;
        a.extend(b?);
        let order: HashMap<&str, usize> = cases.iter().enumerate().map(|(i, c)| (c.id(), i)).collect();
        a.sort_by_key(|r| order.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
        Ok(a)
    }

    async fn failing(&self, cases: &[Arc<Case>], jobs: usize) -> Result<Vec<String>, SelftestError> {
        let reports = self.run(cases, jobs).await?;
        Ok(reports.into_iter().filter(|r| matches!(r.outcome, Outcome::Fail { .. })).map(|r| r.id).collect())
    }
}

pub async fn matrix(cases: &[Arc<Case>], faults: &[Fault], jobs: usize) -> Result<Matrix, SelftestError> {
    let mut healthy = run_against(FaultSet::none(), cases, jobs).await?;
    // A case about what only a smaller server has (a required extension)
    // runs against the minimal bundle instead, and is judged there.
    let elsewhere: Vec<Arc<Case>> = cases
        .iter()
        .zip(&healthy)
        .filter(|(_, r)| matches!(r.outcome, Outcome::NotApplicable { .. }))
        .map(|(c, _)| c.clone())
        .collect();
    if !elsewhere.is_empty() {
        for report in run_against_variants(VariantSet::minimal(), &elsewhere, jobs).await? {
            if let Some(slot) = healthy.iter_mut().find(|r| r.id == report.id) {
                *slot = report;
            }
        }
    }
    let healthy_problems = healthy
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Pass))
        .map(|r| match &r.outcome {
            Outcome::Fail { findings } | Outcome::Blocked { findings, .. } => {
                let first =
                    findings.first().map(|f| format!("{}: {}", f.location, f.check)).unwrap_or_default();
                format!("{}: {} at {first}", r.id, r.verdict().label().trim())
            }
            Outcome::Error { message, .. } => format!("{}: ERROR {message}", r.id),
            Outcome::NotApplicable { reason } => format!("{}: NOT APPLICABLE {reason}", r.id),
            Outcome::Pass => unreachable!(),
        })
        .collect();
    let ids: Vec<String> = cases.iter().map(|c| c.id().to_string()).collect();
    let mut killed = vec![vec![false; faults.len()]; cases.len()];
    for (f, fault) in faults.iter().enumerate() {
        for id in failing_under(*fault, cases, jobs).await? {
            if let Some(c) = ids.iter().position(|i| *i == id) {
                killed[c][f] = true;
            }
        }
    }
    Ok(Matrix {
        cases: ids,
        faults: faults.iter().map(|f| f.name().to_string()).collect(),
        killed,
        healthy_problems,
    })
}

/// Runs `cases` against a healthy reference server under `variants`.
pub async fn run_against_variants(
    variants: VariantSet,
    cases: &[Arc<Case>],
    jobs: usize,
) -> Result<Vec<CaseReport>, SelftestError> {
    FaultyServer::new(FaultSet::none(), variants).run(cases, jobs).await
}

/// The variant sets the latitude proof runs: each variant alone, then the
/// minimal bundle.
pub fn latitude_sets() -> Vec<(String, VariantSet)> {
    let mut sets: Vec<(String, VariantSet)> =
        Variant::ALL.iter().map(|v| (v.name().to_string(), VariantSet::of(&[*v]))).collect();
    sets.push((crate::server::variant::MINIMAL.to_string(), VariantSet::minimal()));
    sets
}

/// How every case came out under one variant set.
#[derive(Debug, Serialize)]
pub struct LatitudeRow {
    pub variants: String,
    /// Verdicts, in the order of the cases.
    pub verdicts: Vec<Verdict>,
    /// Each case that failed a legal server, with why.
    pub problems: Vec<String>,
    /// Why each case did not apply, by case id.
    pub not_applicable: Vec<(String, String)>,
}

/// Runs every case against a server under `variants` and says which cases
/// fail a server the RFCs allow.
pub async fn latitude_row(
    name: &str,
    variants: VariantSet,
    cases: &[Arc<Case>],
    jobs: usize,
) -> Result<LatitudeRow, SelftestError> {
    let mut reports = FaultyServer::new(FaultSet::none(), variants).run(cases, jobs).await?;
    Gate::new(crate::suite::requirement::Level::Must).judge(&mut reports, waiver::today());
    let departs: Vec<&str> = variants.iter().flat_map(|v| v.departs_from().iter().copied()).collect();
    let mut row = LatitudeRow {
        variants: name.to_string(),
        verdicts: Vec::new(),
        problems: Vec::new(),
        not_applicable: Vec::new(),
    };
    for report in &reports {
        row.verdicts.push(report.verdict());
        if let Outcome::NotApplicable { reason } = &report.outcome {
            row.not_applicable.push((report.id.clone(), reason.clone()));
        }
        if let Some(problem) = latitude_problem(report, &departs) {
            row.problems.push(problem);
        }
    }
    Ok(row)
}

/// Why a case's verdict is wrong for a server the RFCs allow: anything but
/// pass, not applicable (with its reason) or a MAY note; a SHOULD warning
/// only where the variant knowingly departs from that SHOULD.
pub fn latitude_problem(report: &CaseReport, departs: &[&str]) -> Option<String> {
    let first = |report: &CaseReport| {
        report
            .outcome
            .findings()
            .iter()
            .find(|f| !matches!(f.disposition, Disposition::Note))
            .map(|f| {
                format!(
                    " at {}: {} [{} {}] expected {}, got {}",
                    f.location,
                    f.check,
                    f.requirement.id,
                    f.requirement.level,
                    short(&f.expected),
                    short(&f.actual)
                )
            })
            .unwrap_or_default()
    };
    match report.verdict() {
        Verdict::Pass | Verdict::Note => None,
        Verdict::NotApplicable => match &report.outcome {
            Outcome::NotApplicable { reason } if !reason.trim().is_empty() => None,
            _ => Some(format!("{}: not applicable without a reason", report.id)),
        },
        Verdict::Warn => {
            let all_departed = report
                .outcome
                .findings()
                .iter()
                .filter(|f| matches!(f.disposition, Disposition::Warn))
                .all(|f| departs.contains(&f.requirement.id.as_str()));
            (!all_departed).then(|| format!("{}: warn{}", report.id, first(report)))
        }
        Verdict::Error => match &report.outcome {
            Outcome::Error { message, .. } => Some(format!("{}: error: {message}", report.id)),
            _ => Some(format!("{}: error", report.id)),
        },
        other => Some(format!("{}: {}{}", report.id, other.as_str(), first(report))),
    }
}

fn short(text: &str) -> String {
    let one = text.replace('\n', " ");
    if one.chars().count() > 100 { format!("{}…", one.chars().take(100).collect::<String>()) } else { one }
}
