//! Profiles: which client a run plays. `rfc` checks RFC 7643/7644 as written;
//! an identity provider's profile replays what that IdP sends and judges the
//! answers the way it does. A case belongs to a profile by its id:
//! `rfc7644::...` to `rfc`, `idp::okta::...` to `okta`.

use crate::scim::quirks::Idp;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Rfc,
    Okta,
    Entra,
    /// Microsoft's SCIM Validator (scimvalidator.microsoft.com): its named
    /// tests as it runs them, which a gallery ISV must pass.
    EntraValidator,
    Google,
    JumpCloud,
    OneLogin,
}

impl Profile {
    pub const ALL: [Profile; 7] = [
        Profile::Rfc,
        Profile::Okta,
        Profile::Entra,
        Profile::EntraValidator,
        Profile::Google,
        Profile::JumpCloud,
        Profile::OneLogin,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Rfc => "rfc",
            Profile::Okta => "okta",
            Profile::Entra => "entra",
            Profile::EntraValidator => "entra-validator",
            Profile::Google => "google",
            Profile::JumpCloud => "jumpcloud",
            Profile::OneLogin => "onelogin",
        }
    }

    /// Who plays the client, as a report names it.
    pub fn title(self) -> &'static str {
        match self {
            Profile::Rfc => "RFC 7643/7644",
            Profile::Okta => "Okta",
            Profile::Entra => "Microsoft Entra ID",
            Profile::EntraValidator => "Microsoft Entra SCIM Validator",
            Profile::Google => "Google Workspace",
            Profile::JumpCloud => "JumpCloud",
            Profile::OneLogin => "OneLogin",
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
            Profile::Okta => Some(Idp::Okta),
            // The Validator sends what Entra's provisioning service sends.
            Profile::Entra | Profile::EntraValidator => Some(Idp::Entra),
            Profile::Google => Some(Idp::Google),
            Profile::JumpCloud => Some(Idp::JumpCloud),
            Profile::OneLogin => Some(Idp::OneLogin),
        }
    }

    pub fn is_idp(self) -> bool {
        self != Profile::Rfc
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
        assert_eq!(Profile::of_case("idp::okta::import"), Some(Profile::Okta));
        assert_eq!(Profile::of_case("idp::jumpcloud::create"), Some(Profile::JumpCloud));
        assert_eq!(Profile::of_case("idp::entra-validator::users"), Some(Profile::EntraValidator));
        assert_eq!(Profile::of_requirement("entra-validator.create-user"), Some(Profile::EntraValidator));
        assert_eq!(Profile::of_requirement("entra.gallery.manager"), Some(Profile::Entra));
        assert_eq!(Profile::of_case("idp::rfc::x"), None);
        assert_eq!(Profile::of_case("recorded::okta"), None);
    }

    #[test]
    fn all_names_every_profile_and_unknown_names_list_the_known_ones() {
        assert_eq!(Profile::parse("all").unwrap().len(), Profile::ALL.len());
        assert_eq!(Profile::parse("Entra").unwrap(), vec![Profile::Entra]);
        let err = Profile::parse("ping").unwrap_err();
        assert!(err.contains("okta") && err.contains("onelogin"), "{err}");
    }
}
