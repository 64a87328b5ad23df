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
    WrongTypeAccepted = "wrong-type-accepted": "values of the wrong JSON type are stored as sent",
    DeletedStillServed = "deleted-still-served": "DELETE answers 204 but the resource is still served",
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

/// The faults switched on in one server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultSet(u128);

impl FaultSet {
    pub fn none() -> FaultSet {
        FaultSet(0)
    }

    pub fn of(faults: &[Fault]) -> FaultSet {
        faults.iter().fold(FaultSet(0), |set, f| set.with(*f))
    }

    pub fn with(self, fault: Fault) -> FaultSet {
        FaultSet(self.0 | (1 << fault as u128))
    }

    pub fn has(self, fault: Fault) -> bool {
        self.0 & (1 << fault as u128) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
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
        assert!(Fault::ALL.len() >= 25 && Fault::ALL.len() <= 128);
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
        let set = FaultSet::of(&[Fault::CountIgnored, Fault::NoEtag]);
        assert!(set.has(Fault::CountIgnored) && set.has(Fault::NoEtag));
        assert!(!set.has(Fault::PutMerges));
        assert_eq!(set.iter().count(), 2);
        assert!(FaultSet::none().is_empty());
    }
}
