//! The SCIM operations on one tenant: create, read, replace, patch, delete.
//!
//! HTTP handlers and Bulk both call these, so a Bulk POST behaves exactly like
//! a POST. Each operation takes the tenant's lock once, does its work without
//! awaiting, and releases it: no lock is held across an await.

use super::Tenant;
use super::bent;
use super::http::etag_matches;
use super::store::{Collection, Data, Entry, Id, member_ids};
use super::variant::{Variant, VariantSet};
use crate::faults::{Fault, FaultSet};
use crate::scim::datetime;
use crate::scim::error::{ScimError, ScimType};
use crate::scim::normalize::{self, Normalizer};
use crate::scim::patch::{self, Patcher};
use crate::scim::quirks::Leniency;
use crate::scim::schema::{AttrType, Mutability, Registry, ResourceType, Uniqueness};
use serde_json::{Map, Value, json};
use std::sync::{PoisonError, RwLockReadGuard, RwLockWriteGuard};

/// Everything an operation needs besides its arguments.
pub struct Service<'a> {
    pub registry: &'static Registry,
    pub leniency: &'a Leniency,
    pub faults: FaultSet,
    pub variants: VariantSet,
    /// Absolute base URL of the tenant, for `meta.location` and `$ref`.
    pub base: &'a str,
    pub tenant: &'a Tenant,
}

/// A resource as the service provider represents it, before projection.
#[derive(Debug, Clone)]
pub struct Saved {
    pub id: Id,
    pub version: u64,
    pub view: Map<String, Value>,
}

impl<'a> Service<'a> {
    pub fn read(&self) -> RwLockReadGuard<'a, Data> {
        // A panic while holding the lock cannot leave half a write behind: every
        // write builds the new entry first and inserts it last.
        self.tenant.data.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'a, Data> {
        self.tenant.data.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The entity tag of a version, or none under the `no-etag` fault or variant.
    pub fn version_tag(&self, version: u64) -> Option<String> {
        if self.variants.has(Variant::NoEtag) {
            return None;
        }
        if self.faults.has(Fault::EtagUnquoted) {
            return Some(format!("W/{version}"));
        }
        (!self.faults.has(Fault::NoEtag)).then(|| super::http::etag(version))
    }

    pub fn location(&self, rt: &ResourceType, id: &str) -> String {
        if self.faults.has(Fault::LocationWithoutPrefix) {
            // scheme://host, then the endpoint: the tenant's path prefix is lost.
            let host_end = self.base.find("://").map_or(0, |i| i + 3);
            let root = self.base[host_end..].find('/').map_or(self.base, |i| &self.base[..host_end + i]);
            return format!("{root}{}/{}", rt.endpoint, id);
        }
        format!("{}{}/{}", self.base, rt.endpoint, id)
    }

    /// POST (RFC 7644 §3.3).
    pub fn create(&self, rt: &'static ResourceType, body: &Value) -> Result<Saved, ScimError> {
        self.create_with_id(rt, body, None)
    }

    /// Creates a resource; `id` is chosen by the server unless seeding gives one.
    pub fn create_with_id(
        &self,
        rt: &'static ResourceType,
        body: &Value,
        id: Option<&str>,
    ) -> Result<Saved, ScimError> {
        let mut resource = self.normalize(rt, body)?;
        let mut data = self.write();
        let chosen = match id {
            Some(id) => Some(id.to_string()),
            None if self.faults.has(Fault::ReadOnlyStored) => {
                body.get("id").and_then(Value::as_str).map(str::to_string)
            }
            None if self.faults.has(Fault::IdFromName) => ["userName", "displayName"]
                .iter()
                .find_map(|k| resource.get(*k).and_then(Value::as_str))
                .map(str::to_string),
            None => None,
        };
        // A server that derives ids from names keeps them unique per table
        // only: a user and a group of one name share an id.
        let taken = |id: &str| match self.faults.has(Fault::IdFromName) {
            true => data.collection(rt).get(id).is_some(),
            false => data.find(id).is_some(),
        };
        let id: Id = match chosen {
            Some(id) if taken(&id) => {
                return Err(ScimError::uniqueness(format!("id \"{id}\" is already in use")));
            }
            Some(id) => Id::from(id.as_str()),
            None => Id::from(uuid::Uuid::new_v4().to_string()),
        };
        self.check_members(&data, &id, &mut resource)?;
        self.check_unique(data.collection(rt), &resource, None)?;
        let now = self.timestamp(datetime::now());
        let modified = if self.faults.has(Fault::LastModifiedDiffers) {
            self.timestamp(datetime::now() + time::Duration::milliseconds(1))
        } else {
            now.clone()
        };
        resource.insert("id".into(), Value::from(&*id));
        if self.faults.has(Fault::ExternalIdInvented) && !resource.contains_key("externalId") {
            resource.insert("externalId".into(), Value::from(&*id));
        }
        let resource_type = if self.faults.has(Fault::MetaResourceTypePlural) {
            rt.endpoint.trim_start_matches('/').to_string()
        } else {
            rt.name.clone()
        };
        let client_meta = resource.shift_remove("meta");
        resource.insert(
            "meta".into(),
            json!({ "resourceType": resource_type, "created": now, "lastModified": modified }),
        );
        if let (Some(Value::Object(sent)), Some(meta)) = (client_meta, resource["meta"].as_object_mut()) {
            meta.extend(sent);
        }
        normalize::order_keys(rt, &mut resource);
        let version = data.next_version();
        let members = member_ids(&resource);
        data.collection_mut(rt).put(id.clone(), &resource, version);
        data.set_members(&id, &[], &members);
        Ok(self.saved(&data, rt, &id))
    }

    /// GET of one resource.
    pub fn get(&self, rt: &'static ResourceType, id: &str) -> Result<Saved, ScimError> {
        let data = self.read();
        data.collection(rt).get(id).ok_or_else(|| not_found(rt, id))?;
        Ok(self.saved(&data, rt, id))
    }

    /// PUT (RFC 7644 §3.5.1): the body replaces every client-writable attribute.
    pub fn replace(
        &self,
        rt: &'static ResourceType,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Result<Saved, ScimError> {
        let mut resource = self.normalize(rt, body)?;
        if self.faults.has(Fault::PasswordChangeRefused) && resource.contains_key("password") {
            return Err(password_change_refused());
        }
        if self.variants.has(Variant::NoChangePassword) && resource.contains_key("password") {
            if self.variants.refuses_with_501() {
                return Err(password_change_not_implemented());
            }
            resource.shift_remove("password");
        }
        if self.faults.has(Fault::PutCreates) && self.read().collection(rt).get(id).is_none() {
            return self.create_with_id(rt, body, Some(id));
        }
        let mut data = self.write();
        let entry = data.collection(rt).get(id).ok_or_else(|| not_found(rt, id))?.clone();
        self.check_precondition(&entry, if_match)?;
        let old = entry.parse();
        for (container, attr) in rt.all_attributes() {
            let before = holder(&old, container.key()).and_then(|h| h.get(&attr.name)).cloned();
            let Some(before) = before else { continue };
            let after = holder(&resource, container.key()).and_then(|h| h.get(&attr.name));
            match (attr.mutability, after) {
                // "If one or more values are already set for the attribute, the
                // input value(s) MUST match" (§3.5.1).
                (Mutability::Immutable, Some(after)) if *after != before => {
                    return Err(ScimError::mutability(format!(
                        "'{}' is immutable and already set; PUT must repeat its value",
                        attr.name
                    )));
                }
                // An immutable value left out is kept, not erased: omitted
                // attributes are "not asserted by the client" (§3.5.1). A
                // writeOnly value cannot even be read back to be repeated.
                (Mutability::Immutable | Mutability::WriteOnly, None) => {
                    holder_mut(&mut resource, container.key()).insert(attr.name.clone(), before);
                }
                _ => {}
            }
        }
        if self.faults.has(Fault::PutMerges) {
            let mut merged = old.clone();
            merged.extend(resource);
            resource = merged;
        }
        resource.insert("id".into(), Value::from(id));
        let mut meta = old.get("meta").cloned().unwrap_or(Value::Null);
        if let (Some(Value::Object(sent)), Some(kept)) = (resource.get("meta").cloned(), meta.as_object_mut())
            && self.faults.has(Fault::ReadOnlyStored)
        {
            kept.extend(sent);
        }
        resource.insert("meta".into(), meta);
        normalize::tidy(rt, &mut resource);
        if self.faults.has(Fault::SchemasAsSent)
            && let Some(sent) = body.get("schemas")
        {
            resource.insert("schemas".into(), sent.clone());
        }
        let id = Id::from(id);
        self.check_members(&data, &id, &mut resource)?;
        self.check_unique(data.collection(rt), &resource, Some(&id))?;
        self.commit(&mut data, rt, &id, &entry, old, resource);
        Ok(self.saved(&data, rt, &id))
    }

    /// PATCH (RFC 7644 §3.5.2), all or nothing.
    pub fn patch(
        &self,
        rt: &'static ResourceType,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Result<Saved, ScimError> {
        let ops = patch::parse_request(body, self.leniency)?;
        let mut data = self.write();
        let entry = data.collection(rt).get(id).ok_or_else(|| not_found(rt, id))?.clone();
        self.check_precondition(&entry, if_match)?;
        let old = entry.parse();
        let mut work = old.clone();
        let id = Id::from(id);
        let outcome = Patcher::new(rt, self.leniency, self.faults)
            .apply(&mut work, &ops)
            .and_then(|()| match work.get("password") {
                Some(p)
                    if self.faults.has(Fault::PasswordChangeRefused) && old.get("password") != Some(p) =>
                {
                    Err(password_change_refused())
                }
                Some(p) if self.variants.has(Variant::NoChangePassword) && old.get("password") != Some(p) => {
                    if self.variants.refuses_with_501() {
                        return Err(password_change_not_implemented());
                    }
                    match old.get("password") {
                        Some(kept) => work.insert("password".into(), kept.clone()),
                        None => work.shift_remove("password"),
                    };
                    Ok(())
                }
                _ => Ok(()),
            })
            .and_then(|()| self.check_members(&data, &id, &mut work))
            .and_then(|()| self.check_unique(data.collection(rt), &work, Some(&id)));
        if let Err(e) = outcome {
            if self.faults.has(Fault::PatchNotAtomic) && work != old {
                normalize::tidy(rt, &mut work);
                self.commit(&mut data, rt, &id, &entry, old, work);
            }
            return Err(e);
        }
        if self.faults.has(Fault::ImplicitSchemaNotAdded) {
            work.insert("schemas".into(), old.get("schemas").cloned().unwrap_or(Value::Null));
        }
        if self.faults.has(Fault::PatchRewritesSchemas) {
            work.insert("schemas".into(), json!([patch::PATCH_OP]));
        }
        // "Unless other operations change the resource, this operation SHALL NOT
        // change the modify timestamp of the resource" (§3.5.2.1).
        if work != old || self.faults.has(Fault::NoOpPatchTouches) {
            self.commit(&mut data, rt, &id, &entry, old, work);
        }
        Ok(self.saved(&data, rt, &id))
    }

    /// DELETE (RFC 7644 §3.6). Returns what was deleted.
    pub fn delete(
        &self,
        rt: &'static ResourceType,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<Saved, ScimError> {
        let mut data = self.write();
        let entry = match data.collection(rt).get(id) {
            Some(entry) => entry.clone(),
            None if self.faults.has(Fault::DeleteUnknown204) => {
                return Ok(Saved { id: Id::from(id), version: 0, view: Map::new() });
            }
            None => return Err(not_found(rt, id)),
        };
        self.check_precondition(&entry, if_match)?;
        let gone = self.saved(&data, rt, id);
        if self.faults.has(Fault::DeletedStillServed) {
            return Ok(gone);
        }
        if self.faults.has(Fault::DeleteDeactivates) && rt.name == "User" {
            let old = entry.parse();
            let mut new = old.clone();
            new.insert("active".into(), Value::Bool(false));
            if new != old {
                self.commit(&mut data, rt, &Id::from(id), &entry, old, new);
            }
            return Ok(gone);
        }
        data.collection_mut(rt).remove(id);
        let id = Id::from(id);
        // Its own members no longer belong to it.
        data.set_members(&id, &member_ids(&entry.parse()), &[]);
        // Referential integrity: groups that listed it stop listing it.
        if !self.faults.has(Fault::DeletedMemberKept) {
            for group_id in data.take_memberships(&id) {
                let group_rt = self.registry.group();
                let Some(group) = data.collection(group_rt).get(&group_id).cloned() else { continue };
                let old = group.parse();
                let mut new = old.clone();
                if let Some(Value::Array(members)) = new.get_mut("members") {
                    members.retain(|m| m.get("value").and_then(Value::as_str) != Some(&*id));
                    if members.is_empty() {
                        new.shift_remove("members");
                    }
                }
                self.commit(&mut data, group_rt, &group_id, &group, old, new);
            }
        }
        Ok(gone)
    }

    /// Client JSON to a canonical resource, with the faults that weaken validation.
    fn normalize(&self, rt: &'static ResourceType, body: &Value) -> Result<Map<String, Value>, ScimError> {
        let faults = self.faults;
        if faults.has(Fault::CoreSchemaFirst) {
            let first = body.as_object().and_then(|o| o.iter().next());
            let core_first = matches!(first, Some((k, Value::Array(urns)))
                if k == "schemas" && urns.first().and_then(Value::as_str) == Some(rt.core.id.as_str()));
            if !core_first {
                return Err(ScimError::invalid_syntax(format!(
                    "the body must begin with \"schemas\": [\"{}\", ...]",
                    rt.core.id
                )));
            }
        }
        if faults.has(Fault::NullRejected)
            && let Some((key, _)) = body
                .as_object()
                .and_then(|o| o.iter().find(|(_, v)| v.is_null() || v.as_array().is_some_and(Vec::is_empty)))
        {
            return Err(ScimError::invalid_value(format!("'{key}' has no value")));
        }
        let mut input = body.clone();
        if faults.has(Fault::NonBmpMangled) {
            input = bent::mangle_non_bmp(&input);
        }
        if faults.has(Fault::SchemasAsSent) {
            input = bent::known_schemas_only(rt, &input);
        }
        let mut primaries = Vec::new();
        if faults.has(Fault::ManyPrimariesAccepted) {
            (input, primaries) = bent::hide_extra_primaries(&input);
        }
        let normalizer = Normalizer::new(rt, self.leniency)
            .with_faults(faults)
            .ignoring_unknown(self.variants.has(Variant::TrimmedSchema));
        let mut resource = match normalizer.resource(&input) {
            Ok(r) => r,
            Err(e) if faults.has(Fault::WrongTypeAccepted) && e.scim_type == Some(ScimType::InvalidValue) => {
                let mut raw = input.as_object().cloned().unwrap_or_default();
                for key in ["id", "meta", "groups"] {
                    raw.shift_remove(key);
                }
                raw
            }
            Err(e) => return Err(e),
        };
        match normalize::check(rt, &resource, ScimType::InvalidValue) {
            Err(e) if !faults.has(Fault::RequiredNotEnforced) => return Err(e),
            _ => normalize::tidy(rt, &mut resource),
        }
        if faults.has(Fault::SchemasAsSent)
            && let Some(sent) = body.get("schemas")
        {
            resource.insert("schemas".into(), sent.clone());
        }
        bent::restore_primaries(&mut resource, &primaries);
        if faults.has(Fault::PrimaryInvented) {
            bent::invent_primaries(rt, &mut resource);
        }
        if faults.has(Fault::CaseExactIgnored)
            && let Some(Value::String(external)) = resource.get_mut("externalId")
        {
            *external = external.to_lowercase();
        }
        if faults.has(Fault::ReadOnlyStored) {
            for key in ["meta", "groups"] {
                if let Some(v) = body.get(key) {
                    resource.insert(key.into(), v.clone());
                }
            }
        }
        Ok(resource)
    }

    /// Stores a new state of an existing resource: new `lastModified` and version,
    /// indexes and memberships updated.
    fn commit(
        &self,
        data: &mut Data,
        rt: &ResourceType,
        id: &Id,
        entry: &Entry,
        old: Map<String, Value>,
        mut new: Map<String, Value>,
    ) {
        let mut meta = old.get("meta").cloned().unwrap_or_else(|| json!({}));
        let now = Value::from(self.timestamp(datetime::now()));
        if !self.faults.has(Fault::LastModifiedFrozen) {
            meta["lastModified"] = now.clone();
        }
        if self.faults.has(Fault::CreatedBumped) {
            meta["created"] = now;
        }
        if let (Some(Value::Object(sent)), Some(kept)) = (new.get("meta"), meta.as_object_mut())
            && self.faults.has(Fault::ReadOnlyStored)
        {
            kept.extend(sent.clone());
        }
        new.insert("meta".into(), meta);
        new.insert("id".into(), Value::from(&**id));
        normalize::order_keys(rt, &mut new);
        let version =
            if self.faults.has(Fault::VersionNotBumped) { entry.version } else { data.next_version() };
        let (before, after) = (member_ids(&old), member_ids(&new));
        data.collection_mut(rt).put(id.clone(), &new, version);
        data.set_members(id, &before, &after);
    }

    /// An xsd:dateTime, or under a fault the form a database prints.
    fn timestamp(&self, at: time::OffsetDateTime) -> String {
        if self.faults.has(Fault::MetaTimesNotDatetime) {
            let text = datetime::format(at);
            return text
                .replacen('T', " ", 1)
                .trim_end_matches('Z')
                .split('.')
                .next()
                .unwrap_or_default()
                .to_string();
        }
        if self.variants.has(Variant::WholeSeconds) {
            return at.replace_nanosecond(0).map_or_else(
                |_| datetime::format(at),
                |whole| datetime::format(whole).replace(".000Z", "Z"),
            );
        }
        datetime::format(at)
    }

    /// If-Match on PUT, PATCH and DELETE (RFC 7644 §3.14): a stale version is 412.
    fn check_precondition(&self, entry: &Entry, if_match: Option<&str>) -> Result<(), ScimError> {
        let Some(wanted) = if_match else { return Ok(()) };
        // Without versioning there is nothing to compare (RFC 7644 §3.14: "If the
        // service provider supports versioning of resources, the client MAY supply
        // an If-Match header").
        if self.variants.has(Variant::NoEtag) {
            return Ok(());
        }
        let strong_only = self.faults.has(Fault::IfMatchWeakNeverMatches) && wanted.trim().starts_with("W/");
        if self.faults.has(Fault::IfMatchIgnored)
            || (!strong_only && etag_matches(wanted, &super::http::etag(entry.version)))
        {
            return Ok(());
        }
        Err(ScimError::new(
            412,
            None,
            format!(
                "If-Match {wanted} does not match the current version {}; read the resource again",
                super::http::etag(entry.version)
            ),
        ))
    }

    /// Group members must exist in this tenant (RFC 7643 §4.2: `value` is the
    /// `id` of a SCIM resource); `type` is filled in; `$ref` is computed on read
    /// from the member's location, so it is not stored. A `display` the client
    /// sent is kept as sent (clients compare what they wrote with what they read).
    fn check_members(
        &self,
        data: &Data,
        group_id: &str,
        resource: &mut Map<String, Value>,
    ) -> Result<(), ScimError> {
        let Some(Value::Array(members)) = resource.get_mut("members") else { return Ok(()) };
        for (i, member) in members.iter_mut().enumerate() {
            let Some(obj) = member.as_object_mut() else { continue };
            let Some(value) = obj.get("value").and_then(Value::as_str).map(str::to_string) else {
                return Err(ScimError::invalid_value(format!(
                    "members[{i}] has no \"value\" (the member's id)"
                )));
            };
            if value == group_id {
                return Err(ScimError::invalid_value(format!(
                    "members[{i}]: a group cannot be a member of itself"
                )));
            }
            // A server that leaves Bulk's "bulkId:..." references unresolved
            // stores them as they came, unchecked.
            if value.starts_with("bulkId:") && self.faults.has(Fault::BulkIdNotResolved) {
                continue;
            }
            let (collection, _) = data.find(&value).ok_or_else(|| {
                ScimError::invalid_value(format!("members[{i}]: no User or Group has the id \"{value}\""))
            })?;
            let actual = collection.rt.name.as_str();
            match obj.get("type").and_then(Value::as_str) {
                Some(t) if t != actual => {
                    return Err(ScimError::invalid_value(format!(
                        "members[{i}]: \"{value}\" is a {actual}, not a {t}"
                    )));
                }
                _ => {
                    obj.insert("type".into(), Value::from(actual));
                }
            }
            obj.shift_remove("$ref");
        }
        Ok(())
    }

    /// `uniqueness: server` attributes (userName; group displayName) are unique
    /// in the tenant, compared by the attribute's caseExact (RFC 7643 §7).
    fn check_unique(
        &self,
        collection: &Collection,
        resource: &Map<String, Value>,
        me: Option<&Id>,
    ) -> Result<(), ScimError> {
        if self.faults.has(Fault::NoUniquenessConflict) {
            return Ok(());
        }
        let rt = collection.rt;
        for attr in rt.core.attributes.iter() {
            if attr.uniqueness == Uniqueness::None || attr.ty != AttrType::String || attr.multi_valued {
                continue;
            }
            let Some(Value::String(value)) = resource.get(&attr.name) else { continue };
            for other in collection.lookup(&attr.name, value) {
                if Some(other) == me {
                    continue;
                }
                if self.faults.has(Fault::UniquenessCaseSensitive) {
                    let theirs = collection.get(other).map(Entry::parse);
                    if theirs.as_ref().and_then(|t| t.get(&attr.name)) != Some(&Value::from(value.as_str())) {
                        continue;
                    }
                }
                let status = if self.faults.has(Fault::Uniqueness400) { 400 } else { 409 };
                return Err(ScimError::new(
                    status,
                    Some(ScimType::Uniqueness),
                    format!(
                        "{} \"{value}\" is already taken by another {} ({} is unique{})",
                        attr.name,
                        rt.name,
                        attr.name,
                        if attr.case_exact { "" } else { ", ignoring case" }
                    ),
                ));
            }
        }
        Ok(())
    }

    fn saved(&self, data: &Data, rt: &ResourceType, id: &str) -> Saved {
        let entry = data.collection(rt).get(id).cloned().unwrap_or_else(|| Entry {
            body: "{}".into(),
            version: 0,
            display: None,
        });
        Saved { id: Id::from(id), version: entry.version, view: self.render(data, rt, id, &entry) }
    }

    /// The full representation: stored data plus what is computed on read.
    pub fn render(&self, data: &Data, rt: &ResourceType, id: &str, entry: &Entry) -> Map<String, Value> {
        self.decorate(data, rt, id, entry.version, entry.parse())
    }

    /// Adds what is computed on read (`meta.location`, `meta.version`, members'
    /// `$ref` and `display`, `User.groups`) to a stored resource already parsed.
    pub fn decorate(
        &self,
        data: &Data,
        rt: &ResourceType,
        id: &str,
        version: u64,
        mut view: Map<String, Value>,
    ) -> Map<String, Value> {
        if let Some(Value::Object(meta)) = view.get_mut("meta") {
            if !self.faults.has(Fault::NoMetaLocation) {
                meta.insert("location".into(), Value::from(self.location(rt, id)));
            }
            if let Some(tag) = self.version_tag(version) {
                meta.insert("version".into(), Value::from(tag));
            }
        }
        if let Some(Value::Array(members)) = view.get_mut("members") {
            for member in members.iter_mut().filter_map(Value::as_object_mut) {
                let Some(value) = member.get("value").and_then(Value::as_str) else { continue };
                if let Some((collection, target)) = data.find(value) {
                    member.insert("$ref".into(), Value::from(self.location(collection.rt, value)));
                    if !member.contains_key("display")
                        && let Some(display) = &target.display
                    {
                        member.insert("display".into(), Value::from(&**display));
                    }
                }
            }
        }
        if self.faults.has(Fault::SchemasOmitted) {
            view.shift_remove("schemas");
        }
        if self.faults.has(Fault::ExtensionFlattened) {
            bent::flatten_extensions(rt, &mut view);
        }
        if rt.core_attribute("groups").is_some() && !self.faults.has(Fault::UserGroupsMissing) {
            let group_rt = self.registry.group();
            let groups: Vec<Value> = data
                .groups_of(id)
                .filter_map(|gid| {
                    let group = data.collection(group_rt).get(gid)?;
                    let mut g =
                        json!({ "value": &**gid, "$ref": self.location(group_rt, gid), "type": "direct" });
                    if let Some(display) = &group.display {
                        g["display"] = Value::from(&**display);
                    }
                    Some(g)
                })
                .collect();
            if !groups.is_empty() {
                view.insert("groups".into(), Value::Array(groups));
                normalize::order_keys(rt, &mut view);
            }
        }
        view
    }
}

/// The object an attribute lives in: the resource, or an extension object.
fn holder<'m>(resource: &'m Map<String, Value>, extension: Option<&str>) -> Option<&'m Map<String, Value>> {
    match extension {
        None => Some(resource),
        Some(key) => resource.get(key).and_then(Value::as_object),
    }
}

fn holder_mut<'m>(
    resource: &'m mut Map<String, Value>,
    extension: Option<&str>,
) -> &'m mut Map<String, Value> {
    match extension {
        None => resource,
        Some(key) => {
            let entry = resource.entry(key.to_string()).or_insert_with(|| json!({}));
            if !entry.is_object() {
                *entry = json!({});
            }
            entry.as_object_mut().unwrap_or_else(|| unreachable!("just made an object"))
        }
    }
}

fn password_change_not_implemented() -> ScimError {
    ScimError::new(501, None, "changing a password is not implemented by this service provider")
}

fn password_change_refused() -> ScimError {
    ScimError::invalid_value("passwords cannot be changed through SCIM")
}

pub fn not_found(rt: &ResourceType, id: &str) -> ScimError {
    ScimError::not_found(format!("no {} with id \"{id}\"", rt.name))
}
