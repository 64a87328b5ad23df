//! What a run created, so it can delete exactly that, and refuse anything else.
//!
//! A harness pointed at a vendor's staging tenant must never touch data it did
//! not make. Every resource created by a run is recorded from the response that
//! created it; PUT, PATCH and DELETE are allowed only on those, or on ids that
//! carry the run's prefix (requests for resources that cannot exist).

use super::http::{Http, Incoming, Outgoing};
use crate::suite::case::Method;
use indexmap::IndexSet;
use serde_json::Value;
use std::sync::Mutex;

/// Endpoints that hold configuration, not anyone's data.
const DISCOVERY: [&str; 3] = ["ServiceProviderConfig", "ResourceTypes", "Schemas"];

pub struct Tracker {
    run_id: String,
    /// (endpoint, id), e.g. ("Users", "2819c223-...").
    created: Mutex<IndexSet<(String, String)>>,
}

impl Tracker {
    pub fn new(run_id: impl Into<String>) -> Tracker {
        Tracker { run_id: run_id.into(), created: Mutex::new(IndexSet::new()) }
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    fn created(&self) -> std::sync::MutexGuard<'_, IndexSet<(String, String)>> {
        self.created.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn count(&self) -> usize {
        self.created().len()
    }

    /// Refuses a request that would modify or delete what this run did not create.
    pub fn permits(&self, out: &Outgoing) -> Result<(), String> {
        if out.method.mutates() {
            self.permits_path(&out.path)?;
        }
        // Bulk carries its own methods and paths.
        if out.method == Method::Post
            && segments(&out.path).first() == Some(&"Bulk")
            && let Some(super::http::Body::Json(body)) = &out.body
        {
            for op in body.get("Operations").and_then(Value::as_array).into_iter().flatten() {
                let method =
                    op.get("method").and_then(Value::as_str).unwrap_or_default().to_ascii_uppercase();
                if matches!(method.as_str(), "PUT" | "PATCH" | "DELETE")
                    && let Some(path) = op.get("path").and_then(Value::as_str)
                {
                    self.permits_path(path)?;
                }
            }
        }
        Ok(())
    }

    fn permits_path(&self, path: &str) -> Result<(), String> {
        let parts = segments(path);
        let (Some(endpoint), Some(id)) = (parts.first(), parts.get(1)) else { return Ok(()) };
        if DISCOVERY.contains(endpoint) || id.contains(self.run_id.as_str()) {
            return Ok(());
        }
        if self.created().contains(&(endpoint.to_string(), id.to_string())) {
            return Ok(());
        }
        Err(format!(
            "refusing to modify {path}: this run did not create it (a case may only change what it created)"
        ))
    }

    /// Records what a response says was created.
    pub fn observe(&self, out: &Outgoing, incoming: &Incoming) {
        let parts = segments(&out.path);
        match (out.method, parts.as_slice(), incoming.status) {
            (Method::Post, [endpoint], 201) if !DISCOVERY.contains(endpoint) && *endpoint != "Bulk" => {
                if let Some(id) = created_id(incoming) {
                    self.created().insert((endpoint.to_string(), id));
                }
            }
            (Method::Post, ["Bulk"], 200) => {
                let Ok(body) = incoming.json() else { return };
                for op in body.get("Operations").and_then(Value::as_array).into_iter().flatten() {
                    let created = op
                        .get("method")
                        .and_then(Value::as_str)
                        .is_some_and(|m| m.eq_ignore_ascii_case("POST"))
                        && op.get("status").and_then(status_text).as_deref() == Some("201");
                    if created && let Some(location) = op.get("location").and_then(Value::as_str) {
                        let mut tail = location.rsplit('/');
                        if let (Some(id), Some(endpoint)) = (tail.next(), tail.next()) {
                            self.created().insert((endpoint.to_string(), id.to_string()));
                        }
                    }
                }
            }
            (Method::Delete, [endpoint, id], 200..=299) => {
                self.created().shift_remove(&(endpoint.to_string(), id.to_string()));
            }
            _ => {}
        }
    }

    /// Deletes everything still recorded (newest first, so groups go before
    /// their members). Returns how many are left behind.
    pub async fn clean(&self, http: &Http) -> usize {
        let all: Vec<(String, String)> = self.created().iter().rev().cloned().collect();
        for (endpoint, id) in all {
            let out = Outgoing { method: Method::Delete, ..Outgoing::get(format!("/{endpoint}/{id}")) };
            let (_, result) = http.send(0, &out).await;
            // 404: already gone, which is what cleanup wants.
            if let Ok(r) = result
                && (r.status < 300 || r.status == 404)
            {
                self.created().shift_remove(&(endpoint, id));
            }
        }
        self.count()
    }
}

fn segments(path: &str) -> Vec<&str> {
    path.split('?').next().unwrap_or("").split('/').filter(|s| !s.is_empty()).collect()
}

fn status_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        // RFC 7644 §3.7.2 examples also show {"code": "201"}.
        Value::Object(o) => o.get("code").and_then(status_text),
        _ => None,
    }
}

/// The id of a created resource: from its body, else from its Location.
fn created_id(incoming: &Incoming) -> Option<String> {
    if let Ok(body) = incoming.json()
        && let Some(id) = crate::runner::matching::pointer(&body, "/id").and_then(Value::as_str)
    {
        return Some(id.to_string());
    }
    incoming.header("location").and_then(|l| l.trim_end_matches('/').rsplit('/').next()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::http::Body;
    use serde_json::json;

    fn req(method: Method, path: &str) -> Outgoing {
        Outgoing { method, ..Outgoing::get(path) }
    }

    fn created(body: Value) -> Incoming {
        Incoming { status: 201, headers: vec![], body: body.to_string().into_bytes(), complete: true }
    }

    #[test]
    fn only_what_the_run_created_may_be_changed() {
        let t = Tracker::new("scimitar-ab12");
        assert!(t.permits(&req(Method::Delete, "/Users/someone-elses")).is_err());
        assert!(t.permits(&req(Method::Patch, "/Groups/x")).is_err());
        t.observe(&req(Method::Post, "/Users"), &created(json!({ "id": "u1" })));
        assert!(t.permits(&req(Method::Delete, "/Users/u1")).is_ok());
        assert!(t.permits(&req(Method::Delete, "/Groups/u1")).is_err(), "same id, other endpoint");
        assert!(t.permits(&req(Method::Delete, "/Users/scimitar-ab12-7-missing")).is_ok());
        assert!(t.permits(&req(Method::Delete, "/Schemas")).is_ok());
        assert!(t.permits(&req(Method::Get, "/Users/anyone")).is_ok());
        t.observe(
            &req(Method::Delete, "/Users/u1"),
            &Incoming { status: 204, headers: vec![], body: vec![], complete: true },
        );
        assert_eq!(t.count(), 0);
    }

    #[test]
    fn bulk_operations_are_checked_and_observed() {
        let t = Tracker::new("run");
        let bulk = |ops: Value| Outgoing {
            method: Method::Post,
            body: Some(Body::Json(json!({ "Operations": ops }))),
            ..Outgoing::get("/Bulk")
        };
        assert!(t.permits(&bulk(json!([{ "method": "DELETE", "path": "/Users/victim" }]))).is_err());
        assert!(t.permits(&bulk(json!([{ "method": "POST", "path": "/Users" }]))).is_ok());
        let response = json!({ "Operations": [{ "method": "POST", "status": "201", "location": "https://x/scim/v2/Users/b1" }] });
        t.observe(
            &bulk(json!([])),
            &Incoming {
                status: 200,
                headers: vec![],
                body: response.to_string().into_bytes(),
                complete: true,
            },
        );
        assert!(t.permits(&bulk(json!([{ "method": "DELETE", "path": "/Users/b1" }]))).is_ok());
    }
}
