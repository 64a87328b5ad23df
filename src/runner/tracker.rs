//! What a run created, so it can delete exactly that, and refuse anything else.
//!
//! A harness pointed at a vendor's staging tenant must never touch data it did
//! not make. Every resource a run creates is recorded from the response that
//! created it; PUT, PATCH and DELETE are allowed only on those, or on ids that
//! carry the run's prefix (requests for resources that cannot exist). Names a
//! run gives start with its prefix too, so a final sweep can find what an
//! interrupted request created without the run seeing the answer.

use super::http::{Body, Http, Incoming, Outgoing};
use super::matching::pointer;
use crate::scim::message;
use crate::suite::case::Method;
use indexmap::IndexSet;
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// (endpoint, id), e.g. ("Users", "2819c223-...").
type Key = (String, String);

pub struct Tracker {
    run_id: String,
    created: Mutex<IndexSet<Key>>,
    /// What the run created and then deleted: a case may still send requests
    /// there, to check that they answer 404 (RFC 7644 §3.6).
    deleted: Mutex<IndexSet<Key>>,
    /// Endpoints where the target file declares that DELETE only deactivates.
    keeps_on_delete: Mutex<Vec<String>>,
    /// What the run deleted there: still on the target, deactivated.
    deactivated: Mutex<IndexSet<Key>>,
}

/// A resource the run created that is still on the target when it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftBehind {
    /// `/Users/2819c223-...`
    pub resource: String,
    /// Why it is still there.
    pub state: Remains,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "detail")]
pub enum Remains {
    /// `--keep` asked for it.
    Kept,
    /// The target file declares that DELETE only deactivates here.
    Deactivated,
    /// DELETE answered success, yet the target still lists it.
    StillServed,
    /// DELETE did not succeed: the status or error.
    NotDeleted(String),
}

impl Remains {
    pub fn describe(&self) -> String {
        match self {
            Remains::Kept => "kept (--keep)".into(),
            Remains::Deactivated => {
                "deactivated, not deleted (the target file declares DELETE deactivates)".into()
            }
            Remains::StillServed => "still listed after DELETE answered success".into(),
            Remains::NotDeleted(why) => format!("not deleted: {why}"),
        }
    }
}

/// What cleanup did, truthfully: what it deleted and what is still there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleanup {
    pub deleted: usize,
    /// Found by name after the run, never seen created, and deleted.
    pub swept: usize,
    pub left_behind: Vec<LeftBehind>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Tracker {
    pub fn new(run_id: impl Into<String>) -> Tracker {
        Tracker {
            run_id: run_id.into(),
            created: Mutex::new(IndexSet::new()),
            deleted: Mutex::new(IndexSet::new()),
            keeps_on_delete: Mutex::new(Vec::new()),
            deactivated: Mutex::new(IndexSet::new()),
        }
    }

    /// Endpoints (`/Users`) where DELETE only deactivates, as the target file declares.
    pub fn keeps_on_delete(&self, endpoints: &[String]) {
        *lock(&self.keeps_on_delete) = endpoints.iter().map(|e| e.trim_matches('/').to_string()).collect();
    }

    fn deactivates(&self, endpoint: &str) -> bool {
        lock(&self.keeps_on_delete).iter().any(|e| e.eq_ignore_ascii_case(endpoint))
    }

    fn deleted(&self) -> MutexGuard<'_, IndexSet<Key>> {
        lock(&self.deleted)
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    fn created(&self) -> MutexGuard<'_, IndexSet<Key>> {
        lock(&self.created)
    }

    pub fn count(&self) -> usize {
        self.created().len()
    }

    /// Refuses a request that would modify or delete what this run did not create.
    pub fn permits(&self, out: &Outgoing) -> Result<(), String> {
        if out.method.mutates() {
            self.permits_path(&out.path)?;
        }
        if out.method == Method::Post && is_bulk(&out.path) {
            for op in bulk_operations(out) {
                let method = message::get(&op, "method")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_ascii_uppercase();
                if matches!(method.as_str(), "PUT" | "PATCH" | "DELETE") {
                    let path = message::get(&op, "path").and_then(Value::as_str).unwrap_or_default();
                    self.permits_path(path)?;
                }
            }
        }
        Ok(())
    }

    fn permits_path(&self, path: &str) -> Result<(), String> {
        let parts = segments(path);
        let refuse = |why: &str| Err(format!("refusing to modify {path}: {why}"));
        match parts.as_slice() {
            [endpoint, id] => {
                let key = (endpoint.to_string(), id.to_string());
                if id.contains(self.run_id.as_str())
                    || self.created().contains(&key)
                    || self.deleted().contains(&key)
                {
                    Ok(())
                } else {
                    refuse("this run did not create it (a case may only change what it created)")
                }
            }
            _ => refuse("a run only modifies single resources it created, never collections or /Me"),
        }
    }

    /// Records what a response says was created.
    pub fn observe(&self, out: &Outgoing, incoming: &Incoming) {
        let parts = segments(&out.path);
        let ok = (200..300).contains(&incoming.status);
        match (out.method, parts.as_slice()) {
            (Method::Post, [endpoint]) if ok && !is_bulk(&out.path) && !endpoint.starts_with('.') => {
                if let Some(id) = created_id(incoming) {
                    self.created().insert((endpoint.to_string(), id));
                }
            }
            (Method::Post, [_]) if ok && is_bulk(&out.path) => self.observe_bulk(out, incoming),
            (Method::Delete, [endpoint, id]) if ok => {
                let key = (endpoint.to_string(), id.to_string());
                if self.created().shift_remove(&key) {
                    if self.deactivates(endpoint) {
                        lock(&self.deactivated).insert(key.clone());
                    }
                    self.deleted().insert(key);
                }
            }
            _ => {}
        }
    }

    /// A Bulk result's POSTs, paired with the request's by bulkId, so the
    /// endpoint is known even when the result has no location.
    fn observe_bulk(&self, out: &Outgoing, incoming: &Incoming) {
        let Ok(body) = incoming.json() else { return };
        let requests = bulk_operations(out);
        let results = body.as_object().and_then(|o| message::get(o, "Operations")).and_then(Value::as_array);
        for result in results.into_iter().flatten().filter_map(Value::as_object) {
            let status = message::get(result, "status").and_then(status_text).unwrap_or_default();
            if !status.starts_with('2') {
                continue;
            }
            let location = message::get(result, "location").and_then(Value::as_str);
            let bulk_id = message::get(result, "bulkId").and_then(Value::as_str);
            let request = requests
                .iter()
                .find(|r| bulk_id.is_some() && message::get(r, "bulkId").and_then(Value::as_str) == bulk_id);
            let is_post = request
                .and_then(|r| message::get(r, "method"))
                .or_else(|| message::get(result, "method"))
                .and_then(Value::as_str)
                .is_some_and(|m| m.eq_ignore_ascii_case("POST"));
            if !is_post {
                continue;
            }
            let endpoint = request
                .and_then(|r| message::get(r, "path"))
                .and_then(Value::as_str)
                .and_then(|p| segments(p).first().map(|s| s.to_string()))
                .or_else(|| {
                    location.and_then(|l| l.trim_end_matches('/').rsplit('/').nth(1)).map(str::to_string)
                });
            let id = location.and_then(|l| l.trim_end_matches('/').rsplit('/').next());
            if let (Some(endpoint), Some(id)) = (endpoint, id) {
                self.created().insert((endpoint, id.to_string()));
            }
        }
    }

    /// What is still recorded, as `--keep` leaves it.
    pub fn kept(&self) -> Cleanup {
        let left_behind = self
            .created()
            .iter()
            .map(|(e, id)| LeftBehind { resource: format!("/{e}/{id}"), state: Remains::Kept })
            .collect();
        Cleanup { left_behind, ..Cleanup::default() }
    }

    /// Deletes everything still recorded (newest first, so groups go before
    /// their members), then, where the target filters, sweeps for what
    /// carries the run's prefix; and says what is still on the target.
    pub async fn clean(&self, http: &Http, sweep: bool) -> Cleanup {
        use futures_util::StreamExt;
        let mut cleanup = Cleanup::default();
        let all: Vec<Key> = self.created().iter().rev().cloned().collect();
        // Groups before users, so no group is left naming a deleted member;
        // within each, as many at once as the target's pace allows.
        let (groups, others): (Vec<Key>, Vec<Key>) =
            all.into_iter().partition(|(endpoint, _)| endpoint.eq_ignore_ascii_case("Groups"));
        let mut answers = Vec::new();
        for batch in [groups, others] {
            let delete = |(endpoint, id): Key| async move {
                let out = Outgoing { method: Method::Delete, ..Outgoing::get(format!("/{endpoint}/{id}")) };
                let (_, result) = http.send(0, &out).await;
                ((endpoint, id), result)
            };
            let window = http.pace().window();
            answers.extend(
                futures_util::stream::iter(batch.into_iter().map(delete))
                    .buffer_unordered(window)
                    .collect::<Vec<_>>()
                    .await,
            );
        }
        let mut failed: Vec<(Key, String)> = Vec::new();
        let mut deleted_now: Vec<Key> = Vec::new();
        for (key, result) in answers {
            match result {
                // 404: already gone, which is what cleanup wants.
                Ok(r) if r.status < 300 || r.status == 404 => {
                    self.created().shift_remove(&key);
                    if r.status < 300 && self.deactivates(&key.0) {
                        lock(&self.deactivated).insert(key.clone());
                    } else {
                        deleted_now.push(key.clone());
                    }
                    self.deleted().insert(key);
                }
                Ok(r) => failed.push((key, format!("DELETE answered {}", r.status))),
                Err(e) => failed.push((key, e.message)),
            }
        }
        let mut still_served = Vec::new();
        if sweep {
            let (swept, seen) = self.sweep(http).await;
            cleanup.swept = swept;
            still_served = seen;
        }
        let deactivated = lock(&self.deactivated).clone();
        for (endpoint, id) in &deactivated {
            cleanup
                .left_behind
                .push(LeftBehind { resource: format!("/{endpoint}/{id}"), state: Remains::Deactivated });
        }
        // A DELETE's word is taken unless the listing says otherwise.
        cleanup.deleted = deleted_now.iter().filter(|k| !still_served.contains(k)).count();
        for key in still_served.into_iter().filter(|k| !deactivated.contains(k)) {
            cleanup
                .left_behind
                .push(LeftBehind { resource: format!("/{}/{}", key.0, key.1), state: Remains::StillServed });
        }
        for ((endpoint, id), why) in failed {
            cleanup
                .left_behind
                .push(LeftBehind { resource: format!("/{endpoint}/{id}"), state: Remains::NotDeleted(why) });
        }
        cleanup
    }

    /// Finds resources whose names carry this run's prefix. Those the run
    /// never saw created (a create cut short by Ctrl-C or a timeout) are
    /// deleted; those it already deleted are returned: DELETE answered
    /// success but the target still lists them. Returns how many it deleted.
    async fn sweep(&self, http: &Http) -> (usize, Vec<Key>) {
        use futures_util::StreamExt;
        let (groups, users) =
            tokio::join!(self.listed(http, "Groups", "displayName"), self.listed(http, "Users", "userName"));
        let mut deleted = 0;
        let mut still_served = Vec::new();
        for (endpoint, attribute, found) in [("Groups", "displayName", groups), ("Users", "userName", users)]
        {
            let mut unseen = Vec::new();
            for resource in found {
                // Only what carries the prefix, whatever the server's filter did.
                let name =
                    pointer(&resource, &format!("/{attribute}")).and_then(Value::as_str).unwrap_or_default();
                let id = pointer(&resource, "/id").and_then(Value::as_str).unwrap_or_default();
                if !name.starts_with(&self.run_id) || id.is_empty() {
                    continue;
                }
                let key = (endpoint.to_string(), id.to_string());
                if self.deleted().contains(&key) {
                    still_served.push(key);
                } else {
                    unseen.push(key);
                }
            }
            let delete = |(endpoint, id): Key| async move {
                let out = Outgoing { method: Method::Delete, ..Outgoing::get(format!("/{endpoint}/{id}")) };
                let (_, result) = http.send(0, &out).await;
                (result.is_ok_and(|r| r.status < 300), (endpoint, id))
            };
            let window = http.pace().window();
            let answers: Vec<(bool, Key)> = futures_util::stream::iter(unseen.into_iter().map(delete))
                .buffer_unordered(window)
                .collect()
                .await;
            for (gone, key) in answers {
                if gone {
                    deleted += 1;
                    self.deleted().insert(key);
                }
            }
        }
        (deleted, still_served)
    }

    /// Every resource at `endpoint` whose `attribute` starts with the run's
    /// prefix, page by page as the target serves them.
    async fn listed(&self, http: &Http, endpoint: &str, attribute: &str) -> Vec<Value> {
        let filter = format!("{attribute} sw \"{}\"", self.run_id);
        let mut found: Vec<Value> = Vec::new();
        for _ in 0..SWEEP_PAGES {
            let query = vec![
                ("filter".to_string(), filter.clone()),
                ("startIndex".to_string(), (found.len() + 1).to_string()),
            ];
            let out = Outgoing { query, ..Outgoing::get(format!("/{endpoint}")) };
            let (_, result) = http.send(0, &out).await;
            let Ok(body) = result.and_then(|r| r.json().map_err(super::outcome::HarnessError::suite)) else {
                break;
            };
            let page: Vec<Value> =
                pointer(&body, "/Resources").and_then(Value::as_array).cloned().unwrap_or_default();
            let total = pointer(&body, "/totalResults").and_then(Value::as_u64).unwrap_or(0);
            if page.is_empty() {
                break;
            }
            found.extend(page);
            if found.len() as u64 >= total {
                break;
            }
        }
        found
    }
}

/// Most pages a sweep reads: a run creates a few hundred resources at most.
const SWEEP_PAGES: usize = 50;

fn segments(path: &str) -> Vec<&str> {
    path.split('?').next().unwrap_or("").split('/').filter(|s| !s.is_empty()).collect()
}

fn is_bulk(path: &str) -> bool {
    segments(path).first().is_some_and(|s| s.eq_ignore_ascii_case("Bulk"))
}

/// The operations of a Bulk request, from a JSON or a raw body.
fn bulk_operations(out: &Outgoing) -> Vec<Map<String, Value>> {
    let body = match &out.body {
        Some(Body::Json(v)) => v.clone(),
        Some(Body::Raw(text)) => serde_json::from_str(text).unwrap_or(Value::Null),
        None => Value::Null,
    };
    body.as_object()
        .and_then(|o| message::get(o, "Operations"))
        .and_then(Value::as_array)
        .map(|ops| ops.iter().filter_map(|op| op.as_object().cloned()).collect())
        .unwrap_or_default()
}

fn status_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        // RFC 7644 §3.7.2 examples also show {"code": "201"}.
        Value::Object(o) => message::get(o, "code").and_then(status_text),
        _ => None,
    }
}

/// The id of a created resource: from its body, else from its Location.
fn created_id(incoming: &Incoming) -> Option<String> {
    if let Ok(body) = incoming.json()
        && let Some(id) = pointer(&body, "/id").and_then(Value::as_str)
    {
        return Some(id.to_string());
    }
    incoming.header("location").and_then(|l| l.trim_end_matches('/').rsplit('/').next()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(method: Method, path: &str) -> Outgoing {
        Outgoing { method, ..Outgoing::get(path) }
    }

    fn answer(status: u16, body: Value) -> Incoming {
        Incoming { status, headers: vec![], body: body.to_string().into_bytes(), complete: true }
    }

    #[test]
    fn only_what_the_run_created_may_be_changed() {
        let t = Tracker::new("scimitar-ab12");
        assert!(t.permits(&req(Method::Delete, "/Users/someone-elses")).is_err());
        assert!(t.permits(&req(Method::Patch, "/Groups/x")).is_err());
        assert!(t.permits(&req(Method::Delete, "/Users")).is_err(), "never a collection");
        assert!(t.permits(&req(Method::Put, "/Me")).is_err(), "never the caller's own account");
        t.observe(&req(Method::Post, "/Users"), &answer(200, json!({ "id": "u1" })));
        assert!(t.permits(&req(Method::Delete, "/Users/u1")).is_ok(), "a create answered 200 is still ours");
        assert!(t.permits(&req(Method::Delete, "/Groups/u1")).is_err(), "same id, other endpoint");
        assert!(t.permits(&req(Method::Delete, "/Users/scimitar-ab12-7-missing")).is_ok());
        assert!(t.permits(&req(Method::Get, "/Users/anyone")).is_ok());
        t.observe(&req(Method::Delete, "/Users/u1"), &answer(204, Value::Null));
        assert_eq!(t.count(), 0);
        assert!(
            t.permits(&req(Method::Put, "/Users/u1")).is_ok(),
            "what the run deleted may be asked again, to see it answer 404"
        );
    }

    #[test]
    fn bulk_operations_are_checked_and_observed() {
        let t = Tracker::new("run");
        let bulk = |ops: Value| Outgoing {
            method: Method::Post,
            body: Some(Body::Json(json!({ "operations": ops }))),
            ..Outgoing::get("/Bulk")
        };
        assert!(
            t.permits(&bulk(json!([{ "Method": "DELETE", "Path": "/Users/victim" }]))).is_err(),
            "names ignore case"
        );
        let raw = Outgoing {
            method: Method::Post,
            body: Some(Body::Raw(r#"{"Operations":[{"method":"PATCH","path":"/Users/victim"}]}"#.into())),
            ..Outgoing::get("/Bulk")
        };
        assert!(t.permits(&raw).is_err(), "raw bodies are read too");
        assert!(t.permits(&bulk(json!([{ "method": "POST", "path": "/Users" }]))).is_ok());
        let request = bulk(
            json!([{ "method": "POST", "path": "/Users", "bulkId": "a" }, { "method": "POST", "path": "/Groups", "bulkId": "g" }]),
        );
        let response = json!({ "Operations": [
            { "bulkId": "a", "status": "201", "location": "https://x/scim/v2/Users/b1" },
            { "bulkId": "g", "status": { "code": "201" }, "location": "https://x/scim/v2/Groups/g1" }
        ] });
        t.observe(&request, &answer(200, response));
        assert!(t.permits(&bulk(json!([{ "method": "DELETE", "path": "/Users/b1" }]))).is_ok());
        assert!(t.permits(&req(Method::Delete, "/Groups/g1")).is_ok());
    }
}
