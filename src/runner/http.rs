//! The runner's HTTP client: one reqwest client, built once, with what a
//! conformance harness needs and reqwest's defaults get wrong for it.
//!
//! - Redirects are never followed, so credentials never reach another host.
//! - `Accept` and `Content-Type` are `application/scim+json`, explicitly.
//! - Every request has a deadline; response bodies are read up to a cap.
//! - `--rate` spaces requests; a 429 is waited out per its `Retry-After`.
//! - Recorded exchanges never hold a credential.

use super::outcome::{ErrorKind, Exchange, HarnessError, RequestRecord, ResponseRecord};
use super::target::{Target, TargetAuth};
use crate::suite::case::{Method, RequestAuth};
use serde_json::Value;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const SCIM_JSON: &str = "application/scim+json";
/// Most bytes of a response body the harness reads.
pub const BODY_CAP: usize = 8 * 1024 * 1024;
/// Most bytes of a body a report keeps.
const RECORD_CAP: usize = 64 * 1024;
const MAX_RETRIES_AFTER_429: u32 = 5;
/// Tries of a request whose kept-alive connection the server had closed.
const STALE_RETRIES: u32 = 4;
const LONGEST_RETRY_WAIT: Duration = Duration::from_secs(30);
const REDACTED: &str = "‹redacted›";

#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    Raw(String),
}

const USER_AGENT: &str = concat!("scimitar/", env!("CARGO_PKG_VERSION"));

/// A request as a step means it, before the base URL and credentials.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub method: Method,
    /// Relative to the base URL; starts with `/`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    pub auth: RequestAuth,
    /// Headers the harness would send that this request goes without
    /// (Entra sends no User-Agent).
    pub without: Vec<String>,
}

impl Outgoing {
    pub fn get(path: impl Into<String>) -> Outgoing {
        Outgoing {
            method: Method::Get,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            auth: RequestAuth::Target,
            without: Vec::new(),
        }
    }
}

/// A response, read (up to [`BODY_CAP`]).
#[derive(Debug, Clone)]
pub struct Incoming {
    pub status: u16,
    /// Names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// False when the body was longer than [`BODY_CAP`] and reading stopped.
    pub complete: bool,
}

impl Incoming {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as JSON, or why it is not.
    pub fn json(&self) -> Result<Value, String> {
        if !self.complete {
            return Err(format!(
                "the body is larger than {} MiB; the harness stopped reading",
                BODY_CAP / (1024 * 1024)
            ));
        }
        if self.body.is_empty() {
            return Err("the body is empty".into());
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            let text = String::from_utf8_lossy(&self.body);
            let excerpt: String = text.chars().take(120).collect();
            format!("the body is not JSON ({e}): {excerpt:?}")
        })
    }
}

/// Removes credentials from text bound for a report or a terminal.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(secrets: Vec<String>) -> Redactor {
        // Longest first, so a secret containing another is redacted whole.
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    pub fn redact(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_string(), |acc, s| acc.replace(s.as_str(), REDACTED))
    }

    /// Redacts raw bytes; a body that is not UTF-8 is searched for the secrets' bytes.
    pub fn redact_bytes(&self, bytes: Vec<u8>) -> Vec<u8> {
        if !self.secrets.iter().any(|s| contains(&bytes, s.as_bytes())) {
            return bytes;
        }
        match String::from_utf8(bytes) {
            Ok(text) => self.redact(&text).into_bytes(),
            Err(e) => {
                let mut bytes = e.into_bytes();
                for secret in &self.secrets {
                    while let Some(at) = find(&bytes, secret.as_bytes()) {
                        bytes.splice(at..at + secret.len(), REDACTED.bytes());
                    }
                }
                bytes
            }
        }
    }
}

/// Spaces requests at most `rate` per second across every task.
struct Limiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Limiter {
    async fn wait(&self) {
        let delay = {
            let mut next = self.next.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot - now
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }
}

pub struct Http {
    client: reqwest::Client,
    base: String,
    auth: TargetAuth,
    extra_headers: Vec<(String, String)>,
    limiter: Option<Limiter>,
    redactor: Redactor,
    requests: AtomicU64,
    rate_limited: AtomicU64,
}

impl Http {
    pub fn new(target: &Target, timeout: Duration, rate: Option<f64>) -> Result<Http, HarnessError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .no_proxy()
            .build()
            .map_err(|e| HarnessError::new(ErrorKind::Tls, format!("cannot build the HTTP client: {e}")))?;
        // Below one request a minute is not a rate anyone means; it would also
        // overflow a Duration.
        let limiter = rate.filter(|r| *r > 0.0).map(|r| Limiter {
            interval: Duration::from_secs_f64(1.0 / r.max(1.0 / 60.0)),
            next: Mutex::new(Instant::now()),
        });
        Ok(Http {
            client,
            base: target.base_url.trim_end_matches('/').to_string(),
            auth: target.auth.clone(),
            extra_headers: target.headers.clone(),
            limiter,
            redactor: Redactor::new(target.secrets()),
            requests: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The same client, credentials and redaction for another base URL on
    /// the target (to look for a SCIM service near a wrong one).
    pub fn for_base(&self, base: &str) -> Result<Http, HarnessError> {
        Ok(Http {
            client: self.client.clone(),
            base: base.trim_end_matches('/').to_string(),
            auth: self.auth.clone(),
            extra_headers: self.extra_headers.clone(),
            limiter: None,
            redactor: self.redactor.clone(),
            requests: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
        })
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn rate_limited(&self) -> u64 {
        self.rate_limited.load(Ordering::Relaxed)
    }

    pub fn url(&self, out: &Outgoing) -> String {
        let mut url = format!("{}{}", self.base, out.path);
        for (i, (k, v)) in out.query.iter().enumerate() {
            url.push(if i == 0 && !out.path.contains('?') { '?' } else { '&' });
            url.push_str(&encode_component(k));
            url.push('=');
            url.push_str(&encode_component(v));
        }
        url
    }

    /// Sends one request (waiting out 429s), returning what to record and what came back.
    pub async fn send(&self, step: usize, out: &Outgoing) -> (Exchange, Result<Incoming, HarnessError>) {
        let url = self.url(out);
        let record = self.request_record(out, &url);
        let started_at = crate::scim::datetime::format(crate::scim::datetime::now());
        let mut waited = 0;
        // The server's time to answer: from the last attempt going out, not
        // counting the harness's own pacing or the waits after a 429.
        let mut started;
        let result = loop {
            if let Some(limiter) = &self.limiter {
                limiter.wait().await;
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            started = Instant::now();
            match self.send_once(out, &url).await {
                Ok(incoming) if incoming.status == 429 && waited < MAX_RETRIES_AFTER_429 => {
                    waited += 1;
                    self.rate_limited.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(retry_after(incoming.header("retry-after"))).await;
                }
                Ok(incoming) if incoming.status == 429 => {
                    break Err(HarnessError::new(
                        ErrorKind::RateLimited,
                        format!("still answered 429 after waiting {waited} times; try a lower --rate"),
                    ));
                }
                other => break other,
            }
        };
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;

        let response = result.as_ref().ok().map(|incoming| self.response_record(incoming));
        let exchange = Exchange {
            step,
            started_at,
            request: record,
            response,
            elapsed_ms,
            rate_limited: waited,
            note: None,
        };
        (exchange, result)
    }

    async fn send_once(&self, out: &Outgoing, url: &str) -> Result<Incoming, HarnessError> {
        if !out.path.starts_with('/') {
            return Err(HarnessError::suite(format!(
                "path \"{}\" must start with '/': it is relative to the target's base URL",
                out.path
            )));
        }
        let method = reqwest::Method::from_bytes(out.method.as_str().as_bytes())
            .map_err(|e| HarnessError::suite(e.to_string()))?;
        // The User-Agent goes on each request, not the client, so a case
        // playing a client that sends none can leave it out.
        let mut rb =
            self.client.request(method, url).header("Accept", SCIM_JSON).header("User-Agent", USER_AGENT);
        for (name, value) in &self.extra_headers {
            rb = rb.header(name.as_str(), value.as_str());
        }
        rb = match out.auth {
            RequestAuth::Target => self.auth.apply(rb),
            RequestAuth::None => rb,
            RequestAuth::Invalid => rb.bearer_auth("scimitar-invalid-credential-0000"),
        };
        let has_content_type = out.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
        match &out.body {
            Some(Body::Json(v)) => {
                if !has_content_type {
                    rb = rb.header("Content-Type", SCIM_JSON);
                }
                rb = rb.body(v.to_string());
            }
            Some(Body::Raw(text)) => rb = rb.body(text.clone()),
            None => {}
        }
        let mut request = rb.build().map_err(|e| self.classify(&e))?;
        // A step's own header replaces the harness's (`Accept: application/json`
        // is then the only Accept); naming a header twice sends both values.
        let mut replaced = Vec::new();
        for (name, value) in &out.headers {
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| HarnessError::suite(format!("header name {name:?}: {e}")))?;
            let value = reqwest::header::HeaderValue::from_str(value)
                .map_err(|e| HarnessError::suite(format!("header {name}: {e}")))?;
            if replaced.contains(&name) {
                request.headers_mut().append(name, value);
            } else {
                request.headers_mut().insert(name.clone(), value);
                replaced.push(name);
            }
        }
        for name in &out.without {
            request.headers_mut().remove(name.as_str());
        }
        // A server may close a kept-alive connection just as the next request
        // goes out on it; that request never reached it, so it is sent again.
        // The pool may hold several such connections (requests run at once),
        // so a few tries, each on the next connection.
        let mut attempt = request;
        let mut tries = 0;
        let mut response = loop {
            let spare = attempt.try_clone();
            match self.client.execute(attempt).await {
                Err(e) if stale_connection(&e) && tries < STALE_RETRIES && spare.is_some() => {
                    tries += 1;
                    attempt = spare.unwrap_or_else(|| unreachable!("checked"));
                }
                other => break other.map_err(|e| self.classify(&e))?,
            }
        };
        let status = response.status().as_u16();
        // What the server sends is redacted before anything quotes it: a server
        // may echo a credential in a header or a body.
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (n.as_str().to_string(), self.redactor.redact(&String::from_utf8_lossy(v.as_bytes())))
            })
            .collect();
        let mut body = Vec::new();
        let mut complete = true;
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(&e))? {
            if body.len() + chunk.len() > BODY_CAP {
                body.extend_from_slice(&chunk[..BODY_CAP - body.len()]);
                complete = false;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        let body = self.redactor.redact_bytes(body);
        Ok(Incoming { status, headers, body, complete })
    }

    fn classify(&self, e: &reqwest::Error) -> HarnessError {
        let mut chain = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        let message = self.redactor.redact(&chain);
        let lower = message.to_ascii_lowercase();
        let kind = if e.is_timeout() {
            ErrorKind::Timeout
        } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
            ErrorKind::Tls
        } else {
            ErrorKind::Network
        };
        HarnessError::new(kind, message)
    }

    fn request_record(&self, out: &Outgoing, url: &str) -> RequestRecord {
        let mut headers = vec![("Accept".to_string(), SCIM_JSON.to_string())];
        match (out.auth, &self.auth) {
            (RequestAuth::Target, auth) => headers.extend(auth.recorded()),
            (RequestAuth::Invalid, _) => headers.push(("Authorization".into(), format!("Bearer {REDACTED}"))),
            (RequestAuth::None, _) => {}
        }
        for (n, v) in &self.extra_headers {
            headers.push((n.clone(), self.redactor.redact(v)));
        }
        headers.retain(|(n, _)| {
            !out.headers.iter().map(|(o, _)| o).chain(&out.without).any(|o| o.eq_ignore_ascii_case(n))
        });
        for (n, v) in &out.headers {
            headers.push((n.clone(), self.redactor.redact(v)));
        }
        let body = out.body.as_ref().map(|b| match b {
            Body::Json(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
            Body::Raw(s) => s.clone(),
        });
        RequestRecord {
            method: out.method.as_str().to_string(),
            url: self.redactor.redact(url),
            headers,
            body: body.map(|b| cap(&self.redactor.redact(&b))),
        }
    }

    fn response_record(&self, incoming: &Incoming) -> ResponseRecord {
        let text = String::from_utf8_lossy(&incoming.body);
        let pretty = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| text.into_owned());
        ResponseRecord {
            status: incoming.status,
            headers: incoming.headers.iter().map(|(n, v)| (n.clone(), self.redactor.redact(v))).collect(),
            truncated: !incoming.complete || pretty.len() > RECORD_CAP,
            body: cap(&pretty),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && find(haystack, needle).is_some()
}

fn cap(text: &str) -> String {
    if text.len() <= RECORD_CAP {
        text.to_string()
    } else {
        let end = text.floor_char_boundary(RECORD_CAP);
        format!("{}… ({} bytes in all)", &text[..end], text.len())
    }
}

/// Seconds or an HTTP date (RFC 9110 §10.2.3); capped, and 1 s when unreadable.
fn retry_after(value: Option<&str>) -> Duration {
    let Some(v) = value.map(str::trim) else { return Duration::from_secs(1) };
    if let Ok(seconds) = v.parse::<u64>() {
        return Duration::from_secs(seconds).min(LONGEST_RETRY_WAIT);
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    match time::PrimitiveDateTime::parse(v, &format) {
        Ok(when) => {
            let wait = when.assume_utc() - time::OffsetDateTime::now_utc();
            Duration::try_from(wait).unwrap_or(Duration::ZERO).min(LONGEST_RETRY_WAIT)
        }
        Err(_) => Duration::from_secs(1),
    }
}

/// Percent-encodes a query component: everything but RFC 3986 unreserved
/// characters, spaces as `%20` (as Okta sends them).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The request failed because the pooled connection it went out on was
/// already closed by the server (reset, broken pipe, closed before any
/// response): the signs of a keep-alive race, not of a server that is down.
fn stale_connection(e: &reqwest::Error) -> bool {
    if e.is_timeout() || e.is_connect() {
        return false;
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::ConnectionAborted
            )
        {
            return true;
        }
        if s.to_string().contains("connection closed before message completed") {
            return true;
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_removes_every_secret_longest_first() {
        let r = Redactor::new(vec!["abc".into(), "s3cret".into(), "s3cret-longer".into()]);
        assert_eq!(r.redact("Bearer s3cret-longer and s3cret, abc"), "Bearer ‹redacted› and ‹redacted›, abc");
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_caps_them() {
        assert_eq!(retry_after(Some("3")), Duration::from_secs(3));
        assert_eq!(retry_after(Some("3600")), LONGEST_RETRY_WAIT);
        assert_eq!(retry_after(None), Duration::from_secs(1));
        assert_eq!(retry_after(Some("soon")), Duration::from_secs(1));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), Duration::ZERO);
    }

    #[test]
    fn query_components_are_percent_encoded() {
        assert_eq!(encode_component("userName eq \"a+b@x.com\""), "userName%20eq%20%22a%2Bb%40x.com%22");
    }
}
