//! Discovery: the target's documents (RFC 7644 §4) read into a
//! [`TargetModel`], feature probes for what no document declares, and the
//! capabilities cases need, decided from both, then from the vendor's target
//! file and `--assume` / `--deny`. Each decision is noted, so a case that does
//! not apply can say exactly why.
//!
//! A target that refuses the run's credentials, cannot be reached, or is no
//! SCIM service at all ends the run here, with one message: every case would
//! fail for a reason that is not a finding.

use super::http::{Body, Http, Incoming, Outgoing};
use super::model::{self, Config, Document, Probe, ProbeResult, Scope, Scopes, TargetModel, get_ci};
use super::outcome::{ErrorKind, HarnessError};
use super::target::{Target, TargetAuth};
use crate::scim::schema::{CORE_USER, ENTERPRISE_USER, Uniqueness};
use crate::scim::urn::{OKTA_ENTITLEMENT, OKTA_ROLE};
use crate::suite::capability::Capability;
use crate::suite::case::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    /// Each capability with whether the target has it and why we think so.
    pub decided: BTreeMap<Capability, (bool, String)>,
}

impl Capabilities {
    pub fn has(&self, c: Capability) -> bool {
        self.decided.get(&c).is_some_and(|(has, _)| *has)
    }

    pub fn reason(&self, c: Capability) -> &str {
        self.decided.get(&c).map_or("not determined", |(_, why)| why.as_str())
    }

    pub fn present(&self) -> Vec<Capability> {
        self.decided.iter().filter(|(_, (has, _))| *has).map(|(c, _)| *c).collect()
    }

    pub fn notes(&self) -> Vec<String> {
        self.decided
            .iter()
            .map(|(c, (has, why))| format!("{c}: {} ({why})", if *has { "yes" } else { "no" }))
            .collect()
    }

    fn set(&mut self, c: Capability, has: bool, why: impl Into<String>) {
        self.decided.insert(c, (has, why.into()));
    }

    /// What the model says the target can do.
    pub fn of(model: &TargetModel) -> Capabilities {
        let mut caps = Capabilities::default();
        let config = &model.config;
        let spc = |key: &str, has: bool| match &model.service_provider_config {
            Document::Missing(why) => format!("/ServiceProviderConfig not served ({why})"),
            _ => format!("ServiceProviderConfig {key}.supported is {has}"),
        };
        caps.set(
            Capability::Cursor,
            config.cursor,
            match &model.service_provider_config {
                Document::Missing(why) => format!("/ServiceProviderConfig not served ({why})"),
                _ => format!("ServiceProviderConfig pagination.cursor is {}", config.cursor),
            },
        );
        for (c, key, has) in [
            (Capability::Patch, "patch", config.patch),
            (Capability::Bulk, "bulk", config.bulk),
            (Capability::Filter, "filter", config.filter),
            (Capability::Sort, "sort", config.sort),
            (Capability::Etag, "etag", config.etag),
            (Capability::ChangePassword, "changePassword", config.change_password),
        ] {
            caps.set(c, has, spc(key, has));
        }
        let types = match &model.resource_types_document {
            Document::Missing(_) => "the endpoints that answered a listing (no /ResourceTypes)",
            _ => "/ResourceTypes",
        };
        let user = model.resource_type("User");
        let listed =
            |found: bool, what: &str| format!("{types} {} {what}", if found { "has" } else { "has no" });
        caps.set(Capability::Users, user.is_some(), listed(user.is_some(), "a User resource type"));
        let group = model.resource_type("Group").is_some();
        caps.set(Capability::Groups, group, listed(group, "a Group resource type"));
        for (c, urn, endpoint) in [
            (Capability::OktaEntitlements, OKTA_ENTITLEMENT, "/Entitlements"),
            (Capability::OktaRoles, OKTA_ROLE, "/Roles"),
        ] {
            let found =
                model.registry.resource_types.iter().any(|rt| rt.core.id == urn && rt.endpoint == endpoint);
            let article = if found { "a" } else { "no" };
            caps.set(
                c,
                found,
                format!("{types} has {article} resource type with schema {urn} at {endpoint}"),
            );
        }
        let enterprise = user
            .is_some_and(|u| u.extensions.iter().any(|e| e.schema.id.eq_ignore_ascii_case(ENTERPRISE_USER)));
        caps.set(
            Capability::EnterpriseUser,
            enterprise,
            listed(enterprise, "the enterprise extension on User"),
        );
        let required = user.and_then(|u| u.extensions.iter().find(|e| e.required));
        caps.set(
            Capability::RequiredExtension,
            required.is_some(),
            match required {
                Some(e) => format!("{types} marks {} required on User", e.schema.id),
                None => format!("{types} marks no extension of User required"),
            },
        );
        for (c, feature) in [
            (Capability::Search, SEARCH),
            (Capability::RootSearch, ROOT_SEARCH),
            (Capability::SchemaById, SCHEMA_BY_ID),
        ] {
            match model.probe(feature) {
                Some(p) => caps.set(c, p.works(), format!("probe {feature}: {p}")),
                None => caps.set(c, false, format!("{feature} was not probed")),
            }
        }
        caps.set(
            Capability::ResourceTypes,
            model.resource_types_document.served(),
            format!("/ResourceTypes {}", model.resource_types_document),
        );
        caps.set(
            Capability::Schemas,
            model.schemas_document.served(),
            format!("/Schemas {}", model.schemas_document),
        );
        caps.set(Capability::HardDelete, true, "DELETE deletes, unless the target file says it deactivates");
        caps
    }

    /// Applies the vendor's declarations and the command line, which win over discovery.
    pub fn with_overrides(
        mut self,
        target: &Target,
        assume: &[Capability],
        deny: &[Capability],
    ) -> Capabilities {
        let has_credentials = target.auth != TargetAuth::None;
        self.set(
            Capability::Authentication,
            has_credentials,
            if has_credentials { "the run has credentials" } else { "the run has no credentials" },
        );
        for c in &target.assume {
            self.set(*c, true, "assumed in the target file");
        }
        for c in &target.deny {
            self.set(*c, false, "denied in the target file");
        }
        for c in assume {
            self.set(*c, true, format!("--assume {c}"));
        }
        for c in deny {
            self.set(*c, false, format!("--deny {c}"));
        }
        let named = |c: Capability| {
            target.assume.contains(&c) || target.deny.contains(&c) || assume.contains(&c) || deny.contains(&c)
        };
        if !self.has(Capability::Search) && !named(Capability::RootSearch) && named(Capability::Search) {
            self.set(Capability::RootSearch, false, "follows search, which is denied");
        }
        self
    }
}

/// The probe names, as reports show them.
pub const SEARCH: &str = "POST /Users/.search";
pub const ROOT_SEARCH: &str = "POST /.search";
pub const SCHEMA_BY_ID: &str = "GET /Schemas/{id}";
pub const ME: &str = "/Me";
pub const FILTER_USERNAME_SW: &str = "filter userName sw";
pub const FILTER_EXTERNALID_EQ: &str = "filter externalId eq";
pub const FILTER_GROUP_DISPLAYNAME_SW: &str = "filter Group displayName sw";
pub const FILTER_GROUP_EXTERNALID_EQ: &str = "filter Group externalId eq";

/// Reads the documents, probes, and builds the model. `run_id` names the
/// values probes look for, which match nothing the target holds.
pub async fn discover(http: &Http, run_id: &str) -> Result<TargetModel, HarnessError> {
    let (spc, types, schemas) = tokio::join!(
        fetch(http, "/ServiceProviderConfig"),
        fetch(http, "/ResourceTypes"),
        fetch(http, "/Schemas")
    );
    for (path, fetched) in
        [("/ServiceProviderConfig", &spc), ("/ResourceTypes", &types), ("/Schemas", &schemas)]
    {
        match fetched {
            Err(Fetch::Unreachable(e)) => {
                return Err(HarnessError::new(e.kind, format!("cannot reach the target: {}", e.message)));
            }
            // ServiceProviderConfig may be public (RFC 7643 §5), so any of the three may be where a
            // bad credential shows.
            Err(Fetch::Refused(status)) => {
                return Err(HarnessError::new(
                    ErrorKind::Credentials,
                    format!(
                        "the target answered {status} to GET {path} with the run's credentials; check --token, --basic or --header"
                    ),
                ));
            }
            _ => {}
        }
    }
    let mut notes = Vec::new();
    let (spc_doc, config) = match &spc {
        Ok(doc) => {
            let declares = get_ci(doc, "schemas").and_then(Value::as_array).is_some_and(|s| {
                s.iter().any(|u| {
                    u.as_str()
                        .is_some_and(|u| u.eq_ignore_ascii_case(crate::scim::urn::SERVICE_PROVIDER_CONFIG))
                })
            });
            let status = if declares {
                Document::Served
            } else {
                Document::Broken(
                    "its schemas does not name urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
                        .into(),
                )
            };
            (status, Config::from_document(doc))
        }
        Err(e) => (e.document(), Config::default()),
    };
    let (types_doc, type_list) = listing(&types);
    let (schemas_doc, schema_list) = listing(&schemas);
    // Without /ResourceTypes, the RFC's endpoints that answer a listing are the types.
    let mut present = Vec::new();
    if type_list.is_none() {
        let (users, groups) = tokio::join!(lists(http, "/Users"), lists(http, "/Groups"));
        present = vec![("/Users", users), ("/Groups", groups)];
        // Nothing answered in JSON, and /Users lists nothing: no SCIM service here.
        if spc.is_err() && schemas.is_err() && !users {
            return Err(not_scim(http, &spc, &types).await);
        }
        notes.push(match (users, groups) {
            (true, true) => {
                "no /ResourceTypes: User at /Users and Group at /Groups, which answer listings".into()
            }
            (true, false) => {
                "no /ResourceTypes: User at /Users, which answers a listing; /Groups does not".into()
            }
            _ => "no /ResourceTypes, and /Users answers no listing".into(),
        });
    }
    let registry = model::build_registry(schema_list.as_deref(), type_list.as_deref(), &present, &mut notes);
    let mut model = TargetModel {
        config,
        service_provider_config: spc_doc,
        resource_types_document: types_doc,
        schemas_document: schemas_doc,
        registry,
        notes,
        probes: Vec::new(),
        scope: Scopes::default(),
    };
    model.probes = probe(http, &model, run_id).await;
    model.scope = scope(&model);
    Ok(model)
}

/// A discovery document's `Resources`, or a note on why there are none.
fn listing(fetched: &Result<Value, Fetch>) -> (Document, Option<Vec<Value>>) {
    match fetched {
        Ok(Value::Array(items)) => (
            Document::Broken("it is a bare JSON array, not a ListResponse (RFC 7644 §4)".into()),
            Some(items.clone()),
        ),
        Ok(doc) => match get_ci(doc, "Resources").and_then(Value::as_array) {
            Some(items) => (Document::Served, Some(items.clone())),
            None => (
                Document::Broken("it has no Resources (RFC 7644 §4: a ListResponse)".into()),
                Some(Vec::new()),
            ),
        },
        Err(e) => (e.document(), None),
    }
}

/// Whether a listing endpoint answers a ListResponse.
async fn lists(http: &Http, path: &str) -> bool {
    let out = Outgoing { query: vec![("count".into(), "1".into())], ..Outgoing::get(path) };
    let (_, result) = http.send(0, &out).await;
    result.is_ok_and(|r| r.status == 200 && r.json().is_ok_and(|b| get_ci(&b, "totalResults").is_some()))
}

/// The probes: each asks one optional thing no document announces, in a way
/// that matches nothing the target holds. They run at once.
async fn probe(http: &Http, model: &TargetModel, run_id: &str) -> Vec<ProbeResult> {
    let none = format!("{run_id}-probe");
    let mut asks: Vec<(String, Outgoing, Expect)> = Vec::new();
    let users = model.resource_type("User").map(|rt| rt.endpoint.clone());
    if let Some(users) = &users {
        if model.config.filter {
            for (feature, filter, expect) in filter_probes(&none) {
                let query = vec![("filter".into(), filter), ("count".into(), "1".into())];
                asks.push((feature, Outgoing { query, ..Outgoing::get(users.clone()) }, expect));
            }
        }
        let search = |path: String| {
            let mut body = json!({ "schemas": [crate::scim::urn::SEARCH_REQUEST], "count": 1 });
            if model.config.filter {
                body["filter"] = Value::from(format!("userName eq \"{none}\""));
            }
            Outgoing { method: Method::Post, body: Some(Body::Json(body)), ..Outgoing::get(path) }
        };
        if model.config.filter
            && let Some(groups) = model.resource_type("Group").map(|rt| rt.endpoint.clone())
        {
            let q = |v: &str| serde_json::to_string(v).unwrap_or_default();
            for (feature, filter) in [
                (FILTER_GROUP_DISPLAYNAME_SW, format!("displayName sw {}", q(&none))),
                (FILTER_GROUP_EXTERNALID_EQ, format!("externalId eq {}", q(&none))),
            ] {
                let query = vec![("filter".into(), filter), ("count".into(), "1".into())];
                asks.push((
                    feature.into(),
                    Outgoing { query, ..Outgoing::get(groups.clone()) },
                    Expect::Empty,
                ));
            }
        }
        asks.push((SEARCH.into(), search(format!("{users}/.search")), Expect::List));
        asks.push((ROOT_SEARCH.into(), search("/.search".into()), Expect::List));
    }
    if model.schemas_document.served() {
        asks.push((SCHEMA_BY_ID.into(), Outgoing::get(format!("/Schemas/{CORE_USER}")), Expect::Object));
    }
    asks.push((ME.into(), Outgoing::get("/Me"), Expect::Object));
    let mut results: Vec<ProbeResult> =
        futures_util::future::join_all(asks.into_iter().map(|(feature, out, expect)| async move {
            let (_, result) = http.send(0, &out).await;
            let probe = match result {
                Ok(incoming) => judge(&incoming, expect),
                Err(e) => Probe::NotTried(e.message),
            };
            ProbeResult { feature, probe }
        }))
        .await;
    if users.is_none() {
        results.push(ProbeResult {
            feature: "filters and searches".into(),
            probe: Probe::NotTried("the target has no User resource type".into()),
        });
    } else if !model.config.filter {
        results.push(ProbeResult {
            feature: "filters".into(),
            probe: Probe::NotTried("ServiceProviderConfig says filtering is not supported".into()),
        });
    }
    results
}

/// What a probe's answer must look like to count as supported.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// A ListResponse with nothing in it (the probe matches nothing).
    Empty,
    /// A ListResponse, whatever it holds.
    List,
    /// A JSON object.
    Object,
}

/// The filters probed, on userName and externalId, each with how to judge
/// the answer. Those that can match nothing do; an answer holding resources
/// then shows the filter was not applied.
fn filter_probes(none: &str) -> Vec<(String, String, Expect)> {
    let q = |v: &str| serde_json::to_string(v).unwrap_or_default();
    vec![
        ("filter userName eq".into(), format!("userName eq {}", q(none)), Expect::Empty),
        (FILTER_USERNAME_SW.into(), format!("userName sw {}", q(none)), Expect::Empty),
        ("filter userName co".into(), format!("userName co {}", q(none)), Expect::Empty),
        (
            "filter userName ew".into(),
            format!("userName ew {}", q(&format!("{none}@nowhere.invalid"))),
            Expect::Empty,
        ),
        ("filter userName ne".into(), format!("userName ne {}", q(none)), Expect::List),
        ("filter userName pr".into(), "userName pr".into(), Expect::List),
        (
            "filter meta.lastModified gt".into(),
            "meta.lastModified gt \"2999-01-01T00:00:00Z\"".into(),
            Expect::Empty,
        ),
        (FILTER_EXTERNALID_EQ.into(), format!("externalId eq {}", q(none)), Expect::Empty),
        ("filter and".into(), format!("userName eq {} and userName eq {}", q(none), q(none)), Expect::Empty),
        (
            "filter or".into(),
            format!("userName eq {} or userName eq {}", q(none), q(&format!("{none}-2"))),
            Expect::Empty,
        ),
        ("filter not".into(), "not (userName pr)".to_string(), Expect::Empty),
        (
            "filter emails[...]".into(),
            format!("emails[value eq {}]", q(&format!("{none}@nowhere.invalid"))),
            Expect::Empty,
        ),
    ]
}

fn judge(incoming: &Incoming, expect: Expect) -> Probe {
    let refused = || {
        let scim_type = incoming
            .json()
            .ok()
            .and_then(|b| get_ci(&b, "scimType").and_then(Value::as_str).map(str::to_string));
        Probe::Refused(match scim_type {
            Some(t) => format!("{} {t}", incoming.status),
            None => incoming.status.to_string(),
        })
    };
    if incoming.status != 200 {
        return refused();
    }
    let Ok(body) = incoming.json() else { return Probe::Ignored("the answer is not JSON".into()) };
    match expect {
        Expect::Object if body.is_object() => Probe::Supported,
        Expect::Object => Probe::Ignored("the answer is not a JSON object".into()),
        Expect::List | Expect::Empty if get_ci(&body, "totalResults").is_none() => {
            Probe::Ignored("the answer is not a ListResponse".into())
        }
        Expect::List => Probe::Supported,
        Expect::Empty => match get_ci(&body, "totalResults").and_then(Value::as_u64) {
            Some(0) => Probe::Supported,
            Some(n) => Probe::Ignored(format!("a filter matching nothing found {n} resources")),
            None => Probe::Ignored("totalResults is not a number".into()),
        },
    }
}

/// How cases select their own resources: by name prefix where `sw` works,
/// else by a shared externalId where `eq` on it works and the target does
/// not make it unique.
fn scope(model: &TargetModel) -> Scopes {
    let of = |resource: &str, prefix: &str, external: &str| {
        if model.probe(prefix).is_some_and(Probe::works) {
            return Some(Scope::NamePrefix);
        }
        let external_id = model.resource_type(resource).and_then(|u| u.core_attribute("externalId"));
        let shared = external_id.is_some_and(|a| a.uniqueness == Uniqueness::None);
        (model.probe(external).is_some_and(Probe::works) && shared).then_some(Scope::ExternalId)
    };
    Scopes {
        users: of("User", FILTER_USERNAME_SW, FILTER_EXTERNALID_EQ),
        groups: of("Group", FILTER_GROUP_DISPLAYNAME_SW, FILTER_GROUP_EXTERNALID_EQ),
    }
}

/// No SCIM service answered: one message saying what was seen, and which
/// nearby base paths on the same host do answer.
async fn not_scim(http: &Http, spc: &Result<Value, Fetch>, types: &Result<Value, Fetch>) -> HarnessError {
    let seen = |r: &Result<Value, Fetch>| match r {
        Ok(_) => "JSON".to_string(),
        Err(e) => e.to_string(),
    };
    let mut message = format!(
        "no SCIM service at {}: GET /ServiceProviderConfig gave {}, GET /ResourceTypes gave {}, and GET /Users answered no ListResponse",
        http.redactor().redact(http.base()),
        seen(spc),
        seen(types)
    );
    let nearby = nearby_services(http).await;
    if nearby.is_empty() {
        message.push_str("; check the base URL (it includes the path prefix, e.g. https://host/scim/v2)");
    } else {
        message.push_str(&format!("; a SCIM service answers at {}", nearby.join(" and at ")));
    }
    HarnessError::new(ErrorKind::NotScim, message)
}

/// Base paths on the target's own host where `/ServiceProviderConfig`
/// answers as the RFC describes. Only the same host: the harness talks only
/// to the target it is given.
async fn nearby_services(http: &Http) -> Vec<String> {
    let Ok(url) = reqwest::Url::parse(http.base()) else { return Vec::new() };
    let root = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default())
        + &url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = url.path().trim_end_matches('/');
    let mut candidates: Vec<String> =
        vec!["/scim/v2".into(), "/scim".into(), "/v2".into(), "/api/scim/v2".into()];
    // Parents of the given path, and the given path with the usual suffixes.
    let mut parent = path;
    while let Some((up, _)) = parent.rsplit_once('/') {
        candidates.push(up.to_string());
        parent = up;
    }
    candidates.push(format!("{path}/scim/v2"));
    candidates.push(format!("{path}/v2"));
    candidates.retain(|c| c.trim_end_matches('/') != path);
    candidates.sort();
    candidates.dedup();
    let mut found = Vec::new();
    for candidate in candidates {
        let base = format!("{root}{candidate}");
        let probe = http.for_base(&base);
        if let (_, Ok(r)) = probe.send(0, &Outgoing::get("/ServiceProviderConfig")).await
            && r.status == 200
            && r.json().is_ok_and(|b| b.to_string().contains("ServiceProviderConfig"))
        {
            found.push(base);
        }
    }
    found
}

enum Fetch {
    /// No HTTP answer at all: network, TLS, timeout.
    Unreachable(HarnessError),
    /// 401 or 403: the credentials, not the endpoint.
    Refused(u16),
    /// Not served: 404, 405, 501 and the like.
    Missing(u16),
    /// Answered 200, but not JSON.
    Failed(String),
}

impl Fetch {
    fn document(&self) -> Document {
        match self {
            Fetch::Missing(status) => Document::Missing(format!("HTTP {status}")),
            other => Document::Broken(other.to_string()),
        }
    }
}

impl std::fmt::Display for Fetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fetch::Unreachable(e) => f.write_str(&e.message),
            Fetch::Refused(status) | Fetch::Missing(status) => write!(f, "HTTP {status}"),
            Fetch::Failed(why) => f.write_str(why),
        }
    }
}

async fn fetch(http: &Http, path: &str) -> Result<Value, Fetch> {
    let (_, result) = http.send(0, &Outgoing::get(path)).await;
    let incoming = result.map_err(Fetch::Unreachable)?;
    match incoming.status {
        200 => incoming.json().map_err(Fetch::Failed),
        401 | 403 => Err(Fetch::Refused(incoming.status)),
        other => Err(Fetch::Missing(other)),
    }
}
