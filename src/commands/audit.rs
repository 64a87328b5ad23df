//! `scimitar audit`: the reference server in the foreground, judging every
//! request a SCIM client sends, until Ctrl-C or an `--until` condition; then
//! the reports and an exit code, as `scimitar run` gives them.

use crate::audit::scenario::Scenario;
use crate::audit::{Audit, AuditConfig};
use crate::cli::{AuditArgs, FailOn, Until};
use crate::exit;
use crate::gate::Gate;
use crate::gate::waiver::Waivers;
use crate::report::run::RunReport;
use crate::report::{self, terminal};
use crate::runner::outcome::Verdict;
use crate::server::{self, Shared};
use crate::suite::requirement::Level;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How long requests still in flight when the audit ends may take to finish;
/// those that do not are judged as unanswered.
const STRAGGLERS_SECONDS: u64 = 10;

pub fn run(args: AuditArgs) -> u8 {
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
        return exit::SUCCESS;
    }
    let gate = match args.waivers.as_deref().map(Waivers::load).transpose() {
        Ok(waivers) => {
            let (level, declared) = FailOn::resolve(&args.fail_on);
            Gate {
                fail_on: if args.strict { Level::May } else { level },
                fail_on_declared: declared,
                waivers: waivers.unwrap_or_default(),
                ..Gate::default()
            }
        }
        Err(e) => {
            errln!("error: {e}");
            return exit::USAGE;
        }
    };
    let (server, auth, generated) = super::serve::server_config(&args.serve);
    let mut config = AuditConfig::new(server);
    config.scenarios = dedup(args.scenarios.clone());
    config.like = args.like.clone();
    config.log = !args.serve.quiet;
    let audit = Audit::new(config);
    let shared = match Shared::new(audit.server_config().clone()) {
        Ok(s) => s,
        Err(e) => {
            errln!("error: {e}");
            return exit::USAGE;
        }
    };
    match super::serve::seed(&args.serve) {
        Ok(Some(seed)) => {
            if let Err(e) = shared.seed(&seed) {
                errln!("error: {e}");
                return exit::USAGE;
            }
            errln!("seeded {} resources into each tenant", seed.len());
        }
        Ok(None) => {}
        Err(code) => return code,
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: cannot start the runtime: {e}");
            return exit::HARNESS_ERROR;
        }
    };
    let shared = Arc::new(shared);
    let until = args.until.clone();
    let served = runtime.block_on(async {
        let addr = match args.serve.host.parse::<std::net::IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, args.serve.port),
            Err(_) => {
                errln!("error: --host {} is not an IP address", args.serve.host);
                return Err(exit::USAGE);
            }
        };
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                errln!("error: cannot listen on {addr}: {e}");
                return Err(exit::HARNESS_ERROR);
            }
        };
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
                    std::process::exit(exit::INTERRUPTED.into());
                }
            });
        };
        // A client that never finishes its request must not hold the report back.
        let deadline = async move {
            ended.notified().await;
            tokio::time::sleep(Duration::from_secs(STRAGGLERS_SECONDS)).await;
        };
        tokio::select! {
            served = server::serve_wrapped(listener, shared.clone(), audit.wrapper(), shutdown) => match served {
                Ok(()) => Ok(urls.join(" ")),
                Err(e) => {
                    errln!("error: {e}");
                    Err(exit::HARNESS_ERROR)
                }
            },
            () = deadline => Ok(urls.join(" ")),
        }
    });
    let url = match served {
        Ok(url) => url,
        Err(code) => return code,
    };
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
    let wrote = write_reports(&args, &report);
    if !wrote || report.summary.errors > 0 {
        return exit::HARNESS_ERROR;
    }
    if report.fails() { exit::NON_COMPLIANT } else { exit::SUCCESS }
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

/// Every report asked for; false if one could not be written.
fn write_reports(args: &AuditArgs, run: &RunReport) -> bool {
    let mut wrote_all = true;
    if let Some(path) = &args.json {
        wrote_all &= write(path, &report::json(run));
    }
    if let Some(path) = &args.junit {
        match report::junit::render(run) {
            Ok(xml) => wrote_all &= write(path, &xml),
            Err(e) => {
                errln!("error: cannot render the JUnit report: {e}");
                wrote_all = false;
            }
        }
    }
    if let Some(path) = &args.html {
        wrote_all &= write(path, &report::html::render(run));
    }
    let markdown = report::markdown::render(run);
    if let Some(path) = &args.markdown {
        wrote_all &= write(path, &markdown);
    }
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
    if let Some(path) = &args.har {
        wrote_all &= write(path, &report::har::render(run));
    }
    wrote_all
}

fn write(path: &std::path::Path, text: &str) -> bool {
    match std::fs::write(path, text) {
        Ok(()) => true,
        Err(e) => {
            errln!("error: cannot write {}: {e}", path.display());
            false
        }
    }
}
