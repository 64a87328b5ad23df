//! `scimitar audit`: the reference server in the foreground, judging every
//! request a SCIM client sends, until Ctrl-C or an `--until` condition; then
//! the reports and an exit code, as `scimitar run` gives them.

use super::{Ended, Failure};
use crate::audit::scenario::Scenario;
use crate::audit::{Audit, AuditConfig};
use crate::cli::{AuditArgs, Until};
use crate::exit::Exit;
use crate::report::terminal;
use crate::runner::outcome::Verdict;
use crate::server::{self, Shared};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How long requests still in flight when the audit ends may take to finish;
/// those that do not are judged as unanswered.
const STRAGGLERS_SECONDS: u64 = 10;

pub fn run(args: AuditArgs) -> Ended {
    if args.serve.list_faults || args.serve.list_variants {
        return super::serve::run(args.serve);
    }
    if args.list_scenarios {
        for s in Scenario::ALL {
            outln!(
                "{}\n    does:    {}\n    expects: {}\n    judged by {}\n",
                s.spelled(),
                s.does(),
                s.expects(),
                s.judged_by()
            );
        }
        return Ok(Exit::Success);
    }
    let gate = super::gate(&args.gate)?;
    let (server, auth, generated) = super::serve::server_config(&args.serve);
    let mut config = AuditConfig::new(server);
    config.scenarios = dedup(args.scenarios.clone());
    config.like = args.like.clone();
    config.log = !args.serve.quiet;
    let audit = Audit::new(config);
    let shared = Shared::new(audit.server_config().clone()).map_err(Failure::usage)?;
    if let Some(seed) = super::serve::seed(&args.serve)? {
        shared.seed(&seed).map_err(Failure::usage)?;
        errln!("seeded {} resources into each tenant", seed.len());
    }
    let runtime = super::runtime()?;
    let shared = Arc::new(shared);
    let until = args.until.clone();
    let served = runtime.block_on(async {
        let ip = args
            .serve
            .host
            .parse::<std::net::IpAddr>()
            .map_err(|_| Failure::usage(format!("--host {} is not an IP address", args.serve.host)))?;
        let addr = SocketAddr::new(ip, args.serve.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Failure::harness(format!("cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr().unwrap_or(addr);
        super::serve::print_banner(&shared, local, &auth, generated.as_deref());
        banner(&audit, &until);
        let urls: Vec<String> =
            shared.tenants.iter().map(|t| format!("http://{local}{}", t.prefix)).collect();
        let ending = audit.clone();
        let ended = Arc::new(tokio::sync::Notify::new());
        let told = ended.clone();
        let shutdown = async move {
            let why = tokio::select! {
                () = super::serve::wait_for_stop() => "stopped",
                why = reached(&ending, &until) => why,
            };
            errln!("audit ended ({why}): judging what the client sent");
            told.notify_one();
            // A second Ctrl-C quits at once, without the reports.
            tokio::spawn(async {
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(Exit::Interrupted.code().into());
                }
            });
        };
        // A client that never finishes its request must not hold the report back.
        let deadline = async move {
            ended.notified().await;
            tokio::time::sleep(Duration::from_secs(STRAGGLERS_SECONDS)).await;
        };
        tokio::select! {
            served = server::serve_wrapped(listener, shared.clone(), audit.wrapper(), shutdown) => {
                served.map(|()| urls.join(" ")).map_err(Failure::harness)
            }
            () = deadline => Ok(urls.join(" ")),
        }
    });
    let url = served?;
    let report = audit.finish(&gate, &url, false);
    let style = terminal::Style::detect();
    // Most requirements never arise in a short session: they are counted
    // here, and listed with their reasons in the file reports.
    let mut not_applicable = 0;
    for case in &report.cases {
        if case.verdict() == Verdict::NotApplicable {
            not_applicable += 1;
        } else {
            outln!("{}", terminal::progress_line(case, style));
        }
    }
    if not_applicable > 0 {
        outln!(
            "{}",
            style.dim(&format!(
                "N/A   {not_applicable} requirements: the client had no occasion to show them (--json and --html say why, each)"
            ))
        );
    }
    out!("{}", terminal::details(&report, style));
    let wrote = super::reports::write(&args.reports, &report);
    Ok(super::exit_for(&report, wrote))
}

fn dedup(scenarios: Vec<Scenario>) -> Vec<Scenario> {
    let mut out: Vec<Scenario> = Vec::new();
    for s in scenarios {
        out.retain(|o| o.name() != s.name());
        out.push(s);
    }
    out
}

fn banner(audit: &Audit, until: &[Until]) {
    let config = audit.config();
    if config.scenarios.is_empty() {
        outln!("  audit     every request is judged; no scenario (the server behaves as scimitar serve)");
    } else {
        let names: Vec<String> = config.scenarios.iter().map(|s| s.spelled()).collect();
        outln!("  audit     every request is judged; scenarios: {}", names.join(", "));
    }
    if !config.like.is_empty() {
        let names: Vec<&str> = config.like.iter().map(|p| p.title()).collect();
        outln!("            compared with {}", names.join(" and "));
    }
    let ends: Vec<String> = until
        .iter()
        .map(|u| match u {
            Until::Idle(d) => format!("after {} s without a request", d.as_secs()),
            Until::Requests(n) => format!("after {n} requests"),
        })
        .collect();
    if ends.is_empty() {
        outln!("The audit ends with Ctrl-C, then writes its reports.");
    } else {
        outln!("The audit ends {}, or with Ctrl-C, then writes its reports.", ends.join(" or "));
    }
}

/// Waits until an `--until` condition holds; forever when there is none.
async fn reached(audit: &Audit, until: &[Until]) -> &'static str {
    if until.is_empty() {
        return std::future::pending().await;
    }
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        for condition in until {
            match condition {
                Until::Idle(d) if audit.idle() >= *d => return "idle",
                Until::Requests(n) if audit.requests() >= *n => return "request count reached",
                _ => {}
            }
        }
    }
}
