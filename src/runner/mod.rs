//! The runner: executes cases against a target and reports what it found.
//!
//! [`run_case`] is the one entry point; the CLI (`scimitar run`) and the
//! `cargo test` harness both call it. A case stops at its first step with
//! findings (later steps would only echo the first problem), then its cleanup
//! steps run whatever happened.

pub mod discover;
pub mod expect;
pub mod http;
pub mod matching;
pub mod outcome;
pub mod target;
pub mod tracker;
pub mod walk;

use crate::suite::Case;
use crate::suite::case::{Capture, Step};
use crate::suite::template::{self, Vars};
use discover::Capabilities;
use expect::StepInfo;
use http::{Body, Http, Outgoing};
use outcome::{CaseReport, ErrorKind, Exchange, Finding, HarnessError, Outcome};
use serde_json::Value;
use serde_saphyr::Spanned;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tracker::Tracker;

/// Everything cases share during one run.
pub struct RunContext {
    pub http: Http,
    pub capabilities: Capabilities,
    /// Run-level variables (from the target file), visible to every case.
    pub vars: Vars,
    pub tracker: Tracker,
    next_unique: AtomicU64,
}

impl RunContext {
    pub fn new(http: Http, capabilities: Capabilities, vars: Vars, run_id: impl Into<String>) -> RunContext {
        RunContext { http, capabilities, vars, tracker: Tracker::new(run_id), next_unique: AtomicU64::new(1) }
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
    let mut exchanges = Vec::new();
    let outcome = match missing_capability(ctx, case) {
        Some(reason) => Outcome::Skip { reason },
        None => run_steps(ctx, case, &mut exchanges).await,
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

async fn run_steps(ctx: &RunContext, case: &Case, exchanges: &mut Vec<Exchange>) -> Outcome {
    let mut vars = ctx.vars.clone();
    vars.insert("unique".into(), Value::from(ctx.unique()));
    vars.insert("run".into(), Value::from(ctx.run_id()));
    // A random GUID, as Entra's Test Connection looks one up.
    vars.insert("guid".into(), Value::from(uuid::Uuid::new_v4().to_string()));
    vars.insert("base_url".into(), Value::from(ctx.http.base().trim_end_matches('/')));
    let mut findings = Vec::new();
    let mut error = None;
    for (i, step) in case.doc.steps.iter().enumerate() {
        let result = run_step(ctx, case, step, i + 1, &mut vars, exchanges).await;
        let result = result.map(|found| found.into_iter().map(bounded).collect::<Vec<_>>());
        match result {
            Ok(f) if f.is_empty() => {}
            Ok(f) => {
                findings = f;
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
    for (i, step) in case.doc.cleanup.iter().enumerate() {
        let _ = run_step(ctx, case, step, first_cleanup + i, &mut vars, exchanges).await;
    }
    match error {
        Some(e) => Outcome::Error { kind: e.kind, message: e.message },
        None if findings.is_empty() => Outcome::Pass,
        None => Outcome::Fail { findings },
    }
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

async fn run_step(
    ctx: &RunContext,
    case: &Case,
    step: &Spanned<Step>,
    number: usize,
    vars: &mut Vars,
    exchanges: &mut Vec<Exchange>,
) -> Result<Vec<Finding>, HarnessError> {
    let line = step.referenced.line();
    let info = StepInfo { case, step: &step.value, number, line };
    if let Some(walk) = &step.value.walk {
        return walk::run(&ctx.http, &info, walk, vars, exchanges).await;
    }
    if let Some(ms) = step.value.wait {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        return Ok(Vec::new());
    }
    let Some(request) = &step.value.request else {
        return Err(HarnessError::suite(format!("{}: a step needs `request` or `walk`", case.at(line))));
    };
    let render = |s: &str| {
        template::render_str(s, vars).map_err(|e| HarnessError::suite(format!("{}: {e}", case.at(line))))
    };
    let mut out = Outgoing {
        method: request.method,
        // A captured id goes into a path as one segment, whatever it contains.
        path: template::render_path(&request.path, vars)
            .map_err(|e| HarnessError::suite(format!("{}: {e}", case.at(line))))?,
        query: Vec::new(),
        headers: Vec::new(),
        body: None,
        auth: request.auth,
        without: Vec::new(),
    };
    for (k, v) in &request.query {
        out.query.push((k.clone(), render(v)?));
    }
    for (k, v) in &request.headers {
        out.headers.push((k.clone(), render(v)?));
    }
    out.body = match (&request.json, &request.body) {
        (Some(json), _) => Some(Body::Json(
            template::render_value(json, vars)
                .map_err(|e| HarnessError::suite(format!("{}: {e}", case.at(line))))?,
        )),
        (None, Some(raw)) => Some(Body::Raw(render(raw)?)),
        (None, None) => None,
    };
    add_case_headers(case, &mut out);
    ctx.tracker
        .permits(&out)
        .map_err(|m| HarnessError::new(ErrorKind::Unsafe, format!("{}: {m}", case.at(line))))?;
    let (exchange, result) = ctx.http.send(number, &out).await;
    exchanges.push(exchange);
    let at = exchanges.len() - 1;
    let incoming = result?;
    ctx.tracker.observe(&out, &incoming);
    let findings = expect::check(&info, &step.value.expect, &incoming, vars, at)?;
    if !findings.is_empty() {
        return Ok(findings);
    }
    for (name, capture) in &step.value.capture {
        let value = match capture {
            Capture::Pointer(ptr) => incoming
                .json()
                .ok()
                .and_then(|body| matching::pointer(&body, ptr).filter(|v| !v.is_null()).cloned())
                // A create's body is only a SHOULD (RFC 7644 §3.3); its Location
                // is a MUST and ends with the id.
                .or_else(|| (ptr == "/id").then(|| location_id(&incoming)).flatten()),
            Capture::Header { header } => incoming.header(header).map(Value::from),
        };
        match value {
            Some(v) => {
                vars.insert(name.clone(), v);
            }
            None => {
                let what = match capture {
                    Capture::Pointer(p) => format!("a value at {p}"),
                    Capture::Header { header } => format!("a {header} header"),
                };
                return Ok(vec![info.finding(
                    line,
                    None,
                    format!("capture {name}"),
                    what,
                    "absent",
                    Some(at),
                )]);
            }
        }
    }
    Ok(Vec::new())
}

/// The case's headers, under any of the step's own.
pub(crate) fn add_case_headers(case: &Case, out: &mut Outgoing) {
    for (name, value) in &case.doc.headers {
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

fn location_id(incoming: &http::Incoming) -> Option<Value> {
    let location = incoming.header("location")?;
    let id = location.split(['?', '#']).next()?.trim_end_matches('/').rsplit('/').next()?;
    (!id.is_empty()).then(|| Value::from(id))
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

/// Runs cases, at most `jobs` at once, until all are done, `cancel` turns
/// true (cases not finished by then are reported as interrupted), or the run
/// stops talking to the target (they are reported with the reason).
pub async fn run_all(
    ctx: Arc<RunContext>,
    cases: Vec<Arc<Case>>,
    jobs: usize,
    events: Option<tokio::sync::mpsc::UnboundedSender<Event>>,
    mut cancel: tokio::sync::watch::Receiver<bool>,
) -> Vec<CaseReport> {
    let permits = Arc::new(tokio::sync::Semaphore::new(jobs.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (index, case) in cases.iter().enumerate() {
        let (ctx, case, permits) = (ctx.clone(), case.clone(), permits.clone());
        let started = events.clone();
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            if let Some(tx) = started {
                let _ = tx.send(Event::Started(case.id().to_string()));
            }
            (index, run_case(&ctx, &case).await)
        });
    }
    let mut reports: Vec<Option<CaseReport>> = vec![None; cases.len()];
    loop {
        tokio::select! {
            joined = set.join_next() => match joined {
                None => break,
                Some(Ok((index, report))) => {
                    if let Some(tx) = &events {
                        let _ = tx.send(Event::Finished(Box::new(report.clone())));
                    }
                    reports[index] = Some(report);
                }
                // A panicking case is a harness bug; its slot is reported below.
                Some(Err(_)) => {}
            },
            changed = cancel.changed() => {
                if changed.is_err() || *cancel.borrow() {
                    set.abort_all();
                    while set.join_next().await.is_some() {}
                    break;
                }
            }
            // A case still running now has nothing more to learn from the target.
            () = ctx.http.until_stopped() => {
                set.abort_all();
                while set.join_next().await.is_some() {}
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
    let capabilities =
        discover::discover(&http).await?.with_overrides(target, &options.assume, &options.deny);
    let mut vars = Vars::new();
    for (k, v) in &target.vars {
        vars.insert(k.clone(), Value::from(v.as_str()));
    }
    if let Some(n) = target.limits.max_page_size {
        vars.insert("max_page_size".into(), Value::from(n));
    }
    if let Some(n) = target.limits.max_members_per_patch {
        vars.insert("max_members_per_patch".into(), Value::from(n));
    }
    Ok(RunContext::new(http, capabilities, vars, run_id))
}
