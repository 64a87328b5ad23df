//! Does this client act like Microsoft Entra ID? Entra's documented requests
//! for the same lifecycle: a lookup by its matching attribute before each
//! create, its shape of deactivation and of member removal, and a disable
//! before a delete.

use super::super::request::{Request, Target};
use super::super::rules::{ENTRA_DEACTIVATION, ENTRA_MEMBER_REMOVAL, ENTRA_SOFT_DELETE, ENTRA_USER_LOOKUP};
use super::super::tally::Sink;
use super::super::values::excerpt;
use super::like_okta::{eq_value, falsy, sets_active_false};
use super::patch::operations;
use crate::scim::filter::{CompareOp, Filter, parse_patch_path};
use crate::scim::message;
use serde_json::Value;
use std::collections::HashSet;

/// What a long audit remembers; past it, everything is forgotten at once.
const REMEMBERED: usize = 100_000;

#[derive(Default)]
pub struct Entra {
    looked_up: HashSet<(Option<usize>, String)>,
    disabled: HashSet<(Option<usize>, String)>,
}

impl Entra {
    pub fn see(&mut self, req: &Request, out: &mut Sink) {
        let seen = req.seen;
        if self.looked_up.len() + self.disabled.len() > REMEMBERED {
            *self = Entra::default();
        }
        match req.target {
            Target::Collection(rt) if rt.name == "User" && req.is("GET") => {
                if let Some(filter) = seen.param("filter") {
                    for attribute in ["userName", "externalId"] {
                        if let Some(v) = eq_value(filter, attribute) {
                            self.looked_up.insert((seen.tenant, v.to_lowercase()));
                        }
                    }
                }
            }
            Target::Collection(rt) if rt.name == "User" && req.is("POST") => {
                let body = req.json.as_ref().and_then(Value::as_object);
                let names: Vec<&str> = ["userName", "externalId"]
                    .iter()
                    .filter_map(|a| body.and_then(|b| message::get(b, a)).and_then(Value::as_str))
                    .collect();
                if names.is_empty() {
                    return;
                }
                out.occasion(ENTRA_USER_LOOKUP);
                if !names.iter().any(|n| self.looked_up.contains(&(seen.tenant, n.to_lowercase()))) {
                    out.depart(
                        ENTRA_USER_LOOKUP,
                        "before POST /Users",
                        format!("GET /Users?filter=userName eq \"{}\" (or externalId eq), as Entra looks before it creates", names[0]),
                        "a create with no lookup of the user before it",
                    );
                }
            }
            Target::Resource(rt, id) if rt.name == "User" && req.is("PATCH") => {
                let ops = operations(req.json.as_ref());
                if !ops.iter().any(|op| sets_active_false(op)) {
                    return;
                }
                out.occasion(ENTRA_DEACTIVATION);
                self.disabled.insert((seen.tenant, id.to_string()));
                let entra_form = match ops.as_slice() {
                    [op] => {
                        message::get(op, "op")
                            .and_then(Value::as_str)
                            .is_some_and(|k| k.eq_ignore_ascii_case("replace"))
                            && message::get(op, "path")
                                .and_then(Value::as_str)
                                .is_some_and(|p| p.eq_ignore_ascii_case("active"))
                            && message::get(op, "value").is_some_and(falsy)
                    }
                    _ => false,
                };
                if !entra_form {
                    out.depart(
                        ENTRA_DEACTIVATION,
                        "PATCH disabling a user",
                        "one operation, {\"op\": \"Replace\", \"path\": \"active\", \"value\": \"False\"} (or lower case with false)",
                        excerpt(&Value::Array(ops.iter().map(|o| Value::Object((*o).clone())).collect())),
                    );
                }
            }
            Target::Resource(rt, id) if rt.name == "User" && req.is("PUT") => {
                let disables = req
                    .json
                    .as_ref()
                    .and_then(Value::as_object)
                    .and_then(|b| message::get(b, "active"))
                    .is_some_and(falsy);
                if disables {
                    out.occasion(ENTRA_DEACTIVATION);
                    self.disabled.insert((seen.tenant, id.to_string()));
                    out.depart(
                        ENTRA_DEACTIVATION,
                        "PUT disabling a user",
                        "a PATCH replacing active: Entra does not disable with PUT",
                        "a PUT with active false",
                    );
                }
            }
            Target::Resource(rt, id) if rt.name == "User" && req.is("DELETE") => {
                out.occasion(ENTRA_SOFT_DELETE);
                if !self.disabled.contains(&(seen.tenant, id.to_string())) {
                    out.depart(
                        ENTRA_SOFT_DELETE,
                        "DELETE of a user",
                        "the user disabled first (active false), as Entra does before it deletes",
                        "a DELETE of a user the client never disabled",
                    );
                }
            }
            Target::Resource(rt, _) if rt.name == "Group" && req.is("PATCH") => {
                for op in operations(req.json.as_ref()) {
                    member_removal(op, out);
                }
            }
            _ => {}
        }
    }
}

fn member_removal(op: &serde_json::Map<String, Value>, out: &mut Sink) {
    let removes =
        message::get(op, "op").and_then(Value::as_str).is_some_and(|k| k.eq_ignore_ascii_case("remove"));
    let path = message::get(op, "path").and_then(Value::as_str).unwrap_or("");
    if !removes || !path.to_ascii_lowercase().starts_with("members") {
        return;
    }
    out.occasion(ENTRA_MEMBER_REMOVAL);
    let value = message::get(op, "value");
    let by_value = path.eq_ignore_ascii_case("members")
        && value.and_then(Value::as_array).is_some_and(|items| {
            !items.is_empty()
                && items.iter().all(|i| {
                    i.as_object().and_then(|o| message::get(o, "value")).is_some_and(Value::is_string)
                })
        });
    let by_filter = value.is_none()
        && parse_patch_path(path).is_ok_and(|p| {
            p.sub_after_filter.is_none()
                && matches!(p.filter, Some(Filter::Compare { ref path, op: CompareOp::Eq, .. }) if path.name.eq_ignore_ascii_case("value"))
        });
    if !by_value && !by_filter {
        out.depart(
            ENTRA_MEMBER_REMOVAL,
            "remove of a group member",
            "{\"op\": \"Remove\", \"path\": \"members\", \"value\": [{\"value\": \"<id>\"}]}, or a remove at members[value eq \"<id>\"] (aadOptscim062020)",
            excerpt(&Value::Object(op.clone())),
        );
    }
}
