//! Bulk (RFC 7644 §3.7): many operations in one request, through the same
//! service calls as single requests.

use super::http::error_body;
use super::service::{Saved, Service};
use crate::faults::Fault;
use crate::scim::error::ScimError;
use crate::scim::message;
use crate::scim::normalize::kind as json_kind;
use crate::scim::schema::ResourceType;
use crate::scim::urn::{BULK_REQUEST, BULK_RESPONSE};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

#[derive(Debug, Clone)]
struct BulkOp {
    method: Method,
    bulk_id: Option<String>,
    version: Option<String>,
    path: String,
    data: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Runs a BulkRequest and returns the BulkResponse body.
pub fn run(svc: &Service<'_>, body: &Value, max_operations: usize) -> Result<Value, ScimError> {
    let (ops, fail_on_errors) = parse(body)?;
    let faults = svc.faults;
    if ops.len() > max_operations {
        let detail = if faults.has(Fault::BulkLimitNotNamed) {
            "Payload Too Large".to_string()
        } else {
            format!("The number of operations ({}) exceeds the maxOperations ({max_operations}).", ops.len())
        };
        return Err(ScimError::new(413, None, detail));
    }
    let fail_on_errors = if faults.has(Fault::BulkStopsOnError) {
        Some(1)
    } else if faults.has(Fault::BulkFailOnErrorsIgnored) {
        None
    } else {
        fail_on_errors
    };
    // The `bulk-id-not-resolved` fault: "bulkId:..." strings pass through untouched.
    let resolves = !svc.faults.has(Fault::BulkIdNotResolved);
    let mut resolved: HashMap<String, String> = HashMap::new();
    let mut results: Vec<Option<Value>> = vec![None; ops.len()];
    let mut pending: Vec<usize> = (0..ops.len()).collect();
    if faults.has(Fault::BulkGroupedByMethod) {
        pending.sort_by_key(|&i| ops[i].method as u8);
    }
    let mut errors = 0usize;
    // Each pass runs the operations whose bulkId references are all known;
    // a pass that makes no progress leaves only unresolvable ones (§3.7.1 lets
    // a service provider stop there with 409).
    'passes: loop {
        let mut progressed = false;
        let mut deferred = Vec::new();
        for &i in &pending {
            let op = &ops[i];
            let unresolved = references(op).into_iter().find(|r| resolves && !resolved.contains_key(r));
            let waits_for_later_post = unresolved.as_ref().is_some_and(|r| {
                pending
                    .iter()
                    .any(|&j| j != i && ops[j].method == Method::Post && ops[j].bulk_id.as_ref() == Some(r))
            });
            if waits_for_later_post {
                deferred.push(i);
                continue;
            }
            progressed = true;
            let outcome = match unresolved {
                Some(r) => {
                    Err(ScimError::new(409, None, format!("bulkId:{r} does not name a POST in this request")))
                }
                _ => execute(svc, op, &resolved),
            };
            let result = match outcome {
                Ok((saved, rt, status)) => {
                    if let (Method::Post, Some(bulk_id), true) = (op.method, &op.bulk_id, resolves) {
                        resolved.insert(bulk_id.clone(), saved.id.to_string());
                    }
                    success(svc, op, rt, &saved, status)
                }
                Err(e) => {
                    errors += 1;
                    failure(svc, op, &e, &resolved)
                }
            };
            results[i] = Some(result);
            if fail_on_errors.is_some_and(|limit| errors >= limit) {
                break 'passes;
            }
        }
        if deferred.is_empty() {
            break;
        }
        if !progressed {
            for &i in &deferred {
                let e = ScimError::new(409, None, "circular bulkId references could not be resolved");
                errors += 1;
                results[i] = Some(failure(svc, &ops[i], &e, &resolved));
                if fail_on_errors.is_some_and(|limit| errors >= limit) {
                    break;
                }
            }
            break;
        }
        pending = deferred;
    }
    let mut results: Vec<Value> = results.into_iter().flatten().collect();
    for result in results.iter_mut().filter_map(Value::as_object_mut) {
        if faults.has(Fault::BulkResultsMinimal) {
            result.retain(|k, _| k == "status" || k == "bulkId");
        }
        if faults.has(Fault::BulkIdNotEchoed) {
            result.shift_remove("bulkId");
        }
    }
    Ok(json!({ "schemas": [BULK_RESPONSE], "Operations": results }))
}

fn parse(body: &Value) -> Result<(Vec<BulkOp>, Option<usize>), ScimError> {
    let Value::Object(obj) = body else {
        return Err(ScimError::invalid_syntax("a Bulk body must be a BulkRequest JSON object"));
    };
    let get = |key: &str| message::get(obj, key);
    if !message::declares(obj, BULK_REQUEST) {
        return Err(ScimError::invalid_syntax(format!(
            "a BulkRequest must list \"{BULK_REQUEST}\" in \"schemas\" (RFC 7644 §3.7)"
        )));
    }
    let fail_on_errors = match get("failOnErrors") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Some(n as usize),
            _ => return Err(ScimError::invalid_value("\"failOnErrors\" must be an integer of at least 1")),
        },
    };
    let Some(Value::Array(items)) = get("Operations") else {
        return Err(ScimError::invalid_syntax("a BulkRequest needs an \"Operations\" array"));
    };
    let mut ops = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(op) = item else {
            return Err(ScimError::invalid_syntax(format!("Operations[{i}] must be a JSON object")));
        };
        let field = |key: &str| message::get(op, key);
        let text = |key: &str| -> Result<Option<String>, ScimError> {
            match field(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(ScimError::invalid_syntax(format!(
                    "Operations[{i}].{key} must be a string, not {}",
                    json_kind(other)
                ))),
            }
        };
        let method = match text("method")?.map(|m| m.to_ascii_uppercase()).as_deref() {
            Some("POST") => Method::Post,
            Some("PUT") => Method::Put,
            Some("PATCH") => Method::Patch,
            Some("DELETE") => Method::Delete,
            Some(other) => {
                return Err(ScimError::invalid_syntax(format!(
                    "Operations[{i}].method is \"{other}\"; it must be POST, PUT, PATCH or DELETE"
                )));
            }
            None => return Err(ScimError::invalid_syntax(format!("Operations[{i}] has no \"method\""))),
        };
        let path = text("path")?
            .ok_or_else(|| ScimError::invalid_syntax(format!("Operations[{i}] has no \"path\"")))?;
        let bulk_id = text("bulkId")?;
        if method == Method::Post && bulk_id.is_none() {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{i}] is a POST without \"bulkId\" (REQUIRED, RFC 7644 §3.7)"
            )));
        }
        let data = field("data").cloned();
        if method != Method::Delete && data.is_none() {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{i}] ({}) has no \"data\"",
                method.as_str()
            )));
        }
        ops.push(BulkOp { method, bulk_id, version: text("version")?, path, data });
    }
    Ok((ops, fail_on_errors))
}

/// The bulkIds an operation refers to (`"bulkId:xyz"` anywhere in its path or data).
fn references(op: &BulkOp) -> Vec<String> {
    let mut found = Vec::new();
    collect_refs(&Value::from(op.path.as_str()), &mut found);
    if let Some(data) = &op.data {
        collect_refs(data, &mut found);
    }
    found
}

fn collect_refs(v: &Value, found: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            for part in s.split('/') {
                if let Some(id) = part.strip_prefix("bulkId:") {
                    found.push(id.to_string());
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, found)),
        Value::Object(obj) => obj.values().for_each(|i| collect_refs(i, found)),
        _ => {}
    }
}

fn substitute(v: &Value, resolved: &HashMap<String, String>) -> Value {
    match v {
        Value::String(s) if s.contains("bulkId:") => Value::from(
            s.split('/')
                .map(|part| match part.strip_prefix("bulkId:").and_then(|id| resolved.get(id)) {
                    Some(real) => real.as_str(),
                    None => part,
                })
                .collect::<Vec<_>>()
                .join("/"),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|i| substitute(i, resolved)).collect()),
        Value::Object(obj) => Value::Object(
            obj.iter().map(|(k, i)| (k.clone(), substitute(i, resolved))).collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

fn execute(
    svc: &Service<'_>,
    op: &BulkOp,
    resolved: &HashMap<String, String>,
) -> Result<(Saved, &'static ResourceType, u16), ScimError> {
    let path = match substitute(&Value::from(op.path.as_str()), resolved) {
        Value::String(p) => p,
        _ => op.path.clone(),
    };
    let data = op.data.as_ref().map(|d| substitute(d, resolved)).unwrap_or(Value::Null);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let rt = svc
        .registry
        .by_endpoint(segments[0])
        .ok_or_else(|| ScimError::not_found(format!("\"{path}\" is not a resource endpoint")))?;
    let version = op.version.as_deref();
    match (op.method, segments.as_slice()) {
        (Method::Post, [_]) => svc.create(rt, &data).map(|s| (s, rt, 201)),
        (Method::Put, [_, id]) => svc.replace(rt, id, &data, version).map(|s| (s, rt, 200)),
        (Method::Patch, [_, id]) => svc.patch(rt, id, &data, version).map(|s| (s, rt, 200)),
        (Method::Delete, [_, id]) => svc.delete(rt, id, version).map(|s| (s, rt, 204)),
        (method, _) => Err(ScimError::invalid_syntax(format!(
            "{} needs a path of the form {}",
            method.as_str(),
            if method == Method::Post { "/Users" } else { "/Users/{id}" }
        ))),
    }
}

fn success(svc: &Service<'_>, op: &BulkOp, rt: &ResourceType, saved: &Saved, status: u16) -> Value {
    let status = if svc.faults.has(Fault::BulkStatusAlways200) { 200 } else { status };
    let mut result = json!({
        "method": op.method.as_str(),
        "location": svc.location(rt, &saved.id),
        "status": status.to_string(),
    });
    if let Some(bulk_id) = &op.bulk_id {
        result["bulkId"] = Value::from(bulk_id.as_str());
    }
    if let (true, Some(tag)) = (op.method != Method::Delete, svc.version_tag(saved.version)) {
        result["version"] = Value::from(tag);
    }
    result
}

fn failure(svc: &Service<'_>, op: &BulkOp, e: &ScimError, resolved: &HashMap<String, String>) -> Value {
    let mut result = json!({
        "method": op.method.as_str(),
        "status": e.status.to_string(),
    });
    if !svc.faults.has(Fault::BulkErrorBare) {
        result["response"] = error_body(svc.faults, e);
    }
    if let Some(bulk_id) = &op.bulk_id {
        result["bulkId"] = Value::from(bulk_id.as_str());
    }
    // "location": "The resource endpoint URL" (§3.7), absolute as in the
    // §3.7.3 example of a failed PUT, with any bulkId the request resolved.
    if op.method != Method::Post {
        let path = match substitute(&Value::from(op.path.as_str()), resolved) {
            Value::String(p) => p,
            _ => op.path.clone(),
        };
        result["location"] = Value::from(format!("{}/{}", svc.base, path.trim_start_matches('/')));
    }
    result
}
