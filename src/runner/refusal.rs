//! Telling a refusal the RFC allows from one it does not.
//!
//! A step that expects success may meet a target that lacks the feature it
//! uses, and says so as the RFC lets it: 400 `invalidFilter` for a filter
//! "attribute and filter comparison combination [that] is not supported"
//! (RFC 7644 §3.12, Table 9), 501 for an operation it "does not support"
//! (Table 8). Such a step makes its case not applicable, with the reason.
//! But a target that refuses `userName EQ "x"` while it answers
//! `userName eq "x"` breaks the rule that operators and attribute names
//! are case-insensitive: the same filter in canonical form is retried, and
//! only a refusal of both is latitude.

use super::http::{Body, Incoming, Outgoing};
use super::model::{TargetModel, get_ci};
use crate::scim::attr_path::AttrPath;
use crate::scim::filter::Filter;
use crate::scim::schema::{Container, ResourceType};
use crate::suite::case::Method;
use serde_json::Value;

/// The filter a request carries, and where.
#[derive(Debug, Clone)]
pub struct SentFilter {
    pub text: String,
    place: Place,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Query,
    /// In a query string the case wrote into the path, as an IdP encodes it.
    Path,
    /// In a SearchRequest body.
    Body,
}

pub fn filter_of(out: &Outgoing) -> Option<SentFilter> {
    if let Some((_, text)) = out.query.iter().find(|(k, _)| k.eq_ignore_ascii_case("filter")) {
        return Some(SentFilter { text: text.clone(), place: Place::Query });
    }
    if let Some((_, query)) = out.path.split_once('?')
        && let Some((_, text)) =
            form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k.eq_ignore_ascii_case("filter"))
    {
        return Some(SentFilter { text: text.into_owned(), place: Place::Path });
    }
    match &out.body {
        Some(Body::Json(body)) if out.method == Method::Post && out.path.ends_with(".search") => {
            let text = get_ci(body, "filter").and_then(Value::as_str)?;
            Some(SentFilter { text: text.to_string(), place: Place::Body })
        }
        _ => None,
    }
}

/// A 400 whose scimType is invalidFilter.
pub fn is_filter_refusal(incoming: &Incoming) -> bool {
    incoming.status == 400
        && incoming
            .json()
            .ok()
            .and_then(|b| get_ci(&b, "scimType").and_then(Value::as_str).map(str::to_string))
            .is_some_and(|t| t.eq_ignore_ascii_case("invalidFilter"))
}

/// The same filter with lower-case operators, the target's spelling of
/// each attribute name and no core schema URN: what a server that supports
/// the filter at all must accept. `None` when it is already so written or
/// cannot be read.
pub fn canonical(text: &str, resources: &[&ResourceType]) -> Option<String> {
    let filter = Filter::parse(text).ok()?;
    let canonical = rewrite(&filter, None, resources).to_string();
    let plain = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    // Display parenthesises every group; compare without that.
    let strip = |s: &str| plain(&s.replace(['(', ')'], ""));
    (strip(&canonical) != strip(text)).then_some(canonical)
}

fn rewrite(filter: &Filter, parent: Option<&AttrPath>, resources: &[&ResourceType]) -> Filter {
    let path = |p: &AttrPath| canonical_path(p, parent, resources);
    match filter {
        Filter::And(parts) => Filter::And(parts.iter().map(|p| rewrite(p, parent, resources)).collect()),
        Filter::Or(parts) => Filter::Or(parts.iter().map(|p| rewrite(p, parent, resources)).collect()),
        Filter::Not(inner) => Filter::Not(Box::new(rewrite(inner, parent, resources))),
        Filter::Compare { path: p, op, value, span } => {
            Filter::Compare { path: path(p), op: *op, value: value.clone(), span: *span }
        }
        Filter::Present { path: p, span } => Filter::Present { path: path(p), span: *span },
        Filter::ValuePath { path: p, filter, span } => {
            let outer = path(p);
            Filter::ValuePath {
                filter: Box::new(rewrite(filter, Some(&outer), resources)),
                path: outer,
                span: *span,
            }
        }
    }
}

fn canonical_path(p: &AttrPath, parent: Option<&AttrPath>, resources: &[&ResourceType]) -> AttrPath {
    for rt in resources {
        let resolved = match parent {
            // Inside brackets a name is a sub-attribute of the parent.
            Some(parent) => {
                let full = AttrPath {
                    urn: parent.urn.clone(),
                    name: parent.name.clone(),
                    sub: Some(p.name.clone()),
                };
                rt.resolve_attr(&full).ok().and_then(|r| r.sub.map(|s| AttrPath::simple(&s.name)))
            }
            None => rt.resolve_attr(p).ok().map(|r| AttrPath {
                urn: match r.container {
                    Container::Core => None,
                    Container::Extension(schema) => Some(schema.id.clone()),
                },
                name: r.attr.name.clone(),
                sub: r.sub.map(|s| s.name.clone()),
            }),
        };
        if let Some(found) = resolved {
            return found;
        }
    }
    p.clone()
}

/// Whether every part of a filter is something the probes saw the target
/// answer: each attribute with its operator, on a resource type it is
/// asked of, and each logical operator. A refusal of such a filter is no
/// "combination [that] is not supported": the checks judge it.
pub fn known_to_work(text: &str, resources: &[&ResourceType], model: &TargetModel) -> bool {
    let Ok(filter) = Filter::parse(text) else { return false };
    let works = |feature: String| model.probe(&feature).is_some_and(|p| p.works());
    let term = |path: &AttrPath, op: &str| {
        resources.iter().any(|rt| {
            let Ok(r) = rt.resolve_attr(path) else { return false };
            let mut name = r.attr.name.clone();
            if let Some(sub) = r.sub {
                name = format!("{name}.{}", sub.name);
            }
            let prefix = if rt.name == "User" { String::new() } else { format!("{} ", rt.name) };
            works(format!("filter {prefix}{name} {op}"))
        })
    };
    fn all(f: &Filter, term: &dyn Fn(&AttrPath, &str) -> bool, works: &dyn Fn(String) -> bool) -> bool {
        match f {
            Filter::And(parts) => works("filter and".into()) && parts.iter().all(|p| all(p, term, works)),
            Filter::Or(parts) => works("filter or".into()) && parts.iter().all(|p| all(p, term, works)),
            Filter::Not(inner) => works("filter not".into()) && all(inner, term, works),
            Filter::Compare { path, op, .. } => term(path, op.as_str()),
            Filter::Present { path, .. } => term(path, "pr"),
            Filter::ValuePath { path, .. } => works(format!("filter {}[...]", path.name)),
        }
    }
    all(&filter, &term, &works)
}

/// The request again, with another filter.
pub fn with_filter(out: &Outgoing, sent: &SentFilter, text: &str) -> Outgoing {
    let mut again = out.clone();
    match sent.place {
        Place::Body => {
            if let Some(Body::Json(v)) = &mut again.body
                && let Some(obj) = v.as_object_mut()
                && let Some(slot) = crate::scim::message::get_mut(obj, "filter")
            {
                *slot = Value::from(text);
            }
        }
        Place::Query => {
            for (k, v) in again.query.iter_mut() {
                if k.eq_ignore_ascii_case("filter") {
                    *v = text.to_string();
                }
            }
        }
        Place::Path => {
            if let Some((path, query)) = out.path.split_once('?') {
                let mut rebuilt = form_urlencoded::Serializer::new(String::new());
                for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                    let v = if k.eq_ignore_ascii_case("filter") { text.into() } else { v };
                    rebuilt.append_pair(&k, &v);
                }
                again.path = format!("{path}?{}", rebuilt.finish());
            }
        }
    }
    again
}

/// Why a refusal of an operation the target does not claim makes the case
/// not applicable; `None` when the refusal is no such thing.
pub fn unsupported_operation(out: &Outgoing, incoming: &Incoming, model: &TargetModel) -> Option<String> {
    if incoming.status != 501 {
        return None;
    }
    let path = out.path.split('?').next().unwrap_or("");
    let claims = &model.config;
    let feature = if out.method == Method::Patch && !claims.patch {
        "PATCH"
    } else if path.trim_matches('/').eq_ignore_ascii_case("Bulk") && !claims.bulk {
        "Bulk"
    } else if path.ends_with(".search") {
        "POST .search"
    } else if out.query.iter().any(|(k, _)| k.eq_ignore_ascii_case("sortBy")) && !claims.sort {
        "sorting"
    } else if filter_of(out).is_some() && !claims.filter {
        "filtering"
    } else {
        return None;
    };
    Some(format!(
        "the target answered 501 Not Implemented to {} {path}: it does not support {feature}, which RFC 7644 lets it leave out (§3.12 Table 8: 501 \"Service provider does not support the request operation\")",
        out.method.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::Registry;

    #[test]
    fn canonical_filters_lower_operators_fix_name_case_and_drop_the_core_urn() {
        let user = Registry::builtin().user();
        let c = |t: &str| canonical(t, &[user]);
        assert_eq!(c("USERNAME EQ \"a\"").as_deref(), Some("userName eq \"a\""));
        assert_eq!(
            c("urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"a\" And title eq \"b\"").as_deref(),
            Some("(userName sw \"a\" and title eq \"b\")")
        );
        assert_eq!(c("emails[TYPE eq \"work\"]").as_deref(), Some("emails[type eq \"work\"]"));
        assert_eq!(c("userName eq \"a\""), None, "already canonical");
        assert_eq!(c("(userName eq \"a\") and (title eq \"b\")"), None, "only grouping differs");
        assert_eq!(c("userName eq"), None, "unreadable");
        assert_eq!(
            c("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:DEPARTMENT eq \"x\"").as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"x\"")
        );
    }
}
