//! Fault switches produce their bug, and the healthy server does not have it.
//!
//! Every fault is proven by the suites (`tests/suites.rs`: some case must fail
//! under it). Here, faults whose bug fits in a line or two are also pinned to
//! exactly that bug, so a fault cannot drift into breaking something else.

use crate::api::*;
use scimitar::faults::Fault;
use serde_json::{Value, json};

fn user(name: &str) -> Value {
    json!({ "schemas": [USER], "userName": name })
}

fn without_token(api: &Api, path: &str) -> Resp {
    api.send(api.client.get(api.url(path)))
}

/// Whether `api` shows the bug `fault` describes; `None` for faults left to the suites.
fn symptom(fault: Fault, api: &Api) -> Option<bool> {
    use Fault::*;
    Some(match fault {
        CreateReturns200 => api.post("/Users", &user("a")).status == 200,
        NoLocationOnCreate => api.post("/Users", &user("a")).header("location").is_none(),
        EmptyCreateBody => api.post("/Users", &user("a")).text.is_empty(),
        NoMetaLocation => api.post("/Users", &user("a")).body["meta"].get("location").is_none(),
        NoEtag => {
            let r = api.post("/Users", &user("a"));
            r.header("etag").is_none() && r.body["meta"].get("version").is_none()
        }
        VersionNotBumped => {
            let r = api.post("/Users", &user("a"));
            let id = r.body["id"].as_str().unwrap();
            let after =
                api.patch(&format!("/Users/{id}"), json!([{ "op": "add", "path": "title", "value": "t" }]));
            after.header("etag") == r.header("etag")
        }
        IfMatchIgnored => {
            let id = api.user("a");
            let rb = api.request("PUT", &format!("/Users/{id}")).header("If-Match", "W/\"stale\"");
            let rb = rb.header("Content-Type", "application/scim+json").body(user("a").to_string());
            api.send(rb).status == 200
        }
        IfNoneMatchIgnored => {
            let r = api.post("/Users", &user("a"));
            let id = r.body["id"].as_str().unwrap();
            let tag = r.body["meta"]["version"].as_str().unwrap_or("W/\"1\"");
            api.send(api.request("GET", &format!("/Users/{id}")).header("If-None-Match", tag)).status == 200
        }
        CountIgnored => {
            (0..3).for_each(|i| drop(api.user(&format!("u{i}"))));
            api.list("/Users", &[("count", "1")]).body["itemsPerPage"] == 3
        }
        StartIndexZeroBased => {
            (0..3).for_each(|i| drop(api.user(&format!("u{i}"))));
            api.user_names(&[("startIndex", "1"), ("count", "1")]) == ["u1"]
        }
        TotalResultsPageSize => {
            (0..3).for_each(|i| drop(api.user(&format!("u{i}"))));
            api.list("/Users", &[("count", "1")]).body["totalResults"] == 1
        }
        CountZeroReturnsResources => {
            api.user("a");
            api.list("/Users", &[("count", "0")]).body["itemsPerPage"] != 0
        }
        NoMatch404 => api.list("/Users", &[("filter", "userName eq \"nobody\"")]).status == 404,
        UnstableOrder => {
            (0..30).for_each(|i| drop(api.user(&format!("u{i}"))));
            let first = api.user_names(&[("filter", "userName pr")]);
            (0..3).any(|_| api.user_names(&[("filter", "userName pr")]) != first)
        }
        SortIgnored => {
            api.user("b");
            api.user("a");
            api.user_names(&[("sortBy", "userName")]) == ["b", "a"]
        }
        SortOrderIgnored => {
            api.user("a");
            api.user("b");
            api.user_names(&[("sortBy", "userName"), ("sortOrder", "descending")]) == ["a", "b"]
        }
        UsernameFilterCaseSensitive => {
            api.user("Bob");
            api.user_names(&[("filter", "userName eq \"bob\"")]).is_empty()
        }
        UnknownFilterMatchesAll => {
            api.user("a");
            api.list("/Users", &[("filter", "userName eq (")]).status == 200
        }
        OrBindsTighter => {
            api.user_with(json!({ "schemas": [USER], "userName": "u1", "title": "x", "active": true }));
            api.user_with(json!({ "schemas": [USER], "userName": "u2", "title": "y", "active": false }));
            // RFC: (y and true) or x, which u1 meets; or-first: y and (true or x), which neither meets.
            api.user_names(&[("filter", "title eq \"y\" and active eq true or title eq \"x\"")]).is_empty()
        }
        FilterNamesCaseSensitive => api.list("/Users", &[("filter", "USERNAME eq \"a\"")]).status == 400,
        PasswordReturned => api
            .post("/Users", &json!({ "schemas": [USER], "userName": "a", "password": "p" }))
            .body
            .get("password")
            .is_some(),
        AttributesIgnored => {
            let id = api.user("a");
            api.get(&format!("/Users/{id}?attributes=userName")).body.get("meta").is_some()
        }
        ExcludedAttributesIgnored => {
            let id = api.user("a");
            api.get(&format!("/Users/{id}?excludedAttributes=userName")).body.get("userName").is_some()
        }
        IdNotAlwaysReturned => {
            let id = api.user("a");
            api.get(&format!("/Users/{id}?attributes=userName")).body.get("id").is_none()
        }
        RemoveFilterClearsAll => {
            let (a, b) = (api.user("a"), api.user("b"));
            let gid = api.group("G", &[&a, &b]);
            let r = api.patch(
                &format!("/Groups/{gid}"),
                json!([{ "op": "remove", "path": format!("members[value eq \"{a}\"]") }]),
            );
            r.body.get("members").is_none()
        }
        AddReplacesMultiValued => {
            let (a, b) = (api.user("a"), api.user("b"));
            let gid = api.group("G", &[&a]);
            let r = api.patch(
                &format!("/Groups/{gid}"),
                json!([{ "op": "add", "path": "members", "value": [{ "value": b }] }]),
            );
            r.body["members"].as_array().map_or(0, Vec::len) == 1
        }
        PatchNotAtomic => {
            let id = api.user("a");
            let r = api.patch(
                &format!("/Users/{id}"),
                json!([{ "op": "replace", "path": "title", "value": "changed" },
                       { "op": "replace", "path": "emails[type eq \"work\"].value", "value": "x@y.z" }]),
            );
            r.status == 400 && api.get(&format!("/Users/{id}")).body["title"] == "changed"
        }
        PrimaryNotDemoted => {
            let id = api.user_with(json!({ "schemas": [USER], "userName": "a", "emails": [{ "value": "a@x.org", "primary": true }] }));
            let r = api.patch(&format!("/Users/{id}"), json!([{ "op": "add", "path": "emails", "value": [{ "value": "b@x.org", "primary": true }] }]));
            let primaries = api.get(&format!("/Users/{id}")).body["emails"]
                .as_array()
                .map_or(0, |e| e.iter().filter(|m| m["primary"] == true).count());
            r.status != 200 || primaries != 1
        }
        ReplaceNoTargetIgnored => {
            let id = api.user("a");
            api.patch(
                &format!("/Users/{id}"),
                json!([{ "op": "replace", "path": "emails[type eq \"work\"].value", "value": "x@y.z" }]),
            )
            .status
                == 200
        }
        PutMerges => {
            let id = api.user_with(json!({ "schemas": [USER], "userName": "a", "title": "t" }));
            api.put(&format!("/Users/{id}"), &user("a")).body.get("title").is_some()
        }
        NoUniquenessConflict => {
            api.user("a");
            api.post("/Users", &user("a")).status == 201
        }
        UniquenessCaseSensitive => {
            api.user("Bob");
            api.post("/Users", &user("bob")).status == 201
        }
        RequiredNotEnforced => {
            api.post("/Users", &json!({ "schemas": [USER], "title": "no userName" })).status == 201
        }
        WrongTypeAccepted => {
            api.post("/Users", &json!({ "schemas": [USER], "userName": "a", "active": "yes" })).status == 201
        }
        DeletedStillServed => {
            let id = api.user("a");
            api.delete(&format!("/Users/{id}")).status == 204
                && api.get(&format!("/Users/{id}")).status == 200
        }
        DeleteDeactivates => {
            let id = api.user("a");
            api.delete(&format!("/Users/{id}")).status == 204
                && api.get(&format!("/Users/{id}")).body["active"] == false
        }
        DeleteReturns200 => {
            let id = api.user("a");
            api.delete(&format!("/Users/{id}")).status == 200
        }
        DeletedMemberKept => {
            let a = api.user("a");
            let gid = api.group("G", &[&a]);
            api.delete(&format!("/Users/{a}"));
            api.get(&format!("/Groups/{gid}")).body.get("members").is_some()
        }
        UserGroupsMissing => {
            let a = api.user("a");
            api.group("G", &[&a]);
            api.get(&format!("/Users/{a}")).body.get("groups").is_none()
        }
        ErrorStatusNumber => api.get("/Users/nope").body["status"].is_number(),
        ErrorNoScimType => {
            api.user("a");
            api.post("/Users", &user("a")).body.get("scimType").is_none()
        }
        HtmlNotFound => api.get("/Nope").header("content-type").is_some_and(|c| c.starts_with("text/html")),
        MalformedJson500 => {
            let rb = api.request("POST", "/Users").header("Content-Type", "application/scim+json").body("{");
            api.send(rb).status == 500
        }
        AuthNotEnforced => without_token(api, "/Users").status == 200,
        NoWwwAuthenticate => {
            let r = without_token(api, "/Users");
            r.status == 401 && r.header("www-authenticate").is_none()
        }
        JsonContentType => api.get("/Users").header("content-type") == Some("application/json"),
        DiscoveryWrite404 => api.send(api.request("POST", "/Schemas")).status == 404,
        BulkIdNotResolved => {
            let r = api.post(
                "/Bulk",
                &json!({ "schemas": [BULK], "Operations": [
                    { "method": "POST", "path": "/Users", "bulkId": "u", "data": user("a") },
                    { "method": "POST", "path": "/Groups", "bulkId": "g",
                      "data": { "schemas": [GROUP], "displayName": "G", "members": [{ "value": "bulkId:u" }] } }] }),
            );
            // The group is created, its member still the literal reference.
            let location = r.body["Operations"][1]["location"].as_str().unwrap_or_default().to_string();
            let id = location.rsplit('/').next().unwrap_or_default();
            let group = api.get(&format!("/Groups/{id}"));
            r.body["Operations"][1]["status"] == "201" && group.body["members"][0]["value"] == "bulkId:u"
        }
        BulkLimitsIgnored => {
            let ops: Vec<Value> =
                (0..1001).map(|i| json!({ "method": "DELETE", "path": format!("/Users/{i}") })).collect();
            api.post("/Bulk", &json!({ "schemas": [BULK], "Operations": ops })).status == 200
        }
        SpcIncomplete => api.get("/ServiceProviderConfig").body.get("etag").is_none(),
        SpcRequiresAuth => without_token(api, "/ServiceProviderConfig").status == 401,
        SchemaByIdList => api.get(&format!("/Schemas/{USER}")).body.get("Resources").is_some(),
        DiscoveryBareArray => api.get("/Schemas").body.is_array(),
        SchemasListMessages => {
            api.get("/Schemas").text.contains("urn:ietf:params:scim:api:messages:2.0:Error")
        }
        DiscoveryPaged => {
            api.list("/Schemas", &[("count", "1")]).body["Resources"].as_array().map(Vec::len) == Some(1)
        }
        DiscoveryFilterApplied => api.list("/Schemas", &[("filter", "name eq \"User\"")]).status == 200,
        FilterIgnored => {
            (0..2).for_each(|i| drop(api.user(&format!("u{i}"))));
            api.user_names(&[("filter", "userName eq \"u0\"")]).len() == 2
        }
        PatchNotImplemented => {
            let id = api.user("a");
            api.patch(&format!("/Users/{id}"), json!([{ "op": "add", "path": "title", "value": "t" }])).status
                == 501
        }
        BulkNotImplemented => {
            api.post("/Bulk", &json!({ "schemas": [BULK], "Operations": [] })).status == 501
        }
        MetaResourceTypePlural => api.post("/Users", &user("a")).body["meta"]["resourceType"] == "Users",
        FilterValuesCaseSensitive => {
            drop(api.user_with(json!({ "schemas": [USER], "userName": "a", "title": "Boss" })));
            api.user_names(&[("filter", "title eq \"boss\"")]).is_empty()
        }
        FilterGeLeExclusive => {
            drop(api.user("b"));
            api.user_names(&[("filter", "userName ge \"b\"")]).is_empty()
        }
        BooleanOrderingAccepted => api.list("/Users", &[("filter", "active gt true")]).status == 200,
        FilterMetaInvisible => {
            drop(api.user("a"));
            api.user_names(&[("filter", "meta.resourceType eq \"User\"")]).is_empty()
        }
        UnknownParamRejected => api.list("/Users", &[("colour", "blue")]).status == 400,
        PagingBoundsRejected => api.list("/Users", &[("startIndex", "0")]).status == 400,
        ListResponseMinimal => api.get("/Users").body.get("schemas").is_none(),
        MissingCountAsZero => {
            drop(api.user("a"));
            api.get("/Users").body["Resources"].as_array().is_none_or(Vec::is_empty)
        }
        PatchRemoveIgnored => {
            let id = api.user_with(json!({ "schemas": [USER], "userName": "a", "title": "Boss" }));
            api.patch(&format!("/Users/{id}"), json!([{ "op": "remove", "path": "title" }]));
            api.get(&format!("/Users/{id}")).body.get("title").is_some()
        }
        Patch204WithAttributes => {
            let id = api.user("a");
            let path = format!("/Users/{id}?attributes=userName");
            api.patch(&path, json!([{ "op": "add", "path": "title", "value": "t" }])).status == 204
        }
        PatchRequiredNotEnforced => {
            let id = api.user("a");
            api.patch(&format!("/Users/{id}"), json!([{ "op": "remove", "path": "userName" }])).status == 200
        }
        SchemasOmitted => api.post("/Users", &user("a")).body.get("schemas").is_none(),
        IdFromName => api.post("/Users", &user("alice")).body["id"] == "alice",
        ExternalIdInvented => api.post("/Users", &user("a")).body.get("externalId").is_some(),
        ListNumbersAsStrings => api.get("/Users").body["totalResults"].is_string(),
        SchemaTypesCapitalised => api.get(&format!("/Schemas/{USER}")).text.contains("\"type\":\"String\""),
        PutCreates => api.put("/Users/no-such-id", &user("a")).status == 200,
        Uniqueness400 => {
            drop(api.user("a"));
            api.post("/Users", &user("a")).status == 400
        }
        Me404 => api.get("/Me").status == 404,
        DeleteUnknown204 => api.delete("/Users/no-such-id").status == 204,
        EtagUnquoted => api.post("/Users", &user("a")).header("etag").is_some_and(|t| !t.contains('"')),
        EtagOnlyOnGet => api.post("/Users", &user("a")).header("etag").is_none(),
        BulkLimitsNotAdvertised => {
            api.get("/ServiceProviderConfig").body["bulk"].get("maxOperations").is_none()
        }
        _ => return None,
    })
}

#[test]
fn every_fault_shows_its_bug_and_only_when_switched_on() {
    let mut problems = Vec::new();
    for &fault in Fault::ALL {
        if symptom(fault, &Api::with_faults(&[fault])) == Some(false) {
            problems.push(format!("{fault}: switched on, but its bug does not show"));
        }
        if symptom(fault, &Api::start()) == Some(true) {
            problems.push(format!("{fault}: the healthy server shows this bug"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
