//! The case format: what a suite file says, deserialized strictly, and the
//! one model every case file is written through (`scimitar record` builds
//! these structs and serializes them, so what it writes is what the loader
//! reads).
//!
//! Every struct denies unknown fields and YAML duplicate keys are errors, so a
//! typo in a suite is a load error with its line, never a silently weaker
//! check. Steps and expectations keep their line numbers (`Spanned`) so a
//! finding can point at the line that made it. Serializing leaves out what
//! a reader would take as the default, so a file written from the model
//! reads as one written by hand.

use super::capability::Capability;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_saphyr::{Location, Spanned};

/// A case file as written.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CaseDoc {
    /// `area::sub::name`, unique across the suites.
    pub id: Spanned<String>,
    pub title: String,
    /// Catalogue ids of the requirements this case checks; the first is the
    /// default for findings of steps that name none.
    pub requirements: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Capabilities the target needs for this case to mean anything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<Capability>,
    /// The identity provider's client the case plays, by its name in
    /// `clients.yaml`: its headers go on every request of the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<Spanned<String>>,
    /// Headers every request of the case carries, over its client's: a
    /// client of its own (a recording's), or a change to the one it plays.
    /// A Content-Type goes only on requests with a body. A step's own header
    /// of the same name wins; `null` sends none of that header at all.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, Option<String>>,
    pub steps: Vec<Spanned<Step>>,
    /// Steps that always run after `steps`, whatever happened.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cleanup: Vec<Spanned<Step>>,
}

impl CaseDoc {
    /// The case as a file: YAML a person can read and edit, which loads back
    /// into the same case.
    pub fn to_yaml(&self) -> Result<String, String> {
        serde_saphyr::to_string(self).map_err(|e| format!("cannot write the case as YAML: {e}"))
    }
}

/// A value the model holds with its place in a file, made where there is no
/// file yet (a recording being written).
pub fn unplaced<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Location::UNKNOWN, Location::UNKNOWN)
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The requirement this step's expectations check (one of the case's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub req: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
    /// Walk every page of a listing instead of sending one request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walk: Option<Walk>,
    /// Milliseconds to let pass instead of sending a request: a timestamp
    /// that must not change is only tested once the clock has moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<u64>,
    /// A timestamp the server wrote (a template): let its clock move past
    /// it, as far as the precision it writes shows, before the next step.
    /// Whole seconds mean a second's wait; milliseconds, a few of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_past: Option<String>,
    #[serde(default, skip_serializing_if = "Expect::is_empty")]
    pub expect: Expect,
    /// Variables to set from the response: `name: /json/pointer` or `name: { header: ETag }`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub capture: IndexMap<String, Capture>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub const ALL: [Method; 5] = [Method::Get, Method::Post, Method::Put, Method::Patch, Method::Delete];

    /// The method named so (upper case, as HTTP writes it), if a case can send it.
    pub fn parse(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == name)
    }

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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
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

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub method: Method,
    /// Relative to the target's base URL, e.g. `/Users/{{user}}`.
    pub path: String,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub query: IndexMap<String, String>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, String>,
    /// A JSON body, sent as `application/scim+json` unless a Content-Type header says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    /// A raw body, sent as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub auth: RequestAuth,
    /// Sent exactly as written: not fitted to the target's schema (a case
    /// about what the target requires must be able to leave it out).
    #[serde(default, skip_serializing_if = "is_default")]
    pub exact: bool,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// Every page of a listing, with the checks RFC 7644 §3.4.2.4 implies: each
/// page a ListResponse, `totalResults` stable, `itemsPerPage` the page's size,
/// no resource twice, none missing.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Walk {
    pub path: String,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub query: IndexMap<String, String>,
    /// Page size asked for (`count`).
    pub count: u32,
    /// Ids that must be seen on the way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub includes: Vec<String>,
}

impl Walk {
    /// Requirements a walk checks beyond the step's own: a wrong
    /// itemsPerPage is not a paging error but a misreported page.
    pub const IMPLIED: &[&str] = &[Walk::ITEMS_PER_PAGE];
    pub const ITEMS_PER_PAGE: &str = "rfc7644.3.4.2.itemsperpage-required";
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Spanned<Status>>,
    /// A status preferred among those `status` accepts, at a weaker level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefer: Option<Spanned<Preferred>>,
    /// The body checks are skipped on a 204 No Content: for a PATCH, which
    /// may answer 200 with the resource or 204 (RFC 7644 §3.5.2).
    #[serde(default, skip_serializing_if = "is_default")]
    pub body_optional: bool,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, Spanned<HeaderCheck>>,
    /// A subset the body must contain: object keys compare as SCIM attribute
    /// names (ignoring case), `"*"` matches any present value, and an array
    /// matches when each expected element matches a distinct actual one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Spanned<Value>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pointers: Vec<Spanned<PointerCheck>>,
    /// A JSON Schema under `schemas/json/`, by file stem (`error`, `list-response`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Spanned<String>>,
    /// Checks on every element of an array (by default `/Resources`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub each: Option<Spanned<Each>>,
    /// The elements of an array are ordered by an attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sorted: Option<Spanned<Sorted>>,
}

impl Expect {
    /// Nothing is expected: a file leaves `expect` out.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.prefer.is_none()
            && !self.body_optional
            && self.headers.is_empty()
            && self.json.is_none()
            && self.pointers.is_empty()
            && self.schema.is_none()
            && self.each.is_none()
            && self.sorted.is_none()
    }
}

/// The statuses a step accepts: one, or a list; each a code (`404`) or a
/// class (`4xx`: any refusal, where the RFC asks for one but names no code).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
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

impl Serialize for StatusPattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            StatusPattern::Code(c) => s.serialize_u16(*c),
            StatusPattern::Class(_) => s.collect_str(self),
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
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Preferred {
    pub status: Status,
    pub req: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
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
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PointerCheck {
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub req: Option<String>,
    /// Pass when nothing is at `at`: the check applies only to a value the
    /// server chose to send (an optional attribute, say).
    #[serde(default, skip_serializing_if = "is_default")]
    pub optional: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    /// Present, with a value other than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub differs: Option<Value>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub absent: bool,
    #[serde(default, skip_serializing_if = "is_default")]
    pub present: bool,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub ty: Option<JsonType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<usize>,
    /// An array holds an element matching this subset, or a string contains this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<Value>,
    /// An array holds no element matching this subset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lacks: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
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

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Each {
    #[serde(default = "resources_pointer", skip_serializing_if = "is_resources_pointer")]
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Pointer checks relative to each element (`/id`, not `/Resources/0/id`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pointers: Vec<PointerCheck>,
    /// Pass when there is no array at `at` (an optional multi-valued attribute).
    #[serde(default, skip_serializing_if = "is_default")]
    pub optional: bool,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sorted {
    #[serde(default = "resources_pointer", skip_serializing_if = "is_resources_pointer")]
    pub at: String,
    /// An attribute path of `resource`, compared by its type and caseExact.
    pub by: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub order: SortOrder,
    #[serde(default = "user_resource", skip_serializing_if = "is_user_resource")]
    pub resource: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    #[default]
    Ascending,
    Descending,
}

fn resources_pointer() -> String {
    "/Resources".into()
}

fn is_resources_pointer(at: &str) -> bool {
    at == "/Resources"
}

fn user_resource() -> String {
    "User".into()
}

fn is_user_resource(resource: &str) -> bool {
    resource == "User"
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Capture {
    Pointer(String),
    Header { header: String },
}
