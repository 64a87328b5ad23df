//! One step of a case: its request built from the case file, fitted to the
//! target, sent, and its answer judged. Where the RFC gives a server a
//! choice, the step follows it: a refusal of an optional feature makes the
//! case not applicable, a PATCH that answers 204 is read back, a listing the
//! server pages on its own is gathered before it is checked.

use super::adapt::{Fitting, Uses};
use super::expect::{self, StepInfo};
use super::http::{Body, Incoming, Outgoing};
use super::outcome::{ErrorKind, Exchange, Finding, HarnessError};
use super::{RunContext, matching, refusal, walk};
use crate::suite::Case;
use crate::suite::case::{Capture, Method, Step};
use crate::suite::template::{self, Vars};
use serde_json::Value;
use serde_saphyr::Spanned;
use std::time::Duration;

/// How a step ended.
#[derive(Debug)]
pub enum StepEnd {
    Done,
    Findings(Vec<Finding>),
    /// The target refused what the step needs, as the RFC lets it: the case
    /// does not apply.
    NotApplicable(String),
}

/// Most pages gathered into one listing: more than any case creates.
const MAX_GATHERED_PAGES: usize = 50;

/// What the running case shares with each step.
pub struct CaseState<'a> {
    pub case: &'a Case,
    pub uses: &'a Uses,
    pub vars: Vars,
    pub exchanges: Vec<Exchange>,
}

pub async fn run(
    ctx: &RunContext,
    state: &mut CaseState<'_>,
    step: &Spanned<Step>,
    number: usize,
) -> Result<StepEnd, HarnessError> {
    let case = state.case;
    let line = step.referenced.line();
    let info = StepInfo { case, step: &step.value, number, line };
    if let Some(walk) = &step.value.walk {
        let findings =
            walk::run(&ctx.http, &info, walk, &state.vars, &mut state.exchanges, &ctx.limits).await?;
        return Ok(if findings.is_empty() { StepEnd::Done } else { StepEnd::Findings(findings) });
    }
    if let Some(ms) = step.value.wait {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        return Ok(StepEnd::Done);
    }
    if let Some(past) = &step.value.wait_past {
        let written = crate::suite::template::render_str(past, &state.vars)
            .map_err(|e| HarnessError::suite(format!("{}: {e}", case.at(line))))?;
        tokio::time::sleep(crate::scim::datetime::next_tick_after(&written)).await;
        return Ok(StepEnd::Done);
    }
    let Some(request) = &step.value.request else {
        return Err(HarnessError::suite(format!("{}: a step needs `request` or `walk`", case.at(line))));
    };
    let mut out = build(case, request, &state.vars, line)?;
    super::add_case_headers(case, &mut out);
    let unique = state.vars.get("unique").and_then(Value::as_str).unwrap_or_default().to_string();
    let fitting = Fitting { model: &ctx.model, uses: state.uses, unique: &unique };
    if !request.exact
        && let Err(why) = fitting.adapt(&mut out, &Uses::expected_by(request, &step.value.expect))
    {
        return Ok(StepEnd::NotApplicable(why));
    }
    let expect = &step.value.expect;
    let wants_success = expect.status.as_ref().is_some_and(|s| s.value.allows_success());
    if wants_success && let Some(why) = past_bulk_limits(&out, &ctx.model) {
        return Ok(StepEnd::NotApplicable(why));
    }
    ctx.tracker
        .permits(&out)
        .map_err(|m| HarnessError::new(ErrorKind::Unsafe, format!("{}: {m}", case.at(line))))?;
    let page_note = ctx.limits.clamp_page(&mut out);
    let incoming = match ctx.limits.split_patch(&out) {
        Some(parts) => send_parts(ctx, state, number, parts).await?,
        None => send(ctx, state, number, &out, page_note.as_deref()).await?,
    };
    let at = state.exchanges.len() - 1;
    let refused_status = expect.status.as_ref().is_some_and(|s| !s.value.allows(incoming.status));
    if wants_success
        && refused_status
        && let Some(end) = refused(ctx, state, &info, &out, &incoming, number).await?
    {
        return Ok(end);
    }
    // The resource read back after a PATCH that answered 204, or the pages of
    // a listing gathered into one: where the body checks look.
    let mut body_from: Option<(Incoming, usize)> = None;
    let asked_attributes = out.query.iter().any(|(k, _)| k.eq_ignore_ascii_case("attributes"));
    if out.method == Method::Patch
        && incoming.status == 204
        && !asked_attributes
        && expect::wants_body(expect)
    {
        let read = Outgoing::get(out.path.clone());
        let note = "the PATCH answered 204 No Content (RFC 7644 §3.5.2 allows it), so the resource is read back for the checks";
        let back = send(ctx, state, number, &read, Some(note)).await?;
        body_from = Some((back, state.exchanges.len() - 1));
    } else if let Some(gathered) = gather_pages(ctx, state, number, &out, &incoming).await? {
        body_from = Some((gathered, at));
    }
    // `{{status}}`: the status the step got, for an error body that must repeat it.
    state.vars.insert("status".into(), Value::from(incoming.status.to_string()));
    let findings = expect::check_with_body(
        &info,
        expect,
        &incoming,
        &state.vars,
        at,
        body_from.as_ref().map(|(i, n)| (i, *n)),
    )?;
    if !findings.is_empty() {
        return Ok(StepEnd::Findings(findings));
    }
    let body_source = body_from.as_ref().map_or(&incoming, |(i, _)| i);
    capture(&info, &step.value, &incoming, body_source, &mut state.vars, at)
}

/// A Bulk request that means to succeed but is larger than the target
/// allows: "The service provider MUST define the maximum number of
/// operations and maximum payload size a client may send in a single
/// request" (RFC 7644 §3.7.4), so a smaller limit is the target's right.
fn past_bulk_limits(out: &Outgoing, model: &super::model::TargetModel) -> Option<String> {
    if out.method != Method::Post || !out.path.trim_matches('/').eq_ignore_ascii_case("Bulk") {
        return None;
    }
    let Some(Body::Json(body)) = &out.body else { return None };
    let operations =
        super::model::get_ci(body, "Operations").and_then(Value::as_array).map_or(0, Vec::len) as u64;
    if let Some(max) = model.config.bulk_max_operations
        && operations > max
    {
        return Some(format!(
            "the step sends {operations} Bulk operations and the target allows {max} (bulk.maxOperations)"
        ));
    }
    let size = body.to_string().len() as u64;
    if let Some(max) = model.config.bulk_max_payload_size
        && size > max
    {
        return Some(format!(
            "the step sends a {size}-byte Bulk request and the target allows {max} (bulk.maxPayloadSize)"
        ));
    }
    None
}

/// The request as the case file writes it, its templates filled in.
fn build(
    case: &Case,
    request: &crate::suite::case::Request,
    vars: &Vars,
    line: u64,
) -> Result<Outgoing, HarnessError> {
    let suite_error = |e: String| HarnessError::suite(format!("{}: {e}", case.at(line)));
    let render = |s: &str| template::render_str(s, vars).map_err(suite_error);
    let mut out = Outgoing {
        method: request.method,
        // A captured id goes into a path as one segment, whatever it contains.
        path: template::render_path(&request.path, vars).map_err(suite_error)?,
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
        (Some(json), _) => Some(Body::Json(template::render_value(json, vars).map_err(suite_error)?)),
        (None, Some(raw)) => Some(Body::Raw(render(raw)?)),
        (None, None) => None,
    };
    Ok(out)
}

/// Sends a request of the step, records it, and lets the tracker see what it created.
async fn send(
    ctx: &RunContext,
    state: &mut CaseState<'_>,
    number: usize,
    out: &Outgoing,
    note: Option<&str>,
) -> Result<Incoming, HarnessError> {
    let (mut exchange, result) = ctx.http.send(number, out).await;
    exchange.note = note.map(str::to_string);
    state.exchanges.push(exchange);
    let incoming = result?;
    ctx.tracker.observe(out, &incoming);
    Ok(incoming)
}

/// A PATCH split to keep the target file's member limit: the parts in
/// order, stopping at the first that does not succeed. The answer the step
/// judges is the last one sent.
async fn send_parts(
    ctx: &RunContext,
    state: &mut CaseState<'_>,
    number: usize,
    parts: Vec<Outgoing>,
) -> Result<Incoming, HarnessError> {
    let n = parts.len();
    let mut last = None;
    for (i, part) in parts.iter().enumerate() {
        let note = format!(
            "part {} of {n}: the PATCH carries more member values than the target file allows in one (max_members_per_patch)",
            i + 1
        );
        let incoming = send(ctx, state, number, part, Some(&note)).await?;
        let succeeded = (200..300).contains(&incoming.status);
        last = Some(incoming);
        if !succeeded {
            break;
        }
    }
    Ok(last.unwrap_or_else(|| unreachable!("a split PATCH has parts")))
}

/// A step that wanted success met a refusal: is it one the RFC allows for
/// a feature the target lacks (the case does not apply), or a refusal of a
/// spelling the RFC makes equivalent (a finding)? `None`: neither, the
/// expectations judge it.
async fn refused(
    ctx: &RunContext,
    state: &mut CaseState<'_>,
    info: &StepInfo<'_>,
    out: &Outgoing,
    incoming: &Incoming,
    number: usize,
) -> Result<Option<StepEnd>, HarnessError> {
    if let Some(why) = refusal::unsupported_operation(out, incoming, &ctx.model) {
        return Ok(Some(StepEnd::NotApplicable(why)));
    }
    let Some(sent) = refusal::filter_of(out) else { return Ok(None) };
    if !refusal::is_filter_refusal(incoming) {
        return Ok(None);
    }
    let resources: Vec<&crate::scim::schema::ResourceType> = match out.path.trim_matches('/') {
        p if p.starts_with("Groups") => ctx.model.resource_type("Group").into_iter().collect(),
        p if p.starts_with("Users") => ctx.model.resource_type("User").into_iter().collect(),
        _ => ctx.model.registry.resource_types.iter().collect(),
    };
    // A filter made only of what the probes saw work is not unsupported:
    // the checks judge its refusal.
    let known = refusal::known_to_work(&sent.text, &resources, &ctx.model);
    let unsupported = |text: &str| {
        if known {
            return None;
        }
        Some(StepEnd::NotApplicable(format!(
            "the target does not support the filter `{text}` (400 invalidFilter), which RFC 7644 allows (§3.12 Table 9: \"the specified attribute and filter comparison combination is not supported\")"
        )))
    };
    let Some(canonical) = refusal::canonical(&sent.text, &resources) else {
        return Ok(unsupported(&sent.text));
    };
    let retry = refusal::with_filter(out, &sent, &canonical);
    let note = "the filter was refused; the same filter in canonical form tells an unsupported filter from a refused spelling";
    let again = send(ctx, state, number, &retry, Some(note)).await?;
    if !(200..300).contains(&again.status) {
        return Ok(unsupported(&sent.text));
    }
    // The server filters this way, but not when it is written so.
    let urn_form = sent.text.to_ascii_lowercase().contains("urn:");
    let id = if urn_form { "rfc7644.3.4.2.2.filter-abnf" } else { "rfc7644.3.4.2.2.attribute-names" };
    let requirement = crate::suite::requirement::catalogued(id);
    let finding = info.finding_citing(
        requirement,
        info.line,
        super::check::Check::Filter(sent.text.to_string()),
        format!(
            "the filter answered as its canonical form `{canonical}` is ({})",
            if urn_form {
                "URN-qualified attribute names are part of the filter ABNF, RFC 7644 §3.4.2.2"
            } else {
                "attribute names and operators in filters are case-insensitive, RFC 7644 §3.4.2.2"
            }
        ),
        format!("400 invalidFilter, while `{canonical}` answered {}", again.status),
        Some(state.exchanges.len() - 2),
    );
    Ok(Some(StepEnd::Findings(vec![finding])))
}

/// A listing asked for without paging whose answer holds fewer resources
/// than it counts: the server paged it on its own, as RFC 7644 §3.4.2.4 lets
/// it ("it MAY return fewer results"). The following pages are fetched and
/// gathered into one answer, so checks of the whole result hold.
async fn gather_pages(
    ctx: &RunContext,
    state: &mut CaseState<'_>,
    number: usize,
    out: &Outgoing,
    incoming: &Incoming,
) -> Result<Option<Incoming>, HarnessError> {
    let listing = match (out.method, out.path.split('?').next().unwrap_or("")) {
        (Method::Get, p) => p.trim_matches('/').split('/').count() == 1 && !p.contains('?'),
        (Method::Post, p) => p.ends_with(".search"),
        _ => false,
    };
    let paged_by_client = |key: &str| {
        out.query.iter().any(|(k, _)| k.eq_ignore_ascii_case(key))
            || out.path.to_ascii_lowercase().contains(&format!("{}=", key.to_ascii_lowercase()))
            || matches!(&out.body, Some(Body::Json(b)) if super::model::get_ci(b, key).is_some())
    };
    if !listing || incoming.status != 200 || paged_by_client("count") || paged_by_client("startIndex") {
        return Ok(None);
    }
    let Ok(mut body) = incoming.json() else { return Ok(None) };
    let total = super::model::get_ci(&body, "totalResults").and_then(Value::as_u64).unwrap_or(0);
    let mut resources: Vec<Value> =
        super::model::get_ci(&body, "Resources").and_then(Value::as_array).cloned().unwrap_or_default();
    if resources.is_empty() || resources.len() as u64 >= total {
        return Ok(None);
    }
    for _ in 0..MAX_GATHERED_PAGES {
        if resources.len() as u64 >= total {
            break;
        }
        let next = resources.len() + 1;
        let page = match &out.body {
            Some(Body::Json(search)) => {
                let mut search = search.clone();
                search["startIndex"] = Value::from(next);
                Outgoing { body: Some(Body::Json(search)), ..out.clone() }
            }
            _ => {
                let mut page = out.clone();
                page.query.push(("startIndex".into(), next.to_string()));
                page
            }
        };
        let note = "the target returned fewer resources than totalResults without being asked to page; the next page is fetched and the pages are checked as one";
        let answer = send(ctx, state, number, &page, Some(note)).await?;
        let more: Vec<Value> = answer
            .json()
            .ok()
            .and_then(|b| super::model::get_ci(&b, "Resources").and_then(Value::as_array).cloned())
            .unwrap_or_default();
        if answer.status != 200 || more.is_empty() {
            break;
        }
        resources.extend(more);
    }
    let count = resources.len();
    if let Some(obj) = body.as_object_mut() {
        let key = obj
            .keys()
            .find(|k| k.eq_ignore_ascii_case("Resources"))
            .cloned()
            .unwrap_or_else(|| "Resources".into());
        obj.insert(key, Value::Array(resources));
        obj.insert("itemsPerPage".into(), Value::from(count));
        obj.insert("startIndex".into(), Value::from(1));
    }
    Ok(Some(Incoming { body: body.to_string().into_bytes(), ..incoming.clone() }))
}

/// Sets the step's variables from its response: pointers from the body the
/// checks read, headers from the answer itself.
fn capture(
    info: &StepInfo<'_>,
    step: &Step,
    incoming: &Incoming,
    body_source: &Incoming,
    vars: &mut Vars,
    at: usize,
) -> Result<StepEnd, HarnessError> {
    for (name, capture) in &step.capture {
        let value = match capture {
            Capture::Pointer(ptr) => body_source
                .json()
                .ok()
                .and_then(|body| matching::pointer(&body, ptr).filter(|v| !v.is_null()).cloned())
                // A create's body is only a SHOULD (RFC 7644 §3.3); its Location
                // is a MUST and ends with the id.
                .or_else(|| (ptr == "/id").then(|| location_id(incoming)).flatten()),
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
                return Ok(StepEnd::Findings(vec![info.finding(
                    info.line,
                    None,
                    super::check::Check::Capture(name.to_string()),
                    what,
                    "absent",
                    Some(at),
                )]));
            }
        }
    }
    Ok(StepEnd::Done)
}

fn location_id(incoming: &Incoming) -> Option<Value> {
    let location = incoming.header("location")?;
    let id = location.split(['?', '#']).next()?.trim_end_matches('/').rsplit('/').next()?;
    (!id.is_empty()).then(|| Value::from(id))
}
