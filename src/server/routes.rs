//! The HTTP surface of one tenant: thin handlers over `service`, `query`,
//! `discovery` and `bulk`.

use super::http::{Reply, ScimRequest, etag, etag_matches};
use super::query::{self, Query};
use super::service::{Saved, Service};
use super::variant::Variant;
use super::{TenantCtx, bulk, discovery};
use crate::faults::Fault;
use crate::scim::error::ScimError;
use crate::scim::schema::ResourceType;
use crate::scim::urn::{OKTA_ENTITLEMENT, OKTA_ROLE};
use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get, post};

pub fn tenant_router(ctx: TenantCtx) -> Router {
    let variants = ctx.variants();
    let mut router = Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/Bulk", post(bulk))
        .route("/.search", post(search_all))
        .route("/Me", any(me));
    if !variants.has(Variant::NoResourceTypes) {
        router = router.route("/ResourceTypes", get(resource_types));
        if !variants.has(Variant::NoSchemaById) {
            router = router.route("/ResourceTypes/{id}", get(resource_type));
        }
    }
    if !variants.has(Variant::NoSchemas) {
        router = router.route("/Schemas", get(schemas));
        if !variants.has(Variant::NoSchemaById) {
            router = router.route("/Schemas/{id}", get(schema));
        }
    }
    // One set of routes per resource type, so an unknown endpoint is an unknown
    // path like any other.
    for rt in &ctx.shared.registry.resource_types {
        let okta_type = [OKTA_ENTITLEMENT, OKTA_ROLE].contains(&rt.core.id.as_str());
        if okta_type && ctx.faults().has(Fault::OktaTypesUnserved) {
            continue;
        }
        let endpoint = &rt.endpoint;
        router = router
            .route(endpoint, get(move |s, r| list(s, rt, r)).post(move |s, r| create(s, rt, r)))
            .route(&format!("{endpoint}/.search"), post(move |s, r| search(s, rt, r)))
            .route(
                &format!("{endpoint}/{{id}}"),
                get(move |s, id, r| read(s, rt, id, r))
                    .put(move |s, id, r| replace(s, rt, id, r))
                    .patch(move |s, id, r| modify(s, rt, id, r))
                    .delete(move |s, id, r| remove(s, rt, id, r)),
            );
    }
    router.method_not_allowed_fallback(method_not_allowed).fallback(not_found).with_state(ctx)
}

/// The answer to a feature a variant leaves out: 501 under
/// `not-implemented-501`, else what a server without the route answers.
fn unsupported(ctx: &TenantCtx, what: &str, otherwise: ScimError) -> ScimError {
    if ctx.variants().refuses_with_501() {
        ScimError::new(501, None, format!("{what} is not implemented by this service provider"))
    } else {
        otherwise
    }
}

/// The `{id}` path parameter; a malformed one (bad percent-encoding) becomes a SCIM error.
type IdParam = Result<Path<String>, PathRejection>;

/// Path parameters, with a malformed path (bad percent-encoding) as a SCIM error.
fn params<T>(p: Result<Path<T>, PathRejection>) -> Result<T, ScimError> {
    p.map(|Path(t)| t).map_err(|e| ScimError::invalid_syntax(format!("the request path is malformed: {e}")))
}

async fn service_provider_config(State(ctx): State<TenantCtx>, req: ScimRequest) -> Response {
    ctx.respond(|| {
        let base = ctx.base(&req.headers);
        Ok(Reply::json(StatusCode::OK, discovery::service_provider_config(&ctx.shared.config, &base)))
    })
}

async fn resource_types(State(ctx): State<TenantCtx>, req: ScimRequest) -> Response {
    ctx.respond(|| {
        let faults = ctx.faults();
        discovery::refuse_filter(req.param("filter"), faults)?;
        let base = ctx.base(&req.headers);
        let all = discovery::resource_types(ctx.shared.registry, &base, faults);
        Ok(Reply::json(StatusCode::OK, discovery::list(all, &discovery_params(&req), faults)))
    })
}

async fn resource_type(State(ctx): State<TenantCtx>, id: IdParam, req: ScimRequest) -> Response {
    ctx.respond(|| {
        let id = params(id)?;
        let base = ctx.base(&req.headers);
        let doc = discovery::resource_type(ctx.shared.registry, &base, &id, ctx.faults())?;
        Ok(Reply::json(StatusCode::OK, doc))
    })
}

async fn schemas(State(ctx): State<TenantCtx>, req: ScimRequest) -> Response {
    ctx.respond(|| {
        let faults = ctx.faults();
        discovery::refuse_filter(req.param("filter"), faults)?;
        let base = ctx.base(&req.headers);
        let all = discovery::schemas(ctx.shared.registry, &base, faults);
        Ok(Reply::json(StatusCode::OK, discovery::list(all, &discovery_params(&req), faults)))
    })
}

async fn schema(State(ctx): State<TenantCtx>, id: IdParam, req: ScimRequest) -> Response {
    ctx.respond(|| {
        let id = params(id)?;
        let base = ctx.base(&req.headers);
        Ok(Reply::json(StatusCode::OK, discovery::schema(ctx.shared.registry, &base, &id, ctx.faults())?))
    })
}

/// Discovery ignores query parameters (RFC 7644 §4); only faults read them, and
/// a value that is not a number is as ignored as any other.
fn discovery_params(req: &ScimRequest) -> discovery::DiscoveryParams<'_> {
    let number = |name: &str| req.param(name).and_then(|v| v.trim().parse::<usize>().ok());
    discovery::DiscoveryParams {
        filter: req.param("filter"),
        start_index: number("startIndex"),
        count: number("count"),
    }
}

async fn list(State(ctx): State<TenantCtx>, rt: &'static ResourceType, req: ScimRequest) -> Response {
    ctx.respond(|| {
        let base = ctx.base(&req.headers);
        let svc = ctx.service(&base);
        if ctx.faults().has(Fault::UnknownParamRejected)
            && let Some(name) = req.param_names().find(|n| !query::PARAMETERS.contains(n))
        {
            return Err(ScimError::invalid_value(format!("unknown query parameter '{name}'")));
        }
        let body = query::run(&svc, &[rt], &Query::from_params(&req)?, ctx.paging())?;
        Ok(Reply::json(StatusCode::OK, body))
    })
}

async fn search(State(ctx): State<TenantCtx>, rt: &'static ResourceType, req: ScimRequest) -> Response {
    if ctx.variants().has(Variant::NoSearch) && !ctx.variants().refuses_with_501() {
        // Without the route, POST /Users/.search is POST to a resource: not allowed.
        let allow = "GET, PUT, PATCH, DELETE";
        let error = ScimError::new(
            405,
            None,
            format!("POST is not allowed on {}/.search; allowed: {allow}", rt.endpoint),
        );
        let mut response = ctx.respond(|| Err(error));
        if let Ok(v) = allow.parse() {
            response.headers_mut().insert(header::ALLOW, v);
        }
        return response;
    }
    ctx.respond(|| {
        if ctx.variants().has(Variant::NoSearch) {
            return Err(unsupported(&ctx, "POST .search", ScimError::not_found("no .search")));
        }
        let base = ctx.base(&req.headers);
        let svc = ctx.service(&base);
        let q = search_request(&ctx, &req)?;
        Ok(Reply::json(StatusCode::OK, query::run(&svc, &[rt], &q, ctx.paging())?))
    })
}

async fn search_all(State(ctx): State<TenantCtx>, uri: OriginalUri, req: ScimRequest) -> Response {
    if ctx.variants().has(Variant::NoSearch) && !ctx.variants().refuses_with_501() {
        return not_found(State(ctx), uri).await;
    }
    ctx.respond(|| {
        if ctx.variants().has(Variant::NoSearch) {
            return Err(unsupported(&ctx, "POST /.search", ScimError::not_found("no .search")));
        }
        let base = ctx.base(&req.headers);
        let svc = ctx.service(&base);
        let q = search_request(&ctx, &req)?;
        let all: Vec<&'static ResourceType> = ctx.shared.registry.resource_types.iter().collect();
        Ok(Reply::json(StatusCode::OK, query::run(&svc, &all, &q, ctx.paging())?))
    })
}

fn search_request(ctx: &TenantCtx, req: &ScimRequest) -> Result<Query, ScimError> {
    let mut q = Query::from_search_request(&req.json(ctx.faults())?)?;
    if ctx.faults().has(Fault::CursorSearchIgnored) {
        q.cursor = None;
    }
    Ok(if ctx.faults().has(Fault::SearchIgnoresBody) { Query::default() } else { q })
}

async fn create(State(ctx): State<TenantCtx>, rt: &'static ResourceType, req: ScimRequest) -> Response {
    ctx.respond(|| {
        let body = req.json(ctx.faults())?;
        let base = ctx.base(&req.headers);
        let svc = ctx.service(&base);
        let q = Query::from_params(&req)?;
        let projection = query::projection(&svc, rt, &q)?;
        let projection = projection.for_write(specified(&body));
        let saved = svc.create(rt, &body)?;
        let faults = ctx.faults();
        let status = if faults.has(Fault::CreateReturns200) { StatusCode::OK } else { StatusCode::CREATED };
        let mut reply = resource_reply(&svc, rt, saved.clone(), &projection, status);
        if faults.has(Fault::EmptyCreateBody) {
            reply.body = None;
        }
        if !faults.has(Fault::NoLocationOnCreate) {
            reply = reply.header(header::LOCATION, svc.location(rt, &saved.id));
        }
        Ok(etag_only_on_get(faults, reply))
    })
}

async fn read(
    State(ctx): State<TenantCtx>,
    rt: &'static ResourceType,
    id: IdParam,
    req: ScimRequest,
) -> Response {
    ctx.respond(|| {
        let id = params(id)?;
        let base = ctx.base(&req.headers);
        let svc = ctx.service(&base);
        let projection = query::projection(&svc, rt, &Query::from_params(&req)?)?;
        let saved = svc.get(rt, &id)?;
        // RFC 7644 §3.14: "If the resource has not changed, the service provider
        // simply returns an empty body with a 304 (Not Modified) response code."
        if let Some(wanted) = req.header(&header::IF_NONE_MATCH)
            && !ctx.faults().has(Fault::IfNoneMatchIgnored)
            && (etag_matches(wanted, &etag(saved.version)) || ctx.faults().has(Fault::IfNoneMatchAlways304))
        {
            return Ok(with_etag(&svc, Reply::empty(StatusCode::NOT_MODIFIED), saved.version));
        }
        Ok(resource_reply(&svc, rt, saved, &projection, StatusCode::OK))
    })
}

async fn replace(
    State(ctx): State<TenantCtx>,
    rt: &'static ResourceType,
    id: IdParam,
    req: ScimRequest,
) -> Response {
    ctx.respond(|| {
        let id = params(id)?;
        let body = req.json(ctx.faults())?;
        let base = ctx.base(&req.headers);
        let svc = ctx.service(&base);
        let projection = query::projection(&svc, rt, &Query::from_params(&req)?)?;
        let projection = projection.for_write(specified(&body));
        let saved = svc.replace(rt, &id, &body, req.header(&header::IF_MATCH))?;
        Ok(etag_only_on_get(ctx.faults(), resource_reply(&svc, rt, saved, &projection, StatusCode::OK)))
    })
}

async fn modify(
    State(ctx): State<TenantCtx>,
    rt: &'static ResourceType,
    id: IdParam,
    req: ScimRequest,
) -> Response {
    ctx.respond(|| {
        let id = params(id)?;
        let body = req.json(ctx.faults())?;
        let base = ctx.base(&req.headers);
        let svc = ctx.service(&base);
        if ctx.faults().has(Fault::PatchNotImplemented) || ctx.variants().has(Variant::NoPatch) {
            return Err(ScimError::new(501, None, "PATCH is not implemented"));
        }
        if let Some(max) = ctx.limits().max_members_per_patch {
            let carried: usize = body
                .as_object()
                .and_then(|o| crate::scim::message::get(o, "Operations"))
                .and_then(serde_json::Value::as_array)
                .map_or(0, |ops| ops.iter().map(crate::scim::patch::member_values).sum());
            if carried > max {
                return Err(ScimError::new(
                    400,
                    None,
                    format!(
                        "a PATCH may carry at most {max} member values; this one carries {carried}: split it"
                    ),
                ));
            }
        }
        let asked = Query::from_params(&req)?;
        let projection = query::projection(&svc, rt, &asked)?.for_write(patched(&body));
        let faults = ctx.faults();
        let before = faults.has(Fault::PatchReturnsStale).then(|| svc.get(rt, &id)).transpose()?;
        let saved = svc.patch(rt, &id, &body, req.header(&header::IF_MATCH))?;
        if faults.has(Fault::Patch204WithAttributes) {
            return Ok(with_etag(&svc, Reply::empty(StatusCode::NO_CONTENT), saved.version));
        }
        let asked_for_attributes = asked.attributes.is_some() || asked.excluded_attributes.is_some();
        let no_content =
            svc.leniency.patch_answers_no_content(&rt.name) || ctx.variants().has(Variant::Patch204);
        if no_content && !asked_for_attributes {
            return Ok(with_etag(&svc, Reply::empty(StatusCode::NO_CONTENT), saved.version));
        }
        let saved = match before {
            Some(stale) => Saved { version: saved.version, ..stale },
            None => saved,
        };
        // 200 with the resource: the RFC's MUST when `attributes` is given, and
        // what Okta and Entra both accept.
        Ok(etag_only_on_get(faults, resource_reply(&svc, rt, saved, &projection, StatusCode::OK)))
    })
}

async fn remove(
    State(ctx): State<TenantCtx>,
    rt: &'static ResourceType,
    id: IdParam,
    req: ScimRequest,
) -> Response {
    ctx.respond(|| {
        let id = params(id)?;
        let base = ctx.base(&req.headers);
        let svc = ctx.service(&base);
        let gone = svc.delete(rt, &id, req.header(&header::IF_MATCH))?;
        if ctx.faults().has(Fault::DeleteReturns200) {
            let projection = query::projection(&svc, rt, &Query::default())?;
            return Ok(resource_reply(&svc, rt, gone, &projection, StatusCode::OK));
        }
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    })
}

async fn bulk(State(ctx): State<TenantCtx>, uri: OriginalUri, req: ScimRequest) -> Response {
    if ctx.variants().has(Variant::NoBulk) && !ctx.variants().refuses_with_501() {
        return not_found(State(ctx), uri).await;
    }
    ctx.respond(|| {
        if ctx.variants().has(Variant::NoBulk) {
            return Err(unsupported(&ctx, "Bulk", ScimError::not_found("no /Bulk")));
        }
        if ctx.faults().has(Fault::BulkNotImplemented) {
            return Err(ScimError::new(501, None, "Bulk is not implemented"));
        }
        let limits = ctx.limits();
        let body = req.json(ctx.faults()).map_err(|e| match e.status {
            413 if ctx.faults().has(Fault::BulkLimitNotNamed) => {
                ScimError::new(413, None, "Payload Too Large")
            }
            413 => ScimError::new(
                413,
                None,
                format!(
                    "The size of the bulk operation exceeds the maxPayloadSize ({}).",
                    ctx.shared.config.limits.max_body_bytes
                ),
            ),
            _ => e,
        })?;
        let base = ctx.base(&req.headers);
        let svc = ctx.service(&base);
        Ok(Reply::json(StatusCode::OK, bulk::run(&svc, &body, limits.bulk_max_operations)?))
    })
}

async fn me(State(ctx): State<TenantCtx>, uri: OriginalUri) -> Response {
    if ctx.faults().has(Fault::Me404) {
        return not_found(State(ctx), uri).await;
    }
    ctx.respond(|| {
        Err(ScimError::new(501, None, "/Me is not supported by this service provider (RFC 7644 §3.11)"))
    })
}

/// 405 with the methods the path does take. Discovery endpoints answer only GET
/// (RFC 7644 §4); writing to them is "not allowed", not "not found".
async fn method_not_allowed(
    State(ctx): State<TenantCtx>,
    method: Method,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let path = uri.path().strip_prefix(&ctx.tenant().prefix).unwrap_or(uri.path()).to_string();
    let first = path.trim_start_matches('/').split('/').next().unwrap_or_default();
    let discovery = matches!(first, "ServiceProviderConfig" | "ResourceTypes" | "Schemas");
    if discovery && ctx.faults().has(Fault::DiscoveryWrite404) {
        return not_found(State(ctx), OriginalUri(uri)).await;
    }
    let segments = path.trim_matches('/').split('/').count();
    let allow = match (discovery, first, segments) {
        (true, _, _) => "GET",
        (_, "Bulk" | ".search", _) => "POST",
        (_, _, 1) => "GET, POST",
        (_, _, _) if path.ends_with("/.search") => "POST",
        _ => "GET, PUT, PATCH, DELETE",
    };
    let error = ScimError::new(405, None, format!("{method} is not allowed on {path}; allowed: {allow}"));
    let mut response = ctx.respond(|| Err(error));
    if let Ok(v) = allow.parse() {
        response.headers_mut().insert(header::ALLOW, v);
    }
    response
}

pub async fn not_found(State(ctx): State<TenantCtx>, OriginalUri(uri): OriginalUri) -> Response {
    if ctx.faults().has(Fault::HtmlNotFound) {
        return (StatusCode::NOT_FOUND, Html("<html><body><h1>404 Not Found</h1></body></html>"))
            .into_response();
    }
    ctx.respond(|| Err(ScimError::not_found(format!("no SCIM endpoint at {}", uri.path()))))
}

/// The top-level attributes a POST or PUT body specifies.
fn specified(body: &serde_json::Value) -> Vec<String> {
    body.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

/// The top-level attributes a PATCH names, by path or in a path-less value.
fn patched(body: &serde_json::Value) -> Vec<String> {
    let ops = body.as_object().and_then(|o| crate::scim::message::get(o, "Operations"));
    let mut names = Vec::new();
    for op in ops.and_then(serde_json::Value::as_array).into_iter().flatten() {
        let Some(op) = op.as_object() else { continue };
        match crate::scim::message::get(op, "path").and_then(serde_json::Value::as_str) {
            Some(path) => {
                let head = path.split(['[', '.']).next().unwrap_or_default();
                names.push(head.rsplit(':').next().unwrap_or(head).to_string());
            }
            None => names.extend(specified(op.get("value").unwrap_or(&serde_json::Value::Null))),
        }
    }
    names
}

/// A single resource, projected, with its ETag.
fn resource_reply(
    svc: &Service<'_>,
    rt: &ResourceType,
    saved: Saved,
    projection: &crate::scim::projection::Projection,
    status: StatusCode,
) -> Reply {
    let mut view = saved.view;
    projection.apply(rt, &mut view);
    with_etag(svc, Reply::json(status, serde_json::Value::Object(view)), saved.version)
}

/// The `etag-only-on-get` fault: writes answer without their ETag.
fn etag_only_on_get(faults: crate::faults::FaultSet, mut reply: Reply) -> Reply {
    if faults.has(Fault::EtagOnlyOnGet) {
        reply.headers.retain(|(name, _)| *name != header::ETAG);
    }
    reply
}

fn with_etag(svc: &Service<'_>, reply: Reply, version: u64) -> Reply {
    match svc.version_tag(version) {
        Some(tag) => reply.header(header::ETAG, tag),
        None => reply,
    }
}
