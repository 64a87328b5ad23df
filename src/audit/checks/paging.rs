//! Paging through a listing (RFC 7644 §3.4.2.4): the next page starts after
//! what the last one held, and a client that pages goes on to totalResults,
//! however few resources a page holds.

use super::super::request::{Request, Target};
use super::super::rules::SHORT_PAGES;
use super::super::seen::Seen;
use super::super::tally::Sink;
use crate::scim::message;
use crate::scim::quirks::Leniency;
use serde_json::Value;
use std::collections::HashMap;

/// A listing: its tenant, path and every parameter but the paging ones.
type Key = (Option<usize>, String, Vec<(String, String)>);

/// Walks in progress: the most a long audit keeps (each holds its last page,
/// cut to what a report shows).
const MAX_WALKS: usize = 1_000;

#[derive(Default)]
pub struct Paging {
    walks: HashMap<Key, Walk>,
}

struct Walk {
    /// The startIndex that follows the last page.
    next: u64,
    total: u64,
    /// The client asked for a page past the first.
    paged: bool,
    /// The last page held fewer than asked, though more remained.
    short: bool,
    last: Seen,
    last_start: u64,
    last_held: u64,
}

impl Paging {
    pub fn see(&mut self, req: &Request, out: &mut Sink) {
        let Target::Collection(_) = req.target else { return };
        if !req.is("GET") || req.status() != Some(200) {
            return;
        }
        let seen = req.seen;
        let number = |name: &str| seen.param(name).and_then(|v| v.trim().parse::<i64>().ok());
        let start = number("startIndex").map_or(1, |s| s.max(1) as u64);
        let count = number("count").map(|c| c.max(0) as u64);
        let Some(page) = seen
            .answer
            .as_ref()
            .and_then(|a| serde_json::from_slice::<Value>(&a.body).ok())
            .and_then(|b| b.as_object().cloned())
        else {
            return;
        };
        let Some(total) = message::get(&page, "totalResults").and_then(Value::as_u64) else { return };
        let held = message::get(&page, "Resources").and_then(Value::as_array).map_or(0, |r| r.len() as u64);
        let mut rest: Vec<(String, String)> =
            seen.query.iter().filter(|(k, _)| k != "startIndex" && k != "count").cloned().collect();
        rest.sort();
        let key = (seen.tenant, seen.path.clone(), rest);
        if let Some(walk) = self.walks.remove(&key) {
            if start > 1 {
                out.occasion(SHORT_PAGES);
                if start > walk.next {
                    out.depart(
                        SHORT_PAGES,
                        "startIndex of the next page",
                        format!(
                            "startIndex={}: the page at startIndex={} held {} resources",
                            walk.next, walk.last_start, walk.last_held
                        ),
                        format!("startIndex={start}, which skips {} resources", start - walk.next),
                    );
                }
            } else if walk.paged || walk.short {
                abandoned(walk, out.tallies, out.leniency);
            }
        }
        let short = count.is_some_and(|c| c > 0 && held < c) && start + held <= total;
        if short {
            out.occasion(SHORT_PAGES);
        }
        let next = start + held;
        if held == 0 || next > total {
            return;
        }
        if self.walks.len() >= MAX_WALKS {
            self.walks.clear();
        }
        let paged = start > 1;
        self.walks.insert(
            key,
            Walk { next, total, paged, short, last: seen.trimmed(), last_start: start, last_held: held },
        );
    }

    /// Walks the client left before totalResults, once it is gone.
    pub fn finish(self, tallies: &mut super::super::tally::Tallies, leniency: &Leniency) {
        let mut walks: Vec<Walk> = self.walks.into_values().filter(|w| w.paged || w.short).collect();
        walks.sort_by_key(|w| w.last.seq);
        for walk in walks {
            abandoned(walk, tallies, leniency);
        }
    }
}

fn abandoned(walk: Walk, tallies: &mut super::super::tally::Tallies, leniency: &Leniency) {
    let mut out = Sink { tallies, seen: &walk.last, leniency, within: None };
    out.depart(
        SHORT_PAGES,
        "paging",
        format!("the next page, at startIndex={}: totalResults is {}", walk.next, walk.total),
        format!(
            "no further page after startIndex={} held {}{}",
            walk.last_start,
            walk.last_held,
            if walk.short { ", fewer than asked" } else { "" }
        ),
    );
}
