//! PATCH (RFC 7644 §3.5.2): parse a PatchOp request and apply it to a resource.
//!
//! [`Patcher::apply`] works on the caller's copy of the canonical resource and
//! the caller commits only on `Ok`: that is what makes a request atomic ("If a
//! single operation encounters an error condition, the original SCIM resource
//! MUST be restored", §3.5.2).

use crate::faults::{Fault, FaultSet};
use crate::scim::attr_path::{AttrPath, starts_with_urn};
use crate::scim::error::{ScimError, ScimType};
use crate::scim::filter::{Matcher, PatchPath, parse_patch_path};
use crate::scim::message;
use crate::scim::normalize::{self, Normalizer, kind as json_kind};
use crate::scim::quirks::{Leniency, Quirk};
use crate::scim::schema::{AttrRef, Attribute, Container, Mutability, Resolved, ResourceType, Schema};
use serde_json::{Map, Value};

pub use crate::scim::urn::PATCH_OP;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Add,
    Remove,
    Replace,
}

impl OpKind {
    fn as_str(self) -> &'static str {
        match self {
            OpKind::Add => "add",
            OpKind::Remove => "remove",
            OpKind::Replace => "replace",
        }
    }
}

/// How many member values one PatchOp operation, as JSON, carries: the
/// measure of a per-PATCH member limit that vendors document (a client
/// splits to keep it, a server refuses past it).
pub fn member_values(op: &Value) -> usize {
    let get = |key: &str| op.as_object().and_then(|o| message::get(o, key));
    let is_members = |path: &str| {
        let attribute = path.rsplit_once(':').map_or(path, |(_, a)| a);
        attribute.split('[').next().unwrap_or_default().trim().eq_ignore_ascii_case("members")
    };
    match (get("path").and_then(Value::as_str), get("value")) {
        // `members[value eq "..."]`: one member, named by the filter.
        (Some(p), _) if is_members(p) && p.contains('[') => 1,
        (Some(p), Some(Value::Array(values))) if is_members(p) => values.len(),
        (Some(p), Some(Value::Object(_))) if is_members(p) => 1,
        (None, Some(Value::Object(attrs))) => {
            message::get(attrs, "members").and_then(Value::as_array).map_or(0, Vec::len)
        }
        _ => 0,
    }
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub kind: OpKind,
    /// The path as written, and parsed.
    pub path: Option<(String, PatchPath)>,
    pub value: Option<Value>,
}

/// Reads a PatchOp body: `schemas`, a non-empty `Operations` array, and for each
/// operation exactly `op`, optional `path`, and `value` where the op needs one.
pub fn parse_request(body: &Value, leniency: &Leniency) -> Result<Vec<Operation>, ScimError> {
    let Value::Object(obj) = body else {
        return Err(ScimError::invalid_syntax("a PATCH body must be a JSON object (a PatchOp message)"));
    };
    if !message::declares(obj, PATCH_OP) {
        return Err(ScimError::invalid_syntax(format!(
            "a PATCH body must list \"{PATCH_OP}\" in \"schemas\" (RFC 7644 §3.5.2)"
        )));
    }
    let ops = match message::get(obj, "Operations") {
        Some(Value::Array(ops)) if !ops.is_empty() => ops,
        Some(Value::Array(_)) => {
            return Err(ScimError::invalid_value("\"Operations\" must hold at least one operation"));
        }
        _ => {
            return Err(ScimError::invalid_syntax(
                "a PATCH body needs an \"Operations\" array (RFC 7644 §3.5.2)",
            ));
        }
    };
    ops.iter().enumerate().map(|(i, op)| parse_operation(i, op, leniency)).collect()
}

fn parse_operation(index: usize, op: &Value, leniency: &Leniency) -> Result<Operation, ScimError> {
    let at = format!("Operations[{index}]");
    let Value::Object(obj) = op else {
        return Err(ScimError::invalid_syntax(format!("{at} must be a JSON object")));
    };
    for key in obj.keys() {
        if !["op", "path", "value"].iter().any(|k| k.eq_ignore_ascii_case(key)) {
            return Err(ScimError::invalid_syntax(format!(
                "{at} has an unknown member \"{key}\"; an operation has \"op\", \"path\" and \"value\""
            )));
        }
    }
    let op_text = match message::get(obj, "op") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "{at}: \"op\" must be a string, not {}",
                json_kind(other)
            )));
        }
        None => return Err(ScimError::invalid_syntax(format!("{at} has no \"op\""))),
    };
    let kind = match op_text {
        "add" => OpKind::Add,
        "remove" => OpKind::Remove,
        "replace" => OpKind::Replace,
        other => {
            let lower = other.to_ascii_lowercase();
            let kind = match lower.as_str() {
                "add" => OpKind::Add,
                "remove" => OpKind::Remove,
                "replace" => OpKind::Replace,
                _ => {
                    return Err(ScimError::invalid_syntax(format!(
                        "{at}: \"op\" is \"{other}\"; it must be \"add\", \"remove\" or \"replace\""
                    )));
                }
            };
            if !leniency.accepts(Quirk::CapitalisedOp) {
                return Err(ScimError::invalid_syntax(format!(
                    "{at}: \"op\" is \"{other}\" where \"{lower}\" was meant; {}",
                    Quirk::CapitalisedOp
                )));
            }
            kind
        }
    };
    let path = match message::get(obj, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => {
            let parsed = parse_patch_path(text).map_err(|e| {
                ScimError::invalid_path(format!("{at}: path \"{text}\": {}", e.to_scim(text).detail))
            })?;
            Some((text.clone(), parsed))
        }
        Some(other) => {
            return Err(ScimError::invalid_path(format!(
                "{at}: \"path\" must be a string, not {}",
                json_kind(other)
            )));
        }
    };
    let value = message::get(obj, "value").cloned();
    if kind != OpKind::Remove && value.is_none() {
        return Err(ScimError::invalid_value(format!(
            "{at}: \"{}\" needs a \"value\" (RFC 7644 §3.5.2.{})",
            kind.as_str(),
            if kind == OpKind::Add { 1 } else { 3 }
        )));
    }
    Ok(Operation { kind, path, value })
}

/// Applies operations to one resource of one type.
pub struct Patcher<'a> {
    pub rt: &'a ResourceType,
    pub leniency: &'a Leniency,
    pub faults: FaultSet,
}

/// Where one operation acts: an attribute, optionally one of its sub-attributes,
/// optionally only in the values a filter selects.
struct Target<'r> {
    container: Container<'r>,
    attr: &'r Attribute,
    sub: Option<&'r Attribute>,
    filter: Option<Matcher<'r>>,
    text: String,
}

impl<'a> Patcher<'a> {
    pub fn new(rt: &'a ResourceType, leniency: &'a Leniency, faults: FaultSet) -> Self {
        Patcher { rt, leniency, faults }
    }

    fn normalizer(&self) -> Normalizer<'a> {
        Normalizer::new(self.rt, self.leniency).with_faults(self.faults)
    }

    /// Applies every operation in order, then re-checks the whole resource.
    pub fn apply(&self, resource: &mut Map<String, Value>, ops: &[Operation]) -> Result<(), ScimError> {
        for (i, op) in ops.iter().enumerate() {
            self.apply_one(resource, op).map_err(|mut e| {
                e.detail = format!("Operations[{i}] ({}): {}", op.kind.as_str(), e.detail);
                e
            })?;
        }
        if self.faults.has(Fault::PatchRequiredNotEnforced) {
            normalize::tidy(self.rt, resource);
            return Ok(());
        }
        normalize::finish(self.rt, resource, ScimType::Mutability)
    }

    fn apply_one(&self, resource: &mut Map<String, Value>, op: &Operation) -> Result<(), ScimError> {
        if op.kind == OpKind::Remove && self.faults.has(Fault::PatchRemoveIgnored) {
            return Ok(());
        }
        let Some((text, path)) = &op.path else {
            return match op.kind {
                OpKind::Remove => Err(ScimError::no_target("remove needs a \"path\" (RFC 7644 §3.5.2.2)")),
                _ => self.apply_pathless(resource, op.kind, op.value.as_ref().unwrap_or(&Value::Null)),
            };
        };
        let resolved = self
            .rt
            .resolve(&path.attr)
            .map_err(|m| ScimError::invalid_path(format!("path \"{text}\": {m}")))?;
        let attr_ref = match resolved {
            Resolved::Extension(schema) => {
                if path.filter.is_some() {
                    return Err(ScimError::invalid_path(format!(
                        "path \"{text}\": a schema URN takes no filter"
                    )));
                }
                return self.apply_extension(resource, op, schema);
            }
            Resolved::Attr(a) => a,
        };
        if self.faults.has(Fault::PatchPathCaseSensitive) {
            let canonical = match attr_ref.sub {
                Some(sub) => format!("{}.{}", attr_ref.attr.name, sub.name),
                None => attr_ref.attr.name.clone(),
            };
            let written = match &path.attr.sub {
                Some(sub) => format!("{}.{sub}", path.attr.name),
                None => path.attr.name.clone(),
            };
            if written != canonical {
                return Err(ScimError::invalid_path(format!("path \"{text}\": no attribute '{written}'")));
            }
        }
        if self.faults.has(Fault::PatchReadOnlyIgnored)
            && (attr_ref.attr.mutability == Mutability::ReadOnly
                || attr_ref.sub.is_some_and(|s| s.mutability == Mutability::ReadOnly))
        {
            return Ok(());
        }
        let target = self.target(attr_ref, path, text)?;
        match op.kind {
            OpKind::Remove => self.remove(resource, &target, op.value.as_ref()),
            kind => self.write(resource, kind, &target, op.value.as_ref().unwrap_or(&Value::Null)),
        }
    }

    fn target(&self, r: AttrRef<'a>, path: &PatchPath, text: &str) -> Result<Target<'a>, ScimError> {
        let mut sub = r.sub;
        let filter = match &path.filter {
            None => None,
            // The fault: `emails[type eq "work"].value` read as `emails.value`.
            Some(_) if path.sub_after_filter.is_some() && self.faults.has(Fault::ValueFilterIgnored) => None,
            Some(f) => {
                if !r.attr.is_complex() {
                    return Err(ScimError::invalid_path(format!(
                        "path \"{text}\": '{}' is not complex, so it takes no value filter",
                        r.attr.name
                    )));
                }
                Some(f.bind_within(r.attr).map_err(|e| {
                    ScimError::invalid_path(format!("path \"{text}\": {}", e.to_scim(text).detail))
                })?)
            }
        };
        if let Some(name) = &path.sub_after_filter {
            sub = Some(r.attr.sub(name).ok_or_else(|| {
                ScimError::invalid_path(format!(
                    "path \"{text}\": '{}' has no sub-attribute '{name}'",
                    r.attr.name
                ))
            })?);
        }
        Ok(Target { container: r.container, attr: r.attr, sub, filter, text: text.to_string() })
    }

    /// `add`/`replace` with no path: the value is a set of attributes (§3.5.2.1, §3.5.2.3).
    fn apply_pathless(
        &self,
        resource: &mut Map<String, Value>,
        kind: OpKind,
        value: &Value,
    ) -> Result<(), ScimError> {
        let Value::Object(attrs) = value else {
            return Err(ScimError::invalid_value(format!(
                "with no \"path\", \"value\" must be an object of attributes, not {}",
                json_kind(value)
            )));
        };
        if kind == OpKind::Replace && self.faults.has(Fault::PathlessReplaceAsPut) {
            let listed = |name: &str| attrs.keys().any(|k| k.eq_ignore_ascii_case(name));
            for attr in &self.rt.core.attributes {
                if attr.mutability == Mutability::ReadWrite && !attr.required && !listed(&attr.name) {
                    resource.remove(&attr.name);
                }
            }
        }
        for (key, v) in attrs {
            if key.eq_ignore_ascii_case("schemas") {
                // `schemas` is recomputed from the data after every write.
                continue;
            }
            if let Some(Container::Extension(schema)) = self.rt.schema_for_urn(key) {
                self.merge_extension(resource, kind, schema, v)?;
                continue;
            }
            if let Some(attr) = self.rt.core_attribute(key) {
                if attr.mutability == Mutability::ReadOnly && self.faults.has(Fault::PatchReadOnlyIgnored) {
                    continue;
                }
                if attr.name == "id" && self.tolerates_echoed_id(resource, v)? {
                    continue;
                }
                let target =
                    Target { container: Container::Core, attr, sub: None, filter: None, text: key.clone() };
                self.write(resource, kind, &target, v)?;
                continue;
            }
            // Not an attribute name: a path used as a key (Entra's aadOptscim062020 dialect).
            let path =
                if key.contains('.') || starts_with_urn(key) { AttrPath::parse(key).ok() } else { None };
            let Some(path) = path else {
                return Err(ScimError::invalid_syntax(format!(
                    "\"value\" has '{key}', which is not an attribute of the {} resource type",
                    self.rt.name
                )));
            };
            if !self.leniency.accepts(Quirk::PathKeysInValue) {
                return Err(ScimError::invalid_syntax(format!(
                    "\"value\" has the key \"{key}\", a path rather than an attribute name; {}",
                    Quirk::PathKeysInValue
                )));
            }
            if self.faults.has(Fault::PathKeysDropped) {
                continue;
            }
            let r = self
                .rt
                .resolve_attr(&path)
                .map_err(|m| ScimError::invalid_path(format!("\"{key}\": {m}")))?;
            let target =
                Target { container: r.container, attr: r.attr, sub: r.sub, filter: None, text: key.clone() };
            self.write(resource, kind, &target, v)?;
        }
        Ok(())
    }

    /// Okta renames groups with `{"id": "<same id>", "displayName": ...}` as the value.
    fn tolerates_echoed_id(&self, resource: &Map<String, Value>, v: &Value) -> Result<bool, ScimError> {
        if !self.leniency.accepts(Quirk::ReadOnlyIdInValue) {
            return Err(ScimError::mutability(format!(
                "\"value\" carries \"id\", which cannot be modified; {}",
                Quirk::ReadOnlyIdInValue
            )));
        }
        if resource.get("id") == Some(v) {
            Ok(true)
        } else {
            Err(ScimError::mutability("\"id\" is readOnly and the value differs from the resource's id"))
        }
    }

    fn apply_extension(
        &self,
        resource: &mut Map<String, Value>,
        op: &Operation,
        schema: &Schema,
    ) -> Result<(), ScimError> {
        match op.kind {
            OpKind::Remove => {
                for attr in &schema.attributes {
                    if attr.mutability == Mutability::ReadOnly {
                        continue;
                    }
                    check_mutable(attr, None, has_value(resource, Container::Extension(schema), attr))?;
                }
                resource.remove(&schema.id);
                Ok(())
            }
            kind => self.merge_extension(resource, kind, schema, op.value.as_ref().unwrap_or(&Value::Null)),
        }
    }

    fn merge_extension(
        &self,
        resource: &mut Map<String, Value>,
        kind: OpKind,
        schema: &Schema,
        value: &Value,
    ) -> Result<(), ScimError> {
        let Value::Object(attrs) = value else {
            return Err(ScimError::invalid_value(format!(
                "the value for {} must be an object of its attributes, not {}",
                schema.id,
                json_kind(value)
            )));
        };
        for (key, v) in attrs {
            // Clients echo the extension's own `schemas` inside its value; `schemas`
            // is recomputed after every write, so it is ignored here too.
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            let attr = schema.attribute(key).ok_or_else(|| {
                ScimError::invalid_syntax(format!("'{key}' is not an attribute of {}", schema.id))
            })?;
            let target = Target {
                container: Container::Extension(schema),
                attr,
                sub: None,
                filter: None,
                text: format!("{}:{}", schema.id, attr.name),
            };
            self.write(resource, kind, &target, v)?;
        }
        Ok(())
    }

    /// `add` and `replace` at a path.
    fn write(
        &self,
        resource: &mut Map<String, Value>,
        kind: OpKind,
        t: &Target<'_>,
        value: &Value,
    ) -> Result<(), ScimError> {
        let norm = self.normalizer();
        let exists = has_value(resource, t.container, t.attr);
        check_mutable(t.attr, t.sub, exists)?;
        if kind == OpKind::Replace
            && !exists
            && t.filter.is_none()
            && self.faults.has(Fault::ReplaceMissingNoTarget)
        {
            return Err(ScimError::no_target(format!("\"{}\" has no value to replace", t.text)));
        }
        if kind == OpKind::Add
            && t.attr.sub_attributes.iter().any(|s| s.mutability == Mutability::Immutable)
            && self.faults.has(Fault::ImmutableAddRefused)
        {
            return Err(immutable_error(t.attr, None));
        }
        let holder = holder_mut(resource, t.container);
        match (&t.filter, t.sub) {
            // The whole attribute.
            (None, None) => {
                if t.attr.multi_valued {
                    let new = norm.value(t.attr, value, &t.text)?;
                    let new = new.and_then(|v| match v {
                        Value::Array(items) => Some(items),
                        _ => None,
                    });
                    match (kind, new) {
                        (OpKind::Replace, None) => {
                            holder.remove(&t.attr.name);
                        }
                        (OpKind::Add, None) => {}
                        (OpKind::Replace, Some(items))
                            if self.faults.has(Fault::ReplaceMultiValuedMerges) =>
                        {
                            self.add_values(holder, t.attr, items)
                        }
                        (OpKind::Replace, Some(items)) => {
                            holder.insert(t.attr.name.clone(), Value::Array(items));
                        }
                        (OpKind::Add, Some(items)) if self.faults.has(Fault::AddReplacesMultiValued) => {
                            holder.insert(t.attr.name.clone(), Value::Array(items));
                        }
                        (OpKind::Add, Some(items)) => self.add_values(holder, t.attr, items),
                        (OpKind::Remove, _) => unreachable!("remove is handled elsewhere"),
                    }
                } else if t.attr.is_complex() {
                    match norm.single(t.attr, value, &t.text)? {
                        None if kind == OpKind::Replace => {
                            holder.remove(&t.attr.name);
                        }
                        None => {}
                        Some(Value::Object(subs))
                            if kind == OpKind::Replace && self.faults.has(Fault::ReplaceComplexWipes) =>
                        {
                            holder.insert(t.attr.name.clone(), Value::Object(subs));
                        }
                        Some(Value::Object(subs)) => {
                            let existing = holder
                                .entry(t.attr.name.clone())
                                .or_insert_with(|| Value::Object(Map::new()));
                            if let Value::Object(obj) = existing {
                                obj.extend(subs);
                            }
                        }
                        Some(_) => unreachable!("complex values normalize to objects"),
                    }
                } else {
                    let single = match norm.single(t.attr, value, &t.text) {
                        Err(e)
                            if e.scim_type == Some(ScimType::InvalidValue)
                                && self.faults.has(Fault::WrongTypeAccepted) =>
                        {
                            Some(value.clone())
                        }
                        other => other?,
                    };
                    match single {
                        Some(_)
                            if kind == OpKind::Add
                                && exists
                                && self.faults.has(Fault::AddSingleValuedIgnored) => {}
                        Some(v) => {
                            holder.insert(t.attr.name.clone(), v);
                        }
                        None if kind == OpKind::Replace => {
                            holder.remove(&t.attr.name);
                        }
                        None => {}
                    }
                }
            }
            // A sub-attribute of every value (`name.givenName`, `emails.type`).
            (None, Some(sub)) => {
                let change = Change::Sub(sub, norm.value(sub, value, &t.text)?);
                if t.attr.multi_valued {
                    let Some(Value::Array(items)) = holder.get_mut(&t.attr.name) else {
                        return Err(ScimError::no_target(format!(
                            "\"{}\": {} has no values",
                            t.text, t.attr.name
                        )));
                    };
                    for item in items.iter_mut() {
                        change.apply(t.attr, item, self.faults)?;
                    }
                    self.keep_one_primary(holder, t.attr, sub, None);
                } else {
                    if kind == OpKind::Replace && self.faults.has(Fault::ReplaceComplexWipes) {
                        holder.insert(t.attr.name.clone(), Value::Object(Map::new()));
                    }
                    let obj = holder.entry(t.attr.name.clone()).or_insert_with(|| Value::Object(Map::new()));
                    change.apply(t.attr, obj, self.faults)?;
                }
            }
            // Selected values, whole (`emails[type eq "work"]`) or one sub-attribute.
            (Some(filter), sub) => {
                // "all matching record values SHALL be replaced" (§3.5.2.3); an
                // add merges into them instead.
                let change = match sub {
                    Some(sub) => Change::Sub(sub, norm.value(sub, value, &t.text)?),
                    None => match norm.single(t.attr, value, &t.text)? {
                        Some(Value::Object(subs)) if kind == OpKind::Replace => Change::Replace(subs),
                        Some(Value::Object(subs)) => Change::Merge(subs),
                        _ => {
                            return Err(ScimError::invalid_value(format!(
                                "\"{}\" selects {} values, so \"value\" must be an object of its sub-attributes",
                                t.text, t.attr.name
                            )));
                        }
                    },
                };
                let mut matched = Vec::new();
                match holder.get_mut(&t.attr.name) {
                    Some(Value::Array(items)) => {
                        let first_only = self.faults.has(Fault::ValueFilterFirstMatchOnly);
                        for (i, item) in items.iter_mut().enumerate() {
                            if item.as_object().is_some_and(|o| filter.matches(o)) {
                                change.apply(t.attr, item, self.faults)?;
                                matched.push(i);
                                if first_only {
                                    break;
                                }
                            }
                        }
                    }
                    Some(single @ Value::Object(_))
                        if single.as_object().is_some_and(|o| filter.matches(o)) =>
                    {
                        change.apply(t.attr, single, self.faults)?;
                        matched.push(0);
                    }
                    _ => {}
                }
                if matched.is_empty() && !self.faults.has(Fault::ReplaceNoTargetIgnored) {
                    return Err(ScimError::no_target(format!(
                        "\"{}\" matches no value of {} (RFC 7644 §3.5.2.3)",
                        t.text, t.attr.name
                    )));
                }
                let primary_written = match &change {
                    Change::Sub(sub, Some(Value::Bool(true))) => sub.name == "primary",
                    Change::Merge(subs) | Change::Replace(subs) => {
                        subs.get("primary") == Some(&Value::Bool(true))
                    }
                    Change::Sub(..) => false,
                };
                if primary_written && t.attr.multi_valued {
                    self.keep_one_primary(
                        holder,
                        t.attr,
                        t.attr.sub("primary").unwrap_or(t.attr),
                        Some(&matched),
                    );
                }
            }
        }
        prune(holder, &t.attr.name);
        prune_container(resource, t.container);
        Ok(())
    }

    /// Adds values to a multi-valued attribute: an equal value already there is
    /// left as it is ("no changes SHOULD be made", §3.5.2.1).
    fn add_values(&self, holder: &mut Map<String, Value>, attr: &Attribute, new: Vec<Value>) {
        let items = holder.entry(attr.name.clone()).or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(items) = items else { return };
        let mut new_primary = None;
        let take = if self.faults.has(Fault::AddFirstValueOnly) { 1 } else { usize::MAX };
        for value in new.into_iter().take(take) {
            let position = items
                .iter()
                .position(|existing| same_value(attr, existing, &value))
                .filter(|_| !self.faults.has(Fault::AddDuplicatesValue));
            let index = match position {
                Some(i) => {
                    // The same value: keep its identity as stored, take the rest
                    // (a new `primary` or `display`) from the request.
                    if let (Value::Object(old), Value::Object(subs)) = (&mut items[i], &value) {
                        old.extend(
                            subs.iter().filter(|(k, _)| *k != "value").map(|(k, v)| (k.clone(), v.clone())),
                        );
                    }
                    i
                }
                None => {
                    items.push(value);
                    items.len() - 1
                }
            };
            if items[index].get("primary") == Some(&Value::Bool(true)) {
                new_primary = Some(index);
            }
        }
        if let (Some(i), Some(primary)) = (new_primary, attr.sub("primary")) {
            self.keep_one_primary(holder, attr, primary, Some(&[i]));
        }
    }

    /// RFC 7644 §3.5.2: setting "primary" to true "SHALL cause the server to
    /// automatically set "primary" to "false" for any other values in the array".
    fn keep_one_primary(
        &self,
        holder: &mut Map<String, Value>,
        attr: &Attribute,
        sub: &Attribute,
        keep: Option<&[usize]>,
    ) {
        if sub.name != "primary" || self.faults.has(Fault::PrimaryNotDemoted) {
            return;
        }
        let Some(Value::Array(items)) = holder.get_mut(&attr.name) else { return };
        let keep: Vec<usize> = match keep {
            Some(k) => k.iter().rev().take(1).copied().collect(),
            // `emails.primary` set on every value: only the last can keep it.
            None => items.len().checked_sub(1).into_iter().collect(),
        };
        for (i, item) in items.iter_mut().enumerate() {
            if !keep.contains(&i)
                && let Some(obj) = item.as_object_mut()
                && obj.get("primary") == Some(&Value::Bool(true))
            {
                obj.insert("primary".into(), Value::Bool(false));
            }
        }
    }

    /// `remove` at a path (§3.5.2.2).
    fn remove(
        &self,
        resource: &mut Map<String, Value>,
        t: &Target<'_>,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        let exists = has_value(resource, t.container, t.attr);
        check_mutable(t.attr, t.sub, exists)?;
        if let Some(value) = value.filter(|v| !v.is_null()) {
            return self.remove_by_value(resource, t, value);
        }
        let holder = holder_mut(resource, t.container);
        match (&t.filter, t.sub) {
            (None, None) => {
                holder.remove(&t.attr.name);
            }
            (None, Some(sub)) => {
                let change = Change::Sub(sub, None);
                match holder.get_mut(&t.attr.name) {
                    Some(Value::Array(items)) => {
                        for item in items.iter_mut() {
                            change.apply(t.attr, item, self.faults)?;
                        }
                    }
                    Some(obj) => change.apply(t.attr, obj, self.faults)?,
                    None => {}
                }
            }
            (Some(_), None) if self.faults.has(Fault::RemoveFilterClearsAll) => {
                holder.remove(&t.attr.name);
            }
            (Some(filter), None) => match holder.get_mut(&t.attr.name) {
                Some(Value::Array(items)) if self.faults.has(Fault::ValueFilterFirstMatchOnly) => {
                    if let Some(i) =
                        items.iter().position(|item| item.as_object().is_some_and(|o| filter.matches(o)))
                    {
                        items.remove(i);
                    }
                }
                Some(Value::Array(items)) => {
                    items.retain(|item| !item.as_object().is_some_and(|o| filter.matches(o)))
                }
                Some(single) if single.as_object().is_some_and(|o| filter.matches(o)) => {
                    holder.remove(&t.attr.name);
                }
                _ => {}
            },
            (Some(filter), Some(sub)) => {
                let change = Change::Sub(sub, None);
                match holder.get_mut(&t.attr.name) {
                    Some(Value::Array(items)) => {
                        let take =
                            if self.faults.has(Fault::ValueFilterFirstMatchOnly) { 1 } else { usize::MAX };
                        for item in items
                            .iter_mut()
                            .filter(|i| i.as_object().is_some_and(|o| filter.matches(o)))
                            .take(take)
                        {
                            change.apply(t.attr, item, self.faults)?;
                        }
                    }
                    Some(single) if single.as_object().is_some_and(|o| filter.matches(o)) => {
                        change.apply(t.attr, single, self.faults)?;
                    }
                    _ => {}
                }
            }
        }
        prune(holder, &t.attr.name);
        prune_container(resource, t.container);
        Ok(())
    }

    /// Entra's `{"op":"Remove","path":"members","value":[{"value":"id"}]}`.
    fn remove_by_value(
        &self,
        resource: &mut Map<String, Value>,
        t: &Target<'_>,
        value: &Value,
    ) -> Result<(), ScimError> {
        if !self.leniency.accepts(Quirk::RemoveByValue) {
            return Err(ScimError::invalid_syntax(format!(
                "remove at \"{}\" carries a \"value\"; {}",
                t.text,
                Quirk::RemoveByValue
            )));
        }
        if !(t.attr.multi_valued && t.attr.is_complex() && t.filter.is_none() && t.sub.is_none()) {
            return Err(ScimError::invalid_value(format!(
                "remove at \"{}\" with a \"value\" only selects values of a multi-valued complex attribute",
                t.text
            )));
        }
        let doomed = self.normalizer().value(t.attr, value, &t.text)?;
        let doomed = match doomed {
            Some(Value::Array(items)) => items,
            _ => return Ok(()),
        };
        let holder = holder_mut(resource, t.container);
        if let Some(Value::Array(items)) = holder.get_mut(&t.attr.name) {
            let clear_all = self.faults.has(Fault::RemoveByValueClearsAll);
            items.retain(|item| !clear_all && !doomed.iter().any(|d| same_value(t.attr, item, d)));
        }
        prune(holder, &t.attr.name);
        Ok(())
    }
}

/// A change to one value of a multi-valued attribute (or to a complex value).
enum Change<'a> {
    /// Set one sub-attribute, or unassign it (`None`).
    Sub(&'a Attribute, Option<Value>),
    /// Set the given sub-attributes, keep the others.
    Merge(Map<String, Value>),
    /// The value becomes exactly this.
    Replace(Map<String, Value>),
}

impl Change<'_> {
    /// Applies the change; an immutable sub-attribute that had a value must keep
    /// it ("a client MAY "add" a value to an "immutable" attribute if the
    /// attribute had no previous value", §3.5.2). This is what lets members be
    /// added and removed while their `value` never changes (RFC 7643 §4.2).
    fn apply(&self, attr: &Attribute, item: &mut Value, faults: FaultSet) -> Result<(), ScimError> {
        let before = item.clone();
        match self {
            Change::Sub(sub, v) => set_sub(item, sub, v.clone()),
            Change::Merge(subs) => {
                if let Value::Object(obj) = item {
                    obj.extend(subs.clone());
                }
            }
            Change::Replace(subs) => *item = Value::Object(subs.clone()),
        }
        if faults.has(Fault::ImmutableOverwritten) {
            return Ok(());
        }
        for sub in attr.sub_attributes.iter().filter(|s| s.mutability == Mutability::Immutable) {
            if let Some(old) = before.get(&sub.name)
                && item.get(&sub.name) != Some(old)
            {
                return Err(immutable_error(attr, Some(sub)));
            }
        }
        Ok(())
    }
}

fn set_sub(item: &mut Value, sub: &Attribute, value: Option<Value>) {
    if let Value::Object(obj) = item {
        match value {
            Some(v) => {
                obj.insert(sub.name.clone(), v);
            }
            None => {
                obj.remove(&sub.name);
            }
        }
    }
}

/// Two values of a multi-valued attribute are the same when their `value`
/// sub-attributes are equal (and their `type`s, where both have one), or, for
/// attributes without `value`, when they are equal as a whole.
pub fn same_value(attr: &Attribute, a: &Value, b: &Value) -> bool {
    let Some(value_sub) = attr.sub("value") else { return a == b };
    let (Some(x), Some(y)) = (a.get("value"), b.get("value")) else { return a == b };
    let equal = match (x, y) {
        (Value::String(x), Value::String(y)) if !value_sub.compares_exactly() => x.eq_ignore_ascii_case(y),
        _ => x == y,
    };
    let types_agree = match (a.get("type"), b.get("type")) {
        (Some(Value::String(x)), Some(Value::String(y))) => x.eq_ignore_ascii_case(y),
        _ => true,
    };
    equal && types_agree
}

fn has_value(resource: &Map<String, Value>, container: Container<'_>, attr: &Attribute) -> bool {
    let holder = match container.key() {
        None => Some(resource),
        Some(key) => resource.get(key).and_then(Value::as_object),
    };
    holder.is_some_and(|h| h.contains_key(&attr.name))
}

/// RFC 7644 §3.5.2: "a client MUST NOT modify an attribute that has mutability
/// "readOnly" or "immutable". However, a client MAY "add" a value to an
/// "immutable" attribute if the attribute had no previous value."
fn check_mutable(attr: &Attribute, sub: Option<&Attribute>, exists: bool) -> Result<(), ScimError> {
    if attr.mutability == Mutability::ReadOnly || sub.is_some_and(|s| s.mutability == Mutability::ReadOnly) {
        let name = match sub {
            Some(s) => format!("{}.{}", attr.name, s.name),
            None => attr.name.clone(),
        };
        return Err(ScimError::mutability(format!(
            "'{name}' is readOnly (RFC 7643 §7) and cannot be modified"
        )));
    }
    // Immutable sub-attributes are checked value by value, in `Change::apply`.
    if attr.mutability == Mutability::Immutable && !attr.multi_valued && exists {
        return Err(immutable_error(attr, None));
    }
    Ok(())
}

fn immutable_error(attr: &Attribute, sub: Option<&Attribute>) -> ScimError {
    let name = match sub {
        Some(s) => format!("{}.{}", attr.name, s.name),
        None => attr.name.clone(),
    };
    ScimError::mutability(format!("'{name}' is immutable (RFC 7643 §7): it may be set once, never changed"))
}

fn holder_mut<'m>(
    resource: &'m mut Map<String, Value>,
    container: Container<'_>,
) -> &'m mut Map<String, Value> {
    match container.key() {
        None => resource,
        Some(key) => {
            let entry = resource.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            match entry {
                Value::Object(obj) => obj,
                _ => unreachable!("just made an object"),
            }
        }
    }
}

/// Empty objects and arrays are unassigned (RFC 7643 §2.5): drop them.
fn prune(holder: &mut Map<String, Value>, name: &str) {
    let empty = match holder.get_mut(name) {
        Some(Value::Array(items)) => {
            items.retain(|i| !matches!(i, Value::Object(o) if o.is_empty()));
            items.is_empty()
        }
        Some(Value::Object(o)) => o.is_empty(),
        Some(Value::Null) => true,
        _ => false,
    };
    if empty {
        holder.remove(name);
    }
}

fn prune_container(resource: &mut Map<String, Value>, container: Container<'_>) {
    if let Some(key) = container.key()
        && resource.get(key).is_some_and(|v| v.as_object().is_some_and(Map::is_empty))
    {
        resource.remove(key);
    }
}

#[cfg(test)]
mod tests;
