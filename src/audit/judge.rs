//! The judge: every exchange, in the order the requests arrived, through
//! every check, into the tallies. Requests finish out of order (a slow answer
//! holds one back while others pass it), so finished exchanges wait until
//! every earlier one has finished too.

use super::checks::{self, Ctx};
use super::request::{Request, id_of};
use super::seen::Seen;
use super::tally::{Sink, Tallies};
use crate::runner::http::Redactor;
use crate::scim::quirks::Leniency;
use crate::suite::profile::Profile;
use std::collections::BTreeMap;

/// Finished exchanges held back, at most, for one that has not finished.
const MOST_WAITING: usize = 1_000;

pub struct Judge {
    ctx: Ctx,
    leniency: Leniency,
    like: Vec<Profile>,
    /// Finished exchanges waiting for an earlier one.
    waiting: BTreeMap<u64, Seen>,
    /// The next request to judge.
    next: u64,
    pub tallies: Tallies,
    paging: checks::paging::Paging,
    retries: checks::retry::Retries,
    conflicts: checks::conflict::Conflicts,
    redirects: checks::redirect::Redirects,
    versions: checks::etag::Versions,
    okta: checks::like_okta::Okta,
    entra: checks::like_entra::Entra,
    judged: u64,
}

impl Judge {
    pub fn new(ctx: Ctx, leniency: Leniency, like: Vec<Profile>, redactor: Redactor) -> Judge {
        Judge {
            ctx,
            leniency,
            like,
            waiting: BTreeMap::new(),
            next: 1,
            tallies: Tallies::new(redactor),
            paging: Default::default(),
            retries: Default::default(),
            conflicts: Default::default(),
            redirects: Default::default(),
            versions: Default::default(),
            okta: Default::default(),
            entra: Default::default(),
            judged: 0,
        }
    }

    /// A finished exchange; it and every one it was waiting for are judged.
    pub fn record(&mut self, seen: Seen) {
        if seen.seq < self.next {
            // Its turn was skipped (see below): judged as it comes.
            return self.judge(&seen);
        }
        self.waiting.insert(seen.seq, seen);
        // An exchange that never arrives (its handling failed) must not hold
        // back every later one: past this many, the gap is skipped.
        if self.waiting.len() > MOST_WAITING
            && let Some(first) = self.waiting.keys().next()
        {
            self.next = *first;
        }
        while let Some(seen) = self.waiting.remove(&self.next) {
            self.next += 1;
            self.judge(&seen);
        }
    }

    /// Requests judged so far.
    pub fn judged(&self) -> u64 {
        self.judged
    }

    /// Judges what is left (requests that never finished were recorded
    /// without an answer) and ends the walks the client left unfinished.
    pub fn finish(mut self) -> Tallies {
        let rest: Vec<Seen> = std::mem::take(&mut self.waiting).into_values().collect();
        for seen in rest {
            self.judge(&seen);
        }
        self.paging.finish(&mut self.tallies, &self.leniency);
        self.tallies
    }

    fn judge(&mut self, seen: &Seen) {
        self.judged += 1;
        let id = id_of(&seen.path);
        let req = Request::new(seen, &id, self.ctx.registry);
        let mut out = Sink { tallies: &mut self.tallies, seen, leniency: &self.leniency, within: None };
        checks::media::check(&req, &mut out);
        checks::resource::check(&req, &mut out);
        checks::patch::check(&req, &mut out);
        checks::query::check(&req, &self.ctx, &mut out);
        checks::search::check(&req, &self.ctx, &mut out);
        checks::bulk::check(&req, &self.ctx, &mut out);
        self.paging.see(&req, &mut out);
        self.retries.see(&req, &mut out);
        self.conflicts.see(&req, &mut out);
        self.redirects.see(&req, &mut out);
        self.versions.see(&req, &mut out);
        if self.like.contains(&Profile::OKTA) {
            self.okta.see(&req, &mut out);
        }
        if self.like.contains(&Profile::ENTRA) {
            self.entra.see(&req, &mut out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::Registry;

    fn seen(seq: u64) -> Seen {
        Seen {
            seq,
            started: std::time::Instant::now(),
            started_at: String::new(),
            elapsed_ms: 0.0,
            tenant: Some(0),
            base: "http://localhost/scim/v2".into(),
            method: "GET".into(),
            path: "/Users".into(),
            raw_query: None,
            query: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
            via_alias: false,
            answer: None,
            injected: None,
            arrival: Default::default(),
        }
    }

    fn judge() -> Judge {
        let ctx = Ctx { registry: Registry::builtin(), etag: true };
        Judge::new(ctx, Leniency::strict(), Vec::new(), Redactor::default())
    }

    #[test]
    fn exchanges_are_judged_in_arrival_order_and_a_missing_one_holds_back_only_so_many() {
        let mut j = judge();
        j.record(seen(2));
        assert_eq!(j.judged(), 0, "the second waits for the first");
        j.record(seen(1));
        assert_eq!(j.judged(), 2);
        for seq in 4..4 + MOST_WAITING as u64 + 1 {
            j.record(seen(seq));
        }
        assert_eq!(j.judged(), 2 + MOST_WAITING as u64 + 1, "past the limit, the gap at 3 is skipped");
        j.record(seen(3));
        assert_eq!(j.judged(), 3 + MOST_WAITING as u64 + 1, "and 3 is judged when it comes");
    }
}
