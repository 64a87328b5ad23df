//! Query parameters (RFC 7644 §3.4.2): the filter, the attribute lists and
//! the sort order a client puts in a URL.

use super::super::request::{Request, Target};
use super::super::rules::{
    ATTRIBUTES, EXCLUDED_ATTRIBUTES, FILTER_NOT_EMPTY, FILTER_SYNTAX, ONE_PROJECTION, PASSWORD_NOT_IN_URL,
    SORT_ORDER,
};
use super::super::tally::Sink;
use super::Ctx;
use super::filters::{self, Place};
use crate::scim::attr_path::AttrPath;
use crate::scim::filter::Filter;
use crate::scim::schema::ResourceType;

pub fn check(req: &Request, ctx: &Ctx, out: &mut Sink) {
    let types: Vec<&ResourceType> = match req.target {
        Target::Collection(rt) | Target::Resource(rt, _) | Target::Search(Some(rt)) => vec![rt],
        Target::Search(None) => ctx.registry.resource_types.iter().collect(),
        _ => return,
    };
    let seen = req.seen;
    if req.is("GET")
        && let Some(text) = seen.param("filter")
    {
        filter(text, &types, Place::Url, FILTER_SYNTAX, out);
    }
    projection(
        seen.param("attributes"),
        seen.param("excludedAttributes"),
        &types,
        [ATTRIBUTES, EXCLUDED_ATTRIBUTES],
        out,
    );
    if let Some(order) = seen.param("sortOrder") {
        sort_order(order, out);
    }
    if let Some(by) = seen.param("sortBy")
        && let Ok(path) = AttrPath::parse(by.trim())
    {
        filters::qualified(&path, &types, out);
    }
}

/// A filter, in a URL or a search body: `syntax` is the requirement its
/// grammar is judged by there.
pub fn filter(text: &str, types: &[&ResourceType], place: Place, syntax: &'static str, out: &mut Sink) {
    out.occasion(FILTER_NOT_EMPTY);
    out.occasion(syntax);
    if place == Place::Url {
        out.occasion(PASSWORD_NOT_IN_URL);
    }
    if text.trim().is_empty() {
        out.depart(
            FILTER_NOT_EMPTY,
            "filter",
            "at least one expression, such as userName eq \"bjensen\"",
            "an empty filter",
        );
        return;
    }
    match Filter::parse(text) {
        Ok(parsed) => filters::check(&parsed, types, place, out),
        Err(e) => out.depart(
            syntax,
            "filter",
            "a filter per the grammar of RFC 7644 §3.4.2.2: attribute, operator, value",
            format!("{text}\n{}", e.to_scim(text).detail),
        ),
    }
}

/// `attributes` and `excludedAttributes`: attribute notation, one of the two.
pub fn projection(
    attributes: Option<&str>,
    excluded: Option<&str>,
    types: &[&ResourceType],
    requirements: [&'static str; 2],
    out: &mut Sink,
) {
    for (list, requirement, name) in
        [(attributes, requirements[0], "attributes"), (excluded, requirements[1], "excludedAttributes")]
    {
        let Some(list) = list else { continue };
        out.occasion(requirement);
        for item in list.split(',').map(str::trim) {
            match AttrPath::parse(item) {
                Ok(path) => filters::qualified(&path, types, out),
                Err(why) => out.depart(
                    requirement,
                    name,
                    "comma-separated attribute names in the notation of RFC 7644 §3.10",
                    format!("{item:?}: {why}"),
                ),
            }
        }
    }
    if attributes.is_some() || excluded.is_some() {
        out.occasion(ONE_PROJECTION);
    }
    if attributes.is_some() && excluded.is_some() {
        out.depart(
            ONE_PROJECTION,
            "attributes and excludedAttributes",
            "one of the two: they are mutually exclusive (RFC 7644 §3.9)",
            "both in one request",
        );
    }
}

pub fn sort_order(order: &str, out: &mut Sink) {
    out.occasion(SORT_ORDER);
    if !order.eq_ignore_ascii_case("ascending") && !order.eq_ignore_ascii_case("descending") {
        out.depart(SORT_ORDER, "sortOrder", "ascending or descending", format!("{order:?}"));
    }
}
