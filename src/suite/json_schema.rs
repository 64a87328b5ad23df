//! JSON Schemas (draft 2020-12) for SCIM message envelopes, by name.
//!
//! JSON Schema compares property names exactly, while SCIM attribute names
//! are case-insensitive; so these describe envelopes (Error, ListResponse,
//! BulkResponse, ServiceProviderConfig) whose spelling the RFC fixes, and
//! attribute-level checks use the case-insensitive matcher instead.

use std::collections::HashMap;
use std::sync::OnceLock;

const SOURCES: [(&str, &str); 7] = [
    ("bulk-response", include_str!("../../schemas/json/bulk-response.json")),
    ("error", include_str!("../../schemas/json/error.json")),
    ("list-response", include_str!("../../schemas/json/list-response.json")),
    ("resource", include_str!("../../schemas/json/resource.json")),
    ("resource-type", include_str!("../../schemas/json/resource-type.json")),
    ("scim-schema", include_str!("../../schemas/json/scim-schema.json")),
    ("service-provider-config", include_str!("../../schemas/json/service-provider-config.json")),
];

pub fn names() -> Vec<&'static str> {
    SOURCES.iter().map(|(n, _)| *n).collect()
}

/// The compiled validator for a schema name.
pub fn get(name: &str) -> Option<&'static jsonschema::Validator> {
    static COMPILED: OnceLock<HashMap<&'static str, jsonschema::Validator>> = OnceLock::new();
    COMPILED
        .get_or_init(|| {
            SOURCES
                .iter()
                .map(|(name, text)| {
                    let schema: serde_json::Value = serde_json::from_str(text)
                        .unwrap_or_else(|e| panic!("schemas/json/{name}.json: {e}"));
                    let validator = jsonschema::validator_for(&schema)
                        .unwrap_or_else(|e| panic!("schemas/json/{name}.json is not a valid schema: {e}"));
                    (*name, validator)
                })
                .collect()
        })
        .get(name)
}

/// Why `value` does not satisfy schema `name`, one line per violation.
pub fn violations(name: &str, value: &serde_json::Value) -> Vec<String> {
    let Some(validator) = get(name) else { return vec![format!("no JSON Schema '{name}'")] };
    validator
        .iter_errors(value)
        .map(|e| format!("{}: {e}", pointer_or_root(&e.instance_path().to_string())))
        .collect()
}

fn pointer_or_root(p: &str) -> &str {
    if p.is_empty() { "(document)" } else { p }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bundled_schema_compiles() {
        for name in names() {
            assert!(get(name).is_some(), "{name}");
        }
    }

    #[test]
    fn error_schema_wants_a_string_status() {
        let good = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404" });
        assert!(violations("error", &good).is_empty());
        let bad = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": 404 });
        let v = violations("error", &bad);
        assert!(v.len() == 1 && v[0].starts_with("/status"), "{v:?}");
    }

    #[test]
    fn list_response_needs_resources_when_there_are_results() {
        let urn = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
        assert!(violations("list-response", &json!({ "schemas": [urn], "totalResults": 0 })).is_empty());
        assert!(!violations("list-response", &json!({ "schemas": [urn], "totalResults": 2 })).is_empty());
    }

    #[test]
    fn the_bundled_scim_schemas_satisfy_the_schema_schema() {
        for file in ["user", "group", "enterprise-user", "schema", "resource-type", "service-provider-config"]
        {
            let path = format!("{}/schemas/{file}.json", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap();
            let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(violations("scim-schema", &schema), Vec::<String>::new(), "{file}");
        }
    }

    #[test]
    fn the_schema_schema_refuses_what_rfc_7643_forbids() {
        let def = |attrs: serde_json::Value| json!({ "id": "urn:example:Thing", "attributes": attrs });
        let nested = def(json!([{ "name": "a", "type": "complex", "subAttributes": [
            { "name": "b", "type": "complex", "subAttributes": [{ "name": "c" }] }
        ] }]));
        assert!(!violations("scim-schema", &nested).is_empty(), "complex inside complex");
        let simple_with_subs =
            def(json!([{ "name": "a", "type": "string", "subAttributes": [{ "name": "b" }] }]));
        assert!(!violations("scim-schema", &simple_with_subs).is_empty(), "sub-attributes on a string");
        assert!(
            !violations("scim-schema", &def(json!([{ "name": "1st" }]))).is_empty(),
            "name starts with a digit"
        );
        assert!(
            !violations("scim-schema", &def(json!([{ "name": "a", "mutability": "readonly" }]))).is_empty()
        );
        assert!(violations("scim-schema", &def(json!([{ "name": "a-b_c$d", "type": "string" }]))).is_empty());
        let unassigned = def(json!([{ "name": "a", "type": "string", "subAttributes": null },
                                    { "name": "b", "type": "string", "subAttributes": [] }]));
        assert!(violations("scim-schema", &unassigned).is_empty(), "null and [] are unassigned (§2.5)");
    }
}
