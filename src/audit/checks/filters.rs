//! The attribute paths of a filter (RFC 7644 §3.4.2.2), as a query, a search
//! or a PATCH path writes them: complex attributes named with their
//! sub-attribute, bracketed filters over the bracketed attribute's
//! sub-attributes, extension attributes qualified, no password in a URL.

use super::super::rules::{COMPLEX_SUB_ATTRIBUTE, EXTENSION_QUALIFIED, PASSWORD_NOT_IN_URL, VALUE_FILTER};
use super::super::tally::Sink;
use super::super::values::unqualified_extension;
use crate::scim::attr_path::AttrPath;
use crate::scim::filter::Filter;
use crate::scim::schema::{Attribute, ResourceType};

/// Where the filter was sent: in a URL a password must not appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Url,
    Body,
}

/// Checks every attribute path of `filter`, for the resource types it may address.
pub fn check(filter: &Filter, types: &[&ResourceType], place: Place, out: &mut Sink) {
    match filter {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().for_each(|p| check(p, types, place, out)),
        Filter::Not(inner) => check(inner, types, place, out),
        Filter::Compare { path, .. } | Filter::Present { path, .. } => top_level(path, types, place, out),
        Filter::ValuePath { path, filter, .. } => {
            qualified(path, types, out);
            if let Some(attr) = resolve(path, types) {
                value_filter(attr, &path.to_string(), filter, out);
            }
        }
    }
}

fn top_level(path: &AttrPath, types: &[&ResourceType], place: Place, out: &mut Sink) {
    if place == Place::Url && path.name.eq_ignore_ascii_case("password") && path.sub.is_none() {
        out.depart(
            PASSWORD_NOT_IN_URL,
            "filter in the URL",
            "a filter on password sent in the body of POST .search (RFC 7644 §7.5.2), not in a URL that logs keep",
            format!("filter on {path} in the query string"),
        );
    }
    qualified(path, types, out);
    let Some(attr) = resolve(path, types) else { return };
    if !attr.is_complex() {
        return;
    }
    out.occasion(COMPLEX_SUB_ATTRIBUTE);
    // RFC 7644's own examples filter `emails co "example.com"`: a
    // multi-valued attribute's `value` stands in for the whole (RFC 7643 §2.4).
    let implied_value = attr.multi_valued && attr.sub("value").is_some();
    if path.sub.is_none() && !implied_value {
        out.depart(
            COMPLEX_SUB_ATTRIBUTE,
            format!("filter on {path}"),
            format!(
                "a sub-attribute named: {}",
                attr.sub_attributes
                    .iter()
                    .take(3)
                    .map(|s| format!("{path}.{}", s.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!("{path}, a complex attribute, compared as a whole"),
        );
    }
}

/// The filter inside `attr[...]`: over the attribute's own sub-attributes.
pub fn value_filter(attr: &Attribute, at: &str, filter: &Filter, out: &mut Sink) {
    out.occasion(VALUE_FILTER);
    if !attr.is_complex() {
        out.depart(
            VALUE_FILTER,
            format!("filter {at}[...]"),
            "brackets after a complex attribute, around a filter over its sub-attributes",
            format!("{} is not complex", attr.name),
        );
        return;
    }
    let mut strays = Vec::new();
    inner_paths(filter, &mut |p, nested| {
        let fits = !nested && p.urn.is_none() && p.sub.is_none() && attr.sub(&p.name).is_some();
        if !fits {
            strays.push(p.to_string());
        }
    });
    if !strays.is_empty() {
        out.depart(
            VALUE_FILTER,
            format!("filter {at}[...]"),
            format!(
                "only sub-attributes of {} inside the brackets: {}",
                attr.name,
                attr.sub_attributes.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
            format!("{} inside the brackets", strays.join(", ")),
        );
    }
}

fn inner_paths(filter: &Filter, f: &mut dyn FnMut(&AttrPath, bool)) {
    match filter {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().for_each(|p| inner_paths(p, f)),
        Filter::Not(inner) => inner_paths(inner, f),
        Filter::Compare { path, .. } | Filter::Present { path, .. } => f(path, false),
        Filter::ValuePath { path, .. } => f(path, true),
    }
}

/// An extension attribute named without its URN (RFC 7644 §3.10).
pub fn qualified(path: &AttrPath, types: &[&ResourceType], out: &mut Sink) {
    if let Some(urn) = &path.urn {
        let is_extension =
            types.iter().any(|rt| rt.extensions.iter().any(|e| e.schema.id.eq_ignore_ascii_case(urn)));
        if is_extension {
            out.occasion(EXTENSION_QUALIFIED);
        }
        return;
    }
    if let Some(full) = types.iter().find_map(|rt| unqualified_extension(rt, &path.name)) {
        out.depart(
            EXTENSION_QUALIFIED,
            format!("attribute {path}"),
            format!("the extension attribute qualified with its schema URN: {full}"),
            path.to_string(),
        );
    }
}

/// The attribute a path names in the first resource type that has it.
pub fn resolve<'a>(path: &AttrPath, types: &[&'a ResourceType]) -> Option<&'a Attribute> {
    let whole = AttrPath { sub: None, ..path.clone() };
    types.iter().find_map(|rt| rt.resolve_attr(&whole).ok().map(|a| a.attr))
}
