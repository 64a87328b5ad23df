//! Hostile input and concurrency: no panic, no 500, no lost write.

use crate::api::*;
use serde_json::{Value, json};
use std::sync::Arc;

#[test]
fn hostile_input_never_gets_a_500() {
    let api = Api::start();
    let id = api.user("target");
    let bodies = [
        "",
        "null",
        "0",
        "\"x\"",
        "[]",
        "{}",
        "{\"schemas\":null}",
        "{\"schemas\":[1]}",
        "\u{0}",
        "{\"a\":",
        "{{{{",
        "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":{\"a\":[[[[]]]]}}",
        "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"add\",\"path\":\"[[[\",\"value\":1}]}",
        "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"add\",\"path\":\"emails[type eq \\\"a\\\"].value.x\",\"value\":1}]}",
        "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"replace\",\"value\":{\"urn:x:y\":1}}]}",
        "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"remove\",\"path\":\"members[value eq 1]\"}]}",
    ];
    let deep_array = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut all: Vec<String> = bodies.iter().map(|s| s.to_string()).collect();
    all.push(deep_array);
    for body in &all {
        for (method, path) in [
            ("POST", "/Users".to_string()),
            ("PUT", format!("/Users/{id}")),
            ("PATCH", format!("/Users/{id}")),
            ("POST", "/Bulk".into()),
            ("POST", "/.search".into()),
            ("POST", "/Groups/.search".into()),
        ] {
            let r = api.send(
                api.request(method, &path).header("Content-Type", "application/scim+json").body(body.clone()),
            );
            assert!((400..500).contains(&r.status), "{method} {path} {:.40}: {} {}", body, r.status, r.text);
            assert_eq!(r.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
        }
    }
    let filters = [
        "",
        " ",
        "(",
        ")",
        "[",
        "]",
        "\"",
        "not",
        "not (",
        "a eq",
        "a[b[c]]",
        "userName eq \"\\uD800\"",
        "emails[value eq \"x\"].type",
        "userName eq \"x\" or",
        "a.b.c.d eq 1",
        "urn: eq 1",
        "urn:a:b:c:d eq 1",
        "meta.lastModified gt \"not-a-date\"",
    ];
    for f in filters {
        let r = api.list("/Users", &[("filter", f)]);
        assert!(r.status == 200 || r.status == 400, "{f:?}: {} {}", r.status, r.text);
    }
    // Non-ASCII where attribute names are expected: a byte-offset slice once panicked here.
    for (name, value) in [
        ("sortBy", "aéé"),
        ("attributes", "aéé,é"),
        ("excludedAttributes", "urné:x"),
        ("filter", "aéé eq \"ü\""),
    ] {
        let r = api.list("/Users", &[(name, value)]);
        assert!(r.status == 200 || r.status == 400, "{name}={value}: {} {}", r.status, r.text);
    }
    for key in ["aéé", "é", "urn:é:x", "name.é"] {
        let r = api.patch(&format!("/Users/{id}"), json!([{ "op": "replace", "value": { key: 1 } }]));
        assert_eq!(r.status, 400, "{key}: {}", r.text);
    }
    for path in
        ["/Users/%ff", "/Users/..%2f..%2fetc", "/Users/.search", "/Schemas/urn:x", "/Users/a%00b", "//Users"]
    {
        let r = api.get(path);
        assert!((400..500).contains(&r.status), "{path}: {} {}", r.status, r.text);
    }
}

#[test]
fn concurrent_writers_lose_nothing_and_uniqueness_holds() {
    let api = Arc::new(Api::start());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let api = api.clone();
            std::thread::spawn(move || {
                let mut created = 0;
                for i in 0..25 {
                    if api
                        .post("/Users", &json!({ "schemas": [USER], "userName": format!("t{t}-u{i}") }))
                        .status
                        == 201
                    {
                        created += 1;
                    }
                    // Every thread races for the same name too: exactly one may win.
                    let _ = api
                        .post("/Users", &json!({ "schemas": [USER], "userName": format!("contested-{i}") }));
                }
                created
            })
        })
        .collect();
    let created: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(created, 200);
    let r = api.list("/Users", &[("count", "0")]);
    assert_eq!(r.body["totalResults"], Value::from(225));
    for i in 0..25 {
        let r = api.list("/Users", &[("filter", &format!("userName eq \"contested-{i}\""))]);
        assert_eq!(r.body["totalResults"], 1);
    }
}

#[test]
fn concurrent_membership_patches_all_apply() {
    let api = Arc::new(Api::start());
    let users: Vec<String> = (0..40).map(|i| api.user(&format!("m{i}"))).collect();
    let gid = api.group("Big", &[]);
    let handles: Vec<_> = users
        .chunks(10)
        .map(|chunk| {
            let (api, gid, chunk) = (api.clone(), gid.clone(), chunk.to_vec());
            std::thread::spawn(move || {
                for u in chunk {
                    let r = api.patch(
                        &format!("/Groups/{gid}"),
                        json!([{ "op": "add", "path": "members", "value": [{ "value": u }] }]),
                    );
                    assert_eq!(r.status, 200, "{}", r.text);
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(api.get(&format!("/Groups/{gid}")).body["members"].as_array().unwrap().len(), 40);
}

#[test]
fn a_stopped_server_releases_its_port() {
    let api = Api::start();
    let addr = api.server.addr();
    drop(api);
    assert!(std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(200)).is_err());
}

/// Read-modify-write through If-Match, from many threads at once: in each
/// round every thread reads the user (all see the same version), then all
/// PATCH its counter one up at once, naming that version. Exactly one PATCH
/// per round may apply; every other names a version that is gone and must
/// get 412 (RFC 7644 §3.14). The counter then ends at the number of rounds:
/// no update lost, none applied twice.
#[test]
fn concurrent_patches_with_if_match_lose_no_update_and_stale_ones_get_412() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 15;
    let api = Arc::new(Api::start());
    let id = api.user_with(json!({ "schemas": [USER], "userName": "counter", "nickName": "0" }));
    let path = format!("/Users/{id}");
    let barrier = Arc::new(std::sync::Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (api, path, barrier) = (api.clone(), path.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                for _ in 0..ROUNDS {
                    let read = api.get(&path);
                    assert_eq!(read.status, 200, "{}", read.text);
                    let etag = read.header("etag").expect("the user has an ETag").to_string();
                    let counter: u64 = read.body["nickName"].as_str().unwrap().parse().unwrap();
                    let body = json!({ "schemas": [PATCH_OP], "Operations": [
                        { "op": "replace", "path": "nickName", "value": (counter + 1).to_string() }
                    ] });
                    // Everyone has read before anyone writes.
                    barrier.wait();
                    let r = api.send(
                        api.request("PATCH", &path)
                            .header("Content-Type", "application/scim+json")
                            .header("If-Match", &etag)
                            .body(body.to_string()),
                    );
                    if r.status == 412 {
                        r.assert_error(412, None);
                    } else {
                        assert!(r.status == 200 || r.status == 204, "{}: {}", r.status, r.text);
                    }
                    statuses.push(r.status);
                    // Everyone has written before anyone reads again.
                    barrier.wait();
                }
                statuses
            })
        })
        .collect();
    let statuses: Vec<Vec<u16>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    for round in 0..ROUNDS {
        let applied = statuses.iter().filter(|s| s[round] != 412).count();
        assert_eq!(applied, 1, "round {round}: {applied} PATCHes naming one version applied");
    }
    let last = api.get(&path);
    assert_eq!(last.body["nickName"], json!(ROUNDS.to_string()), "an update was lost");
    let stale = statuses.iter().flatten().filter(|s| **s == 412).count();
    assert_eq!(stale, ROUNDS * (THREADS - 1), "every stale PATCH gets 412");
}
