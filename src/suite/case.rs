//! The case format: what a suite file says, deserialized strictly.
//!
//! Every struct denies unknown fields and YAML duplicate keys are errors, so a
//! typo in a suite is a load error with its line, never a silently weaker
//! check. Steps and expectations keep their line numbers (`Spanned`) so a
//! finding can point at the line that made it.

use super::capability::Capability;
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

/// A case file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseDoc {
    /// `area::sub::name`, unique across the suites.
    pub id: Spanned<String>,
    pub title: String,
    /// Catalogue ids of the requirements this case checks; the first is the
    /// default for findings of steps that name none.
    pub requirements: Vec<Spanned<String>>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Capabilities the target needs for this case to mean anything.
    #[serde(default)]
    pub requires: Vec<Capability>,
    /// Headers every request of the case carries, as written: the client an
    /// identity provider's sequence is sent as (its User-Agent, Accept-Charset,
    /// Content-Type, sent only with a body). A step's own header of the same name wins; `null`
    /// sends none of that header at all (Entra sends no User-Agent).
    #[serde(default)]
    pub headers: IndexMap<String, Option<String>>,
    pub steps: Vec<Spanned<Step>>,
    /// Steps that always run after `steps`, whatever happened.
    #[serde(default)]
    pub cleanup: Vec<Spanned<Step>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default)]
    pub name: Option<String>,
    /// The requirement this step's expectations check (one of the case's).
    #[serde(default)]
    pub req: Option<Spanned<String>>,
    #[serde(default)]
    pub request: Option<Request>,
    /// Walk every page of a listing instead of sending one request.
    #[serde(default)]
    pub walk: Option<Walk>,
    /// Milliseconds to let pass instead of sending a request: a timestamp
    /// that must not change is only tested once the clock has moved.
    #[serde(default)]
    pub wait: Option<u64>,
    #[serde(default)]
    pub expect: Expect,
    /// Variables to set from the response: `name: /json/pointer` or `name: { header: ETag }`.
    #[serde(default)]
    pub capture: IndexMap<String, Capture>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    pub fn mutates(self) -> bool {
        matches!(self, Method::Put | Method::Patch | Method::Delete)
    }
}

/// Which credentials a request carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestAuth {
    /// The target's configured credentials.
    #[default]
    Target,
    /// No Authorization header at all.
    None,
    /// A bearer token the target cannot know.
    Invalid,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub method: Method,
    /// Relative to the target's base URL, e.g. `/Users/{{user}}`.
    pub path: String,
    #[serde(default)]
    pub query: IndexMap<String, String>,
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// A JSON body, sent as `application/scim+json` unless a Content-Type header says otherwise.
    #[serde(default)]
    pub json: Option<Value>,
    /// A raw body, sent as written.
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub auth: RequestAuth,
    /// Sent exactly as written: not fitted to the target's schema (a case
    /// about what the target requires must be able to leave it out).
    #[serde(default)]
    pub exact: bool,
}

/// Every page of a listing, with the checks RFC 7644 §3.4.2.4 implies: each
/// page a ListResponse, `totalResults` stable, `itemsPerPage` the page's size,
/// no resource twice, none missing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Walk {
    pub path: String,
    #[serde(default)]
    pub query: IndexMap<String, String>,
    /// Page size asked for (`count`).
    pub count: u32,
    /// Ids that must be seen on the way.
    #[serde(default)]
    pub includes: Vec<String>,
}

impl Walk {
    /// Requirements a walk checks beyond the step's own: a wrong
    /// itemsPerPage is not a paging error but a misreported page.
    pub const IMPLIED: &[&str] = &[Walk::ITEMS_PER_PAGE];
    pub const ITEMS_PER_PAGE: &str = "rfc7644.3.4.2.itemsperpage-required";
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub status: Option<Spanned<Status>>,
    /// A status preferred among those `status` accepts, at a weaker level.
    #[serde(default)]
    pub prefer: Option<Spanned<Preferred>>,
    /// The body checks are skipped on a 204 No Content: for a PATCH, which
    /// may answer 200 with the resource or 204 (RFC 7644 §3.5.2).
    #[serde(default)]
    pub body_optional: bool,
    #[serde(default)]
    pub headers: IndexMap<String, Spanned<HeaderCheck>>,
    /// A subset the body must contain: object keys compare as SCIM attribute
    /// names (ignoring case), `"*"` matches any present value, and an array
    /// matches when each expected element matches a distinct actual one.
    #[serde(default)]
    pub json: Option<Spanned<Value>>,
    #[serde(default)]
    pub pointers: Vec<Spanned<PointerCheck>>,
    /// A JSON Schema under `schemas/json/`, by file stem (`error`, `list-response`).
    #[serde(default)]
    pub schema: Option<Spanned<String>>,
    /// Checks on every element of an array (by default `/Resources`).
    #[serde(default)]
    pub each: Option<Spanned<Each>>,
    /// The elements of an array are ordered by an attribute.
    #[serde(default)]
    pub sorted: Option<Spanned<Sorted>>,
}

/// The statuses a step accepts: one, or a list; each a code (`404`) or a
/// class (`4xx`: any refusal, where the RFC asks for one but names no code).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Status {
    One(StatusPattern),
    AnyOf(Vec<StatusPattern>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPattern {
    Code(u16),
    /// `4xx`: every code of the class.
    Class(u16),
}

impl StatusPattern {
    pub fn allows(self, status: u16) -> bool {
        match self {
            StatusPattern::Code(c) => c == status,
            StatusPattern::Class(c) => status / 100 == c,
        }
    }

    fn is_success(self) -> bool {
        self.allows(200) || matches!(self, StatusPattern::Code(c) if (200..300).contains(&c))
    }
}

impl std::fmt::Display for StatusPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusPattern::Code(c) => write!(f, "{c}"),
            StatusPattern::Class(c) => write!(f, "{c}xx"),
        }
    }
}

impl<'de> Deserialize<'de> for StatusPattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<StatusPattern, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Code(u16),
            Text(String),
        }
        let bad = |what: &str| {
            serde::de::Error::custom(format!("a status is a code (404) or a class (4xx), not {what}"))
        };
        match Raw::deserialize(d)? {
            Raw::Code(c) if (100..600).contains(&c) => Ok(StatusPattern::Code(c)),
            Raw::Code(c) => Err(bad(&c.to_string())),
            Raw::Text(t) => match t.as_bytes() {
                [d @ b'1'..=b'5', b'x', b'x'] => Ok(StatusPattern::Class(u16::from(d - b'0'))),
                _ => Err(bad(&format!("\"{t}\""))),
            },
        }
    }
}

impl Status {
    pub fn allows(&self, status: u16) -> bool {
        match self {
            Status::One(s) => s.allows(status),
            Status::AnyOf(set) => set.iter().any(|s| s.allows(status)),
        }
    }

    /// It allows some success (2xx): a step that means to succeed.
    pub fn allows_success(&self) -> bool {
        match self {
            Status::One(s) => s.is_success(),
            Status::AnyOf(set) => set.iter().any(|s| s.is_success()),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Status::One(s) => s.to_string(),
            Status::AnyOf(set) => {
                let parts: Vec<_> = set.iter().map(ToString::to_string).collect();
                format!("one of {}", parts.join(", "))
            }
        }
    }
}

/// A status the RFC prefers among those the step accepts: checked, once the
/// step's own status holds, against a weaker requirement (`4xx` at MUST,
/// `400` at SHOULD).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferred {
    pub status: Status,
    pub req: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeaderCheck {
    Present,
    Absent,
    Equals(String),
    /// Present, with a value other than this (a version that must have changed).
    Differs(String),
    /// A regular expression the value must match.
    Matches(String),
}

/// One assertion on the value at a JSON pointer. Exactly one of the assertion
/// fields is set (checked when the suite loads).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointerCheck {
    pub at: String,
    #[serde(default)]
    pub req: Option<String>,
    /// Pass when nothing is at `at`: the check applies only to a value the
    /// server chose to send (an optional attribute, say).
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub equals: Option<Value>,
    /// Present, with a value other than this.
    #[serde(default)]
    pub differs: Option<Value>,
    #[serde(default)]
    pub absent: bool,
    #[serde(default)]
    pub present: bool,
    #[serde(default, rename = "type")]
    pub ty: Option<JsonType>,
    #[serde(default)]
    pub length: Option<usize>,
    /// An array holds an element matching this subset, or a string contains this text.
    #[serde(default)]
    pub contains: Option<Value>,
    /// An array holds no element matching this subset.
    #[serde(default)]
    pub lacks: Option<Value>,
    #[serde(default)]
    pub matches: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    Null,
    Boolean,
    Number,
    Integer,
    String,
    Array,
    Object,
}

impl JsonType {
    pub fn of(v: &Value) -> JsonType {
        match v {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Number(n) if n.is_i64() || n.is_u64() => JsonType::Integer,
            Value::Number(_) => JsonType::Number,
            Value::String(_) => JsonType::String,
            Value::Array(_) => JsonType::Array,
            Value::Object(_) => JsonType::Object,
        }
    }

    pub fn admits(self, v: &Value) -> bool {
        let actual = JsonType::of(v);
        actual == self || (self == JsonType::Number && actual == JsonType::Integer)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Boolean => "boolean",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::String => "string",
            JsonType::Array => "array",
            JsonType::Object => "object",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Each {
    #[serde(default = "resources_pointer")]
    pub at: String,
    #[serde(default)]
    pub json: Option<Value>,
    #[serde(default)]
    pub schema: Option<String>,
    /// Pointer checks relative to each element (`/id`, not `/Resources/0/id`).
    #[serde(default)]
    pub pointers: Vec<PointerCheck>,
    /// Pass when there is no array at `at` (an optional multi-valued attribute).
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sorted {
    #[serde(default = "resources_pointer")]
    pub at: String,
    /// An attribute path of `resource`, compared by its type and caseExact.
    pub by: String,
    #[serde(default)]
    pub order: SortOrder,
    #[serde(default = "user_resource")]
    pub resource: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    #[default]
    Ascending,
    Descending,
}

fn resources_pointer() -> String {
    "/Resources".into()
}

fn user_resource() -> String {
    "User".into()
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Capture {
    Pointer(String),
    Header { header: String },
}
