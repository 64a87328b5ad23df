//! Which requirements the cases check, section by section.
//!
//! A requirement is covered by a case that lists it in `requirements` (what the
//! case is about). Requirements a step merely cites, such as creation cited by
//! a setup step, do not count.

use super::Suite;
use super::profile::Profile;
use super::requirement::{Level, Requirement};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub requirement: Requirement,
    /// Ids of the cases that check it.
    pub cases: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// `RFC 7644 §3.4.2.4`.
    pub name: String,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Tally {
    pub observable: usize,
    pub covered: usize,
    pub not_observable: usize,
}

impl Tally {
    pub fn percent(&self) -> f64 {
        if self.observable == 0 { 100.0 } else { 100.0 * self.covered as f64 / self.observable as f64 }
    }
}

/// The RFC tallies count the requirements of RFC 7643 and RFC 7644 (and
/// the few of other RFCs they lean on); each identity provider's
/// requirements are tallied apart, in `idps`, and each catalogue of
/// [`CATALOGUES`] apart again, in `catalogues`.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub must: Tally,
    pub should: Tally,
    pub may: Tally,
    pub idps: Vec<IdpTally>,
    pub catalogues: Vec<CatalogueTally>,
    pub sections: Vec<Section>,
}

/// Catalogues tallied on their own, by the id prefix of their requirements:
/// an RFC that extends RFC 7643/7644, and an identity provider's own test
/// programmes, whose requirements count for that IdP's profile too.
pub const CATALOGUES: &[(&str, &str)] = &[
    ("rfc9865.", "RFC 9865, cursor-based pagination"),
    ("entra.gallery.", "Microsoft Entra gallery validation (the Logic App's criteria)"),
    ("entra-validator.", "Microsoft Entra SCIM Validator (its named tests)"),
    ("okta.entitlements.", "Okta entitlements (Identity Governance)"),
];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CatalogueTally {
    pub name: String,
    /// The id prefix of its requirements.
    pub prefix: String,
    pub must: Tally,
    pub should: Tally,
    pub may: Tally,
}

impl CatalogueTally {
    fn level_mut(&mut self, level: Level) -> &mut Tally {
        match level {
            Level::Must => &mut self.must,
            Level::Should => &mut self.should,
            Level::May => &mut self.may,
        }
    }
}

/// The catalogue of [`CATALOGUES`] a requirement belongs to.
fn catalogue_of(id: &str) -> Option<usize> {
    CATALOGUES.iter().position(|(prefix, _)| id.starts_with(prefix))
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IdpTally {
    pub profile: Profile,
    /// Every level together: an IdP's requirement is what that IdP needs.
    pub tally: Tally,
}

impl Coverage {
    pub fn of(suite: &Suite) -> Coverage {
        let mut sections: Vec<Section> = Vec::new();
        let (mut must, mut should, mut may) = (Tally::default(), Tally::default(), Tally::default());
        let mut idps: Vec<IdpTally> = Vec::new();
        let mut catalogues: Vec<CatalogueTally> = CATALOGUES
            .iter()
            .map(|(prefix, name)| CatalogueTally {
                name: name.to_string(),
                prefix: prefix.to_string(),
                must: Tally::default(),
                should: Tally::default(),
                may: Tally::default(),
            })
            .collect();
        for r in suite.catalogue.values() {
            let cases: Vec<String> = suite
                .cases
                .iter()
                .filter(|c| c.requirements.iter().any(|q| q.id == r.id))
                .map(|c| c.id().to_string())
                .collect();
            let idp = Profile::of_requirement(&r.id);
            let catalogue = catalogue_of(&r.id);
            if let Some(c) = catalogue {
                count(catalogues[c].level_mut(r.level), r, &cases);
            }
            let tally = match (idp, r.level) {
                (Some(profile), _) => {
                    if !idps.iter().any(|t| t.profile == profile) {
                        idps.push(IdpTally { profile, tally: Tally::default() });
                    }
                    &mut idps.iter_mut().find(|t| t.profile == profile).expect("just added").tally
                }
                // An RFC with a catalogue of its own is tallied there only.
                (None, _) if catalogue.is_some() => &mut Tally::default(),
                (None, Level::Must) => &mut must,
                (None, Level::Should) => &mut should,
                (None, Level::May) => &mut may,
            };
            count(tally, r, &cases);
            let name = match idp {
                Some(profile) => profile.title().to_string(),
                None => section_of(&r.source),
            };
            let entry = Entry { requirement: r.clone(), cases };
            match sections.iter_mut().find(|s| s.name == name) {
                Some(s) => s.entries.push(entry),
                None => sections.push(Section { name, entries: vec![entry] }),
            }
        }
        Coverage { must, should, may, idps, catalogues, sections }
    }

    /// Observable requirements no case checks, strongest first.
    pub fn uncovered(&self) -> Vec<&Requirement> {
        let mut out: Vec<&Requirement> = self
            .sections
            .iter()
            .flat_map(|s| s.entries.iter())
            .filter(|e| e.requirement.observable && e.cases.is_empty())
            .map(|e| &e.requirement)
            .collect();
        out.sort_by_key(|r| r.level);
        out
    }
}

fn count(tally: &mut Tally, r: &Requirement, cases: &[String]) {
    if r.observable {
        tally.observable += 1;
        tally.covered += usize::from(!cases.is_empty());
    } else {
        tally.not_observable += 1;
    }
}

/// The first `RFC NNNN §x.y` of a source, which is where a reader looks.
fn section_of(source: &str) -> String {
    let first = source.split(';').next().unwrap_or(source).trim();
    match first.find('§') {
        Some(i) => {
            let number: String =
                first[i + '§'.len_utf8()..].chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
            format!("{}§{}", &first[..i], number.trim_end_matches('.'))
        }
        None => first.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catalogue_is_found_by_its_prefix() {
        assert_eq!(catalogue_of("rfc9865.2.next-cursor-until-last"), Some(0));
        assert_eq!(catalogue_of("entra.gallery.null-update"), Some(1));
        assert_eq!(catalogue_of("entra.lookup"), None);
        assert_eq!(catalogue_of("rfc7644.3.3.created"), None);
    }

    #[test]
    fn sections_come_from_the_first_source() {
        assert_eq!(section_of("RFC 7644 §3.14; RFC 9110 §13.1.1"), "RFC 7644 §3.14");
        assert_eq!(section_of("RFC 7643 §4.1, §7"), "RFC 7643 §4.1");
        assert_eq!(section_of("RFC 7644 §3.12 (Table 8)"), "RFC 7644 §3.12");
        assert_eq!(section_of("Okta SCIM 2.0 guide"), "Okta SCIM 2.0 guide");
    }
}
