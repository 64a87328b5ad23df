//! The schemas and resource types a reference server has under its
//! variants: the bundled ones, reshaped (trimmed, more required, members on
//! request, no groups). Built once per shape and kept for the process.

use super::ServerConfig;
use super::variant::{Variant, VariantSet};
use crate::scim::schema::{CORE_GROUP, CORE_USER, Registry};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The required extension of the `extra-required` variant: a vendor's own,
/// as RFC 7643 §3.3 lets a service provider define.
pub const WORKFORCE: &str = "urn:example:params:scim:schemas:extension:workforce:2.0:User";

/// What the trimmed User schema keeps: what an IdP's default attribute
/// mapping sends.
const TRIMMED_USER: &[(&str, &[&str])] = &[
    ("userName", &[]),
    ("name", &["formatted", "familyName", "givenName"]),
    ("displayName", &[]),
    ("active", &[]),
    ("emails", &["value", "type", "primary"]),
    ("groups", &["value", "$ref", "display", "type"]),
];

/// The registry for these variants.
pub fn registry(variants: VariantSet) -> &'static Registry {
    registry_for(variants, false)
}

/// The registry a server with this configuration serves: its variants', with
/// Okta Identity Governance's types where it is lenient for Okta.
pub fn served(config: &ServerConfig) -> &'static Registry {
    registry_for(config.variants, super::governance::served_under(&config.leniency))
}

/// The registry for these variants, with Okta Identity Governance's resource
/// types where `okta_governance` (see `governance`).
pub fn registry_for(variants: VariantSet, okta_governance: bool) -> &'static Registry {
    let shape = variants.schema_part();
    if shape.is_empty() && !okta_governance {
        return Registry::builtin();
    }
    static SHAPED: OnceLock<Mutex<HashMap<(VariantSet, bool), &'static Registry>>> = OnceLock::new();
    let mut cache =
        SHAPED.get_or_init(Default::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    cache.entry((shape, okta_governance)).or_insert_with(|| {
        let (mut schemas, mut types) = reshape(shape);
        if okta_governance {
            super::governance::add_types(&mut schemas, &mut types);
        }
        let registry = Registry::from_values(schemas, Registry::common_attributes(), types)
            .unwrap_or_else(|e| panic!("the {shape} variants make inconsistent schemas: {e}"));
        // One per shape, a handful in all, for the life of the process.
        Box::leak(Box::new(registry))
    })
}

fn reshape(shape: VariantSet) -> (Vec<Value>, Vec<Value>) {
    let (mut schemas, mut types) = Registry::builtin_documents();
    let schema =
        |schemas: &mut Vec<Value>, id: &str| -> Option<usize> { schemas.iter().position(|s| s["id"] == id) };
    if shape.trimmed()
        && let Some(i) = schema(&mut schemas, CORE_USER)
    {
        trim(&mut schemas[i]);
    }
    if shape.has(Variant::ExtraRequired) {
        if let Some(i) = schema(&mut schemas, CORE_USER) {
            for attr in attributes_mut(&mut schemas[i]) {
                if matches!(attr["name"].as_str(), Some("name" | "emails")) {
                    attr["required"] = Value::Bool(true);
                }
            }
        }
        schemas.push(workforce_schema());
        if let Some(user) = types.iter_mut().find(|t| t["name"] == "User")
            && let Some(extensions) = user["schemaExtensions"].as_array_mut()
        {
            extensions.push(json!({ "schema": WORKFORCE, "required": true }));
        }
    }
    if shape.has(Variant::MembersOnRequest)
        && let Some(i) = schema(&mut schemas, CORE_GROUP)
    {
        for attr in attributes_mut(&mut schemas[i]) {
            if attr["name"] == "members" {
                attr["returned"] = Value::from("request");
            }
        }
    }
    if shape.has(Variant::NoGroups) {
        types.retain(|t| t["name"] != "Group");
        schemas.retain(|s| s["id"] != CORE_GROUP);
        if let Some(i) = schema(&mut schemas, CORE_USER)
            && let Some(attrs) = schemas[i]["attributes"].as_array_mut()
        {
            attrs.retain(|a| a["name"] != "groups");
        }
    }
    (schemas, types)
}

fn attributes_mut(schema: &mut Value) -> impl Iterator<Item = &mut Value> {
    schema["attributes"].as_array_mut().into_iter().flatten()
}

fn trim(user: &mut Value) {
    let Some(attrs) = user["attributes"].as_array_mut() else { return };
    attrs.retain(|a| TRIMMED_USER.iter().any(|(name, _)| a["name"] == *name));
    for attr in attrs.iter_mut() {
        let keep =
            TRIMMED_USER.iter().find(|(name, _)| attr["name"] == *name).map_or(&[][..], |(_, subs)| *subs);
        // Indexing would insert a null "subAttributes" into a simple attribute.
        if let Some(subs) = attr.get_mut("subAttributes").and_then(Value::as_array_mut) {
            subs.retain(|s| keep.iter().any(|k| s["name"] == *k));
        }
    }
}

fn workforce_schema() -> Value {
    json!({
        "schemas": [crate::scim::urn::SCHEMA],
        "id": WORKFORCE,
        "name": "WorkforceUser",
        "description": "A vendor's own extension: where the user is billed",
        "attributes": [
            {
                "name": "costCenter", "type": "string", "multiValued": false, "required": true,
                "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none",
                "description": "The cost center the user is billed to"
            },
            {
                "name": "building", "type": "string", "multiValued": false, "required": false,
                "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none",
                "description": "Where the user works"
            }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shape_builds_and_shows_its_change() {
        let trimmed = registry(VariantSet::of(&[Variant::TrimmedSchema]));
        let user = trimmed.user();
        assert!(user.core_attribute("userName").is_some() && user.core_attribute("nickName").is_none());
        assert!(user.core_attribute("name").unwrap().sub("middleName").is_none());
        let required = registry(VariantSet::of(&[Variant::ExtraRequired]));
        assert!(required.user().core_attribute("emails").unwrap().required);
        assert!(required.user().extensions.iter().any(|e| e.required && e.schema.id == WORKFORCE));
        let members = registry(VariantSet::of(&[Variant::MembersOnRequest]));
        assert_eq!(
            members.group().core_attribute("members").unwrap().returned,
            crate::scim::schema::Returned::Request
        );
        let none = registry(VariantSet::of(&[Variant::NoGroups]));
        assert!(!none.has_groups() && none.user().core_attribute("groups").is_none());
        assert!(std::ptr::eq(registry(VariantSet::of(&[Variant::NoBulk])), Registry::builtin()));
        assert!(std::ptr::eq(registry(VariantSet::minimal()), registry(VariantSet::minimal())), "built once");
        let governed = registry_for(VariantSet::minimal(), true);
        assert!(governed.resource_type("Entitlement").is_some() && governed.resource_type("Role").is_some());
        assert!(registry(VariantSet::minimal()).resource_type("Entitlement").is_none());
    }
}
