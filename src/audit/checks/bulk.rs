//! A Bulk request (RFC 7644 §3.7): the BulkRequest message, each operation's
//! method, path, bulkId, data and version, and each operation's data checked
//! as the request it stands for.

use super::super::request::{Request, Target, id_of};
use super::super::rules::{
    BULK_DATA, BULK_ID, BULK_METHOD, BULK_OPERATIONS, BULK_PATH, BULK_SCHEMA, BULK_VERSION,
};
use super::super::tally::Sink;
use super::super::values::excerpt;
use super::{Ctx, patch, resource};
use crate::scim::message;
use crate::scim::urn::BULK_REQUEST;
use serde_json::Value;

pub fn check(req: &Request, ctx: &Ctx, out: &mut Sink) {
    if !matches!(req.target, Target::Bulk) || !req.is("POST") {
        return;
    }
    out.occasion(BULK_SCHEMA);
    out.occasion(BULK_OPERATIONS);
    let Some(Value::Object(body)) = &req.json else {
        out.depart(
            BULK_SCHEMA,
            "body",
            format!("a BulkRequest message listing {BULK_REQUEST}"),
            "no JSON object",
        );
        return;
    };
    if !message::declares(body, BULK_REQUEST) {
        out.depart(
            BULK_SCHEMA,
            "schemas",
            format!("schemas listing {BULK_REQUEST}"),
            format!("schemas: {}", message::get(body, "schemas").map_or("absent".into(), excerpt)),
        );
    }
    let Some(Value::Array(ops)) = message::get(body, "Operations") else {
        out.depart(
            BULK_OPERATIONS,
            "Operations",
            "an array of operations",
            message::get(body, "Operations").map_or("no Operations".into(), excerpt),
        );
        return;
    };
    for (i, op) in ops.iter().enumerate() {
        operation(ctx, op, &mut out.within(format!("Bulk operation {}", i + 1)));
    }
}

fn operation(ctx: &Ctx, op: &Value, out: &mut Sink) {
    out.occasion(BULK_METHOD);
    out.occasion(BULK_PATH);
    let Value::Object(op) = op else {
        out.depart(BULK_METHOD, "operation", "an object with method and path", excerpt(op));
        return;
    };
    let method = message::get(op, "method").and_then(Value::as_str).map(str::to_ascii_uppercase);
    let method = match method.as_deref() {
        Some(m @ ("POST" | "PUT" | "PATCH" | "DELETE")) => Some(m.to_string()),
        _ => {
            out.depart(
                BULK_METHOD,
                "method",
                "\"POST\", \"PUT\", \"PATCH\" or \"DELETE\"",
                message::get(op, "method").map_or("no method".into(), excerpt),
            );
            None
        }
    };
    let path = match message::get(op, "path").and_then(Value::as_str) {
        Some(p) if !p.trim().is_empty() => Some(p.to_string()),
        _ => {
            out.depart(
                BULK_PATH,
                "path",
                "the resource endpoint, such as /Users",
                message::get(op, "path").map_or("no path".into(), excerpt),
            );
            None
        }
    };
    let Some(method) = method else { return };
    if method == "POST" {
        out.occasion(BULK_ID);
        let has_id = message::get(op, "bulkId").and_then(Value::as_str).is_some_and(|s| !s.is_empty());
        if !has_id {
            out.depart(BULK_ID, "bulkId", "a bulkId on a POST operation", "none");
        }
    }
    let data = message::get(op, "data");
    if method != "DELETE" {
        out.occasion(BULK_DATA);
        if data.is_none() {
            out.depart(BULK_DATA, "data", format!("the {method} body in data"), "no data");
        }
    }
    if let Some(version) = message::get(op, "version") {
        out.occasion(BULK_VERSION);
        if method == "POST" || !ctx.etag {
            out.depart(
                BULK_VERSION,
                "version",
                "a version only on PUT, PATCH or DELETE, and only where the server has ETags",
                format!(
                    "version {} on {method}{}",
                    excerpt(version),
                    if ctx.etag { "" } else { ", to a server without ETags" }
                ),
            );
        }
    }
    let (Some(path), Some(data)) = (path, data) else { return };
    let path = path.split('?').next().unwrap_or("").to_string();
    let id = id_of(&path);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let Some(rt) = segments.first().and_then(|e| ctx.registry.by_endpoint(e)) else { return };
    match (method.as_str(), segments.len()) {
        ("POST", 1) => resource::write("POST", rt, None, Some(data), out),
        ("PUT", 2) => resource::write("PUT", rt, Some(&id), Some(data), out),
        ("PATCH", 2) => patch::patch(rt, &id, Some(data), out),
        _ => {}
    }
}
