//! Every suite case as a `cargo test` trial against an in-process reference
//! server, and every reference-server fault as a trial that some case must
//! catch. nextest-compatible: `--list`, `--exact`, `a::b::c` names.
//!
//!   cargo test --test suites                       # all
//!   cargo test --test suites -- rfc7644::crud      # a subset
//!   cargo test --test suites -- --exact faults::count-ignored

use libtest_mimic::{Arguments, Failed, Trial};
use scimitar::faults::{Fault, FaultSet};
use scimitar::runner::outcome::{CaseReport, Outcome};
use scimitar::runner::target::{Target, TargetAuth};
use scimitar::runner::{self, RunContext, RunOptions};
use scimitar::selftest;
use scimitar::server::{Auth, ReferenceServer, ServerConfig};
use scimitar::suite::{Case, Suite};
use std::path::Path;
use std::sync::OnceLock;

const TOKEN: &str = "suites-token";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime starts")
    })
}

fn suite() -> &'static Suite {
    static SUITE: OnceLock<Suite> = OnceLock::new();
    SUITE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("suites");
        Suite::from_dir(&dir).unwrap_or_else(|e| panic!("suites do not load:\n{e}"))
    })
}

/// A reference server with these faults and a run context pointed at it.
struct Bench {
    _server: ReferenceServer,
    ctx: RunContext,
}

impl Bench {
    fn start(faults: FaultSet) -> Bench {
        let server = ReferenceServer::start(ServerConfig::new(Auth::bearer(TOKEN)).with_faults(faults))
            .expect("server starts");
        let target = Target::new(server.base_url(), TargetAuth::Bearer(TOKEN.into()));
        let ctx = runtime()
            .block_on(runner::prepare(&target, &RunOptions::default(), runner::new_run_id()))
            .expect("run context");
        Bench { _server: server, ctx }
    }

    fn run(&self, case: &Case) -> CaseReport {
        runtime().block_on(runner::run_case(&self.ctx, case))
    }
}

fn healthy() -> &'static Bench {
    static HEALTHY: OnceLock<Bench> = OnceLock::new();
    HEALTHY.get_or_init(|| Bench::start(FaultSet::none()))
}

fn explain(report: &CaseReport) -> String {
    let mut text = format!("{} {}\n", report.outcome.label(), report.id);
    match &report.outcome {
        Outcome::Error { message, .. } => text.push_str(&format!("  harness error: {message}\n")),
        Outcome::Skip { reason } => text.push_str(&format!("  skipped: {reason}\n")),
        _ => {}
    }
    for f in report.outcome.findings() {
        text.push_str(&format!(
            "  step {} {}: {} [{} {}]\n    expected: {}\n    actual:   {}\n",
            f.step, f.check, f.location, f.requirement.source, f.requirement.level, f.expected, f.actual
        ));
    }
    text
}

/// One fault per case and one case per fault, computed once per process (the
/// fault trials and the teeth trial share it).
fn proof() -> &'static selftest::Proof {
    static PROOF: OnceLock<selftest::Proof> = OnceLock::new();
    PROOF.get_or_init(|| {
        runtime()
            .block_on(selftest::proof(&suite().cases, Fault::ALL, 4))
            .unwrap_or_else(|e| panic!("the fault matrix could not run: {e}"))
    })
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for case in &suite().cases {
        let case = case.clone();
        trials.push(Trial::test(case.id().to_string(), move || {
            let report = healthy().run(&case);
            // The reference server has every capability: a skip here means a
            // case that can never run, which is no better than a failing one.
            match report.outcome {
                Outcome::Pass => Ok(()),
                _ => Err(Failed::from(explain(&report))),
            }
        }));
    }
    for &fault in Fault::ALL {
        trials.push(Trial::test(format!("faults::{}", fault.name()), move || {
            if proof().fault_caught_by.get(&fault).is_none_or(Option::is_none) {
                Err(Failed::from(format!(
                    "no case fails against a server with --fault {fault}: {}",
                    fault.about()
                )))
            } else {
                Ok(())
            }
        }));
    }
    trials.push(Trial::test("teeth::every_case_fails_under_some_fault", || {
        let killed = &proof().case_killed_by;
        let survivors: Vec<&str> =
            suite().cases.iter().map(|c| c.id()).filter(|id| !killed.contains_key(*id)).collect();
        if survivors.is_empty() {
            Ok(())
        } else {
            Err(Failed::from(format!(
                "these cases fail under no fault, so nothing shows they can fail: {}",
                survivors.join(", ")
            )))
        }
    }));
    libtest_mimic::run(&args, trials).exit();
}
