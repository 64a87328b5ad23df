//! After a refusal that says the client's view is out of date or clashes:
//! a 412 to a conditional write (RFC 9110 §13.1.1) and a 409 (RFC 9110
//! §15.5.10). Resubmitting unchanged, without looking, cannot end well.

use super::super::request::{Request, Target};
use super::super::rules::{AFTER_409, REREAD_AFTER_412};
use super::super::tally::Sink;
use std::collections::HashMap;

/// Refusals remembered at once; a long audit forgets the oldest.
const REMEMBERED: usize = 10_000;

#[derive(Default)]
pub struct Conflicts {
    /// Resources a conditional write of was refused with 412, and by which request.
    stale: HashMap<(Option<usize>, String), u64>,
    /// Requests refused with 409 (by fingerprint), and the endpoint a lookup would read.
    conflicted: HashMap<u64, (u64, Option<usize>, String)>,
}

impl Conflicts {
    pub fn see(&mut self, req: &Request, out: &mut Sink) {
        let seen = req.seen;
        let endpoint = seen.path.trim_matches('/').split('/').next().unwrap_or("").to_string();
        let resource = (seen.tenant, seen.path.clone());
        let lookup = match req.target {
            Target::Collection(_) | Target::Resource(..) => req.is("GET"),
            Target::Search(_) => req.is("POST"),
            _ => false,
        };
        if lookup {
            if matches!(req.target, Target::Resource(..)) {
                self.stale.remove(&resource);
            }
            self.conflicted.retain(|_, (_, tenant, e)| !(*tenant == seen.tenant && *e == endpoint));
            return;
        }
        let write = matches!(req.target, Target::Resource(..))
            && ["PUT", "PATCH", "DELETE"].iter().any(|m| req.is(m));
        if write && let Some(refused) = self.stale.remove(&resource) {
            let how = match seen.header("if-match") {
                Some(tag) => format!("If-Match: {tag}"),
                None => "no If-Match: an overwrite of whatever changed".into(),
            };
            out.depart(
                REREAD_AFTER_412,
                format!("{} after a 412", seen.method),
                format!(
                    "a GET of {} after the 412 to request {refused}, then the write with its new ETag",
                    seen.path
                ),
                format!("the write again with no read between, {how}"),
            );
        }
        let fingerprint = seen.fingerprint();
        if let Some((refused, ..)) = self.conflicted.remove(&fingerprint) {
            out.depart(
                AFTER_409,
                format!("{} after a 409", seen.method),
                format!(
                    "a lookup of what conflicts, or a changed request, after the 409 to request {refused}"
                ),
                "the same request resubmitted unchanged",
            );
        }
        match seen.status() {
            Some(412) if write => {
                out.occasion(REREAD_AFTER_412);
                if self.stale.len() >= REMEMBERED {
                    self.stale.clear();
                }
                self.stale.insert(resource, seen.seq);
            }
            Some(409) => {
                out.occasion(AFTER_409);
                if self.conflicted.len() >= REMEMBERED {
                    self.conflicted.clear();
                }
                self.conflicted.insert(fingerprint, (seen.seq, seen.tenant, endpoint));
            }
            _ => {}
        }
    }
}
