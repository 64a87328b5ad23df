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
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.source, self.level, self.says)
    }
}
