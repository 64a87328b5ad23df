//! The client audit: the reference server, serving as usual, judges every
//! request a SCIM client sends it against what RFC 7643 and RFC 7644 (and
//! RFC 9110, where a SCIM client meets it) ask of a client, and, when asked,
//! against what Okta or Entra would send for the same lifecycle. Optional
//! scenarios provoke the client (a 429, a 412, a 409, a 5xx, a slow answer,
//! short pages, redirects). The result is a run report like `scimitar
//! run`'s, one case per requirement, judged by the same gate.
//!
//! - [`traffic`]: the hook in the server's request path; [`timeline`]: what
//!   was in flight, and whether the client was asked to wait, as each request came.
//! - [`scenario`]: what the server can be asked to do to the client.
//! - [`judge`] and [`checks`]: every exchange through every check.
//! - [`rules`]: the requirements audited, one case each.
//! - [`report`]: the run report; [`coverage`]: the section `scimitar coverage` shows.

pub mod checks;
pub mod coverage;
pub mod declared;
pub mod judge;
pub mod report;
pub mod request;
pub mod rules;
pub mod scenario;
pub mod seen;
pub mod tally;
pub mod timeline;
pub mod traffic;
pub mod values;

use crate::faults::FaultSet;
use crate::report::run::RunReport;
use crate::runner::http::Redactor;
use crate::server::variant::Variant;
use crate::server::{Auth, ReferenceServer, Seed, ServerConfig, ServerError, Shared};
use crate::suite::profile::Profile;
use axum::Router;
use checks::Ctx;
use judge::Judge;
use scenario::{Action, Head, Scenario, Scenarios};
use seen::{Arrival, Seen};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use timeline::Timeline;

/// What to audit with: the server as `scimitar serve` runs it, the
/// scenarios to provoke the client with, the IdPs to compare it with.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    pub server: ServerConfig,
    pub scenarios: Vec<Scenario>,
    pub like: Vec<Profile>,
    /// One line per request on stderr.
    pub log: bool,
}

impl AuditConfig {
    pub fn new(server: ServerConfig) -> AuditConfig {
        AuditConfig { server, scenarios: Vec::new(), like: Vec::new(), log: false }
    }

    /// The server configuration the scenarios need (short pages).
    fn server_config(&self) -> ServerConfig {
        let mut config = self.server.clone();
        if self.scenarios.contains(&Scenario::ShortPages) {
            let variants = config.variants.with(Variant::SmallPages);
            config = config.with_variants(variants);
        }
        config.log_requests = false;
        config
    }
}

/// One audit: the scenarios' state, what was in flight, and the judge.
pub struct Audit {
    config: AuditConfig,
    server: ServerConfig,
    shared: OnceLock<Arc<Shared>>,
    scenarios: Scenarios,
    judge: Mutex<Option<Judge>>,
    timeline: Mutex<Timeline>,
    seq: AtomicU64,
    answered: AtomicU64,
    last_activity: Mutex<Instant>,
    started: Instant,
    started_at: String,
}

impl Audit {
    pub fn new(config: AuditConfig) -> Arc<Audit> {
        let server = config.server_config();
        let registry = crate::server::shaped::served(&server);
        let ctx = Ctx { registry, etag: !server.variants.has(Variant::NoEtag) };
        let judge = Judge::new(ctx, server.leniency.clone(), config.like.clone(), redactor(&server.auth));
        Arc::new(Audit {
            scenarios: Scenarios::new(config.scenarios.clone()),
            config,
            server,
            shared: OnceLock::new(),
            judge: Mutex::new(Some(judge)),
            timeline: Mutex::new(Timeline::default()),
            seq: AtomicU64::new(0),
            answered: AtomicU64::new(0),
            last_activity: Mutex::new(Instant::now()),
            started: Instant::now(),
            started_at: crate::scim::datetime::format(crate::scim::datetime::now()),
        })
    }

    /// The server's configuration, scenarios applied.
    pub fn server_config(&self) -> &ServerConfig {
        &self.server
    }

    pub fn config(&self) -> &AuditConfig {
        &self.config
    }

    /// Puts the audit around the server's router.
    pub fn wrap(self: &Arc<Audit>, shared: Arc<Shared>, app: Router) -> Router {
        let _ = self.shared.set(shared);
        // Around the whole application, so every request is seen with its
        // path as sent, before routing, authentication or any rewrite.
        Router::new()
            .fallback_service(app)
            .layer(axum::middleware::from_fn_with_state(self.clone(), traffic::observe))
    }

    /// As a [`crate::server::Wrap`].
    pub fn wrapper(self: &Arc<Audit>) -> crate::server::Wrap {
        let audit = self.clone();
        Box::new(move |shared, app| audit.wrap(shared, app))
    }

    /// Requests answered (or left unanswered) so far.
    pub fn requests(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    /// Time since the last request arrived or finished, or since the start.
    pub fn idle(&self) -> Duration {
        self.last_activity.lock().map_or(Duration::ZERO, |t| t.elapsed())
    }

    fn next_seq(&self) -> u64 {
        self.touch();
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn touch(&self) {
        if let Ok(mut t) = self.last_activity.lock() {
            *t = Instant::now();
        }
    }

    fn body_cap(&self) -> usize {
        // The bulk-limits-ignored fault lets the server take four times its limit.
        self.server.limits.max_body_bytes.saturating_mul(4)
    }

    fn faults(&self) -> FaultSet {
        self.server.faults
    }

    /// The host of a base URL for a request without a Host header (HTTP/1.0):
    /// only a report ever shows it.
    fn fallback_host(&self) -> String {
        "localhost".into()
    }

    /// The tenant a raw path belongs to: its index, prefix, and the rest of the path.
    fn locate(&self, raw: &str) -> (Option<usize>, String, String) {
        let Some(shared) = self.shared.get() else { return (None, String::new(), raw.to_string()) };
        let mut best: Option<(usize, &str)> = None;
        for (i, t) in shared.tenants.iter().enumerate() {
            let inside = raw == t.prefix || raw.starts_with(&format!("{}/", t.prefix)) || t.prefix.is_empty();
            if inside && best.is_none_or(|(_, p)| t.prefix.len() > p.len()) {
                best = Some((i, &t.prefix));
            }
        }
        match best {
            Some((i, prefix)) => (Some(i), prefix.to_string(), raw[prefix.len()..].to_string()),
            None => (None, String::new(), raw.to_string()),
        }
    }

    fn arrive(&self, seq: u64, fingerprint: u64, non_idempotent: bool) -> Arrival {
        self.timeline.lock().unwrap_or_else(std::sync::PoisonError::into_inner).arrive(
            seq,
            fingerprint,
            non_idempotent,
        )
    }

    fn asked_to_wait(&self, seq: u64, fingerprint: u64, wait: Duration) {
        self.timeline.lock().unwrap_or_else(std::sync::PoisonError::into_inner).asked_to_wait(
            seq,
            fingerprint,
            wait,
        );
    }

    fn decide(&self, head: &Head) -> Action {
        self.scenarios.decide(head, crate::server::shaped::served(&self.server))
    }

    fn moved(&self, tenant: Option<usize>) -> Vec<String> {
        if self.scenarios.has("moved") { self.scenarios.moved(tenant) } else { Vec::new() }
    }

    /// The `conflict` scenario's other writer: the same resource, created first.
    fn create_first(&self, tenant: usize, base: &str, path: &str, body: &serde_json::Value) {
        let Some(shared) = self.shared.get() else { return };
        let Some(rt) = shared.registry.by_endpoint(path.trim_matches('/')) else { return };
        let Some(t) = shared.tenants.get(tenant) else { return };
        // Whatever the outcome, the client's own request is served next.
        let _ = shared.service(t, base).create(rt, body);
    }

    fn record(&self, seen: Seen) {
        self.timeline.lock().unwrap_or_else(std::sync::PoisonError::into_inner).finished(seen.seq);
        if self.config.log {
            let status = seen.status().map_or("-".to_string(), |s| s.to_string());
            let note = seen.injected.as_ref().map_or(String::new(), |i| format!("  [{}]", i.describe()));
            errln!(
                "{} {}{} {status} {:.1}ms{note}",
                seen.method,
                seen.base,
                seen.line().split_once(' ').map_or("", |(_, p)| p),
                seen.elapsed_ms
            );
        }
        self.answered.fetch_add(1, Ordering::Relaxed);
        self.touch();
        let mut judge = self.judge.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(judge) = judge.as_mut() {
            judge.record(seen);
        }
    }

    /// The audit's report: one case per audited requirement, judged by `gate`.
    /// What the client sends after this is no longer judged.
    pub fn finish(&self, gate: &crate::gate::Gate, url: &str, in_process: bool) -> RunReport {
        let judge = self.judge.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        let tallies = match judge {
            Some(j) => j.finish(),
            None => tally::Tallies::default(),
        };
        report::build(
            &tallies,
            &report::Meta {
                config: &self.config,
                server: &self.server,
                url,
                in_process,
                started_at: &self.started_at,
                duration: self.started.elapsed(),
                requests: self.requests(),
            },
            gate,
        )
    }
}

/// Credentials the server accepts, kept out of every report.
fn redactor(auth: &Auth) -> Redactor {
    match auth {
        Auth::None => Redactor::default(),
        Auth::Credentials { bearer, basic } => {
            Redactor::new(bearer.iter().chain(basic.iter()).cloned().collect())
        }
    }
}

/// An audit server in this process, on `127.0.0.1` and a free port, for
/// tests and embedding. Dropping it stops the server.
pub struct AuditServer {
    audit: Arc<Audit>,
    server: ReferenceServer,
}

impl AuditServer {
    pub fn start(config: AuditConfig) -> Result<AuditServer, ServerError> {
        AuditServer::start_seeded(config, None)
    }

    pub fn start_seeded(config: AuditConfig, seed: Option<&Seed>) -> Result<AuditServer, ServerError> {
        let audit = Audit::new(config);
        let server = ReferenceServer::start_wrapped(audit.server_config().clone(), seed, audit.wrapper())?;
        Ok(AuditServer { audit, server })
    }

    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub fn audit(&self) -> &Arc<Audit> {
        &self.audit
    }

    /// Stops the server, then judges what it saw.
    pub fn finish(self, gate: &crate::gate::Gate) -> RunReport {
        let url = self.server.base_url();
        drop(self.server);
        self.audit.finish(gate, &url, true)
    }
}
