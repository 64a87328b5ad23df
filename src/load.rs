//! Sync-cycle load: an identity provider's initial sync of N users and their
//! groups, at the IdP's pace, measured. Where the cases ask "is each answer
//! right?", this asks "does the server keep up?": Entra's gallery apps must
//! sustain about 25 requests per second per tenant.
//!
//! The sequence is the IdP's own: for each user a lookup by userName that
//! finds nothing, then the create; for each group a lookup, the create and
//! PATCHes adding its members. Then everything created is deleted again.

use crate::runner::http::{Body, Http, Outgoing};
use crate::suite::case::{Method, RequestAuth};
use crate::suite::profile::Profile;
use crate::suite::requirement::Requirement;
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::watch;

/// Members added per group PATCH unless the target file declares a limit.
pub const MEMBERS_PER_PATCH: usize = 50;

/// What to replay.
#[derive(Debug, Clone)]
pub struct Plan {
    pub profile: Profile,
    /// The IdP's catalogued requirement on pace (`entra.sync-rate`), which
    /// the verdict cites.
    pub requirement: Option<Requirement>,
    /// The pace the server must keep up with, if any.
    pub target_rate: Option<f64>,
    pub users: usize,
    pub groups: usize,
    /// Members added per group PATCH.
    pub members_per_patch: usize,
    /// The most requests in flight at once (`--jobs`); the pace finds how
    /// many the server takes below it.
    pub jobs: Option<usize>,
    /// The IdP's client as the suites define it (`suites/clients.yaml`, or
    /// the one in `--suites`): the sync sends the headers its cases send.
    pub client: Option<crate::suite::client::Client>,
}

impl Plan {
    /// The request rate the IdP itself keeps, when its documentation says.
    pub fn documented_rate(profile: Profile) -> Option<f64> {
        match profile {
            Profile::ENTRA => Some(25.0),
            _ => None,
        }
    }

    /// Profiles whose initial sync is modelled.
    pub fn supports(profile: Profile) -> bool {
        matches!(profile, Profile::ENTRA | Profile::OKTA)
    }

    /// The one profile whose sync `--users` replays, or what to write instead.
    pub fn profile_of(profiles: &[Profile]) -> Result<Profile, String> {
        let supported: Vec<String> = Profile::ALL
            .iter()
            .filter(|p| Plan::supports(**p))
            .map(|p| format!("--profile {}", p.name()))
            .collect();
        let supported = supported.join(" or ");
        match profiles {
            [p] if Plan::supports(*p) => Ok(*p),
            [Profile::Rfc] => {
                Err(format!("--users replays an identity provider's initial sync: add {supported}"))
            }
            [p] => Err(format!(
                "--users replays an identity provider's initial sync, and {}'s is not modelled: use {supported}",
                p.title()
            )),
            _ => Err(format!(
                "--users replays one identity provider's initial sync, so it takes exactly one profile, not {}: \
                 use {supported}",
                profiles.iter().map(|p| p.name()).collect::<Vec<_>>().join(",")
            )),
        }
    }
}

/// Latencies of one kind of request.
#[derive(Debug, Clone, Serialize)]
pub struct KindStats {
    pub kind: &'static str,
    pub count: usize,
    /// Answers other than the one the IdP expects, and requests with no answer.
    pub errors: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// The first few failures, for a person to look at.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub kind: &'static str,
    pub request: String,
    /// The statuses the IdP accepts here.
    pub expected: String,
    pub got: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub profile: Profile,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<Requirement>,
    pub users: usize,
    pub groups: usize,
    pub requests: usize,
    /// The sync itself, without the deletes after it.
    pub sync_seconds: f64,
    pub achieved_rate: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_rate: Option<f64>,
    /// Answers of 429 Too Many Requests, each waited out and retried.
    pub rate_limited: u64,
    pub kinds: Vec<KindStats>,
    pub failures: Vec<Failure>,
    /// Stopped (Ctrl-C) before the sync was done: what it created was still deleted.
    pub interrupted: bool,
    /// What the deletes at the end removed.
    pub deleted_users: usize,
    pub deleted_groups: usize,
    /// Resources the deletes at the end could not remove.
    pub left_behind: usize,
    /// How many requests were in flight, and where the server's throughput saturated.
    pub pace: crate::runner::pace::Settled,
}

impl LoadReport {
    pub fn errors(&self) -> usize {
        self.kinds.iter().map(|k| k.errors).sum()
    }

    /// The server kept up: no errors, no 429, and (with a target) at least
    /// 90% of the target rate, the rest being the harness's own pacing.
    pub fn sustained(&self) -> bool {
        self.errors() == 0
            && self.rate_limited == 0
            && self.target_rate.is_none_or(|target| self.achieved_rate >= 0.9 * target)
    }
}

const SHOWN_FAILURES: usize = 10;

#[derive(Default)]
struct Tally {
    samples: Vec<(&'static str, f64, bool)>,
    failures: Vec<Failure>,
}

/// Sends requests and keeps their latencies.
struct Driver<'a> {
    http: &'a Http,
    client: Option<crate::suite::client::Client>,
    tally: Mutex<Tally>,
}

impl Driver<'_> {
    /// Sends `out`, counting it under `kind`; the answer when it was one of `expect`.
    async fn send(
        &self,
        kind: &'static str,
        mut out: Outgoing,
        expect: &[u16],
    ) -> Option<crate::runner::http::Incoming> {
        if let Some(client) = &self.client {
            crate::runner::add_client_headers(&client.headers, &mut out);
        }
        let (exchange, result) = self.http.send(0, &out).await;
        let ok = matches!(&result, Ok(r) if expect.contains(&r.status));
        let mut tally = self.tally.lock().unwrap_or_else(|e| e.into_inner());
        tally.samples.push((kind, exchange.elapsed_ms, ok));
        if !ok && tally.failures.len() < SHOWN_FAILURES {
            let got = match &result {
                Ok(r) => format!(
                    "{} {}",
                    r.status,
                    String::from_utf8_lossy(&r.body).chars().take(200).collect::<String>()
                ),
                Err(e) => e.message.clone(),
            };
            let expected = expect.iter().map(u16::to_string).collect::<Vec<_>>().join(" or ");
            tally.failures.push(Failure {
                kind,
                request: format!("{} {}", out.method.as_str(), out.path),
                expected,
                got,
            });
        }
        drop(tally);
        result.ok().filter(|r| expect.contains(&r.status))
    }
}

fn request(method: Method, path: String, body: Option<Value>) -> Outgoing {
    Outgoing {
        method,
        path,
        query: Vec::new(),
        headers: Vec::new(),
        body: body.map(Body::Json),
        auth: RequestAuth::Target,
        without: Vec::new(),
    }
}

/// `attr eq "value"`, encoded as the IdP encodes it: Entra form-encodes
/// (`+` for spaces), Okta percent-encodes and pages.
fn lookup(profile: Profile, endpoint: &str, attr: &str, value: &str, extra: &str) -> String {
    let quoted = form_urlencoded::byte_serialize(format!("\"{value}\"").as_bytes()).collect::<String>();
    match profile {
        Profile::OKTA => {
            format!("/{endpoint}?filter={attr}%20eq%20{}&startIndex=1&count=100", quoted.replace('+', "%20"))
        }
        _ => format!("/{endpoint}?{extra}filter={attr}+eq+{quoted}"),
    }
}

fn user_body(profile: Profile, user_name: &str, n: usize) -> Value {
    match profile {
        Profile::ENTRA => json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": uuid::Uuid::new_v4().to_string(),
            "userName": user_name,
            "active": true,
            "emails": [{"primary": true, "type": "work", "value": user_name}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": format!("Given{n} Family{n}"), "familyName": format!("Family{n}"), "givenName": format!("Given{n}")},
            "roles": [],
        }),
        _ => json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "name": {"givenName": format!("Given{n}"), "familyName": format!("Family{n}")},
            "emails": [{"primary": true, "value": user_name, "type": "work"}],
            "displayName": format!("Given{n} Family{n}"),
            "groups": [],
            "active": true,
        }),
    }
}

fn group_body(profile: Profile, name: &str) -> Value {
    match profile {
        Profile::ENTRA => json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": uuid::Uuid::new_v4().to_string(),
            "displayName": name,
            "meta": {"resourceType": "Group"},
        }),
        _ => {
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name, "members": []})
        }
    }
}

fn add_members(profile: Profile, ids: &[String]) -> Value {
    let op = if profile == Profile::ENTRA { "Add" } else { "add" };
    let values: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    json!({
        "schemas": [crate::scim::urn::PATCH_OP],
        "Operations": [{"op": op, "path": "members", "value": values}],
    })
}

fn created_id(r: &crate::runner::http::Incoming) -> Option<String> {
    r.json().ok().and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_string)).or_else(|| {
        r.header("location").and_then(|l| l.trim_end_matches('/').rsplit('/').next()).map(str::to_string)
    })
}

/// Runs `items` through `work`, as many at once as the pace admits.
async fn in_parallel<T, F, Fut>(http: &Http, items: Vec<T>, work: F) -> Vec<Fut::Output>
where
    T: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: std::future::Future,
{
    use futures_util::StreamExt;
    let pace = http.pace();
    let admitted = |item: T| {
        let pace = pace.clone();
        let work = &work;
        async move {
            let _slot = pace.admit().await;
            work(item).await
        }
    };
    futures_util::stream::iter(items.into_iter().map(admitted))
        .buffer_unordered(crate::runner::pace::MAX_CEILING)
        .collect()
        .await
}

/// Replays the initial sync of `plan` against `http`; names start with `run_id`.
/// Once `cancel` turns true no more is created (requests in flight finish, so
/// what they create is known), and everything created is deleted.
pub async fn run(http: &Http, plan: &Plan, run_id: &str, cancel: &watch::Receiver<bool>) -> LoadReport {
    let driver = Arc::new(Driver { http, client: plan.client.clone(), tally: Mutex::new(Tally::default()) });
    let go_on = || !*cancel.borrow() && http.stopped().is_none();
    let profile = plan.profile;
    let limited_before = http.rate_limited();
    if let Some(jobs) = plan.jobs {
        http.pace().set_ceiling(jobs);
    }
    let started = Instant::now();

    let users = in_parallel(http, (0..plan.users).collect(), |n| {
        let driver = driver.clone();
        async move {
            if !go_on() {
                return None;
            }
            let user_name = format!("{run_id}-u{n:05}@example.com");
            driver
                .send(
                    "lookup user",
                    request(Method::Get, lookup(profile, "Users", "userName", &user_name, ""), None),
                    &[200],
                )
                .await;
            if !go_on() {
                return None;
            }
            let created = driver
                .send(
                    "create user",
                    request(Method::Post, "/Users".into(), Some(user_body(profile, &user_name, n))),
                    &[201],
                )
                .await;
            created.as_ref().and_then(created_id).map(|id| (n, id))
        }
    })
    .await;
    let mut users: Vec<(usize, String)> = users.into_iter().flatten().collect();
    users.sort();

    let groups_wanted = plan.groups;
    let groups = in_parallel(http, (0..groups_wanted).collect(), |g| {
        let driver = driver.clone();
        let members: Vec<String> = users
            .iter()
            .filter(|(n, _)| groups_wanted > 0 && n % groups_wanted == g)
            .map(|(_, id)| id.clone())
            .collect();
        let per_patch = plan.members_per_patch.max(1);
        async move {
            if !go_on() {
                return None;
            }
            let name = format!("{run_id}-g{g:04}");
            let extra = if profile == Profile::ENTRA { "excludedAttributes=members&" } else { "" };
            driver
                .send(
                    "lookup group",
                    request(Method::Get, lookup(profile, "Groups", "displayName", &name, extra), None),
                    &[200],
                )
                .await;
            if !go_on() {
                return None;
            }
            let created = driver
                .send(
                    "create group",
                    request(Method::Post, "/Groups".into(), Some(group_body(profile, &name))),
                    &[201],
                )
                .await;
            let id = created.as_ref().and_then(created_id)?;
            for chunk in members.chunks(per_patch).take_while(|_| go_on()) {
                let patch =
                    request(Method::Patch, format!("/Groups/{id}"), Some(add_members(profile, chunk)));
                driver.send("add members", patch, &[200, 204]).await;
            }
            Some(id)
        }
    })
    .await;
    let groups: Vec<String> = groups.into_iter().flatten().collect();
    let sync_seconds = started.elapsed().as_secs_f64();
    let sync_requests = driver.tally.lock().map_or(0, |t| t.samples.len());

    let interrupted = *cancel.borrow();

    // Groups first: they refer to the users.
    let doomed: Vec<(bool, String)> = groups
        .iter()
        .map(|id| (false, format!("/Groups/{id}")))
        .chain(users.iter().map(|(_, id)| (true, format!("/Users/{id}"))))
        .collect();
    let deleted = in_parallel(http, doomed, |(is_user, path)| {
        let driver = driver.clone();
        async move {
            let gone =
                driver.send("delete", request(Method::Delete, path, None), &[200, 204, 404]).await.is_some();
            (is_user, gone)
        }
    })
    .await;
    let deleted_users = deleted.iter().filter(|(is_user, gone)| *is_user && *gone).count();
    let deleted_groups = deleted.iter().filter(|(is_user, gone)| !*is_user && *gone).count();
    let left_behind = deleted.iter().filter(|(_, gone)| !*gone).count();

    let tally = std::mem::take(&mut *driver.tally.lock().unwrap_or_else(|e| e.into_inner()));
    LoadReport {
        profile,
        requirement: plan.requirement.clone(),
        users: plan.users,
        groups: plan.groups,
        requests: tally.samples.len(),
        sync_seconds,
        achieved_rate: if sync_seconds > 0.0 { sync_requests as f64 / sync_seconds } else { 0.0 },
        target_rate: plan.target_rate,
        rate_limited: http.rate_limited() - limited_before,
        kinds: stats(&tally.samples),
        failures: tally.failures,
        interrupted,
        deleted_users,
        deleted_groups,
        left_behind,
        pace: http.pace().settled(),
    }
}

fn stats(samples: &[(&'static str, f64, bool)]) -> Vec<KindStats> {
    let mut kinds: Vec<&'static str> = Vec::new();
    for (kind, _, _) in samples {
        if !kinds.contains(kind) {
            kinds.push(kind);
        }
    }
    kinds
        .into_iter()
        .map(|kind| {
            let mut latencies: Vec<f64> = samples.iter().filter(|s| s.0 == kind).map(|s| s.1).collect();
            latencies.sort_by(f64::total_cmp);
            let errors = samples.iter().filter(|s| s.0 == kind && !s.2).count();
            KindStats {
                kind,
                count: latencies.len(),
                errors,
                p50_ms: percentile(&latencies, 0.50),
                p90_ms: percentile(&latencies, 0.90),
                p99_ms: percentile(&latencies, 0.99),
                max_ms: latencies.last().copied().unwrap_or(0.0),
            }
        })
        .collect()
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Where the server's throughput stopped growing with the requests in flight.
fn saturation(pace: &crate::runner::pace::Settled) -> String {
    match &pace.saturated {
        Some(s) => format!(
            "throughput saturated at about {} requests/s with {} requests in flight ({}); the run settled at {} in flight",
            s.served_per_second, s.in_flight, s.signal, pace.concurrency
        ),
        None => format!(
            "throughput did not saturate: up to {} requests in flight (the ceiling is {}; --jobs raises it)",
            pace.peak_concurrency, pace.ceiling
        ),
    }
}

/// The report as a person reads it.
pub fn render(r: &LoadReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} initial sync: {} users, {} groups, {} requests (deletes included)",
        r.profile.title(),
        r.users,
        r.groups,
        r.requests
    );
    let target = r.target_rate.map(|t| format!(" (target {t:.0}/s)")).unwrap_or_default();
    let _ = writeln!(out, "sync took {:.2}s: {:.1} requests/s{target}", r.sync_seconds, r.achieved_rate);
    let _ = writeln!(
        out,
        "\n{:<14} {:>6} {:>6} {:>9} {:>9} {:>9} {:>9}",
        "request", "count", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    for k in &r.kinds {
        let _ = writeln!(
            out,
            "{:<14} {:>6} {:>6} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            k.kind, k.count, k.errors, k.p50_ms, k.p90_ms, k.p99_ms, k.max_ms
        );
    }
    let _ = writeln!(out, "\n{}", saturation(&r.pace));
    let _ = writeln!(out, "\n429 Too Many Requests: {} (each waited out and retried)", r.rate_limited);
    if r.rate_limited > 0 && r.profile == Profile::ENTRA {
        let _ = writeln!(
            out,
            "  Entra does not reliably honour Retry-After: a 429 is logged as a failure and retried in a later cycle"
        );
    }
    for f in &r.failures {
        let _ = writeln!(out, "  {}: {}: expected {}, got {}", f.kind, f.request, f.expected, f.got);
    }
    let _ = writeln!(
        out,
        "\ndeleted afterwards: {} users and {} groups{}",
        r.deleted_users,
        r.deleted_groups,
        if r.left_behind > 0 {
            let noun = if r.left_behind == 1 { "resource" } else { "resources" };
            format!("; {} {noun} could not be deleted (names start with the run id)", r.left_behind)
        } else {
            String::new()
        }
    );
    if r.interrupted {
        let _ = writeln!(
            out,
            "\ninterrupted: the sync stopped early, so this says nothing about whether the server keeps up"
        );
        return out;
    }
    let verdict = if r.sustained() {
        format!("the server kept up with {}'s initial sync", r.profile.title())
    } else {
        format!("the server did not keep up with {}'s initial sync", r.profile.title())
    };
    let _ = writeln!(out, "\n{verdict}");
    match &r.requirement {
        Some(req) => {
            let _ = writeln!(out, "{} {}: {} [{}]", req.source, req.level, req.says, req.id);
        }
        None => {
            let _ = writeln!(
                out,
                "{} documents no rate: judged on wrong answers and 429s only",
                r.profile.title()
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The IdP's client headers, as its profile's cases send them (`suites/clients.yaml`).
    fn client_headers(profile: Profile, out: &mut Outgoing) {
        if let Some(client) = crate::suite::client::Clients::embedded().get(profile.name()) {
            crate::runner::add_client_headers(&client.headers, out);
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[7.0], 0.9), 7.0);
        assert_eq!(percentile(&[], 0.9), 0.0);
    }

    #[test]
    fn lookups_are_encoded_as_each_idp_encodes_them() {
        assert_eq!(
            lookup(Profile::ENTRA, "Users", "userName", "a b@x", ""),
            "/Users?filter=userName+eq+%22a+b%40x%22"
        );
        assert_eq!(
            lookup(Profile::OKTA, "Users", "userName", "a b@x", ""),
            "/Users?filter=userName%20eq%20%22a%20b%40x%22&startIndex=1&count=100"
        );
    }

    /// What the sync sends as each IdP, as `header: value` and `-header` for one left out.
    fn sent(profile: Profile, out: Outgoing) -> Vec<String> {
        let mut out = out;
        client_headers(profile, &mut out);
        let mut shown: Vec<String> = out.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        shown.extend(out.without.iter().map(|n| format!("-{n}")));
        shown
    }

    #[test]
    fn the_sync_sends_the_clients_headers_its_profiles_cases_send() {
        let get = || request(Method::Get, "/Users".into(), None);
        let post = || request(Method::Post, "/Users".into(), Some(json!({})));
        assert_eq!(sent(Profile::ENTRA, get()), ["ADSCIMVersion: 5.0", "-User-Agent"]);
        assert_eq!(
            sent(Profile::ENTRA, post()),
            ["ADSCIMVersion: 5.0", "Content-Type: application/scim+json; charset=utf-8", "-User-Agent"]
        );
        let okta = [
            "User-Agent: Okta SCIM Client 1.0.0",
            "Accept: application/scim+json",
            "Accept-Charset: utf-8",
            "Accept-Encoding: gzip,deflate",
        ];
        assert_eq!(sent(Profile::OKTA, get()), okta);
        let with_body: Vec<String> = okta
            .iter()
            .map(ToString::to_string)
            .chain(["Content-Type: application/scim+json; charset=utf-8".to_string()])
            .collect();
        assert_eq!(sent(Profile::OKTA, post()), with_body);
    }
}
