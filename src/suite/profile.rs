//! Profiles: which client a run plays. `rfc` checks RFC 7643/7644 as written;
//! an identity provider's profile replays what that IdP sends and judges the
//! answers the way it does. A case belongs to a profile by its id:
//! `rfc7644::...` to `rfc`, `idp::okta::...` to `okta`.

use crate::scim::quirks::Idp;
use serde::Serialize;
use std::fmt;

/// The client a run plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// RFC 7643/7644 as written.
    Rfc,
    /// What an identity provider's provisioning service sends.
    Idp(Idp),
    /// Microsoft's SCIM Validator (scimvalidator.microsoft.com): its named
    /// tests as it runs them, which a gallery ISV must pass.
    EntraValidator,
}

impl Profile {
    pub const OKTA: Profile = Profile::Idp(Idp::Okta);
    pub const ENTRA: Profile = Profile::Idp(Idp::Entra);

    /// Every profile: `rfc`, one per identity provider, then the Validator.
    pub const ALL: [Profile; 2 + Idp::ALL.len()] = {
        let mut all = [Profile::Rfc; 2 + Idp::ALL.len()];
        let mut i = 0;
        while i < Idp::ALL.len() {
            all[i + 1] = Profile::Idp(Idp::ALL[i]);
            i += 1;
        }
        all[1 + Idp::ALL.len()] = Profile::EntraValidator;
        all
    };

    pub fn name(self) -> &'static str {
        match self {
            Profile::Rfc => "rfc",
            Profile::Idp(idp) => idp.name(),
            Profile::EntraValidator => "entra-validator",
        }
    }

    /// Who plays the client, as a report names it.
    pub fn title(self) -> &'static str {
        match self {
            Profile::Rfc => "RFC 7643/7644",
            Profile::Idp(idp) => idp.title(),
            Profile::EntraValidator => "Microsoft Entra SCIM Validator",
        }
    }

    pub fn parse(name: &str) -> Result<Vec<Profile>, String> {
        if name.eq_ignore_ascii_case("all") {
            return Ok(Profile::ALL.to_vec());
        }
        Profile::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(name)).map(|p| vec![p]).ok_or_else(
            || {
                let known: Vec<_> = Profile::ALL.iter().map(|p| p.name()).collect();
                format!("unknown profile '{name}'; known: {}, or all", known.join(", "))
            },
        )
    }

    /// The profile a case id belongs to; `None` for a case outside every
    /// profile (a recording replayed from a file).
    pub fn of_case(id: &str) -> Option<Profile> {
        let mut parts = id.split("::");
        match parts.next()? {
            "rfc7643" | "rfc7644" | "rfc9865" => Some(Profile::Rfc),
            "idp" => {
                let name = parts.next()?;
                Profile::ALL.into_iter().find(|p| *p != Profile::Rfc && p.name() == name)
            }
            _ => None,
        }
    }

    /// The IdP profile a catalogue requirement belongs to: `okta.` ids are
    /// Okta's; RFC requirements belong to none.
    pub fn of_requirement(id: &str) -> Option<Profile> {
        Profile::ALL
            .into_iter()
            .find(|p| p.is_idp() && id.strip_prefix(p.name()).is_some_and(|rest| rest.starts_with('.')))
    }

    /// The identity provider whose non-RFC requests the reference server
    /// accepts under `--compat`, if it has any.
    pub fn compat(self) -> Option<Idp> {
        match self {
            Profile::Rfc => None,
            Profile::Idp(idp) => Some(idp),
            // The Validator sends what Entra's provisioning service sends.
            Profile::EntraValidator => Some(Idp::Entra),
        }
    }

    pub fn is_idp(self) -> bool {
        self != Profile::Rfc
    }
}

impl Serialize for Profile {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_belongs_to_the_profile_its_id_names() {
        assert_eq!(Profile::of_case("rfc7644::patch::add"), Some(Profile::Rfc));
        assert_eq!(Profile::of_case("rfc9865::pagination::cursor_walk"), Some(Profile::Rfc));
        assert_eq!(Profile::of_case("idp::okta::import"), Some(Profile::OKTA));
        assert_eq!(Profile::of_case("idp::jumpcloud::create"), Some(Profile::Idp(Idp::JumpCloud)));
        assert_eq!(Profile::of_case("idp::entra-validator::users"), Some(Profile::EntraValidator));
        assert_eq!(Profile::of_requirement("entra-validator.create-user"), Some(Profile::EntraValidator));
        assert_eq!(Profile::of_requirement("entra.gallery.manager"), Some(Profile::ENTRA));
        assert_eq!(Profile::of_case("idp::rfc::x"), None);
        assert_eq!(Profile::of_case("recorded::okta"), None);
    }

    #[test]
    fn all_names_every_profile_and_unknown_names_list_the_known_ones() {
        assert_eq!(Profile::parse("all").unwrap().len(), Profile::ALL.len());
        assert_eq!(Profile::parse("Entra").unwrap(), vec![Profile::ENTRA]);
        let err = Profile::parse("ping").unwrap_err();
        assert!(err.contains("okta") && err.contains("onelogin"), "{err}");
    }
}
