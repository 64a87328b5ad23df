//! Listing, filtering, paging, sorting, projection and .search (RFC 7644 §3.4).

use crate::api::*;
use scimitar::server::{Auth, ServerConfig};
use serde_json::{Value, json};
use std::collections::HashSet;

fn seeded(n: usize) -> Api {
    let api = Api::start();
    for i in 0..n {
        api.user_with(
            json!({ "schemas": [USER], "userName": format!("user{i:02}"), "externalId": format!("EXT-{i}"),
                              "title": if i % 2 == 0 { "even" } else { "odd" }, "active": i % 3 != 0 }),
        );
    }
    api
}

#[test]
fn list_response_has_the_rfc_fields() {
    let api = seeded(3);
    let r = api.list("/Users", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]));
    assert_eq!(r.body["totalResults"], 3);
    assert_eq!(r.body["itemsPerPage"], 3);
    assert_eq!(r.body["startIndex"], 1);
    assert_eq!(r.body["Resources"].as_array().unwrap().len(), 3);
}

#[test]
fn paging_follows_the_rfc_edge_cases() {
    let api = seeded(7);
    let page = |params: &[(&str, &str)]| {
        let r = api.list("/Users", params);
        assert_eq!(r.status, 200, "{params:?}: {}", r.text);
        (
            r.body["totalResults"].as_u64().unwrap(),
            r.body["startIndex"].as_u64().unwrap(),
            api.user_names(params),
        )
    };
    assert_eq!(
        page(&[("startIndex", "1"), ("count", "3")]),
        (7, 1, vec!["user00".into(), "user01".into(), "user02".into()])
    );
    assert_eq!(page(&[("startIndex", "4"), ("count", "3")]).2, ["user03", "user04", "user05"]);
    assert_eq!(page(&[("startIndex", "7"), ("count", "3")]).2, ["user06"]);
    // Past the end: nothing, but the total stands.
    assert_eq!(page(&[("startIndex", "8"), ("count", "3")]), (7, 8, vec![]));
    // "A value less than 1 SHALL be interpreted as 1."
    assert_eq!(page(&[("startIndex", "0"), ("count", "2")]), (7, 1, vec!["user00".into(), "user01".into()]));
    assert_eq!(page(&[("startIndex", "-5"), ("count", "1")]).1, 1);
    // "A value of "0" indicates that no resource results are to be returned except for "totalResults"."
    let r = api.list("/Users", &[("count", "0")]);
    assert_eq!((r.body["totalResults"].as_u64(), r.body["itemsPerPage"].as_u64()), (Some(7), Some(0)));
    // "A negative value SHALL be interpreted as "0"."
    assert_eq!(api.list("/Users", &[("count", "-1")]).body["itemsPerPage"], 0);
    api.list("/Users", &[("count", "many")]).assert_error(400, Some("invalidValue"));
    api.list("/Users", &[("startIndex", "1.5")]).assert_error(400, Some("invalidValue"));
}

#[test]
fn a_full_paged_walk_sees_each_resource_once() {
    let api = seeded(23);
    let mut seen = HashSet::new();
    let mut start = 1;
    loop {
        let r = api.list("/Users", &[("startIndex", &start.to_string()), ("count", "5")]);
        assert_eq!(r.body["totalResults"], 23);
        let items = r.body["Resources"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        for u in items {
            assert!(seen.insert(u["id"].as_str().unwrap().to_string()), "duplicate {u}");
        }
        start += items.len();
    }
    assert_eq!(seen.len(), 23);
}

#[test]
fn count_is_capped_at_max_results_and_defaults_to_the_page_size() {
    let mut config = ServerConfig::new(Auth::bearer(TOKEN));
    config.limits.max_results = 4;
    config.limits.default_page_size = 3;
    let api = Api::with(config);
    (0..6).for_each(|i| drop(api.user(&format!("u{i}"))));
    let r = api.list("/Users", &[("count", "100000")]);
    assert_eq!((r.body["itemsPerPage"].as_u64(), r.body["totalResults"].as_u64()), (Some(4), Some(6)));
    assert_eq!(api.list("/Users", &[]).body["itemsPerPage"], 3);
    assert_eq!(api.get("/ServiceProviderConfig").body["filter"]["maxResults"], 4);
}

#[test]
fn filters_select_typed_and_case_aware() {
    let api = seeded(6);
    let names = |f: &str| api.user_names(&[("filter", f)]);
    assert_eq!(names(r#"userName eq "USER03""#), ["user03"]);
    assert_eq!(names(r#"externalId eq "EXT-4""#), ["user04"]);
    assert!(names(r#"externalId eq "ext-4""#).is_empty(), "externalId is caseExact");
    assert_eq!(names(r#"title eq "odd" and active eq true"#), ["user01", "user05"]);
    assert_eq!(names(r#"userName eq "user00" or userName eq "user05""#), ["user00", "user05"]);
    assert_eq!(names(r#"not (title eq "odd") and userName sw "user0""#), ["user00", "user02", "user04"]);
    assert_eq!(names(r#"userName ew "3""#), ["user03"]);
    assert_eq!(names(r#"meta.created gt "2000-01-01T00:00:00Z" and userName co "05""#), ["user05"]);
    // No match is an empty list, not an error (§3.4.2).
    let r = api.list("/Users", &[("filter", r#"userName eq "nobody""#)]);
    assert_eq!((r.status, r.body["totalResults"].as_u64()), (200, Some(0)));
    // Entra's test connection: a random GUID.
    let r = api.list("/Users", &[("filter", r#"userName eq "8a0a8e8e-0b7e-4d6a-b2a7-6d1b1b1f7c00""#)]);
    assert_eq!(r.body["Resources"], json!([]));
}

#[test]
fn bad_filters_are_400_invalid_filter_with_a_position() {
    let api = seeded(1);
    let r = api.list("/Users", &[("filter", r#"userName eq "x" andd title pr"#)]);
    r.assert_error(400, Some("invalidFilter"));
    assert!(r.detail().contains("at character 17"), "{}", r.detail());
    api.list("/Users", &[("filter", "shoeSize gt 9")]).assert_error(400, Some("invalidFilter"));
    api.list("/Users", &[("filter", "active gt true")]).assert_error(400, Some("invalidFilter"));
    let deep = format!("{}userName pr{}", "(".repeat(5000), ")".repeat(5000));
    api.list("/Users", &[("filter", &deep)]).assert_error(400, Some("invalidFilter"));
}

#[test]
fn sorting_orders_by_type_with_missing_values_last() {
    let api = Api::start();
    for (name, nick) in [("b", Some("Zed")), ("A", None), ("c", Some("amy"))] {
        let mut body = json!({ "schemas": [USER], "userName": name });
        if let Some(n) = nick {
            body["nickName"] = Value::from(n);
        }
        api.user_with(body);
    }
    assert_eq!(api.user_names(&[("sortBy", "userName")]), ["A", "b", "c"]);
    assert_eq!(api.user_names(&[("sortBy", "userName"), ("sortOrder", "descending")]), ["c", "b", "A"]);
    assert_eq!(api.user_names(&[("sortBy", "nickName")]), ["c", "b", "A"]);
    assert_eq!(api.user_names(&[("sortBy", "nickName"), ("sortOrder", "descending")]), ["A", "b", "c"]);
    api.list("/Users", &[("sortBy", "userName"), ("sortOrder", "sideways")])
        .assert_error(400, Some("invalidValue"));
}

#[test]
fn projection_applies_to_every_response_carrying_a_resource() {
    let api = Api::start();
    let body = json!({ "schemas": [USER], "userName": "p", "title": "T", "name": { "givenName": "G", "familyName": "F" } });
    let r = api.post("/Users?attributes=title", &body);
    assert_eq!(r.status, 201);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&r.body), ["schemas", "id", "title"]);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        keys(&api.get(&format!("/Users/{id}?attributes=name.givenName")).body),
        ["schemas", "id", "name"]
    );
    assert_eq!(
        api.get(&format!("/Users/{id}?attributes=name.givenName")).body["name"],
        json!({ "givenName": "G" })
    );
    let r = api.get(&format!("/Users/{id}?excludedAttributes=name,meta"));
    assert!(r.body.get("name").is_none() && r.body.get("meta").is_none() && r.body.get("title").is_some());
    let r = api.call("PUT", &format!("/Users/{id}?attributes=userName"), Some(&body));
    assert_eq!(keys(&r.body), ["schemas", "id", "userName"]);
    let r = api.call(
        "PATCH",
        &format!("/Users/{id}?excludedAttributes=title"),
        Some(&json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "replace", "path": "title", "value": "U" }] })),
    );
    assert_eq!(r.status, 200);
    assert!(r.body.get("title").is_none() && r.body.get("userName").is_some());
    let r = api.list("/Users", &[("attributes", "userName")]);
    assert_eq!(keys(&r.body["Resources"][0]), ["schemas", "id", "userName"]);
    api.list("/Users", &[("attributes", "userName"), ("excludedAttributes", "title")])
        .assert_error(400, Some("invalidValue"));
}

#[test]
fn search_by_post_per_type_and_at_the_root() {
    let api = seeded(4);
    api.group("user-group", &[]);
    let search = |path: &str, body: Value| api.post(path, &body);
    let r = search(
        "/Users/.search",
        json!({ "schemas": [SEARCH], "filter": "title eq \"even\"", "attributes": ["userName"],
                                              "sortBy": "userName", "sortOrder": "descending", "startIndex": 1, "count": 10 }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let names: Vec<_> =
        r.body["Resources"].as_array().unwrap().iter().map(|u| u["userName"].clone()).collect();
    assert_eq!(names, [json!("user02"), json!("user00")]);
    // At the root, an attribute a type lacks has no value there (§3.4.2.1).
    let r = search(
        "/.search",
        json!({ "schemas": [SEARCH], "filter": "userName sw \"user\" or displayName sw \"user\"" }),
    );
    assert_eq!(r.body["totalResults"], 5, "{}", r.text);
    let r = search("/.search", json!({ "schemas": [SEARCH], "filter": "displayName pr" }));
    assert_eq!(r.body["totalResults"], 1);
    let r = search("/.search", json!({ "schemas": [SEARCH], "attributes": ["externalId"] }));
    assert_eq!(r.body["totalResults"], 5);
    assert!(
        r.body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x.get("schemas").is_some() && x.get("id").is_some())
    );
    search("/Users/.search", json!({ "filter": "title pr" })).assert_error(400, Some("invalidSyntax"));
    search("/Users/.search", json!({ "schemas": [SEARCH], "attributes": "userName" }))
        .assert_error(400, Some("invalidValue"));
    search("/Users/.search", json!({ "schemas": [SEARCH], "filtr": "x" }))
        .assert_error(400, Some("invalidSyntax"));
    let r = search("/.search", json!({ "schemas": [SEARCH], "filter": "nothing pr" }));
    assert_eq!(
        (r.status, r.body["totalResults"].as_u64()),
        (200, Some(0)),
        "unknown everywhere: no match, no error"
    );
}

#[test]
fn list_without_filter_reads_only_the_page() {
    // A listing of a large tenant answers from creation order without a scan;
    // this checks the result is the same as a sorted scan by creation.
    let api = seeded(12);
    let fast = api.user_names(&[("startIndex", "5"), ("count", "4")]);
    let scanned = api.user_names(&[("startIndex", "5"), ("count", "4"), ("filter", "userName pr")]);
    assert_eq!(fast, scanned);
}
