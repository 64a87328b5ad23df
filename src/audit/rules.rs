//! The requirements an audit judges a client by: each catalogued client
//! requirement an audit can observe, the case it reports as, and what has to
//! happen for the client to show it. Every check names its requirement
//! through here, so the catalogue, the checks and `scimitar coverage` cannot
//! drift apart.

use crate::suite::profile::Profile;

/// One audited requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The catalogue id.
    pub requirement: &'static str,
    /// The case the report shows it as, under `audit::`.
    pub case: &'static str,
    /// Why it does not apply when nothing gave the client occasion to show it.
    pub never: &'static str,
    /// For a comparison with an identity provider (`--like`): which.
    pub like: Option<Profile>,
}

const fn rule(requirement: &'static str, case: &'static str, never: &'static str) -> Rule {
    Rule { requirement, case, never, like: None }
}

const fn like(profile: Profile, requirement: &'static str, case: &'static str, never: &'static str) -> Rule {
    Rule { requirement, case, never, like: Some(profile) }
}

pub const CONTENT_TYPE: &str = "rfc7644.3.8.client-content-type";
pub const ACCEPT: &str = "rfc7644.3.8.client-accept-may";
pub const SCHEMAS_REQUIRED: &str = "rfc7643.3.schemas-required";
pub const SCHEMAS_NON_EMPTY: &str = "rfc7643.3.schemas-non-empty";
pub const SCHEMAS_ONLY_DECLARED: &str = "rfc7643.3.schemas-only-declared";
pub const SCHEMAS_NO_DUPLICATES: &str = "rfc7643.3.schemas-no-duplicates";
pub const ID_SERVER_ISSUED: &str = "rfc7643.3.1.id-server-issued";
pub const PUT_REQUIRED: &str = "rfc7644.3.5.1.put-required";
pub const JSON_TYPES: &str = "rfc7643.2.3.client-json-types";
pub const BINARY: &str = "rfc7643.2.3.6.binary-base64";
pub const ONE_PRIMARY: &str = "rfc7643.2.4.primary-at-most-once";
pub const EXTENSION_QUALIFIED: &str = "rfc7644.3.10.extension-fully-qualified";
pub const NO_USERINFO: &str = "rfc7644.7.1.no-userinfo";
pub const EMAIL: &str = "rfc7643.4.1.2.emails-rfc5321";
pub const PHONE: &str = "rfc7643.4.1.2.phone-rfc3966";
pub const IMS_TYPE: &str = "rfc7643.4.1.2.ims-type-values";
pub const COUNTRY: &str = "rfc7643.4.1.2.address-country-alpha2";
pub const X509_DER: &str = "rfc7643.4.1.2.x509-base64-der";
pub const X509_SINGLE: &str = "rfc7643.4.1.2.x509-single-cert";
pub const MANAGER_VALUE: &str = "rfc7643.4.3.manager-value-recommended";
pub const MANAGER_REF: &str = "rfc7643.4.3.manager-ref-recommended";
pub const PATCHOP_SCHEMA: &str = "rfc7644.3.5.2.patchop-schema";
pub const PATCH_OPERATIONS: &str = "rfc7644.3.5.2.patch-operations";
pub const PATCH_ONE_OP: &str = "rfc7644.3.5.2.patch-one-op";
pub const PATCH_OP_VALUE: &str = "rfc7644.3.5.2.patch-op-values";
pub const REMOVE_PATH: &str = "rfc7644.3.5.2.patch-path-remove-required";
pub const ADD_VALUE: &str = "rfc7644.3.5.2.1.add-value-required";
pub const ADD_COMPLEX: &str = "rfc7644.3.5.2.1.add-complex-subattrs";
pub const REPLACE_WITHOUT_PATH: &str = "rfc7644.3.5.2.3.replace-no-path-value";
pub const REPLACE_COMPLEX: &str = "rfc7644.3.5.2.3.replace-complex";
pub const NO_READONLY: &str = "rfc7644.3.5.2.patch-no-readonly-immutable";
pub const PATCH_COMPATIBLE: &str = "rfc7644.3.5.2.patch-compatible";
pub const FILTER_NOT_EMPTY: &str = "rfc7644.3.4.2.2.filter-one-expression";
pub const FILTER_SYNTAX: &str = "rfc7644.3.4.2.2.filter-expression-shape";
pub const VALUE_FILTER: &str = "rfc7644.3.4.2.2.complex-filter-valid";
pub const COMPLEX_SUB_ATTRIBUTE: &str = "rfc7644.3.4.2.2.complex-subattr-qualified";
pub const ATTRIBUTES: &str = "rfc7644.3.4.2.5.attributes-notation";
pub const EXCLUDED_ATTRIBUTES: &str = "rfc7644.3.4.2.5.excluded-notation";
pub const ONE_PROJECTION: &str = "rfc7644.3.9.partial-may";
pub const PASSWORD_NOT_IN_URL: &str = "rfc7644.7.5.2.client-post-search";
pub const SEARCH_SCHEMA: &str = "rfc7644.3.4.3.searchrequest-schema";
pub const SEARCH_FILTER: &str = "rfc7644.3.4.3.search-filter-valid";
pub const SEARCH_ATTRIBUTES: &str = "rfc7644.3.4.3.search-attributes-notation";
pub const SEARCH_EXCLUDED: &str = "rfc7644.3.4.3.search-excluded-notation";
pub const SEARCH_SORT_BY: &str = "rfc7644.3.4.3.search-sortby-notation";
pub const SORT_ORDER: &str = "rfc7644.3.4.3.search-sortorder-optional";
pub const BULK_SCHEMA: &str = "rfc7644.3.7.bulkrequest-schema";
pub const BULK_OPERATIONS: &str = "rfc7644.3.7.bulk-operations-required";
pub const BULK_METHOD: &str = "rfc7644.3.7.bulk-method-required";
pub const BULK_ID: &str = "rfc7644.3.7.bulk-bulkid-for-post";
pub const BULK_PATH: &str = "rfc7644.3.7.bulk-path-required";
pub const BULK_DATA: &str = "rfc7644.3.7.bulk-data-required";
pub const BULK_VERSION: &str = "rfc7644.3.7.bulk-version-may";
pub const SHORT_PAGES: &str = "rfc7644.3.4.2.4.client-short-pages";
pub const IF_MATCH: &str = "rfc7644.3.14.if-match-may";
pub const RETRY_AFTER: &str = "rfc9110.10.2.3.client-retry-after";
pub const NO_AUTO_RETRY: &str = "rfc9110.9.2.2.client-no-auto-retry";
pub const REREAD_AFTER_412: &str = "rfc9110.13.1.1.client-reread-after-412";
pub const AFTER_409: &str = "rfc9110.15.5.10.client-resolve-conflict";
pub const TEMPORARY_REDIRECT: &str = "rfc7644.3.12.status-307-client";
pub const PERMANENT_REDIRECT: &str = "rfc7644.3.12.status-308-client";
pub const OKTA_HEADERS: &str = "okta.client.headers";
pub const OKTA_USER_LOOKUP: &str = "okta.client.user-lookup";
pub const OKTA_GROUP_LOOKUP: &str = "okta.client.group-lookup";
pub const OKTA_DEACTIVATION: &str = "okta.client.deactivation";
pub const OKTA_GROUP_PUSH_ORDER: &str = "okta.client.group-push-order";
pub const ENTRA_USER_LOOKUP: &str = "entra.client.user-lookup";
pub const ENTRA_DEACTIVATION: &str = "entra.client.deactivation";
pub const ENTRA_MEMBER_REMOVAL: &str = "entra.client.member-removal";
pub const ENTRA_SOFT_DELETE: &str = "entra.client.soft-delete-first";

/// Every audited requirement, in the order reports show them.
pub const RULES: &[Rule] = &[
    rule(CONTENT_TYPE, "media::content_type", "the client sent no request with a body"),
    rule(ACCEPT, "media::accept", "the client sent no Accept header"),
    rule(SCHEMAS_REQUIRED, "resource::schemas_present", "the client sent no POST or PUT of a resource"),
    rule(
        SCHEMAS_NON_EMPTY,
        "resource::schemas_name_the_body",
        "the client sent no POST or PUT of a resource",
    ),
    rule(
        SCHEMAS_ONLY_DECLARED,
        "resource::schemas_of_the_type",
        "the client sent no POST or PUT of a resource",
    ),
    rule(
        SCHEMAS_NO_DUPLICATES,
        "resource::schemas_once_each",
        "the client sent no POST or PUT of a resource",
    ),
    rule(ID_SERVER_ISSUED, "resource::no_client_id", "the client sent no POST or PUT of a resource"),
    rule(PUT_REQUIRED, "resource::put_required", "the client sent no PUT of a resource"),
    rule(JSON_TYPES, "values::json_types", "the client sent no attribute value in a POST or PUT"),
    rule(BINARY, "values::binary", "the client sent no binary attribute"),
    rule(ONE_PRIMARY, "values::one_primary", "the client sent no multi-valued attribute with primary"),
    rule(EXTENSION_QUALIFIED, "values::extension_qualified", "the client named no extension attribute"),
    rule(NO_USERINFO, "values::no_userinfo", "the client sent no http URI in a body"),
    rule(EMAIL, "data::email", "the client sent no email address"),
    rule(PHONE, "data::phone", "the client sent no phone number"),
    rule(IMS_TYPE, "data::ims_type", "the client sent no instant messaging address with a type"),
    rule(COUNTRY, "data::country", "the client sent no address with a country"),
    rule(X509_DER, "data::x509_der", "the client sent no X.509 certificate"),
    rule(X509_SINGLE, "data::x509_single", "the client sent no X.509 certificate"),
    rule(MANAGER_VALUE, "data::manager_value", "the client sent no manager"),
    rule(MANAGER_REF, "data::manager_ref", "the client sent no manager"),
    rule(PATCHOP_SCHEMA, "patch::patchop_schema", "the client sent no PATCH"),
    rule(PATCH_OPERATIONS, "patch::operations", "the client sent no PATCH"),
    rule(PATCH_ONE_OP, "patch::one_op", "the client sent no PATCH operation"),
    rule(PATCH_OP_VALUE, "patch::op_value", "the client sent no PATCH operation"),
    rule(REMOVE_PATH, "patch::remove_path", "the client sent no remove operation"),
    rule(ADD_VALUE, "patch::add_value", "the client sent no add operation"),
    rule(ADD_COMPLEX, "patch::add_complex", "the client added no complex attribute"),
    rule(REPLACE_WITHOUT_PATH, "patch::replace_without_path", "the client sent no replace without a path"),
    rule(REPLACE_COMPLEX, "patch::replace_complex", "the client replaced no complex attribute"),
    rule(NO_READONLY, "patch::no_readonly", "the client sent no PATCH operation naming an attribute"),
    rule(PATCH_COMPATIBLE, "patch::compatible", "the client sent no PATCH operation naming an attribute"),
    rule(FILTER_NOT_EMPTY, "query::filter_not_empty", "the client sent no filter"),
    rule(FILTER_SYNTAX, "query::filter_syntax", "the client sent no filter in a URL"),
    rule(VALUE_FILTER, "query::value_filter", "the client sent no filter or path with brackets"),
    rule(
        COMPLEX_SUB_ATTRIBUTE,
        "query::complex_sub_attribute",
        "the client filtered on no complex attribute",
    ),
    rule(ATTRIBUTES, "query::attributes", "the client sent no attributes parameter"),
    rule(
        EXCLUDED_ATTRIBUTES,
        "query::excluded_attributes",
        "the client sent no excludedAttributes parameter",
    ),
    rule(ONE_PROJECTION, "query::one_projection", "the client asked for no partial representation"),
    rule(PASSWORD_NOT_IN_URL, "query::password_not_in_url", "the client sent no filter in a URL"),
    rule(SEARCH_SCHEMA, "search::schema", "the client sent no POST .search"),
    rule(SEARCH_FILTER, "search::filter", "the client sent no filter in a POST .search"),
    rule(SEARCH_ATTRIBUTES, "search::attributes", "the client sent no attributes in a POST .search"),
    rule(
        SEARCH_EXCLUDED,
        "search::excluded_attributes",
        "the client sent no excludedAttributes in a POST .search",
    ),
    rule(SEARCH_SORT_BY, "search::sort_by", "the client sent no sortBy in a POST .search"),
    rule(SORT_ORDER, "search::sort_order", "the client sent no sortOrder"),
    rule(BULK_SCHEMA, "bulk::schema", "the client sent no Bulk request"),
    rule(BULK_OPERATIONS, "bulk::operations", "the client sent no Bulk request"),
    rule(BULK_METHOD, "bulk::method", "the client sent no Bulk operation"),
    rule(BULK_ID, "bulk::bulk_id", "the client sent no Bulk POST operation"),
    rule(BULK_PATH, "bulk::path", "the client sent no Bulk operation"),
    rule(BULK_DATA, "bulk::data", "the client sent no Bulk POST, PUT or PATCH operation"),
    rule(BULK_VERSION, "bulk::version", "the client sent no Bulk operation with a version"),
    rule(
        SHORT_PAGES,
        "paging::short_pages",
        "the client paged through no listing and got no page shorter than it asked",
    ),
    rule(IF_MATCH, "etag::if_match", "the client wrote no resource the server had given a version"),
    rule(
        RETRY_AFTER,
        "retry::retry_after",
        "no answer asked the client to wait (--scenario rate-limit provokes one)",
    ),
    rule(
        NO_AUTO_RETRY,
        "retry::no_automatic_retry",
        "no POST or PATCH of the client went unanswered or failed (--scenario server-error or slow provokes one)",
    ),
    rule(
        REREAD_AFTER_412,
        "conflict::reread_after_412",
        "no conditional write of the client was refused with 412 (--scenario stale-etag provokes one)",
    ),
    rule(
        AFTER_409,
        "conflict::after_409",
        "no request of the client was refused with 409 (--scenario conflict provokes one)",
    ),
    rule(
        TEMPORARY_REDIRECT,
        "redirect::temporary",
        "no request of the client was redirected with 307 (--scenario redirect provokes one)",
    ),
    rule(
        PERMANENT_REDIRECT,
        "redirect::permanent",
        "no request of the client was redirected with 308 (--scenario moved provokes one)",
    ),
    like(Profile::OKTA, OKTA_HEADERS, "like::okta::headers", "the client sent no request"),
    like(Profile::OKTA, OKTA_USER_LOOKUP, "like::okta::user_lookup", "the client created no user"),
    like(Profile::OKTA, OKTA_GROUP_LOOKUP, "like::okta::group_lookup", "the client created no group"),
    like(Profile::OKTA, OKTA_DEACTIVATION, "like::okta::deactivation", "the client deactivated no user"),
    like(
        Profile::OKTA,
        OKTA_GROUP_PUSH_ORDER,
        "like::okta::group_push_order",
        "the client changed no group's members",
    ),
    like(Profile::ENTRA, ENTRA_USER_LOOKUP, "like::entra::user_lookup", "the client created no user"),
    like(Profile::ENTRA, ENTRA_DEACTIVATION, "like::entra::deactivation", "the client deactivated no user"),
    like(
        Profile::ENTRA,
        ENTRA_MEMBER_REMOVAL,
        "like::entra::member_removal",
        "the client removed no group member",
    ),
    like(Profile::ENTRA, ENTRA_SOFT_DELETE, "like::entra::soft_delete_first", "the client deleted no user"),
];

/// The rule of a requirement id.
pub fn of(requirement: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.requirement == requirement)
}

/// The identity providers `--like` can compare a client with.
pub fn like_profiles() -> Vec<Profile> {
    let mut out: Vec<Profile> = RULES.iter().filter_map(|r| r.like).collect();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::Suite;

    #[test]
    fn every_rule_judges_a_catalogued_client_requirement_once() {
        let catalogue = Suite::embedded().unwrap().catalogue;
        let mut seen = std::collections::HashSet::new();
        for rule in RULES {
            let r = catalogue
                .get(rule.requirement)
                .unwrap_or_else(|| panic!("{} is not catalogued", rule.requirement));
            assert!(r.client, "{} is not marked client: true", r.id);
            assert!(r.unaudited.is_none(), "{} says an audit cannot see it", r.id);
            assert!(seen.insert(rule.requirement), "{} has two rules", r.id);
            assert_eq!(rule.like, Profile::of_requirement(&r.id), "{}: --like follows the id", r.id);
        }
        let mut cases: Vec<&str> = RULES.iter().map(|r| r.case).collect();
        cases.sort();
        cases.dedup();
        assert_eq!(cases.len(), RULES.len(), "each rule is its own case");
    }

    #[test]
    fn every_client_requirement_an_audit_can_see_has_a_rule() {
        let catalogue = Suite::embedded().unwrap().catalogue;
        let missing: Vec<&str> = catalogue
            .values()
            .filter(|r| r.client && r.unaudited.is_none() && of(&r.id).is_none())
            .map(|r| r.id.as_str())
            .collect();
        assert!(missing.is_empty(), "client requirements no rule judges: {missing:?}");
    }
}
