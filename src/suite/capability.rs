//! What a target can do, as far as the cases care: from its discovery
//! endpoints, its target file, and `--assume` / `--deny`.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// A `User` resource type at `/Users`.
    Users,
    /// A `Group` resource type at `/Groups`.
    Groups,
    /// The enterprise User extension (RFC 7643 §4.3).
    EnterpriseUser,
    Patch,
    Bulk,
    Filter,
    Sort,
    Etag,
    ChangePassword,
    /// `POST /Users/.search` (RFC 7644 §3.4.3); assumed where filtering is.
    Search,
    /// Queries at the server root, `POST /.search`, across resource types
    /// (RFC 7644 §3.4.2.1, a MAY); assumed where search is.
    RootSearch,
    /// DELETE removes the resource (some vendors only deactivate it).
    HardDelete,
    /// The target expects credentials (the run has some to leave out).
    Authentication,
    /// `GET /ResourceTypes` is served (RFC 7644 §4).
    ResourceTypes,
    /// `GET /Schemas` is served (RFC 7644 §4).
    Schemas,
    /// One schema by its URN, `GET /Schemas/{id}` (RFC 7644 §4: "can be returned").
    SchemaById,
    /// The User resource type has an extension marked required (RFC 7643 §6).
    RequiredExtension,
    /// Cursor-based pagination (RFC 9865), as ServiceProviderConfig
    /// `pagination.cursor` announces it.
    Cursor,
    /// A resource type with Okta Identity Governance's Entitlement schema at
    /// `/Entitlements` (Okta's entitlements guide).
    OktaEntitlements,
    /// A resource type with Okta Identity Governance's Role schema at `/Roles`.
    OktaRoles,
}

impl Capability {
    pub const ALL: [Capability; 20] = [
        Capability::Users,
        Capability::Groups,
        Capability::EnterpriseUser,
        Capability::Patch,
        Capability::Bulk,
        Capability::Filter,
        Capability::Sort,
        Capability::Etag,
        Capability::ChangePassword,
        Capability::Search,
        Capability::RootSearch,
        Capability::HardDelete,
        Capability::Authentication,
        Capability::ResourceTypes,
        Capability::Schemas,
        Capability::SchemaById,
        Capability::RequiredExtension,
        Capability::Cursor,
        Capability::OktaEntitlements,
        Capability::OktaRoles,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Capability::Users => "users",
            Capability::Groups => "groups",
            Capability::EnterpriseUser => "enterprise-user",
            Capability::Patch => "patch",
            Capability::Bulk => "bulk",
            Capability::Filter => "filter",
            Capability::Sort => "sort",
            Capability::Etag => "etag",
            Capability::ChangePassword => "change-password",
            Capability::Search => "search",
            Capability::RootSearch => "root-search",
            Capability::HardDelete => "hard-delete",
            Capability::Authentication => "authentication",
            Capability::ResourceTypes => "resource-types",
            Capability::Schemas => "schemas",
            Capability::SchemaById => "schema-by-id",
            Capability::RequiredExtension => "required-extension",
            Capability::Cursor => "cursor",
            Capability::OktaEntitlements => "okta-entitlements",
            Capability::OktaRoles => "okta-roles",
        }
    }

    pub fn parse(name: &str) -> Result<Capability, String> {
        Capability::ALL.into_iter().find(|c| c.name() == name).ok_or_else(|| {
            let known: Vec<_> = Capability::ALL.iter().map(|c| c.name()).collect();
            format!("unknown capability '{name}'; known: {}", known.join(", "))
        })
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parse_and_serde() {
        for c in Capability::ALL {
            assert_eq!(Capability::parse(c.name()), Ok(c));
            let yaml: Capability = serde_json::from_value(serde_json::Value::from(c.name())).unwrap();
            assert_eq!(yaml, c);
        }
        assert!(Capability::parse("teleport").unwrap_err().contains("known:"));
    }
}
