//! PATCH over HTTP, ETags, discovery, authentication and tenancy.

use crate::api::*;
use scimitar::scim::quirks::Idp;
use scimitar::server::{Auth, ReferenceServer, ServerConfig};
use serde_json::{Value, json};

#[test]
fn patch_answers_200_with_the_resource_and_bumps_the_version() {
    let api = Api::start();
    let id = api.user("p");
    let before = api.get(&format!("/Users/{id}"));
    let r = api.patch(&format!("/Users/{id}"), json!([{ "op": "replace", "value": { "active": false } }]));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["active"], false);
    assert!(before.header("etag").is_some());
    assert_ne!(r.header("etag"), before.header("etag"));
    assert_eq!(api.get(&format!("/Users/{id}")).body["active"], false);
}

#[test]
fn a_patch_that_changes_nothing_keeps_version_and_timestamp() {
    let api = Api::start();
    let id = api.user_with(
        json!({ "schemas": [USER], "userName": "q", "emails": [{ "value": "q@x.org", "type": "work" }] }),
    );
    let before = api.get(&format!("/Users/{id}"));
    let r = api.patch(
        &format!("/Users/{id}"),
        json!([{ "op": "add", "path": "emails", "value": [{ "value": "q@x.org", "type": "work" }] }]),
    );
    assert_eq!(r.status, 200);
    assert!(before.header("etag").is_some() && before.body["meta"]["lastModified"].is_string());
    assert_eq!(r.header("etag"), before.header("etag"));
    assert_eq!(r.body["meta"]["lastModified"], before.body["meta"]["lastModified"]);
}

#[test]
fn a_failing_patch_changes_nothing() {
    let api = Api::start();
    let id = api.user("r");
    let before = api.get(&format!("/Users/{id}"));
    let r = api.patch(
        &format!("/Users/{id}"),
        json!([{ "op": "replace", "path": "title", "value": "changed" }, { "op": "replace", "path": "emails[type eq \"work\"].value", "value": "x@y.z" }]),
    );
    r.assert_error(400, Some("noTarget"));
    let after = api.get(&format!("/Users/{id}"));
    assert_eq!(after.body, before.body);
}

#[test]
fn group_membership_patch_as_okta_sends_it() {
    let api = Api::start();
    let (a, b, c) = (api.user("a"), api.user("b"), api.user("c"));
    let gid = api.group("G", &[&a, &b]);
    let r = api.patch(
        &format!("/Groups/{gid}"),
        json!([{ "op": "remove", "path": format!("members[value eq \"{a}\"]") }, { "op": "add", "path": "members", "value": [{ "value": c, "display": "C" }] }]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let values: Vec<_> = r.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(values, [b.clone(), c.clone()]);
    assert_eq!(r.body["members"][1]["display"], "C", "a display the client sent is kept");
    assert!(api.get(&format!("/Users/{a}")).body.get("groups").is_none());
    assert_eq!(api.get(&format!("/Users/{c}")).body["groups"][0]["value"], gid.as_str());
}

#[test]
fn strict_refuses_idp_quirks_naming_them_and_compat_accepts_them() {
    let strict = Api::start();
    let id = strict.user("s");
    let r = strict
        .patch(&format!("/Users/{id}"), json!([{ "op": "Replace", "path": "active", "value": "False" }]));
    r.assert_error(400, Some("invalidSyntax"));
    assert!(
        r.detail().contains("Microsoft Entra ID") && r.detail().contains("--compat entra"),
        "{}",
        r.detail()
    );

    let entra = Api::lenient(&[Idp::Entra]);
    let id = entra.user("s");
    let r = entra
        .patch(&format!("/Users/{id}"), json!([{ "op": "Replace", "path": "active", "value": "False" }]));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["active"], false);

    let okta = Api::lenient(&[Idp::Okta]);
    let gid = okta.group("Old", &[]);
    let r = okta.patch(
        &format!("/Groups/{gid}"),
        json!([{ "op": "replace", "value": { "id": gid, "displayName": "New" } }]),
    );
    assert_eq!((r.status, r.body["displayName"].as_str()), (200, Some("New")), "{}", r.text);
}

#[test]
fn etags_make_reads_conditional_and_writes_safe() {
    let api = Api::start();
    let id = api.user("e");
    let r = api.get(&format!("/Users/{id}"));
    let tag = r.header("etag").unwrap().to_string();
    assert!(tag.starts_with("W/\""));
    let r = api.send(api.request("GET", &format!("/Users/{id}")).header("If-None-Match", &tag));
    assert_eq!(r.status, 304);
    assert!(r.text.is_empty());
    assert_eq!(r.header("etag"), Some(tag.as_str()));
    let r = api.send(api.request("GET", &format!("/Users/{id}")).header("If-None-Match", "W/\"nope\""));
    assert_eq!(r.status, 200);
    let body = json!({ "schemas": [USER], "userName": "e", "title": "x" });
    let put = |tag: &str| {
        api.send(
            api.request("PUT", &format!("/Users/{id}"))
                .header("If-Match", tag)
                .header("Content-Type", "application/scim+json")
                .body(body.to_string()),
        )
    };
    let r = put(&tag);
    assert_eq!(r.status, 200, "{}", r.text);
    put(&tag).assert_error(412, None);
    let stale_patch = api.send(
        api.request("PATCH", &format!("/Users/{id}"))
            .header("If-Match", &tag)
            .header("Content-Type", "application/scim+json")
            .body(
                json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "remove", "path": "title" }] })
                    .to_string(),
            ),
    );
    stale_patch.assert_error(412, None);
    api.send(api.request("DELETE", &format!("/Users/{id}")).header("If-Match", &tag)).assert_error(412, None);
    let r = api.send(api.request("DELETE", &format!("/Users/{id}")).header("If-Match", "*"));
    assert_eq!(r.status, 204);
}

#[test]
fn discovery_describes_what_the_server_does() {
    let api = Api::start();
    let spc = api.get("/ServiceProviderConfig");
    assert_eq!(spc.status, 200);
    for feature in ["patch", "bulk", "filter", "changePassword", "sort", "etag"] {
        assert_eq!(spc.body[feature]["supported"], true, "{feature}");
    }
    assert_eq!(spc.body["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(spc.body["meta"]["location"], api.url("/ServiceProviderConfig"));
    let rts = api.get("/ResourceTypes");
    assert_eq!(rts.body["totalResults"], 2);
    let user_rt = api.get("/ResourceTypes/User");
    assert_eq!(user_rt.body["endpoint"], "/Users");
    assert_eq!(user_rt.body["schemaExtensions"][0]["schema"], ENTERPRISE);
    api.get("/ResourceTypes/Nope").assert_error(404, None);
    let schemas = api.get("/Schemas");
    assert_eq!(schemas.body["totalResults"], 6);
    let user_schema = api.get(&format!("/Schemas/{USER}"));
    assert_eq!(user_schema.body["id"], USER);
    assert!(user_schema.body["attributes"].as_array().unwrap().iter().any(|a| a["name"] == "userName"));
    // "If a "filter" is provided, the service provider SHOULD respond with 403".
    api.list("/Schemas", &[("filter", "id pr")]).assert_error(403, None);
    for path in ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"] {
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            let r = api.send(api.request(method, path));
            r.assert_error(405, None);
            assert_eq!(r.header("allow"), Some("GET"));
        }
    }
}

#[test]
fn authentication_accepts_every_configured_credential_and_nothing_else() {
    use base64::Engine;
    let config = ServerConfig::new(Auth::Credentials {
        bearer: vec!["old".into(), "new".into()],
        basic: vec!["KEY".into()],
    });
    let server = ReferenceServer::start(config).unwrap();
    let client = reqwest::blocking::Client::new();
    let url = format!("{}/Users", server.base_url());
    let status = |auth: Option<String>| {
        let mut rb = client.get(&url);
        if let Some(a) = auth {
            rb = rb.header("Authorization", a);
        }
        let r = rb.send().unwrap();
        (r.status().as_u16(), r.headers().get_all("www-authenticate").iter().count())
    };
    let basic = |s: &str| Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(s)));
    assert_eq!(status(Some("Bearer old".into())).0, 200);
    assert_eq!(status(Some("Bearer new".into())).0, 200);
    assert_eq!(status(basic("KEY:")).0, 200);
    assert_eq!(status(None), (401, 2));
    assert_eq!(status(Some("Bearer wrong".into())).0, 401);
    assert_eq!(status(basic("KEY:password")).0, 401);
    let r = client.get(&url).send().unwrap();
    let body: Value = r.json().unwrap();
    assert_eq!(body["status"], "401");

    let open = ReferenceServer::start(ServerConfig::new(Auth::None)).unwrap();
    assert_eq!(client.get(format!("{}/Users", open.base_url())).send().unwrap().status(), 200);
}

#[test]
fn tenants_are_isolated_under_their_prefixes() {
    let prefixes = vec![
        "/scim/v2/dir-1".to_string(),
        "/orgs/o1/api/v1/scim/v2".to_string(),
        "/fido2/v2/scim/v2".to_string(),
    ];
    let server =
        ReferenceServer::start(ServerConfig::new(Auth::bearer(TOKEN)).with_tenants(prefixes)).unwrap();
    let urls = server.base_urls();
    assert!(urls[1].ends_with("/orgs/o1/api/v1/scim/v2"));
    let client = reqwest::blocking::Client::new();
    let create = |base: &str, name: &str| {
        client
            .post(format!("{base}/Users"))
            .bearer_auth(TOKEN)
            .header("Content-Type", "application/scim+json")
            .body(json!({ "schemas": [USER], "userName": name }).to_string())
            .send()
            .unwrap()
    };
    assert_eq!(create(&urls[0], "same").status(), 201);
    assert_eq!(create(&urls[1], "same").status(), 201, "a userName is unique per tenant only");
    let total = |base: &str| {
        client.get(format!("{base}/Users")).bearer_auth(TOKEN).send().unwrap().json::<Value>().unwrap()["totalResults"].clone()
    };
    assert_eq!((total(&urls[0]), total(&urls[1]), total(&urls[2])), (json!(1), json!(1), json!(0)));
    let location: Value = create(&urls[2], "x").json().unwrap();
    assert!(location["meta"]["location"].as_str().unwrap().starts_with(&urls[2]));

    let overlapping = ServerConfig::new(Auth::None).with_tenants(vec!["/scim".into(), "/scim/v2".into()]);
    assert!(ReferenceServer::start(overlapping).is_err());
    let root = ReferenceServer::start(ServerConfig::new(Auth::None).with_tenants(vec!["".into()])).unwrap();
    assert_eq!(
        client.get(format!("{}/ServiceProviderConfig", root.base_url())).send().unwrap().status(),
        200
    );
}

#[test]
fn debug_output_never_shows_credentials() {
    let config = ServerConfig::new(Auth::Credentials {
        bearer: vec!["s3cret-token".into()],
        basic: vec!["k3y".into()],
    });
    let text = format!("{config:?}");
    assert!(!text.contains("s3cret-token") && !text.contains("k3y"), "{text}");
    assert!(text.contains("1 bearer token(s)"), "{text}");
}
