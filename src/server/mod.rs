//! The reference SCIM server: strict, in memory, multi-tenant.
//!
//! [`ReferenceServer::start`] runs it in-process on `127.0.0.1:0`, on its own
//! thread and runtime, and stops it on drop; [`serve`] runs it on a listener
//! the caller owns (the `scimitar serve` command).

mod auth;
mod bent;
mod bulk;
mod cursor;
mod discovery;
mod governance;
pub mod http;
mod query;
mod routes;
mod seed;
mod service;
pub mod shaped;
mod store;
mod throttle;
pub mod variant;

pub use seed::Seed;

use crate::faults::FaultSet;
use crate::scim::error::ScimError;
use crate::scim::quirks::Leniency;
use crate::scim::schema::Registry;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use query::Paging;
use service::Service;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Instant;
use store::Data;
use variant::{Variant, VariantSet};

/// Who may call the server.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// No credentials needed: only when asked for explicitly.
    None,
    /// Any of these bearer tokens (several at once, for rotation), or any of
    /// these API keys as an HTTP Basic user name with an empty password.
    Credentials { bearer: Vec<String>, basic: Vec<String> },
}

/// Counts, never the secrets themselves.
impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("Auth::None"),
            Auth::Credentials { bearer, basic } => {
                write!(
                    f,
                    "Auth::Credentials {{ {} bearer token(s), {} Basic key(s) }}",
                    bearer.len(),
                    basic.len()
                )
            }
        }
    }
}

impl Auth {
    pub fn bearer(token: impl Into<String>) -> Auth {
        Auth::Credentials { bearer: vec![token.into()], basic: Vec::new() }
    }
}

/// Sizes the server advertises in `/ServiceProviderConfig` and enforces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Largest request body, Bulk included (`bulk.maxPayloadSize`).
    pub max_body_bytes: usize,
    /// Page size when a query gives no `count`.
    pub default_page_size: usize,
    /// Most resources in one page (`filter.maxResults`).
    pub max_results: usize,
    /// `bulk.maxOperations`.
    pub bulk_max_operations: usize,
    /// Most member values one PATCH may carry, as some vendors limit it
    /// (none by default: RFC 7644 sets no such limit).
    pub max_members_per_patch: Option<usize>,
    /// Requests per second before 429 Too Many Requests (none by default).
    pub rate_limit: Option<f64>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 1024 * 1024,
            default_page_size: 100,
            max_results: 1000,
            bulk_max_operations: 1000,
            max_members_per_patch: None,
            rate_limit: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub auth: Auth,
    /// Path prefixes, one tenant each: `/scim/v2`, `/scim/v2/dir-1`, or `` for the root.
    pub tenants: Vec<String>,
    pub leniency: Leniency,
    pub faults: FaultSet,
    /// Legal variations of behaviour (see `variant`).
    pub variants: VariantSet,
    pub limits: Limits,
    /// One line per request on stderr.
    pub log_requests: bool,
}

pub const DEFAULT_PREFIX: &str = "/scim/v2";

/// The page size of the `small-pages` variant: the smallest a server that
/// pages at all can choose, so every count a case sends gets fewer results.
const SMALL_PAGE: usize = 1;

impl ServerConfig {
    /// One tenant at `/scim/v2`, strict, no faults, quiet.
    pub fn new(auth: Auth) -> ServerConfig {
        ServerConfig {
            auth,
            tenants: vec![DEFAULT_PREFIX.to_string()],
            leniency: Leniency::strict(),
            faults: FaultSet::none(),
            variants: VariantSet::none(),
            limits: Limits::default(),
            log_requests: false,
        }
    }

    pub fn with_faults(mut self, faults: FaultSet) -> ServerConfig {
        self.faults = faults;
        self
    }

    pub fn with_variants(mut self, variants: VariantSet) -> ServerConfig {
        self.variants = variants;
        if variants.has(Variant::SmallPages) {
            self.limits.max_results = SMALL_PAGE;
            self.limits.default_page_size = SMALL_PAGE;
        }
        self
    }

    pub fn with_leniency(mut self, leniency: Leniency) -> ServerConfig {
        self.leniency = leniency;
        self
    }

    /// Serves pages of at most `n` resources, however many a client asks for.
    pub fn with_max_page_size(mut self, n: usize) -> ServerConfig {
        self.limits.max_results = n.max(1);
        self.limits.default_page_size = self.limits.default_page_size.min(self.limits.max_results);
        self
    }

    /// Answers 429 past `rate` requests per second.
    pub fn with_rate_limit(mut self, rate: f64) -> ServerConfig {
        self.limits.rate_limit = Some(rate);
        self
    }

    /// Refuses a PATCH carrying more than `n` member values.
    pub fn with_max_members_per_patch(mut self, n: usize) -> ServerConfig {
        self.limits.max_members_per_patch = Some(n.max(1));
        self
    }

    pub fn with_tenants(mut self, tenants: Vec<String>) -> ServerConfig {
        self.tenants = tenants;
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("invalid server configuration: {0}")]
    Config(String),
    #[error("cannot load seed data: {0}")]
    Seed(String),
    #[error("cannot start the server runtime: {0}")]
    Runtime(std::io::Error),
}

/// State every handler sees.
pub struct Shared {
    pub registry: &'static Registry,
    pub config: ServerConfig,
    pub tenants: Vec<Tenant>,
    /// Requests past `limits.rate_limit` per second answer 429.
    pub throttle: Option<throttle::Throttle>,
    /// `host:port` the server listens on, for requests without a Host header.
    listen: OnceLock<String>,
}

pub struct Tenant {
    pub prefix: String,
    pub data: RwLock<Data>,
}

impl Shared {
    pub fn new(config: ServerConfig) -> Result<Shared, ServerError> {
        let prefixes = normalize_prefixes(&config.tenants)?;
        let governed = governance::served_under(&config.leniency);
        let registry = shaped::served(&config);
        let tenants = prefixes
            .into_iter()
            .map(|prefix| Tenant { prefix, data: RwLock::new(Data::new(registry)) })
            .collect();
        let throttle = config.limits.rate_limit.map(throttle::Throttle::new);
        let shared = Shared { registry, config, tenants, throttle, listen: OnceLock::new() };
        if governed {
            shared.load_governance_catalogue()?;
        }
        Ok(shared)
    }

    /// Okta reads an app's entitlements and roles; it never creates them.
    fn load_governance_catalogue(&self) -> Result<(), ServerError> {
        for tenant in &self.tenants {
            let svc = self.service(tenant, "");
            for (endpoint, item) in governance::catalogue() {
                let segment = endpoint.trim_start_matches('/');
                let rt = self.registry.by_endpoint(segment).expect("the governance types are registered");
                let id = item.get("id").and_then(serde_json::Value::as_str);
                svc.create_with_id(rt, &item, id).map_err(|e| {
                    ServerError::Config(format!("the Okta governance catalogue ({endpoint}): {e}"))
                })?;
            }
        }
        Ok(())
    }

    /// Loads the same seed data into every tenant.
    pub fn seed(&self, seed: &Seed) -> Result<(), ServerError> {
        for tenant in &self.tenants {
            seed.load(&self.service(tenant, "")).map_err(ServerError::Seed)?;
        }
        Ok(())
    }

    /// The SCIM operations on one tenant, for a client that addressed it as `base`.
    pub fn service<'a>(&'a self, tenant: &'a Tenant, base: &'a str) -> Service<'a> {
        Service {
            registry: self.registry,
            leniency: &self.config.leniency,
            faults: self.config.faults,
            variants: self.config.variants,
            base,
            tenant,
        }
    }
}

/// Prefixes start with `/` and do not end with one; none may contain another,
/// or a request could belong to two tenants.
fn normalize_prefixes(raw: &[String]) -> Result<Vec<String>, ServerError> {
    if raw.is_empty() {
        return Err(ServerError::Config("at least one tenant prefix is needed".into()));
    }
    let mut out: Vec<String> = Vec::new();
    for p in raw {
        let trimmed = p.trim().trim_end_matches('/');
        let prefix = if trimmed.is_empty() || trimmed.starts_with('/') {
            trimmed.to_string()
        } else {
            format!("/{trimmed}")
        };
        if let Some(bad) = prefix.chars().find(|c| !(c.is_ascii_alphanumeric() || "/-._~".contains(*c))) {
            return Err(ServerError::Config(format!("tenant prefix \"{p}\" contains '{bad}'")));
        }
        for other in &out {
            let (a, b) = (format!("{prefix}/"), format!("{other}/"));
            if a.starts_with(&b) || b.starts_with(&a) {
                return Err(ServerError::Config(format!(
                    "tenant prefixes \"{other}\" and \"{prefix}\" overlap; each request must belong to one tenant"
                )));
            }
        }
        out.push(prefix);
    }
    Ok(out)
}

/// What a handler knows: the shared state and which tenant it serves.
#[derive(Clone)]
pub struct TenantCtx {
    pub shared: Arc<Shared>,
    pub index: usize,
}

impl TenantCtx {
    pub fn tenant(&self) -> &Tenant {
        &self.shared.tenants[self.index]
    }

    pub fn faults(&self) -> FaultSet {
        self.shared.config.faults
    }

    pub fn variants(&self) -> VariantSet {
        self.shared.config.variants
    }

    /// The limits enforced: those configured (and advertised), unless the
    /// `bulk-limits-ignored` fault lifts them.
    pub fn limits(&self) -> Limits {
        let configured = self.shared.config.limits;
        if self.faults().has(crate::faults::Fault::BulkLimitsIgnored) {
            Limits {
                max_body_bytes: configured.max_body_bytes.saturating_mul(4),
                bulk_max_operations: usize::MAX,
                ..configured
            }
        } else {
            configured
        }
    }

    pub fn paging(&self) -> Paging {
        let l = self.shared.config.limits;
        Paging { default_count: l.default_page_size, max_results: l.max_results }
    }

    /// The tenant's absolute base URL as the client addressed it.
    pub fn base(&self, headers: &HeaderMap) -> String {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
            .or_else(|| self.shared.listen.get().cloned())
            .unwrap_or_else(|| "localhost".into());
        format!("http://{host}{}", self.tenant().prefix)
    }

    pub fn service<'a>(&'a self, base: &'a str) -> Service<'a> {
        self.shared.service(self.tenant(), base)
    }

    /// Runs a handler body and renders its outcome. A panic (a bug here, never
    /// the client's fault) still answers in the SCIM envelope, as a 500.
    pub fn respond(&self, f: impl FnOnce() -> Result<http::Reply, ScimError>) -> Response {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .unwrap_or_else(|_| Err(ScimError::new(500, None, "internal error in the reference server")));
        http::respond(self.faults(), outcome)
    }
}

/// The whole application: every tenant under its prefix, behind authentication.
pub fn router(shared: Arc<Shared>) -> Router {
    let mut app = Router::new();
    let mut root_tenant = None;
    for (index, tenant) in shared.tenants.iter().enumerate() {
        let tenant_app = routes::tenant_router(TenantCtx { shared: shared.clone(), index });
        if tenant.prefix.is_empty() {
            root_tenant = Some(tenant_app);
        } else {
            app = app.nest(&tenant.prefix, tenant_app);
        }
    }
    app = match root_tenant {
        Some(root) => app.merge(root),
        // Paths outside every tenant still answer with a SCIM 404.
        None => {
            let ctx = TenantCtx { shared: shared.clone(), index: 0 };
            app.fallback(move |uri| routes::not_found(axum::extract::State(ctx), uri))
        }
    };
    let app = app.layer(middleware::from_fn_with_state(shared.clone(), auth::require));
    let app = if shared.throttle.is_some() {
        app.layer(middleware::from_fn_with_state(shared.clone(), throttle::limit))
    } else {
        app
    };
    let app = if shared.config.faults.has(crate::faults::Fault::NoUserAgent403) {
        app.layer(middleware::from_fn(refuse_without_user_agent))
    } else {
        app
    };
    let app = if shared.config.log_requests { app.layer(middleware::from_fn(log_request)) } else { app };
    if shared.config.faults.has(crate::faults::Fault::AnyVersionServed) {
        // The rewrite must happen before routing, so it wraps the whole app.
        return Router::new()
            .fallback_service(app)
            .layer(middleware::from_fn_with_state(shared, any_version));
    }
    app
}

/// The `no-user-agent-403` fault: what a web application firewall in front
/// of an app answers a client that sends no User-Agent (Entra) or an empty one
/// (OneLogin).
async fn refuse_without_user_agent(request: Request, next: Next) -> Response {
    if request.headers().get(header::USER_AGENT).is_some_and(|ua| !ua.is_empty()) {
        return next.run(request).await;
    }
    let page = "<html><body><h1>403 Forbidden</h1><p>Request blocked.</p></body></html>";
    (axum::http::StatusCode::FORBIDDEN, axum::response::Html(page)).into_response()
}

/// The `any-version-served` fault: `/scim/v99/Users` is routed as `/scim/v2/Users`.
async fn any_version(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let segments: Vec<&str> = path.split('/').collect();
    let is_version =
        |s: &str| s.len() > 1 && s.starts_with('v') && s[1..].bytes().all(|b| b.is_ascii_digit());
    for (i, _) in segments.iter().enumerate().filter(|(_, s)| is_version(s) && **s != "v2") {
        let mut candidate = segments.clone();
        candidate[i] = "v2";
        let rewritten = candidate.join("/");
        let known = shared.tenants.iter().any(|t| !t.prefix.is_empty() && rewritten.starts_with(&t.prefix));
        let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
        if known && let Ok(uri) = format!("{rewritten}{query}").parse() {
            *request.uri_mut() = uri;
            break;
        }
    }
    next.run(request).await
}

/// `POST /scim/v2/Users 201 1.4ms`: method, path and query, status, time. Never headers.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let line = format!("{} {}", request.method(), request.uri());
    let response = next.run(request).await;
    errln!("{line} {} {:.1}ms", response.status().as_u16(), started.elapsed().as_secs_f64() * 1000.0);
    response
}

/// Serves on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_wrapped(listener, shared, Box::new(|_, app| app), shutdown).await
}

/// A layer put around the whole server, given its state: how the client
/// audit (`crate::audit`) sees, and may provoke, every request.
pub type Wrap = Box<dyn FnOnce(Arc<Shared>, Router) -> Router + Send>;

/// Serves the application inside `wrap` on `listener` until `shutdown` completes.
pub async fn serve_wrapped(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    wrap: Wrap,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        let _ = shared.listen.set(addr.to_string());
    }
    let app = wrap(shared.clone(), router(shared));
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// A reference server running in this process, on its own thread and runtime,
/// bound to `127.0.0.1` on a free port. Dropping it stops it.
pub struct ReferenceServer {
    addr: SocketAddr,
    prefixes: Vec<String>,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ReferenceServer {
    pub fn start(config: ServerConfig) -> Result<ReferenceServer, ServerError> {
        ReferenceServer::start_seeded(config, None)
    }

    pub fn start_seeded(config: ServerConfig, seed: Option<&Seed>) -> Result<ReferenceServer, ServerError> {
        ReferenceServer::start_wrapped(config, seed, Box::new(|_, app| app))
    }

    /// A server whose every request passes through `wrap` first (the client audit).
    pub fn start_wrapped(
        config: ServerConfig,
        seed: Option<&Seed>,
        wrap: Wrap,
    ) -> Result<ReferenceServer, ServerError> {
        let shared = Shared::new(config)?;
        if let Some(seed) = seed {
            shared.seed(seed)?;
        }
        let shared = Arc::new(shared);
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        let listener = std::net::TcpListener::bind(loopback)
            .map_err(|source| ServerError::Bind { addr: loopback, source })?;
        let addr = listener.local_addr().map_err(|source| ServerError::Bind { addr: loopback, source })?;
        listener.set_nonblocking(true).map_err(|source| ServerError::Bind { addr, source })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("scimitar-reference")
            .enable_all()
            .build()
            .map_err(ServerError::Runtime)?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let prefixes = shared.tenants.iter().map(|t| t.prefix.clone()).collect();
        let thread = std::thread::Builder::new()
            .name("scimitar-reference".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                    let mut graceful = stopped.clone();
                    let mut hard = stopped;
                    let shutdown = async move {
                        let _ = graceful.wait_for(|stop| *stop).await;
                    };
                    // A client that never finishes its request must not hold the stop forever.
                    let deadline = async move {
                        let _ = hard.wait_for(|stop| *stop).await;
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    };
                    tokio::select! {
                        _ = serve_wrapped(listener, shared, wrap, shutdown) => {}
                        () = deadline => {}
                    }
                });
                runtime.shutdown_timeout(std::time::Duration::from_secs(1));
            })
            .map_err(ServerError::Runtime)?;
        Ok(ReferenceServer { addr, prefixes, stop: Some(stop), thread: Some(thread) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL of the first tenant, e.g. `http://127.0.0.1:PORT/scim/v2`.
    pub fn base_url(&self) -> String {
        self.base_urls().into_iter().next().unwrap_or_default()
    }

    pub fn base_urls(&self) -> Vec<String> {
        self.prefixes.iter().map(|p| format!("http://{}{}", self.addr, p)).collect()
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
