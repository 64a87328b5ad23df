//! Bulk (RFC 7644 §3.7).

use crate::api::*;
use serde_json::{Value, json};

fn bulk(api: &Api, ops: Value, fail_on_errors: Option<u64>) -> Resp {
    let mut body = json!({ "schemas": [BULK], "Operations": ops });
    if let Some(n) = fail_on_errors {
        body["failOnErrors"] = json!(n);
    }
    api.post("/Bulk", &body)
}

#[test]
fn bulk_ids_resolve_in_any_order() {
    let api = Api::start();
    // The group refers to a user created later in the same request.
    let r = bulk(
        &api,
        json!([
            { "method": "POST", "path": "/Groups", "bulkId": "g1",
              "data": { "schemas": [GROUP], "displayName": "Tour", "members": [{ "type": "User", "value": "bulkId:u1" }] } },
            { "method": "POST", "path": "/Users", "bulkId": "u1", "data": { "schemas": [USER], "userName": "alice" } }
        ]),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"]));
    let ops = r.body["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 2);
    for op in ops {
        assert_eq!(op["status"], "201", "{op}");
        assert!(op["location"].as_str().is_some() && op["version"].as_str().is_some());
    }
    let group_location = ops.iter().find(|o| o["bulkId"] == "g1").unwrap()["location"].as_str().unwrap();
    let gid = group_location.rsplit('/').next().unwrap();
    let group = api.get(&format!("/Groups/{gid}"));
    assert_eq!(group.body["members"][0]["display"], "alice");
}

#[test]
fn bulk_reports_each_failure_and_stops_at_fail_on_errors() {
    let api = Api::start();
    let ops = json!([
        { "method": "POST", "path": "/Users", "bulkId": "a", "data": { "schemas": [USER], "userName": "dup" } },
        { "method": "POST", "path": "/Users", "bulkId": "b", "data": { "schemas": [USER], "userName": "dup" } },
        { "method": "DELETE", "path": "/Users/missing" },
        { "method": "POST", "path": "/Users", "bulkId": "c", "data": { "schemas": [USER], "userName": "third" } }
    ]);
    let r = bulk(&api, ops.clone(), None);
    let statuses: Vec<_> = r.body["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["201", "409", "404", "201"]);
    assert_eq!(r.body["Operations"][1]["response"]["scimType"], "uniqueness");
    assert!(r.body["Operations"][1].get("location").is_none(), "a failed POST has no location");

    let api = Api::start();
    let r = bulk(&api, ops, Some(1));
    assert_eq!(r.body["Operations"].as_array().unwrap().len(), 2, "stops after the first error");
}

#[test]
fn bulk_limits_are_413() {
    let api = Api::start();
    let many: Vec<Value> =
        (0..1001).map(|i| json!({ "method": "DELETE", "path": format!("/Users/{i}") })).collect();
    let r = bulk(&api, Value::Array(many), None);
    r.assert_error(413, None);
    assert!(r.detail().contains("maxOperations (1000)"));
    let big = json!([{ "method": "POST", "path": "/Users", "bulkId": "x",
                       "data": { "schemas": [USER], "userName": "x", "nickName": "n".repeat(1_100_000) } }]);
    let r = bulk(&api, big, None);
    r.assert_error(413, None);
    assert!(r.detail().contains("maxPayloadSize (1048576)"));
}

#[test]
fn bulk_needs_its_schema_and_well_formed_operations() {
    let api = Api::start();
    api.post("/Bulk", &json!({ "Operations": [] })).assert_error(400, Some("invalidSyntax"));
    bulk(&api, json!([{ "method": "POST", "path": "/Users", "data": {} }]), None)
        .assert_error(400, Some("invalidSyntax"));
    bulk(&api, json!([{ "method": "GET", "path": "/Users" }]), None).assert_error(400, Some("invalidSyntax"));
    let r = bulk(
        &api,
        json!([{ "method": "PATCH", "path": "/Users/bulkId:nope", "data": { "schemas": [PATCH_OP], "Operations": [] } }]),
        None,
    );
    assert_eq!(r.body["Operations"][0]["status"], "409", "{}", r.text);
}
