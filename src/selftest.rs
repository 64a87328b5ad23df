//! Proof that the suites can fail: every case against the healthy reference
//! server (each must pass) and against a server with each fault switched on
//! (each fault must make some case fail, and each case must fail under some
//! fault). A case no fault can fail is a check nothing shows can fail.

use crate::faults::{Fault, FaultSet};
use crate::runner::outcome::{CaseReport, Outcome};
use crate::runner::target::{Target, TargetAuth};
use crate::runner::{self, RunOptions};
use crate::server::{Auth, ReferenceServer, ServerConfig};
use crate::suite::Case;
use serde::Serialize;
use std::sync::Arc;

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
) -> Result<Vec<CaseReport>, String> {
    let server = ReferenceServer::start(ServerConfig::new(Auth::bearer(TOKEN)).with_faults(faults))
        .map_err(|e| e.to_string())?;
    let target = Target::new(server.base_url(), TargetAuth::Bearer(TOKEN.into()));
    let ctx = runner::prepare(&target, &RunOptions::default(), runner::new_run_id())
        .await
        .map_err(|e| e.message)?;
    let (_keep, cancel) = tokio::sync::watch::channel(false);
    let reports = runner::run_all(Arc::new(ctx), cases.to_vec(), jobs, None, cancel).await;
    drop(server);
    Ok(reports)
}

/// The ids of the cases that fail against a server with `fault`.
pub async fn failing_under(fault: Fault, cases: &[Arc<Case>], jobs: usize) -> Result<Vec<String>, String> {
    let reports = run_against(FaultSet::of(&[fault]), cases, jobs).await?;
    Ok(reports.into_iter().filter(|r| matches!(r.outcome, Outcome::Fail { .. })).map(|r| r.id).collect())
}

pub async fn matrix(cases: &[Arc<Case>], faults: &[Fault], jobs: usize) -> Result<Matrix, String> {
    let healthy = run_against(FaultSet::none(), cases, jobs).await?;
    let healthy_problems = healthy
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Pass))
        .map(|r| match &r.outcome {
            Outcome::Fail { findings } => {
                let first =
                    findings.first().map(|f| format!("{}: {}", f.location, f.check)).unwrap_or_default();
                format!("{}: FAIL at {first}", r.id)
            }
            Outcome::Error { message, .. } => format!("{}: ERROR {message}", r.id),
            Outcome::Skip { reason } => format!("{}: SKIP {reason}", r.id),
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
