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
        self.waiting.insert(seen.seq, seen);
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
        if self.like.contains(&Profile::Okta) {
            self.okta.see(&req, &mut out);
        }
        if self.like.contains(&Profile::Entra) {
            self.entra.see(&req, &mut out);
        }
    }
}
