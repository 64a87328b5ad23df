//! The runner: executes cases against a target and reports what it found.
//!
//! [`run_case`] is the one entry point; the CLI (`scimitar run`) and the
//! `cargo test` harness both call it. A case stops at its first step with
//! findings (later steps would only echo the first problem), then its cleanup
//! steps run whatever happened.

pub mod adapt;
pub mod check;
pub mod discover;
pub mod expect;
pub mod http;
pub mod limits;
pub mod matching;
pub mod model;
pub mod outcome;
pub mod pace;
pub mod refusal;
pub mod step;
pub mod target;
pub mod target_file;
pub mod tracker;
pub mod walk;

use crate::suite::Case;
use crate::suite::case::Step;
use crate::suite::template::Vars;
use discover::Capabilities;
use http::{Http, Outgoing};
use outcome::{Blocker, CaseReport, ErrorKind, Exchange, Finding, HarnessError, Outcome};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tracker::Tracker;

/// Everything cases share during one run.
pub struct RunContext {
    pub http: Http,
    /// What discovery and the probes found the target to be.
    pub model: model::TargetModel,
    pub capabilities: Capabilities,
    /// Run-level variables (from the target file), visible to every case.
    pub vars: Vars,
    /// The limits the target file declares, which every request keeps.
    pub limits: limits::DeclaredLimits,
    pub tracker: Tracker,
    next_unique: AtomicU64,
}

impl RunContext {
    pub fn new(
        http: Http,
        model: model::TargetModel,
        capabilities: Capabilities,
        vars: Vars,
        run_id: impl Into<String>,
    ) -> RunContext {
        RunContext {
            http,
            model,
            capabilities,
            vars,
            limits: limits::DeclaredLimits::default(),
            tracker: Tracker::new(run_id),
            next_unique: AtomicU64::new(1),
        }
    }

    pub fn with_limits(mut self, limits: limits::DeclaredLimits) -> RunContext {
        self.limits = limits;
        self
    }

    pub fn run_id(&self) -> &str {
        self.tracker.run_id()
    }

    /// A value no other case of this run, nor any other run, will produce:
    /// the run prefix makes what a run creates recognisable and cleanable.
    fn unique(&self) -> String {
        // Fixed width, so no case's unique is a prefix of another's: cases
        // select their own resources with `sw "{{unique}}"`.
        format!("{}-{:05}", self.run_id(), self.next_unique.fetch_add(1, Ordering::Relaxed))
    }
}

/// A fresh run id: `scimitar-` and eight hex digits.
pub fn new_run_id() -> String {
    format!("scimitar-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// Runs one case against the target.
pub async fn run_case(ctx: &RunContext, case: &Case) -> CaseReport {
    let started = Instant::now();
    let uses = adapt::Uses::of(case);
    let not_applicable = missing_capability(ctx, case).or_else(|| adapt::not_applicable(&uses, &ctx.model));
    let (outcome, exchanges) = match not_applicable {
        Some(reason) => (Outcome::NotApplicable { reason }, Vec::new()),
        None => run_steps(ctx, case, &uses).await,
    };
    CaseReport::of(case, outcome, started.elapsed().as_secs_f64() * 1000.0, exchanges)
}

fn missing_capability(ctx: &RunContext, case: &Case) -> Option<String> {
    let missing: Vec<String> = case
        .doc
        .requires
        .iter()
        .filter(|c| !ctx.capabilities.has(**c))
        .map(|c| format!("{c} ({})", ctx.capabilities.reason(*c)))
        .collect();
    (!missing.is_empty()).then(|| format!("needs {}", missing.join("; ")))
}

/// The filter that selects a case's own resources of a type, as the target
/// allows: by the prefix of the names the case gives (`name_attribute`), or
/// by the externalId the runner gives them.
fn scope_filter(scope: model::Scope, name_attribute: &str, unique: &str) -> String {
    match scope {
        model::Scope::NamePrefix => format!("{name_attribute} sw {}", Value::from(format!("{unique}-"))),
        model::Scope::ExternalId => format!("externalId eq {}", Value::from(unique)),
    }
}

async fn run_steps(ctx: &RunContext, case: &Case, uses: &adapt::Uses) -> (Outcome, Vec<Exchange>) {
    let mut vars = ctx.vars.clone();
    let unique = ctx.unique();
    vars.insert("unique".into(), Value::from(unique.as_str()));
    vars.insert("run".into(), Value::from(ctx.run_id()));
    // A random GUID, as Entra's Test Connection looks one up.
    vars.insert("guid".into(), Value::from(uuid::Uuid::new_v4().to_string()));
    vars.insert("base_url".into(), Value::from(ctx.http.base().trim_end_matches('/')));
    if let Some(scope) = ctx.model.scope.users {
        vars.insert("scope".into(), Value::from(scope_filter(scope, "userName", &unique)));
    }
    if let Some(scope) = ctx.model.scope.groups {
        vars.insert("group_scope".into(), Value::from(scope_filter(scope, "displayName", &unique)));
    }
    let mut state = step::CaseState { case, uses, vars, exchanges: Vec::new() };
    let mut findings = Vec::new();
    let mut blocker = None;
    let mut error = None;
    let mut not_applicable = None;
    for (i, s) in case.doc.steps.iter().enumerate() {
        match step::run(ctx, &mut state, s, i + 1).await {
            Ok(step::StepEnd::Done) => {}
            Ok(step::StepEnd::Findings(found)) => {
                findings = found.into_iter().map(bounded).collect();
                blocker = setup_requirement(case, i).map(|requirement| Blocker {
                    step: i + 1,
                    step_name: s.value.name.clone(),
                    requirement,
                    reported_by: None,
                });
                break;
            }
            Ok(step::StepEnd::NotApplicable(why)) => {
                not_applicable = Some(format!("step {}: {why}", i + 1));
                break;
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    // Cleanup always runs; its own problems are not the case's verdict, and a
    // step whose variables were never captured has nothing to clean.
    let first_cleanup = case.doc.steps.len() + 1;
    for (i, s) in case.doc.cleanup.iter().enumerate() {
        let _ = step::run(ctx, &mut state, s, first_cleanup + i).await;
    }
    let outcome = match (error, not_applicable, blocker) {
        (Some(e), _, _) => Outcome::Error { kind: e.kind, message: e.message },
        (None, Some(reason), _) => Outcome::NotApplicable { reason },
        (None, None, _) if findings.is_empty() => Outcome::Pass,
        (None, None, Some(blocker)) => Outcome::Blocked { blocker, findings },
        (None, None, None) => Outcome::Fail { findings },
    };
    (outcome, state.exchanges)
}

/// The requirement of a step that only sets the case up: one that cites a
/// requirement the case does not check (creation, in a paging case), before
/// any step that checks one the case does. Its failure blocks the case
/// rather than failing it. A step citing another requirement after the
/// case's own checks have begun is a check too.
fn setup_requirement(case: &Case, index: usize) -> Option<String> {
    let own =
        |step: &Step| step.req.as_ref().is_none_or(|r| case.requirements.iter().any(|q| q.id == r.value));
    let steps = &case.doc.steps;
    if steps[..=index].iter().any(|s| own(&s.value)) {
        return None;
    }
    steps[index].value.req.as_ref().map(|r| r.value.clone())
}

/// Most characters of a finding's expected or actual text: a server can send
/// megabytes, and a report is for reading.
const FINDING_TEXT: usize = 8 * 1024;

fn bounded(f: Finding) -> Finding {
    let cut = |s: String| {
        if s.len() <= FINDING_TEXT {
            s
        } else {
            format!("{}… ({} bytes in all)", &s[..s.floor_char_boundary(FINDING_TEXT)], s.len())
        }
    };
    Finding { expected: cut(f.expected), actual: cut(f.actual), ..f }
}

/// The case's headers (its client's, and its own), under any of the step's own.
pub(crate) fn add_case_headers(case: &Case, out: &mut Outgoing) {
    add_client_headers(&case.headers, out);
}

/// A client's headers, under any the request already has.
pub(crate) fn add_client_headers(headers: &crate::suite::client::Headers, out: &mut Outgoing) {
    for (name, value) in headers {
        // A Content-Type describes a body; a client sends none on a GET.
        let describes_body = name.eq_ignore_ascii_case("content-type");
        if out.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
            || (describes_body && out.body.is_none())
        {
            continue;
        }
        match value {
            Some(value) => out.headers.push((name.clone(), value.clone())),
            None => out.without.push(name.clone()),
        }
    }
}

/// How a case the run stopped before it finished begins its error.
pub const NOT_FINISHED: &str = "not finished, the run stopped";

/// Progress of a run, for a live display.
#[derive(Debug)]
pub enum Event {
    /// A case began (it got one of the `jobs` slots).
    Started(String),
    Finished(Box<CaseReport>),
}

/// Runs cases until all are done, `cancel` turns true (cases not finished by
/// then are reported as interrupted), or the run stops talking to the target
/// (they are reported with the reason). As many run at once as the target's
/// pace allows, never more than `jobs` when given; the longest start first,
/// so the run is not left waiting on one long case at the end.
pub async fn run_all(
    ctx: Arc<RunContext>,
    cases: Vec<Arc<Case>>,
    jobs: Option<usize>,
    events: Option<tokio::sync::mpsc::UnboundedSender<Event>>,
    mut cancel: tokio::sync::watch::Receiver<bool>,
) -> Vec<CaseReport> {
    let pace = ctx.http.pace().clone();
    if let Some(jobs) = jobs {
        pace.set_ceiling(jobs);
    }
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(round_trips(&cases[*i])));
    let (finished, mut done) = tokio::sync::mpsc::unbounded_channel::<(usize, Option<CaseReport>)>();
    let admission = {
        let (ctx, cases, events) = (ctx.clone(), cases.clone(), events.clone());
        async move {
            let mut set = tokio::task::JoinSet::new();
            for index in order {
                let slot = pace.admit().await;
                let (ctx, case, finished) = (ctx.clone(), cases[index].clone(), finished.clone());
                if let Some(tx) = &events {
                    let _ = tx.send(Event::Started(case.id().to_string()));
                }
                set.spawn(async move {
                    let report = run_case(&ctx, &case).await;
                    drop(slot);
                    let _ = finished.send((index, Some(report)));
                });
            }
            drop(finished);
            // A panicking case is a harness bug; its slot is reported below.
            while set.join_next().await.is_some() {}
        }
    };
    let admission = tokio::spawn(admission);
    let mut reports: Vec<Option<CaseReport>> = vec![None; cases.len()];
    loop {
        tokio::select! {
            next = done.recv() => match next {
                None => break,
                Some((index, report)) => {
                    if let (Some(tx), Some(report)) = (&events, &report) {
                        let _ = tx.send(Event::Finished(Box::new(report.clone())));
                    }
                    reports[index] = report;
                }
            },
            changed = cancel.changed() => {
                if changed.is_err() || *cancel.borrow() {
                    admission.abort();
                    let _ = admission.await;
                    break;
                }
            }
            // A case still running now has nothing more to learn from the target.
            () = ctx.http.until_stopped() => {
                admission.abort();
                let _ = admission.await;
                break;
            }
        }
    }
    let interrupted = *cancel.borrow();
    let stop = ctx.http.stopped();
    reports
        .into_iter()
        .zip(cases.iter())
        .map(|(report, case)| {
            report.unwrap_or_else(|| {
                let (kind, message) = if interrupted {
                    (ErrorKind::Interrupted, "the run was interrupted before this case finished".to_string())
                } else if let Some(stop) = stop {
                    (stop.kind, format!("{NOT_FINISHED}: {}", stop.message))
                } else {
                    (ErrorKind::Suite, "the case panicked in the harness; this is a scimitar bug".to_string())
                };
                CaseReport::of(case, Outcome::Error { kind, message }, 0.0, Vec::new())
            })
        })
        .collect()
}

/// The round trips a case makes, as its file tells: what it costs at a
/// given latency, so the longest can start first. A wait counts as the
/// round trips of 100 ms each it lasts; a `wait_past` as its longest, 1.1 s.
fn round_trips(case: &Case) -> usize {
    let step = |s: &crate::suite::case::Step| match (s.wait, &s.wait_past) {
        (Some(ms), _) => usize::try_from(ms.div_ceil(100)).unwrap_or(usize::MAX).max(1),
        (None, Some(_)) => 11,
        (None, None) => 1,
    };
    case.doc.steps.iter().map(|s| step(&s.value)).sum::<usize>() + case.doc.cleanup.len()
}

/// How a run talks to its target.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub timeout: std::time::Duration,
    /// Requests per second, across all jobs.
    pub rate: Option<f64>,
    pub assume: Vec<crate::suite::capability::Capability>,
    pub deny: Vec<crate::suite::capability::Capability>,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            timeout: std::time::Duration::from_secs(30),
            rate: None,
            assume: Vec::new(),
            deny: Vec::new(),
        }
    }
}

/// Connects to the target, discovers what it can do, and makes the context a
/// run shares.
pub async fn prepare(
    target: &target::Target,
    options: &RunOptions,
    run_id: String,
) -> Result<RunContext, HarnessError> {
    let http = Http::new(target, options.timeout, options.rate)?;
    let model = discover::discover(&http, &run_id).await?;
    let capabilities = Capabilities::of(&model).with_overrides(target, &options.assume, &options.deny);
    let limits = limits::DeclaredLimits::of(target, &model).map_err(HarnessError::config)?;
    let mut vars = Vars::new();
    for (k, v) in &target.vars {
        vars.insert(k.clone(), Value::from(v.as_str()));
    }
    let deactivating: Vec<String> = target
        .resources
        .iter()
        .filter(|(_, d)| d.delete == target::DeleteSemantics::Deactivates)
        .filter_map(|(name, _)| model.resource_type(name).map(|rt| rt.endpoint.clone()))
        .collect();
    let ctx = RunContext::new(http, model, capabilities, vars, run_id).with_limits(limits);
    ctx.tracker.keeps_on_delete(&deactivating);
    Ok(ctx)
}
