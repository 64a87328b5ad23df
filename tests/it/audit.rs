//! The client audit (`scimitar audit`): deliberately bad clients, scripted
//! request by request with one mistake each, are each caught, citing the
//! requirement the mistake breaks; careful clients come out clean: a
//! scripted one, the identity-provider profiles replayed by `scimitar run`,
//! and a `scimitar record` file replayed. The command line ends an audit
//! with `--until` or Ctrl-C and writes every report.

use scimitar::audit::rules::{self, *};
use scimitar::audit::scenario::Scenario;
use scimitar::audit::{AuditConfig, AuditServer};
use scimitar::gate::Gate;
use scimitar::report::run::RunReport;
use scimitar::runner::outcome::{CaseReport, Verdict};
use scimitar::scim::quirks::{Idp, Leniency};
use scimitar::server::{Auth, ServerConfig};
use scimitar::suite::profile::Profile;
use serde_json::{Value, json};
use std::process::Command;

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const OKTA_HEADERS_SENT: &[(&str, &str)] = &[
    ("User-Agent", "Okta SCIM Client 1.0.0"),
    ("Accept", "application/scim+json"),
    ("Accept-Charset", "utf-8"),
];
/// One DER SEQUENCE (an INTEGER inside), base64: a certificate's shape.
const ONE_DER: &str = "MAMCAQE=";

/// A scripted client: it talks to an audit server over HTTP on 127.0.0.1.
struct Client {
    http: reqwest::blocking::Client,
    base: String,
    /// Headers on every request, replacing the defaults of the same name.
    headers: Vec<(&'static str, &'static str)>,
}

impl Client {
    fn new(base: String) -> Client {
        // Redirects are the scripts' to follow, or not.
        let http =
            reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Client { http, base, headers: Vec::new() }
    }

    fn okta(base: String) -> Client {
        Client { headers: OKTA_HEADERS_SENT.to_vec(), ..Client::new(base) }
    }

    /// A request with the usual headers (Accept, and Content-Type on a body).
    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut headers = vec![("Accept", "application/scim+json")];
        if body.is_some() {
            headers.push(("Content-Type", "application/scim+json"));
        }
        self.raw(method, path, &headers, body.map(|b| b.to_string().into_bytes()))
    }

    /// A request with exactly these headers (and the client's own).
    fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let url = if path.starts_with("http") { path.to_string() } else { format!("{}{path}", self.base) };
        let mut request = self.http.request(method.parse().unwrap(), url);
        for (name, value) in
            headers.iter().filter(|(n, _)| !self.headers.iter().any(|(m, _)| m.eq_ignore_ascii_case(n)))
        {
            request = request.header(*name, *value);
        }
        for (name, value) in &self.headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.json().unwrap_or(Value::Null);
        (status, body, headers)
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let (s, b, _) = self.send("GET", path, None);
        (s, b)
    }

    fn create(&self, endpoint: &str, body: Value) -> String {
        let (status, created, _) = self.send("POST", endpoint, Some(body));
        assert_eq!(status, 201, "{created}");
        created["id"].as_str().unwrap().to_string()
    }

    fn user(&self, name: &str) -> String {
        self.create("/Users", json!({ "schemas": [CORE_USER], "userName": name }))
    }

    /// Looks the user up by userName first, as Okta and Entra do.
    fn looked_up_user(&self, name: &str) -> String {
        self.get(&format!(
            "/Users?filter={}&startIndex=1&count=100",
            enc(&format!("userName eq \"{name}\""))
        ));
        self.user(name)
    }

    fn group(&self, name: &str) -> String {
        self.get(&format!(
            "/Groups?filter={}&startIndex=1&count=100",
            enc(&format!("displayName eq \"{name}\""))
        ));
        self.create("/Groups", json!({ "schemas": [CORE_GROUP], "displayName": name, "members": [] }))
    }

    fn patch(&self, path: &str, operations: Value) -> u16 {
        self.send("PATCH", path, Some(json!({ "schemas": [PATCH_OP], "Operations": operations }))).0
    }

    /// The ETag a GET of `path` answers with.
    fn etag(&self, path: &str) -> String {
        let (_, _, headers) = self.send("GET", path, None);
        headers.get("etag").unwrap().to_str().unwrap().to_string()
    }
}

fn enc(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn config() -> AuditConfig {
    AuditConfig::new(ServerConfig::new(Auth::None))
}

/// Runs `script` against a fresh audit server and judges it.
fn audit(config: AuditConfig, script: impl FnOnce(&str)) -> RunReport {
    let server = AuditServer::start(config).unwrap();
    script(&server.base_url());
    server.finish(&Gate::default())
}

fn case<'a>(report: &'a RunReport, requirement: &str) -> &'a CaseReport {
    let id = format!("audit::{}", rules::of(requirement).unwrap().case);
    report.cases.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no case {id}"))
}

/// Each case with findings, and how many.
fn with_findings(report: &RunReport) -> Vec<(String, usize)> {
    report
        .cases
        .iter()
        .filter(|c| !c.outcome.findings().is_empty())
        .map(|c| (c.requirements[0].id.clone(), c.outcome.findings().len()))
        .collect()
}

/// One mistake: the requirement it breaks, the audit it runs under, and the
/// client that makes it (and makes no other).
struct Mistake {
    breaks: &'static str,
    config: fn() -> AuditConfig,
    client: fn(&str),
}

fn with(scenario: Scenario) -> AuditConfig {
    AuditConfig { scenarios: vec![scenario], ..config() }
}

fn like(profile: Profile) -> AuditConfig {
    AuditConfig { like: vec![profile], ..config() }
}

fn user_with(attributes: Value) -> Value {
    let mut body = json!({ "schemas": [CORE_USER], "userName": "jdoe" });
    for (k, v) in attributes.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn post_user(base: &str, body: Value) {
    Client::new(base.into()).send("POST", "/Users", Some(body));
}

fn patch_user(base: &str, operations: Value) {
    let c = Client::new(base.into());
    let id = c.user("jdoe");
    let tag = c.etag(&format!("/Users/{id}"));
    let body = json!({ "schemas": [PATCH_OP], "Operations": operations });
    c.raw(
        "PATCH",
        &format!("/Users/{id}"),
        &[("Accept", "application/scim+json"), ("Content-Type", "application/scim+json"), ("If-Match", &tag)],
        Some(body.to_string().into_bytes()),
    );
}

fn get(base: &str, path: &str) {
    Client::new(base.into()).get(path);
}

fn search(base: &str, body: Value) {
    Client::new(base.into()).send("POST", "/Users/.search", Some(body));
}

fn bulk(base: &str, operations: Value) {
    let body = json!({ "schemas": [BULK], "Operations": operations });
    Client::new(base.into()).send("POST", "/Bulk", Some(body));
}

fn mistakes() -> Vec<Mistake> {
    let m = |breaks, client| Mistake { breaks, config, client };
    vec![
        m(CONTENT_TYPE, |b| {
            let body = json!({ "schemas": [CORE_USER], "userName": "jdoe" }).to_string().into_bytes();
            Client::new(b.into()).raw("POST", "/Users", &[("Accept", "application/scim+json")], Some(body));
        }),
        m(ACCEPT, |b| {
            Client::new(b.into()).raw("GET", "/Users", &[("Accept", "text/html")], None);
        }),
        m(SCHEMAS_REQUIRED, |b| post_user(b, json!({ "userName": "jdoe" }))),
        m(SCHEMAS_NON_EMPTY, |b| post_user(b, json!({ "schemas": [], "userName": "jdoe" }))),
        m(SCHEMAS_ONLY_DECLARED, |b| {
            post_user(b, json!({ "schemas": [CORE_USER, "urn:example:hr"], "userName": "jdoe" }))
        }),
        m(SCHEMAS_NO_DUPLICATES, |b| {
            post_user(b, json!({ "schemas": [CORE_USER, CORE_USER], "userName": "jdoe" }))
        }),
        m(ID_SERVER_ISSUED, |b| post_user(b, user_with(json!({ "id": "mine" })))),
        m(PUT_REQUIRED, |b| {
            let c = Client::new(b.into());
            let id = c.user("jdoe");
            let tag = c.etag(&format!("/Users/{id}"));
            let body = json!({ "schemas": [CORE_USER], "displayName": "J" }).to_string().into_bytes();
            let headers = [
                ("Accept", "application/scim+json"),
                ("Content-Type", "application/scim+json"),
                ("If-Match", tag.as_str()),
            ];
            c.raw("PUT", &format!("/Users/{id}"), &headers, Some(body));
        }),
        m(JSON_TYPES, |b| post_user(b, user_with(json!({ "active": 1 })))),
        m(BINARY, |b| post_user(b, user_with(json!({ "x509Certificates": [{ "value": "%%%" }] })))),
        m(ONE_PRIMARY, |b| {
            let emails = json!([{ "value": "a@example.com", "primary": true }, { "value": "b@example.com", "primary": true }]);
            post_user(b, user_with(json!({ "emails": emails })))
        }),
        m(EXTENSION_QUALIFIED, |b| get(b, &format!("/Users?filter={}", enc("employeeNumber eq \"7\"")))),
        m(NO_USERINFO, |b| {
            post_user(
                b,
                user_with(json!({ "photos": [{ "value": "https://jdoe:s3cret@example.com/p.png" }] })),
            )
        }),
        m(EMAIL, |b| post_user(b, user_with(json!({ "emails": [{ "value": "jdoe at example" }] })))),
        m(PHONE, |b| post_user(b, user_with(json!({ "phoneNumbers": [{ "value": "555-1234" }] })))),
        m(IMS_TYPE, |b| post_user(b, user_with(json!({ "ims": [{ "value": "jdoe", "type": "telegram" }] })))),
        m(COUNTRY, |b| post_user(b, user_with(json!({ "addresses": [{ "country": "USA" }] })))),
        m(X509_DER, |b| post_user(b, user_with(json!({ "x509Certificates": [{ "value": "aGVsbG8=" }] })))),
        m(X509_SINGLE, |b| {
            post_user(b, user_with(json!({ "x509Certificates": [{ "value": "MAMCAQEwAwIBAQ==" }] })))
        }),
        m(MANAGER_VALUE, |b| {
            let body = json!({ "schemas": [CORE_USER, ENTERPRISE], "userName": "jdoe", ENTERPRISE: { "manager": { "$ref": "../Users/42" } } });
            post_user(b, body)
        }),
        m(MANAGER_REF, |b| {
            let body = json!({ "schemas": [CORE_USER, ENTERPRISE], "userName": "jdoe", ENTERPRISE: { "manager": { "value": "42" } } });
            post_user(b, body)
        }),
        m(PATCHOP_SCHEMA, |b| {
            let c = Client::new(b.into());
            let id = c.user("jdoe");
            let body = json!({ "schemas": [], "Operations": [{ "op": "replace", "path": "displayName", "value": "J" }] });
            let tag = c.etag(&format!("/Users/{id}"));
            let headers = [
                ("Accept", "application/scim+json"),
                ("Content-Type", "application/scim+json"),
                ("If-Match", tag.as_str()),
            ];
            c.raw("PATCH", &format!("/Users/{id}"), &headers, Some(body.to_string().into_bytes()));
        }),
        m(PATCH_OPERATIONS, |b| patch_user(b, json!([]))),
        m(PATCH_ONE_OP, |b| patch_user(b, json!([{ "path": "displayName", "value": "J" }]))),
        m(PATCH_OP_VALUE, |b| {
            patch_user(b, json!([{ "op": "update", "path": "displayName", "value": "J" }]))
        }),
        m(REMOVE_PATH, |b| patch_user(b, json!([{ "op": "remove" }]))),
        m(ADD_VALUE, |b| patch_user(b, json!([{ "op": "add", "path": "displayName" }]))),
        m(ADD_COMPLEX, |b| patch_user(b, json!([{ "op": "add", "path": "name", "value": "Jane Doe" }]))),
        m(REPLACE_WITHOUT_PATH, |b| patch_user(b, json!([{ "op": "replace", "value": "Jane" }]))),
        m(REPLACE_COMPLEX, |b| {
            patch_user(b, json!([{ "op": "replace", "path": "name", "value": "Jane Doe" }]))
        }),
        // The same mistake without a path: still one finding, not two.
        m(REPLACE_COMPLEX, |b| patch_user(b, json!([{ "op": "replace", "value": { "name": "Jane" } }]))),
        m(NO_READONLY, |b| {
            patch_user(
                b,
                json!([{ "op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z" }]),
            )
        }),
        m(PATCH_COMPATIBLE, |b| {
            patch_user(b, json!([{ "op": "replace", "path": "active", "value": "yes" }]))
        }),
        m(FILTER_NOT_EMPTY, |b| get(b, "/Users?filter=")),
        m(FILTER_SYNTAX, |b| get(b, &format!("/Users?filter={}", enc("userName equals \"jdoe\"")))),
        m(VALUE_FILTER, |b| {
            get(b, &format!("/Users?filter={}", enc("emails[type eq \"work\" and userName eq \"j\"]")))
        }),
        m(COMPLEX_SUB_ATTRIBUTE, |b| get(b, &format!("/Users?filter={}", enc("name eq \"Jane\"")))),
        m(ATTRIBUTES, |b| get(b, "/Users?attributes=user%20name")),
        m(EXCLUDED_ATTRIBUTES, |b| get(b, "/Users?excludedAttributes=1name")),
        m(ONE_PROJECTION, |b| get(b, "/Users?attributes=userName&excludedAttributes=emails")),
        m(PASSWORD_NOT_IN_URL, |b| get(b, &format!("/Users?filter={}", enc("password eq \"hunter2\"")))),
        m(SEARCH_SCHEMA, |b| search(b, json!({ "filter": "userName pr" }))),
        m(SEARCH_FILTER, |b| search(b, json!({ "schemas": [SEARCH], "filter": "userName =" }))),
        m(SEARCH_ATTRIBUTES, |b| search(b, json!({ "schemas": [SEARCH], "attributes": ["user name"] }))),
        m(SEARCH_EXCLUDED, |b| search(b, json!({ "schemas": [SEARCH], "excludedAttributes": ["1name"] }))),
        m(SEARCH_SORT_BY, |b| search(b, json!({ "schemas": [SEARCH], "sortBy": "user name" }))),
        m(SORT_ORDER, |b| get(b, "/Users?sortBy=userName&sortOrder=up")),
        m(BULK_SCHEMA, |b| {
            let body = json!({ "schemas": [], "Operations": [{ "method": "DELETE", "path": "/Users/42" }] });
            Client::new(b.into()).send("POST", "/Bulk", Some(body));
        }),
        m(BULK_OPERATIONS, |b| {
            Client::new(b.into()).send("POST", "/Bulk", Some(json!({ "schemas": [BULK] })));
        }),
        m(BULK_METHOD, |b| bulk(b, json!([{ "method": "GET", "path": "/Users" }]))),
        m(BULK_ID, |b| {
            bulk(
                b,
                json!([{ "method": "POST", "path": "/Users", "data": { "schemas": [CORE_USER], "userName": "jdoe" } }]),
            )
        }),
        m(BULK_PATH, |b| bulk(b, json!([{ "method": "DELETE" }]))),
        m(BULK_DATA, |b| bulk(b, json!([{ "method": "PUT", "path": "/Users/42" }]))),
        m(BULK_VERSION, |b| {
            let op = json!({ "method": "POST", "path": "/Users", "bulkId": "a", "version": "W/\"1\"", "data": { "schemas": [CORE_USER], "userName": "jdoe" } });
            bulk(b, json!([op]))
        }),
        Mistake {
            breaks: SHORT_PAGES,
            config: || with(Scenario::ShortPages),
            // Takes the short first page for the whole listing.
            client: |b| {
                let c = Client::new(b.into());
                for n in 0..3 {
                    c.user(&format!("walk-{n}"));
                }
                c.get(&format!("/Users?filter={}&startIndex=1&count=10", enc("userName sw \"walk-\"")));
            },
        },
        m(SHORT_PAGES, |b| {
            // Advances by count, though the pages hold fewer.
            let c = Client::new(b.into());
            for n in 0..5 {
                c.user(&format!("walk-{n}"));
            }
            let filter = enc("userName sw \"walk-\"");
            c.get(&format!("/Users?filter={filter}&startIndex=1&count=2"));
            c.get(&format!("/Users?filter={filter}&startIndex=4&count=2"));
        }),
        m(IF_MATCH, |b| {
            let c = Client::new(b.into());
            let id = c.user("jdoe");
            c.patch(
                &format!("/Users/{id}"),
                json!([{ "op": "replace", "path": "displayName", "value": "J" }]),
            );
        }),
        Mistake {
            breaks: RETRY_AFTER,
            config: || with(Scenario::RateLimit { seconds: 1 }),
            client: |b| {
                let c = Client::new(b.into());
                c.get("/Users");
                assert_eq!(c.get("/Users").0, 429);
                c.get("/Users");
            },
        },
        Mistake {
            breaks: NO_AUTO_RETRY,
            config: || with(Scenario::ServerError),
            client: |b| {
                let c = Client::new(b.into());
                let body = json!({ "schemas": [CORE_USER], "userName": "jdoe" });
                assert_eq!(c.send("POST", "/Users", Some(body.clone())).0, 500);
                c.send("POST", "/Users", Some(body));
            },
        },
        Mistake {
            breaks: NO_AUTO_RETRY,
            config: || with(Scenario::Slow { seconds: 1 }),
            // Gives up waiting after a moment and sends the create again.
            client: |b| {
                let body = json!({ "schemas": [CORE_USER], "userName": "jdoe" }).to_string();
                let impatient = reqwest::blocking::Client::builder()
                    .timeout(std::time::Duration::from_millis(300))
                    .build()
                    .unwrap();
                let send = || {
                    impatient
                        .post(format!("{b}/Users"))
                        .header("Content-Type", "application/scim+json")
                        .header("Accept", "application/scim+json")
                        .body(body.clone())
                        .send()
                };
                assert!(send().is_err(), "the first create is held past the client's patience");
                send().unwrap();
            },
        },
        Mistake {
            breaks: REREAD_AFTER_412,
            config: || with(Scenario::StaleEtag),
            client: |b| {
                let c = Client::new(b.into());
                let id = c.user("jdoe");
                let tag = c.etag(&format!("/Users/{id}"));
                let body = json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "replace", "path": "displayName", "value": "J" }] });
                let headers = [
                    ("Accept", "application/scim+json"),
                    ("Content-Type", "application/scim+json"),
                    ("If-Match", tag.as_str()),
                ];
                for _ in 0..2 {
                    c.raw("PATCH", &format!("/Users/{id}"), &headers, Some(body.to_string().into_bytes()));
                }
            },
        },
        Mistake {
            breaks: AFTER_409,
            config: || with(Scenario::Conflict),
            client: |b| {
                let c = Client::new(b.into());
                let body = json!({ "schemas": [CORE_USER], "userName": "jdoe" });
                assert_eq!(c.send("POST", "/Users", Some(body.clone())).0, 409);
                c.send("POST", "/Users", Some(body));
            },
        },
        Mistake {
            breaks: TEMPORARY_REDIRECT,
            config: || with(Scenario::Redirect),
            client: |b| {
                let c = Client::new(b.into());
                let id = c.user("jdoe");
                let (status, _, headers) = c.send("GET", &format!("/Users/{id}"), None);
                assert_eq!(status, 307);
                let location = headers.get("location").unwrap().to_str().unwrap().to_string();
                assert_eq!(c.get(&location).0, 200, "the temporary location serves the user");
                c.get(&location);
            },
        },
        Mistake {
            breaks: PERMANENT_REDIRECT,
            config: || with(Scenario::Moved),
            client: |b| {
                let c = Client::new(b.into());
                let id = c.user("jdoe");
                assert_eq!(c.send("GET", &format!("/Users/{id}"), None).0, 308);
                c.get(&format!("/Users/{id}"));
            },
        },
        Mistake {
            breaks: OKTA_HEADERS,
            config: || like(Profile::OKTA),
            client: |b| {
                Client::new(b.into()).get("/Users?startIndex=1&count=2");
            },
        },
        Mistake {
            breaks: OKTA_USER_LOOKUP,
            config: || like(Profile::OKTA),
            client: |b| {
                Client::okta(b.into()).user("jdoe");
            },
        },
        Mistake {
            breaks: OKTA_GROUP_LOOKUP,
            config: || like(Profile::OKTA),
            client: |b| {
                let c = Client::okta(b.into());
                c.create("/Groups", json!({ "schemas": [CORE_GROUP], "displayName": "Eng", "members": [] }));
            },
        },
        Mistake {
            breaks: OKTA_DEACTIVATION,
            config: || like(Profile::OKTA),
            client: |b| {
                let c = Client::okta(b.into());
                let id = c.looked_up_user("jdoe");
                c.patch(
                    &format!("/Users/{id}"),
                    json!([{ "op": "replace", "path": "active", "value": false }]),
                );
            },
        },
        Mistake {
            breaks: OKTA_GROUP_PUSH_ORDER,
            config: || like(Profile::OKTA),
            client: |b| {
                let c = Client::okta(b.into());
                let user = c.looked_up_user("jdoe");
                let group = c.group("Eng");
                c.patch(
                    &format!("/Groups/{group}"),
                    json!([{ "op": "add", "path": "members", "value": [{ "value": user }] }]),
                );
            },
        },
        Mistake {
            breaks: ENTRA_USER_LOOKUP,
            config: || like(Profile::ENTRA),
            client: |b| {
                Client::new(b.into()).user("jdoe");
            },
        },
        Mistake {
            breaks: ENTRA_DEACTIVATION,
            config: || like(Profile::ENTRA),
            client: |b| {
                let c = Client::new(b.into());
                let id = c.looked_up_user("jdoe");
                c.patch(&format!("/Users/{id}"), json!([{ "op": "replace", "value": { "active": false } }]));
            },
        },
        Mistake {
            breaks: ENTRA_MEMBER_REMOVAL,
            config: || like(Profile::ENTRA),
            client: |b| {
                let c = Client::new(b.into());
                let group = c.group("Eng");
                c.patch(&format!("/Groups/{group}"), json!([{ "op": "remove", "path": "members" }]));
            },
        },
        Mistake {
            breaks: ENTRA_SOFT_DELETE,
            config: || like(Profile::ENTRA),
            client: |b| {
                let c = Client::new(b.into());
                let id = c.looked_up_user("jdoe");
                c.send("DELETE", &format!("/Users/{id}"), None);
            },
        },
    ]
}

/// What a careful client may still be told: If-Match is a MAY, and a note says so.
const BACKGROUND: &[&str] = &[IF_MATCH];

#[test]
fn each_mistake_of_a_bad_client_is_caught_and_nothing_else_is_reported() {
    let mut problems = Vec::new();
    for mistake in mistakes() {
        let report = audit((mistake.config)(), mistake.client);
        let found = with_findings(&report);
        let caught = case(&report, mistake.breaks);
        if caught.outcome.findings().is_empty() {
            problems
                .push(format!("{}: not caught ({:?}); reported: {found:?}", mistake.breaks, caught.outcome));
            continue;
        }
        let expected = match caught.requirements[0].level {
            scimitar::suite::requirement::Level::Must => Verdict::Fail,
            scimitar::suite::requirement::Level::Should => Verdict::Warn,
            scimitar::suite::requirement::Level::May => Verdict::Note,
        };
        if caught.verdict() != expected {
            problems.push(format!(
                "{}: {} where its level makes it {}",
                mistake.breaks,
                caught.verdict(),
                expected
            ));
        }
        let others: Vec<&(String, usize)> = found
            .iter()
            .filter(|(id, _)| id != mistake.breaks && !BACKGROUND.contains(&id.as_str()))
            .collect();
        if !others.is_empty() {
            problems.push(format!("{}: also reported {others:?}", mistake.breaks));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_audited_requirement_has_a_bad_client_that_breaks_it() {
    let broken: std::collections::HashSet<&str> = mistakes().iter().map(|m| m.breaks).collect();
    let unproven: Vec<&str> = RULES.iter().map(|r| r.requirement).filter(|r| !broken.contains(r)).collect();
    assert!(unproven.is_empty(), "no bad client proves these can fail: {unproven:?}");
}

/// Pages through the users whose names start with `prefix`, `count` at a
/// time, each page starting after what the last one held, until
/// totalResults; how many it read.
fn walk(c: &Client, prefix: &str, count: u64) -> u64 {
    let filter = enc(&format!("userName sw \"{prefix}\""));
    let mut start = 1;
    loop {
        let (_, page) = c.get(&format!("/Users?filter={filter}&startIndex={start}&count={count}"));
        let held = page["Resources"].as_array().map_or(0, Vec::len) as u64;
        start += held;
        if held == 0 || start > page["totalResults"].as_u64().unwrap_or(0) {
            return start - 1;
        }
    }
}

/// A client that does everything the RFCs ask, across every kind of request.
fn careful_client(b: &str) {
    let c = Client::new(b.into());
    for path in ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"] {
        assert_eq!(c.get(path).0, 200);
    }
    let boss = c.user("boss");
    let body = json!({
        "schemas": [CORE_USER, ENTERPRISE],
        "userName": "jdoe",
        "name": { "givenName": "Jane", "familyName": "Doe" },
        "emails": [{ "value": "jdoe@example.com", "type": "work", "primary": true }],
        "phoneNumbers": [{ "value": "tel:+1-201-555-0123", "type": "work" }],
        "ims": [{ "value": "jdoe", "type": "xmpp" }],
        "addresses": [{ "country": "US", "type": "work" }],
        "x509Certificates": [{ "value": ONE_DER }],
        "photos": [{ "value": "https://example.com/jdoe.png", "type": "photo" }],
        "active": true,
        ENTERPRISE: { "employeeNumber": "7", "manager": { "value": boss, "$ref": format!("{b}/Users/{boss}") } },
    });
    let id = c.create("/Users", body.clone());
    let user = format!("/Users/{id}");
    for filter in [
        "userName eq \"jdoe\"",
        "emails[type eq \"work\" and value co \"example.com\"]",
        "emails co \"example.com\"",
        "name.familyName eq \"Doe\"",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"7\"",
    ] {
        assert_eq!(c.get(&format!("/Users?filter={}", enc(filter))).0, 200, "{filter}");
    }
    c.get(&format!("{user}?attributes=userName,emails"));
    c.get(&format!("{user}?excludedAttributes=emails"));
    c.get("/Users?sortBy=userName&sortOrder=descending");
    let conditional = |method: &str, body: Option<Value>| {
        let tag = c.etag(&user);
        let mut headers = vec![("Accept", "application/scim+json"), ("If-Match", tag.as_str())];
        if body.is_some() {
            headers.push(("Content-Type", "application/scim+json"));
        }
        let (status, answer, _) = c.raw(method, &user, &headers, body.map(|b| b.to_string().into_bytes()));
        assert!(status < 300, "{method}: {status} {answer}");
    };
    let mut replaced = body.clone();
    replaced["displayName"] = json!("Jane Doe");
    replaced["id"] = json!(id);
    conditional("PUT", Some(replaced));
    conditional(
        "PATCH",
        Some(json!({ "schemas": [PATCH_OP], "Operations": [
            { "op": "add", "path": "emails", "value": [{ "value": "jane@example.com", "type": "home" }] },
            { "op": "replace", "path": "name", "value": { "givenName": "Janet" } },
            { "op": "remove", "path": "emails[type eq \"home\"]" },
            { "op": "replace", "value": { "displayName": "J", ENTERPRISE: { "employeeNumber": "8" } } },
            { "op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "9" },
        ] })),
    );
    let search = json!({ "schemas": [SEARCH], "filter": "userName sw \"j\"", "attributes": ["userName"],
                         "sortBy": "userName", "sortOrder": "ascending", "startIndex": 1, "count": 10 });
    assert_eq!(c.send("POST", "/Users/.search", Some(search)).0, 200);
    let tag = c.etag(&user);
    let operations = json!([
        { "method": "POST", "path": "/Users", "bulkId": "a", "data": { "schemas": [CORE_USER], "userName": "bulk" } },
        { "method": "PATCH", "path": user, "version": tag, "data": { "schemas": [PATCH_OP],
          "Operations": [{ "op": "replace", "path": "displayName", "value": "K" }] } },
    ]);
    assert_eq!(c.send("POST", "/Bulk", Some(json!({ "schemas": [BULK], "Operations": operations }))).0, 200);
    for n in 0..5 {
        c.user(&format!("walk-{n}"));
    }
    walk(&c, "walk-", 2);
    conditional("DELETE", None);
}

#[test]
fn a_careful_client_comes_out_clean() {
    for config in [config(), with(Scenario::ShortPages)] {
        let report = audit(config, careful_client);
        assert_eq!(with_findings(&report), vec![], "a careful client has nothing reported");
        let passed = report.with_verdict(Verdict::Pass).count();
        assert!(passed >= 45, "the client gave occasion to judge {passed} requirements only");
    }
}

/// An Okta-like lifecycle: Okta's headers, a lookup before each create, the
/// path-less deactivation, and Group Push's rename before each membership change.
fn okta_lifecycle(b: &str) {
    let c = Client::okta(b.into());
    let user = c.looked_up_user("jdoe");
    let other = c.looked_up_user("jroe");
    let group = c.group("Eng");
    let rename = json!([{ "op": "replace", "value": { "id": group, "displayName": "Eng" } }]);
    c.patch(&format!("/Groups/{group}"), rename.clone());
    c.patch(
        &format!("/Groups/{group}"),
        json!([{ "op": "add", "path": "members", "value": [{ "value": user }] }]),
    );
    c.patch(&format!("/Groups/{group}"), rename);
    c.patch(
        &format!("/Groups/{group}"),
        json!([{ "op": "remove", "path": format!("members[value eq \"{user}\"]") },
               { "op": "add", "path": "members", "value": [{ "value": other }] }]),
    );
    c.patch(&format!("/Users/{user}"), json!([{ "op": "replace", "value": { "active": false } }]));
    let (_, mut whole) = c.get(&format!("/Users/{other}"));
    whole["active"] = json!(false);
    c.send("PUT", &format!("/Users/{other}"), Some(whole));
}

/// An Entra-like lifecycle, in the aadOptscim062020 dialect a strict server takes.
fn entra_lifecycle(b: &str) {
    let c = Client::new(b.into());
    let user = c.looked_up_user("jdoe");
    let group = c.group("Eng");
    c.patch(
        &format!("/Groups/{group}"),
        json!([{ "op": "add", "path": "members", "value": [{ "value": user }] }]),
    );
    c.patch(
        &format!("/Groups/{group}"),
        json!([{ "op": "remove", "path": format!("members[value eq \"{user}\"]") }]),
    );
    c.patch(&format!("/Users/{user}"), json!([{ "op": "replace", "path": "active", "value": false }]));
    c.send("DELETE", &format!("/Users/{user}"), None);
}

#[test]
fn a_client_that_acts_like_the_idp_matches_it_and_one_that_does_not_differs() {
    for (profile, lifecycle, other) in [
        (Profile::OKTA, okta_lifecycle as fn(&str), entra_lifecycle as fn(&str)),
        (Profile::ENTRA, entra_lifecycle, okta_lifecycle),
    ] {
        let report = audit(like(profile), lifecycle);
        let like_cases: Vec<&CaseReport> = report
            .cases
            .iter()
            .filter(|c| c.id.starts_with(&format!("audit::like::{}::", profile.name())))
            .collect();
        assert!(!like_cases.is_empty());
        for case in like_cases {
            assert_eq!(case.verdict(), Verdict::Pass, "{}: {:#?}", case.id, case.outcome);
        }
        let others: Vec<(String, usize)> =
            with_findings(&report).into_iter().filter(|(id, _)| !BACKGROUND.contains(&id.as_str())).collect();
        assert_eq!(others, vec![], "{profile}: nothing else either (Okta and Entra send no If-Match)");
        let report = audit(like(profile), other);
        let differences = report
            .cases
            .iter()
            .filter(|c| c.id.starts_with("audit::like::") && c.verdict() == Verdict::Warn)
            .count();
        assert!(differences >= 1, "{profile}: the other IdP's lifecycle differs from it in no way");
    }
}

fn all_idps() -> AuditConfig {
    AuditConfig::new(
        ServerConfig::new(Auth::bearer("audit-token")).with_leniency(Leniency::for_idps(&Idp::ALL)),
    )
}

use crate::cli::scimitar;

/// Nothing fails or warns: what the IdPs send that the RFCs forbid is
/// declared (the server was told to accept it), and MAY observations are notes.
fn assert_clean(report: &RunReport) {
    let bad: Vec<String> = report
        .cases
        .iter()
        .filter(|c| matches!(c.verdict(), Verdict::Fail | Verdict::Warn | Verdict::Error | Verdict::Blocked))
        .map(|c| format!("{} {}: {:#?}", c.verdict(), c.id, c.outcome))
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(report.with_verdict(Verdict::Pass).count() >= 25, "{}", report.summary.line());
}

#[test]
fn the_identity_provider_profiles_replayed_by_scimitar_run_come_out_clean() {
    let server = AuditServer::start(all_idps()).unwrap();
    let base = server.base_url();
    let run = scimitar(&[
        "run",
        "--profile",
        "okta,entra,google,jumpcloud,onelogin",
        "--url",
        &base,
        "--token",
        "audit-token",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stdout));
    let report = server.finish(&Gate::default());
    assert_clean(&report);
    let declared = report.with_verdict(Verdict::Declared).count();
    assert!(declared >= 3, "Entra's and OneLogin's departures are reported, as declared: {declared}");
}

#[test]
fn a_recording_replayed_against_the_audit_server_comes_out_clean() {
    use scimitar::record::{self, Recorder};
    let upstream = scimitar::server::ReferenceServer::start(
        ServerConfig::new(Auth::bearer("audit-token")).with_leniency(Leniency::for_idps(&[Idp::Okta])),
    )
    .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("recording.yaml");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let recorder = std::sync::Arc::new(
            Recorder::new(&upstream.base_url(), file.clone(), "okta", std::time::Duration::from_secs(10))
                .unwrap(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(record::serve(listener, recorder, async {
            let _ = stopped.await;
        }));
        let suite = scimitar::suite::Suite::embedded().unwrap();
        let cases: Vec<_> = suite
            .cases
            .iter()
            .filter(|c| ["idp::okta::lookup_then_create", "idp::okta::group_push"].contains(&c.id()))
            .cloned()
            .collect();
        let target = scimitar::runner::target::Target::new(
            proxy,
            scimitar::runner::target::TargetAuth::Bearer("audit-token".into()),
        );
        let options = scimitar::runner::RunOptions::default();
        let ctx = std::sync::Arc::new(
            scimitar::runner::prepare(&target, &options, scimitar::runner::new_run_id()).await.unwrap(),
        );
        let (_keep, cancel) = tokio::sync::watch::channel(false);
        scimitar::runner::run_all(ctx.clone(), cases, Some(1), None, cancel).await;
        ctx.tracker.clean(&ctx.http, false).await;
        let _ = stop.send(());
        serving.await.unwrap().unwrap();
    });
    let mut config = all_idps();
    config.server = config.server.with_leniency(Leniency::for_idps(&[Idp::Okta]));
    let server = AuditServer::start(config).unwrap();
    let run =
        scimitar(&["run", file.to_str().unwrap(), "--url", &server.base_url(), "--token", "audit-token"]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stdout));
    assert_clean(&server.finish(&Gate::default()));
}

/// Runs the audit command until `--until` (or Ctrl-C) ends it: the child,
/// and the base URL its banner names.
fn audit_command(args: &[&str]) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(["audit", "--no-auth", "--port", "0", "--quiet"])
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        // Not read: a piped stderr nobody drains could fill and stall the child.
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let base = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.trim().strip_prefix("base URL").map(|u| u.trim().to_string()))
        .expect("the banner names the base URL");
    // The rest of stdout (the report) is drained and dropped, so the child
    // never blocks on a full pipe; the tests judge its exit code.
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    (child, base)
}

fn wait(child: &mut std::process::Child) -> Option<i32> {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(30) {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("the audit did not end");
}

#[test]
fn an_audit_ends_after_its_requests_with_every_report_and_exit_1_for_a_failing_client() {
    let scratch = tempfile::tempdir().unwrap();
    let d = scratch.path();
    let path = |f: &str| d.join(f).to_str().unwrap().to_string();
    let (json, junit, html, md, har) =
        (path("a.json"), path("a.xml"), path("a.html"), path("a.md"), path("a.har"));
    let (mut child, base) = audit_command(&[
        "--until",
        "requests=2",
        "--json",
        &json,
        "--junit",
        &junit,
        "--html",
        &html,
        "--markdown",
        &md,
        "--har",
        &har,
    ]);
    let c = Client::new(base);
    c.get("/ServiceProviderConfig");
    c.send("POST", "/Users", Some(json!({ "userName": "jdoe" })));
    assert_eq!(wait(&mut child), Some(1), "a MUST broken fails the audit, as it fails a run");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(include_str!("../../reports/run-report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let problems: Vec<String> =
        validator.iter_errors(&report).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(
        problems.is_empty(),
        "the audit's JSON report breaks the report schema:\n{}",
        problems.join("\n")
    );
    let case = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "audit::resource::schemas_present")
        .unwrap();
    assert_eq!(case["verdict"], "fail");
    assert_eq!(report["summary"]["requests"], 2);
    assert!(std::fs::read_to_string(&junit).unwrap().contains("<failure"));
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains("<h1>SCIM client audit</h1>") && html.contains("audit::resource::schemas_present"));
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains("an audit of a client") && md.contains("schemas_present"), "{md}");
    let har: Value = serde_json::from_str(&std::fs::read_to_string(&har).unwrap()).unwrap();
    assert!(!har["log"]["entries"].as_array().unwrap().is_empty());
}

#[cfg(unix)]
#[test]
fn ctrl_c_ends_an_audit_with_its_report_and_a_careful_client_exits_0() {
    let scratch = tempfile::tempdir().unwrap();
    let d = scratch.path();
    let json = d.join("a.json").to_str().unwrap().to_string();
    let (mut child, base) = audit_command(&["--json", &json]);
    let c = Client::new(base);
    c.get("/ServiceProviderConfig");
    c.user("jdoe");
    let sent = Command::new("sh").args(["-c", &format!("kill -INT {}", child.id())]).status().unwrap();
    assert!(sent.success());
    assert_eq!(wait(&mut child), Some(0), "Ctrl-C ends an audit; the verdict is the client's");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["summary"]["failed"], 0);
    assert_eq!(report["summary"]["requests"], 2);
}

/// A client that copes with what a scenario does to it.
struct Coping {
    scenario: Scenario,
    judged: &'static str,
    client: fn(&str),
}

fn coping() -> Vec<Coping> {
    vec![
        Coping {
            scenario: Scenario::RateLimit { seconds: 1 },
            judged: RETRY_AFTER,
            client: |b| {
                let c = Client::new(b.into());
                c.get("/Users");
                assert_eq!(c.get("/Users").0, 429);
                std::thread::sleep(std::time::Duration::from_millis(1100));
                assert_eq!(c.get("/Users").0, 200);
            },
        },
        Coping {
            scenario: Scenario::ServerError,
            judged: NO_AUTO_RETRY,
            client: |b| {
                let c = Client::new(b.into());
                let body = json!({ "schemas": [CORE_USER], "userName": "jdoe" });
                assert_eq!(c.send("POST", "/Users", Some(body.clone())).0, 500);
                assert_eq!(c.get(&format!("/Users?filter={}", enc("userName eq \"jdoe\""))).0, 200);
                assert_eq!(c.send("POST", "/Users", Some(body)).0, 201);
            },
        },
        Coping {
            scenario: Scenario::StaleEtag,
            judged: REREAD_AFTER_412,
            client: |b| {
                let c = Client::new(b.into());
                let user = format!("/Users/{}", c.user("jdoe"));
                let body = json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "replace", "path": "displayName", "value": "J" }] });
                for expected in [412, 200] {
                    let tag = c.etag(&user);
                    let headers = [
                        ("Accept", "application/scim+json"),
                        ("Content-Type", "application/scim+json"),
                        ("If-Match", tag.as_str()),
                    ];
                    assert_eq!(
                        c.raw("PATCH", &user, &headers, Some(body.to_string().into_bytes())).0,
                        expected
                    );
                }
            },
        },
        Coping {
            scenario: Scenario::Conflict,
            judged: AFTER_409,
            client: |b| {
                let c = Client::new(b.into());
                assert_eq!(
                    c.send("POST", "/Users", Some(json!({ "schemas": [CORE_USER], "userName": "jdoe" }))).0,
                    409
                );
                let (_, found) = c.get(&format!("/Users?filter={}", enc("userName eq \"jdoe\"")));
                assert_eq!(found["totalResults"], 1, "the other writer's user is there to find");
            },
        },
        Coping {
            scenario: Scenario::ShortPages,
            judged: SHORT_PAGES,
            client: |b| {
                let c = Client::new(b.into());
                for n in 0..5 {
                    c.user(&format!("walk-{n}"));
                }
                assert_eq!(walk(&c, "walk-", 10), 5, "every user was read");
            },
        },
        Coping {
            scenario: Scenario::Redirect,
            judged: TEMPORARY_REDIRECT,
            client: |b| {
                let c = Client::new(b.into());
                let user = format!("/Users/{}", c.user("jdoe"));
                let (status, _, headers) = c.send("GET", &user, None);
                assert_eq!(status, 307);
                assert_eq!(c.get(headers.get("location").unwrap().to_str().unwrap()).0, 200);
                assert_eq!(c.get(&user).0, 200, "the original URL still serves it");
            },
        },
        Coping {
            scenario: Scenario::Moved,
            judged: PERMANENT_REDIRECT,
            client: |b| {
                let c = Client::new(b.into());
                let user = format!("/Users/{}", c.user("jdoe"));
                let (status, _, headers) = c.send("GET", &user, None);
                assert_eq!(status, 308);
                let location = headers.get("location").unwrap().to_str().unwrap().to_string();
                let (status, moved) = c.get(&location);
                assert_eq!(status, 200);
                assert_eq!(moved["meta"]["location"], location.as_str(), "the answer names its new URL");
                c.patch(&location, json!([{ "op": "replace", "path": "displayName", "value": "J" }]));
            },
        },
    ]
}

#[test]
fn each_scenario_provokes_and_a_client_that_copes_passes() {
    let covered: std::collections::BTreeSet<&str> = coping().iter().map(|c| c.scenario.name()).collect();
    let expected: std::collections::BTreeSet<&str> =
        Scenario::ALL.iter().map(|s| s.name()).filter(|n| *n != "slow").collect();
    assert_eq!(covered, expected, "every scenario but slow, whose careful client has nothing to show");
    assert_eq!(coping().len(), expected.len(), "each scenario once");
    for c in coping() {
        let report = audit(with(c.scenario), c.client);
        let judged = case(&report, c.judged);
        assert_eq!(judged.verdict(), Verdict::Pass, "{}: {:#?}", c.scenario.name(), judged.outcome);
        let others: Vec<(String, usize)> =
            with_findings(&report).into_iter().filter(|(id, _)| !BACKGROUND.contains(&id.as_str())).collect();
        assert_eq!(others, vec![], "{}: nothing else is reported", c.scenario.name());
    }
}

#[test]
fn by_default_the_audit_server_answers_every_case_as_the_reference_server_does() {
    let server =
        AuditServer::start(AuditConfig::new(ServerConfig::new(Auth::bearer("audit-token")))).unwrap();
    let run = scimitar(&["run", "--url", &server.base_url(), "--token", "audit-token"]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{text}");
    let last = text.lines().last().unwrap_or_default();
    assert!(
        last.ends_with(" passed, 0 failed, 1 not applicable: compliant"),
        "as against scimitar serve: {last}"
    );
    let report = server.finish(&Gate::default());
    assert!(report.summary.requests > 1000, "every request was seen: {}", report.summary.requests);
}

/// A client that fits itself to whatever server it meets: scimitar's own
/// runner, playing every identity provider. Against an audit server under
/// each legal variant of the reference server (the minimal bundle, and each
/// variant it leaves out), what it sends draws no finding but notes and
/// declared departures: the audit's checks hold on any legal server.
#[test]
fn under_every_legal_variant_an_adaptive_client_comes_out_clean() {
    use scimitar::server::variant::{Variant, VariantSet};
    let suite = scimitar::suite::Suite::embedded().unwrap();
    let cases: Vec<_> = suite.cases.iter().filter(|c| c.id().starts_with("idp::")).cloned().collect();
    let mut sets = vec![VariantSet::minimal()];
    sets.extend(Variant::ALL.iter().filter(|v| !Variant::MINIMAL.contains(v)).map(|v| VariantSet::of(&[*v])));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut all_bad = Vec::new();
    for variants in sets {
        let mut config = all_idps();
        config.server = config.server.with_variants(variants);
        let server = AuditServer::start(config).unwrap();
        let target = scimitar::runner::target::Target::new(
            server.base_url(),
            scimitar::runner::target::TargetAuth::Bearer("audit-token".into()),
        );
        runtime.block_on(async {
            let options = scimitar::runner::RunOptions::default();
            let ctx = std::sync::Arc::new(
                scimitar::runner::prepare(&target, &options, scimitar::runner::new_run_id()).await.unwrap(),
            );
            let (_keep, cancel) = tokio::sync::watch::channel(false);
            scimitar::runner::run_all(ctx.clone(), cases.clone(), Some(2), None, cancel).await;
            ctx.tracker.clean(&ctx.http, false).await;
        });
        let report = server.finish(&Gate::default());
        // Okta's import case reads one page of count=100 to check its shape,
        // then walks its own users with a filter: a check, not an import. Told
        // that it stopped at a short page, it is told rightly.
        // Cases that ask for fixed pages on purpose, as the client they play
        // does: Okta's import reads one page to check its shape, and Entra's
        // gallery validation asks for startIndex 1, 6 and 11, five at a time,
        // to see each echoed. Against short pages both are rightly told they
        // skipped results.
        let shape_check = |c: &CaseReport, f: &scimitar::runner::outcome::Finding| {
            let step = f.step_name.as_deref().unwrap_or_default();
            c.id == "audit::paging::short_pages"
                && (step == "GET /Users?startIndex=1&count=100"
                    || step.ends_with("&startIndex=6&count=5")
                    || step.ends_with("&startIndex=11&count=5")
                    || step.ends_with("&startIndex=6&count=5&excludedAttributes=members")
                    || step.ends_with("&startIndex=11&count=5&excludedAttributes=members"))
        };
        let bad: Vec<String> = report
            .cases
            .iter()
            .filter(|c| {
                matches!(c.verdict(), Verdict::Fail | Verdict::Warn | Verdict::Error | Verdict::Blocked)
            })
            .flat_map(|c| {
                let found: Vec<String> = c
                    .outcome
                    .findings()
                    .iter()
                    .filter(|f| !shape_check(c, f))
                    .map(|f| {
                        format!(
                            "{} {}: {} | {} | {}",
                            c.verdict(),
                            c.id,
                            f.step_name.clone().unwrap_or_default(),
                            f.expected,
                            f.actual
                        )
                    })
                    .collect();
                if found.is_empty() && c.outcome.findings().is_empty() {
                    vec![format!("{} {}: {:?}", c.verdict(), c.id, c.outcome)]
                } else {
                    found
                }
            })
            .collect();
        let names: Vec<&str> = variants.iter().map(Variant::name).collect();
        assert!(
            report.summary.requests > 100,
            "under {}: {} requests only",
            names.join(", "),
            report.summary.requests
        );
        if !bad.is_empty() {
            all_bad.push(format!("under {}:\n{}", names.join(", "), bad.join("\n")));
        }
    }
    assert!(all_bad.is_empty(), "{}", all_bad.join("\n\n"));
}

#[test]
fn coverage_shows_every_client_requirement_an_audit_can_see_judged_in_its_own_section() {
    let out = scimitar(&["coverage"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("The client's side: what scimitar audit judges a SCIM client by"), "{text}");
    let tally = text
        .lines()
        .find(|l| l.contains("auditable requirements judged"))
        .expect("a tally of the client's side");
    let numbers: Vec<u64> = tally.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert!(numbers.len() >= 3 && numbers[0] == numbers[1] && numbers[1] >= 50, "{tally}");
    assert!(text.contains("by audit::patch::compatible"), "each names the case that judges it");
    assert!(
        text.contains("not auditable: the audit server speaks plain HTTP"),
        "and why the rest cannot be seen"
    );
    let uncovered = String::from_utf8_lossy(&scimitar(&["coverage", "--uncovered"]).stdout).into_owned();
    assert!(
        !uncovered.contains("The client's side:"),
        "no client requirement is left unjudged:\n{uncovered}"
    );
}

#[test]
fn a_wait_the_server_itself_asks_for_is_held_against_a_client_that_does_not_wait() {
    let throttled = || AuditConfig::new(ServerConfig::new(Auth::None).with_rate_limit(1.0));
    let impatient = audit(throttled(), |b| {
        let c = Client::new(b.into());
        c.get("/Users");
        assert_eq!(c.get("/Users").0, 429, "one request a second");
        c.get("/Users");
    });
    assert_eq!(case(&impatient, RETRY_AFTER).verdict(), Verdict::Warn);
    let patient = audit(throttled(), |b| {
        let c = Client::new(b.into());
        c.get("/Users");
        assert_eq!(c.get("/Users").0, 429);
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(c.get("/Users").0, 200);
    });
    assert_eq!(case(&patient, RETRY_AFTER).verdict(), Verdict::Pass);
}
