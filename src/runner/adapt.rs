//! Fitting a case to the target it meets, so that a verdict holds on any
//! legal server.
//!
//! Cases are written against RFC 7643's schemas. A target may define fewer
//! attributes, require more, return some only on request, or make some
//! read-only (RFC 7644 §3.1: "some service providers may only support a
//! subset of the schema"). Before a case runs, [`Uses::of`] reads which
//! attributes it exercises (filters, projections, sorting, PATCH paths,
//! expectations), writes and clears; [`not_applicable`] then says why it
//! cannot run here, if it cannot. As it runs, [`adapt`] completes what it
//! sends with what the target requires and leaves out what the target's
//! schema does not define, where the case only mentions it in passing.

use super::http::{Body, Outgoing};
use super::model::TargetModel;
use crate::scim::attr_path::AttrPath;
use crate::scim::filter::{Filter, parse_patch_path};
use crate::scim::schema::{
    AttrRef, AttrType, Attribute, Container, Mutability, Registry, Resolved, ResourceType, Returned,
    Uniqueness,
};
use crate::suite::Case;
use crate::suite::case::{Expect, Method, PointerCheck, Request};
use serde_json::{Map, Value};

/// One attribute a case touches: the RFC resource type it belongs to and
/// its canonical path there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrUse {
    /// The RFC resource type: `User` or `Group`.
    pub resource: String,
    /// The extension URN, for an extension attribute.
    pub extension: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

impl std::fmt::Display for AttrUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(urn) = &self.extension {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// What a case does with attributes, as far as its file shows.
#[derive(Debug, Clone, Default)]
pub struct Uses {
    /// Named in a filter, `attributes`, `sortBy`, a PATCH path, or an expectation.
    pub exercised: Vec<AttrUse>,
    /// Expected present in a response.
    pub expected: Vec<AttrUse>,
    /// Expected absent from a response.
    pub expected_absent: Vec<AttrUse>,
    /// Sent in a body.
    pub written: Vec<AttrUse>,
    /// Sent as null or [], or removed by PATCH.
    pub cleared: Vec<AttrUse>,
    /// The RFC resource types whose listings the case scopes to its own
    /// resources (`{{scope}}`: User, `{{group_scope}}`: Group).
    pub scoped: Vec<&'static str>,
}

/// Which RFC resource types a request path is about.
fn resources_of(path: &str) -> Vec<&'static str> {
    let first = path.split('?').next().unwrap_or("").trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "Users" | "Me" => vec!["User"],
        "Groups" => vec!["Group"],
        ".search" => vec!["User", "Group"],
        _ => Vec::new(),
    }
}

/// A collection or search: its response body is a ListResponse.
fn is_listing(method: Method, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (method, segments.as_slice()) {
        (Method::Get, [_]) => true,
        (Method::Post, [.., last]) => *last == ".search",
        _ => false,
    }
}

/// Resolves a path against the RFC's resource type; a name the RFC does not
/// define is not an attribute for this purpose (a case sending it on purpose).
fn rfc_use(resource: &str, path: &AttrPath) -> Option<AttrUse> {
    let rt = Registry::builtin().resource_type(resource)?;
    let r = match rt.resolve(path).ok()? {
        Resolved::Attr(r) => r,
        Resolved::Extension(_) => return None,
    };
    Some(attr_use(resource, &r))
}

fn attr_use(resource: &str, r: &AttrRef<'_>) -> AttrUse {
    AttrUse {
        resource: resource.to_string(),
        extension: r.container.key().map(str::to_string),
        name: r.attr.name.clone(),
        sub: r.sub.map(|s| s.name.clone()),
    }
}

/// Template variables stand for values the runner fills in; for reading a
/// filter's attribute names any value will do.
fn untemplated(text: &str) -> String {
    let text =
        text.replace("{{scope}}", "userName eq \"x\"").replace("{{group_scope}}", "displayName eq \"x\"");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => {
                out.push('x');
                rest = &rest[start + end + 2..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

impl Uses {
    pub fn of(case: &Case) -> Uses {
        let mut uses = Uses::default();
        for step in &case.doc.steps {
            let step = &step.value;
            if let Some(walk) = &step.walk {
                let resources = resources_of(&walk.path);
                for (k, v) in &walk.query {
                    uses.query_param(&resources, k, v);
                }
            }
            let Some(request) = &step.request else { continue };
            uses.request(request);
            uses.expectations(request, &step.expect);
        }
        uses.scoped = scoped(case);
        uses
    }

    /// The attributes one step's checks expect in its response.
    pub fn expected_by(request: &Request, expect: &Expect) -> Vec<AttrUse> {
        let mut uses = Uses::default();
        uses.expectations(request, expect);
        uses.expected
    }

    fn request(&mut self, r: &Request) {
        let resources = resources_of(&r.path);
        for (k, v) in &r.query {
            self.query_param(&resources, k, v);
        }
        if let Some((_, query)) = r.path.split_once('?') {
            for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                self.query_param(&resources, &k, &v);
            }
        }
        let Some(body) = &r.json else { return };
        let top = r.path.split('?').next().unwrap_or("").trim_matches('/');
        match (r.method, resources.as_slice()) {
            (Method::Post, _) if top.ends_with(".search") => {
                if let Some(obj) = body.as_object() {
                    for (k, v) in obj {
                        if let Some(v) = v.as_str() {
                            self.query_param(&resources, k, v);
                        } else if let Some(list) = v.as_array() {
                            let joined: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
                            self.query_param(&resources, k, &joined.join(","));
                        }
                    }
                }
            }
            (Method::Post | Method::Put, [resource]) => self.body(resource, body),
            (Method::Patch, [resource]) => self.patch(resource, body),
            (Method::Post, []) if top.eq_ignore_ascii_case("Bulk") => {
                let ops = body.as_object().and_then(|o| crate::scim::message::get(o, "Operations"));
                for op in ops.and_then(Value::as_array).into_iter().flatten() {
                    let Some(op) = op.as_object() else { continue };
                    let path = crate::scim::message::get(op, "path").and_then(Value::as_str).unwrap_or("");
                    let method =
                        crate::scim::message::get(op, "method").and_then(Value::as_str).unwrap_or("");
                    let data = crate::scim::message::get(op, "data").unwrap_or(&Value::Null);
                    if let [resource] = resources_of(path).as_slice() {
                        match method.to_ascii_uppercase().as_str() {
                            "POST" | "PUT" => self.body(resource, data),
                            "PATCH" => self.patch(resource, data),
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn query_param(&mut self, resources: &[&str], key: &str, value: &str) {
        match key.to_ascii_lowercase().as_str() {
            "filter" => {
                let Ok(filter) = Filter::parse(&untemplated(value)) else { return };
                let mut paths = Vec::new();
                collect_filter_paths(&filter, None, &mut paths);
                for path in paths {
                    self.exercise_any(resources, &path);
                }
            }
            "attributes" | "excludedattributes" | "sortby" => {
                for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    if let Ok(path) = AttrPath::parse(&untemplated(name)) {
                        self.exercise_any(resources, &path);
                    }
                }
            }
            _ => {}
        }
    }

    fn exercise_any(&mut self, resources: &[&str], path: &AttrPath) {
        // At the root, a name counts for the types that define it.
        for resource in resources {
            if let Some(u) = rfc_use(resource, path) {
                push(&mut self.exercised, u);
            }
        }
    }

    /// A POST or PUT body, a Bulk operation's data, or a path-less PATCH value.
    fn body(&mut self, resource: &str, body: &Value) {
        let Some(obj) = body.as_object() else { return };
        let Some(rt) = Registry::builtin().resource_type(resource) else { return };
        for (key, value) in obj {
            if let Some(Container::Extension(schema)) = rt.schema_for_urn(key) {
                for (k, v) in value.as_object().into_iter().flatten() {
                    let path = AttrPath { urn: Some(schema.id.clone()), name: k.clone(), sub: None };
                    self.written_value(resource, &path, v);
                }
                continue;
            }
            if let Ok(path) = AttrPath::parse(key) {
                self.written_value(resource, &path, value);
            }
        }
    }

    fn written_value(&mut self, resource: &str, path: &AttrPath, value: &Value) {
        let Some(u) = rfc_use(resource, path) else { return };
        if value.is_null() || value.as_array().is_some_and(Vec::is_empty) {
            push(&mut self.cleared, u.clone());
        }
        push(&mut self.written, u.clone());
        // Sub-attributes written inside a complex value.
        let objects: Vec<&Map<String, Value>> = match value {
            Value::Object(o) => vec![o],
            Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
            _ => Vec::new(),
        };
        if u.sub.is_none() {
            for obj in objects {
                for key in obj.keys() {
                    let sub =
                        AttrPath { urn: path.urn.clone(), name: path.name.clone(), sub: Some(key.clone()) };
                    if let Some(s) = rfc_use(resource, &sub) {
                        push(&mut self.written, s);
                    }
                }
            }
        }
    }

    fn patch(&mut self, resource: &str, body: &Value) {
        let ops = body.as_object().and_then(|o| crate::scim::message::get(o, "Operations"));
        for op in ops.and_then(Value::as_array).into_iter().flatten() {
            let Some(op) = op.as_object() else { continue };
            let kind = crate::scim::message::get(op, "op")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            let value = crate::scim::message::get(op, "value").unwrap_or(&Value::Null);
            match crate::scim::message::get(op, "path").and_then(Value::as_str) {
                None => self.body(resource, value),
                Some(text) => {
                    let Ok(path) = parse_patch_path(&untemplated(text)) else { continue };
                    let mut target = path.attr.clone();
                    if let Some(sub) = &path.sub_after_filter {
                        target.sub = Some(sub.clone());
                    }
                    let Some(u) = rfc_use(resource, &target) else { continue };
                    push(&mut self.exercised, u.clone());
                    if let Some(filter) = &path.filter {
                        let mut paths = Vec::new();
                        collect_filter_paths(filter, Some(&path.attr), &mut paths);
                        for p in paths {
                            if let Some(f) = rfc_use(resource, &p) {
                                push(&mut self.exercised, f);
                            }
                        }
                    }
                    if kind == "remove" || value.is_null() {
                        push(&mut self.cleared, u.clone());
                    }
                    if kind != "remove" {
                        self.written_value(resource, &target, value);
                    }
                }
            }
        }
    }

    fn expectations(&mut self, r: &Request, expect: &Expect) {
        let resources = resources_of(&r.path);
        if resources.is_empty() {
            return;
        }
        let listing = is_listing(r.method, &r.path);
        if let Some(json) = &expect.json {
            let json = &json.value;
            if listing {
                for item in json.get("Resources").and_then(Value::as_array).into_iter().flatten() {
                    self.expected_object(&resources, item);
                }
            } else {
                self.expected_object(&resources, json);
            }
        }
        for p in &expect.pointers {
            self.expected_pointer(&resources, &p.value, listing);
        }
        if let Some(each) = &expect.each {
            let each = &each.value;
            if each.at == "/Resources" || !listing {
                if let Some(json) = &each.json {
                    self.expected_object(&resources, json);
                }
                for p in &each.pointers {
                    self.expected_pointer(&resources, p, false);
                }
            }
        }
        if let Some(sorted) = &expect.sorted
            && let Ok(path) = AttrPath::parse(&sorted.value.by)
        {
            self.exercise_any(&resources, &path);
        }
    }

    fn expected_object(&mut self, resources: &[&str], obj: &Value) {
        let Some(obj) = obj.as_object() else { return };
        for resource in resources {
            let Some(rt) = Registry::builtin().resource_type(resource) else { continue };
            for (key, value) in obj {
                let container = rt.schema_for_urn(key);
                if let Some(Container::Extension(schema)) = container {
                    for k in value.as_object().into_iter().flatten().map(|(k, _)| k) {
                        let path = AttrPath { urn: Some(schema.id.clone()), name: k.clone(), sub: None };
                        self.expect(resource, &path, value.is_null());
                    }
                    continue;
                }
                let Ok(path) = AttrPath::parse(key) else { continue };
                self.expect(resource, &path, value.is_null());
                let objects: Vec<&Map<String, Value>> = match value {
                    Value::Object(o) => vec![o],
                    Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
                    _ => Vec::new(),
                };
                for o in objects {
                    for k in o.keys() {
                        let sub = AttrPath { urn: None, name: path.name.clone(), sub: Some(k.clone()) };
                        self.expect(resource, &sub, false);
                    }
                }
            }
        }
    }

    fn expected_pointer(&mut self, resources: &[&str], check: &PointerCheck, listing: bool) {
        if check.optional {
            return;
        }
        let segments: Vec<String> =
            check.at.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect();
        let segments: &[String] = match (listing, segments.as_slice()) {
            (true, [first, index, rest @ ..]) if first == "Resources" && index.parse::<usize>().is_ok() => {
                rest
            }
            (true, _) => return,
            (false, all) => all,
        };
        let path = match segments {
            [urn, name, ..] if crate::scim::attr_path::starts_with_urn(urn) => {
                AttrPath { urn: Some(urn.clone()), name: name.clone(), sub: None }
            }
            [name, next, ..] if next.parse::<usize>().is_err() && !next.is_empty() => {
                AttrPath { urn: None, name: name.clone(), sub: Some(next.clone()) }
            }
            [name, ..] => AttrPath::simple(name),
            [] => return,
        };
        for resource in resources {
            self.expect(resource, &path, check.absent);
        }
    }

    fn expect(&mut self, resource: &str, path: &AttrPath, absent: bool) {
        let Some(u) = rfc_use(resource, path) else { return };
        if absent {
            push(&mut self.expected_absent, u);
        } else {
            push(&mut self.expected, u.clone());
            push(&mut self.exercised, u);
        }
    }
}

fn push(list: &mut Vec<AttrUse>, u: AttrUse) {
    if !list.contains(&u) {
        list.push(u);
    }
}

/// Every attribute path a filter names; inside `attr[...]`, relative to `attr`.
fn collect_filter_paths(filter: &Filter, parent: Option<&AttrPath>, out: &mut Vec<AttrPath>) {
    let relative = |p: &AttrPath| match parent {
        Some(parent) => {
            AttrPath { urn: parent.urn.clone(), name: parent.name.clone(), sub: Some(p.name.clone()) }
        }
        None => p.clone(),
    };
    match filter {
        Filter::And(parts) | Filter::Or(parts) => {
            parts.iter().for_each(|p| collect_filter_paths(p, parent, out))
        }
        Filter::Not(inner) => collect_filter_paths(inner, parent, out),
        Filter::Compare { path, .. } | Filter::Present { path, .. } => out.push(relative(path)),
        Filter::ValuePath { path, filter, .. } => {
            out.push(relative(path));
            collect_filter_paths(filter, Some(path), out);
        }
    }
}

fn scoped(case: &Case) -> Vec<&'static str> {
    let mut out = Vec::new();
    for (var, resource) in [("{{scope}}", "User"), ("{{group_scope}}", "Group")] {
        if mentions(case, var) {
            out.push(resource);
        }
    }
    out
}

fn mentions(case: &Case, var: &str) -> bool {
    let mentions = |s: &str| s.contains(var);
    case.doc.steps.iter().any(|s| {
        let s = &s.value;
        s.walk.as_ref().is_some_and(|w| w.query.values().any(|v| mentions(v)))
            || s.request.as_ref().is_some_and(|r| {
                r.query.values().any(|v| mentions(v))
                    || mentions(&r.path)
                    || r.json.as_ref().is_some_and(|j| mentions(&j.to_string()))
            })
    })
}

/// Why the case cannot run on this target, if it cannot: the first
/// attribute it needs that the target's schema does not define, or defines
/// so that the case's checks cannot hold.
pub fn not_applicable(uses: &Uses, model: &TargetModel) -> Option<String> {
    let target = |u: &AttrUse| -> Option<Option<(Option<&Attribute>, &Attribute)>> {
        let rt = model.resource_type(&u.resource)?;
        Some(find(rt, u))
    };
    let rfc = |u: &AttrUse| {
        Registry::builtin().resource_type(&u.resource).and_then(|rt| find(rt, u)).map(|(_, a)| a.clone())
    };
    for u in &uses.exercised {
        match target(u) {
            Some(None) => return Some(lacks(model, u)),
            Some(Some((_, attr)))
                if uses.written.contains(u)
                    && matches!(attr.mutability, Mutability::ReadOnly)
                    && rfc(u).is_some_and(|r| r.mutability != Mutability::ReadOnly) =>
            {
                return Some(format!(
                    "the target's {} schema makes {u} readOnly, and this case writes it",
                    u.resource
                ));
            }
            _ => {}
        }
    }
    for u in &uses.expected {
        if let Some(Some((parent, attr))) = target(u) {
            let never =
                attr.returned == Returned::Never || parent.is_some_and(|p| p.returned == Returned::Never);
            if never && rfc(u).is_some_and(|r| r.returned != Returned::Never) {
                return Some(format!(
                    "the target never returns {u} (returned: never), and this case checks its value"
                ));
            }
        }
    }
    for u in uses.cleared.iter().chain(&uses.expected_absent) {
        if let Some(Some((_, attr))) = target(u)
            && attr.required
            && !rfc(u).is_some_and(|r| r.required)
        {
            return Some(format!(
                "the target requires {u}, and this case {} it",
                if uses.cleared.contains(u) { "clears" } else { "expects a resource without" }
            ));
        }
    }
    for resource in &uses.scoped {
        let sets_external_id = uses.written.iter().any(|u| u.resource == *resource && u.name == "externalId");
        if model.scope.of(resource) == Some(super::model::Scope::ExternalId) && sets_external_id {
            return Some(format!(
                "the target selects a case's own {resource} resources only by the externalId the run gives them, and this case sets externalId itself"
            ));
        }
        if model.scope.of(resource).is_none() {
            let name = if *resource == "User" { "userName" } else { "displayName" };
            return Some(format!(
                "the case needs its own {resource} resources apart from the rest of the target's, and the target offers \
                 no filter that selects them (neither `{name} sw` nor `externalId eq` works)"
            ));
        }
    }
    None
}

fn lacks(model: &TargetModel, u: &AttrUse) -> String {
    let Some(rt) = model.resource_type(&u.resource) else {
        return format!("the target has no {} resource type", u.resource);
    };
    if let Some(urn) = &u.extension
        && !rt.extensions.iter().any(|e| e.schema.id.eq_ignore_ascii_case(urn))
    {
        return format!("the target's {} resource type has no {urn} extension", u.resource);
    }
    format!("the target's {} schema has no {u}", u.resource)
}

/// The target's definition of an attribute use: the attribute, and its
/// parent when it is a sub-attribute.
fn find<'r>(rt: &'r ResourceType, u: &AttrUse) -> Option<(Option<&'r Attribute>, &'r Attribute)> {
    let attr = match &u.extension {
        None => rt.core_attribute(&u.name)?,
        Some(urn) => match rt.schema_for_urn(urn)? {
            Container::Extension(schema) => schema.attribute(&u.name)?,
            Container::Core => rt.core_attribute(&u.name)?,
        },
    };
    match &u.sub {
        None => Some((None, attr)),
        Some(sub) => attr.sub(sub).map(|s| (Some(attr), s)),
    }
}

/// What a running case knows for adapting its requests.
pub struct Fitting<'a> {
    pub model: &'a TargetModel,
    pub uses: &'a Uses,
    /// The case's own prefix (`{{unique}}`), for values it generates.
    pub unique: &'a str,
}

impl Fitting<'_> {
    /// Adapts one request before it goes out. An error says why the
    /// request cannot be fitted, and so why the case does not apply.
    pub fn adapt(&self, out: &mut Outgoing, expected_attributes: &[AttrUse]) -> Result<(), String> {
        let resources = resources_of(&out.path);
        let path = out.path.split('?').next().unwrap_or("").to_string();
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match (out.method, segments.as_slice(), resources.as_slice()) {
            (Method::Post, [_], [resource]) | (Method::Put, [_, _], [resource]) => match &mut out.body {
                Some(Body::Json(body)) => self.fit_resource(resource, body, true),
                // A body written out byte by byte (escapes, key order) cannot be
                // changed without changing what the case checks.
                Some(Body::Raw(text)) => {
                    if let Ok(original) = serde_json::from_str::<Value>(text) {
                        let mut fitted = original.clone();
                        self.fit_resource(resource, &mut fitted, true);
                        if fitted != original {
                            return Err(format!(
                                "the target needs this {resource} body changed (attributes it requires or lacks), and the case sends it exactly as written"
                            ));
                        }
                    }
                }
                None => {}
            },
            (Method::Patch, [_, _], [resource]) => {
                if let Some(Body::Json(body)) = &mut out.body {
                    self.fit_patch(resource, body);
                }
            }
            (Method::Post, [bulk], []) if bulk.eq_ignore_ascii_case("Bulk") => {
                if let Some(Body::Json(body)) = &mut out.body {
                    self.fit_bulk(body);
                }
            }
            (Method::Get, _, [resource]) => self.ask_for_request_only(out, resource, expected_attributes),
            _ => {}
        }
        Ok(())
    }

    fn fit_bulk(&self, body: &mut Value) {
        let Some(ops) = body.as_object_mut().and_then(|o| crate::scim::message::get_mut(o, "Operations"))
        else {
            return;
        };
        for op in ops.as_array_mut().into_iter().flatten().filter_map(Value::as_object_mut) {
            let path =
                crate::scim::message::get(op, "path").and_then(Value::as_str).unwrap_or("").to_string();
            let method = crate::scim::message::get(op, "method")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_uppercase();
            let [resource] = resources_of(&path)[..] else { continue };
            let Some(data) = crate::scim::message::get_mut(op, "data") else { continue };
            match method.as_str() {
                "POST" | "PUT" => self.fit_resource(resource, data, true),
                "PATCH" => self.fit_patch(resource, data),
                _ => {}
            }
        }
    }

    /// A POST or PUT body: what the target's schema lacks left out, what it
    /// requires beyond the RFC filled in, and the case's scope marked.
    fn fit_resource(&self, resource: &str, body: &mut Value, complete: bool) {
        let (Some(rfc), Some(target)) =
            (Registry::builtin().resource_type(resource), self.model.resource_type(resource))
        else {
            return;
        };
        let Some(obj) = body.as_object_mut() else { return };
        if !obj.contains_key("schemas") {
            return;
        }
        drop_undefined(obj, rfc, target, self.uses);
        if complete {
            self.complete(obj, rfc, target);
        }
        if self.uses.scoped.contains(&resource)
            && self.model.scope.of(resource) == Some(super::model::Scope::ExternalId)
            && !obj.keys().any(|k| k.eq_ignore_ascii_case("externalId"))
        {
            obj.insert("externalId".into(), Value::from(self.unique));
        }
    }

    fn fit_patch(&self, resource: &str, body: &mut Value) {
        let (Some(rfc), Some(target)) =
            (Registry::builtin().resource_type(resource), self.model.resource_type(resource))
        else {
            return;
        };
        let Some(ops) = body.as_object_mut().and_then(|o| crate::scim::message::get_mut(o, "Operations"))
        else {
            return;
        };
        for op in ops.as_array_mut().into_iter().flatten().filter_map(Value::as_object_mut) {
            if crate::scim::message::get(op, "path").is_some() {
                continue;
            }
            if let Some(Value::Object(value)) = crate::scim::message::get_mut(op, "value") {
                drop_undefined(value, rfc, target, self.uses);
            }
        }
    }

    /// Fills in what the target requires that the RFC does not: required
    /// attributes and required extensions, with values made for this case.
    fn complete(&self, obj: &mut Map<String, Value>, rfc: &ResourceType, target: &ResourceType) {
        for attr in
            target.core.attributes.iter().filter(|a| a.required && a.mutability != Mutability::ReadOnly)
        {
            let rfc_required = rfc.core_attribute(&attr.name).is_some_and(|a| a.required);
            if rfc_required || obj.keys().any(|k| k.eq_ignore_ascii_case(&attr.name)) {
                continue;
            }
            obj.insert(attr.name.clone(), self.value_for(attr));
        }
        for ext in target.extensions.iter().filter(|e| e.required) {
            let urn = ext.schema.id.clone();
            let key =
                obj.keys().find(|k| k.eq_ignore_ascii_case(&urn)).cloned().unwrap_or_else(|| urn.clone());
            let entry = obj.entry(key).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(ext_obj) = entry {
                for attr in ext
                    .schema
                    .attributes
                    .iter()
                    .filter(|a| a.required && a.mutability != Mutability::ReadOnly)
                {
                    if !ext_obj.keys().any(|k| k.eq_ignore_ascii_case(&attr.name)) {
                        ext_obj.insert(attr.name.clone(), self.value_for(attr));
                    }
                }
            }
            if let Some(Value::Array(schemas)) = obj.get_mut("schemas")
                && !schemas.iter().any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(&urn)))
            {
                schemas.push(Value::from(urn));
            }
        }
    }

    /// A value of an attribute's type, unique to this case where the
    /// attribute is unique.
    fn value_for(&self, attr: &Attribute) -> Value {
        let one = if attr.is_complex() {
            let mut obj = Map::new();
            let mut subs: Vec<&Attribute> = attr.sub_attributes.iter().filter(|s| s.required).collect();
            if subs.is_empty() {
                subs = attr
                    .sub_attributes
                    .iter()
                    .filter(|s| {
                        s.mutability != Mutability::ReadOnly
                            && matches!(s.name.as_str(), "value" | "givenName" | "familyName")
                    })
                    .collect();
            }
            if subs.is_empty() {
                subs = attr
                    .sub_attributes
                    .iter()
                    .filter(|s| s.ty == AttrType::String && s.mutability != Mutability::ReadOnly)
                    .take(1)
                    .collect();
            }
            for sub in subs {
                let v = if attr.name == "emails" && sub.name == "value" {
                    Value::from(format!("{}-required@example.com", self.unique))
                } else {
                    self.scalar(sub, &attr.name)
                };
                obj.insert(sub.name.clone(), v);
            }
            Value::Object(obj)
        } else {
            self.scalar(attr, "")
        };
        if attr.multi_valued { Value::Array(vec![one]) } else { one }
    }

    fn scalar(&self, attr: &Attribute, parent: &str) -> Value {
        if let Some(first) = attr.canonical_values.first() {
            return Value::from(first.as_str());
        }
        let name = if parent.is_empty() { attr.name.clone() } else { format!("{parent}-{}", attr.name) };
        match attr.ty {
            AttrType::Boolean => Value::Bool(true),
            AttrType::Integer => Value::from(1),
            AttrType::Decimal => Value::from(1.5),
            AttrType::DateTime => Value::from("2026-01-01T00:00:00Z"),
            AttrType::Binary => Value::from("c2NpbWl0YXI="),
            AttrType::Reference => Value::from(format!("https://example.com/{}/{name}", self.unique)),
            AttrType::String if attr.uniqueness != Uniqueness::None => {
                Value::from(format!("{}-{name}", self.unique))
            }
            _ => Value::from(format!("{}-{name}", self.unique)),
        }
    }

    /// A GET whose checks read attributes the target returns only on
    /// request names them in `attributes` (RFC 7643 §7), with every other
    /// attribute the checks read, so the default ones stay in the answer.
    fn ask_for_request_only(&self, out: &mut Outgoing, resource: &str, expected: &[AttrUse]) {
        if out.query.iter().any(|(k, _)| {
            k.eq_ignore_ascii_case("attributes") || k.eq_ignore_ascii_case("excludedAttributes")
        }) || out.path.contains("attributes=")
        {
            return;
        }
        let Some(rt) = self.model.resource_type(resource) else { return };
        let on_request = expected.iter().any(|u| {
            u.resource == resource
                && find(rt, u).is_some_and(|(parent, a)| {
                    a.returned == Returned::Request || parent.is_some_and(|p| p.returned == Returned::Request)
                })
        });
        if !on_request {
            return;
        }
        let mut names: Vec<String> = Vec::new();
        for u in expected.iter().filter(|u| u.resource == resource) {
            let name = match &u.extension {
                Some(urn) => format!("{urn}:{}", u.name),
                None => u.name.clone(),
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        out.query.push(("attributes".into(), names.join(",")));
    }
}

/// Leaves out of a resource body what the RFC defines and the target does
/// not, unless the case exercises it (then it does not run at all).
fn drop_undefined(obj: &mut Map<String, Value>, rfc: &ResourceType, target: &ResourceType, uses: &Uses) {
    let exercised = |u: &AttrUse| uses.exercised.contains(u);
    let resource = rfc.name.clone();
    let keys: Vec<String> = obj.keys().cloned().collect();
    for key in keys {
        if key == "schemas" {
            continue;
        }
        if let Some(Container::Extension(schema)) = rfc.schema_for_urn(&key) {
            let target_ext = target.extensions.iter().find(|e| e.schema.id.eq_ignore_ascii_case(&schema.id));
            match target_ext {
                None => {
                    obj.shift_remove(&key);
                    if let Some(Value::Array(schemas)) = obj.get_mut("schemas") {
                        schemas.retain(|s| !s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(&schema.id)));
                    }
                }
                Some(ext) => {
                    if let Some(Value::Object(inner)) = obj.get_mut(&key) {
                        inner.retain(|k, _| {
                            schema.attribute(k).is_none() || ext.schema.attribute(k).is_some()
                        });
                    }
                }
            }
            continue;
        }
        let Some(rfc_attr) = rfc.core_attribute(&key) else { continue };
        let u =
            AttrUse { resource: resource.clone(), extension: None, name: rfc_attr.name.clone(), sub: None };
        let Some(target_attr) = target.core_attribute(&key) else {
            if !exercised(&u) {
                obj.shift_remove(&key);
            }
            continue;
        };
        // Sub-attributes the target's definition lacks.
        let prune = |v: &mut Value| {
            if let Value::Object(o) = v {
                o.retain(|k, _| rfc_attr.sub(k).is_none() || target_attr.sub(k).is_some());
            }
        };
        match obj.get_mut(&key) {
            Some(Value::Array(items)) => items.iter_mut().for_each(prune),
            Some(v @ Value::Object(_)) => prune(v),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::model::{self, Config, Document};
    use crate::suite::Suite;
    use serde_json::json;

    const CATALOGUE: &str = "- { id: t.req, source: RFC 7644 §3, level: MUST, says: x }\n";

    fn case(text: &str) -> std::sync::Arc<Case> {
        let suite = Suite::from_sources(vec![
            ("requirements/t.yaml".into(), CATALOGUE.into()),
            ("t/case.yaml".into(), text.into()),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        suite.cases[0].clone()
    }

    fn model_with_user(attrs: Value) -> TargetModel {
        let schema = json!({ "id": crate::scim::schema::CORE_USER, "attributes": attrs });
        let types =
            [json!({ "name": "User", "endpoint": "/Users", "schema": crate::scim::schema::CORE_USER })];
        let mut notes = Vec::new();
        let registry = model::build_registry(Some(&[schema]), Some(&types), &[], &mut notes);
        TargetModel {
            config: Config { filter: true, ..Config::default() },
            service_provider_config: Document::Served,
            resource_types_document: Document::Served,
            schemas_document: Document::Served,
            registry,
            notes,
            probes: Vec::new(),
            scope: model::Scopes { users: Some(model::Scope::NamePrefix), groups: None },
        }
    }

    const FILTER_CASE: &str = r#"
id: t::filter_title
title: t
requirements: [t.req]
steps:
  - request: { method: POST, path: /Users, json: { schemas: [urn:ietf:params:scim:schemas:core:2.0:User], userName: "{{unique}}", title: Boss, nickName: B } }
    capture: { u: /id }
  - request: { method: GET, path: /Users, query: { filter: '{{scope}} and title eq "Boss"' } }
    expect: { status: 200, json: { Resources: [{ id: "{{u}}" }] } }
"#;

    #[test]
    fn what_a_case_exercises_writes_and_clears_is_read_from_its_file() {
        let uses = Uses::of(&case(FILTER_CASE));
        let names = |list: &[AttrUse]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(names(&uses.exercised), ["userName", "title", "id"]);
        assert!(names(&uses.written).contains(&"nickName".to_string()));
        assert_eq!(uses.scoped, ["User"]);
        let patch = case(
            r#"
id: t::patch
title: t
requirements: [t.req]
steps:
  - request: { method: PATCH, path: "/Users/x", json: { schemas: [urn:ietf:params:scim:api:messages:2.0:PatchOp], Operations: [{ op: remove, path: 'emails[type eq "work"].display' }, { op: replace, value: { nickName: null } }] } }
    expect: { pointers: [{ at: /name/givenName, equals: x }, { at: /title, absent: true }] }
"#,
        );
        let uses = Uses::of(&patch);
        assert_eq!(names(&uses.cleared), ["emails.display", "nickName"]);
        assert!(names(&uses.exercised).contains(&"emails.type".to_string()));
        assert_eq!(names(&uses.expected), ["name.givenName"]);
        assert_eq!(names(&uses.expected_absent), ["title"]);
    }

    #[test]
    fn a_case_exercising_what_the_target_lacks_does_not_apply_and_says_why() {
        let trimmed = model_with_user(json!([{ "name": "userName", "type": "string", "required": true }]));
        let why = not_applicable(&Uses::of(&case(FILTER_CASE)), &trimmed).unwrap();
        assert_eq!(why, "the target's User schema has no title");
        let full = model_with_user(json!([
            { "name": "userName", "type": "string", "required": true },
            { "name": "title", "type": "string" }
        ]));
        assert_eq!(not_applicable(&Uses::of(&case(FILTER_CASE)), &full), None);
        let mut no_scope = full.clone();
        no_scope.scope = model::Scopes::default();
        assert!(not_applicable(&Uses::of(&case(FILTER_CASE)), &no_scope).unwrap().contains("no filter"));
    }

    #[test]
    fn bodies_lose_what_the_target_lacks_and_gain_what_it_requires() {
        let model = model_with_user(json!([
            { "name": "userName", "type": "string", "required": true },
            { "name": "title", "type": "string" },
            { "name": "name", "type": "complex", "required": true,
              "subAttributes": [{ "name": "givenName", "type": "string" }, { "name": "familyName", "type": "string" }] },
            { "name": "emails", "type": "complex", "multiValued": true, "required": true,
              "subAttributes": [{ "name": "value", "type": "string" }] }
        ]));
        let c = case(FILTER_CASE);
        let uses = Uses::of(&c);
        let fitting = Fitting { model: &model, uses: &uses, unique: "run-00001" };
        let mut out = Outgoing {
            method: Method::Post,
            body: Some(Body::Json(json!({
                "schemas": [crate::scim::schema::CORE_USER], "userName": "u", "title": "Boss", "nickName": "B",
                "emails": [{ "value": "a@b.c", "display": "x" }]
            }))),
            ..Outgoing::get("/Users")
        };
        fitting.adapt(&mut out, &[]).unwrap();
        let Some(Body::Json(body)) = out.body else { unreachable!() };
        assert!(body.get("nickName").is_none(), "written in passing, and the target lacks it");
        assert_eq!(body["title"], "Boss");
        assert_eq!(body["emails"], json!([{ "value": "a@b.c" }]), "display is not in the target's emails");
        assert_eq!(
            body["name"],
            json!({ "givenName": "run-00001-name-givenName", "familyName": "run-00001-name-familyName" })
        );
    }
}
