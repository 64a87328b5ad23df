//! `scimitar run`: the suites against a target, with live progress, cleanup,
//! reports and an exit code that says which kind of outcome it was.

use crate::cli::{ProfileChoice, RunArgs};
use crate::exit;
use crate::faults::FaultSet;
use crate::gate::Gate;
use crate::gate::baseline::Baseline;
use crate::gate::waiver::Waivers;
use crate::report::progress;
use crate::report::run::{DeclaredInfo, REPORT_FORMAT, RunReport, Summary, TargetInfo};
use crate::report::{self, terminal};
use crate::runner::outcome::{CaseReport, ErrorKind, HarnessError, Outcome};
use crate::runner::target::{Target, TargetAuth};
use crate::runner::target_file::TargetFile;
use crate::runner::{self, RunOptions};
use crate::scim::datetime;
use crate::scim::quirks::{Idp, Leniency};
use crate::server::{Auth, ReferenceServer, ServerConfig};
use crate::suite::profile::Profile;
use crate::suite::requirement::Level;
use crate::suite::{Case, Suite};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn run(args: RunArgs) -> u8 {
    let mut suite = match super::load_suites(args.suites.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let profiles = ProfileChoice::resolve(&args.select.profiles);
    if let Some(users) = args.users {
        let s = &args.select;
        let case_flags =
            !s.filters.is_empty() || !s.only.is_empty() || !s.skip.is_empty() || !s.tag.is_empty();
        let report_flags = args.html.is_some()
            || args.junit.is_some()
            || args.markdown.is_some()
            || args.har.is_some()
            || args.waivers.is_some()
            || args.baseline.is_some();
        if case_flags || report_flags {
            errln!(
                "error: --users replays a sync, not cases: case filters, --only, --skip, --tag, --waivers, --baseline \
                 and the --html, --junit, --markdown and --har reports do not apply (--json writes the load report)"
            );
            return exit::USAGE;
        }
        return load(&args, &suite, &profiles, users);
    }
    let cases = match super::select::select(&mut suite, &args.select, &profiles) {
        Ok(cases) => cases,
        Err(e) => {
            errln!("error: {e}");
            return exit::USAGE;
        }
    };
    let gate = match gate(&args) {
        Ok(g) => g,
        Err(e) => {
            errln!("error: {e}");
            return exit::USAGE;
        }
    };
    let (target, server) = match target(&args, &[]) {
        Ok(t) => t,
        Err(e) => {
            errln!("error: {e}");
            return exit::USAGE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            errln!("error: cannot start the runtime: {e}");
            return exit::HARNESS_ERROR;
        }
    };
    let code = runtime.block_on(execute(&args, &gate, cases, target, server.is_some()));
    drop(server);
    code
}

/// `--users N`: the profile's initial sync instead of the cases.
fn load(args: &RunArgs, suite: &Suite, profiles: &[Profile], users: usize) -> u8 {
    let profile = match crate::load::Plan::profile_of(profiles) {
        Ok(p) => p,
        Err(e) => {
            errln!("error: {e}");
            return exit::USAGE;
        }
    };
    // The in-process server is made lenient for the IdP: load measures the
    // server's pace, and the cases already judge the IdP's quirks.
    let (target, server) = match target(args, profile.compat().as_slice()) {
        Ok(t) => t,
        Err(e) => {
            errln!("error: {e}");
            return exit::USAGE;
        }
    };
    // --rate 0 lifts the IdP's pace: how fast can the server go?
    let rate = match args.rate {
        Some(r) if r <= 0.0 => None,
        Some(r) => Some(r),
        None => crate::load::Plan::documented_rate(profile),
    };
    // An IdP sends many requests at once: the pace grows the requests in
    // flight until the server pushes back, up to --jobs when given.
    let jobs = args.jobs;
    // The pace the server is held to: the IdP's, or --rate if slower.
    let pace = crate::load::Plan::documented_rate(profile).map(|t| rate.map_or(t, |r| r.min(t)));
    let plan = crate::load::Plan {
        profile,
        requirement: suite.catalogue.get(&format!("{}.sync-rate", profile.name())).cloned(),
        target_rate: pace,
        users,
        groups: args.groups.unwrap_or((users / 10).max(1)),
        members_per_patch: target
            .resource("Group")
            .and_then(|g| g.max_members_per_patch)
            .map_or(crate::load::MEMBERS_PER_PATCH, |n| n as usize),
        jobs,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            errln!("error: cannot start the runtime: {e}");
            return exit::HARNESS_ERROR;
        }
    };
    let code = runtime.block_on(async {
        let options =
            RunOptions { timeout: Duration::from_secs(args.timeout.max(1)), rate, ..RunOptions::default() };
        let http = match crate::runner::http::Http::new(&target, options.timeout, options.rate) {
            Ok(h) => h,
            Err(e) => {
                errln!("error: {e}");
                return exit::HARNESS_ERROR;
            }
        };
        let pace = rate.map_or("as fast as it answers".to_string(), |r| format!("at most {r} requests/s"));
        outln!(
            "scimitar {}: {}'s initial sync of {} users and {} groups against {}, {pace}, {} at once\n",
            env!("CARGO_PKG_VERSION"),
            profile.title(),
            plan.users,
            plan.groups,
            http.redactor().redact(http.base()),
            jobs.map_or_else(
                || format!("up to {}", crate::runner::pace::DEFAULT_CEILING),
                |j| format!("up to {j}")
            )
        );
        let cancelled = stop_on_interrupt("the users and groups this sync created");
        let report = crate::load::run(&http, &plan, &runner::new_run_id(), &cancelled).await;
        out!("{}", crate::load::render(&report));
        if let Some(path) = &args.json {
            let text = serde_json::to_string_pretty(&report).unwrap_or_default();
            if !write(path, &text) {
                return exit::HARNESS_ERROR;
            }
        }
        if let Some(stop) = http.stopped() {
            errln!("error: the run stopped: {}", stop.message);
            return exit::HARNESS_ERROR;
        }
        if report.interrupted {
            return exit::INTERRUPTED;
        }
        if report.sustained() { exit::SUCCESS } else { exit::NON_COMPLIANT }
    });
    drop(server);
    code
}

/// Ctrl-C, or the reader of stdout going away (`| head`), stops the run;
/// the caller then deletes `what` before it ends. A second Ctrl-C quits at
/// once. Needs the runtime.
fn stop_on_interrupt(what: &'static str) -> tokio::sync::watch::Receiver<bool> {
    let (cancel, cancelled) = tokio::sync::watch::channel(false);
    let cancel = Arc::new(cancel);
    let reader_gone = cancel.clone();
    crate::output::on_close(move || {
        reader_gone.send_replace(true);
    });
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            errln!(
                "\ninterrupted: stopping, then deleting {what} (Ctrl-C again to quit at once, leaving it)"
            );
            cancel.send_replace(true);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(exit::INTERRUPTED.into());
            }
        }
    });
    cancelled
}

/// The target from the command line, a target file, or (neither) a reference
/// server started here, which is returned so it lives as long as the run.
fn target(args: &RunArgs, also_compat: &[Idp]) -> Result<(Target, Option<ReferenceServer>), String> {
    let explicit = [args.token.is_some(), args.basic.is_some(), args.auth_header.is_some()];
    if explicit.iter().filter(|b| **b).count() > 1 {
        return Err(
            "give one credential: --token, --basic or --header (or their SCIMITAR_* variables)".into()
        );
    }
    let auth = if let Some(t) = &args.token {
        Some(TargetAuth::Bearer(t.clone()))
    } else if let Some(b) = &args.basic {
        Some(TargetAuth::basic(b))
    } else {
        args.auth_header.as_deref().map(TargetAuth::header).transpose()?
    };
    let (mut target, server) = match (&args.target, &args.url) {
        (Some(file), url) => {
            let mut t = TargetFile::load(file)?.into_target(&|var| std::env::var(var).ok())?;
            if let Some(url) = url {
                t.base_url = url.clone();
            }
            (t, None)
        }
        (None, Some(url)) => (Target::new(url.clone(), TargetAuth::None), None),
        (None, None) => {
            if auth.is_some() {
                return Err("credentials need a target: add --url (or --target)".into());
            }
            let token = uuid::Uuid::new_v4().simple().to_string();
            let config = ServerConfig::new(Auth::bearer(token.clone()))
                .with_faults(FaultSet::of(&args.faults))
                .with_variants(crate::cli::VariantChoice::resolve(&args.variants))
                .with_leniency(Leniency::for_idps(&[&args.compat[..], also_compat].concat()));
            let server = ReferenceServer::start(config).map_err(|e| e.to_string())?;
            (Target::new(server.base_url(), TargetAuth::Bearer(token)), Some(server))
        }
    };
    if let Some(auth) = auth {
        target.auth = auth;
    }
    crate::runner::target::parse_base_url(&target.base_url).map_err(|e| format!("--url {e}"))?;
    for var in &args.vars {
        let (name, value) = var.split_once('=').ok_or_else(|| format!("--var {var}: write name=value"))?;
        target.vars.insert(name.trim().to_string(), value.to_string());
    }
    Ok((target, server))
}

/// What decides the verdicts, read before the run so a bad file stops it
/// before it starts.
fn gate(args: &RunArgs) -> Result<Gate, String> {
    let (level, declared) = crate::cli::FailOn::resolve(&args.fail_on);
    Ok(Gate {
        fail_on: if args.strict { Level::May } else { level },
        fail_on_declared: declared,
        waivers: args.waivers.as_deref().map(Waivers::load).transpose()?.unwrap_or_default(),
        declarations: Vec::new(),
        baseline: args.baseline.as_deref().map(Baseline::load).transpose()?,
    })
}

async fn execute(args: &RunArgs, gate: &Gate, cases: Vec<Arc<Case>>, target: Target, in_process: bool) -> u8 {
    let started_at = datetime::format(datetime::now());
    let started = Instant::now();
    let options = RunOptions {
        timeout: Duration::from_secs(args.timeout.max(1)),
        rate: pace(args.rate, target.limits.rate),
        assume: args.assume.clone(),
        deny: args.deny.clone(),
    };
    let ctx = match runner::prepare(&target, &options, runner::new_run_id()).await {
        Ok(ctx) => Arc::new(ctx),
        Err(e) => {
            errln!("error: {e}");
            return if e.kind == ErrorKind::Config { exit::USAGE } else { exit::HARNESS_ERROR };
        }
    };
    // The declarations name endpoints, which only discovery knows.
    let gate = &Gate { declarations: crate::gate::declared::of_target(&target, &ctx.model), ..gate.clone() };
    let target_info = target_info(&ctx, &target, in_process, options.rate);
    let style = terminal::Style::detect();
    let where_ = if in_process {
        format!("{} (in-process reference server)", ctx.http.redactor().redact(ctx.http.base()))
    } else {
        ctx.http.redactor().redact(ctx.http.base())
    };
    outln!("scimitar {}: {} cases against {where_}", env!("CARGO_PKG_VERSION"), cases.len());
    let present: Vec<String> = ctx.capabilities.present().iter().map(ToString::to_string).collect();
    outln!("capabilities: {}", if present.is_empty() { "none found".into() } else { present.join(", ") });
    out!("{}", terminal::target_lines(&target_info, style));
    outln!();

    let cancelled = stop_on_interrupt("what this run created");
    let (events, incoming) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(progress::show(incoming, cases.len(), style));
    let profiles_run: Vec<Profile> = {
        let mut p: Vec<Profile> = cases.iter().filter_map(|c| Profile::of_case(c.id())).collect();
        p.sort();
        p.dedup();
        p
    };
    let (judged_events, judged_incoming) = tokio::sync::mpsc::unbounded_channel();
    // Each case's line shows its verdict, so the gate judges it on the way.
    let judge_each = {
        let gate = gate.clone();
        tokio::spawn(async move {
            let mut raw = judged_incoming;
            while let Some(event) = raw.recv().await {
                let event = match event {
                    runner::Event::Finished(mut report) => {
                        gate.judge(std::slice::from_mut(&mut *report), crate::gate::waiver::today());
                        runner::Event::Finished(report)
                    }
                    other => other,
                };
                if events.send(event).is_err() {
                    break;
                }
            }
        })
    };
    let mut reports =
        runner::run_all(ctx.clone(), cases, args.jobs, Some(judged_events), cancelled.clone()).await;
    let _ = judge_each.await;
    let _ = printer.await;
    let interrupted = *cancelled.borrow();

    let cleanup = if args.keep {
        ctx.tracker.kept()
    } else {
        let created = ctx.tracker.count();
        let sweep = ctx.capabilities.has(crate::suite::capability::Capability::Filter);
        let cleanup = ctx.tracker.clean(&ctx.http, sweep).await;
        // A reader that went away (`| head`) asked for quiet, not for this.
        if interrupted && crate::output::exit_code().is_none() {
            errln!(
                "interrupted: deleted {} of the {created} resources this run created{}; {} left behind",
                cleanup.deleted,
                if cleanup.swept > 0 {
                    format!(", and {} more its names gave away", cleanup.swept)
                } else {
                    String::new()
                },
                cleanup.left_behind.len()
            );
        }
        cleanup
    };
    let judgement = gate.judge(&mut reports, crate::gate::waiver::today());
    let mut summary = Summary::of(&reports);
    summary.requests = ctx.http.requests_sent();
    summary.rate_limited = ctx.http.rate_limited();
    summary.left_behind = cleanup.left_behind.len();
    let run = RunReport {
        format: REPORT_FORMAT,
        scimitar: env!("CARGO_PKG_VERSION").to_string(),
        run_id: ctx.run_id().to_string(),
        started_at,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        target: target_info,
        profiles: profiles_run,
        fail_on: gate.fail_on,
        fail_on_declared: gate.fail_on_declared,
        summary,
        waivers: judgement.waivers,
        declarations: judgement.declarations,
        baseline: judgement.baseline,
        left_behind: cleanup.left_behind,
        pace: Some(ctx.http.pace().settled()),
        cases: reports,
    };
    match ctx.http.stopped() {
        None => out!("{}", terminal::details(&run, style)),
        Some(stop) => out!("{}", stopped_details(&run, stop, style)),
    }
    let wrote_all = write_reports(args, &run);
    verdict(&run, interrupted, wrote_all)
}

fn target_info(ctx: &runner::RunContext, target: &Target, in_process: bool, rate: Option<f64>) -> TargetInfo {
    let mut highlights = ctx.model.highlights();
    highlights.extend(declared_lines(target, rate));
    TargetInfo {
        url: ctx.http.redactor().redact(ctx.http.base()),
        in_process,
        capabilities: ctx.capabilities.present(),
        capability_notes: ctx.capabilities.notes(),
        model: ctx.model.summary(),
        highlights,
        declared: DeclaredInfo::of(target),
    }
}

/// What the target file declares, a line each, for the report's header.
fn declared_lines(target: &Target, rate: Option<f64>) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(declared) = target.limits.rate {
        let pace = rate.unwrap_or(declared);
        lines.push(format!("declared: at most {declared} requests/s; the run kept to {pace}"));
    }
    if let Some(n) = target.limits.max_page_size {
        lines.push(format!("declared: pages of at most {n} resources; no request asked for more"));
    }
    for (name, d) in &target.resources {
        let at = d.declared_at.as_deref().map_or(String::new(), |at| format!(" ({at})"));
        if d.delete == crate::runner::target::DeleteSemantics::Deactivates {
            lines.push(format!(
                "declared: DELETE of a {name} deactivates it{at}; its RFC 7644 §3.6 findings are reported as declared"
            ));
        }
        if let Some(n) = d.max_members_per_patch {
            lines.push(format!(
                "declared: at most {n} member values per PATCH of a {name}{at}; larger changes were split"
            ));
        }
    }
    lines
}

/// The pace the run keeps: `--rate` (0 for none), never above a declared rate.
fn pace(asked: Option<f64>, declared: Option<f64>) -> Option<f64> {
    match (asked.filter(|r| *r > 0.0), declared) {
        (Some(a), Some(d)) => Some(a.min(d)),
        (a, d) => a.or(d),
    }
}

/// The details of the cases that finished, then the one reason the run
/// stopped: the cases it cut short would each only repeat it.
fn stopped_details(run: &RunReport, stop: &HarnessError, style: terminal::Style) -> String {
    let cut_short = |c: &CaseReport| matches!(&c.outcome, Outcome::Error { message, .. } if *message == stop.message || message.starts_with(runner::NOT_FINISHED));
    let finished: Vec<CaseReport> = run.cases.iter().filter(|c| !cut_short(c)).cloned().collect();
    let mut summary = Summary::of(&finished);
    summary.requests = run.summary.requests;
    summary.rate_limited = run.summary.rate_limited;
    summary.left_behind = run.summary.left_behind;
    let shown = RunReport { cases: finished, summary, ..run.clone() };
    let mut text = terminal::details(&shown, style);
    text.push_str(&style.red(&format!("\nerror: the run stopped: {}", stop.message)));
    text.push_str(&format!(
        "\n{} of {} cases finished before it stopped; the others say nothing about compliance",
        shown.cases.len(),
        run.cases.len()
    ));
    if run.summary.left_behind > 0 {
        text.push_str(&format!(
            "\n{} resources this run created are still on the target: their names start with {}",
            run.summary.left_behind, run.run_id
        ));
    }
    text.push('\n');
    text
}

/// Every report asked for; false if one could not be written.
fn write_reports(args: &RunArgs, run: &RunReport) -> bool {
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
    // GitHub Actions shows this file on the run's page.
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

/// Interrupted beats everything; then a harness that could not run (its
/// verdict is incomplete); then non-compliance as gated.
fn verdict(run: &RunReport, interrupted: bool, wrote_reports: bool) -> u8 {
    if interrupted {
        return exit::INTERRUPTED;
    }
    if run.summary.errors > 0 || !wrote_reports {
        return exit::HARNESS_ERROR;
    }
    if run.fails() { exit::NON_COMPLIANT } else { exit::SUCCESS }
}
