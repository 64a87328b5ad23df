//! What the audit found, requirement by requirement: how often the client
//! had occasion to show it, the first exchange that did, and every departure
//! (the first few in full, the rest counted).

use super::declared;
use super::rules;
use super::seen::Seen;
use crate::runner::http::Redactor;
use crate::runner::outcome::Exchange;
use crate::scim::quirks::{Leniency, Quirk};
use crate::suite::requirement::{Requirement, catalogued};
use std::collections::{BTreeSet, HashMap};

/// Departures of one requirement shown in full; the rest are counted.
pub const SHOWN: usize = 10;

#[derive(Debug, Default)]
pub struct Tally {
    pub occasions: u64,
    /// The first exchange that gave the client occasion, as evidence of a pass.
    pub evidence: Option<usize>,
    pub found: Vec<Found>,
    /// Departures past [`SHOWN`].
    pub more: u64,
}

/// One departure of the client from a requirement.
#[derive(Debug, Clone)]
pub struct Found {
    pub seq: u64,
    /// `POST /Users`.
    pub line: String,
    /// What it departs from: the rule's requirement, or the identity
    /// provider's documented behaviour when the server accepts that quirk.
    pub requirement: Requirement,
    pub check: String,
    pub expected: String,
    pub actual: String,
    /// Index into [`Tallies::exchanges`].
    pub exchange: usize,
}

/// Every rule's tally, and the exchanges they point at, each kept once.
#[derive(Debug, Default)]
pub struct Tallies {
    pub by_rule: HashMap<&'static str, Tally>,
    pub exchanges: Vec<Exchange>,
    by_seq: HashMap<u64, usize>,
    /// The identity providers' requirements cited for quirks the server accepts.
    pub declared: BTreeSet<&'static str>,
    pub redactor: Redactor,
}

impl Tallies {
    pub fn new(redactor: Redactor) -> Tallies {
        Tallies { redactor, ..Tallies::default() }
    }

    fn keep(&mut self, seen: &Seen) -> usize {
        if let Some(i) = self.by_seq.get(&seen.seq) {
            return *i;
        }
        self.exchanges.push(seen.exchange(&self.redactor));
        let i = self.exchanges.len() - 1;
        self.by_seq.insert(seen.seq, i);
        i
    }

    fn tally(&mut self, requirement: &'static str) -> &mut Tally {
        debug_assert!(rules::of(requirement).is_some(), "{requirement} has no audit rule");
        self.by_rule.entry(requirement).or_default()
    }

    pub fn occasion(&mut self, requirement: &'static str, seen: &Seen) {
        let first = self.tally(requirement).evidence.is_none();
        let kept = if first { Some(self.keep(seen)) } else { None };
        let tally = self.tally(requirement);
        tally.occasions += 1;
        if let Some(i) = kept {
            tally.evidence = Some(i);
        }
    }

    pub fn depart(&mut self, requirement: &'static str, cited: Requirement, seen: &Seen, what: What) {
        self.occasion(requirement, seen);
        if self.tally(requirement).found.len() >= SHOWN {
            self.tally(requirement).more += 1;
            return;
        }
        let exchange = self.keep(seen);
        let found = Found {
            seq: seen.seq,
            line: seen.line(),
            requirement: cited,
            check: what.check,
            expected: what.expected,
            actual: what.actual,
            exchange,
        };
        self.tally(requirement).found.push(found);
    }
}

/// A departure in words: what was checked, what the requirement asks, what the client sent.
#[derive(Debug, Clone)]
pub struct What {
    pub check: String,
    pub expected: String,
    pub actual: String,
}

/// Where the checks of one request report: its occasions and departures.
pub struct Sink<'a> {
    pub tallies: &'a mut Tallies,
    pub seen: &'a Seen,
    pub leniency: &'a Leniency,
    /// Where in the request a check looked, when not the request itself:
    /// `Bulk operation 2`.
    pub within: Option<String>,
}

impl Sink<'_> {
    pub fn occasion(&mut self, requirement: &'static str) {
        self.tallies.occasion(requirement, self.seen);
    }

    /// A departure from `requirement`.
    pub fn depart(
        &mut self,
        requirement: &'static str,
        check: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) {
        let what = self.what(check.into(), expected.into(), actual.into());
        self.tallies.depart(requirement, catalogued(requirement), self.seen, what);
    }

    /// A departure some identity provider is known to send. When the server
    /// was told to accept it (`--compat`), the finding cites that IdP's
    /// documented behaviour and the run declares it: reported, not failing.
    pub fn quirk(
        &mut self,
        requirement: &'static str,
        quirk: Quirk,
        check: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) {
        let mut what = self.what(check.into(), expected.into(), actual.into());
        match declared::accepted(quirk, self.leniency) {
            Some((idp_requirement, idp)) => {
                what.check = format!(
                    "{} ({} sends this; --compat {} accepts it)",
                    what.check,
                    idp.title(),
                    idp.name()
                );
                self.tallies.declared.insert(idp_requirement);
                self.tallies.depart(requirement, catalogued(idp_requirement), self.seen, what);
            }
            None => self.tallies.depart(requirement, catalogued(requirement), self.seen, what),
        }
    }

    fn what(&self, check: String, expected: String, actual: String) -> What {
        let check = match &self.within {
            Some(within) => format!("{within}: {check}"),
            None => check,
        };
        What { check, expected, actual }
    }

    /// The same sink, looking inside a part of the request.
    pub fn within(&mut self, part: String) -> Sink<'_> {
        Sink { tallies: self.tallies, seen: self.seen, leniency: self.leniency, within: Some(part) }
    }
}
