//! Walking every page of a listing (RFC 7644 §3.4.2.4), checking what a
//! client paging through it relies on.

use super::expect::StepInfo;
use super::http::{Http, Outgoing};
use super::matching::pointer;
use super::outcome::{Exchange, Finding, HarnessError};
use crate::suite::case::Walk;
use crate::suite::json_schema;
use crate::suite::template::{self, Vars};
use serde_json::Value;
use std::collections::HashSet;

/// Stops a server that never stops returning pages.
const MAX_PAGES: usize = 1_000;
/// Pages recorded in the report; the rest are counted, not kept.
const RECORDED_PAGES: usize = 20;

pub async fn run(
    http: &Http,
    info: &StepInfo<'_>,
    walk: &Walk,
    vars: &Vars,
    exchanges: &mut Vec<Exchange>,
    limits: &super::limits::DeclaredLimits,
) -> Result<Vec<Finding>, HarnessError> {
    let line = info.line;
    let render = |s: &str| {
        template::render_str(s, vars).map_err(|e| HarnessError::suite(format!("{}: {e}", info.case.at(line))))
    };
    let path = render(&walk.path)?;
    let mut query = Vec::new();
    for (k, v) in &walk.query {
        query.push((k.clone(), render(v)?));
    }
    let includes: Vec<String> = walk.includes.iter().map(|i| render(i)).collect::<Result<_, _>>()?;
    // A declared page limit caps the walk's page size too.
    let count = limits.page(walk.count.max(1) as usize);
    let mut findings: Vec<Finding> = Vec::new();
    let mut seen_kinds: HashSet<&'static str> = HashSet::new();
    let mut add = |kind: &'static str,
                   expected: String,
                   actual: String,
                   exchange: usize,
                   findings: &mut Vec<Finding>| {
        // One finding per kind of problem: the first occurrence says enough.
        if seen_kinds.insert(kind) {
            findings.push(info.finding(
                line,
                cites(kind),
                super::check::Check::Walk { path: path.to_string(), problem: kind.to_string() },
                expected,
                actual,
                Some(exchange),
            ));
        }
    };
    let mut ids: HashSet<String> = HashSet::new();
    let mut total: Option<u64> = None;
    let mut walked = 0usize;
    let mut start = 1usize;
    // A page that failed outright says nothing about omissions.
    let mut stopped_early = false;

    for page in 0..MAX_PAGES {
        let mut q = query.clone();
        q.push(("startIndex".into(), start.to_string()));
        q.push(("count".into(), count.to_string()));
        let mut out = Outgoing { query: q, ..Outgoing::get(path.clone()) };
        super::add_case_headers(info.case, &mut out);
        let (exchange, result) = http.send(info.number, &out).await;
        if page < RECORDED_PAGES {
            exchanges.push(exchange);
        } else if let Some(last) = exchanges.last_mut() {
            *last = exchange;
        }
        let at = exchanges.len() - 1;
        let incoming = result?;
        if incoming.status != 200 {
            add(
                "status",
                "200 for every page".into(),
                format!("{} at startIndex={start}", incoming.status),
                at,
                &mut findings,
            );
            stopped_early = true;
            break;
        }
        let body = match incoming.json() {
            Ok(b) => b,
            Err(why) => {
                add("body", "a ListResponse".into(), why, at, &mut findings);
                stopped_early = true;
                break;
            }
        };
        let problems = json_schema::violations("list-response", &body);
        if !problems.is_empty() {
            add(
                "ListResponse",
                "a ListResponse (RFC 7644 §3.4.2)".into(),
                problems.join("\n"),
                at,
                &mut findings,
            );
        }
        let page_total = pointer(&body, "/totalResults").and_then(Value::as_u64);
        match (total, page_total) {
            (None, t) => total = t,
            (Some(before), Some(now)) if before != now => add(
                "totalResults",
                format!("the same totalResults on every page ({before})"),
                format!("{now} at startIndex={start}"),
                at,
                &mut findings,
            ),
            _ => {}
        }
        let resources: &[Value] =
            pointer(&body, "/Resources").and_then(Value::as_array).map_or(&[], Vec::as_slice);
        if let Some(per_page) = pointer(&body, "/itemsPerPage").and_then(Value::as_u64)
            && per_page as usize != resources.len()
        {
            add(
                "itemsPerPage",
                "itemsPerPage equal to the number of Resources on the page".into(),
                format!("itemsPerPage {per_page} with {} Resources at startIndex={start}", resources.len()),
                at,
                &mut findings,
            );
        }
        if resources.len() > count {
            add(
                "count",
                format!("at most count={count} resources per page (RFC 7644 §3.4.2.4 MUST NOT return more)"),
                format!("{} at startIndex={start}", resources.len()),
                at,
                &mut findings,
            );
        }
        let before = ids.len();
        for r in resources {
            let id = r.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
            if !ids.insert(id.clone()) {
                add(
                    "duplicates",
                    "each resource on exactly one page".into(),
                    format!("{id} again at startIndex={start}"),
                    at,
                    &mut findings,
                );
            }
        }
        walked += resources.len();
        start += resources.len();
        // A page with nothing new means the server is not advancing.
        let stalled = ids.len() == before && !resources.is_empty();
        let done = resources.is_empty() || stalled || total.is_some_and(|t| start as u64 > t);
        if done {
            break;
        }
    }
    let last = exchanges.len().saturating_sub(1);
    if let Some(t) = total
        && (ids.len() as u64) < t
        && !stopped_early
    {
        add(
            "omissions",
            format!("{t} distinct resources, as totalResults says"),
            format!("{} distinct resources in {walked} seen", ids.len()),
            last,
            &mut findings,
        );
    }
    let missing: Vec<&String> = includes.iter().filter(|i| !ids.contains(*i)).collect();
    if !missing.is_empty() {
        add(
            "includes",
            format!("ids {} among the pages", includes.join(", ")),
            format!("missing: {}", missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")),
            last,
            &mut findings,
        );
    }
    Ok(findings)
}

fn cites(kind: &str) -> Option<&'static str> {
    (kind == "itemsPerPage").then_some(Walk::ITEMS_PER_PAGE)
}
