//! Which attributes a response carries (RFC 7644 §3.4.2.5, §3.9; RFC 7643 §7 `returned`).
//!
//! `returned: always` attributes are always sent, `never` never, `request` only
//! when named in `attributes`, `default` unless excluded or unless `attributes`
//! names others. The same rules apply at sub-attribute level.

use crate::scim::attr_path::AttrPath;
use crate::scim::error::ScimError;
use crate::scim::schema::{Attribute, Container, Resolved, ResourceType, Returned, Schema};
use serde_json::{Map, Value};

/// One name from `attributes` or `excludedAttributes`, resolved.
#[derive(Debug, Clone)]
struct Selector {
    /// `None` for core and common attributes, else the extension URN.
    container: Option<String>,
    /// `None` when the whole extension is named.
    attr: Option<String>,
    sub: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Projection {
    only: Option<Vec<Selector>>,
    excluded: Vec<Selector>,
    /// Send `returned: never` attributes (the `password-returned` fault).
    pub include_never: bool,
    /// Treat `returned: always` like `default` (the `id-not-always-returned` fault).
    pub always_as_default: bool,
    /// Top-level attributes the client specified in a write: `returned:
    /// request` ones come back in its response (RFC 7643 §7).
    specified: Vec<String>,
}

impl Projection {
    /// The default representation.
    pub fn all() -> Projection {
        Projection::default()
    }

    /// Parses the two comma-separated parameters. Names the resource type does
    /// not define are ignored (the RFC is silent; refusing them would fail
    /// clients that ask one endpoint for another type's attributes).
    pub fn parse(
        rt: &ResourceType,
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Projection, ScimError> {
        let attributes = attributes.filter(|s| !s.trim().is_empty());
        let excluded = excluded.filter(|s| !s.trim().is_empty());
        if attributes.is_some() && excluded.is_some() {
            return Err(ScimError::invalid_value(
                "\"attributes\" and \"excludedAttributes\" are mutually exclusive (RFC 7644 §3.9)",
            ));
        }
        Ok(Projection {
            only: attributes.map(|list| selectors(rt, list)),
            excluded: excluded.map(|list| selectors(rt, list)).unwrap_or_default(),
            ..Projection::default()
        })
    }

    /// The response to a POST, PUT or PATCH that specified these attributes.
    pub fn for_write(mut self, specified: impl IntoIterator<Item = String>) -> Projection {
        self.specified.extend(specified);
        self
    }

    /// Removes from `resource` what this projection does not return.
    pub fn apply(&self, rt: &ResourceType, resource: &mut Map<String, Value>) {
        let keys: Vec<String> = resource.keys().cloned().collect();
        for key in keys {
            if key == "schemas" {
                continue;
            }
            if let Some(Container::Extension(schema)) = rt.schema_for_urn(&key) {
                let keep = match resource.get_mut(&key) {
                    Some(Value::Object(ext)) => {
                        self.filter_extension(ext, schema);
                        !ext.is_empty()
                    }
                    _ => false,
                };
                if !keep {
                    resource.shift_remove(&key);
                    // `schemas` names the schemas of the attributes present (RFC 7643 §3).
                    if let Some(Value::Array(urns)) = resource.get_mut("schemas") {
                        urns.retain(|u| u.as_str() != Some(key.as_str()));
                    }
                }
                continue;
            }
            let Some(attr) = rt.core_attribute(&key) else { continue };
            self.filter_one(resource, None, attr);
        }
    }

    fn filter_extension(&self, ext: &mut Map<String, Value>, schema: &Schema) {
        let keys: Vec<String> = ext.keys().cloned().collect();
        for key in keys {
            match schema.attribute(&key) {
                Some(attr) => self.filter_one(ext, Some(&schema.id), attr),
                None => {
                    ext.shift_remove(&key);
                }
            }
        }
    }

    fn filter_one(&self, holder: &mut Map<String, Value>, container: Option<&str>, attr: &Attribute) {
        match self.decide(container, attr, None) {
            Keep::No => {
                holder.shift_remove(&attr.name);
            }
            Keep::Whole | Keep::Some => self.filter_subs(holder, container, attr),
        }
    }

    /// Keeps the sub-attributes of a kept complex attribute that are returned.
    fn filter_subs(&self, holder: &mut Map<String, Value>, container: Option<&str>, attr: &Attribute) {
        if !attr.is_complex() {
            return;
        }
        let Some(value) = holder.get_mut(&attr.name) else { return };
        let keep_sub = |sub: &Attribute| !matches!(self.decide(container, attr, Some(sub)), Keep::No);
        let mut prune = |v: &mut Value| {
            if let Value::Object(obj) = v {
                obj.retain(|k, _| attr.sub(k).is_none_or(&keep_sub));
            }
        };
        match value {
            Value::Array(items) => {
                items.iter_mut().for_each(&mut prune);
                items.retain(|v| !v.as_object().is_some_and(Map::is_empty));
            }
            other => prune(other),
        }
        let empty = match holder.get(&attr.name) {
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::Object(o)) => o.is_empty(),
            _ => false,
        };
        if empty {
            holder.shift_remove(&attr.name);
        }
    }

    fn decide(&self, container: Option<&str>, attr: &Attribute, sub: Option<&Attribute>) -> Keep {
        let returned = sub.map_or(attr.returned, |s| s.returned);
        match returned {
            Returned::Never if !self.include_never => return Keep::No,
            Returned::Always if !self.always_as_default => return Keep::Whole,
            _ => {}
        }
        if let Some(only) = &self.only {
            if only.iter().any(|s| s.covers(container, attr, sub)) {
                return Keep::Whole;
            }
            // A sub-attribute named alone keeps its parent, partly.
            if sub.is_none() && only.iter().any(|s| s.is_sub_of(container, attr)) {
                return Keep::Some;
            }
            return Keep::No;
        }
        if returned == Returned::Request {
            let named = sub.is_none() && self.specified.iter().any(|n| n.eq_ignore_ascii_case(&attr.name));
            return if named { Keep::Whole } else { Keep::No };
        }
        if self.excluded.iter().any(|s| s.covers(container, attr, sub)) {
            return Keep::No;
        }
        Keep::Whole
    }
}

enum Keep {
    No,
    /// Named, or returned by default: keep, minus sub-attributes not returned.
    Whole,
    /// Only some sub-attributes are named: keep those.
    Some,
}

impl Selector {
    fn same_container(&self, container: Option<&str>) -> bool {
        match (&self.container, container) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
    }

    /// The selector names this attribute, its parent, or its whole extension.
    fn covers(&self, container: Option<&str>, attr: &Attribute, sub: Option<&Attribute>) -> bool {
        if !self.same_container(container) {
            return false;
        }
        let Some(name) = &self.attr else { return true };
        if !name.eq_ignore_ascii_case(&attr.name) {
            return false;
        }
        match (&self.sub, sub) {
            (None, _) => true,
            (Some(s), Some(sub)) => s.eq_ignore_ascii_case(&sub.name),
            (Some(_), None) => false,
        }
    }

    fn is_sub_of(&self, container: Option<&str>, attr: &Attribute) -> bool {
        self.same_container(container)
            && self.sub.is_some()
            && self.attr.as_ref().is_some_and(|a| a.eq_ignore_ascii_case(&attr.name))
    }
}

fn selectors(rt: &ResourceType, list: &str) -> Vec<Selector> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .filter_map(|text| {
            let path = AttrPath::parse(text).ok()?;
            match rt.resolve(&path).ok()? {
                Resolved::Extension(schema) => {
                    Some(Selector { container: Some(schema.id.clone()), attr: None, sub: None })
                }
                Resolved::Attr(r) => Some(Selector {
                    container: r.container.key().map(str::to_string),
                    attr: Some(r.attr.name.clone()),
                    sub: r.sub.map(|s| s.name.clone()),
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::{ENTERPRISE_USER, Registry};
    use serde_json::json;

    fn project(attributes: Option<&str>, excluded: Option<&str>) -> Value {
        let rt = Registry::builtin().user();
        let mut user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER],
            "id": "1", "externalId": "e", "userName": "u", "password": "secret",
            "name": { "givenName": "G", "familyName": "F" },
            "emails": [{ "value": "a@x", "type": "work" }, { "value": "b@x", "type": "home" }],
            "groups": [{ "value": "g1", "display": "G1", "type": "direct" }],
            "meta": { "resourceType": "User", "version": "W/\"1\"" },
            ENTERPRISE_USER: { "department": "D", "costCenter": "C" }
        });
        let p = Projection::parse(rt, attributes, excluded).unwrap();
        p.apply(rt, user.as_object_mut().unwrap());
        user
    }

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object().unwrap().keys().map(String::as_str).collect()
    }

    #[test]
    fn default_drops_never_keeps_the_rest() {
        let v = project(None, None);
        assert!(v.get("password").is_none());
        assert_eq!(
            keys(&v),
            ["schemas", "id", "externalId", "userName", "name", "emails", "groups", "meta", ENTERPRISE_USER]
        );
    }

    #[test]
    fn attributes_keeps_named_plus_always() {
        let v = project(Some("userName"), None);
        assert_eq!(keys(&v), ["schemas", "id", "userName"]);
        let v = project(Some("USERNAME, name.givenName"), None);
        assert_eq!(v["name"], json!({ "givenName": "G" }));
        let v = project(Some("emails.value"), None);
        assert_eq!(v["emails"], json!([{ "value": "a@x" }, { "value": "b@x" }]));
        let v = project(Some("password"), None);
        assert!(v.get("password").is_none(), "returned: never beats attributes");
        let v = project(Some("meta.version"), None);
        assert_eq!(v["meta"], json!({ "version": "W/\"1\"" }));
    }

    #[test]
    fn attributes_reaches_into_extensions() {
        let v = project(Some(&format!("{ENTERPRISE_USER}:department")), None);
        assert_eq!(v[ENTERPRISE_USER], json!({ "department": "D" }));
        let v = project(Some(ENTERPRISE_USER), None);
        assert_eq!(v[ENTERPRISE_USER], json!({ "department": "D", "costCenter": "C" }));
        let v = project(Some("userName"), None);
        assert!(v.get(ENTERPRISE_USER).is_none());
        assert_eq!(
            v["schemas"],
            json!(["urn:ietf:params:scim:schemas:core:2.0:User"]),
            "schemas follows what is present"
        );
    }

    #[test]
    fn excluded_removes_default_attributes_but_not_always_ones() {
        let v = project(None, Some("emails,id,name.familyName,groups"));
        assert!(v.get("emails").is_none() && v.get("groups").is_none());
        assert_eq!(v["id"], "1");
        assert_eq!(v["name"], json!({ "givenName": "G" }));
        let v = project(None, Some(&format!("{ENTERPRISE_USER}:costCenter")));
        assert_eq!(v[ENTERPRISE_USER], json!({ "department": "D" }));
        let v = project(None, Some(ENTERPRISE_USER));
        assert!(v.get(ENTERPRISE_USER).is_none());
    }

    #[test]
    fn unknown_names_are_ignored_and_both_parameters_are_refused() {
        let v = project(Some("userName,shoeSize,name.nope"), None);
        assert_eq!(keys(&v), ["schemas", "id", "userName"]);
        let rt = Registry::builtin().user();
        assert!(Projection::parse(rt, Some("userName"), Some("emails")).is_err());
    }

    #[test]
    fn fault_switches_change_what_is_returned() {
        let rt = Registry::builtin().user();
        let mut p = Projection::parse(rt, Some("userName"), None).unwrap();
        p.include_never = true;
        p.always_as_default = true;
        let mut user = json!({ "schemas": [], "id": "1", "userName": "u", "password": "p" });
        p.apply(rt, user.as_object_mut().unwrap());
        assert_eq!(keys(&user), ["schemas", "userName"]);
        let mut user = json!({ "schemas": [], "id": "1", "userName": "u", "password": "p" });
        let mut all = Projection::all();
        all.include_never = true;
        all.apply(rt, user.as_object_mut().unwrap());
        assert_eq!(user["password"], "p");
    }
}
