//! Client JSON in, canonical resource JSON out, or a SCIM error naming the rule.
//!
//! Canonical means: attribute names spelled as the schema spells them, values of
//! the schema's type, nulls and empty arrays dropped (RFC 7643 §2.5), `readOnly`
//! input ignored (RFC 7644 §3.3, §3.5.1), and keys in schema order. Everything
//! that reads a resource afterwards (filters, sort, projection, PATCH) relies on
//! that and does exact key lookups.

use crate::faults::{Fault, FaultSet};
use crate::scim::datetime;
use crate::scim::error::{ScimError, ScimType};
use crate::scim::quirks::{LEGACY_CORE_URNS, LEGACY_ENTERPRISE_URNS, Leniency, Quirk};
use crate::scim::schema::{
    AttrType, Attribute, Container, ENTERPRISE_USER, Mutability, ResourceType, Schema,
};
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

/// Normalizes values for one resource type under one leniency.
#[derive(Clone, Copy)]
pub struct Normalizer<'a> {
    pub rt: &'a ResourceType,
    pub leniency: &'a Leniency,
    /// Reference-server faults that skip a SHOULD of RFC 7643.
    pub faults: FaultSet,
    /// Attributes the schema does not define are dropped, not refused: a
    /// server "free to alter and/or ignore POSTed content" (RFC 7644 §3.3).
    pub ignore_unknown: bool,
}

impl<'a> Normalizer<'a> {
    pub fn new(rt: &'a ResourceType, leniency: &'a Leniency) -> Self {
        Normalizer { rt, leniency, faults: FaultSet::none(), ignore_unknown: false }
    }

    pub fn with_faults(self, faults: FaultSet) -> Self {
        Normalizer { faults, ..self }
    }

    pub fn ignoring_unknown(self, ignore_unknown: bool) -> Self {
        Normalizer { ignore_unknown, ..self }
    }

    /// A POST or PUT body as a canonical resource, without `id` and `meta`
    /// (which are the service provider's) and before [`finish`].
    pub fn resource(&self, body: &Value) -> Result<Map<String, Value>, ScimError> {
        let Value::Object(input) = body else {
            return Err(ScimError::invalid_syntax(format!(
                "the request body must be a JSON object representing a {}",
                self.rt.name
            )));
        };
        let declared = self.declared_schemas(input)?;
        let mut out = Map::new();
        let mut seen = Vec::<String>::new();
        for (key, value) in input {
            if key == "schemas" {
                continue;
            }
            let lower = key.to_ascii_lowercase();
            if seen.contains(&lower) {
                return Err(ScimError::invalid_syntax(format!(
                    "attribute '{key}' is given twice (attribute names are case-insensitive, RFC 7643 §2.1)"
                )));
            }
            seen.push(lower);
            // OneLogin's templates key the enterprise attributes by a pre-RFC URN.
            let key = match LEGACY_ENTERPRISE_URNS.iter().find(|l| key.eq_ignore_ascii_case(l)) {
                Some(_) if self.leniency.accepts(Quirk::LegacySchemaUrns) => ENTERPRISE_USER,
                Some(_) => {
                    return Err(ScimError::invalid_syntax(format!(
                        "'{key}' is not an attribute of the {} resource type; {}",
                        self.rt.name,
                        Quirk::LegacySchemaUrns
                    )));
                }
                None => key.as_str(),
            };
            if let Some(Container::Extension(schema)) = self.rt.schema_for_urn(key) {
                if !declared.iter().any(|d| d.eq_ignore_ascii_case(&schema.id)) {
                    return Err(ScimError::invalid_value(format!(
                        "the body carries {} attributes but \"schemas\" does not list that URN (RFC 7643 §3)",
                        schema.id
                    )));
                }
                if let Some(ext) = self.extension(schema, value, &schema.id)? {
                    out.insert(schema.id.clone(), Value::Object(ext));
                }
                continue;
            }
            let Some(attr) = self.rt.core_attribute(key) else {
                if self.ignore_unknown {
                    continue;
                }
                return Err(ScimError::invalid_syntax(format!(
                    "'{key}' is not an attribute of the {} resource type{}",
                    self.rt.name,
                    self.unknown_key_hint(key)
                )));
            };
            if attr.mutability == Mutability::ReadOnly {
                continue;
            }
            let one_element;
            let value = if attr.multi_valued && value.is_object() {
                if !self.leniency.accepts(Quirk::ObjectForMultiValued) {
                    return Err(ScimError::invalid_value(format!(
                        "'{}' is multi-valued and must be a JSON array, not one object; {}",
                        attr.name,
                        Quirk::ObjectForMultiValued
                    )));
                }
                one_element = Value::Array(vec![value.clone()]);
                &one_element
            } else {
                value
            };
            if let Some(v) = self.value(attr, value, &attr.name)? {
                out.insert(attr.name.clone(), v);
            }
        }
        Ok(out)
    }

    fn unknown_key_hint(&self, key: &str) -> String {
        let Some((urn, _)) = key.rsplit_once(':') else { return String::new() };
        match self.rt.schema_for_urn(urn) {
            Some(_) => format!(
                "; extension attributes go inside an object keyed by their schema URN: {{\"{urn}\": {{...}}}}"
            ),
            None => String::new(),
        }
    }

    /// The URNs of `schemas`, checked: present, strings, core schema included.
    fn declared_schemas(&self, input: &Map<String, Value>) -> Result<Vec<String>, ScimError> {
        let core = &self.rt.core.id;
        let Some(schemas) = input.get("schemas") else {
            return Err(ScimError::invalid_value(format!(
                "\"schemas\" is required and must include \"{core}\" (RFC 7643 §3)"
            )));
        };
        let urns: Vec<String> = match schemas {
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| ScimError::invalid_value("\"schemas\" must be an array of URN strings"))?,
            _ => return Err(ScimError::invalid_value("\"schemas\" must be an array of URN strings")),
        };
        let legacy = |u: &String, names: &[&str]| names.iter().any(|l| u.eq_ignore_ascii_case(l));
        let legacy_core = self.rt.name == "User" && urns.iter().any(|u| legacy(u, &LEGACY_CORE_URNS));
        let legacy_enterprise = urns.iter().any(|u| legacy(u, &LEGACY_ENTERPRISE_URNS));
        if (legacy_core || legacy_enterprise) && !self.leniency.accepts(Quirk::LegacySchemaUrns) {
            return Err(ScimError::invalid_value(format!(
                "\"schemas\" uses pre-RFC schema names; {}",
                Quirk::LegacySchemaUrns
            )));
        }
        // OneLogin's names stand for the RFC's.
        let mut urns: Vec<String> = urns
            .into_iter()
            .map(|u| {
                if legacy(&u, &LEGACY_CORE_URNS) && self.rt.name == "User" {
                    core.clone()
                } else if legacy(&u, &LEGACY_ENTERPRISE_URNS) {
                    ENTERPRISE_USER.to_string()
                } else {
                    u
                }
            })
            .collect();
        urns.dedup();
        if !urns.iter().any(|u| u.eq_ignore_ascii_case(core)) {
            return Err(ScimError::invalid_value(format!(
                "\"schemas\" must include \"{core}\" for a {} (RFC 7643 §3)",
                self.rt.name
            )));
        }
        for urn in &urns {
            if self.rt.schema_for_urn(urn).is_none() && !self.leniency.accepts(Quirk::ForeignSchemaUrn) {
                return Err(ScimError::invalid_value(format!(
                    "\"schemas\" lists \"{urn}\", which is not a schema of the {} resource type; {}",
                    self.rt.name,
                    Quirk::ForeignSchemaUrn
                )));
            }
        }
        Ok(urns)
    }

    /// An extension object: its attributes, normalized. `None` when empty.
    pub fn extension(
        &self,
        schema: &Schema,
        value: &Value,
        at: &str,
    ) -> Result<Option<Map<String, Value>>, ScimError> {
        let obj = match value {
            Value::Null => return Ok(None),
            Value::Object(o) => o,
            other => {
                return Err(ScimError::invalid_value(format!(
                    "'{at}' must be an object of {} attributes, not {}",
                    schema.name,
                    kind(other)
                )));
            }
        };
        let mut out = Map::new();
        for (key, v) in obj {
            let Some(attr) = schema.attribute(key) else {
                if self.ignore_unknown {
                    continue;
                }
                return Err(ScimError::invalid_syntax(format!(
                    "'{key}' is not an attribute of {}",
                    schema.id
                )));
            };
            if attr.mutability == Mutability::ReadOnly {
                continue;
            }
            if let Some(v) = self.value(attr, v, &format!("{at}:{}", attr.name))? {
                out.insert(attr.name.clone(), v);
            }
        }
        Ok(if out.is_empty() { None } else { Some(out) })
    }

    /// A whole attribute value: an array for multi-valued attributes. `None`
    /// means unassigned (null or an empty array, RFC 7643 §2.5).
    pub fn value(&self, attr: &Attribute, value: &Value, at: &str) -> Result<Option<Value>, ScimError> {
        if value.is_null() {
            return Ok(None);
        }
        if !attr.multi_valued {
            return self.single(attr, value, at);
        }
        let Value::Array(items) = value else {
            return Err(ScimError::invalid_value(format!(
                "'{at}' is multi-valued and must be a JSON array, not {}",
                kind(value)
            )));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(v) = self.single(attr, item, &format!("{at}[{i}]"))? {
                out.push(v);
            }
        }
        if !self.faults.has(Fault::RepeatedValuesKept) {
            drop_repeated_values(attr, &mut out);
        }
        check_one_primary(attr, &out, at)?;
        Ok(if out.is_empty() { None } else { Some(Value::Array(out)) })
    }

    /// One value (one element, for a multi-valued attribute).
    pub fn single(&self, attr: &Attribute, value: &Value, at: &str) -> Result<Option<Value>, ScimError> {
        let wrong = |expected: &str| {
            ScimError::invalid_value(format!(
                "'{at}' must be {expected} ({} attribute), not {}",
                attr.ty.as_str(),
                describe(value)
            ))
        };
        let v = match (attr.ty, value) {
            (_, Value::Null) => return Ok(None),
            (AttrType::String, Value::String(s)) => Value::String(self.canonical(attr, s, at)?),
            (AttrType::Boolean, Value::Bool(_)) => value.clone(),
            (AttrType::Boolean, Value::String(s))
                if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
            {
                if !self.leniency.accepts(Quirk::BooleanString) {
                    return Err(ScimError::invalid_value(format!(
                        "'{at}' is a boolean, but the request sent the string {}; {}",
                        value,
                        Quirk::BooleanString
                    )));
                }
                Value::Bool(s.eq_ignore_ascii_case("true") || self.faults.has(Fault::StringBooleanTrue))
            }
            (AttrType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => value.clone(),
            (AttrType::Integer, _) => return Err(wrong("a whole JSON number")),
            (AttrType::Decimal, Value::Number(_)) => value.clone(),
            (AttrType::DateTime, Value::String(s)) => {
                if datetime::parse(s).is_none() {
                    return Err(wrong("an xsd:dateTime string such as \"2008-01-23T04:56:22Z\""));
                }
                value.clone()
            }
            (AttrType::Reference, Value::String(s)) if !s.is_empty() => value.clone(),
            (AttrType::Binary, Value::String(s)) => {
                if !is_base64(s) {
                    return Err(wrong("a base64 string (RFC 7643 §2.3.6)"));
                }
                value.clone()
            }
            (AttrType::Complex, Value::Object(obj)) => return self.complex(attr, obj, at),
            (AttrType::Complex, Value::String(s)) if attr.sub("value").is_some() => {
                if !self.leniency.accepts(Quirk::BareStringForComplex) {
                    return Err(ScimError::invalid_value(format!(
                        "'{at}' is complex and must be an object such as {{\"value\": \"{s}\"}}, not the bare string {value}; {}",
                        Quirk::BareStringForComplex
                    )));
                }
                // Entra removes a manager by sending "" (its Validator's
                // "Remove Manager", the gallery's manager test).
                if s.is_empty() {
                    return Ok(None);
                }
                let mut obj = Map::new();
                obj.insert("value".into(), value.clone());
                return self.complex(attr, &obj, at);
            }
            (AttrType::String, _) => return Err(wrong("a JSON string")),
            (AttrType::Boolean, _) => return Err(wrong("true or false")),
            (AttrType::Decimal, _) => return Err(wrong("a JSON number")),
            (AttrType::DateTime | AttrType::Binary, _) => return Err(wrong("a JSON string")),
            (AttrType::Reference, _) => return Err(wrong("a non-empty URI string")),
            (AttrType::Complex, _) => return Err(wrong("a JSON object of sub-attributes")),
        };
        Ok(Some(v))
    }

    fn complex(
        &self,
        attr: &Attribute,
        obj: &Map<String, Value>,
        at: &str,
    ) -> Result<Option<Value>, ScimError> {
        let mut out = Map::new();
        for (key, v) in obj {
            let Some(sub) = attr.sub(key) else {
                if self.ignore_unknown {
                    continue;
                }
                return Err(ScimError::invalid_syntax(format!(
                    "'{at}' has no sub-attribute '{key}' (known: {})",
                    attr.sub_attributes.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
                )));
            };
            if sub.mutability == Mutability::ReadOnly {
                continue;
            }
            if let Some(v) = self.value(sub, v, &format!("{at}.{}", sub.name))? {
                out.insert(sub.name.clone(), v);
            }
        }
        if attr.name == "emails"
            && !self.faults.has(Fault::EmailsNotCanonicalized)
            && let Some(Value::String(address)) = out.get_mut("value")
        {
            *address = canonical_email(address);
        }
        Ok(if out.is_empty() { None } else { Some(Value::Object(out)) })
    }

    /// Canonical values (RFC 7643 §7) are enforced, and stored in their schema
    /// spelling when the attribute is not caseExact (§7 lets the server alter case).
    fn canonical(&self, attr: &Attribute, s: &str, at: &str) -> Result<String, ScimError> {
        if attr.canonical_values.is_empty() {
            return Ok(s.to_string());
        }
        let found = attr
            .canonical_values
            .iter()
            .find(|c| if attr.case_exact { c.as_str() == s } else { c.eq_ignore_ascii_case(s) });
        match found {
            Some(c) => Ok(c.clone()),
            None => Err(ScimError::invalid_value(format!(
                "'{at}' is \"{s}\", which is not one of its canonical values: {}",
                attr.canonical_values.join(", ")
            ))),
        }
    }
}

/// Final checks and ordering after any write (POST, PUT, PATCH): required
/// attributes present, one `primary` at most, then [`tidy`]. `missing` is the
/// error type for an absent required attribute: `invalidValue` on POST/PUT,
/// `mutability` after a PATCH removed it (RFC 7644 §3.5.2.2).
pub fn finish(
    rt: &ResourceType,
    resource: &mut Map<String, Value>,
    missing: ScimType,
) -> Result<(), ScimError> {
    check(rt, resource, missing)?;
    tidy(rt, resource);
    Ok(())
}

/// The checks of [`finish`] without changing anything.
/// Whether a required attribute has no value: absent, null or an empty
/// array (unassigned, RFC 7643 §2.5), or an empty string ("Each User MUST
/// include a non-empty userName value", RFC 7643 §4.1.1). The server refuses
/// such a write and the client audit reports it, by this one rule.
pub fn lacks_value(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(items)) => items.is_empty(),
        Some(_) => false,
    }
}

pub fn check(rt: &ResourceType, resource: &Map<String, Value>, missing: ScimType) -> Result<(), ScimError> {
    for (container, attr) in rt.all_attributes() {
        let holder = match container.key() {
            None => Some(resource),
            Some(key) => resource.get(key).and_then(Value::as_object),
        };
        let Some(holder) = holder else { continue };
        let value = holder.get(&attr.name);
        if attr.required && lacks_value(value) && attr.mutability != Mutability::ReadOnly {
            return Err(ScimError::bad_request(
                missing,
                format!("'{}' is required for a {} (RFC 7643 §2.2)", attr.name, rt.name),
            ));
        }
        if let Some(value) = value {
            check_required_subs(attr, value, missing)?;
            if let Value::Array(items) = value {
                check_one_primary(attr, items, &attr.name)?;
            }
        }
    }
    for ext in &rt.extensions {
        if ext.required && !resource.contains_key(&ext.schema.id) {
            return Err(ScimError::bad_request(
                missing,
                format!("the {} extension is required", ext.schema.id),
            ));
        }
    }
    Ok(())
}

/// Recomputes `schemas` from the extensions present (dropping empty ones) and
/// puts keys in schema order.
pub fn tidy(rt: &ResourceType, resource: &mut Map<String, Value>) {
    let mut schemas = vec![Value::from(rt.core.id.as_str())];
    for ext in &rt.extensions {
        if resource.get(&ext.schema.id).is_some_and(|v| v.as_object().is_some_and(|o| !o.is_empty())) {
            schemas.push(Value::from(ext.schema.id.as_str()));
        } else {
            resource.remove(&ext.schema.id);
        }
    }
    resource.insert("schemas".into(), Value::Array(schemas));
    order_keys(rt, resource);
}

/// "Service providers SHOULD canonicalize the value according to [RFC5321],
/// e.g., "bjensen@example.com" instead of "bjensen@EXAMPLE.COM"" (RFC 7643
/// §4.1.2): the domain is case-insensitive, the local part is left as sent.
fn canonical_email(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_lowercase()),
        None => address.to_string(),
    }
}

/// "Service providers SHOULD NOT return the same (type, value) combination
/// more than once per attribute" (RFC 7643 §2.4): a repeat is dropped, and if
/// it was the primary one, the kept value becomes primary.
fn drop_repeated_values(attr: &Attribute, items: &mut Vec<Value>) {
    let Some(value_sub) = attr.sub("value") else { return };
    let same_text = |a: Option<&Value>, b: Option<&Value>, exact: bool| match (a, b) {
        (Some(Value::String(x)), Some(Value::String(y))) if !exact => x.to_lowercase() == y.to_lowercase(),
        (a, b) => a == b,
    };
    let mut kept: Vec<Value> = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        let earlier = kept.iter_mut().find(|k| {
            item.get("value").is_some()
                && same_text(k.get("value"), item.get("value"), value_sub.compares_exactly())
                && same_text(k.get("type"), item.get("type"), false)
        });
        match earlier {
            Some(Value::Object(first)) if item.get("primary") == Some(&Value::Bool(true)) => {
                first.insert("primary".into(), Value::Bool(true));
            }
            Some(_) => {}
            None => kept.push(item),
        }
    }
    *items = kept;
}

fn check_required_subs(attr: &Attribute, value: &Value, missing: ScimType) -> Result<(), ScimError> {
    if !attr.is_complex() {
        return Ok(());
    }
    let elements: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        v => vec![v],
    };
    for element in elements {
        for sub in attr.sub_attributes.iter().filter(|s| s.required) {
            if element.get(&sub.name).is_none() {
                return Err(ScimError::bad_request(
                    missing,
                    format!("'{}.{}' is required in every {} value", attr.name, sub.name, attr.name),
                ));
            }
        }
    }
    Ok(())
}

/// RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more than once."
fn check_one_primary(attr: &Attribute, items: &[Value], at: &str) -> Result<(), ScimError> {
    if attr.sub("primary").is_none() {
        return Ok(());
    }
    let primaries = items.iter().filter(|v| v.get("primary") == Some(&Value::Bool(true))).count();
    if primaries > 1 {
        return Err(ScimError::invalid_value(format!(
            "'{at}' has {primaries} values with \"primary\": true; at most one is allowed (RFC 7643 §2.4)"
        )));
    }
    Ok(())
}

/// `schemas`, `id`, `externalId`, core attributes, extensions, `meta`: the order
/// a reader expects, whatever order the client used.
pub fn order_keys(rt: &ResourceType, resource: &mut Map<String, Value>) {
    let mut old = std::mem::take(resource);
    let mut take = |key: &str, into: &mut Map<String, Value>| {
        if let Some(v) = old.remove(key) {
            into.insert(key.to_string(), v);
        }
    };
    for key in ["schemas", "id", "externalId"] {
        take(key, resource);
    }
    for attr in &rt.core.attributes {
        take(&attr.name, resource);
    }
    for ext in &rt.extensions {
        take(&ext.schema.id, resource);
    }
    take("meta", resource);
    resource.extend(old);
}

fn is_base64(s: &str) -> bool {
    decode_base64(s).is_some()
}

/// A binary value's bytes: standard or URL-safe base64, padding optional
/// (RFC 7643 §2.3.6, RFC 4648 §4 and §5); nothing outside the alphabet, as
/// RFC 4648 §3.3 has a decoder reject it. The server and the client audit
/// both read binary values so.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let config = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, config);
    let url_safe = GeneralPurpose::new(&base64::alphabet::URL_SAFE, config);
    standard.decode(s).or_else(|_| url_safe.decode(s)).ok()
}

pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(_) | Value::Bool(_) | Value::Number(_) => {
            let text = v.to_string();
            if text.len() > 60 {
                format!("{} {}...", kind(v), &text[..text.floor_char_boundary(57)])
            } else {
                format!("{} {text}", kind(v))
            }
        }
        other => kind(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::quirks::Idp;
    use crate::scim::schema::{CORE_USER, ENTERPRISE_USER, Registry};
    use serde_json::json;

    fn create(body: Value, leniency: &Leniency) -> Result<Map<String, Value>, ScimError> {
        let rt = Registry::builtin().user();
        let mut r = Normalizer::new(rt, leniency).resource(&body)?;
        finish(rt, &mut r, ScimType::InvalidValue)?;
        Ok(r)
    }

    #[test]
    fn canonicalizes_names_drops_read_only_and_nulls_and_orders_keys() {
        let r = create(
            json!({
                "USERNAME": "bjensen",
                "id": "client-chosen",
                "meta": { "created": "2001-01-01T00:00:00Z" },
                "groups": [{ "value": "g" }],
                "Emails": [{ "Value": "b@x.org", "TYPE": "Work" }],
                "addresses": null,
                "roles": [],
                "name": { "givenName": "B", "formatted": null },
                "schemas": [CORE_USER],
                "externalId": "ext-1",
            }),
            &Leniency::strict(),
        )
        .unwrap();
        let keys: Vec<_> = r.keys().map(String::as_str).collect();
        assert_eq!(keys, ["schemas", "externalId", "userName", "name", "emails"]);
        assert_eq!(r["emails"], json!([{ "value": "b@x.org", "type": "work" }]));
        assert_eq!(r["name"], json!({ "givenName": "B" }));
    }

    #[test]
    fn schemas_lists_exactly_the_extensions_present() {
        let r = create(
            json!({ "schemas": [CORE_USER, ENTERPRISE_USER], "userName": "u",
                    ENTERPRISE_USER: { "department": "D", "manager": { "displayName": "readOnly, dropped" } } }),
            &Leniency::strict(),
        )
        .unwrap();
        assert_eq!(r["schemas"], json!([CORE_USER, ENTERPRISE_USER]));
        assert_eq!(r[ENTERPRISE_USER], json!({ "department": "D" }));
        let r =
            create(json!({ "schemas": [CORE_USER, ENTERPRISE_USER], "userName": "u" }), &Leniency::strict())
                .unwrap();
        assert_eq!(r["schemas"], json!([CORE_USER]));
    }

    #[test]
    fn refuses_bodies_that_break_the_schema() {
        let strict = Leniency::strict();
        let cases: Vec<(Value, ScimType, &str)> = vec![
            (json!("x"), ScimType::InvalidSyntax, "must be a JSON object"),
            (json!({ "userName": "u" }), ScimType::InvalidValue, "\"schemas\" is required"),
            (json!({ "schemas": "x", "userName": "u" }), ScimType::InvalidValue, "array of URN strings"),
            (
                json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "userName": "u" }),
                ScimType::InvalidValue,
                "must include",
            ),
            (json!({ "schemas": [CORE_USER] }), ScimType::InvalidValue, "'userName' is required"),
            (
                json!({ "schemas": [CORE_USER], "userName": "u", "shoeSize": 9 }),
                ScimType::InvalidSyntax,
                "'shoeSize' is not an attribute",
            ),
            (
                json!({ "schemas": [CORE_USER], "userName": "u", "username": "v" }),
                ScimType::InvalidSyntax,
                "given twice",
            ),
            (
                json!({ "schemas": [CORE_USER], "userName": 5 }),
                ScimType::InvalidValue,
                "must be a JSON string",
            ),
            (
                json!({ "schemas": [CORE_USER], "userName": "u", "active": "true" }),
                ScimType::InvalidValue,
                "--compat entra",
            ),
            (
                json!({ "schemas": [CORE_USER], "userName": "u", "active": 1 }),
                ScimType::InvalidValue,
                "true or false",
            ),
            (
                json!({ "schemas": [CORE_USER], "userName": "u", "emails": { "value": "a" } }),
                ScimType::InvalidValue,
                "must be a JSON array",
            ),
            (
                json!({ "schemas": [CORE_USER], "userName": "u", "emails": [{ "value": "a", "type": "pager" }] }),
                ScimType::InvalidValue,
                "canonical values",
            ),
            (
                json!({ "schemas": [CORE_USER], "userName": "u", "emails": [{ "value": "a", "primary": true }, { "value": "b", "primary": true }] }),
                ScimType::InvalidValue,
                "at most one",
            ),
            (
                json!({ "schemas": [CORE_USER], "userName": "u", "name": { "nick": "x" } }),
                ScimType::InvalidSyntax,
                "no sub-attribute 'nick'",
            ),
            (
                json!({ "schemas": [CORE_USER], "userName": "u", "name": "Barbara" }),
                ScimType::InvalidValue,
                "must be a JSON object",
            ),
            (
                json!({ "schemas": [CORE_USER], "userName": "u", "x509Certificates": [{ "value": "not base64!" }] }),
                ScimType::InvalidValue,
                "base64",
            ),
            (
                json!({ "schemas": [CORE_USER], "userName": "u", ENTERPRISE_USER: { "department": "D" } }),
                ScimType::InvalidValue,
                "does not list that URN",
            ),
            (
                json!({ "schemas": [CORE_USER, "urn:example:custom"], "userName": "u" }),
                ScimType::InvalidValue,
                "not a schema of the User",
            ),
            (
                json!({ "schemas": [CORE_USER], "userName": "u", format!("{ENTERPRISE_USER}:department"): "D" }),
                ScimType::InvalidSyntax,
                "inside an object keyed by their schema URN",
            ),
            (
                json!({ "schemas": [CORE_USER, ENTERPRISE_USER], "userName": "u", ENTERPRISE_USER: { "manager": "m-1" } }),
                ScimType::InvalidValue,
                "bare string",
            ),
        ];
        for (body, t, fragment) in cases {
            let e = create(body.clone(), &strict).expect_err(&body.to_string());
            assert_eq!(e.scim_type, Some(t), "{body}: {e}");
            assert!(e.detail.contains(fragment), "{body}: {e} lacks {fragment:?}");
        }
    }

    #[test]
    fn entra_leniency_reads_what_entra_sends() {
        let entra = Leniency::for_idps(&[Idp::Entra]);
        let r = create(
            json!({ "schemas": [CORE_USER, ENTERPRISE_USER, "urn:example:unknown"], "userName": "u", "active": "True",
                    ENTERPRISE_USER: { "manager": "m-1" } }),
            &entra,
        )
        .unwrap();
        assert_eq!(r["active"], json!(true));
        assert_eq!(r[ENTERPRISE_USER]["manager"], json!({ "value": "m-1" }));
        assert_eq!(r["schemas"], json!([CORE_USER, ENTERPRISE_USER]));
    }
}
