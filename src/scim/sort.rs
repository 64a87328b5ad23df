//! `sortBy` / `sortOrder` (RFC 7644 §3.4.2.3).
//!
//! "if it's a multi-valued attribute, resources are sorted by the value of the
//! primary attribute, if any, or else the first value"; resources without a
//! value "are ordered last if ascending and first if descending"; strings sort
//! by the attribute's caseExact.

use crate::scim::attr_path::AttrPath;
use crate::scim::error::ScimError;
use crate::scim::filter::compare_values;
use crate::scim::message;
use crate::scim::schema::{Attribute, ResourceType, Returned};
use serde_json::{Map, Value};
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Ascending,
    Descending,
}

impl SortOrder {
    /// "ascending" or "descending"; absent means ascending.
    pub fn parse(text: Option<&str>) -> Result<SortOrder, ScimError> {
        match text.map(str::trim) {
            None | Some("") => Ok(SortOrder::Ascending),
            Some(t) if t.eq_ignore_ascii_case("ascending") => Ok(SortOrder::Ascending),
            Some(t) if t.eq_ignore_ascii_case("descending") => Ok(SortOrder::Descending),
            Some(t) => Err(ScimError::invalid_value(format!(
                "sortOrder is \"{t}\"; it must be \"ascending\" or \"descending\" (RFC 7644 §3.4.2.3)"
            ))),
        }
    }
}

/// A resolved `sortBy`.
#[derive(Debug)]
pub struct SortKey<'r> {
    container: Option<&'r str>,
    attr: &'r Attribute,
    /// The compared sub-attribute: the one named, or `value` for a complex
    /// attribute named alone.
    sub: Option<&'r Attribute>,
    pub order: SortOrder,
    /// Compare strings by code point whatever caseExact says (a fault).
    pub force_exact: bool,
}

impl<'r> SortKey<'r> {
    pub fn parse(rt: &'r ResourceType, sort_by: &str, order: SortOrder) -> Result<SortKey<'r>, ScimError> {
        let invalid = |why: String| ScimError::invalid_value(format!("sortBy \"{sort_by}\": {why}"));
        let path = AttrPath::parse(sort_by.trim()).map_err(invalid)?;
        let r = rt.resolve_attr(&path).map_err(invalid)?;
        // Ordering by a value that is never returned would reveal it, one
        // comparison at a time (passwords).
        if r.attr.returned == Returned::Never || r.target().returned == Returned::Never {
            return Err(invalid(format!("{path} is never returned, so results cannot be sorted by it")));
        }
        let sub = match r.sub {
            Some(s) => Some(s),
            None if r.attr.is_complex() => Some(r.attr.sub("value").ok_or_else(|| {
                invalid(format!(
                    "{} is complex; name one of its sub-attributes (RFC 7644 §3.4.2.3)",
                    r.attr.name
                ))
            })?),
            None => None,
        };
        Ok(SortKey { container: r.container.key(), attr: r.attr, sub, order, force_exact: false })
    }

    /// The value a resource sorts by, if it has one. Names match ignoring case,
    /// as SCIM attribute names do, for resources another server spelt.
    pub fn value_of<'v>(&self, resource: &'v Map<String, Value>) -> Option<&'v Value> {
        let holder = match self.container {
            None => resource,
            Some(key) => message::get(resource, key)?.as_object()?,
        };
        let value = message::get(holder, &self.attr.name)?;
        let element = match value {
            Value::Array(items) => items
                .iter()
                .find(|i| i.as_object().and_then(|o| message::get(o, "primary")) == Some(&Value::Bool(true)))
                .or_else(|| items.first())?,
            other => other,
        };
        let leaf = match self.sub {
            Some(sub) => message::get(element.as_object()?, &sub.name)?,
            None => element,
        };
        (!leaf.is_null()).then_some(leaf)
    }

    /// Orders two resources; missing values last when ascending, first when descending.
    pub fn compare(&self, a: &Map<String, Value>, b: &Map<String, Value>) -> Ordering {
        self.compare_found(self.value_of(a), self.value_of(b))
    }

    /// Orders two sort values, either of which may be missing.
    pub fn compare_found(&self, a: Option<&Value>, b: Option<&Value>) -> Ordering {
        let defining = self.sub.unwrap_or(self.attr);
        let ascending = match (a, b) {
            (Some(Value::String(x)), Some(Value::String(y))) if self.force_exact => x.cmp(y),
            (Some(x), Some(y)) => compare_values(defining, x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        match self.order {
            SortOrder::Ascending => ascending,
            SortOrder::Descending => ascending.reverse(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::Registry;
    use serde_json::json;

    fn users() -> Vec<Map<String, Value>> {
        [
            json!({ "userName": "bob", "emails": [{ "value": "z@x" }, { "value": "a@x", "primary": true }], "meta": { "created": "2020-01-02T00:00:00Z" } }),
            json!({ "userName": "Alice", "emails": [{ "value": "m@x" }], "meta": { "created": "2020-01-03T00:00:00+05:00" } }),
            json!({ "userName": "carol", "meta": { "created": "2020-01-01T00:00:00Z" } }),
        ]
        .into_iter()
        .map(|v| v.as_object().cloned().unwrap())
        .collect()
    }

    fn sorted(by: &str, order: SortOrder) -> Vec<String> {
        let rt = Registry::builtin().user();
        let key = SortKey::parse(rt, by, order).unwrap();
        let mut list = users();
        list.sort_by(|a, b| key.compare(a, b));
        list.iter().map(|u| u["userName"].as_str().unwrap().to_string()).collect()
    }

    #[test]
    fn strings_sort_by_case_exactness() {
        assert_eq!(sorted("userName", SortOrder::Ascending), ["Alice", "bob", "carol"]);
        assert_eq!(sorted("username", SortOrder::Descending), ["carol", "bob", "Alice"]);
    }

    #[test]
    fn multi_valued_sorts_by_primary_then_first_and_missing_goes_last_then_first() {
        assert_eq!(sorted("emails.value", SortOrder::Ascending), ["bob", "Alice", "carol"]);
        assert_eq!(sorted("emails", SortOrder::Ascending), ["bob", "Alice", "carol"]);
        assert_eq!(sorted("emails.value", SortOrder::Descending), ["carol", "Alice", "bob"]);
    }

    #[test]
    fn date_times_sort_chronologically() {
        // Alice's creation is 2020-01-02T19:00Z: after bob's by the clock, not by the text.
        assert_eq!(sorted("meta.created", SortOrder::Ascending), ["carol", "bob", "Alice"]);
    }

    #[test]
    fn bad_sort_parameters_are_invalid_values() {
        let rt = Registry::builtin().user();
        assert!(SortKey::parse(rt, "shoeSize", SortOrder::Ascending).is_err());
        assert!(
            SortKey::parse(rt, "password", SortOrder::Ascending)
                .unwrap_err()
                .detail
                .contains("never returned")
        );
        assert!(SortKey::parse(rt, "name", SortOrder::Ascending).unwrap_err().detail.contains("complex"));
        assert!(SortOrder::parse(Some("up")).is_err());
        assert_eq!(SortOrder::parse(Some("DESCENDING")).unwrap(), SortOrder::Descending);
    }
}
