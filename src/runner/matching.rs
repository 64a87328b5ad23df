//! JSON subset matching, as a SCIM client should compare.
//!
//! - Object keys compare ignoring case: SCIM attribute names are
//!   case-insensitive (RFC 7643 §2.1), so `userName` matches `username`.
//! - `"*"` matches any present, non-null value.
//! - An expected array matches when each of its elements matches a distinct
//!   element of the actual array, in any order.
//! - Numbers compare by value (`1` equals `1.0`); strings exactly.

use serde_json::{Map, Value};

pub const WILDCARD: &str = "*";

/// One place where `actual` departs from `expected`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub pointer: String,
    pub problem: String,
}

/// Every mismatch of `actual` against the subset `expected`.
pub fn mismatches(expected: &Value, actual: &Value) -> Vec<Mismatch> {
    let mut out = Vec::new();
    walk(expected, Some(actual), "", &mut out);
    out
}

pub fn matches(expected: &Value, actual: &Value) -> bool {
    mismatches(expected, actual).is_empty()
}

fn walk(expected: &Value, actual: Option<&Value>, at: &str, out: &mut Vec<Mismatch>) {
    let here = if at.is_empty() { "/".to_string() } else { at.to_string() };
    let Some(actual) = actual.filter(|a| !a.is_null()) else {
        if !expected.is_null() {
            out.push(Mismatch { pointer: here, problem: format!("missing; expected {}", short(expected)) });
        }
        return;
    };
    match expected {
        Value::String(s) if s == WILDCARD => {}
        Value::Object(fields) => {
            let Value::Object(obj) = actual else {
                out.push(Mismatch {
                    pointer: here,
                    problem: format!("expected an object, found {}", short(actual)),
                });
                return;
            };
            for (key, value) in fields {
                walk(value, get_ci(obj, key), &format!("{at}/{}", escape(key)), out);
            }
        }
        Value::Array(wanted) => {
            let Value::Array(items) = actual else {
                out.push(Mismatch {
                    pointer: here,
                    problem: format!("expected an array, found {}", short(actual)),
                });
                return;
            };
            for want in unassigned(wanted, items) {
                out.push(Mismatch {
                    pointer: here.clone(),
                    problem: format!("no element matches {}", short(want)),
                });
            }
        }
        scalar => {
            if !scalars_equal(scalar, actual) {
                out.push(Mismatch {
                    pointer: here,
                    problem: format!("expected {}, found {}", short(scalar), short(actual)),
                });
            }
        }
    }
}

/// The expected elements left without a distinct actual element, after the
/// best assignment (augmenting paths, so a general expected element never
/// takes the only element a specific one could match).
fn unassigned<'e>(wanted: &'e [Value], items: &[Value]) -> Vec<&'e Value> {
    let fits: Vec<Vec<usize>> =
        wanted.iter().map(|w| (0..items.len()).filter(|&i| matches(w, &items[i])).collect()).collect();
    let mut owner: Vec<Option<usize>> = vec![None; items.len()];
    fn assign(w: usize, fits: &[Vec<usize>], owner: &mut [Option<usize>], seen: &mut [bool]) -> bool {
        for &i in &fits[w] {
            if !seen[i] {
                seen[i] = true;
                if owner[i].is_none_or(|other| assign(other, fits, owner, seen)) {
                    owner[i] = Some(w);
                    return true;
                }
            }
        }
        false
    }
    let mut left = Vec::new();
    for (w, want) in wanted.iter().enumerate() {
        let mut seen = vec![false; items.len()];
        if !assign(w, &fits, &mut owner, &mut seen) {
            left.push(want);
        }
    }
    left
}

pub fn scalars_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

/// `actual` cut down to the shape of `expected`, so a diff shows only what the
/// expectation is about. Keys take the expected spelling.
pub fn project(expected: &Value, actual: &Value) -> Value {
    match (expected, actual) {
        (Value::Object(fields), Value::Object(obj)) => {
            let mut out = Map::new();
            for (key, want) in fields {
                if let Some(v) = get_ci(obj, key) {
                    out.insert(key.clone(), project(want, v));
                }
            }
            Value::Object(out)
        }
        (Value::Array(wanted), Value::Array(items)) => {
            let template = wanted.first();
            Value::Array(
                items.iter().map(|i| template.map_or_else(|| i.clone(), |t| project(t, i))).collect(),
            )
        }
        (Value::String(s), v) if s == WILDCARD => v.clone(),
        (_, v) => v.clone(),
    }
}

/// `expected` as a reader should see it beside what came back: each `"*"`
/// that matched shows the value it matched, and each array element shows
/// the element it matched, so a diff marks only real differences.
pub fn shown_expected(expected: &Value, actual: &Value) -> Value {
    match (expected, actual) {
        (Value::String(s), v) if s == WILDCARD && !v.is_null() => v.clone(),
        (Value::Object(fields), Value::Object(obj)) => Value::Object(
            fields
                .iter()
                .map(|(key, want)| {
                    let shown = get_ci(obj, key).map_or_else(|| want.clone(), |v| shown_expected(want, v));
                    (key.clone(), shown)
                })
                .collect(),
        ),
        // In the order of what they matched, so the diff lines up with what came back.
        (Value::Array(wanted), Value::Array(items)) => {
            let mut shown: Vec<(usize, Value)> = wanted
                .iter()
                .map(|want| match items.iter().position(|i| matches(want, i)) {
                    Some(at) => (at, shown_expected(want, &items[at])),
                    None => (usize::MAX, want.clone()),
                })
                .collect();
            shown.sort_by_key(|(at, _)| *at);
            Value::Array(shown.into_iter().map(|(_, v)| v).collect())
        }
        (want, _) => want.clone(),
    }
}

/// The value at a JSON pointer (RFC 6901), matching object keys ignoring case
/// when no exact key exists.
pub fn pointer<'v>(value: &'v Value, ptr: &str) -> Option<&'v Value> {
    if ptr.is_empty() {
        return Some(value);
    }
    let mut current = value;
    for raw in ptr.strip_prefix('/')?.split('/') {
        let token = raw.replace("~1", "/").replace("~0", "~");
        current = match current {
            Value::Object(obj) => get_ci(obj, &token)?,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

use crate::scim::message::get as get_ci;

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A value in one short line, for problem texts.
pub fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 80 { format!("{}…", text.chars().take(79).collect::<String>()) } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_show_what_they_matched_so_only_differences_differ() {
        let actual = json!({ "id": "x1", "meta": { "location": "https://h/Users/x1" }, "title": "Boss" });
        let want = json!({ "id": "*", "meta": { "location": "*" }, "title": "Manager" });
        assert_eq!(
            shown_expected(&want, &actual),
            json!({ "id": "x1", "meta": { "location": "https://h/Users/x1" }, "title": "Manager" })
        );
        let members = json!({ "members": [{ "value": "b", "$ref": "https://h/b" }, { "value": "a", "$ref": "https://h/a" }] });
        let want = json!({ "members": [{ "value": "a", "$ref": "*" }] });
        assert_eq!(
            shown_expected(&want, &members),
            json!({ "members": [{ "value": "a", "$ref": "https://h/a" }] })
        );
    }

    #[test]
    fn subset_with_wildcards_and_case_insensitive_names() {
        let actual = json!({ "id": "1", "UserName": "bjensen", "emails": [{ "value": "a@x", "type": "work" }, { "value": "b@x" }],
                             "meta": { "version": "W/\"3\"" }, "active": true, "n": 1.0 });
        assert!(matches(&json!({ "userName": "bjensen", "id": "*", "n": 1 }), &actual));
        assert!(matches(&json!({ "emails": [{ "value": "b@x" }, { "type": "work" }] }), &actual));
        assert!(matches(&json!({ "meta": { "version": "*" } }), &actual));
        let m = mismatches(
            &json!({ "userName": "BJENSEN", "title": "*", "emails": [{ "value": "c@x" }], "active": "true" }),
            &actual,
        );
        let pointers: Vec<&str> = m.iter().map(|m| m.pointer.as_str()).collect();
        assert_eq!(pointers, ["/userName", "/title", "/emails", "/active"]);
    }

    #[test]
    fn array_elements_match_distinct_actual_elements() {
        let actual = json!([{ "v": 1 }, { "v": 2 }]);
        assert!(matches(&json!([{ "v": 1 }, { "v": 2 }]), &actual));
        assert!(!matches(&json!([{ "v": 1 }, { "v": 1 }]), &actual));
        // A general element must not take the only element a specific one fits.
        let actual = json!([{ "type": "work", "value": "a" }, { "type": "home", "value": "b" }]);
        assert!(matches(&json!([{ "value": "*" }, { "type": "work" }]), &actual));
    }

    #[test]
    fn null_and_absent_count_as_missing() {
        assert!(!matches(&json!({ "a": "*" }), &json!({ "a": null })));
        assert!(matches(&json!({ "a": null }), &json!({})));
    }

    #[test]
    fn pointers_resolve_ignoring_case_and_through_arrays() {
        let v = json!({ "Resources": [{ "userName": "x" }], "a/b": 1 });
        assert_eq!(pointer(&v, "/resources/0/USERNAME"), Some(&json!("x")));
        assert_eq!(pointer(&v, "/a~1b"), Some(&json!(1)));
        assert_eq!(pointer(&v, "/Resources/1"), None);
        assert_eq!(pointer(&v, ""), Some(&v));
        assert_eq!(pointer(&v, "nope"), None);
    }

    #[test]
    fn projection_keeps_what_the_expectation_mentions() {
        let actual = json!({ "id": "1", "userName": "x", "meta": { "created": "t", "version": "v" } });
        let p = project(&json!({ "username": "y", "meta": { "version": "*" } }), &actual);
        assert_eq!(p, json!({ "username": "x", "meta": { "version": "v" } }));
    }
}
