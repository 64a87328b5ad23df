//! A resource a client writes whole, with POST or PUT (RFC 7644 §3.3,
//! §3.5.1), alone or inside Bulk: its schemas, its id, its required
//! attributes and the type and form of each value.

use super::super::request::{Request, Target};
use super::super::rules::{
    BINARY, EXTENSION_QUALIFIED, ID_SERVER_ISSUED, JSON_TYPES, NO_USERINFO, ONE_PRIMARY, PUT_REQUIRED,
    SCHEMAS_NO_DUPLICATES, SCHEMAS_NON_EMPTY, SCHEMAS_ONLY_DECLARED, SCHEMAS_REQUIRED,
};
use super::super::tally::Sink;
use super::super::values::{self, Kind, excerpt, primaries, slots, unqualified_extension};
use super::data;
use crate::scim::message;
use crate::scim::quirks::{LEGACY_CORE_URNS, LEGACY_ENTERPRISE_URNS, Quirk};
use crate::scim::schema::{Container, Mutability, ResourceType};
use serde_json::{Map, Value};

pub fn check(req: &Request, out: &mut Sink) {
    match req.target {
        Target::Collection(rt) if req.is("POST") => write("POST", rt, None, req.json.as_ref(), out),
        Target::Resource(rt, id) if req.is("PUT") => write("PUT", rt, Some(id), req.json.as_ref(), out),
        _ => {}
    }
}

/// A POST (no `id`) or PUT of `body` to a resource of `rt`.
pub fn write(method: &str, rt: &ResourceType, id: Option<&str>, body: Option<&Value>, out: &mut Sink) {
    for requirement in
        [SCHEMAS_REQUIRED, SCHEMAS_NON_EMPTY, SCHEMAS_ONLY_DECLARED, SCHEMAS_NO_DUPLICATES, ID_SERVER_ISSUED]
    {
        out.occasion(requirement);
    }
    if method == "PUT" {
        out.occasion(PUT_REQUIRED);
    }
    let Some(Value::Object(body)) = body else {
        let sent = body.map_or("a body that is not JSON".to_string(), excerpt);
        out.depart(SCHEMAS_REQUIRED, "body", format!("a {} as a JSON object with schemas", rt.name), sent);
        return;
    };
    schemas(rt, body, out);
    client_id(method, id, body, out);
    if method == "PUT" {
        required(rt, body, out);
    }
    attributes(rt, body, out);
    no_userinfo(body, out);
}

fn schemas(rt: &ResourceType, body: &Map<String, Value>, out: &mut Sink) {
    let urns: Vec<&str> = match message::get(body, "schemas") {
        None => {
            out.depart(SCHEMAS_REQUIRED, "schemas", format!("schemas listing {}", rt.core.id), "no schemas");
            return;
        }
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).collect()
        }
        Some(other) => {
            out.depart(SCHEMAS_REQUIRED, "schemas", "an array of URI strings", excerpt(other));
            return;
        }
    };
    let legacy = |u: &str| {
        LEGACY_CORE_URNS.iter().chain(LEGACY_ENTERPRISE_URNS.iter()).any(|l| l.eq_ignore_ascii_case(u))
    };
    if urns.is_empty() {
        out.depart(SCHEMAS_NON_EMPTY, "schemas", format!("a non-empty array listing {}", rt.core.id), "[]");
        return;
    }
    let core_listed = urns.iter().any(|u| u.eq_ignore_ascii_case(&rt.core.id));
    if !core_listed && !urns.iter().any(|u| legacy(u)) {
        out.depart(
            SCHEMAS_NON_EMPTY,
            "schemas",
            format!("the URI of the schema the body uses, {}", rt.core.id),
            format!("schemas: {urns:?}"),
        );
    }
    for ext in &rt.extensions {
        let used = body.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case(&ext.schema.id) && v.as_object().is_some_and(|o| !o.is_empty())
        });
        if used && !urns.iter().any(|u| u.eq_ignore_ascii_case(&ext.schema.id)) {
            out.depart(
                SCHEMAS_NON_EMPTY,
                "schemas",
                format!("{} listed, as the body carries its attributes", ext.schema.id),
                format!("schemas: {urns:?}"),
            );
        }
    }
    for urn in &urns {
        if rt.schema_for_urn(urn).is_some() {
            continue;
        }
        let quirk = if legacy(urn) { Quirk::LegacySchemaUrns } else { Quirk::ForeignSchemaUrn };
        out.quirk(
            SCHEMAS_ONLY_DECLARED,
            quirk,
            "schemas",
            format!("only {} and its extensions", rt.core.id),
            format!("{urn}, which is not a schema of the {} resource type", rt.name),
        );
    }
    let mut lower: Vec<String> = urns.iter().map(|u| u.to_ascii_lowercase()).collect();
    lower.sort();
    if lower.windows(2).any(|w| w[0] == w[1]) {
        out.depart(SCHEMAS_NO_DUPLICATES, "schemas", "each URI once", format!("schemas: {urns:?}"));
    }
}

/// "MUST NOT be specified by the client" (RFC 7643 §3.1): a PUT may repeat
/// the id it addresses, which specifies nothing new.
fn client_id(method: &str, id: Option<&str>, body: &Map<String, Value>, out: &mut Sink) {
    let Some(sent) = message::get(body, "id") else { return };
    let echoed = id.is_some_and(|id| sent.as_str() == Some(id));
    if !echoed {
        out.depart(
            ID_SERVER_ISSUED,
            "id",
            match id {
                Some(id) => format!("no id, or the id the PUT addresses ({id})"),
                None => "no id: the service provider issues it".into(),
            },
            format!("{method} with id {}", excerpt(sent)),
        );
    }
}

fn required(rt: &ResourceType, body: &Map<String, Value>, out: &mut Sink) {
    let mut missing = Vec::new();
    for (container, attr) in rt.all_attributes() {
        if !attr.required || attr.mutability == Mutability::ReadOnly {
            continue;
        }
        let value = match container {
            Container::Core => message::get(body, &attr.name),
            Container::Extension(schema) => {
                let required_extension = rt.extensions.iter().any(|e| e.required && e.schema.id == schema.id);
                let inner = message::get(body, &schema.id).and_then(Value::as_object);
                if inner.is_none() && !required_extension {
                    continue;
                }
                inner.and_then(|o| message::get(o, &attr.name))
            }
        };
        if crate::scim::normalize::lacks_value(value) {
            missing.push(match container.key() {
                Some(urn) => format!("{urn}:{}", attr.name),
                None => attr.name.clone(),
            });
        }
    }
    if !missing.is_empty() {
        out.depart(
            PUT_REQUIRED,
            "required attributes",
            format!("every required attribute of {}, in the PUT", rt.name),
            format!("missing: {}", missing.join(", ")),
        );
    }
}

fn attributes(rt: &ResourceType, body: &Map<String, Value>, out: &mut Sink) {
    let (known, unknown) = slots(rt, body);
    for key in unknown {
        if let Some(full) = unqualified_extension(rt, key) {
            out.depart(
                EXTENSION_QUALIFIED,
                format!("attribute {key}"),
                format!(
                    "the extension attribute inside {{\"{}\": {{...}}}}",
                    full.rsplit_once(':').map_or("", |(u, _)| u)
                ),
                format!("{key} at the top level"),
            );
        }
    }
    if !known.is_empty() {
        out.occasion(JSON_TYPES);
    }
    for slot in known {
        if slot.attr.mutability == Mutability::ReadOnly {
            continue;
        }
        if matches!(slot.container, Container::Extension(_)) {
            out.occasion(EXTENSION_QUALIFIED);
        }
        if let Some(n) = primaries(slot.attr, slot.value) {
            out.occasion(ONE_PRIMARY);
            if n > 1 {
                out.depart(
                    ONE_PRIMARY,
                    format!("{}[].primary", slot.at),
                    "primary true on one value at most",
                    format!("{n} values with primary true"),
                );
            }
        }
        if has_binary(slot.attr, slot.value) {
            out.occasion(BINARY);
        }
        for p in values::problems(slot.attr, slot.value, &slot.at) {
            match p.kind {
                Kind::Quirk(q) => out.quirk(JSON_TYPES, q, p.at, p.expected, p.actual),
                Kind::JsonType => out.depart(JSON_TYPES, p.at, p.expected, p.actual),
                Kind::Binary => out.depart(BINARY, p.at, p.expected, p.actual),
                // A server may ignore what its schema lacks (RFC 7644 §3.3): not the client's fault.
                Kind::UnknownSub => {}
            }
        }
        data::check(slot.attr, slot.container.key(), None, slot.value, out);
    }
}

fn has_binary(attr: &crate::scim::schema::Attribute, value: &Value) -> bool {
    use crate::scim::schema::AttrType;
    if attr.ty == AttrType::Binary {
        return !value.is_null();
    }
    let binary_subs: Vec<&str> =
        attr.sub_attributes.iter().filter(|s| s.ty == AttrType::Binary).map(|s| s.name.as_str()).collect();
    if binary_subs.is_empty() {
        return false;
    }
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    items
        .iter()
        .filter_map(|v| v.as_object())
        .any(|o| binary_subs.iter().any(|s| message::get(o, s).is_some()))
}

/// No http URI carries user:password@ (RFC 7644 §7.1).
pub fn no_userinfo(body: &Map<String, Value>, out: &mut Sink) {
    let mut texts = Vec::new();
    body.values().for_each(|v| values::strings(v, &mut texts));
    for text in texts {
        let lower = text.to_ascii_lowercase();
        let Some(rest) = lower.strip_prefix("http://").or_else(|| lower.strip_prefix("https://")) else {
            continue;
        };
        out.occasion(NO_USERINFO);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            out.depart(
                NO_USERINFO,
                "a URI in the body",
                "no user:password@ in an http URI",
                "a URI with userinfo before its host",
            );
        }
    }
}
