//! Coming back after a failure: waiting as long as Retry-After asks (RFC
//! 9110 §10.2.3), and not repeating on its own a request that may already
//! have taken effect (RFC 9110 §9.2.2).

use super::super::request::{Request, Target};
use super::super::rules::{NO_AUTO_RETRY, RETRY_AFTER};
use super::super::tally::Sink;
use super::patch;
use std::collections::{HashMap, VecDeque};

/// Requests with an unknown outcome remembered at once; older ones are forgotten.
const REMEMBERED: usize = 1_000;

#[derive(Default)]
pub struct Retries {
    /// Non-idempotent requests whose outcome the client could not know:
    /// fingerprint, request, what it got, where a lookup would look.
    unknown: VecDeque<(u64, u64, String, Endpoint)>,
    /// The last lookup (a GET or a search) of each endpoint.
    lookups: HashMap<Endpoint, u64>,
}

type Endpoint = (Option<usize>, String);

impl Retries {
    pub fn see(&mut self, req: &Request, out: &mut Sink) {
        let seen = req.seen;
        if let Some(wait) = &seen.arrival.wait {
            out.occasion(RETRY_AFTER);
            if wait.waited_ms < wait.asked_ms {
                out.depart(
                    RETRY_AFTER,
                    "time before sending the refused request again",
                    format!(
                        "at least {:.1} s: the Retry-After of the answer to request {}",
                        wait.asked_ms as f64 / 1000.0,
                        wait.after
                    ),
                    format!("{:.1} s", wait.waited_ms as f64 / 1000.0),
                );
            }
        }
        let endpoint: Endpoint =
            (seen.tenant, seen.path.trim_matches('/').split('/').next().unwrap_or("").to_string());
        let lookup = match req.target {
            Target::Collection(_) | Target::Resource(..) => req.is("GET"),
            Target::Search(_) => req.is("POST"),
            _ => false,
        };
        if lookup {
            self.lookups.insert(endpoint, seen.seq);
            return;
        }
        let non_idempotent = match req.target {
            Target::Collection(_) | Target::Bulk => req.is("POST"),
            Target::Resource(..) => req.is("PATCH") && !patch::idempotent(req.json.as_ref()),
            _ => false,
        };
        if !non_idempotent {
            return;
        }
        let fingerprint = seen.fingerprint();
        if let Some(first) = seen.arrival.duplicate_of {
            out.occasion(NO_AUTO_RETRY);
            out.depart(
                NO_AUTO_RETRY,
                format!("{} repeated", seen.method),
                "no second copy of a non-idempotent request while the first is unanswered",
                format!("the same request as {first}, sent while {first} was still unanswered"),
            );
        } else if let Some(i) = self.unknown.iter().position(|(f, ..)| *f == fingerprint) {
            let (_, first, outcome, at) = self.unknown.remove(i).unwrap_or_default();
            let looked = self.lookups.get(&at).is_some_and(|l| *l > first);
            if !looked {
                out.depart(
                    NO_AUTO_RETRY,
                    format!("{} repeated", seen.method),
                    format!("a lookup of {} before repeating a request that may have taken effect", at.1),
                    format!("the same request as {first}, which {outcome}, repeated with no lookup between"),
                );
            }
        }
        let outcome = match seen.status() {
            None => Some("got no answer".to_string()),
            Some(s @ (500 | 502 | 504)) => Some(format!("was answered {s}")),
            _ => None,
        };
        if let Some(outcome) = outcome {
            out.occasion(NO_AUTO_RETRY);
            if self.unknown.len() >= REMEMBERED {
                self.unknown.pop_front();
            }
            self.unknown.push_back((fingerprint, seen.seq, outcome, endpoint));
        }
    }
}
