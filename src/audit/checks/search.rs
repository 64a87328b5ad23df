//! A query sent with POST to `.search` (RFC 7644 §3.4.3): the SearchRequest
//! message and its parameters.

use super::super::request::{Request, Target};
use super::super::rules::{SEARCH_ATTRIBUTES, SEARCH_EXCLUDED, SEARCH_FILTER, SEARCH_SCHEMA, SEARCH_SORT_BY};
use super::super::tally::Sink;
use super::Ctx;
use super::filters::{self, Place};
use super::query;
use crate::scim::attr_path::AttrPath;
use crate::scim::message;
use crate::scim::schema::ResourceType;
use crate::scim::urn::SEARCH_REQUEST;
use serde_json::Value;

pub fn check(req: &Request, ctx: &Ctx, out: &mut Sink) {
    let types: Vec<&ResourceType> = match req.target {
        Target::Search(Some(rt)) if req.is("POST") => vec![rt],
        Target::Search(None) if req.is("POST") => ctx.registry.resource_types.iter().collect(),
        _ => return,
    };
    out.occasion(SEARCH_SCHEMA);
    let Some(Value::Object(body)) = &req.json else {
        out.depart(
            SEARCH_SCHEMA,
            "body",
            format!("a SearchRequest message listing {SEARCH_REQUEST}"),
            "no JSON object",
        );
        return;
    };
    if !message::declares(body, SEARCH_REQUEST) {
        out.depart(
            SEARCH_SCHEMA,
            "body schemas",
            format!("schemas listing {SEARCH_REQUEST}"),
            format!("schemas: {}", message::get(body, "schemas").map_or("absent".into(), Value::to_string)),
        );
    }
    match message::get(body, "filter") {
        None | Some(Value::Null) => {}
        Some(Value::String(text)) => query::filter(text, &types, Place::Body, SEARCH_FILTER, out),
        Some(other) => {
            out.occasion(SEARCH_FILTER);
            out.depart(SEARCH_FILTER, "filter", "a filter string", other.to_string());
        }
    }
    let list = |key: &str, requirement: &'static str, out: &mut Sink| -> Option<String> {
        match message::get(body, key)? {
            Value::Array(items) => {
                let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                match names {
                    Some(names) => Some(names.join(",")),
                    None => {
                        out.occasion(requirement);
                        out.depart(
                            requirement,
                            key,
                            "an array of attribute names",
                            Value::Array(items.clone()).to_string(),
                        );
                        None
                    }
                }
            }
            Value::String(s) => Some(s.clone()),
            other => {
                out.occasion(requirement);
                out.depart(requirement, key, "an array of attribute names", other.to_string());
                None
            }
        }
    };
    let attributes = list("attributes", SEARCH_ATTRIBUTES, out);
    let excluded = list("excludedAttributes", SEARCH_EXCLUDED, out);
    query::projection(
        attributes.as_deref(),
        excluded.as_deref(),
        &types,
        [SEARCH_ATTRIBUTES, SEARCH_EXCLUDED],
        out,
    );
    if let Some(by) = message::get(body, "sortBy") {
        out.occasion(SEARCH_SORT_BY);
        match by.as_str().map(|s| AttrPath::parse(s.trim())) {
            Some(Ok(path)) => filters::qualified(&path, &types, out),
            Some(Err(why)) => out.depart(
                SEARCH_SORT_BY,
                "sortBy",
                "an attribute name in the notation of RFC 7644 §3.10",
                why,
            ),
            None => out.depart(
                SEARCH_SORT_BY,
                "sortBy",
                "an attribute name in the notation of RFC 7644 §3.10",
                by.to_string(),
            ),
        }
    }
    if let Some(order) = message::get(body, "sortOrder") {
        query::sort_order(order.as_str().unwrap_or(&order.to_string()), out);
    }
}
