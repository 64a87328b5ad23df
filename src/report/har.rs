//! HAR 1.2 (the HTTP Archive format browsers' developer tools read): every
//! exchange of the run, for a support ticket. Credentials are already
//! redacted in the exchanges; a HAR file never holds more than the reports.

use super::RunReport;
use crate::runner::outcome::Exchange;
use serde_json::{Value, json};

pub fn render(run: &RunReport) -> String {
    let entries: Vec<Value> =
        run.cases.iter().flat_map(|c| c.exchanges.iter().map(move |e| entry(&c.id, e))).collect();
    let har = json!({
        "log": {
            "version": "1.2",
            "creator": { "name": "scimitar", "version": run.scimitar },
            "pages": [],
            "entries": entries,
            "comment": format!("run {} against {}", run.run_id, run.target.url),
        }
    });
    serde_json::to_string_pretty(&har).unwrap_or_default()
}

fn entry(case: &str, e: &Exchange) -> Value {
    let headers = |pairs: &[(String, String)]| -> Vec<Value> {
        pairs.iter().map(|(n, v)| json!({ "name": n, "value": v })).collect()
    };
    let find = |pairs: &[(String, String)], name: &str| {
        pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
    };
    let query: Vec<Value> = reqwest::Url::parse(&e.request.url)
        .map(|u| u.query_pairs().map(|(k, v)| json!({ "name": k, "value": v })).collect())
        .unwrap_or_default();
    let mut request = json!({
        "method": e.request.method,
        "url": e.request.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers(&e.request.headers),
        "queryString": query,
        "headersSize": -1,
        "bodySize": e.request.body.as_ref().map_or(0, |b| b.len() as i64),
    });
    if let Some(body) = &e.request.body {
        let mime = find(&e.request.headers, "content-type").unwrap_or_else(|| "application/scim+json".into());
        request["postData"] = json!({ "mimeType": mime, "text": body });
    }
    let response = match &e.response {
        Some(r) => json!({
            "status": r.status,
            "statusText": reason(r.status),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": headers(&r.headers),
            "content": {
                "size": r.body.len(),
                "mimeType": find(&r.headers, "content-type").unwrap_or_default(),
                "text": r.body,
            },
            "redirectURL": find(&r.headers, "location").unwrap_or_default(),
            "headersSize": -1,
            "bodySize": r.body.len(),
        }),
        // No answer (a timeout, a refused connection): HAR's convention.
        None => json!({
            "status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
            "content": { "size": 0, "mimeType": "" }, "redirectURL": "", "headersSize": -1, "bodySize": -1,
        }),
    };
    json!({
        "startedDateTime": e.started_at,
        "time": e.elapsed_ms,
        "request": request,
        "response": response,
        "cache": {},
        "timings": { "send": 0, "wait": e.elapsed_ms, "receive": 0 },
        "comment": format!("{case}, step {}", e.step),
    })
}

fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("")
}
