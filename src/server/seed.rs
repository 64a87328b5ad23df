//! Initial data for `scimitar serve --seed FILE`.
//!
//! The file is a JSON object keyed by endpoint name, each an array of resources
//! written as a client would POST them:
//! `{"Users": [{"schemas": [...], "userName": "..."}], "Groups": [...]}`.
//! A resource may carry an `id`, which is kept, so groups can list seeded users.

use super::service::Service;
use crate::scim::schema::Registry;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Seed {
    /// (endpoint, resources), in resource-type order so users exist before groups name them.
    sets: Vec<(String, Vec<Value>)>,
}

impl Seed {
    /// The seed data in the JSON file at `path`.
    pub fn read(path: &std::path::Path) -> Result<Seed, crate::file_error::FileError> {
        let text = crate::file_error::FileError::read(path)?;
        Seed::from_json(&text).map_err(|e| crate::file_error::FileError::invalid(path, e))
    }

    pub fn from_json(text: &str) -> Result<Seed, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let Value::Object(obj) = value else {
            return Err("expected an object such as {\"Users\": [...], \"Groups\": [...]}".into());
        };
        let registry = Registry::builtin();
        for key in obj.keys() {
            if registry.by_endpoint(key).is_none() {
                let known: Vec<_> =
                    registry.resource_types.iter().map(|r| r.endpoint.trim_start_matches('/')).collect();
                return Err(format!("\"{key}\" is not an endpoint; use {}", known.join(" or ")));
            }
        }
        let mut sets = Vec::new();
        for rt in &registry.resource_types {
            let endpoint = rt.endpoint.trim_start_matches('/');
            match obj.get(endpoint) {
                None => {}
                Some(Value::Array(items)) => sets.push((endpoint.to_string(), items.clone())),
                Some(_) => return Err(format!("\"{endpoint}\" must be an array of resources")),
            }
        }
        Ok(Seed { sets })
    }

    pub fn len(&self) -> usize {
        self.sets.iter().map(|(_, items)| items.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn load(&self, svc: &Service<'_>) -> Result<(), String> {
        for (endpoint, items) in &self.sets {
            let rt = svc.registry.by_endpoint(endpoint).ok_or_else(|| format!("no endpoint {endpoint}"))?;
            for (i, item) in items.iter().enumerate() {
                let id = item.get("id").and_then(Value::as_str);
                svc.create_with_id(rt, item, id).map_err(|e| format!("{endpoint}[{i}]: {e}"))?;
            }
        }
        Ok(())
    }
}
