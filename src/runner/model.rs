//! What scimitar believes about a target: its configuration, resource types
//! and schemas (from `/ServiceProviderConfig`, `/ResourceTypes` and
//! `/Schemas`, or RFC 7643's defaults where those are not served), and what
//! the feature probes found. Cases draw on it: the payloads they send carry
//! what the target requires, the checks compare what it declares, and a case
//! needing what it lacks is not applicable, saying why. Every report shows it.

use crate::scim::schema::{CORE_GROUP, CORE_USER, ENTERPRISE_USER, Registry, ResourceType};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::fmt;

/// Where a discovery document stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "detail", rename_all = "kebab-case")]
pub enum Document {
    /// Served and read.
    Served,
    /// Not served (404, 501, ...): RFC 7643's defaults stand in, and the
    /// cases about the document do not apply.
    Missing(String),
    /// Served, but not what the RFC describes: read as far as it goes.
    Broken(String),
}

impl Document {
    pub fn served(&self) -> bool {
        !matches!(self, Document::Missing(_))
    }
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Document::Served => f.write_str("served"),
            Document::Missing(why) => write!(f, "not served ({why})"),
            Document::Broken(why) => write!(f, "served, but {why}"),
        }
    }
}

/// What `/ServiceProviderConfig` says the target supports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Config {
    pub patch: bool,
    pub bulk: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bulk_max_operations: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bulk_max_payload_size: Option<u64>,
    pub filter: bool,
    /// `filter.maxResults`: the most resources one response holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<u64>,
    pub sort: bool,
    pub etag: bool,
    pub change_password: bool,
    /// RFC 9865 §4 `pagination.cursor`: pages by cursor.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cursor: bool,
}

impl Config {
    /// Reads a ServiceProviderConfig; a feature it does not announce is taken
    /// as absent.
    pub fn from_document(doc: &Value) -> Config {
        let feature = |key: &str| get_ci(doc, key);
        let flag = |key: &str| {
            feature(key).and_then(|f| get_ci(f, "supported")).and_then(Value::as_bool) == Some(true)
        };
        let number =
            |key: &str, field: &str| feature(key).and_then(|f| get_ci(f, field)).and_then(Value::as_u64);
        Config {
            patch: flag("patch"),
            bulk: flag("bulk"),
            bulk_max_operations: number("bulk", "maxOperations"),
            bulk_max_payload_size: number("bulk", "maxPayloadSize"),
            filter: flag("filter"),
            max_results: number("filter", "maxResults"),
            sort: flag("sort"),
            etag: flag("etag"),
            change_password: flag("changePassword"),
            cursor: feature("pagination").and_then(|p| get_ci(p, "cursor")).and_then(Value::as_bool)
                == Some(true),
        }
    }
}

/// How a feature probe came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", content = "detail", rename_all = "kebab-case")]
pub enum Probe {
    /// Answered as the RFC describes.
    Supported,
    /// Refused, as a server without the feature may: status and scimType.
    Refused(String),
    /// Answered 200, but the answer shows the request was not honoured (a
    /// filter matching nothing returned resources): the cases will say more.
    Ignored(String),
    /// Not tried, and why.
    NotTried(String),
}

impl Probe {
    pub fn works(&self) -> bool {
        matches!(self, Probe::Supported)
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Probe::Supported => f.write_str("supported"),
            Probe::Refused(how) => write!(f, "refused ({how})"),
            Probe::Ignored(how) => write!(f, "answered, but {how}"),
            Probe::NotTried(why) => write!(f, "not tried ({why})"),
        }
    }
}

/// One probe: what was asked and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeResult {
    /// What the probe asks about: `filter userName sw`, `POST /Users/.search`.
    pub feature: String,
    #[serde(flatten)]
    pub probe: Probe,
}

/// How a case that needs its own resources apart from everyone else's
/// selects them in a listing (`{{scope}}` for users, `{{group_scope}}` for
/// groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// `userName sw "<the case's prefix>"` (`displayName` for groups): the
    /// names the case gives.
    NamePrefix,
    /// `externalId eq "<the case's prefix>"`, with that externalId on
    /// everything the case creates: for a target that filters with `eq` only.
    ExternalId,
}

/// What the run believes about the target.
#[derive(Debug, Clone)]
pub struct TargetModel {
    pub config: Config,
    pub service_provider_config: Document,
    pub resource_types_document: Document,
    pub schemas_document: Document,
    /// The target's resource types and schemas as discovered.
    pub registry: Registry,
    /// What discovery could not read and what it assumed instead.
    pub notes: Vec<String>,
    pub probes: Vec<ProbeResult>,
    pub scope: Scopes,
}

/// The scope of each resource type; `None` where the target offers no
/// filter that selects a case's own resources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Scopes {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Scope>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Scope>,
}

impl Scopes {
    /// The scope for the RFC resource type `User` or `Group`.
    pub fn of(&self, resource: &str) -> Option<Scope> {
        match resource {
            "User" => self.users,
            "Group" => self.groups,
            _ => None,
        }
    }
}

impl TargetModel {
    /// RFC 7643's schemas and nothing announced: what a run assumes before
    /// (or without) discovery.
    pub fn rfc_defaults() -> TargetModel {
        TargetModel {
            config: Config::default(),
            service_provider_config: Document::Missing("not read".into()),
            resource_types_document: Document::Missing("not read".into()),
            schemas_document: Document::Missing("not read".into()),
            registry: rfc_registry(),
            notes: Vec::new(),
            probes: Vec::new(),
            scope: Scopes::default(),
        }
    }

    /// The target's resource type at an endpoint (`/Users`), ignoring case.
    pub fn resource_type_at(&self, endpoint: &str) -> Option<&ResourceType> {
        let wanted = endpoint.trim_end_matches('/');
        self.registry
            .resource_types
            .iter()
            .find(|rt| rt.endpoint.trim_end_matches('/').eq_ignore_ascii_case(wanted))
    }

    /// The target's resource type with this RFC name (`User`), or at its RFC endpoint.
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.registry
            .resource_types
            .iter()
            .find(|rt| rt.name.eq_ignore_ascii_case(name))
            .or_else(|| self.resource_type_at(&format!("/{name}s")))
    }

    pub fn probe(&self, feature: &str) -> Option<&Probe> {
        self.probes.iter().find(|p| p.feature == feature).map(|p| &p.probe)
    }

    /// The most resources the target puts on a page, when it says.
    pub fn page_limit(&self) -> Option<u64> {
        self.config.max_results
    }

    /// One line per fact worth showing at the top of a report.
    pub fn highlights(&self) -> Vec<String> {
        let mut out = vec![
            format!("/ServiceProviderConfig: {}", self.service_provider_config),
            format!("/ResourceTypes: {}", self.resource_types_document),
            format!("/Schemas: {}", self.schemas_document),
        ];
        for rt in &self.registry.resource_types {
            let attrs = rt.core.attributes.len();
            let required: Vec<String> = rt
                .all_attributes()
                .filter(|(_, a)| a.required && a.name != "id")
                .map(|(c, a)| match c.key() {
                    Some(urn) => format!("{urn}:{}", a.name),
                    None => a.name.clone(),
                })
                .collect();
            let extensions: Vec<String> = rt
                .extensions
                .iter()
                .map(|e| format!("{}{}", e.schema.id, if e.required { " (required)" } else { "" }))
                .collect();
            out.push(format!(
                "{} at {}: {attrs} attributes; required: {}{}",
                rt.name,
                rt.endpoint,
                if required.is_empty() { "none".to_string() } else { required.join(", ") },
                if extensions.is_empty() {
                    String::new()
                } else {
                    format!("; extensions: {}", extensions.join(", "))
                }
            ));
        }
        out.extend(self.notes.iter().cloned());
        out
    }

    /// What the report's JSON carries about the target.
    pub fn summary(&self) -> ModelSummary {
        ModelSummary {
            service_provider_config: self.service_provider_config.clone(),
            resource_types_document: self.resource_types_document.clone(),
            schemas_document: self.schemas_document.clone(),
            config: self.config.clone(),
            resource_types: self
                .registry
                .resource_types
                .iter()
                .map(|rt| ResourceTypeSummary {
                    name: rt.name.clone(),
                    endpoint: rt.endpoint.clone(),
                    schema: rt.core.id.clone(),
                    extensions: rt
                        .extensions
                        .iter()
                        .map(|e| ExtensionSummary { schema: e.schema.id.clone(), required: e.required })
                        .collect(),
                    attributes: rt.core.attributes.iter().map(|a| a.name.clone()).collect(),
                    required: rt
                        .all_attributes()
                        .filter(|(_, a)| a.required && a.name != "id")
                        .map(|(_, a)| a.name.clone())
                        .collect(),
                })
                .collect(),
            probes: self.probes.clone(),
            scope: self.scope,
            notes: self.notes.clone(),
        }
    }
}

/// The target model as the JSON report records it.
#[derive(Debug, Clone, Serialize)]
pub struct ModelSummary {
    pub service_provider_config: Document,
    pub resource_types_document: Document,
    pub schemas_document: Document,
    pub config: Config,
    pub resource_types: Vec<ResourceTypeSummary>,
    pub probes: Vec<ProbeResult>,
    /// How cases select their own resources in a listing, per resource type.
    pub scope: Scopes,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceTypeSummary {
    pub name: String,
    pub endpoint: String,
    pub schema: String,
    pub extensions: Vec<ExtensionSummary>,
    /// The core schema's attribute names.
    pub attributes: Vec<String>,
    /// Every required attribute, extensions' included.
    pub required: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExtensionSummary {
    pub schema: String,
    pub required: bool,
}

/// RFC 7643's own schemas and resource types.
pub fn rfc_registry() -> Registry {
    let (schemas, types) = Registry::builtin_documents();
    Registry::from_values(schemas, Registry::common_attributes(), types)
        .unwrap_or_else(|e| panic!("the bundled schemas/ files are inconsistent: {e}"))
}

/// Builds the target's registry from what discovery read. `schemas` and
/// `types` are the documents' `Resources` (None when not served); `present`
/// says which RFC endpoints answered a listing, for a target without
/// `/ResourceTypes`. Whatever cannot be read is noted and replaced by the
/// RFC's definition, so a sloppy document costs a note, not the run.
pub fn build_registry(
    schemas: Option<&[Value]>,
    types: Option<&[Value]>,
    present: &[(&str, bool)],
    notes: &mut Vec<String>,
) -> Registry {
    let (rfc_schemas, rfc_types) = Registry::builtin_documents();
    let rfc_schema = |id: &str| {
        rfc_schemas.iter().find(|s| s["id"].as_str().is_some_and(|s| s.eq_ignore_ascii_case(id))).cloned()
    };
    let mut schema_docs: Vec<Value> = Vec::new();
    if let Some(served) = schemas {
        for doc in served {
            match lenient_schema(doc, notes) {
                Some(s) => schema_docs.push(s),
                None => notes.push(format!("a /Schemas entry has no id: {}", short(doc))),
            }
        }
    }
    let mut type_docs: Vec<Value> = Vec::new();
    match types {
        Some(served) => {
            for doc in served {
                let text = |k: &str| get_ci(doc, k).and_then(Value::as_str).map(str::to_string);
                let (Some(name), Some(endpoint), Some(schema)) =
                    (text("name"), text("endpoint"), text("schema"))
                else {
                    notes.push(format!(
                        "a /ResourceTypes entry lacks name, endpoint or schema: {}",
                        short(doc)
                    ));
                    continue;
                };
                let extensions: Vec<Value> = get_ci(doc, "schemaExtensions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|e| {
                        let schema = get_ci(e, "schema").and_then(Value::as_str)?;
                        let required = get_ci(e, "required").and_then(Value::as_bool).unwrap_or(false);
                        Some(json!({ "schema": schema, "required": required }))
                    })
                    .collect();
                type_docs.push(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                    "id": text("id").unwrap_or_else(|| name.clone()),
                    "name": name,
                    "endpoint": if endpoint.starts_with('/') { endpoint } else { format!("/{endpoint}") },
                    "schema": schema,
                    "schemaExtensions": extensions,
                }));
            }
        }
        None => {
            // Without /ResourceTypes, the RFC's types at the endpoints that answered.
            for doc in &rfc_types {
                let endpoint = doc["endpoint"].as_str().unwrap_or_default();
                if present.iter().any(|(e, ok)| *ok && e.eq_ignore_ascii_case(endpoint)) {
                    let mut doc = doc.clone();
                    // An extension counts only if the target lists its schema.
                    if let Some(exts) = doc["schemaExtensions"].as_array_mut() {
                        exts.retain(|e| {
                            let id = e["schema"].as_str().unwrap_or_default();
                            schema_docs
                                .iter()
                                .any(|s| s["id"].as_str().is_some_and(|s| s.eq_ignore_ascii_case(id)))
                        });
                    }
                    type_docs.push(doc);
                }
            }
        }
    }
    // Every schema a type names must exist: served, or else the RFC's, or else empty.
    let named: Vec<String> = type_docs
        .iter()
        .flat_map(|t| {
            let mut ids = vec![t["schema"].as_str().unwrap_or_default().to_string()];
            ids.extend(
                t["schemaExtensions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["schema"].as_str().map(str::to_string)),
            );
            ids
        })
        .collect();
    for id in named {
        let known = schema_docs.iter().any(|s| s["id"].as_str() == Some(id.as_str()));
        if known {
            continue;
        }
        if let Some(same) =
            schema_docs.iter_mut().find(|s| s["id"].as_str().is_some_and(|s| s.eq_ignore_ascii_case(&id)))
        {
            same["id"] = Value::from(id.as_str());
            continue;
        }
        match rfc_schema(&id) {
            Some(doc) => {
                if schemas.is_some() {
                    notes.push(format!("/Schemas does not list {id}; RFC 7643's definition stands in"));
                }
                schema_docs.push(doc);
            }
            None => {
                notes.push(format!("no definition of {id}: its attributes are unknown"));
                schema_docs.push(json!({ "id": id, "name": id, "attributes": [] }));
            }
        }
    }
    Registry::from_values(schema_docs, Registry::common_attributes(), type_docs).unwrap_or_else(|e| {
        notes.push(format!("the discovered schemas do not fit together ({e}); RFC 7643's stand in"));
        rfc_registry()
    })
}

/// A schema document in the shape the registry reads: characteristics spelt
/// as RFC 7643 §7 spells them (servers write "String", "DateTime",
/// "readonly"), attributes that cannot be read left out with a note.
fn lenient_schema(doc: &Value, notes: &mut Vec<String>) -> Option<Value> {
    let id = get_ci(doc, "id").and_then(Value::as_str)?.to_string();
    let name = get_ci(doc, "name").and_then(Value::as_str).unwrap_or(&id).to_string();
    let attributes =
        get_ci(doc, "attributes").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let attributes: Vec<Value> = attributes.iter().filter_map(|a| lenient_attribute(&id, a, notes)).collect();
    Some(json!({ "id": id, "name": name, "attributes": attributes }))
}

fn lenient_attribute(schema: &str, attr: &Value, notes: &mut Vec<String>) -> Option<Value> {
    let Some(name) = get_ci(attr, "name").and_then(Value::as_str) else {
        notes.push(format!("{schema}: an attribute has no name"));
        return None;
    };
    if name.is_empty() || name.contains('.') {
        notes.push(format!("{schema}: \"{name}\" is not an attribute name (RFC 7643 §2.1); left out"));
        return None;
    }
    let text = |k: &str| get_ci(attr, k).and_then(Value::as_str).map(str::to_ascii_lowercase);
    let flag = |k: &str| get_ci(attr, k).and_then(Value::as_bool).unwrap_or(false);
    let ty = match text("type").as_deref() {
        None => "string",
        Some("string") => "string",
        Some("boolean") => "boolean",
        Some("decimal") => "decimal",
        Some("integer") => "integer",
        Some("datetime") => "dateTime",
        Some("reference") => "reference",
        Some("binary") => "binary",
        Some("complex") => "complex",
        Some(other) => {
            notes.push(format!(
                "{schema}: {name} has type \"{other}\", which RFC 7643 §2.3 does not define; left out"
            ));
            return None;
        }
    };
    let pick = |k: &str, allowed: &[&'static str], default: &'static str| -> &'static str {
        text(k).and_then(|v| allowed.iter().find(|a| a.eq_ignore_ascii_case(&v)).copied()).unwrap_or(default)
    };
    let mut out = Map::new();
    out.insert("name".into(), Value::from(name));
    out.insert("type".into(), Value::from(ty));
    out.insert("multiValued".into(), Value::Bool(flag("multiValued")));
    out.insert("required".into(), Value::Bool(flag("required")));
    out.insert("caseExact".into(), Value::Bool(flag("caseExact")));
    out.insert(
        "mutability".into(),
        Value::from(pick("mutability", &["readOnly", "readWrite", "immutable", "writeOnly"], "readWrite")),
    );
    out.insert(
        "returned".into(),
        Value::from(pick("returned", &["always", "never", "default", "request"], "default")),
    );
    out.insert("uniqueness".into(), Value::from(pick("uniqueness", &["none", "server", "global"], "none")));
    let canonical: Vec<Value> = get_ci(attr, "canonicalValues")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|v| v.is_string())
        .cloned()
        .collect();
    out.insert("canonicalValues".into(), Value::Array(canonical));
    if ty == "complex" {
        let subs: Vec<Value> = get_ci(attr, "subAttributes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| lenient_attribute(&format!("{schema}:{name}"), s, notes))
            .filter(|s| s["type"] != "complex")
            .collect();
        if subs.is_empty() {
            notes.push(format!("{schema}: {name} is complex but has no sub-attributes; left out"));
            return None;
        }
        out.insert("subAttributes".into(), Value::Array(subs));
    }
    Some(Value::Object(out))
}

/// The RFC schema URNs every SCIM target is judged against, for notes.
pub const RFC_SCHEMAS: [&str; 3] = [CORE_USER, CORE_GROUP, ENTERPRISE_USER];

pub fn get_ci<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let obj = v.as_object()?;
    crate::scim::message::get(obj, key)
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_schema_with(attrs: Value) -> Value {
        json!({ "id": CORE_USER, "name": "User", "attributes": attrs })
    }

    #[test]
    fn a_trimmed_sloppy_schema_is_read_as_far_as_it_goes() {
        let schema = user_schema_with(json!([
            { "name": "userName", "type": "String", "required": true, "uniqueness": "SERVER" },
            { "name": "active", "type": "Boolean" },
            { "name": "emails", "type": "complex", "multiValued": true,
              "subAttributes": [{ "name": "value", "type": "string" }, { "name": "type", "type": "string" }] },
            { "name": "name.givenName", "type": "string" },
            { "name": "shoeSize", "type": "float" }
        ]));
        let types = [json!({ "name": "User", "endpoint": "Users", "schema": CORE_USER })];
        let mut notes = Vec::new();
        let registry = build_registry(Some(&[schema]), Some(&types), &[], &mut notes);
        let user = registry.resource_type("User").unwrap();
        assert_eq!(user.endpoint, "/Users");
        assert!(user.core_attribute("userName").is_some_and(|a| a.required));
        assert!(user.core_attribute("emails").unwrap().sub("type").is_some());
        assert!(user.core_attribute("nickName").is_none(), "what the target does not list, it lacks");
        assert!(user.core_attribute("externalId").is_some(), "common attributes are RFC 7643's");
        assert!(notes.iter().any(|n| n.contains("name.givenName")), "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("float")), "{notes:?}");
    }

    #[test]
    fn without_resource_types_the_endpoints_that_answered_stand_in() {
        let mut notes = Vec::new();
        let registry = build_registry(None, None, &[("/Users", true), ("/Groups", false)], &mut notes);
        assert!(registry.resource_type("User").is_some());
        assert!(registry.resource_type("Group").is_none());
        assert!(
            registry.resource_type("User").unwrap().extensions.is_empty(),
            "an extension counts only where the target lists it"
        );
    }

    #[test]
    fn a_required_extension_is_read_from_resource_types() {
        let types = [json!({ "name": "User", "endpoint": "/Users", "schema": CORE_USER,
            "schemaExtensions": [{ "schema": "urn:example:x:2.0:User", "required": true }] })];
        let ext = json!({ "id": "urn:example:x:2.0:User", "attributes": [{ "name": "costCenter", "type": "string", "required": true }] });
        let mut notes = Vec::new();
        let registry = build_registry(Some(&[ext]), Some(&types), &[], &mut notes);
        let user = registry.resource_type("User").unwrap();
        assert!(user.extensions[0].required);
        assert!(user.extensions[0].schema.attribute("costCenter").is_some_and(|a| a.required));
        assert!(user.core_attribute("userName").is_some(), "RFC 7643's User stands in: {notes:?}");
    }

    #[test]
    fn config_reads_flags_and_limits_and_takes_silence_as_no() {
        let c = Config::from_document(&json!({
            "patch": { "supported": true }, "filter": { "supported": true, "maxResults": 2 },
            "bulk": { "supported": false }
        }));
        assert!(c.patch && c.filter && !c.bulk && !c.sort && !c.etag);
        assert_eq!(c.max_results, Some(2));
    }
}
