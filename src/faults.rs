//! Deliberate bugs the reference server can switch on, one at a time or several.
//!
//! Each fault is a defect real SCIM servers ship. They exist so the suites can
//! prove they catch it: a check that passes against a server with the bug is a
//! check that cannot fail. Each fault is read at exactly one place in the code
//! (search for `Fault::` and its variant name), never a second code path or server.

use std::fmt;
use std::str::FromStr;

macro_rules! faults {
    ($( $variant:ident = $name:literal : $about:literal, )*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Fault { $( $variant, )* }

        impl Fault {
            pub const ALL: &'static [Fault] = &[ $( Fault::$variant, )* ];

            /// The name `--fault` takes.
            pub fn name(self) -> &'static str {
                match self { $( Fault::$variant => $name, )* }
            }

            /// One line: what the server does wrong.
            pub fn about(self) -> &'static str {
                match self { $( Fault::$variant => $about, )* }
            }
        }
    };
}

faults! {
    CreateReturns200 = "create-returns-200": "POST answers 200 OK instead of 201 Created",
    NoLocationOnCreate = "no-location-on-create": "201 Created carries no Location header",
    EmptyCreateBody = "empty-create-body": "201 Created carries an empty body",
    NoMetaLocation = "no-meta-location": "resources carry no meta.location",
    NoEtag = "no-etag": "no ETag header and no meta.version",
    VersionNotBumped = "version-not-bumped": "meta.version and ETag stay the same after a change",
    IfMatchIgnored = "if-match-ignored": "If-Match is not checked: a stale version overwrites (no 412)",
    IfNoneMatchIgnored = "if-none-match-ignored": "If-None-Match is not checked: never 304 Not Modified",
    CountIgnored = "count-ignored": "the count parameter is ignored: every match is returned",
    StartIndexZeroBased = "start-index-zero-based": "startIndex is read as 0-based, so pages are off by one",
    TotalResultsPageSize = "total-results-page-size": "totalResults is the size of the page, not of the result",
    CountZeroReturnsResources = "count-zero-returns-resources": "count=0 returns resources instead of only totalResults",
    NoMatch404 = "no-match-404": "a query that matches nothing answers 404 instead of an empty list",
    UnstableOrder = "unstable-order": "list order changes between requests, so paging skips and repeats",
    SortIgnored = "sort-ignored": "sortBy is ignored",
    SortOrderIgnored = "sort-order-ignored": "sortOrder=descending is ignored",
    UsernameFilterCaseSensitive = "username-filter-case-sensitive": "userName filters compare case-sensitively",
    UnknownFilterMatchesAll = "unknown-filter-matches-all": "a filter it cannot parse matches everything instead of 400",
    OrBindsTighter = "or-binds-tighter": "'or' binds tighter than 'and' in filters",
    FilterNamesCaseSensitive = "filter-names-case-sensitive": "attribute names in filters are case-sensitive",
    PasswordReturned = "password-returned": "password (returned: never) is returned",
    AttributesIgnored = "attributes-ignored": "the attributes parameter is ignored",
    ExcludedAttributesIgnored = "excluded-attributes-ignored": "the excludedAttributes parameter is ignored",
    IdNotAlwaysReturned = "id-not-always-returned": "attributes=... drops id, which is returned: always",
    RemoveFilterClearsAll = "remove-filter-clears-all": "PATCH remove with a value filter removes every value",
    AddReplacesMultiValued = "add-replaces-multi-valued": "PATCH add replaces a multi-valued attribute instead of adding to it",
    PatchNotAtomic = "patch-not-atomic": "a failing PATCH keeps the operations before the failure",
    PrimaryNotDemoted = "primary-not-demoted": "PATCH setting primary=true leaves another value primary",
    ReplaceNoTargetIgnored = "replace-no-target-ignored": "PATCH replace whose filter matches nothing succeeds instead of 400 noTarget",
    PutMerges = "put-merges": "PUT merges into the resource instead of replacing it",
    NoUniquenessConflict = "no-uniqueness-conflict": "duplicate userName or group displayName is accepted (no 409)",
    UniquenessCaseSensitive = "uniqueness-case-sensitive": "userName uniqueness is checked case-sensitively",
    RequiredNotEnforced = "required-not-enforced": "a resource without its required attributes is accepted",
    WrongTypeAccepted = "wrong-type-accepted": "values of the wrong JSON type are stored as sent, by POST, PUT and PATCH",
    DeletedStillServed = "deleted-still-served": "DELETE answers 204 but the resource is still served",
    DeleteDeactivates = "delete-deactivates": "DELETE of a user answers 204 and sets active to false; the user is still served and listed, as many vendors document",
    DeleteReturns200 = "delete-returns-200": "DELETE answers 200 with a body instead of 204",
    DeletedMemberKept = "deleted-member-kept": "deleting a user leaves it in its groups' members",
    UserGroupsMissing = "user-groups-missing": "User.groups is not computed from group membership",
    ErrorStatusNumber = "error-status-number": "the Error envelope's status is a JSON number, not a string",
    ErrorNoScimType = "error-no-scim-type": "errors carry no scimType",
    HtmlNotFound = "html-not-found": "unknown paths answer 404 with an HTML page, not a SCIM error",
    MalformedJson500 = "malformed-json-500": "malformed JSON answers 500 instead of 400 invalidSyntax",
    AuthNotEnforced = "auth-not-enforced": "requests without valid credentials are served",
    NoWwwAuthenticate = "no-www-authenticate": "401 carries no WWW-Authenticate header",
    JsonContentType = "json-content-type": "responses are application/json instead of application/scim+json",
    DiscoveryWrite404 = "discovery-write-404": "writes to discovery endpoints answer 404 instead of 405",
    BulkIdNotResolved = "bulk-id-not-resolved": "Bulk leaves bulkId:... references unresolved",
    BulkLimitsIgnored = "bulk-limits-ignored": "maxOperations and maxPayloadSize are advertised but not enforced (no 413)",
    SpcIncomplete = "spc-incomplete": "ServiceProviderConfig omits etag and the type of each authentication scheme",
    SpcRequiresAuth = "spc-requires-auth": "ServiceProviderConfig, authentication schemes included, needs credentials to read",
    RtExtensionRequiredMissing = "rt-extension-required-missing": "ResourceType schemaExtensions entries have no required flag",
    SchemaIdShortName = "schema-id-short-name": "Schemas are served with ids like User instead of their URNs",
    SchemaByIdList = "schema-by-id-list": "GET /Schemas/{urn} answers the whole ListResponse, not the one schema",
    SchemaDottedNames = "schema-dotted-names": "the User schema lists name.givenName-style attributes instead of name's subAttributes",
    DiscoveryBareArray = "discovery-bare-array": "/Schemas and /ResourceTypes answer a bare JSON array, not a ListResponse",
    SchemasListMessages = "schemas-list-messages": "/Schemas also lists the urn:ietf:params:scim:api:messages schemas",
    DiscoveryPaged = "discovery-paged": "/Schemas and /ResourceTypes apply startIndex and count",
    DiscoveryFilterApplied = "discovery-filter-applied": "/Schemas and /ResourceTypes evaluate filter instead of refusing it (403)",
    FilterIgnored = "filter-ignored": "filter is ignored on listings, though filter.supported is true",
    PatchNotImplemented = "patch-not-implemented": "PATCH answers 501, though patch.supported is true",
    BulkNotImplemented = "bulk-not-implemented": "POST /Bulk answers 501, though bulk.supported is true",
    PasswordChangeRefused = "password-change-refused": "PUT or PATCH carrying a password answers 400, though changePassword.supported is true",
    MetaResourceTypePlural = "meta-resource-type-plural": "meta.resourceType is the endpoint name (Users), not the resource type (User)",
    FilterValuesCaseSensitive = "filter-values-case-sensitive": "filters compare every string case-sensitively, whatever caseExact says",
    CaseExactIgnored = "case-exact-ignored": "caseExact strings (externalId, id) are stored lower-cased and compared ignoring case",
    ValuePathAnyValue = "value-path-any-value": "in emails[a and b], a and b may hold for different emails",
    FilterKeywordsCaseSensitive = "filter-keywords-case-sensitive": "only lower-case operators are recognised: EQ, And, NOT are refused",
    FilterGeLeExclusive = "filter-ge-le-exclusive": "ge and le behave like gt and lt",
    FilterPrMatchesEmpty = "filter-pr-matches-empty": "pr holds for an empty string, array or object",
    FilterBooleanAsString = "filter-boolean-as-string": "boolean filters compare as text, so active eq false matches nothing",
    BooleanOrderingAccepted = "boolean-ordering-accepted": "gt, ge, lt and le on a boolean are evaluated instead of refused",
    FilterMetaInvisible = "filter-meta-invisible": "filters do not see meta, so meta.location pr or meta.resourceType eq ... matches nothing",
    FilterUrnNamesUnsupported = "filter-urn-names-unsupported": "URN-qualified attribute names in filters answer 400",
    UnknownParamRejected = "unknown-param-rejected": "query parameters the server does not know answer 400",
    PagingBoundsRejected = "paging-bounds-rejected": "startIndex below 1 or a negative count answers 400 instead of being read as 1 and 0",
    StartIndexPastEndError = "start-index-past-end-error": "a startIndex past the last result answers 400 instead of an empty page",
    ListResponseMinimal = "list-response-minimal": "list responses carry only totalResults and Resources: no schemas, startIndex or itemsPerPage",
    MissingCountAsZero = "missing-count-as-zero": "without count, a listing returns no resources",
    SearchIgnoresBody = "search-ignores-body": "POST .search ignores the SearchRequest and lists everything",
    RootFilterUndefinedError = "root-filter-undefined-error": "a filter at the root naming an attribute one resource type lacks answers 400",
    SortCaseSensitive = "sort-case-sensitive": "sortBy on case-insensitive strings orders by code point (B before a)",
    PatchRemoveIgnored = "patch-remove-ignored": "PATCH remove answers success but removes nothing",
    ValueFilterIgnored = "value-filter-ignored": "emails[type eq \"work\"].value acts on the value sub-attribute of every email",
    ValueFilterFirstMatchOnly = "value-filter-first-match-only": "a filtered PATCH replace or remove acts on the first matching value only",
    ReplaceComplexWipes = "replace-complex-wipes": "PATCH replace of name or name.givenName replaces the whole name object",
    ReplaceMissingNoTarget = "replace-missing-no-target": "PATCH replace of an attribute with no value answers 400 noTarget instead of adding it",
    ImplicitSchemaNotAdded = "implicit-schema-not-added": "an extension attribute set by PATCH is stored but its URN is not added to schemas",
    PatchRewritesSchemas = "patch-rewrites-schemas": "after a PATCH the resource's schemas is the request's PatchOp URN",
    ImmutableAddRefused = "immutable-add-refused": "PATCH add of a value with an immutable sub-attribute (a new member) answers 400 mutability",
    NoOpPatchTouches = "no-op-patch-touches": "a PATCH that changes nothing still bumps meta.lastModified and the version",
    AddDuplicatesValue = "add-duplicates-value": "PATCH add appends a value equal to one already there",
    AddFirstValueOnly = "add-first-value-only": "PATCH add of several values to a multi-valued attribute keeps only the first",
    Patch204WithAttributes = "patch-204-with-attributes": "PATCH answers 204 even when the attributes parameter asks for the resource",
    PatchReadOnlyIgnored = "patch-read-only-ignored": "PATCH operations on readOnly attributes (id, meta) succeed and do nothing",
    PatchRequiredNotEnforced = "patch-required-not-enforced": "PATCH may remove a required attribute such as userName",
    PatchPathCaseSensitive = "patch-path-case-sensitive": "attribute names in PATCH paths are case-sensitive (Emails is refused)",
    PathlessReplaceAsPut = "pathless-replace-as-put": "a PATCH replace without a path clears the attributes its value does not list",
    ReplaceMultiValuedMerges = "replace-multi-valued-merges": "PATCH replace of a multi-valued attribute adds to its values instead of replacing them",
    AddSingleValuedIgnored = "add-single-valued-ignored": "PATCH add to a single-valued attribute that has a value keeps the old value",
    PatchReturnsStale = "patch-returns-stale": "a PATCH answers 200 with the resource as it was before the PATCH",
    SchemasOmitted = "schemas-omitted": "resources are returned without their schemas attribute",
    SchemasAsSent = "schemas-as-sent": "schemas is stored as the client sent it: unknown URIs and duplicates kept",
    CoreSchemaFirst = "core-schema-first": "a body is refused unless schemas comes first and lists the core schema first",
    ExtensionFlattened = "extension-flattened": "enterprise attributes are returned at the top level, not in their URN-keyed object",
    ReadOnlyStored = "read-only-stored": "readOnly values a client sends (id, meta, groups) are stored as sent",
    IdFromName = "id-from-name": "a resource's id is its userName or displayName",
    MetaTimesNotDatetime = "meta-times-not-datetime": "meta.created and meta.lastModified look like 2024-01-01 10:00:00 (no T, no zone)",
    LastModifiedDiffers = "last-modified-differs": "a new resource's meta.lastModified differs from its meta.created",
    ExternalIdInvented = "external-id-invented": "a resource created without externalId gets one (a copy of its id)",
    ListNumbersAsStrings = "list-numbers-as-strings": "totalResults, startIndex and itemsPerPage are JSON strings",
    SchemaTypesCapitalised = "schema-types-capitalised": "/Schemas gives attribute types as String, Boolean, DateTime",
    PrimaryInvented = "primary-invented": "when no value of a multi-valued attribute is primary, the first is stored as primary",
    ManyPrimariesAccepted = "many-primaries-accepted": "a POST or PUT with several primary values is stored as sent",
    LocationWithoutPrefix = "location-without-prefix": "meta.location and $ref drop the base path (/scim/v2), as behind a proxy",
    ImmutableOverwritten = "immutable-overwritten": "PATCH may change the value of an existing group member (an immutable sub-attribute)",
    PutCreates = "put-creates": "PUT to an unknown id creates the resource instead of answering 404",
    NullRejected = "null-rejected": "null or [] values in POST or PUT answer 400 instead of meaning unassigned",
    StrictContentType = "strict-content-type": "only exactly application/scim+json is accepted: a charset or application/json gets 415",
    NonBmpMangled = "non-bmp-mangled": "characters outside the Basic Multilingual Plane (emoji) are stored as U+FFFD",
    Scim1MessageUrns = "scim1-message-urns": "ListResponse and Error carry SCIM 1.1 schema URNs",
    Uniqueness400 = "uniqueness-400": "uniqueness conflicts answer 400 instead of 409",
    Me404 = "me-404": "/Me answers a plain 404 instead of 501 Not Implemented",
    AnyVersionServed = "any-version-served": "/scim/v99/Users is served as if it were /scim/v2/Users",
    BulkStopsOnError = "bulk-stops-on-error": "Bulk stops at the first failed operation whatever failOnErrors says",
    BulkFailOnErrorsIgnored = "bulk-fail-on-errors-ignored": "Bulk ignores failOnErrors and runs every operation",
    BulkGroupedByMethod = "bulk-grouped-by-method": "Bulk runs every POST, then PUTs, PATCHes and DELETEs, not in request order",
    BulkResultsMinimal = "bulk-results-minimal": "Bulk results carry status and bulkId only: no method, no location",
    BulkIdNotEchoed = "bulk-id-not-echoed": "Bulk results do not repeat the operation's bulkId",
    BulkErrorBare = "bulk-error-bare": "a failed Bulk operation's result has no response (no SCIM error)",
    BulkStatusAlways200 = "bulk-status-always-200": "every successful Bulk result says 200, even a create (201) or a delete (204)",
    BulkLimitsNotAdvertised = "bulk-limits-not-advertised": "ServiceProviderConfig bulk omits maxOperations and maxPayloadSize",
    BulkLimitNotNamed = "bulk-limit-not-named": "a Bulk request over a limit gets a 413 that does not say which limit",
    DeleteUnknown204 = "delete-unknown-204": "DELETE of an unknown id answers 204",
    EtagUnquoted = "etag-unquoted": "ETag and meta.version are not quoted: W/3",
    EtagOnlyOnGet = "etag-only-on-get": "ETag is sent on GET only, not with the 201 of a create or the 200 of a PUT or PATCH",
    IfMatchWeakNeverMatches = "if-match-weak-never-matches": "If-Match compares strongly, so the server's own weak ETag always gets 412",
    IfNoneMatchAlways304 = "if-none-match-always-304": "any If-None-Match, even an outdated tag, gets 304",
    EmailsNotCanonicalized = "emails-not-canonicalized": "email values keep the case they were sent in: bjensen@EXAMPLE.COM",
    RepeatedValuesKept = "repeated-values-kept": "a multi-valued attribute keeps two values with the same type and value",
    InactiveHidden = "inactive-hidden": "a filtered list leaves out users with active=false, as if deactivated meant deleted",
    RemoveByValueClearsAll = "remove-by-value-clears-all": "--compat: Entra's remove of members with a value removes every member",
    StringBooleanTrue = "string-boolean-true": "--compat: a boolean sent as a string (\"False\") is read as true",
    PathKeysDropped = "path-keys-dropped": "--compat: dotted keys in a path-less replace value are accepted and ignored",
    CursorNextMissing = "cursor-next-missing": "cursor paging gives no nextCursor, so a client stops after the first page",
    CursorIgnored = "cursor-ignored": "the cursor parameter is not read: every cursor request answers the first page",
    CursorPreviousOnFirst = "cursor-previous-on-first": "the first cursor page carries a previousCursor",
    CursorForgedFirstPage = "cursor-forged-first-page": "a cursor the server never issued is read as the first page, not refused with 400 invalidCursor",
    CursorNotUrlSafe = "cursor-not-url-safe": "cursors carry '/', outside RFC 3986's unreserved characters",
    CursorBypassesAuth = "cursor-bypasses-auth": "a request carrying a cursor is served without credentials",
    CursorSearchIgnored = "cursor-search-ignored": "POST .search ignores a cursor in its body and pages by index",
    CursorSortIgnored = "cursor-sort-ignored": "pages read by cursor ignore sortBy: they come in creation order",
    PatchEmptyIgnored = "patch-empty-ignored": "a PATCH replace whose value is \"\" or null keeps the old value, as if nothing were sent",
    StartIndexNotEchoed = "start-index-not-echoed": "a listing says startIndex 1 whatever startIndex was asked for",
    GroupSchemaUnlisted = "group-schema-unlisted": "/Schemas leaves out the Group schema, though /Groups is served",
    OktaTypesUnserved = "okta-types-unserved": "/ResourceTypes lists Okta's Entitlement and Role types (--compat okta), but /Entitlements and /Roles answer 404",
    NoUserAgent403 = "no-user-agent-403": "a request without a User-Agent, or with an empty one, gets an HTML 403, as from a web application firewall",
    CreatedBumped = "created-bumped": "an update sets meta.created to the time of the update",
    LastModifiedFrozen = "last-modified-frozen": "meta.lastModified keeps the creation time whatever changes",
    SpcPaginationIncomplete = "spc-pagination-incomplete": "ServiceProviderConfig pagination omits index, names its default method \"offset\" and its maxPageSize 0",
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Fault, String> {
        Fault::ALL.iter().copied().find(|f| f.name() == s).ok_or_else(|| {
            format!(
                "unknown fault '{s}'; `scimitar serve --list-faults` lists the {} faults",
                Fault::ALL.len()
            )
        })
    }
}

/// How many faults a [`FaultSet`] can hold.
const CAPACITY: usize = 256;

/// The faults switched on in one server: a bitset, cheap to copy and test.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultSet([u64; CAPACITY / 64]);

impl FaultSet {
    pub fn none() -> FaultSet {
        FaultSet::default()
    }

    pub fn of(faults: &[Fault]) -> FaultSet {
        faults.iter().fold(FaultSet::none(), |set, f| set.with(*f))
    }

    pub fn with(mut self, fault: Fault) -> FaultSet {
        let bit = fault as usize;
        self.0[bit / 64] |= 1 << (bit % 64);
        self
    }

    pub fn has(self, fault: Fault) -> bool {
        let bit = fault as usize;
        self.0[bit / 64] & (1 << (bit % 64)) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    pub fn iter(self) -> impl Iterator<Item = Fault> {
        Fault::ALL.iter().copied().filter(move |f| self.has(*f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_parse_back() {
        assert!(Fault::ALL.len() >= 25 && Fault::ALL.len() <= CAPACITY);
        let mut names: Vec<_> = Fault::ALL.iter().map(|f| f.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Fault::ALL.len());
        for f in Fault::ALL {
            assert!(f.name().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            assert_eq!(f.name().parse::<Fault>(), Ok(*f));
            assert!(!f.about().is_empty());
        }
        assert!("no-such-fault".parse::<Fault>().unwrap_err().contains("--list-faults"));
    }

    #[test]
    fn a_set_holds_exactly_what_was_put_in() {
        let last = *Fault::ALL.last().unwrap();
        let set = FaultSet::of(&[Fault::CountIgnored, Fault::NoEtag, last]);
        assert!(set.has(Fault::CountIgnored) && set.has(Fault::NoEtag) && set.has(last));
        assert!(!set.has(Fault::PutMerges));
        assert_eq!(set.iter().count(), 3);
        assert!(FaultSet::none().is_empty());
    }
}
