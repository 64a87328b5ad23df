//! `scimitar run`: the suites against a target, with live progress, cleanup,
//! reports and an exit code that says which kind of outcome it was.

use super::{Ended, Failure};
use crate::cli::{ProfileChoice, RunArgs};
use crate::exit::Exit;
use crate::gate::Gate;
use crate::gate::baseline::Baseline;
use crate::report::progress;
use crate::report::run::{DeclaredInfo, REPORT_FORMAT, RunReport, Summary, TargetInfo};
use crate::report::terminal;
use crate::runner::outcome::{CaseReport, ErrorKind, HarnessError, Outcome};
use crate::runner::target::Target;
use crate::runner::{self, RunOptions};
use crate::scim::datetime;

use crate::suite::Case;
use crate::suite::profile::Profile;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn run(args: RunArgs) -> Ended {
    let mut suite = super::load_suites(args.suites.as_deref())?;
    let profiles = ProfileChoice::resolve(&args.select.profiles);
    if let Some(users) = args.users {
        return super::load::run(&args, &suite, &profiles, users);
    }
    let cases = super::select::select(&mut suite, &args.select, &profiles).map_err(Failure::Usage)?;
    let gate = gate(&args)?;
    let (target, server) = super::target::target(&args, &[])?;
    let ended = super::runtime()?.block_on(execute(&args, &gate, cases, target, server.is_some()));
    drop(server);
    ended
}

/// What decides the verdicts, read before the run so a bad file stops it
/// before it starts.
fn gate(args: &RunArgs) -> Result<Gate, Failure> {
    let gate = super::gate(&args.gate)?;
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
    Ok(Gate { baseline, ..gate })
}

async fn execute(
    args: &RunArgs,
    gate: &Gate,
    cases: Vec<Arc<Case>>,
    target: Target,
    in_process: bool,
) -> Ended {
    let started_at = datetime::format(datetime::now());
    let started = Instant::now();
    let options = RunOptions {
        timeout: Duration::from_secs(args.timeout.max(1)),
        rate: super::target::pace(args.rate, target.limits.rate),
        assume: args.assume.clone(),
        deny: args.deny.clone(),
    };
    let ctx = match runner::prepare(&target, &options, runner::new_run_id()).await {
        Ok(ctx) => Arc::new(ctx),
        Err(e) if e.kind == ErrorKind::Config => return Err(Failure::Usage(e.to_string())),
        Err(e) => return Err(Failure::Harness(e.to_string())),
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

    let cancelled = super::stop_on_interrupt("what this run created");
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
                        gate.judge_live(&mut report);
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
    let wrote_all = super::reports::write(&args.reports, &run);
    Ok(verdict(&run, interrupted, wrote_all))
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

/// Interrupted beats everything; then a harness that could not run (its
/// verdict is incomplete); then non-compliance as gated.
fn verdict(run: &RunReport, interrupted: bool, wrote_reports: bool) -> Exit {
    if interrupted {
        return Exit::Interrupted;
    }
    super::exit_for(run, wrote_reports)
}
