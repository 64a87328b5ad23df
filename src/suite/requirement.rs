//! The requirement catalogue: each normative statement a case can check, with
//! where it comes from and how strong it is.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
pub enum Level {
    #[serde(rename = "MUST")]
    Must,
    #[serde(rename = "SHOULD")]
    Should,
    #[serde(rename = "MAY")]
    May,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One requirement: `rfc7644.3.3.created`, "RFC 7644 §3.3", MUST, and in our
/// words what it asks.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    /// The document and section, e.g. "RFC 7644 §3.3" or an IdP's documentation page.
    pub source: String,
    pub level: Level,
    /// A one-line paraphrase, in our words.
    pub says: String,
    /// The source's own words, to check the paraphrase against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// Whether an HTTP client can check a server against it.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub observable: bool,
    /// Why not, when it is not observable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Anything a reader of a finding should know: a contradiction in the source, a judgment call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For an identity provider's requirement: what that IdP does when a
    /// server breaks it ("Okta marks the push as failed"). A finding that
    /// cites such a requirement breaks the IdP; one in an IdP case that cites
    /// an RFC requirement is a deviation the IdP tolerates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaks: Option<String>,
    /// For an IdP behaviour the RFCs do not allow: the rule it departs from.
    /// A server has to accept it anyway to work with that IdP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departs_from: Option<String>,
    /// How sure we are that the IdP really behaves so: an IdP documents
    /// some of its traffic, and the rest comes from people who captured it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// The duty (or permission) is the client's: `scimitar audit` judges
    /// what a client sends against it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub client: bool,
    /// For a client requirement: why no audit of a client's requests can see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unaudited: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The IdP's own documentation says so, or it is seen in traffic by several.
    High,
    /// One good report of real traffic, or documentation that contradicts itself.
    Medium,
    /// Inferred, or from a single unverified account.
    Low,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

impl Requirement {
    /// A requirement with only what every one has: an observable server
    /// duty, with no quote, note or IdP detail.
    pub fn new(id: &str, source: &str, level: Level, says: &str) -> Requirement {
        Requirement {
            id: id.to_string(),
            source: source.to_string(),
            level,
            says: says.to_string(),
            quote: None,
            observable: true,
            reason: None,
            note: None,
            breaks: None,
            departs_from: None,
            confidence: None,
            client: false,
            unaudited: None,
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.source, self.level, self.says)
    }
}

/// A requirement of the built-in catalogue, for findings the harness makes
/// on its own (a refused filter spelling, say) whatever the case cites.
pub fn catalogued(id: &str) -> Requirement {
    static CATALOGUE: std::sync::OnceLock<indexmap::IndexMap<String, Requirement>> =
        std::sync::OnceLock::new();
    let catalogue =
        CATALOGUE.get_or_init(|| super::Suite::embedded().map(|s| s.catalogue).unwrap_or_default());
    catalogue.get(id).cloned().unwrap_or_else(|| Requirement::new(id, "RFC 7644", Level::Must, id))
}
