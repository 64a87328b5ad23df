//! Body transformations some faults need: each turns a correct resource into
//! the one a particular buggy server would store. Only the faults in
//! `service` call these, so the healthy server never runs them.

use crate::scim::schema::ResourceType;
use serde_json::{Map, Value};

/// What a utf8mb3 database column does to characters outside the BMP.
pub fn mangle_non_bmp(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::from(
            s.chars().map(|c| if (c as u32) > 0xFFFF { '\u{FFFD}' } else { c }).collect::<String>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(mangle_non_bmp).collect()),
        Value::Object(obj) => {
            Value::Object(obj.iter().map(|(k, v)| (k.clone(), mangle_non_bmp(v))).collect())
        }
        other => other.clone(),
    }
}

/// Marks every value but the first primary one as not primary, so the body
/// passes validation, and remembers which (attribute, value) pairs were primary.
pub fn hide_extra_primaries(body: &Value) -> (Value, Vec<(String, Value)>) {
    let mut body = body.clone();
    let mut primaries = Vec::new();
    if let Value::Object(obj) = &mut body {
        for (name, value) in obj.iter_mut() {
            let Value::Array(items) = value else { continue };
            let mut seen = false;
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                if item.get("primary") == Some(&Value::Bool(true)) {
                    primaries.push((name.clone(), item.get("value").cloned().unwrap_or(Value::Null)));
                    if seen {
                        item.insert("primary".into(), Value::Bool(false));
                    }
                    seen = true;
                }
            }
        }
    }
    (body, primaries)
}

/// Sets `primary` back on the values [`hide_extra_primaries`] remembered.
pub fn restore_primaries(resource: &mut Map<String, Value>, primaries: &[(String, Value)]) {
    for (name, value) in primaries {
        let Some((_, Value::Array(items))) = resource.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(name))
        else {
            continue;
        };
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            if item.get("value") == Some(value) {
                item.insert("primary".into(), Value::Bool(true));
            }
        }
    }
}

/// The first value of each multi-valued attribute with a `primary`
/// sub-attribute becomes primary when none is.
pub fn invent_primaries(rt: &ResourceType, resource: &mut Map<String, Value>) {
    for attr in rt.core.attributes.iter().filter(|a| a.multi_valued && a.sub("primary").is_some()) {
        let Some(Value::Array(items)) = resource.get_mut(&attr.name) else { continue };
        let any = items.iter().any(|i| i.get("primary") == Some(&Value::Bool(true)));
        if let (false, Some(Value::Object(first))) = (any, items.first_mut()) {
            first.insert("primary".into(), Value::Bool(true));
        }
    }
}

/// The body's `schemas` with only the URNs the normalizer knows, once each,
/// so a body with extra or repeated URNs can be stored as sent afterwards.
pub fn known_schemas_only(rt: &ResourceType, body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(Value::Array(urns)) = body.get_mut("schemas") {
        let mut kept: Vec<Value> = Vec::new();
        for urn in urns.drain(..) {
            let known = urn.as_str().is_some_and(|u| {
                u.eq_ignore_ascii_case(&rt.core.id)
                    || rt.extensions.iter().any(|e| e.schema.id.eq_ignore_ascii_case(u))
            });
            if known && !kept.contains(&urn) {
                kept.push(urn);
            }
        }
        *urns = kept;
    }
    body
}

/// Enterprise attributes moved out of their URN-keyed object to the top level.
pub fn flatten_extensions(rt: &ResourceType, view: &mut Map<String, Value>) {
    for ext in &rt.extensions {
        if let Some(Value::Object(inner)) = view.shift_remove(&ext.schema.id) {
            view.extend(inner);
        }
    }
}

/// Type names as a Java developer might write them: String, DateTime.
pub fn capitalise_types(v: &mut Value) {
    match v {
        Value::Object(obj) => {
            for (k, inner) in obj.iter_mut() {
                if k == "type"
                    && let Value::String(t) = inner
                {
                    let mut chars = t.chars();
                    if let Some(first) = chars.next() {
                        *t = first.to_uppercase().chain(chars).collect();
                    }
                } else {
                    capitalise_types(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(capitalise_types),
        _ => {}
    }
}
