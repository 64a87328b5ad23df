//! One exchange as the audit saw it: the client's request exactly as it
//! arrived, what the server answered, and what was true when it arrived
//! (another identical request in flight, an answer asking the client to wait).

use crate::runner::http::Redactor;
use crate::runner::outcome::{Exchange, RequestRecord, ResponseRecord};
use serde_json::Value;
use std::time::Instant;

/// The path segment under which a redirected resource is served again.
pub const ALIAS: &str = "/scimitar-moved";

use crate::runner::http::RECORD_CAP;

#[derive(Debug, Clone)]
pub struct Seen {
    /// 1-based, in the order requests arrived.
    pub seq: u64,
    pub started: Instant,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub elapsed_ms: f64,
    /// Which tenant the path belongs to, if any.
    pub tenant: Option<usize>,
    /// `http://host/prefix` as the client addressed the tenant.
    pub base: String,
    /// Upper case, as sent.
    pub method: String,
    /// The path after the tenant prefix, as served (`/Users/2819c223`), still
    /// percent-encoded; a path the client reached through a redirect's alias
    /// is the resource's own path here, with `via_alias` set.
    pub path: String,
    /// The query string as sent, if any.
    pub raw_query: Option<String>,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body as received, up to the server's limit and one byte more.
    pub body: Vec<u8>,
    /// The client reached this resource at the alias a redirect named.
    pub via_alias: bool,
    pub answer: Option<Answer>,
    /// What a scenario did to this request.
    pub injected: Option<Injected>,
    /// What was true when it arrived.
    pub arrival: Arrival,
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What a scenario did to a request, for the checks and the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Injected {
    /// Answered 429 with `Retry-After: seconds` instead of serving it.
    RateLimited { seconds: u64 },
    /// Answered 412 as if another client had changed the resource.
    StalePrecondition,
    /// Another writer created the same resource just before, so the server answered 409.
    Conflicted,
    /// Answered 500 instead of serving it; nothing was applied.
    ServerError,
    /// Held this long before the server handled it.
    Delayed { seconds: u64 },
    /// Redirected (307 when temporary, 308 when permanent) to `alias`, a
    /// path that serves the same resource.
    Redirected { permanent: bool, alias: String },
}

impl Injected {
    pub fn describe(&self) -> String {
        match self {
            Injected::RateLimited { seconds } => {
                format!("scenario rate-limit: answered 429 with Retry-After: {seconds} instead of serving it")
            }
            Injected::StalePrecondition => {
                "scenario stale-etag: answered 412 as if another client had changed the resource".into()
            }
            Injected::Conflicted => {
                "scenario conflict: another writer created the same resource just before; the server answered"
                    .into()
            }
            Injected::ServerError => {
                "scenario server-error: answered 500 instead of serving it; nothing was applied".into()
            }
            Injected::Delayed { seconds } => {
                format!("scenario slow: held {seconds} s before the server handled it")
            }
            Injected::Redirected { permanent: true, alias } => {
                format!("scenario moved: answered 308, the resource now lives at {alias}")
            }
            Injected::Redirected { permanent: false, alias } => {
                format!("scenario redirect: answered 307, to repeat the request at {alias} this once")
            }
        }
    }
}

/// Facts about the moment a request arrived, which its own exchange cannot show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Arrival {
    /// An identical request still unanswered when this one arrived.
    pub duplicate_of: Option<u64>,
    /// It is a request whose earlier answer asked the client to wait
    /// (Retry-After) before sending it again.
    pub wait: Option<Wait>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    /// The request whose answer asked to wait.
    pub after: u64,
    pub asked_ms: u64,
    pub waited_ms: u64,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn has_body(&self) -> bool {
        !self.body.is_empty()
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }

    /// The same request, byte for byte: method, path, query and body.
    pub fn fingerprint(&self) -> u64 {
        fingerprint(self.tenant, &self.method, &self.path, self.raw_query.as_deref(), &self.body)
    }

    /// A copy whose bodies are cut to what a report keeps, to hold on to.
    pub fn trimmed(&self) -> Seen {
        let mut copy = self.clone();
        copy.body.truncate(RECORD_CAP + 1);
        if let Some(a) = &mut copy.answer {
            a.body.truncate(RECORD_CAP + 1);
        }
        copy
    }

    pub fn status(&self) -> Option<u16> {
        self.answer.as_ref().map(|a| a.status)
    }

    /// `POST /Users`: how a finding names the request.
    pub fn line(&self) -> String {
        match &self.raw_query {
            Some(q) => format!("{} {}?{q}", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }

    pub fn url(&self) -> String {
        let path = if self.via_alias { format!("{}{}", ALIAS, self.path) } else { self.path.clone() };
        match &self.raw_query {
            Some(q) => format!("{}{path}?{q}", self.base),
            None => format!("{}{path}", self.base),
        }
    }

    /// The exchange as every report shows it, credentials left out.
    pub fn exchange(&self, redactor: &Redactor) -> Exchange {
        let headers = |pairs: &[(String, String)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(n, v)| {
                    let value = if n.eq_ignore_ascii_case("authorization") || n.eq_ignore_ascii_case("cookie")
                    {
                        "‹redacted›".to_string()
                    } else {
                        redactor.redact(v)
                    };
                    (n.clone(), value)
                })
                .collect()
        };
        let text = |bytes: &[u8]| {
            let kept = &bytes[..bytes.len().min(RECORD_CAP)];
            redactor.redact(&String::from_utf8_lossy(kept))
        };
        Exchange {
            step: usize::try_from(self.seq).unwrap_or(usize::MAX),
            started_at: self.started_at.clone(),
            request: RequestRecord {
                method: self.method.clone(),
                url: redactor.redact(&self.url()),
                headers: headers(&self.headers),
                body: self.has_body().then(|| text(&self.body)),
            },
            response: self.answer.as_ref().map(|a| ResponseRecord {
                status: a.status,
                headers: headers(&a.headers),
                body: text(&a.body),
                truncated: a.body.len() > RECORD_CAP,
            }),
            elapsed_ms: self.elapsed_ms,
            rate_limited: 0,
            note: self.injected.as_ref().map(Injected::describe),
        }
    }
}

/// What makes two requests the same request.
pub fn fingerprint(tenant: Option<usize>, method: &str, path: &str, query: Option<&str>, body: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (tenant, method, path, query, body).hash(&mut h);
    h.finish()
}
