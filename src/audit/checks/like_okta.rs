//! Does this client act like Okta? Okta's documented requests for the same
//! lifecycle: its headers, a lookup before each create, its two shapes of
//! deactivation, and Group Push renaming a group before each membership change.

use super::super::request::{Request, Target};
use super::super::rules::{
    OKTA_DEACTIVATION, OKTA_GROUP_LOOKUP, OKTA_GROUP_PUSH_ORDER, OKTA_HEADERS, OKTA_USER_LOOKUP,
};
use super::super::tally::Sink;
use super::super::values::excerpt;
use super::patch::operations;
use crate::scim::filter::{CompareOp, Filter, Literal};
use crate::scim::message;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

const USER_AGENT: &str = "Okta SCIM Client 1.0.0";
/// What a long audit remembers of each kind; past it, the oldest kind is forgotten at once.
const REMEMBERED: usize = 100_000;

type Id = (Option<usize>, String);

#[derive(Default)]
pub struct Okta {
    users_looked_up: HashSet<Id>,
    groups_looked_up: HashSet<Id>,
    read: HashSet<(Option<usize>, String)>,
    last_group_write: HashMap<Id, GroupWrite>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GroupWrite {
    Rename,
    Membership,
    Other,
}

impl Okta {
    pub fn see(&mut self, req: &Request, out: &mut Sink) {
        let seen = req.seen;
        headers(req, out);
        if self.users_looked_up.len() + self.groups_looked_up.len() + self.read.len() > REMEMBERED {
            *self = Okta::default();
        }
        match req.target {
            Target::Collection(rt) if req.is("GET") => {
                let attribute = if rt.name == "User" { "userName" } else { "displayName" };
                if let Some(value) = seen.param("filter").and_then(|f| eq_value(f, attribute)) {
                    let set = if rt.name == "User" {
                        &mut self.users_looked_up
                    } else {
                        &mut self.groups_looked_up
                    };
                    set.insert((seen.tenant, value.to_lowercase()));
                }
            }
            Target::Collection(rt) if req.is("POST") => {
                let (attribute, set, requirement) = if rt.name == "User" {
                    ("userName", &self.users_looked_up, OKTA_USER_LOOKUP)
                } else {
                    ("displayName", &self.groups_looked_up, OKTA_GROUP_LOOKUP)
                };
                let name = req
                    .json
                    .as_ref()
                    .and_then(Value::as_object)
                    .and_then(|b| message::get(b, attribute))
                    .and_then(Value::as_str);
                let Some(name) = name else { return };
                out.occasion(requirement);
                if !set.contains(&(seen.tenant, name.to_lowercase())) {
                    out.depart(
                        requirement,
                        format!("before POST {}", rt.endpoint),
                        format!("GET {}?filter={attribute} eq \"{name}\"&startIndex=1&count=100, as Okta looks before it creates", rt.endpoint),
                        "a create with no lookup of that name before it",
                    );
                }
            }
            Target::Resource(rt, id) if req.is("GET") => {
                self.read.insert((seen.tenant, format!("{}/{id}", rt.name)));
            }
            Target::Resource(rt, id) if rt.name == "User" && (req.is("PATCH") || req.is("PUT")) => {
                self.deactivation(req, &format!("{}/{id}", rt.name), out);
            }
            Target::Resource(rt, id) if rt.name == "Group" && req.is("PATCH") => {
                self.group_push(req, id, out);
            }
            _ => {}
        }
    }

    fn deactivation(&mut self, req: &Request, user: &str, out: &mut Sink) {
        let seen = req.seen;
        let body = req.json.as_ref();
        if req.is("PUT") {
            let deactivates =
                body.and_then(Value::as_object).and_then(|b| message::get(b, "active")).is_some_and(falsy);
            if !deactivates {
                return;
            }
            out.occasion(OKTA_DEACTIVATION);
            if !self.read.contains(&(seen.tenant, user.to_string())) {
                out.depart(
                    OKTA_DEACTIVATION,
                    "PUT with active false",
                    "a GET of the user, then a PUT of the whole user with active false (apps built with the wizard)",
                    "a PUT with no GET of the user before it",
                );
            }
            return;
        }
        let ops = operations(body);
        if !ops.iter().any(|op| sets_active_false(op)) {
            return;
        }
        out.occasion(OKTA_DEACTIVATION);
        let okta_form = match ops.as_slice() {
            [op] => {
                let kind = message::get(op, "op").and_then(Value::as_str);
                let path = message::get(op, "path").filter(|p| !p.is_null());
                let value = message::get(op, "value").and_then(Value::as_object);
                kind == Some("replace")
                    && path.is_none()
                    && value.is_some_and(|v| {
                        v.len() == 1 && message::get(v, "active") == Some(&Value::Bool(false))
                    })
            }
            _ => false,
        };
        if !okta_form {
            out.depart(
                OKTA_DEACTIVATION,
                "PATCH deactivating a user",
                "one operation, {\"op\": \"replace\", \"value\": {\"active\": false}}, with no path",
                excerpt(&Value::Array(ops.iter().map(|o| Value::Object((*o).clone())).collect())),
            );
        }
    }

    fn group_push(&mut self, req: &Request, id: &str, out: &mut Sink) {
        let ops = operations(req.json.as_ref());
        let path_of = |op: &serde_json::Map<String, Value>| {
            message::get(op, "path").and_then(Value::as_str).map(str::to_ascii_lowercase)
        };
        let membership = ops.iter().any(|op| path_of(op).is_some_and(|p| p.starts_with("members")));
        let rename = ops.iter().any(|op| {
            path_of(op).is_none()
                && message::get(op, "value")
                    .and_then(Value::as_object)
                    .is_some_and(|v| message::get(v, "displayName").is_some())
        });
        let group = (req.seen.tenant, id.to_string());
        if membership {
            out.occasion(OKTA_GROUP_PUSH_ORDER);
            if self.last_group_write.get(&group) != Some(&GroupWrite::Rename) {
                out.depart(
                    OKTA_GROUP_PUSH_ORDER,
                    "the write before this membership change",
                    "a rename of the group (a path-less replace carrying displayName), as Okta sends before each membership change",
                    "none",
                );
            }
        }
        let kind = if rename {
            GroupWrite::Rename
        } else if membership {
            GroupWrite::Membership
        } else {
            GroupWrite::Other
        };
        self.last_group_write.insert(group, kind);
    }
}

fn headers(req: &Request, out: &mut Sink) {
    let seen = req.seen;
    out.occasion(OKTA_HEADERS);
    let mut differences = Vec::new();
    let accept = seen.header("accept").unwrap_or("");
    if !accept.to_ascii_lowercase().contains("application/scim+json") {
        differences.push(format!("Accept: {}", if accept.is_empty() { "(none)" } else { accept }));
    }
    match seen.header("accept-charset") {
        Some(c) if c.trim().eq_ignore_ascii_case("utf-8") => {}
        other => differences.push(format!("Accept-Charset: {}", other.unwrap_or("(none)"))),
    }
    match seen.header("user-agent") {
        Some(USER_AGENT) => {}
        other => differences.push(format!("User-Agent: {}", other.unwrap_or("(none)"))),
    }
    if seen.has_body() {
        let ct = seen.header("content-type").unwrap_or("");
        if !ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/scim+json") {
            differences.push(format!("Content-Type: {}", if ct.is_empty() { "(none)" } else { ct }));
        }
    }
    if !differences.is_empty() {
        out.depart(
            OKTA_HEADERS,
            "headers",
            format!(
                "Accept: application/scim+json, Accept-Charset: utf-8, User-Agent: {USER_AGENT}{}",
                if seen.has_body() { ", Content-Type: application/scim+json; charset=utf-8" } else { "" }
            ),
            differences.join("\n"),
        );
    }
}

/// The value of a filter that is one `attribute eq "value"`.
pub fn eq_value(filter: &str, attribute: &str) -> Option<String> {
    match Filter::parse(filter).ok()? {
        Filter::Compare { path, op: CompareOp::Eq, value: Literal::String(v), .. }
            if path.urn.is_none() && path.sub.is_none() && path.name.eq_ignore_ascii_case(attribute) =>
        {
            Some(v)
        }
        _ => None,
    }
}

/// false, or a string saying false (Entra's "False").
pub fn falsy(v: &Value) -> bool {
    v == &Value::Bool(false) || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("false"))
}

/// An operation that sets active to false, with or without a path.
pub fn sets_active_false(op: &serde_json::Map<String, Value>) -> bool {
    let kind = message::get(op, "op").and_then(Value::as_str).map(str::to_ascii_lowercase);
    if !matches!(kind.as_deref(), Some("replace" | "add")) {
        return false;
    }
    let value = message::get(op, "value");
    match message::get(op, "path").and_then(Value::as_str) {
        Some(path) => path.eq_ignore_ascii_case("active") && value.is_some_and(falsy),
        None => value.and_then(Value::as_object).and_then(|v| message::get(v, "active")).is_some_and(falsy),
    }
}
