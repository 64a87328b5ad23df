//! Requests real identity providers send that RFC 7643/7644 do not allow.
//!
//! A strict service provider refuses each with a SCIM error that names what was
//! wrong and who sends it; a lenient one (`--compat okta,entra`) accepts it the
//! way the IdP means it. The catalogue lives in one place so the error texts,
//! the `--compat` sets and the IdP suites cannot drift apart.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Idp {
    Okta,
    Entra,
    Google,
    JumpCloud,
    OneLogin,
}

impl Idp {
    pub const ALL: [Idp; 5] = [Idp::Okta, Idp::Entra, Idp::Google, Idp::JumpCloud, Idp::OneLogin];

    pub fn name(self) -> &'static str {
        match self {
            Idp::Okta => "okta",
            Idp::Entra => "entra",
            Idp::Google => "google",
            Idp::JumpCloud => "jumpcloud",
            Idp::OneLogin => "onelogin",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Idp::Okta => "Okta",
            Idp::Entra => "Microsoft Entra ID",
            Idp::Google => "Google Workspace",
            Idp::JumpCloud => "JumpCloud",
            Idp::OneLogin => "OneLogin",
        }
    }

    pub fn parse(name: &str) -> Option<Idp> {
        Idp::ALL.into_iter().find(|i| i.name().eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quirk {
    /// `"op": "Replace"`: RFC 7644 §3.5.2 defines the values "add", "remove", "replace".
    CapitalisedOp,
    /// `"active": "False"`: a boolean sent as a string.
    BooleanString,
    /// `{"op":"Remove","path":"members","value":[{"value":"id"}]}`: RFC 7644 §3.5.2.2
    /// selects values to remove with a filter, and a remove without one clears the attribute.
    RemoveByValue,
    /// `"value": "managerId"` for the complex enterprise `manager` attribute.
    BareStringForComplex,
    /// `{"op":"replace","value":{"name.givenName":"x"}}`: paths used as attribute names.
    PathKeysInValue,
    /// `{"op":"replace","value":{"id":"...","displayName":"..."}}`: the readOnly `id`
    /// echoed inside a PATCH value.
    ReadOnlyIdInValue,
    /// A schema URN in `schemas` the resource type does not define (Entra's
    /// `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group`).
    ForeignSchemaUrn,
    /// `"emails": {"value": ..., "type": "work"}`: one object where a
    /// multi-valued attribute takes an array (OneLogin's enterprise template).
    ObjectForMultiValued,
    /// `addresses[type eq "work"].locality` (add or replace) on a user with no
    /// work address: Entra means "create it" (ssoready PR 249, SCIM-SDK issue 416).
    FilteredPathCreates,
    /// `urn:scim:schemas:core:2.0` (or `:1.0`) in place of the core schema
    /// URN, and `urn:scim:schemas:extension:enterprise:2.0` (or `:1.0`) in
    /// place of the enterprise extension's (OneLogin's templates).
    LegacySchemaUrns,
}

impl Quirk {
    pub const ALL: [Quirk; 10] = [
        Quirk::CapitalisedOp,
        Quirk::BooleanString,
        Quirk::RemoveByValue,
        Quirk::BareStringForComplex,
        Quirk::PathKeysInValue,
        Quirk::ReadOnlyIdInValue,
        Quirk::ForeignSchemaUrn,
        Quirk::ObjectForMultiValued,
        Quirk::LegacySchemaUrns,
        Quirk::FilteredPathCreates,
    ];

    /// The identity providers known to send this (see suites/requirements/
    /// for each one's source and how sure it is).
    pub fn senders(self) -> &'static [Idp] {
        match self {
            Quirk::ReadOnlyIdInValue => &[Idp::Okta],
            // Google: a captured create lists the SCIM 1.1 core URN too; its
            // suspend sends "false" (low confidence).
            Quirk::BooleanString | Quirk::ForeignSchemaUrn => &[Idp::Entra, Idp::Google],
            // JumpCloud removes members by value (two captures agree).
            Quirk::RemoveByValue => &[Idp::Entra, Idp::JumpCloud],
            Quirk::CapitalisedOp
            | Quirk::BareStringForComplex
            | Quirk::PathKeysInValue
            | Quirk::FilteredPathCreates => &[Idp::Entra],
            // OneLogin's documented templates (developers.onelogin.com/scim/define-user-schema).
            Quirk::ObjectForMultiValued | Quirk::LegacySchemaUrns => &[Idp::OneLogin],
        }
    }

    /// The rule the request breaks, for the strict error text.
    pub fn rule(self) -> &'static str {
        match self {
            Quirk::CapitalisedOp => "RFC 7644 §3.5.2: \"op\" is one of \"add\", \"remove\" or \"replace\"",
            Quirk::BooleanString => "RFC 7643 §2.3.2: a boolean is the JSON literal true or false",
            Quirk::RemoveByValue => {
                "RFC 7644 §3.5.2.2: remove selects values with a path filter such as members[value eq \"...\"]; it takes no \"value\""
            }
            Quirk::BareStringForComplex => "RFC 7643 §2.3.8: a complex attribute's value is a JSON object",
            Quirk::PathKeysInValue => {
                "RFC 7644 §3.5.2: the keys of a path-less PATCH value are attribute names, not paths"
            }
            Quirk::ReadOnlyIdInValue => "RFC 7643 §2.2: \"id\" is readOnly and a client MUST NOT modify it",
            Quirk::ForeignSchemaUrn => {
                "RFC 7643 §3: \"schemas\" lists the resource type's schema and extensions"
            }
            Quirk::ObjectForMultiValued => "RFC 7643 §2.4: a multi-valued attribute's value is a JSON array",
            Quirk::FilteredPathCreates => {
                "RFC 7644 §3.5.2.3: a value filter that matches no record is 400 noTarget; it does not create one"
            }
            Quirk::LegacySchemaUrns => {
                "RFC 7643 §8.7: the User schema is urn:ietf:params:scim:schemas:core:2.0:User and the enterprise extension urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            }
        }
    }
}

impl fmt::Display for Quirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.senders().iter().map(|i| i.title()).collect();
        let flags: Vec<_> = self.senders().iter().map(|i| i.name()).collect();
        write!(
            f,
            "{} ({} sends this; start the server with --compat {} to accept it)",
            self.rule(),
            names.join(" and "),
            flags.join(",")
        )
    }
}

/// The pre-RFC names OneLogin's templates give the core User schema and the
/// enterprise extension.
pub const LEGACY_CORE_URNS: [&str; 2] = ["urn:scim:schemas:core:2.0", "urn:scim:schemas:core:1.0"];
pub const LEGACY_ENTERPRISE_URNS: [&str; 2] =
    ["urn:scim:schemas:extension:enterprise:2.0", "urn:scim:schemas:extension:enterprise:1.0"];

/// The set of quirks a service provider accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leniency {
    idps: Vec<Idp>,
}

impl Leniency {
    pub fn strict() -> Leniency {
        Leniency::default()
    }

    pub fn for_idps(idps: &[Idp]) -> Leniency {
        let mut idps = idps.to_vec();
        idps.sort();
        idps.dedup();
        Leniency { idps }
    }

    pub fn idps(&self) -> &[Idp] {
        &self.idps
    }

    pub fn accepts(&self, quirk: Quirk) -> bool {
        quirk.senders().iter().any(|i| self.idps.contains(i))
    }

    pub fn is_strict(&self) -> bool {
        self.idps.is_empty()
    }

    /// Whether a successful PATCH of this resource type answers 204 No
    /// Content rather than the resource: Entra's guide asks so of groups (a
    /// body listing every member slows its syncs), and RFC 7644 §3.5.2
    /// allows it when no attributes were asked for.
    pub fn patch_answers_no_content(&self, resource_type: &str) -> bool {
        resource_type == "Group" && self.idps.contains(&Idp::Entra)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_accepts_nothing_and_each_idp_accepts_its_own() {
        for q in Quirk::ALL {
            assert!(!Leniency::strict().accepts(q));
            assert!(Leniency::for_idps(&Idp::ALL).accepts(q));
        }
        assert!(Leniency::for_idps(&[Idp::Okta]).accepts(Quirk::ReadOnlyIdInValue));
        assert!(!Leniency::for_idps(&[Idp::Okta]).accepts(Quirk::CapitalisedOp));
        assert!(Leniency::for_idps(&[Idp::Entra]).accepts(Quirk::CapitalisedOp));
    }

    #[test]
    fn message_names_the_rule_the_sender_and_the_flag() {
        let text = Quirk::BooleanString.to_string();
        assert!(text.contains("RFC 7643 §2.3.2"), "{text}");
        assert!(text.contains("Microsoft Entra ID"), "{text}");
        assert!(text.contains("--compat entra"), "{text}");
    }
}
