//! One tenant's data: resources as compact JSON text, with indexes.
//!
//! A resource is kept as its canonical JSON serialized (about 500 bytes for a
//! typical user) rather than as a `serde_json::Value` tree (several KiB), and
//! parsed when read. Lookups by `userName`, `externalId` and group
//! `displayName` go through hash indexes; membership is indexed both ways so
//! `User.groups` and member cleanup never scan groups.
//!
//! This module knows nothing of HTTP or SCIM rules beyond which attributes to
//! index; `service` applies the rules and holds the lock while doing so.

use crate::scim::schema::{AttrType, Registry, ResourceType, Uniqueness};
use indexmap::{IndexMap, IndexSet};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

pub type Id = Arc<str>;

/// A stored resource.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Canonical JSON with `id` and `meta` (`resourceType`, `created`,
    /// `lastModified`), without computed attributes (`groups`, `meta.location`,
    /// `meta.version`, members' `$ref` and `display`).
    pub body: Box<str>,
    pub version: u64,
    /// What a reference to this resource shows as `display`.
    pub display: Option<Box<str>>,
}

impl Entry {
    pub fn parse(&self) -> Map<String, Value> {
        match serde_json::from_str(&self.body) {
            Ok(Value::Object(map)) => map,
            // Only `Collection::put` writes bodies, always from a map.
            _ => Map::new(),
        }
    }
}

/// An exact-match index on one top-level string attribute.
#[derive(Debug)]
struct Index {
    attr: &'static str,
    /// Fold case in keys: the attribute is not caseExact.
    fold: bool,
    map: HashMap<Box<str>, Vec<Id>>,
}

impl Index {
    fn key(&self, value: &str) -> Box<str> {
        // userName compares after PRECIS preparation (RFC 7644 §5), which folds case too.
        if self.attr == "userName" {
            crate::scim::precis::username(value).into()
        } else if self.fold {
            value.to_lowercase().into()
        } else {
            value.into()
        }
    }
}

/// All resources of one resource type in one tenant, in creation order.
#[derive(Debug)]
pub struct Collection {
    pub rt: &'static ResourceType,
    entries: IndexMap<Id, Entry>,
    indexes: Vec<Index>,
}

impl Collection {
    fn new(rt: &'static ResourceType) -> Collection {
        // Unique attributes and externalId: the attributes clients look resources up by.
        let indexes = rt
            .core
            .attributes
            .iter()
            .chain(rt.common.iter())
            .filter(|a| a.ty == AttrType::String && !a.multi_valued && a.name != "id")
            .filter(|a| a.uniqueness != Uniqueness::None || a.name == "externalId")
            .map(|a| Index { attr: a.name.as_str(), fold: !a.case_exact, map: HashMap::new() })
            .collect();
        Collection { rt, entries: IndexMap::new(), indexes }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.get(id)
    }

    /// Entries in creation order.
    pub fn iter(&self) -> impl Iterator<Item = (&Id, &Entry)> {
        self.entries.iter()
    }

    pub fn get_index(&self, i: usize) -> Option<(&Id, &Entry)> {
        self.entries.get_index(i)
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.entries.get_index_of(id)
    }

    pub fn is_indexed(&self, attr: &str) -> bool {
        self.indexes.iter().any(|i| i.attr == attr)
    }

    /// Ids whose `attr` equals `value` under the index's case rule, in no order.
    pub fn lookup(&self, attr: &str, value: &str) -> &[Id] {
        self.indexes
            .iter()
            .find(|i| i.attr == attr)
            .and_then(|i| i.map.get(&i.key(value)))
            .map_or(&[], Vec::as_slice)
    }

    /// Inserts or replaces a resource; `resource` must be canonical and carry `id`.
    pub fn put(&mut self, id: Id, resource: &Map<String, Value>, version: u64) {
        self.unindex(&id);
        for index in &mut self.indexes {
            if let Some(Value::String(v)) = resource.get(index.attr) {
                let key = index.key(v);
                index.map.entry(key).or_default().push(id.clone());
            }
        }
        let display = ["displayName", "userName"]
            .iter()
            .find_map(|k| resource.get(*k).and_then(Value::as_str))
            .map(Box::from);
        let body = serde_json::to_string(resource).unwrap_or_default().into_boxed_str();
        self.entries.insert(id, Entry { body, version, display });
    }

    pub fn remove(&mut self, id: &str) -> Option<Entry> {
        self.unindex(id);
        // Keep creation order for paging: shifting is O(n), deletions are rare.
        self.entries.shift_remove(id)
    }

    fn unindex(&mut self, id: &str) {
        let Some(old) = self.entries.get(id) else { return };
        let old = old.parse();
        for index in &mut self.indexes {
            if let Some(Value::String(v)) = old.get(index.attr) {
                let key = index.key(v);
                if let Some(ids) = index.map.get_mut(&key) {
                    ids.retain(|x| &**x != id);
                    if ids.is_empty() {
                        index.map.remove(&key);
                    }
                }
            }
        }
    }
}

/// Everything one tenant holds.
#[derive(Debug)]
pub struct Data {
    collections: Vec<Collection>,
    /// Member id → ids of the groups that list it directly.
    memberships: HashMap<Id, IndexSet<Id>>,
    /// Source of resource versions: unique across the tenant, never reused.
    clock: u64,
}

impl Data {
    pub fn new(registry: &'static Registry) -> Data {
        Data {
            collections: registry.resource_types.iter().map(Collection::new).collect(),
            memberships: HashMap::new(),
            clock: 0,
        }
    }

    pub fn collection(&self, rt: &ResourceType) -> &Collection {
        self.collections.iter().find(|c| c.rt.id == rt.id).expect("every resource type has a collection")
    }

    pub fn collection_mut(&mut self, rt: &ResourceType) -> &mut Collection {
        self.collections.iter_mut().find(|c| c.rt.id == rt.id).expect("every resource type has a collection")
    }

    /// The collection holding `id`, whatever its type.
    pub fn find(&self, id: &str) -> Option<(&Collection, &Entry)> {
        self.collections.iter().find_map(|c| c.get(id).map(|e| (c, e)))
    }

    pub fn next_version(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    pub fn groups_of(&self, member: &str) -> impl Iterator<Item = &Id> {
        self.memberships.get(member).into_iter().flatten()
    }

    /// Records that `group` now lists exactly `members`.
    pub fn set_members(&mut self, group: &Id, old: &[Id], new: &[Id]) {
        for m in old.iter().filter(|m| !new.contains(m)) {
            if let Some(groups) = self.memberships.get_mut(m) {
                groups.shift_remove(group);
                if groups.is_empty() {
                    self.memberships.remove(m);
                }
            }
        }
        for m in new {
            self.memberships.entry(m.clone()).or_default().insert(group.clone());
        }
    }

    /// Forgets every membership of `member`, returning the groups that listed it.
    pub fn take_memberships(&mut self, member: &str) -> Vec<Id> {
        self.memberships.remove(member).map(|s| s.into_iter().collect()).unwrap_or_default()
    }
}

/// The member ids a group resource lists.
pub fn member_ids(resource: &Map<String, Value>) -> Vec<Id> {
    match resource.get("members") {
        Some(Value::Array(items)) => {
            items.iter().filter_map(|m| m.get("value").and_then(Value::as_str)).map(Id::from).collect()
        }
        _ => Vec::new(),
    }
}
