//! The limits a vendor declares, kept by every request of the run: no page
//! larger than the target serves, no PATCH with more member values than it
//! takes. Neither is a deviation from the RFCs (RFC 7644 §3.4.2.4 lets a
//! server "return fewer results"; a server may refuse a request it finds too
//! large), so they change what the run sends, not what it judges.

use super::http::{Body, Outgoing};
use super::model::{TargetModel, get_ci};
use super::target::{DeleteSemantics, Target};
use crate::scim::message;
use crate::scim::patch::member_values;
use crate::suite::case::Method;
use serde_json::{Map, Value};

/// The declared limits, resolved against what discovery found the target to serve.
#[derive(Debug, Clone, Default)]
pub struct DeclaredLimits {
    pub max_page_size: Option<usize>,
    /// Most member values per PATCH, by endpoint (`/Groups`).
    members_per_patch: Vec<(String, usize)>,
}

impl DeclaredLimits {
    /// Checks the target file's declarations against the resource types the
    /// target serves: a declaration about something it does not serve, or
    /// that its schema makes meaningless, is an error in the file.
    pub fn of(target: &Target, model: &TargetModel) -> Result<DeclaredLimits, String> {
        let mut members_per_patch = Vec::new();
        for (name, declaration) in &target.resources {
            let at = declaration.declared_at.as_deref().map_or(String::new(), |at| format!("{at}: "));
            let Some(rt) = model.resource_type(name) else {
                let served: Vec<&str> =
                    model.registry.resource_types.iter().map(|rt| rt.name.as_str()).collect();
                return Err(format!(
                    "{at}[resources.{name}]: the target serves no resource type {name} (it serves {})",
                    if served.is_empty() { "none".to_string() } else { served.join(", ") }
                ));
            };
            if declaration.delete == DeleteSemantics::Deactivates && rt.core.attribute("active").is_none() {
                return Err(format!(
                    "{at}[resources.{name}] delete = \"deactivates\": the target's {} schema has no active attribute to set false",
                    rt.name
                ));
            }
            if let Some(n) = declaration.max_members_per_patch {
                if rt.core.attribute("members").is_none() {
                    return Err(format!(
                        "{at}[resources.{name}] max_members_per_patch: the target's {} schema has no members",
                        rt.name
                    ));
                }
                members_per_patch.push((rt.endpoint.trim_end_matches('/').to_string(), n as usize));
            }
        }
        Ok(DeclaredLimits {
            max_page_size: target.limits.max_page_size.map(|n| n as usize),
            members_per_patch,
        })
    }

    /// The page size to ask for when `asked` is wanted: never above the
    /// declared maximum.
    pub fn page(&self, asked: usize) -> usize {
        self.max_page_size.map_or(asked, |max| asked.min(max))
    }

    /// Lowers a listing's `count` to the declared page size; says so if it did.
    pub fn clamp_page(&self, out: &mut Outgoing) -> Option<String> {
        let max = self.max_page_size?;
        let note = |asked: &str| {
            format!(
                "count lowered from {asked} to {max}, the largest page the target file declares ([limits] max_page_size)"
            )
        };
        for (key, value) in &mut out.query {
            if key.eq_ignore_ascii_case("count") && value.trim().parse::<u64>().is_ok_and(|n| n > max as u64)
            {
                let asked = std::mem::replace(value, max.to_string());
                return Some(note(&asked));
            }
        }
        if out.method == Method::Post
            && out.path.ends_with(".search")
            && let Some(Body::Json(Value::Object(search))) = &mut out.body
            && let Some(key) = search.keys().find(|k| k.eq_ignore_ascii_case("count")).cloned()
            && search[&key].as_u64().is_some_and(|n| n > max as u64)
        {
            let asked = search.insert(key, Value::from(max)).map(|v| v.to_string()).unwrap_or_default();
            return Some(note(&asked));
        }
        None
    }

    /// The declared member limit of the resource a PATCH goes to.
    fn member_limit(&self, out: &Outgoing) -> Option<usize> {
        if out.method != Method::Patch {
            return None;
        }
        let path = out.path.split('?').next().unwrap_or_default();
        let endpoint = path.trim_end_matches('/').rsplit_once('/').map(|(endpoint, _)| endpoint)?;
        self.members_per_patch.iter().find(|(e, _)| e.eq_ignore_ascii_case(endpoint)).map(|(_, n)| *n)
    }

    /// A PATCH carrying more member values than the target takes at once,
    /// as several that each stay within the limit and together make the
    /// same change; or `None` when it is within the limit already.
    pub fn split_patch(&self, out: &Outgoing) -> Option<Vec<Outgoing>> {
        let limit = self.member_limit(out)?;
        let Some(Body::Json(Value::Object(body))) = &out.body else { return None };
        let key = body.keys().find(|k| k.eq_ignore_ascii_case("Operations"))?.clone();
        let operations = body.get(&key)?.as_array()?;
        if operations.iter().map(member_values).sum::<usize>() <= limit {
            return None;
        }
        let mut pieces: Vec<Value> = Vec::new();
        for op in operations {
            pieces.extend(split_operation(op, limit));
        }
        // Operations in order, as many per request as the limit allows.
        let mut requests: Vec<Vec<Value>> = vec![Vec::new()];
        let mut carried = 0;
        for piece in pieces {
            let n = member_values(&piece);
            if carried + n > limit && requests.last().is_some_and(|r| !r.is_empty()) {
                requests.push(Vec::new());
                carried = 0;
            }
            carried += n;
            requests.last_mut().unwrap_or_else(|| unreachable!("never empty")).push(piece);
        }
        let parts = requests
            .into_iter()
            .map(|ops| {
                let mut body = body.clone();
                body.insert(key.clone(), Value::Array(ops));
                Outgoing { body: Some(Body::Json(Value::Object(body))), ..out.clone() }
            })
            .collect();
        Some(parts)
    }
}

/// One operation as several, each with at most `limit` member values and
/// together the same change: a `replace` replaces with the first chunk and
/// adds the rest, so the members end up the same.
fn split_operation(op: &Value, limit: usize) -> Vec<Value> {
    if member_values(op) <= limit {
        return vec![op.clone()];
    }
    let Some(obj) = op.as_object() else { return vec![op.clone()] };
    let op_key = obj.keys().find(|k| k.eq_ignore_ascii_case("op")).cloned().unwrap_or_else(|| "op".into());
    let value_key =
        obj.keys().find(|k| k.eq_ignore_ascii_case("value")).cloned().unwrap_or_else(|| "value".into());
    let has_path = get_ci(op, "path").is_some();
    let members: Vec<Value> = if has_path {
        obj[&value_key].as_array().cloned().unwrap_or_default()
    } else {
        obj[&value_key]
            .as_object()
            .and_then(|v| message::get(v, "members"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let replaces =
        get_ci(op, "op").and_then(Value::as_str).is_some_and(|o| o.eq_ignore_ascii_case("replace"));
    members
        .chunks(limit)
        .enumerate()
        .map(|(i, chunk)| {
            let mut piece = obj.clone();
            if i > 0 && replaces {
                piece.insert(op_key.clone(), Value::from("add"));
            }
            if has_path {
                piece.insert(value_key.clone(), Value::Array(chunk.to_vec()));
            } else {
                // The other attributes of a pathless operation go with the first chunk only.
                let mut value = if i == 0 {
                    obj[&value_key].as_object().cloned().unwrap_or_default()
                } else {
                    Map::new()
                };
                let members_key = value
                    .keys()
                    .find(|k| k.eq_ignore_ascii_case("members"))
                    .cloned()
                    .unwrap_or_else(|| "members".into());
                value.insert(members_key, Value::Array(chunk.to_vec()));
                piece.insert(value_key.clone(), Value::Object(value));
            }
            Value::Object(piece)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn limits(members: usize, page: Option<usize>) -> DeclaredLimits {
        DeclaredLimits { max_page_size: page, members_per_patch: vec![("/Groups".into(), members)] }
    }

    fn patch(path: &str, ops: Value) -> Outgoing {
        Outgoing {
            method: Method::Patch,
            body: Some(Body::Json(json!({ "schemas": [crate::scim::urn::PATCH_OP], "Operations": ops }))),
            ..Outgoing::get(path)
        }
    }

    fn ops(out: &Outgoing) -> Value {
        match &out.body {
            Some(Body::Json(b)) => b["Operations"].clone(),
            _ => Value::Null,
        }
    }

    fn members(range: std::ops::Range<usize>) -> Vec<Value> {
        range.map(|i| json!({ "value": format!("u{i}") })).collect()
    }

    #[test]
    fn a_patch_within_the_limit_or_to_another_endpoint_is_sent_as_is() {
        let l = limits(3, None);
        assert!(
            l.split_patch(&patch(
                "/Groups/g1",
                json!([{ "op": "add", "path": "members", "value": members(0..3) }])
            ))
            .is_none()
        );
        assert!(
            l.split_patch(&patch(
                "/Users/u1",
                json!([{ "op": "add", "path": "members", "value": members(0..9) }])
            ))
            .is_none()
        );
    }

    #[test]
    fn an_add_of_seven_members_at_three_per_patch_is_three_patches_in_order() {
        let l = limits(3, None);
        let parts = l
            .split_patch(&patch(
                "/Groups/g1",
                json!([
                    { "op": "replace", "path": "displayName", "value": "x" },
                    { "op": "add", "path": "members", "value": members(0..7) }
                ]),
            ))
            .unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            ops(&parts[0]),
            json!([{ "op": "replace", "path": "displayName", "value": "x" }, { "op": "add", "path": "members", "value": members(0..3) }])
        );
        assert_eq!(ops(&parts[1]), json!([{ "op": "add", "path": "members", "value": members(3..6) }]));
        assert_eq!(ops(&parts[2]), json!([{ "op": "add", "path": "members", "value": members(6..7) }]));
        assert!(parts.iter().all(|p| p.path == "/Groups/g1" && p.method == Method::Patch));
    }

    #[test]
    fn a_replace_keeps_its_meaning_across_the_split_and_filtered_removes_count_one_each() {
        let l = limits(2, None);
        let parts = l
            .split_patch(&patch(
                "/Groups/g1",
                json!([{ "op": "Replace", "path": "members", "value": members(0..5) }]),
            ))
            .unwrap();
        let verbs: Vec<Value> = parts.iter().map(|p| ops(p)[0]["op"].clone()).collect();
        assert_eq!(verbs, [json!("Replace"), json!("add"), json!("add")]);
        let removes: Vec<Value> = (0..3)
            .map(|i| json!({ "op": "remove", "path": format!("members[value eq \"u{i}\"]") }))
            .collect();
        let parts = l.split_patch(&patch("/Groups/g1", Value::Array(removes))).unwrap();
        assert_eq!(parts.iter().map(|p| ops(p).as_array().unwrap().len()).collect::<Vec<_>>(), [2, 1]);
    }

    #[test]
    fn a_pathless_operation_splits_its_members_and_keeps_the_rest_in_the_first_part() {
        let l = limits(2, None);
        let parts = l
            .split_patch(&patch(
                "/Groups/g1",
                json!([{ "op": "add", "value": { "displayName": "x", "members": members(0..3) } }]),
            ))
            .unwrap();
        assert_eq!(
            ops(&parts[0]),
            json!([{ "op": "add", "value": { "displayName": "x", "members": members(0..2) } }])
        );
        assert_eq!(ops(&parts[1]), json!([{ "op": "add", "value": { "members": members(2..3) } }]));
    }

    #[test]
    fn a_page_larger_than_declared_is_asked_at_the_declared_size() {
        let l = limits(2, Some(50));
        let mut get = Outgoing { query: vec![("count".into(), "100".into())], ..Outgoing::get("/Users") };
        assert!(l.clamp_page(&mut get).unwrap().contains("from 100 to 50"));
        assert_eq!(get.query, [("count".to_string(), "50".to_string())]);
        let mut small = Outgoing { query: vec![("count".into(), "5".into())], ..Outgoing::get("/Users") };
        assert!(l.clamp_page(&mut small).is_none());
        let mut search = Outgoing {
            method: Method::Post,
            body: Some(Body::Json(json!({ "count": 500 }))),
            ..Outgoing::get("/Users/.search")
        };
        assert!(l.clamp_page(&mut search).is_some());
        assert_eq!(search.body, Some(Body::Json(json!({ "count": 50 }))));
        assert!(limits(2, None).clamp_page(&mut get).is_none(), "nothing declared, nothing changed");
    }
}
