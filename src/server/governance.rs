//! What an app that Okta Identity Governance governs serves beside users:
//! resource types with Okta's Entitlement and Role schemas, at `/Entitlements`
//! and `/Roles`, each listing the app's catalogue (Okta, "Build a SCIM 2.0
//! server with entitlements"). Served only by a server lenient for Okta
//! (`--compat okta`): RFC 7643 knows neither type, and the strict server
//! keeps to what the RFCs define.

use crate::scim::quirks::{Idp, Leniency};
use crate::scim::urn::{OKTA_ENTITLEMENT, OKTA_ROLE, SCHEMA};
use serde_json::{Value, json};

/// Whether a server with this leniency serves the governance types.
pub fn served_under(leniency: &Leniency) -> bool {
    leniency.idps().contains(&Idp::Okta)
}

/// The catalogue: the entitlements and the role that the users of Okta's
/// guide carry (`entitlements[].value`, `roles[].value` name these ids).
pub fn catalogue() -> [(&'static str, Value); 3] {
    [
        (
            "/Entitlements",
            json!({ "schemas": [OKTA_ENTITLEMENT], "id": "entitlement123", "displayName": "First Entitlement", "type": "License" }),
        ),
        (
            "/Entitlements",
            json!({ "schemas": [OKTA_ENTITLEMENT], "id": "profile123", "displayName": "First Profile", "type": "Profile" }),
        ),
        ("/Roles", json!({ "schemas": [OKTA_ROLE], "id": "role123", "displayName": "First Role" })),
    ]
}

/// Adds Okta's two resource types, and schemas for them: Okta knows these
/// schemas without `/Schemas`, but RFC 7643 §6 has a resource type's schema
/// name one that `/Schemas` describes, and the server keeps to that.
pub fn add_types(schemas: &mut Vec<Value>, types: &mut Vec<Value>) {
    schemas.push(schema(OKTA_ENTITLEMENT, "Entitlement", true));
    schemas.push(schema(OKTA_ROLE, "Role", false));
    for (id, endpoint, urn, description) in [
        ("Entitlement", "/Entitlements", OKTA_ENTITLEMENT, "Entitlement resource"),
        ("Role", "/Roles", OKTA_ROLE, "Role"),
    ] {
        types.push(json!({
            "schemas": [crate::scim::urn::RESOURCE_TYPE],
            "id": id,
            "name": id,
            "endpoint": endpoint,
            "description": description,
            "schema": urn,
            "schemaExtensions": []
        }));
    }
}

fn schema(urn: &str, name: &str, typed: bool) -> Value {
    let attribute = |name: &str, required: bool, description: &str| {
        json!({
            "name": name, "type": "string", "multiValued": false, "required": required,
            "caseExact": false, "mutability": "readWrite", "returned": "default",
            "uniqueness": if name == "displayName" { "server" } else { "none" },
            "description": description
        })
    };
    let mut attributes =
        vec![attribute("displayName", true, "The name Okta shows on the app's Governance tab")];
    if typed {
        attributes.push(attribute("type", false, "The kind of entitlement: License, Profile, ..."));
    }
    json!({
        "schemas": [SCHEMA],
        "id": urn,
        "name": name,
        "description": format!("Okta Identity Governance {name}"),
        "attributes": attributes
    })
}
