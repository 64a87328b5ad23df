//! Departures an identity provider is known to send, which the server was
//! told to accept (`--compat`). The audit still reports them, citing that
//! IdP's documented behaviour, and declares them: they show in every report
//! as declared, and do not fail the audit.

use crate::gate::declared::Declaration;
use crate::scim::quirks::{Idp, Leniency, Quirk};
use std::collections::BTreeSet;

/// The catalogued requirement that documents an IdP sending a quirk.
fn documented(quirk: Quirk, idp: Idp) -> Option<&'static str> {
    Some(match (quirk, idp) {
        (Quirk::CapitalisedOp, Idp::Entra) => "entra.patch-capitalised-op",
        (Quirk::BooleanString, Idp::Entra) => "entra.patch-string-boolean",
        (Quirk::BooleanString, Idp::Google) => "google.suspend",
        (Quirk::RemoveByValue, Idp::Entra) => "entra.remove-member-by-value",
        (Quirk::RemoveByValue, Idp::JumpCloud) => "jumpcloud.group-membership",
        (Quirk::BareStringForComplex, Idp::Entra) => "entra.manager-string",
        (Quirk::PathKeysInValue, Idp::Entra) => "entra.flag-pathless-replace",
        (Quirk::ReadOnlyIdInValue, Idp::Okta) => "okta.group-rename",
        (Quirk::ForeignSchemaUrn, Idp::Entra) => "entra.group-create",
        (Quirk::ForeignSchemaUrn, Idp::Google) => "google.create-user",
        (Quirk::ObjectForMultiValued | Quirk::LegacySchemaUrns, Idp::OneLogin) => "onelogin.template-body",
        _ => return None,
    })
}

/// When the server accepts `quirk`: the requirement documenting it of the
/// first IdP the server is lenient for that sends it, and that IdP.
pub fn accepted(quirk: Quirk, leniency: &Leniency) -> Option<(&'static str, Idp)> {
    leniency
        .idps()
        .iter()
        .filter(|idp| quirk.senders().contains(idp))
        .find_map(|idp| documented(quirk, *idp).map(|r| (r, *idp)))
}

/// The declarations for the gate: each cited IdP requirement, for both
/// resource types, under the `--compat` flag that accepts it.
pub fn declarations(cited: &BTreeSet<&'static str>) -> Vec<Declaration> {
    let mut out = Vec::new();
    for requirement in cited {
        let idp = Idp::ALL.into_iter().find(|i| requirement.starts_with(&format!("{}.", i.name())));
        let Some(idp) = idp else { continue };
        for resource in ["User", "Group"] {
            out.push(Declaration {
                key: format!("--compat {}", idp.name()),
                resource: resource.to_string(),
                endpoint: format!("/{resource}s"),
                says: format!(
                    "the server accepts what {} sends here although the RFCs do not allow it",
                    idp.title()
                ),
                requirements: vec![requirement.to_string()],
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::Suite;

    #[test]
    fn each_sender_of_each_quirk_has_its_documented_requirement_where_the_catalogue_has_one() {
        let catalogue = Suite::embedded().unwrap().catalogue;
        for quirk in Quirk::ALL {
            for idp in quirk.senders() {
                if let Some(id) = documented(quirk, *idp) {
                    let r = catalogue.get(id).unwrap_or_else(|| panic!("{id} is not catalogued"));
                    assert!(r.departs_from.is_some(), "{id} documents a departure: it says departs_from");
                }
            }
        }
        assert_eq!(accepted(Quirk::CapitalisedOp, &Leniency::strict()), None);
        assert_eq!(
            accepted(Quirk::CapitalisedOp, &Leniency::for_idps(&[Idp::Entra])),
            Some(("entra.patch-capitalised-op", Idp::Entra))
        );
    }
}
