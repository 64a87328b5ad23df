//! The hook in the server's request path: every request is read as it
//! arrived, handed to the scenarios (which may answer it, hold it, or
//! redirect it), served, and recorded with its answer for the judge.

use super::Audit;
use super::scenario::{Action, Head};
use super::seen::{ALIAS, Answer, Injected, Seen, fingerprint};
use crate::scim::datetime;
use crate::scim::error::ScimError;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Instant;

pub async fn observe(State(audit): State<Arc<Audit>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let started_at = datetime::format(datetime::now());
    let (mut parts, body) = request.into_parts();
    let body = read(body, audit.body_cap()).await;
    // Numbered once its body is in: from here to the guard below nothing
    // waits, so every number reaches the judge, answered or not.
    let seq = audit.next_seq();
    let raw_path = parts.uri.path().to_string();
    let (tenant, prefix, mut path) = audit.locate(&raw_path);
    let via_alias = tenant.is_some() && path.starts_with(&format!("{ALIAS}/"));
    if via_alias {
        path = path[ALIAS.len()..].to_string();
    }
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| audit.fallback_host());
    let base = format!("http://{host}{prefix}");
    let raw_query = parts.uri.query().map(str::to_string);
    let query = raw_query
        .as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let method = parts.method.as_str().to_string();
    let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let non_idempotent = method == "POST" || method == "PATCH";
    let print = fingerprint(tenant, &method, &path, raw_query.as_deref(), &body);
    let arrival = audit.arrive(seq, print, non_idempotent);
    let head = Head {
        seq,
        tenant,
        method: &method,
        path: &path,
        via_alias,
        if_match: parts.headers.contains_key(header::IF_MATCH),
        json: json.as_ref(),
    };
    let action = audit.decide(&head);
    let mut pending = Pending {
        audit: audit.clone(),
        seen: Some(Seen {
            seq,
            started,
            started_at,
            elapsed_ms: 0.0,
            tenant,
            base: base.clone(),
            method,
            path: path.clone(),
            raw_query: raw_query.clone(),
            query,
            headers,
            body: body.clone(),
            via_alias,
            answer: None,
            injected: None,
            arrival,
        }),
    };
    if via_alias {
        let target = match &raw_query {
            Some(q) => format!("{prefix}{path}?{q}"),
            None => format!("{prefix}{path}"),
        };
        if let Ok(uri) = target.parse::<Uri>() {
            parts.uri = uri;
        }
    }
    let forward = |parts, body: Vec<u8>| next.run(Request::from_parts(parts, Body::from(body)));
    let (response, injected) = match action {
        Action::Serve => (forward(parts, body).await, None),
        Action::Answer { status, detail, retry_after, injected } => {
            let error = ScimError::new(status, None, detail);
            let mut response = crate::server::http::error_response(audit.faults(), &error);
            if let Some(seconds) = retry_after
                && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            (response, Some(injected))
        }
        Action::Delay { seconds, injected } => {
            tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
            (forward(parts, body).await, Some(injected))
        }
        Action::CreateFirst { injected } => {
            if let (Some(t), Some(json)) = (tenant, &json) {
                audit.create_first(t, &base, &path, json);
            }
            (forward(parts, body).await, Some(injected))
        }
        Action::Redirect { permanent, alias } => {
            let status =
                if permanent { StatusCode::PERMANENT_REDIRECT } else { StatusCode::TEMPORARY_REDIRECT };
            let location = match &raw_query {
                Some(q) => format!("{base}{alias}?{q}"),
                None => format!("{base}{alias}"),
            };
            let mut response = status.into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, v);
            }
            (response, Some(Injected::Redirected { permanent, alias }))
        }
    };
    let (mut response_parts, response_body) = response.into_parts();
    let mut bytes = axum::body::to_bytes(response_body, usize::MAX).await.unwrap_or_default().to_vec();
    for old in audit.moved(tenant) {
        let (from, to) = (format!("{base}{old}"), format!("{base}{ALIAS}{old}"));
        if let Some(rewritten) = replace_quoted(&bytes, &from, &to) {
            bytes = rewritten;
            // The new body's length goes out with it.
            response_parts.headers.remove(header::CONTENT_LENGTH);
        }
        for name in [header::LOCATION, header::CONTENT_LOCATION] {
            let renamed =
                response_parts.headers.get(&name).and_then(|v| v.to_str().ok()) == Some(from.as_str());
            if renamed && let Ok(v) = HeaderValue::from_str(&to) {
                response_parts.headers.insert(name, v);
            }
        }
    }
    // Whoever asked the client to wait (a scenario, or the server's own
    // --rate-limit), the client is held to it.
    let status = response_parts.status.as_u16();
    if matches!(status, 429 | 503)
        && let Some(wait) = response_parts
            .headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::scim::retry_after::parse)
    {
        audit.asked_to_wait(seq, print, wait);
    }
    let answer = Answer {
        status: response_parts.status.as_u16(),
        headers: response_parts
            .headers
            .iter()
            .map(|(n, v): (&HeaderName, &HeaderValue)| {
                (n.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned())
            })
            .collect(),
        body: bytes.clone(),
    };
    if let Some(mut seen) = pending.seen.take() {
        seen.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        seen.answer = Some(answer);
        seen.injected = injected;
        audit.record(seen);
    }
    Response::from_parts(response_parts, Body::from(Bytes::from(bytes)))
}

/// Records a request whose answer never went out (the client left, the
/// server stopped) when its handling is dropped.
struct Pending {
    audit: Arc<Audit>,
    seen: Option<Seen>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(mut seen) = self.seen.take() {
            seen.elapsed_ms = seen.started.elapsed().as_secs_f64() * 1000.0;
            self.audit.record(seen);
        }
    }
}

/// The body, up to `cap` bytes and one more: past the server's limit, the
/// server sees enough to refuse it as it would have.
async fn read(body: Body, cap: usize) -> Vec<u8> {
    let mut stream = body.into_data_stream();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        out.extend_from_slice(&chunk);
        if out.len() > cap {
            out.truncate(cap + 1);
            break;
        }
    }
    out
}

/// `bytes` with every JSON string `"from"` made `"to"`, when there is one.
fn replace_quoted(bytes: &[u8], from: &str, to: &str) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let (from, to) = (serde_json::Value::from(from).to_string(), serde_json::Value::from(to).to_string());
    text.contains(&from).then(|| text.replace(&from, &to).into_bytes())
}
