//! Discovery (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`.
//!
//! The configuration is derived from what this server actually does (its auth
//! schemes and limits), so what it claims and how it behaves cannot drift apart.

use super::query::LIST_RESPONSE;
use super::{Auth, ServerConfig};
use crate::scim::error::ScimError;
use crate::scim::schema::Registry;
use serde_json::{Value, json};

pub const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

pub fn service_provider_config(config: &ServerConfig, base: &str) -> Value {
    let mut schemes = Vec::new();
    if let Auth::Credentials { bearer, basic } = &config.auth {
        if !bearer.is_empty() {
            schemes.push(json!({
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Authentication with a bearer token in the Authorization header",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "primary": true,
            }));
        }
        if !basic.is_empty() {
            schemes.push(json!({
                "type": "httpbasic",
                "name": "HTTP Basic",
                "description": "An API key as the user name of HTTP Basic authentication, with an empty password",
                "specUri": "https://www.rfc-editor.org/info/rfc7617",
                "primary": bearer.is_empty(),
            }));
        }
    }
    let limits = &config.limits;
    json!({
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://www.rfc-editor.org/info/rfc7644",
        "patch": { "supported": true },
        "bulk": {
            "supported": true,
            "maxOperations": limits.bulk_max_operations,
            "maxPayloadSize": limits.max_body_bytes,
        },
        "filter": { "supported": true, "maxResults": limits.max_results },
        "changePassword": { "supported": true },
        "sort": { "supported": true },
        "etag": { "supported": true },
        "authenticationSchemes": schemes,
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}

pub fn resource_types(registry: &Registry, base: &str) -> Vec<Value> {
    registry
        .resource_types
        .iter()
        .map(|rt| {
            let mut doc = rt.document.clone();
            doc["meta"] = json!({ "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{}", rt.id) });
            doc
        })
        .collect()
}

pub fn resource_type(registry: &Registry, base: &str, id: &str) -> Result<Value, ScimError> {
    resource_types(registry, base)
        .into_iter()
        .find(|doc| doc["id"] == id)
        .ok_or_else(|| ScimError::not_found(format!("no resource type \"{id}\"")))
}

pub fn schemas(registry: &Registry, base: &str) -> Vec<Value> {
    registry
        .schemas
        .iter()
        .map(|s| {
            let mut doc = s.document.clone();
            doc["meta"] = json!({ "resourceType": "Schema", "location": format!("{base}/Schemas/{}", s.id) });
            doc
        })
        .collect()
}

pub fn schema(registry: &Registry, base: &str, id: &str) -> Result<Value, ScimError> {
    let wanted = registry.schema(id).ok_or_else(|| ScimError::not_found(format!("no schema \"{id}\"")))?;
    let mut doc = wanted.document.clone();
    doc["meta"] = json!({ "resourceType": "Schema", "location": format!("{base}/Schemas/{}", wanted.id) });
    Ok(doc)
}

/// A ListResponse of every discovery resource: "Query parameters ... such as
/// filtering, sorting, and pagination, SHALL be ignored" (RFC 7644 §4).
pub fn list(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// "If a "filter" is provided, the service provider SHOULD respond with HTTP
/// status code 403 (Forbidden)" (RFC 7644 §4).
pub fn refuse_filter(filter: Option<&str>) -> Result<(), ScimError> {
    match filter {
        Some(_) => Err(ScimError::new(
            403,
            None,
            "discovery endpoints do not filter; fetch the whole list (RFC 7644 §4)",
        )),
        None => Ok(()),
    }
}
