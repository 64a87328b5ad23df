//! Reading SCIM messages (PatchOp, SearchRequest, BulkRequest): their attribute
//! names are case-insensitive like every SCIM attribute name (RFC 7643 §2.1).

use serde_json::{Map, Value};

/// The value of `key`, matched ignoring case (an exact match wins).
pub fn get<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// The value of `key` to change, matched as [`get`] matches it.
pub fn get_mut<'v>(obj: &'v mut Map<String, Value>, key: &str) -> Option<&'v mut Value> {
    let found = if obj.contains_key(key) {
        key.to_string()
    } else {
        obj.keys().find(|k| k.eq_ignore_ascii_case(key))?.clone()
    };
    obj.get_mut(&found)
}

/// Whether the message's `schemas` lists `urn`.
pub fn declares(obj: &Map<String, Value>, urn: &str) -> bool {
    get(obj, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(urn))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_match_ignoring_case_and_schemas_are_checked() {
        let v = json!({ "SCHEMAS": ["urn:X"], "Operations": 1, "operations": 2 });
        let obj = v.as_object().unwrap();
        assert_eq!(get(obj, "operations"), Some(&json!(2)));
        assert_eq!(get(obj, "OPERATIONS"), Some(&json!(1)));
        assert!(declares(obj, "urn:x"));
        assert!(!declares(obj, "urn:y"));
        assert!(!declares(json!({ "schemas": "urn:X" }).as_object().unwrap(), "urn:X"));
    }
}
