//! Recorded exchanges as a case file that replays them.
//!
//! What the upstream generated cannot be replayed literally: the ids it
//! chose become captures (`user_1: /id`) and later requests use them as
//! `{{user_1}}`; versions likewise (`ETag`). Timestamps, absolute URLs and
//! fresh ids are matched by `"*"`. Credentials never reach the file: the
//! replay sends the target's own; passwords in bodies are replaced.

use crate::suite::case::{
    Capture, CaseDoc, Expect, HeaderCheck, Method, Request, RequestAuth, Status, StatusPattern, Step,
    unplaced,
};
use crate::suite::client::Headers;
use indexmap::IndexMap;
use serde_json::Value;

/// The requirement every replayed step checks (`suites/requirements/replay.yaml`).
pub const REQUIREMENT: &str = "replay.same-answers";

/// What a recorded password is replaced with: the replay must send one, and
/// must not send the real one.
pub const REPLACED_PASSWORD: &str = "Replayed-Pa55word!";

/// Request headers that carry credentials or describe a proxy chain; a
/// name containing any of these words is left out of the file.
const SECRET_WORDS: [&str; 9] =
    ["auth", "token", "secret", "key", "cookie", "session", "signature", "password", "credential"];
const PROXY_HEADERS: [&str; 4] = ["forwarded", "via", "x-forwarded-for", "x-real-ip"];

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Json(Value),
    Raw(String),
}

impl Body {
    fn parse(bytes: &[u8]) -> Option<Body> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        Some(match serde_json::from_slice(bytes) {
            Ok(v) => Body::Json(v),
            Err(_) => Body::Raw(String::from_utf8_lossy(bytes).into_owned()),
        })
    }
}

/// One exchange as the proxy saw it. Header names are lower case.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub method: String,
    /// Path and raw query, relative to the recorded base URL: the query
    /// stays as the client encoded it (`%20` or `+`).
    pub path: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<Body>,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<Body>,
}

impl Recorded {
    pub fn new(
        method: &str,
        path: &str,
        request_headers: Vec<(String, String)>,
        request_body: &[u8],
        status: u16,
        response_headers: Vec<(String, String)>,
        response_body: &[u8],
    ) -> Recorded {
        Recorded {
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            request_headers,
            request_body: Body::parse(request_body),
            status,
            response_headers,
            response_body: Body::parse(response_body),
        }
    }

    fn response_header(&self, name: &str) -> Option<&str> {
        self.response_headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A generated value and the variable that stands for it.
struct Known {
    literal: String,
    /// `user`, `group`, `resource` or `version`.
    kind: String,
    var: String,
    /// For a version: the resource (path) it belongs to.
    resource: Option<String>,
}

/// Generated values seen so far and the variables that stand for them.
/// Servers with per-table counters give a user and a group the same id
/// ("1"), and every fresh resource the same version (`W/"1"`): a literal
/// alone does not say which resource it names, so each carries its kind,
/// and a version its resource.
#[derive(Default)]
struct Names {
    known: Vec<Known>,
    counters: Vec<(String, usize)>,
}

/// Below this length a value is only replaced where it is the whole text:
/// a short id such as "7" would otherwise turn up inside unrelated strings.
const SUBSTRING_MIN: usize = 8;

impl Names {
    /// The variable for a literal: the one of `kind` if given, else the
    /// most recently learnt one.
    fn var_for(&self, literal: &str, kind: Option<&str>) -> Option<&str> {
        let mut matching = self.known.iter().rev().filter(|k| k.literal == literal);
        match kind {
            Some(kind) => matching.find(|k| k.kind == kind).map(|k| k.var.as_str()),
            None => matching.next().map(|k| k.var.as_str()),
        }
    }

    fn is_known(&self, literal: &str, kind: &str, resource: Option<&str>) -> bool {
        self.known.iter().any(|k| k.literal == literal && k.kind == kind && k.resource.as_deref() == resource)
    }

    fn add(&mut self, literal: &str, kind: &str, resource: Option<&str>) -> String {
        let n = match self.counters.iter_mut().find(|(k, _)| k == kind) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.counters.push((kind.to_string(), 1));
                1
            }
        };
        let var = format!("{kind}_{n}");
        self.known.push(Known {
            literal: literal.to_string(),
            kind: kind.to_string(),
            var: var.clone(),
            resource: resource.map(str::to_string),
        });
        var
    }

    /// A whole value that is a known literal becomes its variable; a long
    /// literal inside a longer text (a filter, a URL) is replaced in place.
    fn template(&self, text: &str) -> String {
        if let Some(v) = self.var_for(text, None) {
            return format!("{{{{{v}}}}}");
        }
        let mut by_length: Vec<&Known> =
            self.known.iter().filter(|k| k.literal.len() >= SUBSTRING_MIN).collect();
        by_length.sort_by_key(|k| std::cmp::Reverse(k.literal.len()));
        let mut out = text.to_string();
        for k in by_length {
            if out.contains(k.literal.as_str()) {
                out = out.replace(k.literal.as_str(), &format!("{{{{{}}}}}", k.var));
            }
        }
        out
    }

    /// `/Groups/1` takes the group's variable for "1", not the user's.
    fn template_path(&self, path: &str) -> String {
        let (route, query) = match path.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (path, None),
        };
        let segments: Vec<&str> = route.split('/').collect();
        let templated: Vec<String> = segments
            .iter()
            .enumerate()
            .map(|(i, segment)| {
                let kind = i.checked_sub(1).map(|prev| kind_of(&format!("/{}", segments[prev])));
                match kind.and_then(|k| self.var_for(segment, Some(k))) {
                    Some(var) => format!("{{{{{var}}}}}"),
                    None => self.template(segment),
                }
            })
            .collect();
        let mut out = templated.join("/");
        if let Some(q) = query {
            out.push('?');
            out.push_str(&redact_query(&self.template(q)));
        }
        out
    }

    /// A version a request sends back (If-Match): the one learnt for the
    /// same resource, else the latest with that value.
    fn template_version(&self, value: &str, resource: &str) -> String {
        let same =
            self.known.iter().rev().find(|k| {
                k.kind == "version" && k.literal == value && k.resource.as_deref() == Some(resource)
            });
        match same.or_else(|| self.known.iter().rev().find(|k| k.kind == "version" && k.literal == value)) {
            Some(k) => format!("{{{{{}}}}}", k.var),
            None => value.to_string(),
        }
    }
}

/// The resource a path names: `/Users/abc?x` → `/Users/abc`.
fn resource_of(path: &str) -> String {
    path.split('?').next().unwrap_or(path).trim_end_matches('/').to_string()
}

/// The case file for `exchanges`, named `recorded::<name>`: the case model
/// the loader reads, serialized, under a comment saying where it came from.
///
/// The model is the crate's own, so serializing it fails only on a bug; the
/// caller then keeps the last good file rather than writing a broken one.
pub fn write(name: &str, upstream: &str, exchanges: &[Recorded]) -> Result<String, String> {
    let yaml = case(name, upstream, exchanges).to_yaml()?;
    let unsendable = exchanges.iter().filter(|x| Method::parse(&x.method).is_none()).count();
    let left_out = if unsendable == 0 {
        String::new()
    } else {
        format!(
            "# {unsendable} left out: a case sends GET, POST, PUT, PATCH and DELETE, and they used other methods.\n"
        )
    };
    Ok(format!(
        "# Recorded by `scimitar record` from {}: {} exchanges.\n\
         # Replay it with `scimitar run THIS-FILE --url <base URL> --token ...`.\n\
         # Generated ids and versions are captures, timestamps and URLs wildcards;\n\
         # credentials were left out and passwords replaced.\n{left_out}{yaml}",
        host_of(upstream),
        exchanges.len()
    ))
}

/// The case that replays `exchanges` (those a case can send).
pub fn case(name: &str, upstream: &str, exchanges: &[Recorded]) -> CaseDoc {
    let mut names = Names::default();
    let sendable: Vec<(Method, &Recorded)> =
        exchanges.iter().filter_map(|x| Some((Method::parse(&x.method)?, x))).collect();
    let case_headers = common_headers(exchanges);
    let steps =
        sendable.iter().map(|(method, x)| unplaced(step(&mut names, &case_headers, *method, x))).collect();
    CaseDoc {
        id: unplaced(format!("recorded::{}", case_name(name))),
        title: format!("Replay of {} requests recorded from {}", sendable.len(), host_of(upstream)),
        requirements: vec![unplaced(REQUIREMENT.to_string())],
        tags: vec!["recorded".into()],
        requires: Vec::new(),
        client: None,
        headers: case_headers,
        steps,
        cleanup: Vec::new(),
    }
}

/// One exchange as a step: the request as sent, with what the upstream
/// generated replaced by the variables that stand for it, and its answer
/// as what the replay expects.
fn step(names: &mut Names, case_headers: &Headers, method: Method, x: &Recorded) -> Step {
    let resource = resource_of(&x.path);
    let own: IndexMap<String, String> = recordable(&x.request_headers)
        .filter(|(n, v)| case_headers.get(&title_case(n)) != Some(&Some(v.to_string())))
        .map(|(n, v)| {
            let conditional = n.eq_ignore_ascii_case("if-match") || n.eq_ignore_ascii_case("if-none-match");
            let value = if conditional { names.template_version(v, &resource) } else { names.template(v) };
            (title_case(n), value)
        })
        .collect();
    let (json, body) = match &x.request_body {
        Some(Body::Json(v)) => (Some(request_json(names, v, None)), None),
        Some(Body::Raw(text)) => (None, Some(names.template(&redact_raw(text)))),
        None => (None, None),
    };
    let request = Request {
        method,
        path: names.template_path(&x.path),
        query: IndexMap::new(),
        headers: own,
        json,
        body,
        auth: RequestAuth::Target,
        exact: false,
    };

    let headers = ["Location", "ETag"]
        .into_iter()
        .filter(|h| x.response_header(h).is_some())
        .map(|h| (h.to_string(), unplaced(HeaderCheck::Present)))
        .collect();
    let json = match &x.response_body {
        Some(Body::Json(body)) => Some(unplaced(expected_json(names, body, None))),
        _ => None,
    };
    let expect = Expect {
        status: Some(unplaced(Status::One(StatusPattern::Code(x.status)))),
        headers,
        json,
        ..Expect::default()
    };

    // Captured after the expectations, so a step refers to an id it
    // just learnt as "*" and every later step by its variable.
    let mut capture = IndexMap::new();
    let kind = kind_of(&x.path);
    if let Some(Body::Json(body)) = &x.response_body {
        if let Some(id) = body.get("id").and_then(Value::as_str)
            && !names.is_known(id, kind, None)
        {
            capture.insert(names.add(id, kind, None), Capture::Pointer("/id".into()));
        }
        if let Some(Value::Array(items)) = body.get("Resources") {
            for (i, item) in items.iter().enumerate() {
                let item_kind = item
                    .pointer("/meta/resourceType")
                    .and_then(Value::as_str)
                    .map_or(kind, |t| if t.eq_ignore_ascii_case("group") { "group" } else { "user" });
                if let Some(id) = item.get("id").and_then(Value::as_str)
                    && !names.is_known(id, item_kind, None)
                {
                    capture.insert(
                        names.add(id, item_kind, None),
                        Capture::Pointer(format!("/Resources/{i}/id")),
                    );
                }
            }
        }
    }
    // A version belongs to the resource the answer is about: the one
    // created (Location) or the one the request named.
    let created = x.method == "POST" && x.status == 201;
    let about = x
        .response_header("location")
        .filter(|_| created)
        .and_then(|l| {
            l.split('?').next()?.trim_end_matches('/').rsplit_once('/').map(|(_, id)| id.to_string())
        })
        .map_or_else(|| resource.clone(), |id| format!("{resource}/{id}"));
    if let Some(etag) = x.response_header("etag")
        && !names.is_known(etag, "version", Some(&about))
    {
        let var = names.add(etag, "version", Some(&about));
        capture.insert(var, Capture::Header { header: "ETag".into() });
    }

    Step {
        name: Some(format!("{} {}", x.method, x.path.split('?').next().unwrap_or(""))),
        req: None,
        request: Some(request),
        walk: None,
        wait: None,
        wait_past: None,
        expect,
        capture,
    }
}

/// A case id segment: lower-case letters, digits, `_` and `-`.
fn case_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '_' })
        .collect();
    if cleaned.is_empty() { "session".into() } else { cleaned }
}

/// The upstream's scheme and host, without any credentials in its URL.
fn host_of(upstream: &str) -> String {
    reqwest::Url::parse(upstream)
        .map(|u| {
            format!(
                "{}://{}{}",
                u.scheme(),
                u.host_str().unwrap_or(""),
                u.port().map(|p| format!(":{p}")).unwrap_or_default()
            )
        })
        .unwrap_or_else(|_| "the upstream".into())
}

fn kind_of(path: &str) -> &'static str {
    let first = path.trim_start_matches('/').split(['/', '?']).next().unwrap_or("");
    if first.eq_ignore_ascii_case("users") {
        "user"
    } else if first.eq_ignore_ascii_case("groups") {
        "group"
    } else {
        "resource"
    }
}

/// Headers safe to write down: no credentials, no proxy chain.
fn recordable(headers: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).filter(|(n, _)| {
        let lower = n.to_ascii_lowercase();
        !SECRET_WORDS.iter().any(|w| lower.contains(w)) && !PROXY_HEADERS.contains(&lower.as_str())
    })
}

/// Headers every request carried with the same value become the case's
/// client; a User-Agent no request carried is written as absent (`null`).
fn common_headers(exchanges: &[Recorded]) -> Headers {
    let mut common = Headers::new();
    let Some(first) = exchanges.first() else { return common };
    for (name, value) in recordable(&first.request_headers) {
        if name.eq_ignore_ascii_case("content-type") || name.eq_ignore_ascii_case("if-match") {
            continue;
        }
        let everywhere = exchanges
            .iter()
            .all(|x| x.request_headers.iter().any(|(n, v)| n.eq_ignore_ascii_case(name) && v == value));
        if everywhere {
            common.insert(title_case(name), Some(value.to_string()));
        }
    }
    // A case's Content-Type goes only on requests with a body.
    let with_body: Vec<&Recorded> = exchanges.iter().filter(|x| x.request_body.is_some()).collect();
    if let Some(first) = with_body.first()
        && let Some((_, ct)) = first.request_headers.iter().find(|(n, _)| n == "content-type")
        && with_body.iter().all(|x| x.request_headers.iter().any(|(n, v)| n == "content-type" && v == ct))
    {
        common.insert("Content-Type".into(), Some(ct.clone()));
    }
    let sends_agent = exchanges.iter().any(|x| x.request_headers.iter().any(|(n, _)| n == "user-agent"));
    if !sends_agent {
        common.insert("User-Agent".into(), None);
    }
    common
}

/// `user-agent` → `User-Agent`, as people write header names.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(c) => c.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET_WORDS.iter().any(|w| k.to_ascii_lowercase().contains(w)) => {
                format!("{k}=REDACTED")
            }
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A request body with known values as variables and passwords replaced:
/// under a `password` key (URN-qualified or not), and as the `value` of a
/// PATCH operation whose `path` is the password.
fn request_json(names: &Names, v: &Value, key: Option<&str>) -> Value {
    match v {
        Value::String(_) if key.is_some_and(names_password) => Value::from(REPLACED_PASSWORD),
        Value::String(s) => Value::from(names.template(s)),
        Value::Array(items) => Value::Array(items.iter().map(|i| request_json(names, i, key)).collect()),
        Value::Object(map) => {
            let sets_password = map.get("path").and_then(Value::as_str).is_some_and(names_password);
            Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let value = if sets_password && k.eq_ignore_ascii_case("value") {
                            Value::from(REPLACED_PASSWORD)
                        } else {
                            request_json(names, v, Some(k))
                        };
                        (k.clone(), value)
                    })
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

/// `password`, `urn:...:User:password`: an attribute name or path that is
/// the password.
fn names_password(name: &str) -> bool {
    let last = name.rsplit([':', '.']).next().unwrap_or(name);
    last.eq_ignore_ascii_case("password")
}

/// A body that is not JSON still may carry secrets (`client_secret=...`,
/// a JSON-ish `"password": "..."`): their values are replaced.
fn redact_raw(text: &str) -> String {
    static SECRET_VALUE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"(?i)("?[\w:.\-]*(?:password|secret|token|key|credential)[\w\-]*"?\s*[:=]\s*"?)([^"&\s,}]+)"#,
        )
        .expect("a valid pattern")
    });
    SECRET_VALUE.replace_all(text, "${1}REDACTED").into_owned()
}

/// The recorded answer as an expectation: what the upstream generated
/// (new ids, versions, timestamps, its own URLs) matches anything present.
fn expected_json(names: &Names, v: &Value, key: Option<&str>) -> Value {
    match v {
        Value::String(s) if key == Some("id") && names.var_for(s, None).is_none() => Value::from("*"),
        Value::String(s) if looks_generated(s) => Value::from("*"),
        Value::String(s) => Value::from(names.template(s)),
        Value::Array(items) => Value::Array(items.iter().map(|i| expected_json(names, i, key)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("password"))
                .map(|(k, v)| {
                    let generated = key.is_some_and(|p| p.eq_ignore_ascii_case("meta"))
                        && ["created", "lastModified", "version", "location"]
                            .iter()
                            .any(|g| g.eq_ignore_ascii_case(k));
                    let value = if generated { Value::from("*") } else { expected_json(names, v, Some(k)) };
                    (k.clone(), value)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A timestamp or an absolute URL: the replay's server writes its own.
fn looks_generated(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://") || crate::scim::datetime::parse(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file, which the crate's own model always serializes to.
    fn write(name: &str, upstream: &str, exchanges: &[Recorded]) -> String {
        super::write(name, upstream, exchanges).unwrap()
    }
    use serde_json::json;

    fn exchange(
        method: &str,
        path: &str,
        request: Option<Value>,
        status: u16,
        response: Option<Value>,
    ) -> Recorded {
        let bytes = |v: Option<Value>| v.map(|v| v.to_string().into_bytes()).unwrap_or_default();
        Recorded::new(
            method,
            path,
            vec![
                ("user-agent".into(), "Okta SCIM Client 1.0.0".into()),
                ("authorization".into(), "Bearer s3cret-token".into()),
                ("x-api-key".into(), "k3y".into()),
                ("content-type".into(), "application/scim+json; charset=utf-8".into()),
            ],
            &bytes(request),
            status,
            vec![("etag".into(), format!("W/\"{status}\""))],
            &bytes(response),
        )
    }

    #[test]
    fn generated_ids_become_captures_and_credentials_stay_out() {
        let id = "2819c223-7f76-453a-919d-413861904646";
        let text = write(
            "okta run",
            "http://user:pw@127.0.0.1:9/scim/v2",
            &[
                exchange(
                    "POST",
                    "/Users",
                    Some(json!({"userName": "jdoe", "password": "hunter2"})),
                    201,
                    Some(
                        json!({"id": id, "userName": "jdoe", "meta": {"created": "2026-01-01T00:00:00Z", "location": format!("http://127.0.0.1:9/scim/v2/Users/{id}")}}),
                    ),
                ),
                exchange(
                    "PATCH",
                    &format!("/Groups/g1?filter=members%5Bvalue%20eq%20%22{id}%22%5D"),
                    Some(json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": id}]}]})),
                    200,
                    Some(
                        json!({"members": [{"value": id, "$ref": format!("http://127.0.0.1:9/scim/v2/Users/{id}")}]}),
                    ),
                ),
            ],
        );
        assert!(
            !text.contains("s3cret")
                && !text.contains("k3y")
                && !text.contains("hunter2")
                && !text.contains("pw@"),
            "{text}"
        );
        assert!(text.contains(REPLACED_PASSWORD), "{text}");
        assert!(text.contains("user_1: /id"), "{text}");
        assert!(text.contains("{{user_1}}"), "{text}");
        assert!(!text.contains(id), "the id appears only as a variable:\n{text}");
        assert!(text.contains("id: recorded::okta_run"), "{text}");
        assert!(text.contains("User-Agent: Okta SCIM Client 1.0.0"), "{text}");
    }

    #[test]
    fn the_file_loads_as_a_case_against_the_catalogue() {
        let text = write(
            "x",
            "http://127.0.0.1:9",
            &[exchange(
                "GET",
                "/Users?filter=userName+eq+%22a%22",
                None,
                200,
                Some(json!({"totalResults": 0})),
            )],
        );
        let mut suite = crate::suite::Suite::embedded().unwrap();
        suite.add_case_file("recorded.yaml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(text.contains("/Users?filter=userName+eq+%22a%22"), "the client's encoding is kept:\n{text}");
    }

    #[test]
    fn passwords_in_patch_values_urn_keys_and_raw_bodies_stay_out() {
        let patch = json!({"Operations": [
            {"op": "replace", "path": "password", "value": "N3w-s3cret"},
            {"op": "replace", "value": {"urn:ietf:params:scim:schemas:core:2.0:User:password": "Urn-s3cret"}},
            {"op": "replace", "path": "displayName", "value": "Jane"}
        ]});
        let mut raw = exchange("POST", "/token", None, 200, None);
        raw.request_body = Some(Body::Raw("grant_type=client_credentials&client_secret=Raw-s3cret".into()));
        let text =
            write("p", "http://127.0.0.1:9", &[exchange("PATCH", "/Users/u1", Some(patch), 204, None), raw]);
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("Jane"), "other values stay: {text}");
    }

    #[test]
    fn a_user_and_a_group_with_the_same_id_get_their_own_variables() {
        let text = write(
            "ids",
            "http://127.0.0.1:9",
            &[
                exchange("POST", "/Users", Some(json!({"userName": "a"})), 201, Some(json!({"id": "1"}))),
                exchange("POST", "/Groups", Some(json!({"displayName": "g"})), 201, Some(json!({"id": "1"}))),
                exchange("GET", "/Groups/1", None, 200, Some(json!({"id": "1"}))),
                exchange("GET", "/Users/1", None, 200, Some(json!({"id": "1"}))),
            ],
        );
        assert!(text.contains("user_1: /id") && text.contains("group_1: /id"), "{text}");
        assert!(
            text.contains("path: /Groups/{{group_1}}") && text.contains("path: /Users/{{user_1}}"),
            "{text}"
        );
    }

    const ID: &str = "2819c223-7f76-453a-919d-413861904646";

    fn create_then_read() -> Vec<Recorded> {
        vec![
            exchange(
                "POST",
                "/Users",
                Some(json!({"userName": "jdoe"})),
                201,
                Some(json!({"id": ID, "userName": "jdoe", "meta": {"created": "2026-01-01T00:00:00Z"}})),
            ),
            exchange("GET", &format!("/Users/{ID}"), None, 200, Some(json!({"id": ID, "userName": "jdoe"}))),
        ]
    }

    /// The YAML of a case file, without the comment that heads it.
    fn yaml_of(text: &str) -> String {
        text.lines().filter(|l| !l.starts_with('#')).map(|l| format!("{l}\n")).collect()
    }

    #[test]
    fn a_recording_and_the_same_case_written_by_hand_serialize_identically() {
        let recorded = write("okta run", "http://127.0.0.1:9", &create_then_read());
        let by_hand = format!(
            r#"# The same replay, as a person would write it.
title: "Replay of 2 requests recorded from http://127.0.0.1:9"
id: 'recorded::okta_run'
requirements: [ replay.same-answers ]
tags: [recorded]
headers: {{ User-Agent: "Okta SCIM Client 1.0.0", Content-Type: "application/scim+json; charset=utf-8" }}
steps:
  - name: POST /Users
    capture: {{ user_1: /id, version_1: {{ header: ETag }} }}
    expect:
      json: {{ id: "*", userName: jdoe, meta: {{ created: "*" }} }}
      headers: {{ ETag: present }}
      status: 201
    request: {{ method: POST, path: /Users, json: {{ userName: jdoe }} }}
  - name: "GET /Users/{ID}"
    request: {{ path: "/Users/{{{{user_1}}}}", method: GET }}
    expect: {{ status: 200, headers: {{ ETag: present }}, json: {{ id: "{{{{user_1}}}}", userName: jdoe }} }}
    capture:
      version_2: {{ header: ETag }}
"#
        );
        let read = |file: &str, text: &str| -> CaseDoc {
            crate::suite::parse_yaml(file, text).unwrap_or_else(|e| panic!("{e}\n{text}"))
        };
        let hand_yaml = read("by-hand.yaml", &by_hand).to_yaml().unwrap();
        assert_eq!(hand_yaml, read("recorded.yaml", &recorded).to_yaml().unwrap());
        assert_eq!(hand_yaml, yaml_of(&recorded), "the recorder writes what the model serializes");
    }

    #[test]
    fn a_recording_loads_back_into_the_case_it_was_built_as() {
        let built = case("okta run", "http://127.0.0.1:9", &create_then_read());
        let text = write("okta run", "http://127.0.0.1:9", &create_then_read());
        let mut suite = crate::suite::Suite::embedded().unwrap();
        let index = suite.add_case_file("recorded.yaml", &text).unwrap_or_else(|e| panic!("{e}"));
        let loaded = &suite.cases[index].doc;
        assert_eq!(serde_json::to_value(loaded).unwrap(), serde_json::to_value(&built).unwrap());
        assert_eq!(loaded.steps.len(), 2);
        assert_eq!(
            loaded.steps[1].value.request.as_ref().map(|r| r.path.as_str()),
            Some("/Users/{{user_1}}")
        );
        assert!(
            loaded
                .headers
                .get("User-Agent")
                .is_some_and(|ua| ua.as_deref() == Some("Okta SCIM Client 1.0.0"))
        );
    }

    #[test]
    fn an_exchange_no_case_can_send_is_left_out_and_the_file_says_so() {
        let mut exchanges = create_then_read();
        exchanges.insert(1, exchange("OPTIONS", "/Users", None, 204, None));
        let text = write("x", "http://127.0.0.1:9", &exchanges);
        assert!(text.contains("# 1 left out: a case sends GET, POST, PUT, PATCH and DELETE"), "{text}");
        assert!(text.contains("title: Replay of 2 requests") && !text.contains("OPTIONS"), "{text}");
        let mut suite = crate::suite::Suite::embedded().unwrap();
        suite.add_case_file("recorded.yaml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    }

    #[test]
    fn a_client_that_sends_no_user_agent_is_replayed_without_one() {
        let mut x = exchange("GET", "/Users", None, 200, None);
        x.request_headers.retain(|(n, _)| n != "user-agent");
        let headers = common_headers(&[x]);
        assert_eq!(headers.get("User-Agent"), Some(&None));
    }
}
