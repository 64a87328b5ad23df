//! `scimitar record`: a recording proxy. It forwards what a client (an IdP,
//! a script) sends to an upstream SCIM server, hands back the answers, and
//! keeps each exchange, so that [`case_file`] can write them as a case that
//! `scimitar run FILE` replays against another server.

pub mod case_file;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use case_file::Recorded;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Headers that describe one hop of a connection, not the request; a proxy
/// neither forwards nor records them (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The largest request a client may send through the proxy.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

pub struct Recorder {
    upstream: String,
    client: reqwest::Client,
    exchanges: Mutex<Vec<Recorded>>,
    out: PathBuf,
    name: String,
    /// Called after each exchange is recorded, with the count so far.
    on_exchange: ExchangeHook,
    /// One save at a time: two writers of the same file would interleave.
    saving: Mutex<()>,
    /// Set when an exchange arrived since the last save.
    unsaved: tokio::sync::Notify,
}

/// Told of each exchange once it is saved, with the count so far.
type ExchangeHook = Box<dyn Fn(&Recorded, usize) + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("--upstream {0}")]
    Upstream(#[from] crate::runner::target::TargetError),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl Recorder {
    /// A recorder forwarding to `upstream` (a base URL, path prefix
    /// included) and writing the case to `out` after every exchange, so a
    /// killed proxy loses nothing already answered.
    pub fn new(upstream: &str, out: PathBuf, name: &str, timeout: Duration) -> Result<Recorder, RecordError> {
        crate::runner::target::parse_base_url(upstream)?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .no_proxy()
            .build()
            .map_err(|e| RecordError::Client(e.to_string()))?;
        Ok(Recorder {
            upstream: upstream.trim_end_matches('/').to_string(),
            client,
            exchanges: Mutex::new(Vec::new()),
            out,
            name: name.to_string(),
            on_exchange: Box::new(|_, _| {}),
            saving: Mutex::new(()),
            unsaved: tokio::sync::Notify::new(),
        })
    }

    pub fn on_exchange(self, f: impl Fn(&Recorded, usize) + Send + Sync + 'static) -> Recorder {
        Recorder { on_exchange: Box::new(f), ..self }
    }

    pub fn count(&self) -> usize {
        self.exchanges.lock().map_or(0, |e| e.len())
    }

    /// The case file for what was recorded so far.
    pub fn case_text(&self) -> Result<String, String> {
        let exchanges = self.exchanges.lock().map(|e| e.clone()).unwrap_or_default();
        case_file::write(&self.name, &self.upstream, &exchanges)
    }

    /// Writes the case file beside its final place, then moves it there, so
    /// a reader never sees half a file; the snapshot is taken under the same
    /// lock, so an older one never replaces a newer one.
    pub fn save(&self) -> std::io::Result<()> {
        let _one_at_a_time = self.saving.lock().unwrap_or_else(|e| e.into_inner());
        let text = self.case_text().map_err(std::io::Error::other)?;
        let mut partial = self.out.clone().into_os_string();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        std::fs::write(&partial, text)?;
        std::fs::rename(&partial, &self.out)
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new().fallback(forward).layer(DefaultBodyLimit::max(BODY_LIMIT)).with_state(self)
    }
}

/// Serves the proxy on `listener` until `shutdown` completes, then saves
/// what it recorded.
///
/// The file is rewritten in the background, not before each answer: a client
/// is not kept waiting, and a burst of exchanges costs one write.
pub async fn serve(
    listener: tokio::net::TcpListener,
    recorder: Arc<Recorder>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let writer = {
        let recorder = recorder.clone();
        tokio::spawn(async move {
            loop {
                recorder.unsaved.notified().await;
                let r = recorder.clone();
                let saved = tokio::task::spawn_blocking(move || r.save()).await;
                if let Ok(Err(e)) = saved {
                    errln!("error: cannot write {}: {e}", recorder.out.display());
                }
            }
        })
    };
    let served = axum::serve(listener, recorder.clone().router()).with_graceful_shutdown(shutdown).await;
    writer.abort();
    if recorder.count() > 0 {
        let r = recorder.clone();
        tokio::task::spawn_blocking(move || r.save()).await.map_err(std::io::Error::other)??;
    }
    served
}

async fn forward(
    State(rec): State<Arc<Recorder>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    let url = format!("{}{}", rec.upstream, path_and_query);
    let mut request = rec.client.request(method.clone(), &url);
    for (name, value) in &headers {
        // The proxy negotiates its own encoding (gzip, deflate) and decodes
        // what comes back: forwarding the client's could bring an encoding it
        // cannot decode (br, zstd).
        if forwarded(name) && name != "accept-encoding" {
            request = request.header(name, value);
        }
    }
    if !body.is_empty() {
        request = request.body(body.clone());
    }
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return upstream_failed(&e),
    };
    let status = response.status();
    let response_headers = response.headers().clone();
    let response_body = match read_capped(response).await {
        Ok(Some(b)) => b,
        Ok(None) => return upstream_too_large(),
        Err(e) => return upstream_failed(&e),
    };
    let recorded = Recorded::new(
        method.as_str(),
        &path_and_query,
        header_pairs(&headers),
        &body,
        status.as_u16(),
        header_pairs(&response_headers),
        &response_body,
    );
    let count = match rec.exchanges.lock() {
        Ok(mut all) => {
            all.push(recorded.clone());
            all.len()
        }
        Err(_) => 0,
    };
    rec.unsaved.notify_one();
    (rec.on_exchange)(&recorded, count);

    let mut reply = Response::builder().status(status);
    for (name, value) in &response_headers {
        // The body was decoded and is sent whole; its length is recomputed.
        let describes_encoding = ["content-encoding", "content-length"].contains(&name.as_str());
        if forwarded(name) && !describes_encoding {
            reply = reply.header(name, value);
        }
    }
    reply
        .body(axum::body::Body::from(response_body))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

fn forwarded(name: &HeaderName) -> bool {
    !HOP_BY_HOP.contains(&name.as_str()) && name != "host" && name != "content-length"
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| forwarded(name))
        .map(|(name, value)| (name.as_str().to_string(), value.to_str().unwrap_or("").to_string()))
        .collect()
}

/// Most bytes of one upstream answer the proxy holds (and records): a SCIM
/// answer is far smaller, and an endless one must not fill memory.
const UPSTREAM_BODY_CAP: usize = 16 * 1024 * 1024;

/// The whole body, or `None` once it passes [`UPSTREAM_BODY_CAP`] (reading stops there).
async fn read_capped(mut response: reqwest::Response) -> Result<Option<Bytes>, reqwest::Error> {
    if response.content_length().is_some_and(|n| n > UPSTREAM_BODY_CAP as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > UPSTREAM_BODY_CAP {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(Bytes::from(body)))
}

fn upstream_too_large() -> Response {
    scim_error(
        StatusCode::BAD_GATEWAY,
        &format!(
            "scimitar record: the upstream's answer is larger than {} MiB; it was not recorded",
            UPSTREAM_BODY_CAP / (1024 * 1024)
        ),
    )
}

fn scim_error(status: StatusCode, detail: &str) -> Response {
    let body = serde_json::json!({
        "schemas": [crate::scim::urn::ERROR],
        "status": status.as_str(),
        "detail": detail,
    });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert("content-type", HeaderValue::from_static("application/scim+json"));
    response
}

/// The upstream could not be reached: the client gets a SCIM error saying so,
/// and nothing is recorded (there was no answer to replay).
fn upstream_failed(e: &reqwest::Error) -> Response {
    scim_error(StatusCode::BAD_GATEWAY, &format!("scimitar record: the upstream did not answer: {e}"))
}
