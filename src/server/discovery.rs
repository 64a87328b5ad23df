//! Discovery (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`.
//!
//! The configuration is derived from what this server actually does (its auth
//! schemes and limits), so what it claims and how it behaves cannot drift apart.

use super::variant::Variant;
use super::{Auth, ServerConfig};
use crate::faults::{Fault, FaultSet};
use crate::scim::error::ScimError;
use crate::scim::schema::Registry;
use crate::scim::urn::{LIST_RESPONSE, SERVICE_PROVIDER_CONFIG as SPC_SCHEMA};
use serde_json::{Value, json};

pub fn service_provider_config(config: &ServerConfig, base: &str) -> Value {
    let faults = config.faults;
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
    if faults.has(Fault::SpcIncomplete) {
        for scheme in schemes.iter_mut().filter_map(Value::as_object_mut) {
            scheme.shift_remove("type");
        }
    }
    let limits = &config.limits;
    let has = |v: Variant| config.variants.has(v);
    let mut spc = json!({
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://www.rfc-editor.org/info/rfc7644",
        "patch": { "supported": !has(Variant::NoPatch) },
        "bulk": {
            "supported": !has(Variant::NoBulk),
            "maxOperations": limits.bulk_max_operations,
            "maxPayloadSize": limits.max_body_bytes,
        },
        "filter": { "supported": !has(Variant::NoFilter), "maxResults": limits.max_results },
        "changePassword": { "supported": !has(Variant::NoChangePassword) },
        "sort": { "supported": !has(Variant::NoSort) },
        "etag": { "supported": !has(Variant::NoEtag) },
        "authenticationSchemes": schemes,
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    });
    if let Some(obj) = spc.as_object_mut()
        && faults.has(Fault::SpcIncomplete)
    {
        obj.shift_remove("etag");
    }
    if !has(Variant::NoCursor) {
        // RFC 9865 §4: both methods, index the default (§2.4: "should use
        // index as the default pagination method"); no cursorTimeout, since
        // a cursor here does not expire.
        let mut pagination = json!({
            "cursor": true,
            "index": true,
            "defaultPaginationMethod": "index",
            "defaultPageSize": limits.default_page_size,
            "maxPageSize": limits.max_results,
        });
        if faults.has(Fault::SpcPaginationIncomplete) {
            pagination = json!({ "cursor": true, "defaultPaginationMethod": "offset", "maxPageSize": 0 });
        }
        spc["pagination"] = pagination;
    }
    if let Some(bulk) = spc["bulk"].as_object_mut()
        && faults.has(Fault::BulkLimitsNotAdvertised)
    {
        bulk.shift_remove("maxOperations");
        bulk.shift_remove("maxPayloadSize");
    }
    spc
}

pub fn resource_types(registry: &Registry, base: &str, faults: FaultSet) -> Vec<Value> {
    registry
        .resource_types
        .iter()
        .map(|rt| {
            let mut doc = rt.document.clone();
            doc["meta"] = json!({ "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{}", rt.id) });
            if faults.has(Fault::RtExtensionRequiredMissing)
                && let Some(Value::Array(extensions)) = doc.get_mut("schemaExtensions")
            {
                for ext in extensions.iter_mut().filter_map(Value::as_object_mut) {
                    ext.shift_remove("required");
                }
            }
            doc
        })
        .collect()
}

pub fn resource_type(
    registry: &Registry,
    base: &str,
    id: &str,
    faults: FaultSet,
) -> Result<Value, ScimError> {
    resource_types(registry, base, faults)
        .into_iter()
        .find(|doc| doc["id"] == id)
        .ok_or_else(|| ScimError::not_found(format!("no resource type \"{id}\"")))
}

pub fn schemas(registry: &Registry, base: &str, faults: FaultSet) -> Vec<Value> {
    let mut docs: Vec<Value> = registry
        .schemas
        .iter()
        .filter(|s| !(faults.has(Fault::GroupSchemaUnlisted) && s.id == crate::scim::schema::CORE_GROUP))
        .map(|s| schema_doc(&s.document, base, faults))
        .collect();
    if faults.has(Fault::SchemasListMessages) {
        for name in ["ListResponse", "SearchRequest", "PatchOp", "BulkRequest", "BulkResponse", "Error"] {
            let id = format!("{}{name}", crate::scim::urn::MESSAGES_PREFIX);
            docs.push(json!({
                "schemas": [crate::scim::urn::SCHEMA],
                "id": id, "name": name, "attributes": [],
                "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{id}") },
            }));
        }
    }
    docs
}

pub fn schema(registry: &Registry, base: &str, id: &str, faults: FaultSet) -> Result<Value, ScimError> {
    let missing = || ScimError::not_found(format!("no schema \"{id}\""));
    if faults.has(Fault::SchemaIdShortName) {
        // Served under the short name only, as its id says.
        return schemas(registry, base, faults).into_iter().find(|doc| doc["id"] == id).ok_or_else(missing);
    }
    let wanted = registry.schema(id).ok_or_else(missing)?;
    if faults.has(Fault::SchemaByIdList) {
        return Ok(list(schemas(registry, base, faults), &DiscoveryParams::default(), faults));
    }
    Ok(schema_doc(&wanted.document, base, faults))
}

fn schema_doc(document: &Value, base: &str, faults: FaultSet) -> Value {
    let mut doc = document.clone();
    let id = doc["id"].as_str().unwrap_or_default().to_string();
    if faults.has(Fault::SchemaTypesCapitalised) {
        super::bent::capitalise_types(&mut doc);
    }
    if faults.has(Fault::SchemaIdShortName) {
        doc["id"] = doc["name"].clone();
    }
    if faults.has(Fault::SchemaDottedNames)
        && let Some(Value::Array(attributes)) = doc.get_mut("attributes")
    {
        // What a schema generated from a flattened database table looks like.
        let flat = attributes
            .drain(..)
            .flat_map(|attr| match (attr["name"].as_str(), attr.get("subAttributes")) {
                (Some(parent), Some(Value::Array(subs))) if attr["multiValued"] == false => subs
                    .iter()
                    .map(|sub| {
                        let mut sub = sub.clone();
                        sub["name"] =
                            Value::from(format!("{parent}.{}", sub["name"].as_str().unwrap_or_default()));
                        sub
                    })
                    .collect::<Vec<_>>(),
                _ => vec![attr],
            })
            .collect();
        *attributes = flat;
    }
    doc["meta"] = json!({ "resourceType": "Schema", "location": format!("{base}/Schemas/{id}") });
    doc
}

/// A ListResponse of every discovery resource: "Query parameters ... such as
/// filtering, sorting, and pagination, SHALL be ignored" (RFC 7644 §4).
pub fn list(mut resources: Vec<Value>, params: &DiscoveryParams<'_>, faults: FaultSet) -> Value {
    if faults.has(Fault::DiscoveryFilterApplied)
        && let Some(filter) = params.filter
    {
        resources.retain(|r| loosely_matches(r, filter));
    }
    let total = resources.len();
    let mut start = 1;
    if faults.has(Fault::DiscoveryPaged) {
        start = params.start_index.unwrap_or(1).max(1);
        let count = params.count.unwrap_or(usize::MAX);
        resources = resources.into_iter().skip(start - 1).take(count).collect();
    }
    if faults.has(Fault::DiscoveryBareArray) {
        return Value::Array(resources);
    }
    json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// The query parameters a discovery listing receives, to refuse or ignore.
#[derive(Debug, Default)]
pub struct DiscoveryParams<'a> {
    pub filter: Option<&'a str>,
    pub start_index: Option<usize>,
    pub count: Option<usize>,
}

/// The `discovery-filter-applied` fault's idea of a filter: `attr eq "value"`
/// on a top-level string, ignoring case; anything else matches.
fn loosely_matches(resource: &Value, filter: &str) -> bool {
    let parts: Vec<&str> = filter.splitn(3, ' ').collect();
    match parts.as_slice() {
        [attr, op, value] if op.eq_ignore_ascii_case("eq") => {
            let want = value.trim().trim_matches('"');
            let found = resource.as_object().and_then(|o| crate::scim::message::get(o, attr));
            found.and_then(Value::as_str).is_some_and(|v| v.eq_ignore_ascii_case(want))
        }
        _ => true,
    }
}

/// "If a "filter" is provided, the service provider SHOULD respond with HTTP
/// status code 403 (Forbidden)" (RFC 7644 §4).
pub fn refuse_filter(filter: Option<&str>, faults: FaultSet) -> Result<(), ScimError> {
    match filter {
        Some(_) if faults.has(Fault::DiscoveryFilterApplied) => Ok(()),
        Some(_) => Err(ScimError::new(
            403,
            None,
            "discovery endpoints do not filter; fetch the whole list (RFC 7644 §4)",
        )),
        None => Ok(()),
    }
}
