//! Conditional writes (RFC 7644 §3.14): where the server gave a resource a
//! version, a client may make its PUT, PATCH or DELETE conditional on it.

use super::super::request::{Request, Target};
use super::super::rules::IF_MATCH;
use super::super::tally::Sink;
use crate::scim::message;
use serde_json::Value;
use std::collections::HashSet;

/// Versioned resources remembered; a long audit forgets them all at once past this.
const REMEMBERED: usize = 100_000;

#[derive(Default)]
pub struct Versions {
    versioned: HashSet<(Option<usize>, String, String)>,
}

impl Versions {
    pub fn see(&mut self, req: &Request, out: &mut Sink) {
        let seen = req.seen;
        if let Target::Resource(rt, id) = req.target
            && ["PUT", "PATCH", "DELETE"].iter().any(|m| req.is(m))
            && self.versioned.contains(&(seen.tenant, rt.name.clone(), id.to_string()))
        {
            out.occasion(IF_MATCH);
            if seen.header("if-match").is_none() {
                out.depart(
                    IF_MATCH,
                    "header If-Match",
                    "If-Match with the version the server gave, so the write cannot undo a change made meanwhile",
                    format!("{} without If-Match", seen.method),
                );
            }
        }
        let Some(answer) = &seen.answer else { return };
        if answer.status >= 300 {
            return;
        }
        let rt = match req.resource_type() {
            Some(rt) => rt,
            None => return,
        };
        let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
        let etag = answer.headers.iter().any(|(n, _)| n == "etag");
        let mut remember = |id: &str| {
            if self.versioned.len() >= REMEMBERED {
                self.versioned.clear();
            }
            self.versioned.insert((seen.tenant, rt.name.clone(), id.to_string()));
        };
        let versioned = |resource: &Value| {
            resource
                .get("meta")
                .and_then(|m| m.as_object())
                .and_then(|m| message::get(m, "version"))
                .is_some()
        };
        match req.target {
            Target::Resource(_, id) if etag || body.as_ref().is_some_and(versioned) => remember(id),
            Target::Collection(_) if req.is("POST") => {
                if let Some(b) = &body
                    && (etag || versioned(b))
                    && let Some(id) = b.get("id").and_then(Value::as_str)
                {
                    remember(id);
                }
            }
            Target::Collection(_) | Target::Search(_) => {
                let resources = body.as_ref().and_then(|b| b.get("Resources")).and_then(Value::as_array);
                for r in resources.into_iter().flatten() {
                    if versioned(r)
                        && let Some(id) = r.get("id").and_then(Value::as_str)
                    {
                        remember(id);
                    }
                }
            }
            _ => {}
        }
    }
}
