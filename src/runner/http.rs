//! The runner's HTTP client: one reqwest client, built once, with what a
//! conformance harness needs and reqwest's defaults get wrong for it.
//!
//! - Redirects are never followed, so credentials never reach another host.
//! - `Accept` and `Content-Type` are `application/scim+json`, explicitly.
//! - Every request has one deadline for its headers and its whole body; a
//!   body is read up to a cap, and not at all past it when its length says so.
//! - `--rate` spaces requests; a 429 is waited out per its `Retry-After`.
//! - Recorded exchanges never hold a credential.
//! - A target the run cannot go on talking to stops the run at once, with one
//!   error saying why, instead of failing every case after it: a `Retry-After`
//!   longer than a run waits, a 429 that does not end, or requests that get no
//!   answer twice in a row. Requests in flight then end, and later ones are
//!   not sent.

use super::outcome::{ErrorKind, Exchange, HarnessError, RequestRecord, ResponseRecord};
use super::pace::{Pace, Signal};
use super::target::{Target, TargetAuth};
use crate::suite::case::{Method, RequestAuth};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const SCIM_JSON: &str = "application/scim+json";
/// Most bytes of a response body the harness reads. A SCIM answer the cases
/// ask for is a few resources or one page of them; the cap keeps a run's
/// memory bounded whatever a target sends.
pub const BODY_CAP: usize = 1024 * 1024;
/// Most JSON values (counted by the `[`, `{`, `,` and `:` that separate
/// them) the harness parses in one body. A parsed value takes dozens of times
/// the bytes of `0,` that wrote it: a body of two million of them would cost a
/// run hundreds of MiB. A page of a thousand users has under 50,000.
pub const JSON_VALUE_CAP: usize = 100_000;
/// Most bytes of a body a report keeps: a run, and an audit, keep the
/// exchanges their findings show until the reports are written.
pub(crate) const RECORD_CAP: usize = 16 * 1024;
const MAX_RETRIES_AFTER_429: u32 = 5;
/// Tries of a request whose kept-alive connection the server had closed.
const STALE_RETRIES: u32 = 4;
/// The longest a run waits before retrying after a 429, at once and over all
/// the retries of one request; a target asking for more stops the run.
pub const LONGEST_RETRY_WAIT: Duration = Duration::from_secs(30);
/// Requests in a row that get no answer (timeout, reset, refused) before the
/// run stops: one may be bad luck, a second with no answer between is a
/// target that is down, and a run that went on would fail every case slowly.
const UNANSWERED_TO_STOP: u32 = 2;
const REDACTED: &str = "‹redacted›";

#[derive(Debug, Clone, PartialEq)]
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
                "the body is larger than {} MiB; the harness stopped reading it",
                BODY_CAP / (1024 * 1024)
            ));
        }
        if self.body.is_empty() {
            return Err("the body is empty".into());
        }
        let separators = self.body.iter().filter(|b| matches!(b, b'[' | b'{' | b',' | b':')).count();
        if separators > JSON_VALUE_CAP {
            return Err(format!(
                "the body has more than {JSON_VALUE_CAP} JSON values ({separators} separators); the harness does not parse it"
            ));
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

/// Why the run stopped talking to the target, once it has; and a signal for
/// everything waiting on the target to give up.
struct Stop {
    reason: OnceLock<HarnessError>,
    signal: tokio::sync::watch::Sender<bool>,
    /// Requests in a row that got no answer.
    unanswered: Mutex<u32>,
}

impl Stop {
    fn new() -> Stop {
        Stop {
            reason: OnceLock::new(),
            signal: tokio::sync::watch::Sender::new(false),
            unanswered: Mutex::new(0),
        }
    }
}

pub struct Http {
    client: reqwest::Client,
    base: String,
    auth: TargetAuth,
    extra_headers: Vec<(String, String)>,
    /// How many cases run at once and how fast requests go out.
    pace: Arc<Pace>,
    redactor: Redactor,
    requests: AtomicU64,
    rate_limited: AtomicU64,
    /// Headers and the whole body of one request.
    deadline: Duration,
    stop: Stop,
}

impl Http {
    pub fn new(target: &Target, timeout: Duration, rate: Option<f64>) -> Result<Http, HarnessError> {
        // No reqwest timeout: `attempt` puts one deadline on the whole exchange,
        // the retry of a stale connection included.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .no_proxy()
            .build()
            .map_err(|e| HarnessError::new(ErrorKind::Tls, format!("cannot build the HTTP client: {e}")))?;
        Ok(Http {
            client,
            base: target.base_url.trim_end_matches('/').to_string(),
            auth: target.auth.clone(),
            extra_headers: target.headers.clone(),
            pace: Pace::new(None, rate),
            redactor: Redactor::new(target.secrets()),
            requests: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            deadline: timeout,
            stop: Stop::new(),
        })
    }

    /// Why the run stopped talking to the target, if it has.
    pub fn stopped(&self) -> Option<&HarnessError> {
        self.stop.reason.get()
    }

    /// Resolves once the run stops talking to the target.
    pub async fn until_stopped(&self) {
        let mut signal = self.stop.signal.subscribe();
        // The guard `wait_for` returns is dropped here, not held by a caller
        // across its own awaits (it would block `stop`).
        let stopped = signal.wait_for(|stopped| *stopped).await.is_ok();
        if !stopped {
            std::future::pending::<()>().await;
        }
    }

    /// Stops every request to the target, now and later; the first reason given is kept.
    pub fn stop(&self, reason: HarnessError) {
        let _ = self.stop.reason.set(reason);
        self.stop.signal.send_replace(true);
    }

    fn stop_error(&self) -> HarnessError {
        self.stopped().cloned().unwrap_or_else(|| {
            HarnessError::new(ErrorKind::Interrupted, "the run stopped sending requests to the target")
        })
    }

    /// Counts requests in a row that got no answer, and stops the run when
    /// there are too many: a target that is down would otherwise cost every
    /// remaining case a full timeout.
    fn note_answer(&self, out: &Outgoing, result: &Result<Incoming, HarnessError>) {
        let mut unanswered = self.stop.unanswered.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match result {
            Ok(_) => *unanswered = 0,
            Err(e) if matches!(e.kind, ErrorKind::Timeout | ErrorKind::Network | ErrorKind::Tls) => {
                *unanswered += 1;
                if *unanswered >= UNANSWERED_TO_STOP {
                    let n = *unanswered;
                    drop(unanswered);
                    self.stop(HarnessError::new(
                        e.kind,
                        format!(
                            "the target stopped answering: {n} requests in a row got no answer, the last {} {}: {}; \
                             the run stopped rather than fail every case",
                            out.method.as_str(),
                            self.redactor.redact(&out.path),
                            e.message
                        ),
                    ));
                }
            }
            Err(_) => {}
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The same client, credentials, redaction and pace (so `--rate` and a
    /// declared rate hold) for another base URL on the same target, to look
    /// for a SCIM service near a wrong one. Its stop is its own: a probe
    /// that finds nothing does not stop the run.
    pub fn for_base(&self, base: &str) -> Http {
        Http {
            client: self.client.clone(),
            base: base.trim_end_matches('/').to_string(),
            auth: self.auth.clone(),
            extra_headers: self.extra_headers.clone(),
            pace: self.pace.clone(),
            redactor: self.redactor.clone(),
            requests: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            deadline: self.deadline,
            stop: Stop::new(),
        }
    }

    /// Shares one pace (its ceiling from `--jobs`) between the cases and their requests.
    pub fn with_pace(mut self, pace: Arc<Pace>) -> Http {
        self.pace = pace;
        self
    }

    pub fn pace(&self) -> &Arc<Pace> {
        &self.pace
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
        let mut waits = 0;
        let mut waited = Duration::ZERO;
        // The server's time to answer: from the last attempt going out, not
        // counting the harness's own pacing or the waits after a 429.
        let mut started = Instant::now();
        let result = loop {
            if self.stopped().is_some() {
                break Err(self.stop_error());
            }
            let attempt = async {
                self.pace.before_request().await;
                self.requests.fetch_add(1, Ordering::Relaxed);
                started = Instant::now();
                self.attempt(out, &url).await
            };
            let answer = tokio::select! {
                answer = attempt => answer,
                () = self.until_stopped() => break Err(self.stop_error()),
            };
            self.note_answer(out, &answer);
            self.pace.observe(match &answer {
                Ok(incoming) if incoming.status == 429 => Signal::Throttled,
                Ok(incoming) if incoming.status == 503 => Signal::Overloaded,
                Ok(_) => Signal::Answered(started.elapsed()),
                Err(e) if matches!(e.kind, ErrorKind::Timeout | ErrorKind::Network) => Signal::Overloaded,
                Err(_) => Signal::Answered(started.elapsed()),
            });
            let incoming = match answer {
                Ok(incoming) if incoming.status == 429 => incoming,
                other => break other,
            };
            let wait = match self.wait_after_429(out, &incoming, waits, waited) {
                Ok(wait) => wait,
                Err(e) => {
                    self.stop(e.clone());
                    break Err(e);
                }
            };
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
            waits += 1;
            waited += wait;
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.until_stopped() => break Err(self.stop_error()),
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
            rate_limited: waits,
            note: None,
        };
        (exchange, result)
    }

    /// How long to wait before sending again after a 429, or why the run
    /// cannot wait that long: a run that waited a server's day would look hung.
    fn wait_after_429(
        &self,
        out: &Outgoing,
        incoming: &Incoming,
        waits: u32,
        waited: Duration,
    ) -> Result<Duration, HarnessError> {
        let request = format!("{} {}", out.method.as_str(), self.redactor.redact(&out.path));
        let header = incoming.header("retry-after");
        let wait = retry_after(header);
        if wait > LONGEST_RETRY_WAIT {
            return Err(HarnessError::new(
                ErrorKind::RateLimited,
                format!(
                    "the target answered 429 Too Many Requests to {request} and asked to wait {} \
                     before the next request (Retry-After: {}); a run waits at most {}: \
                     run it later, or ask for a higher limit",
                    describe_wait(wait),
                    header.map(str::trim).unwrap_or_default(),
                    describe_wait(LONGEST_RETRY_WAIT)
                ),
            ));
        }
        if waits >= MAX_RETRIES_AFTER_429 || waited + wait > LONGEST_RETRY_WAIT {
            return Err(HarnessError::new(
                ErrorKind::RateLimited,
                format!(
                    "the target still answered 429 Too Many Requests to {request} after {waits} retries \
                     ({} waited, as its Retry-After asked); try a lower --rate or --jobs 1, or run it later",
                    describe_wait(waited)
                ),
            ));
        }
        Ok(wait)
    }

    /// One try: the request and its whole response within the deadline.
    async fn attempt(&self, out: &Outgoing, url: &str) -> Result<Incoming, HarnessError> {
        match tokio::time::timeout(self.deadline, self.send_once(out, url)).await {
            Ok(result) => result,
            Err(_) => Err(HarnessError::new(
                ErrorKind::Timeout,
                format!(
                    "no complete answer to {} {} within {} (--timeout)",
                    out.method.as_str(),
                    self.redactor.redact(&out.path),
                    describe_wait(self.deadline)
                ),
            )),
        }
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
                Err(e) if stale_connection(&e, tries) && spare.is_some() => {
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
        // A body that says it is past the cap is not read past what a report
        // shows of it.
        let declared = response.content_length().map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        let over = declared.is_some_and(|n| n > BODY_CAP);
        let limit = if over { RECORD_CAP } else { BODY_CAP };
        let mut body = Vec::with_capacity(declared.unwrap_or(0).min(limit));
        let mut complete = !over;
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(&e))? {
            let room = limit - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                complete = false;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        if !complete {
            // An unfinished body is never parsed: only a report's excerpt of it is kept.
            body.truncate(RECORD_CAP);
            body.shrink_to_fit();
        }
        let body = self.redactor.redact_bytes(body);
        Ok(Incoming { status, headers, body, complete })
    }

    fn classify(&self, e: &reqwest::Error) -> HarnessError {
        let mut chain = e.to_string();
        let mut cause = chain.clone();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            cause = s.to_string();
            chain.push_str(": ");
            chain.push_str(&cause);
            source = s.source();
        }
        let (chain, cause) = (self.redactor.redact(&chain), self.redactor.redact(&cause));
        if e.is_timeout() {
            return HarnessError::new(ErrorKind::Timeout, chain);
        }
        // The mistakes people make with a URL get a sentence that says what
        // to change; the innermost cause stays, for whoever looks further.
        let lower = chain.to_ascii_lowercase();
        let https = self.base.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        let host = reqwest::Url::parse(&self.base)
            .ok()
            .and_then(|u| u.host_str().map(|h| format!("{h}:{}", u.port_or_known_default().unwrap_or(0))))
            .unwrap_or_else(|| self.base.clone());
        let (kind, message) = if https
            && (lower.contains("invalidcontenttype") || lower.contains("corrupt message"))
        {
            (
                ErrorKind::Tls,
                format!(
                    "{host} answered the TLS handshake in plain HTTP: it serves http, not https; use --url {} ({cause})",
                    with_scheme(&self.base, "http")
                ),
            )
        } else if lower.contains("certificate") {
            (
                ErrorKind::Tls,
                format!(
                    "the TLS certificate of {host} was refused ({cause}): it must be signed by a CA this machine \
                     trusts and name the host in --url (SSL_CERT_FILE can name a PEM file of more CAs to trust)"
                ),
            )
        } else if lower.contains("tls") || lower.contains("handshake") {
            (ErrorKind::Tls, chain)
        } else if lower.contains("connection refused") {
            (
                ErrorKind::Network,
                format!(
                    "nothing accepts connections at {host} ({cause}): check the host and port in --url, and that the server runs"
                ),
            )
        } else if lower.contains("dns error") {
            (ErrorKind::Network, format!("cannot find the host of {host} ({cause}): check --url"))
        } else if !https
            && (lower.contains("reset by peer")
                || lower.contains("invalid http version")
                || lower.contains("connection closed before message completed"))
        {
            (
                ErrorKind::Network,
                format!(
                    "{chain}; if the target serves https, use --url {}",
                    with_scheme(&self.base, "https")
                ),
            )
        } else {
            (ErrorKind::Network, chain)
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
        // Only a body a report keeps whole is worth parsing to indent it.
        let shown = if incoming.body.len() <= RECORD_CAP {
            let text = String::from_utf8_lossy(&incoming.body);
            serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| text.into_owned())
        } else {
            let excerpt = String::from_utf8_lossy(&incoming.body[..RECORD_CAP]);
            format!("{excerpt}… ({} bytes read)", incoming.body.len())
        };
        ResponseRecord {
            status: incoming.status,
            headers: incoming.headers.iter().map(|(n, v)| (n.clone(), self.redactor.redact(v))).collect(),
            truncated: !incoming.complete || shown.len() > RECORD_CAP,
            body: cap(&shown),
        }
    }
}

/// `base` with its scheme replaced, for a message that says what to write.
fn with_scheme(base: &str, scheme: &str) -> String {
    match base.split_once("://") {
        Some((_, rest)) => format!("{scheme}://{rest}"),
        None => format!("{scheme}://{base}"),
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

/// Seconds or an HTTP date (RFC 9110 §10.2.3); 1 s when absent or unreadable.
fn retry_after(value: Option<&str>) -> Duration {
    value.and_then(crate::scim::retry_after::parse).unwrap_or(Duration::from_secs(1))
}

/// A wait as a person reads it: `500 ms`, `30 s`, `5 min`, `24 h`, `106751991167300 days`.
fn describe_wait(wait: Duration) -> String {
    let s = wait.as_secs();
    match s {
        0 => format!("{} ms", wait.as_millis()),
        1..120 => format!("{s} s"),
        120..7200 => format!("{} min", s / 60),
        7200..172_800 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

/// What a query component leaves as it is: RFC 3986's unreserved characters
/// (§2.3). Everything else is encoded, spaces as `%20` (as Okta sends them),
/// so neither `&`, `=`, `+` nor `#` in a filter can change the query.
const QUERY_COMPONENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes a query component's UTF-8 bytes.
pub fn encode_component(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_COMPONENT).to_string()
}

/// The request failed because the pooled connection it went out on was
/// already closed by the server (reset, broken pipe, closed before any
/// response): the signs of a keep-alive race, not of a server that is down.
/// Whether a request failed the way one sent on a connection the server had
/// just closed does, after `tries` such retries. A pool race ends the
/// connection before any answer ("connection closed before message
/// completed"): that is retried a few times, once per pooled connection. A
/// reset may as well be a server that resets everything, so it is retried
/// once, on a fresh connection, and then believed.
fn stale_connection(e: &reqwest::Error, tries: u32) -> bool {
    if e.is_timeout() || e.is_connect() || tries >= STALE_RETRIES {
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
            return tries == 0;
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
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after(Some("3")), Duration::from_secs(3));
        assert_eq!(retry_after(Some("86400")), Duration::from_secs(86400));
        assert_eq!(retry_after(Some("18446744073709551615")), Duration::from_secs(u64::MAX));
        assert_eq!(retry_after(None), Duration::from_secs(1));
        assert_eq!(retry_after(Some("soon")), Duration::from_secs(1));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), Duration::ZERO);
    }

    #[test]
    fn a_body_of_too_many_json_values_is_not_parsed() {
        let incoming = |body: Vec<u8>| Incoming { status: 200, headers: Vec::new(), body, complete: true };
        let dense = format!("[{}0]", "0,".repeat(JSON_VALUE_CAP));
        assert!(incoming(dense.into_bytes()).json().unwrap_err().contains("more than 100000 JSON values"));
        let page = format!("[{}0]", "0,".repeat(JSON_VALUE_CAP - 2));
        assert!(incoming(page.into_bytes()).json().is_ok());
    }

    #[test]
    fn waits_read_as_a_person_reads_them() {
        assert_eq!(describe_wait(Duration::from_millis(250)), "250 ms");
        assert_eq!(describe_wait(Duration::from_secs(30)), "30 s");
        assert_eq!(describe_wait(Duration::from_secs(600)), "10 min");
        assert_eq!(describe_wait(Duration::from_secs(86_400)), "24 h");
        assert_eq!(describe_wait(Duration::from_secs(u64::MAX)), "213503982334601 days");
    }

    #[test]
    fn query_components_are_percent_encoded() {
        assert_eq!(encode_component("userName eq \"a+b@x.com\""), "userName%20eq%20%22a%2Bb%40x.com%22");
        assert_eq!(encode_component("é&=#?/%~-._Z9"), "%C3%A9%26%3D%23%3F%2F%25~-._Z9");
    }
}
