//! Legal variations of the reference server: choices RFC 7643/7644 leave to
//! a service provider, switchable like faults (`scimitar serve --variant`).
//!
//! Faults prove a check can fail; variants prove it cannot fail a server the
//! RFCs allow. Every case must pass, or say why it does not apply, against
//! the server under every variant. Each variant cites the RFC words that
//! allow it; where the RFC reads both ways it names the reading it takes,
//! and the cases that depend on the other reading grade it no higher than
//! SHOULD (see docs/latitude.md).

use crate::faults::Fault;
use std::fmt;
use std::str::FromStr;

macro_rules! variants {
    ($( $variant:ident = $name:literal : $about:literal => $allowed:literal, )*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Variant { $( $variant, )* }

        impl Variant {
            pub const ALL: &'static [Variant] = &[ $( Variant::$variant, )* ];

            /// The name `--variant` takes.
            pub fn name(self) -> &'static str {
                match self { $( Variant::$variant => $name, )* }
            }

            /// One line: what the server does differently.
            pub fn about(self) -> &'static str {
                match self { $( Variant::$variant => $about, )* }
            }

            /// The RFC text that allows it, and the reading taken where it is ambiguous.
            pub fn allowed_by(self) -> &'static str {
                match self { $( Variant::$variant => $allowed, )* }
            }
        }
    };
}

variants! {
    FilterEqOnly = "filter-eq-only":
        "filters are one `attribute eq value` comparison; every other operator, and and/or/not/[ ], is 400 invalidFilter"
        => "RFC 7644 §3.12 Table 9 defines invalidFilter for when \"the specified attribute and filter comparison combination is not supported\"; §3.4.2.2: \"Providers MUST decline to filter results if the specified filter operation is not recognized and return an HTTP 400 error with a \"scimType\" error of \"invalidFilter\"\"; Table 5: \"Service providers MAY support complex filters\". Reading taken where filter.supported is true: it does not promise every operator of Table 3.",
    NoFilter = "no-filter":
        "no filtering: filter.supported is false and a filter is 400 invalidFilter (501 with not-implemented-501)"
        => "RFC 7644 §3.4.2.2: \"Filtering is an OPTIONAL parameter for SCIM service providers.\" No text says what a server without filtering answers; the reading taken is Table 9's invalidFilter (\"combination is not supported\"), or Table 8's 501 (\"does not support the request operation\").",
    NoSearch = "no-search":
        "no POST /.search, at the root or on a resource endpoint (404 at the root, 405 on an endpoint, where .search reads as a resource id; 501 with not-implemented-501)"
        => "RFC 7644 §3.4.3: \"Clients MAY execute queries without passing parameters on the URL by using the HTTP POST verb combined with the \"/.search\" path extension.\" No sentence requires a server to offer it and no ServiceProviderConfig flag announces it; the reading taken is that it is optional.",
    NoSchemaById = "no-schema-by-id":
        "only the discovery lists: GET /Schemas/{id} and /ResourceTypes/{id} answer 404"
        => "RFC 7644 §4: \"Individual schema definitions can be returned by appending the schema URI to the /Schemas endpoint\" (no 2119 keyword); RFC 7643 §6: a ResourceType's \"id\" is OPTIONAL. Reading taken: per-id retrieval is optional.",
    NoResourceTypes = "no-resource-types":
        "no /ResourceTypes endpoint (404): clients find /Users and /Groups by their RFC names"
        => "RFC 7644 §4: the discovery endpoints \"MAY be retrieved using HTTP GET\"; no sentence obliges a server to serve /ResourceTypes. Reading taken: optional, its absence a note.",
    NoSchemas = "no-schemas":
        "no /Schemas endpoint (404): clients assume RFC 7643's schemas"
        => "RFC 7643 §1.2: \"Service provider schemas MAY be returned from the \"/Schemas\" endpoint\"; RFC 7644 §4: the discovery endpoints \"MAY be retrieved using HTTP GET\". Reading taken: optional, its absence one warning (rfc7643.7.schemas-served, SHOULD).",
    TrimmedSchema = "trimmed-schema":
        "the User schema keeps userName, name (given, family, formatted), displayName, active, emails (value, type, primary) and groups; other attributes sent are ignored"
        => "RFC 7644 §3.1: \"it is quite reasonable to expect that some service providers may only support a subset of the schema defined in [RFC7643]\"; §3.3: \"the server is free to alter and/or ignore POSTed content\"; RFC 7643 §2: the server \"decides which attributes may be replaced or ignored\".",
    TrimmedSchemaStrict = "trimmed-schema-strict":
        "the trimmed User schema, and attributes it does not define are refused with 400 invalidValue"
        => "RFC 7644 §3.12 Table 8: 400 when a request \"violates schema\"; Table 9 invalidValue: a value \"not compatible with the ... resource schema\". The RFC has no sentence on unknown attributes; the reading taken is that refusing them is allowed, so cases that send an attribute the target's schema lacks do not run.",
    ExtraRequired = "extra-required":
        "name and emails are required, and a required extension (urn:example:params:scim:schemas:extension:workforce:2.0:User, costCenter required) is on every user"
        => "RFC 7643 §6 schemaExtensions.required: \"If true, a resource of this type MUST include this schema extension and also include any attributes declared as required in this schema extension\"; §8.7.1: \"Where permitted, individual values and schema MAY change\"; RFC 7644 §3.1: \"some attribute schema may change from service provider to service provider\". Reading taken for name and emails: a server may require more core attributes than RFC 7643 does.",
    Patch204 = "patch-204":
        "a successful PATCH answers 204 No Content unless the attributes parameter asks for the resource"
        => "RFC 7644 §3.5.2: \"the server either MUST return a 200 OK response code and the entire resource ... or MAY return HTTP status code 204 (No Content) ... The server MUST return a 200 OK if the \"attributes\" parameter is specified in the request.\"",
    SmallPages = "small-pages":
        "one resource per page, whatever count asks (filter.maxResults is 1)"
        => "RFC 7644 §3.4.2.4 Table 6, count: \"the service provider MUST NOT return more results than specified, although it MAY return fewer results\"; RFC 7643 §5 filter.maxResults: \"the maximum number of resources returned in a response\".",
    MembersOnRequest = "members-on-request":
        "Group.members is returned: request, so a group's members come back only when attributes names them"
        => "RFC 7643 §7: \"request The attribute is returned in response to any PUT, POST, or PATCH operations if the attribute was specified by the client ... returned in a SCIM query operation only if specified in the \"attributes\" parameter\"; §8.7.1: \"Where permitted, individual values and schema MAY change.\" Reading taken: a server may publish members as returned: request.",
    NotImplemented501 = "not-implemented-501":
        "what this server does not support (Bulk, PATCH, /.search, sorting, filtering, changing a password) answers 501 Not Implemented"
        => "RFC 7644 §3.12 Table 8: \"501 (Not Implemented) ... Service provider does not support the request operation, e.g., PATCH.\"",
    NoGroups = "no-groups":
        "no Group resource type: /Groups answers 404 and users have no groups attribute"
        => "RFC 7643 §3: resources are those of the resource types a service provider defines; RFC 7644 §3.2: \"clients SHOULD discover resource endpoints via the \"/ResourceTypes\" endpoint\". Groups are a resource type like any other.",
    NoSort = "no-sort":
        "no sorting: sort.supported is false and sortBy is ignored (501 with not-implemented-501)"
        => "RFC 7644 §3.4.2.3: \"Sort is OPTIONAL. Clients MAY discover sort capability by looking at the \"sort\" attribute of the service provider configuration\". No text says what a server without sorting answers to sortBy; the reading taken is that it ignores it.",
    NoEtag = "no-etag":
        "no versioning: etag.supported is false, no ETag and no meta.version, and If-Match is not evaluated"
        => "RFC 7644 §3.14: \"Service providers MAY support weak ETags\"; RFC 7643 §3.1 meta.version: \"Service provider support for this attribute is optional\". Reading taken (If-Match): a server without versioning does not evaluate it.",
    NoBulk = "no-bulk":
        "no Bulk: bulk.supported is false and /Bulk answers 404 (501 with not-implemented-501)"
        => "RFC 7644 §3.7: \"The bulk operation is an optional server feature\".",
    NoPatch = "no-patch":
        "no PATCH: patch.supported is false and PATCH answers 501"
        => "RFC 7644 §3.5.2: \"HTTP PATCH is an OPTIONAL server function\"; Table 8: 501 \"e.g., PATCH\".",
    NoChangePassword = "no-change-password":
        "changePassword.supported is false, and a password in a PUT or PATCH is ignored (501 with not-implemented-501)"
        => "RFC 7643 §5 changePassword.supported: \"A Boolean value specifying whether or not the operation is supported.\" No text says what a server answers to a password change it does not support; the reading taken is that it ignores it, as it may ignore any content (RFC 7644 §3.3).",
    WholeSeconds = "whole-seconds":
        "meta.created and meta.lastModified in whole seconds (2026-12-07T07:13:32Z): two writes in one second carry one time"
        => "RFC 7643 §2.3.5: \"A DateTime value (e.g., 2008-01-23T04:56:22Z). The attribute value MUST be encoded as a valid xsd:dateTime\"; xsd:dateTime makes fractional seconds optional, and the RFC's own example has none.",
    NoCursor = "no-cursor":
        "no cursor pagination: ServiceProviderConfig has no pagination attribute, and a cursor parameter is ignored like any other it does not know"
        => "RFC 9865 §4: the pagination attribute is \"OPTIONAL\", and its Abstract offers cursors \"in SCIM service providers that are implemented with existing codebases ... where cursor-based pagination is already well established\"; a server of RFC 7644 alone pages by index (RFC 7644 §3.4.2.4).",
}

impl Variant {
    /// The bundle `--variant minimal` switches on: most of the latitude at
    /// once, as a small real server may have it. It keeps groups, PATCH and
    /// /ResourceTypes, which the required extension is announced through.
    pub const MINIMAL: &'static [Variant] = &[
        Variant::FilterEqOnly,
        Variant::NoSearch,
        Variant::NoSchemaById,
        Variant::TrimmedSchema,
        Variant::ExtraRequired,
        Variant::Patch204,
        Variant::SmallPages,
        Variant::MembersOnRequest,
        Variant::NotImplemented501,
        Variant::NoSort,
        Variant::NoEtag,
        Variant::NoBulk,
        Variant::NoChangePassword,
        Variant::NoCursor,
        Variant::WholeSeconds,
    ];

    /// The SHOULD requirements the variant departs from, knowingly: where it
    /// is the contested reading of a SHOULD, or the RFC allows a server to
    /// leave out what it recommends. A case citing one of these may warn
    /// under the variant; nothing else may.
    pub fn departs_from(self) -> &'static [&'static str] {
        match self {
            Variant::NoResourceTypes => &["rfc7644.3.2.resource-types-served"],
            Variant::NoSchemas => &["rfc7643.7.schemas-served"],
            Variant::NoPatch => &["rfc7644.3.5.patch-supported-should"],
            _ => &[],
        }
    }

    /// Variants that change which schemas and resource types the server has.
    pub fn shapes_schema(self) -> bool {
        matches!(
            self,
            Variant::TrimmedSchema
                | Variant::TrimmedSchemaStrict
                | Variant::ExtraRequired
                | Variant::MembersOnRequest
                | Variant::NoGroups
        )
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name `minimal` for the bundle; any other is one variant.
pub const MINIMAL: &str = "minimal";

impl FromStr for Variant {
    type Err = String;

    fn from_str(s: &str) -> Result<Variant, String> {
        Variant::ALL.iter().copied().find(|v| v.name() == s).ok_or_else(|| {
            format!(
                "unknown variant '{s}'; `scimitar serve --list-variants` lists the {} variants and the bundle '{MINIMAL}'",
                Variant::ALL.len()
            )
        })
    }
}

/// The variants switched on in one server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct VariantSet(u64);

impl VariantSet {
    pub fn none() -> VariantSet {
        VariantSet(0)
    }

    pub fn of(variants: &[Variant]) -> VariantSet {
        variants.iter().fold(VariantSet::none(), |set, v| set.with(*v))
    }

    pub fn minimal() -> VariantSet {
        VariantSet::of(Variant::MINIMAL)
    }

    pub fn with(self, v: Variant) -> VariantSet {
        VariantSet(self.0 | 1 << (v as u32))
    }

    pub fn has(self, v: Variant) -> bool {
        self.0 & (1 << (v as u32)) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Variant> {
        Variant::ALL.iter().copied().filter(move |v| self.has(*v))
    }

    /// Only the variants that shape the schema: what a registry depends on.
    pub fn schema_part(self) -> VariantSet {
        VariantSet::of(&self.iter().filter(|v| v.shapes_schema()).collect::<Vec<_>>())
    }

    /// The trimmed User schema, ignoring or refusing what it lacks.
    pub fn trimmed(self) -> bool {
        self.has(Variant::TrimmedSchema) || self.has(Variant::TrimmedSchemaStrict)
    }

    /// A feature this server lacks answers 501 rather than 400 or 404.
    pub fn refuses_with_501(self) -> bool {
        self.has(Variant::NotImplemented501)
    }
}

impl fmt::Display for VariantSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Variant::name).collect();
        f.write_str(&names.join(","))
    }
}

impl VariantSet {
    /// Why a fault cannot show on a server under these variants, if it
    /// cannot: its bug lives in a feature the variants leave out.
    pub fn hides(self, fault: Fault) -> Option<&'static str> {
        use Fault as F;
        use Variant as V;
        let variants = self;
        let has = |v: V| variants.has(v);
        let eq_only = has(V::FilterEqOnly) || has(V::NoFilter);
        match fault {
            F::NoEtag
            | F::VersionNotBumped
            | F::IfMatchIgnored
            | F::IfNoneMatchIgnored
            | F::EtagUnquoted
            | F::EtagOnlyOnGet
            | F::IfMatchWeakNeverMatches
            | F::IfNoneMatchAlways304
                if has(V::NoEtag) =>
            {
                Some("versioning is left out (no-etag)")
            }
            F::SortIgnored | F::SortOrderIgnored | F::SortCaseSensitive if has(V::NoSort) => {
                Some("sorting is left out (no-sort)")
            }
            F::BulkIdNotResolved
            | F::BulkLimitsIgnored
            | F::BulkNotImplemented
            | F::BulkStopsOnError
            | F::BulkFailOnErrorsIgnored
            | F::BulkGroupedByMethod
            | F::BulkResultsMinimal
            | F::BulkIdNotEchoed
            | F::BulkErrorBare
            | F::BulkStatusAlways200
            | F::BulkLimitNotNamed
                if has(V::NoBulk) =>
            {
                Some("Bulk is left out (no-bulk)")
            }
            F::SearchIgnoresBody | F::RootFilterUndefinedError if has(V::NoSearch) => {
                Some("POST .search is left out (no-search)")
            }
            F::PasswordChangeRefused if has(V::NoChangePassword) => {
                Some("changing a password is left out (no-change-password)")
            }
            F::PasswordReturned if variants.trimmed() => Some("the trimmed schema has no password"),
            F::SchemaByIdList if has(V::NoSchemaById) => Some("/Schemas/{id} is left out (no-schema-by-id)"),
            F::UnknownFilterMatchesAll
            | F::OrBindsTighter
            | F::ValuePathAnyValue
            | F::FilterGeLeExclusive
            | F::FilterPrMatchesEmpty
            | F::BooleanOrderingAccepted
                if eq_only =>
            {
                Some("the bug is in filters an eq-only server refuses before it would show")
            }
            F::CursorNextMissing
            | F::CursorIgnored
            | F::CursorPreviousOnFirst
            | F::CursorForgedFirstPage
            | F::CursorNotUrlSafe
            | F::CursorBypassesAuth
            | F::CursorSearchIgnored
            | F::CursorSortIgnored
            | F::SpcPaginationIncomplete
                if has(V::NoCursor) =>
            {
                Some("cursor pagination is left out (no-cursor)")
            }
            F::LastModifiedDiffers if has(V::WholeSeconds) => Some(
                "a millisecond between created and lastModified is one time in whole seconds (whole-seconds)",
            ),
            F::FilterBooleanAsString if eq_only => Some(
                "on an eq-only server no filter can ask for the inactive users among a case's own (that needs `and`)",
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_parse_back_and_cite_an_rfc() {
        assert!(Variant::ALL.len() < 64, "a VariantSet holds 64");
        let mut names: Vec<_> = Variant::ALL.iter().map(|v| v.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Variant::ALL.len());
        for v in Variant::ALL {
            assert!(v.name().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            assert_eq!(v.name().parse::<Variant>(), Ok(*v));
            assert!(v.allowed_by().contains("RFC 764"), "{v} cites no RFC");
        }
        assert!("minimal".parse::<Variant>().is_err(), "the bundle is not one variant");
    }

    #[test]
    fn docs_latitude_lists_every_variant_and_the_bundle() {
        let doc = include_str!("../../docs/latitude.md");
        for v in Variant::ALL {
            assert!(doc.contains(&format!("| `{}` |", v.name())), "docs/latitude.md does not list {v}");
        }
        for v in Variant::MINIMAL {
            let bundle = doc.lines().find(|l| l.starts_with("| `minimal` |")).expect("the bundle's row");
            assert!(bundle.contains(&format!("`{}`", v.name())), "the bundle's row lacks {v}");
        }
    }

    #[test]
    fn a_set_holds_what_was_put_in_and_its_schema_part() {
        let set = VariantSet::of(&[Variant::NoBulk, Variant::TrimmedSchema]);
        assert!(set.has(Variant::NoBulk) && set.trimmed() && !set.has(Variant::NoSort));
        assert_eq!(set.schema_part(), VariantSet::of(&[Variant::TrimmedSchema]));
        assert_eq!(VariantSet::minimal().iter().count(), Variant::MINIMAL.len());
    }
}
