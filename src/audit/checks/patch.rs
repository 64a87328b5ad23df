//! A PATCH (RFC 7644 §3.5.2), alone or inside Bulk: the PatchOp message, each
//! operation's shape, and whether what it writes fits the attribute it names.

use super::super::request::{Request, Target};
use super::super::rules::{
    ADD_COMPLEX, ADD_VALUE, EXTENSION_QUALIFIED, NO_READONLY, PATCH_COMPATIBLE, PATCH_ONE_OP, PATCH_OP_VALUE,
    PATCH_OPERATIONS, PATCHOP_SCHEMA, REMOVE_PATH, REPLACE_COMPLEX, REPLACE_WITHOUT_PATH,
};
use super::super::tally::Sink;
use super::super::values::{self, Kind, excerpt, unqualified_extension};
use super::data;
use super::filters;
use super::resource::no_userinfo;
use crate::scim::attr_path::starts_with_urn;
use crate::scim::filter::{PatchPath, parse_patch_path};
use crate::scim::message;
use crate::scim::quirks::Quirk;
use crate::scim::schema::{Attribute, Container, Mutability, Resolved, ResourceType};
use crate::scim::urn::PATCH_OP;
use serde_json::{Map, Value};

pub fn check(req: &Request, out: &mut Sink) {
    if let Target::Resource(rt, id) = req.target
        && req.is("PATCH")
    {
        patch(rt, id, req.json.as_ref(), out);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Remove,
    Replace,
}

/// A PATCH body for the resource `id` of `rt`.
pub fn patch(rt: &ResourceType, id: &str, body: Option<&Value>, out: &mut Sink) {
    out.occasion(PATCHOP_SCHEMA);
    out.occasion(PATCH_OPERATIONS);
    let Some(Value::Object(body)) = body else {
        out.depart(
            PATCHOP_SCHEMA,
            "body",
            format!("a PatchOp message: a JSON object listing {PATCH_OP}"),
            body.map_or("a body that is not JSON".to_string(), excerpt),
        );
        return;
    };
    if !message::declares(body, PATCH_OP) {
        out.depart(
            PATCHOP_SCHEMA,
            "schemas",
            format!("schemas listing {PATCH_OP}"),
            format!("schemas: {}", message::get(body, "schemas").map_or("absent".into(), excerpt)),
        );
    }
    let operations = match message::get(body, "Operations") {
        Some(Value::Array(ops)) if !ops.is_empty() => ops,
        other => {
            out.depart(
                PATCH_OPERATIONS,
                "Operations",
                "an array of one or more operations",
                other.map_or("no Operations".to_string(), excerpt),
            );
            return;
        }
    };
    for (i, op) in operations.iter().enumerate() {
        operation(rt, id, op, &mut out.within(format!("Operations[{i}]")));
    }
    no_userinfo(body, out);
}

fn operation(rt: &ResourceType, id: &str, op: &Value, out: &mut Sink) {
    out.occasion(PATCH_ONE_OP);
    let Value::Object(op) = op else {
        out.depart(PATCH_ONE_OP, "operation", "a JSON object with one op", excerpt(op));
        return;
    };
    let ops: Vec<&Value> = op.iter().filter(|(k, _)| k.eq_ignore_ascii_case("op")).map(|(_, v)| v).collect();
    let Some(kind) = (match ops.as_slice() {
        [one] => op_kind(one, out),
        _ => {
            out.depart(PATCH_ONE_OP, "op", "exactly one op member", format!("{} op members", ops.len()));
            None
        }
    }) else {
        return;
    };
    let value = message::get(op, "value");
    match kind {
        Op::Add => {
            out.occasion(ADD_VALUE);
            if value.is_none() {
                out.depart(ADD_VALUE, "value", "a value to add (RFC 7644 §3.5.2.1)", "no value");
            }
        }
        Op::Remove => out.occasion(REMOVE_PATH),
        Op::Replace => {}
    }
    match message::get(op, "path") {
        None | Some(Value::Null) => pathless(rt, id, kind, value, out),
        Some(Value::String(text)) => match parse_patch_path(text) {
            Ok(path) => with_path(rt, kind, text, &path, value, out),
            Err(e) => {
                out.occasion(PATCH_COMPATIBLE);
                out.depart(
                    PATCH_COMPATIBLE,
                    "path",
                    "an attribute path per RFC 7644 §3.5.2 (attrPath or valuePath)",
                    format!("{text:?}: {}", e.to_scim(text).detail),
                );
            }
        },
        Some(other) => {
            out.occasion(PATCH_COMPATIBLE);
            out.depart(PATCH_COMPATIBLE, "path", "an attribute path string", excerpt(other));
        }
    }
}

fn op_kind(value: &Value, out: &mut Sink) -> Option<Op> {
    out.occasion(PATCH_OP_VALUE);
    let Some(text) = value.as_str() else {
        out.depart(PATCH_OP_VALUE, "op", "\"add\", \"remove\" or \"replace\"", excerpt(value));
        return None;
    };
    let kind = match text.to_ascii_lowercase().as_str() {
        "add" => Op::Add,
        "remove" => Op::Remove,
        "replace" => Op::Replace,
        _ => {
            out.depart(PATCH_OP_VALUE, "op", "\"add\", \"remove\" or \"replace\"", format!("{text:?}"));
            return None;
        }
    };
    if !matches!(text, "add" | "remove" | "replace") {
        out.quirk(
            PATCH_OP_VALUE,
            Quirk::CapitalisedOp,
            "op",
            format!("{:?}, as RFC 7644 §3.5.2 spells it", text.to_ascii_lowercase()),
            format!("{text:?}"),
        );
    }
    Some(kind)
}

/// An add or replace without a path: its value holds attributes of the resource.
fn pathless(rt: &ResourceType, id: &str, kind: Op, value: Option<&Value>, out: &mut Sink) {
    match kind {
        Op::Remove => {
            out.depart(REMOVE_PATH, "path", "a path naming what to remove (RFC 7644 §3.5.2)", "no path");
            return;
        }
        Op::Replace => out.occasion(REPLACE_WITHOUT_PATH),
        Op::Add => {}
    }
    let Some(value) = value else { return };
    let Value::Object(attrs) = value else {
        let requirement = if kind == Op::Replace { REPLACE_WITHOUT_PATH } else { PATCH_COMPATIBLE };
        out.occasion(requirement);
        out.depart(requirement, "value", "an object of the attributes to set", excerpt(value));
        return;
    };
    if attrs.is_empty() && kind == Op::Replace {
        out.depart(REPLACE_WITHOUT_PATH, "value", "one or more attributes to replace", "{}");
    }
    for (key, v) in attrs {
        // RFC 7644 §3.5.2 lets a client change schemas, to add or drop an extension.
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(Container::Extension(schema)) = rt.schema_for_urn(key) {
            out.occasion(EXTENSION_QUALIFIED);
            let Value::Object(inner) = v else {
                out.occasion(PATCH_COMPATIBLE);
                out.depart(
                    PATCH_COMPATIBLE,
                    key.clone(),
                    format!("an object of {} attributes", schema.id),
                    excerpt(v),
                );
                continue;
            };
            for (name, inner_value) in inner {
                match schema.attribute(name) {
                    Some(attr) => {
                        named(attr, Some(&schema.id), &format!("{key}:{name}"), kind, inner_value, out)
                    }
                    None => unknown(out),
                }
            }
            continue;
        }
        if key.contains('.') || starts_with_urn(key) {
            let requirement = if kind == Op::Replace { REPLACE_WITHOUT_PATH } else { PATCH_COMPATIBLE };
            out.occasion(requirement);
            out.quirk(
                requirement,
                Quirk::PathKeysInValue,
                format!("value key {key:?}"),
                "attribute names as keys (a path goes in \"path\", with one operation each)",
                format!("the path {key:?} used as a key"),
            );
            continue;
        }
        match rt.core_attribute(key) {
            Some(attr) if attr.name.eq_ignore_ascii_case("id") && v.as_str() == Some(id) => {
                // Okta echoes the resource's own id in a rename: nothing is modified.
                out.occasion(NO_READONLY);
            }
            Some(attr) if attr.name.eq_ignore_ascii_case("meta") => {
                // meta "SHALL be ignored when provided by clients" (RFC 7643 §3.1):
                // sent back with the rest of a resource, it modifies nothing.
                out.occasion(NO_READONLY);
            }
            Some(attr) => named(attr, None, key, kind, v, out),
            None => match unqualified_extension(rt, key) {
                Some(full) => out.depart(
                    EXTENSION_QUALIFIED,
                    format!("value key {key:?}"),
                    format!("the extension attribute qualified: {full}"),
                    key.clone(),
                ),
                None => unknown(out),
            },
        }
    }
}

/// An attribute the server's schema does not define: not the client's fault,
/// as a server may ignore what it lacks (RFC 7644 §3.3); only an occasion.
fn unknown(out: &mut Sink) {
    out.occasion(PATCH_COMPATIBLE);
}

/// An operation on an attribute named at the top level of a path-less value.
fn named(attr: &Attribute, urn: Option<&str>, at: &str, kind: Op, value: &Value, out: &mut Sink) {
    out.occasion(NO_READONLY);
    out.occasion(PATCH_COMPATIBLE);
    if attr.mutability == Mutability::ReadOnly {
        readonly(at, value, out);
        return;
    }
    // A complex value it already reported is one mistake, not two.
    if !complex_value(attr, at, kind, value, out) {
        for p in values::problems(attr, value, at) {
            compatible(p, out);
        }
    }
    data::check(attr, urn, None, value, out);
}

fn readonly(at: &str, value: &Value, out: &mut Sink) {
    out.depart(
        NO_READONLY,
        at.to_string(),
        "no readOnly attribute in a PATCH: the client MUST NOT modify it",
        format!("{at}: {}", excerpt(value)),
    );
}

fn compatible(p: values::Problem, out: &mut Sink) {
    match p.kind {
        Kind::Quirk(q) => out.quirk(PATCH_COMPATIBLE, q, p.at, p.expected, p.actual),
        Kind::JsonType | Kind::Binary => out.depart(PATCH_COMPATIBLE, p.at, p.expected, p.actual),
        // As for an attribute the schema lacks: a server may ignore it.
        Kind::UnknownSub => {}
    }
}

/// A single-valued complex attribute takes an object of its sub-attributes
/// (RFC 7644 §3.5.2.1, §3.5.2.3); the bare-string quirk is reported here,
/// not again as a type problem.
fn complex_value(attr: &Attribute, at: &str, kind: Op, value: &Value, out: &mut Sink) -> bool {
    if !attr.is_complex() || attr.multi_valued || kind == Op::Remove {
        return false;
    }
    let requirement = if kind == Op::Add { ADD_COMPLEX } else { REPLACE_COMPLEX };
    out.occasion(requirement);
    match value {
        Value::Object(_) | Value::Null => false,
        Value::String(s) if attr.sub("value").is_some() => {
            out.quirk(
                requirement,
                Quirk::BareStringForComplex,
                at.to_string(),
                format!("an object of sub-attributes, such as {{\"value\": \"{s}\"}}"),
                format!("the bare string {value}"),
            );
            true
        }
        other => {
            out.depart(requirement, at.to_string(), "an object of sub-attributes", excerpt(other));
            true
        }
    }
}

/// An operation with a path.
fn with_path(
    rt: &ResourceType,
    kind: Op,
    text: &str,
    path: &PatchPath,
    value: Option<&Value>,
    out: &mut Sink,
) {
    if path.attr.urn.is_none() && path.attr.name.eq_ignore_ascii_case("schemas") {
        return;
    }
    if path.attr.urn.is_none()
        && let Some(full) = unqualified_extension(rt, &path.attr.name)
    {
        out.depart(
            EXTENSION_QUALIFIED,
            format!("path {text:?}"),
            format!("the extension attribute qualified: {full}"),
            text.to_string(),
        );
        return;
    }
    if path
        .attr
        .urn
        .as_deref()
        .is_some_and(|u| rt.extensions.iter().any(|e| e.schema.id.eq_ignore_ascii_case(u)))
    {
        out.occasion(EXTENSION_QUALIFIED);
    }
    out.occasion(NO_READONLY);
    out.occasion(PATCH_COMPATIBLE);
    let resolved = match rt.resolve(&path.attr) {
        Ok(r) => r,
        Err(_) => return unknown(out),
    };
    let aref = match resolved {
        Resolved::Attr(a) => a,
        Resolved::Extension(schema) => {
            // A whole extension: its value is an object of the extension's attributes.
            if let Some(Value::Object(inner)) = value {
                for (name, v) in inner {
                    match schema.attribute(name) {
                        Some(attr) => {
                            named(attr, Some(&schema.id), &format!("{}:{name}", schema.id), kind, v, out)
                        }
                        None => unknown(out),
                    }
                }
            }
            return;
        }
    };
    let attr = aref.attr;
    if let Some(filter) = &path.filter {
        filters::value_filter(attr, &path.attr.to_string(), filter, out);
    }
    let sub = match (&path.sub_after_filter, aref.sub) {
        (Some(name), _) => match attr.sub(name) {
            Some(s) => Some(s),
            None => return unknown(out),
        },
        (None, s) => s,
    };
    let target = sub.unwrap_or(attr);
    let urn = aref.container.key();
    if attr.mutability == Mutability::ReadOnly || target.mutability == Mutability::ReadOnly {
        readonly(text, value.unwrap_or(&Value::Null), out);
        return;
    }
    if target.mutability == Mutability::Immutable && kind != Op::Add {
        out.depart(
            NO_READONLY,
            format!("path {text:?}"),
            "no change to an immutable attribute once it has a value (RFC 7644 §3.5.2)",
            format!("{} of {text:?}", if kind == Op::Remove { "remove" } else { "replace" }),
        );
        return;
    }
    let Some(value) = value else { return };
    if kind == Op::Remove {
        if attr.multi_valued && path.filter.is_none() && sub.is_none() {
            out.quirk(
                PATCH_COMPATIBLE,
                Quirk::RemoveByValue,
                format!("remove at {text:?} with a value"),
                format!("the values to remove selected by a filter, such as {}[value eq \"...\"] (RFC 7644 §3.5.2.2)", attr.name),
                format!("a value, which remove does not take; as written it removes every value of {}", attr.name),
            );
        }
        return;
    }
    match sub {
        Some(s) => {
            let mut problems = Vec::new();
            values::single(s, value, text, &mut problems);
            problems.into_iter().for_each(|p| compatible(p, out));
        }
        None if path.filter.is_some() || (attr.multi_valued && !value.is_array()) => {
            // One element of a multi-valued attribute.
            let mut problems = Vec::new();
            values::single(attr, value, text, &mut problems);
            problems.into_iter().for_each(|p| compatible(p, out));
        }
        None => {
            if !complex_value(attr, text, kind, value, out) {
                for p in values::problems(attr, value, text) {
                    compatible(p, out);
                }
            }
        }
    }
    data::check(attr, urn, sub, value, out);
}

/// Whether a PATCH body's every operation is a replace or a remove:
/// idempotent in its semantics, so repeating it is harmless.
pub fn idempotent(body: Option<&Value>) -> bool {
    let ops =
        body.and_then(Value::as_object).and_then(|b| message::get(b, "Operations")).and_then(Value::as_array);
    ops.is_some_and(|ops| {
        ops.iter().all(|op| {
            op.as_object()
                .and_then(|o| message::get(o, "op"))
                .and_then(Value::as_str)
                .is_some_and(|k| k.eq_ignore_ascii_case("replace") || k.eq_ignore_ascii_case("remove"))
        })
    })
}

/// The operations of a PATCH body, as objects.
pub fn operations(body: Option<&Value>) -> Vec<&Map<String, Value>> {
    body.and_then(Value::as_object)
        .and_then(|b| message::get(b, "Operations"))
        .and_then(Value::as_array)
        .map(|ops| ops.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default()
}
