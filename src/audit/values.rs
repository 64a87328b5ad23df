//! Values a client sends, against the attributes they are for: where the
//! attributes of a body are, and whether each value has its attribute's
//! type. Shared by the checks of POST and PUT bodies, PATCH values and Bulk
//! operations.

use crate::scim::quirks::Quirk;
use crate::scim::schema::{AttrType, Attribute, Container, Mutability, ResourceType};
use serde_json::{Map, Value};

/// One attribute of a body, with its value and where it sits.
pub struct Slot<'a> {
    pub container: Container<'a>,
    pub attr: &'a Attribute,
    pub value: &'a Value,
    /// `emails`, `urn:...:enterprise:2.0:User:manager`: for a reader.
    pub at: String,
}

/// The attributes of a resource body the resource type defines, core and
/// extensions (under their URN), and the keys it does not know.
pub fn slots<'a>(rt: &'a ResourceType, body: &'a Map<String, Value>) -> (Vec<Slot<'a>>, Vec<&'a str>) {
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for (key, value) in body {
        if key == "schemas" {
            continue;
        }
        if let Some(container @ Container::Extension(schema)) = rt.schema_for_urn(key) {
            if let Value::Object(inner) = value {
                for (name, v) in inner {
                    match schema.attribute(name) {
                        Some(attr) => known.push(Slot {
                            container,
                            attr,
                            value: v,
                            at: format!("{}:{}", schema.id, attr.name),
                        }),
                        None => unknown.push(name.as_str()),
                    }
                }
            }
            continue;
        }
        match rt.core_attribute(key) {
            Some(attr) => known.push(Slot { container: Container::Core, attr, value, at: attr.name.clone() }),
            None => unknown.push(key.as_str()),
        }
    }
    (known, unknown)
}

/// The extension attribute an unqualified name stands for, if the core schema
/// has no attribute of that name: what RFC 7644 §3.10 asks clients to qualify.
pub fn unqualified_extension(rt: &ResourceType, name: &str) -> Option<String> {
    if rt.core_attribute(name).is_some() {
        return None;
    }
    rt.extensions
        .iter()
        .find(|e| e.schema.attribute(name).is_some())
        .map(|e| format!("{}:{name}", e.schema.id))
}

/// What is wrong with one value for its attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: Kind,
    /// Where: `emails[0].primary`.
    pub at: String,
    pub expected: String,
    pub actual: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Not the JSON type of the attribute's SCIM type.
    JsonType,
    /// A binary value that is not base64.
    Binary,
    /// A sub-attribute the complex attribute does not define.
    UnknownSub,
    /// A departure an identity provider is known to send.
    Quirk(Quirk),
}

/// Every problem with `value` as a whole value of `attr` (an array for a
/// multi-valued attribute). Read-only sub-attributes are skipped: a server
/// ignores them (RFC 7644 §3.3).
pub fn problems(attr: &Attribute, value: &Value, at: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    whole(attr, value, at, &mut out);
    out
}

fn whole(attr: &Attribute, value: &Value, at: &str, out: &mut Vec<Problem>) {
    if value.is_null() || !attr.multi_valued {
        return single(attr, value, at, out);
    }
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                single(attr, item, &format!("{at}[{i}]"), out);
            }
        }
        Value::Object(_) => {
            out.push(Problem {
                kind: Kind::Quirk(Quirk::ObjectForMultiValued),
                at: at.to_string(),
                expected: format!("a JSON array: {at} is multi-valued (RFC 7643 §2.4)"),
                actual: "one JSON object".into(),
            });
            single(attr, value, at, out);
        }
        other => out.push(wrong(at, "a JSON array (a multi-valued attribute)", other)),
    }
}

/// One value (one element of a multi-valued attribute).
pub fn single(attr: &Attribute, value: &Value, at: &str, out: &mut Vec<Problem>) {
    let expected = match (attr.ty, value) {
        (_, Value::Null) => return,
        (AttrType::String, Value::String(_))
        | (AttrType::Boolean, Value::Bool(_))
        | (AttrType::Decimal, Value::Number(_))
        | (AttrType::DateTime, Value::String(_))
        | (AttrType::Reference, Value::String(_)) => return,
        (AttrType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => return,
        (AttrType::Binary, Value::String(s)) => {
            if !is_base64(s) {
                out.push(Problem {
                    kind: Kind::Binary,
                    at: at.to_string(),
                    expected: "base64 (RFC 4648 §4)".into(),
                    actual: excerpt(value),
                });
            }
            return;
        }
        (AttrType::Boolean, Value::String(s))
            if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
        {
            out.push(Problem {
                kind: Kind::Quirk(Quirk::BooleanString),
                at: at.to_string(),
                expected: format!("the JSON literal {} (RFC 7643 §2.3.2)", s.to_ascii_lowercase()),
                actual: format!("the string {value}"),
            });
            return;
        }
        (AttrType::Complex, Value::Object(obj)) => return complex(attr, obj, at, out),
        (AttrType::Complex, Value::String(s)) if attr.sub("value").is_some() => {
            out.push(Problem {
                kind: Kind::Quirk(Quirk::BareStringForComplex),
                at: at.to_string(),
                expected: format!(
                    "an object of sub-attributes, such as {{\"value\": \"{s}\"}} (RFC 7643 §2.3.8)"
                ),
                actual: format!("the bare string {value}"),
            });
            return;
        }
        (AttrType::String | AttrType::DateTime | AttrType::Reference | AttrType::Binary, _) => {
            "a JSON string"
        }
        (AttrType::Boolean, _) => "true or false",
        (AttrType::Integer, _) => "a whole JSON number",
        (AttrType::Decimal, _) => "a JSON number",
        (AttrType::Complex, _) => "a JSON object of sub-attributes",
    };
    out.push(wrong(at, &format!("{expected} ({} attribute)", attr.ty.as_str()), value));
}

fn complex(attr: &Attribute, obj: &Map<String, Value>, at: &str, out: &mut Vec<Problem>) {
    for (key, v) in obj {
        match attr.sub(key) {
            Some(sub) if sub.mutability == Mutability::ReadOnly => {}
            Some(sub) => whole(sub, v, &format!("{at}.{}", sub.name), out),
            None => out.push(Problem {
                kind: Kind::UnknownSub,
                at: format!("{at}.{key}"),
                expected: format!(
                    "a sub-attribute of {}: {}",
                    attr.name,
                    attr.sub_attributes.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
                actual: key.clone(),
            }),
        }
    }
}

fn wrong(at: &str, expected: &str, value: &Value) -> Problem {
    Problem {
        kind: Kind::JsonType,
        at: at.to_string(),
        expected: expected.to_string(),
        actual: format!("{} {}", crate::scim::normalize::kind(value), excerpt(value)),
    }
}

/// A value as a reader sees it, cut short.
pub fn excerpt(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text
    }
}

pub use crate::scim::normalize::decode_base64;

fn is_base64(s: &str) -> bool {
    decode_base64(s).is_some()
}

/// Every string in a JSON value, depth first.
pub fn strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(obj) => obj.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// How many `primary: true` values a multi-valued complex value holds, when
/// any element says `primary` at all.
pub fn primaries(attr: &Attribute, value: &Value) -> Option<usize> {
    if !attr.multi_valued || attr.sub("primary").is_none() {
        return None;
    }
    let items = value.as_array()?;
    let says = items.iter().filter_map(|v| crate::scim::message::get(v.as_object()?, "primary"));
    let flags: Vec<&Value> = says.collect();
    if flags.is_empty() {
        return None;
    }
    Some(flags.iter().filter(|v| **v == &Value::Bool(true)).count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::Registry;
    use serde_json::json;

    fn user_attr(name: &str) -> &'static Attribute {
        Registry::builtin().user().core_attribute(name).unwrap()
    }

    fn kinds(name: &str, v: Value) -> Vec<Kind> {
        problems(user_attr(name), &v, name).into_iter().map(|p| p.kind).collect()
    }

    #[test]
    fn values_are_checked_against_their_attribute_types() {
        assert!(kinds("active", json!(false)).is_empty());
        assert_eq!(kinds("active", json!("False")), [Kind::Quirk(Quirk::BooleanString)]);
        assert_eq!(kinds("active", json!(0)), [Kind::JsonType]);
        assert!(kinds("emails", json!([{"value": "a@example.com", "primary": true}])).is_empty());
        assert_eq!(
            kinds("emails", json!({"value": "a@example.com"})),
            [Kind::Quirk(Quirk::ObjectForMultiValued)]
        );
        assert_eq!(kinds("emails", json!([{"value": "a", "kind": "x"}])), [Kind::UnknownSub]);
        assert_eq!(kinds("name", json!("Jane")), [Kind::JsonType]);
        assert_eq!(kinds("x509Certificates", json!([{"value": "%%%"}])), [Kind::Binary]);
        assert!(kinds("x509Certificates", json!([{"value": "MIIB"}])).is_empty());
        assert!(kinds("userName", Value::Null).is_empty());
    }

    #[test]
    fn primaries_are_counted_only_where_primary_is_said() {
        let emails = user_attr("emails");
        assert_eq!(primaries(emails, &json!([{"value": "a"}])), None);
        assert_eq!(primaries(emails, &json!([{"primary": true}, {"primary": true}])), Some(2));
        assert_eq!(primaries(user_attr("userName"), &json!("x")), None);
    }
}
