//! Create, read, replace, delete over HTTP (RFC 7644 §3.3, §3.4.1, §3.5.1, §3.6).

use crate::api::*;
use serde_json::{Value, json};

#[test]
fn create_answers_201_with_location_etag_and_the_resource() {
    let api = Api::start();
    let r = api.post(
        "/Users",
        &json!({ "schemas": [USER], "userName": "bjensen@example.com", "id": "client-chosen",
                 "meta": { "created": "2000-01-01T00:00:00Z" }, "password": "s3cret" }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap();
    assert_ne!(id, "client-chosen", "id is readOnly: the client's value is ignored");
    let location = r.header("location").unwrap();
    assert_eq!(location, api.url(&format!("/Users/{id}")));
    assert_eq!(r.body["meta"]["location"], location);
    assert_eq!(r.body["meta"]["resourceType"], "User");
    assert_eq!(r.body["meta"]["created"], r.body["meta"]["lastModified"]);
    assert_ne!(r.body["meta"]["created"], "2000-01-01T00:00:00Z");
    let etag = r.header("etag").expect("an ETag header");
    assert_eq!(Some(etag), r.body["meta"]["version"].as_str());
    assert!(r.body.get("password").is_none(), "password is returned: never");
    assert_eq!(r.header("content-type"), Some("application/scim+json"));
}

#[test]
fn get_returns_what_create_returned() {
    let api = Api::start();
    let created = api.post("/Users", &json!({ "schemas": [USER], "userName": "alice", "active": true }));
    let id = created.body["id"].as_str().unwrap();
    let got = api.get(&format!("/Users/{id}"));
    assert_eq!(got.status, 200);
    assert!(created.body["meta"].is_object() && created.header("etag").is_some());
    assert_eq!(got.body, created.body);
    assert_eq!(got.header("etag"), created.header("etag"));
}

#[test]
fn unknown_ids_and_paths_are_404_scim_errors() {
    let api = Api::start();
    api.get("/Users/nope").assert_error(404, None);
    api.get("/Groups/nope").assert_error(404, None);
    api.get("/Widgets").assert_error(404, None);
    api.get("/Users/a/b").assert_error(404, None);
    api.delete("/Users/nope").assert_error(404, None);
    api.put("/Users/nope", &json!({ "schemas": [USER], "userName": "x" })).assert_error(404, None);
    api.patch("/Users/nope", json!([{ "op": "remove", "path": "title" }])).assert_error(404, None);
    // Outside the tenant prefix too.
    let outside = api.client.get(format!("http://{}/elsewhere", api.server.addr())).bearer_auth(TOKEN);
    api.send(outside).assert_error(404, None);
}

#[test]
fn put_replaces_clears_what_is_omitted_and_keeps_the_password() {
    let api = Api::start();
    let id = api
        .user_with(json!({ "schemas": [USER], "userName": "bob", "title": "Engineer", "nickName": "Bobby",
                                   "password": "pw" }));
    let before = api.get(&format!("/Users/{id}"));
    std::thread::sleep(std::time::Duration::from_millis(5));
    let r = api
        .put(&format!("/Users/{id}"), &json!({ "schemas": [USER], "userName": "bob", "title": "Manager" }));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["title"], "Manager");
    assert!(r.body.get("nickName").is_none(), "PUT replaces: omitted attributes are cleared");
    assert_eq!(r.body["id"], id.as_str());
    assert_eq!(r.body["meta"]["created"], before.body["meta"]["created"]);
    assert_ne!(r.body["meta"]["lastModified"], before.body["meta"]["lastModified"]);
    assert_ne!(r.header("etag"), before.header("etag"));
    assert!(r.body.get("password").is_none());
}

#[test]
fn put_without_the_write_only_password_keeps_it() {
    // A client cannot read a writeOnly value back, so it cannot repeat it in a
    // PUT. A server that shows passwords (a fault) lets the test see the store.
    let api = Api::with_faults(&[scimitar::faults::Fault::PasswordReturned]);
    let id = api.user_with(json!({ "schemas": [USER], "userName": "bob", "password": "pw" }));
    let r = api.put(&format!("/Users/{id}"), &json!({ "schemas": [USER], "userName": "bob" }));
    assert_eq!(r.body["password"], "pw");
    let r =
        api.put(&format!("/Users/{id}"), &json!({ "schemas": [USER], "userName": "bob", "password": "new" }));
    assert_eq!(r.body["password"], "new");
}

#[test]
fn delete_answers_204_then_the_resource_is_gone() {
    let api = Api::start();
    let id = api.user("carol");
    let r = api.delete(&format!("/Users/{id}"));
    assert_eq!(r.status, 204);
    assert!(r.text.is_empty());
    api.get(&format!("/Users/{id}")).assert_error(404, None);
    api.delete(&format!("/Users/{id}")).assert_error(404, None);
    assert_eq!(api.list("/Users", &[]).body["totalResults"], 0);
}

#[test]
fn user_name_is_unique_ignoring_case_on_create_and_replace() {
    let api = Api::start();
    api.user("Dave@Example.com");
    let r = api.post("/Users", &json!({ "schemas": [USER], "userName": "dave@example.COM" }));
    r.assert_error(409, Some("uniqueness"));
    assert!(r.detail().contains("userName"));
    let other = api.user("erin");
    api.put(&format!("/Users/{other}"), &json!({ "schemas": [USER], "userName": "DAVE@example.com" }))
        .assert_error(409, Some("uniqueness"));
    api.patch(
        &format!("/Users/{other}"),
        json!([{ "op": "replace", "path": "userName", "value": "dave@EXAMPLE.com" }]),
    )
    .assert_error(409, Some("uniqueness"));
    // Replacing your own userName with a case variant is not a conflict.
    let r = api.put(&format!("/Users/{other}"), &json!({ "schemas": [USER], "userName": "ERIN" }));
    assert_eq!(r.status, 200, "{}", r.text);
}

#[test]
fn group_display_name_is_unique() {
    let api = Api::start();
    api.group("Admins", &[]);
    api.post("/Groups", &json!({ "schemas": [GROUP], "displayName": "admins" }))
        .assert_error(409, Some("uniqueness"));
}

#[test]
fn members_carry_value_ref_type_display_and_users_show_their_groups() {
    let api = Api::start();
    let alice = api.user_with(json!({ "schemas": [USER], "userName": "alice", "displayName": "Alice A" }));
    let bob = api.user("bob");
    let gid = api.group("Staff", &[&alice, &bob]);
    let g = api.get(&format!("/Groups/{gid}"));
    let members = g.body["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(members[0]["value"], alice.as_str());
    assert_eq!(members[0]["type"], "User");
    assert_eq!(members[0]["display"], "Alice A");
    assert_eq!(members[0]["$ref"], api.url(&format!("/Users/{alice}")));
    assert_eq!(members[1]["display"], "bob", "without displayName, display is the userName");
    let u = api.get(&format!("/Users/{alice}"));
    assert_eq!(
        u.body["groups"],
        json!([{ "value": gid, "$ref": api.url(&format!("/Groups/{gid}")), "type": "direct", "display": "Staff" }])
    );
    // User.groups is readOnly: a client cannot change it.
    api.patch(
        &format!("/Users/{alice}"),
        json!([{ "op": "add", "path": "groups", "value": [{ "value": gid }] }]),
    )
    .assert_error(400, Some("mutability"));
}

#[test]
fn deleting_a_user_removes_it_from_its_groups() {
    let api = Api::start();
    let alice = api.user("alice");
    let bob = api.user("bob");
    let gid = api.group("Staff", &[&alice, &bob]);
    let before = api.get(&format!("/Groups/{gid}"));
    assert_eq!(api.delete(&format!("/Users/{alice}")).status, 204);
    let after = api.get(&format!("/Groups/{gid}"));
    let values: Vec<&str> =
        after.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    assert_eq!(values, [bob.as_str()]);
    assert_ne!(after.header("etag"), before.header("etag"), "the group changed, so its version did");
    assert_eq!(api.delete(&format!("/Users/{bob}")).status, 204);
    assert!(api.get(&format!("/Groups/{gid}")).body.get("members").is_none());
}

#[test]
fn members_must_exist_and_groups_can_nest() {
    let api = Api::start();
    api.post(
        "/Groups",
        &json!({ "schemas": [GROUP], "displayName": "G", "members": [{ "value": "ghost" }] }),
    )
    .assert_error(400, Some("invalidValue"));
    let inner = api.group("Inner", &[]);
    let outer = api.group("Outer", &[&inner]);
    assert_eq!(api.get(&format!("/Groups/{outer}")).body["members"][0]["type"], "Group");
    let u = api.user("u");
    api.post(
        "/Groups",
        &json!({ "schemas": [GROUP], "displayName": "T", "members": [{ "value": u, "type": "Group" }] }),
    )
    .assert_error(400, Some("invalidValue"));
    api.patch(
        &format!("/Groups/{outer}"),
        json!([{ "op": "add", "path": "members", "value": [{ "value": outer }] }]),
    )
    .assert_error(400, Some("invalidValue"));
}

#[test]
fn enterprise_extension_round_trips() {
    let api = Api::start();
    let r = api.post(
        "/Users",
        &json!({ "schemas": [USER, ENTERPRISE], "userName": "e", ENTERPRISE: { "employeeNumber": "42", "department": "R&D" } }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["schemas"], json!([USER, ENTERPRISE]));
    assert_eq!(r.body[ENTERPRISE]["department"], "R&D");
}

#[test]
fn accepts_scim_and_plain_json_with_any_charset_and_refuses_other_types() {
    let api = Api::start();
    for (i, ct) in [
        "application/scim+json",
        "application/json",
        "application/scim+json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
    ]
    .iter()
    .enumerate()
    {
        let body = json!({ "schemas": [USER], "userName": format!("ct{i}") }).to_string();
        let r = api.send(api.request("POST", "/Users").header("Content-Type", *ct).body(body));
        assert_eq!(r.status, 201, "{ct}: {}", r.text);
        assert_eq!(r.header("content-type"), Some("application/scim+json"));
    }
    let body = json!({ "schemas": [USER], "userName": "form" }).to_string();
    api.send(
        api.request("POST", "/Users")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.clone()),
    )
    .assert_error(415, None);
    api.send(api.request("POST", "/Users").body(body)).assert_error(415, None);
}

#[test]
fn bad_bodies_get_precise_errors() {
    let api = Api::start();
    let raw = |text: &str| {
        api.send(
            api.request("POST", "/Users")
                .header("Content-Type", "application/scim+json")
                .body(text.to_string()),
        )
    };
    raw("{\"schemas\": [").assert_error(400, Some("invalidSyntax"));
    raw("").assert_error(400, Some("invalidSyntax"));
    raw("[1,2]").assert_error(400, Some("invalidSyntax"));
    api.post("/Users", &json!({ "schemas": [USER], "userName": 5 })).assert_error(400, Some("invalidValue"));
    api.post("/Users", &json!({ "schemas": [USER] })).assert_error(400, Some("invalidValue"));
    api.post("/Users", &json!({ "schemas": [USER], "userName": "x", "shoe": 9 }))
        .assert_error(400, Some("invalidSyntax"));
    let invalid_utf8 = api.send(
        api.request("POST", "/Users")
            .header("Content-Type", "application/scim+json")
            .body(vec![b'{', 0xff, 0xfe, b'}']),
    );
    invalid_utf8.assert_error(400, Some("invalidSyntax"));
}

#[test]
fn oversized_bodies_are_413() {
    let api = Api::start();
    let big = json!({ "schemas": [USER], "userName": "x", "nickName": "n".repeat(2 * 1024 * 1024) });
    api.post("/Users", &big).assert_error(413, None);
}

#[test]
fn me_is_not_implemented() {
    let api = Api::start();
    api.get("/Me").assert_error(501, None);
}

#[test]
fn put_cannot_change_id_and_ignores_read_only_input() {
    let api = Api::start();
    let id = api.user("frank");
    let r = api.put(
        &format!("/Users/{id}"),
        &json!({ "schemas": [USER], "userName": "frank", "id": "other", "groups": [{ "value": "g" }] }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["id"], id.as_str());
    assert!(r.body.get("groups").is_none());
    assert_eq!(api.get("/Users/other").status, 404);
}

#[test]
fn null_and_empty_values_mean_unassigned() {
    let api = Api::start();
    let r = api.post(
        "/Users",
        &json!({ "schemas": [USER], "userName": "g", "addresses": null, "emails": [], "title": null }),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    for attr in ["addresses", "emails", "title"] {
        assert!(r.body.get(attr).is_none(), "{attr} should be unassigned");
    }
    assert_eq!(r.body["userName"], Value::from("g"));
}
