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

/// The RFC tallies count the RFCs' requirements only; each identity
/// provider's requirements are tallied apart, in `idps`.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub must: Tally,
    pub should: Tally,
    pub may: Tally,
    pub idps: Vec<IdpTally>,
    pub sections: Vec<Section>,
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
        for r in suite.catalogue.values() {
            let cases: Vec<String> = suite
                .cases
                .iter()
                .filter(|c| c.requirements.iter().any(|q| q.id == r.id))
                .map(|c| c.id().to_string())
                .collect();
            let idp = Profile::of_requirement(&r.id);
            let tally = match (idp, r.level) {
                (Some(profile), _) => {
                    if !idps.iter().any(|t| t.profile == profile) {
                        idps.push(IdpTally { profile, tally: Tally::default() });
                    }
                    &mut idps.iter_mut().find(|t| t.profile == profile).expect("just added").tally
                }
                (None, Level::Must) => &mut must,
                (None, Level::Should) => &mut should,
                (None, Level::May) => &mut may,
            };
            if r.observable {
                tally.observable += 1;
                tally.covered += usize::from(!cases.is_empty());
            } else {
                tally.not_observable += 1;
            }
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
        Coverage { must, should, may, idps, sections }
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
    fn sections_come_from_the_first_source() {
        assert_eq!(section_of("RFC 7644 §3.14; RFC 9110 §13.1.1"), "RFC 7644 §3.14");
        assert_eq!(section_of("RFC 7643 §4.1, §7"), "RFC 7643 §4.1");
        assert_eq!(section_of("RFC 7644 §3.12 (Table 8)"), "RFC 7644 §3.12");
        assert_eq!(section_of("Okta SCIM 2.0 guide"), "Okta SCIM 2.0 guide");
    }
}
