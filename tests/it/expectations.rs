//! Expectation forms against a canned response: each one passes on a body
//! that satisfies it and fails, naming the element, on one that does not.

use scimitar::runner::outcome::Outcome;
use scimitar::runner::target::{Target, TargetAuth};
use scimitar::runner::{self, RunOptions};
use scimitar::suite::Suite;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CATALOGUE: &str = "- { id: test.req, source: RFC 7644 §3.4.2, level: MUST, says: x }\n\
                         - { id: rfc7644.3.4.2.itemsperpage-required, source: RFC 7644 §3.4.2, level: MUST, says: y }\n";

/// The findings' checks when the case's one step (`expect` given as YAML)
/// meets `body` from GET /Users; empty when it passes.
fn checks(expect: &str, body: Value) -> Vec<String> {
    let step = format!(
        "request: {{ method: GET, path: /Users }}\nexpect:\n{}",
        expect.lines().map(|l| format!("  {l}\n")).collect::<String>()
    );
    findings(&step, body).into_iter().map(|(check, _)| check).collect()
}

/// (check, cited requirement id) of each finding of a one-step case.
fn findings(step: &str, body: Value) -> Vec<(String, String)> {
    let case = format!(
        "id: t::expect\ntitle: t\nrequirements: [test.req]\nsteps:\n  - {}",
        step.lines().collect::<Vec<_>>().join("\n    ")
    );
    let suite = Suite::from_sources(vec![
        ("requirements/test.yaml".into(), CATALOGUE.into()),
        ("t/expect.yaml".into(), case),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let server = MockServer::start().await;
        crate::mock::serve_discovery(&server).await;
        Mock::given(method("GET"))
            .and(path("/Users"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        let target = Target::new(server.uri(), TargetAuth::None);
        let ctx = runner::prepare(&target, &RunOptions::default(), runner::new_run_id()).await.unwrap();
        match runner::run_case(&ctx, &suite.cases[0]).await.outcome {
            Outcome::Pass => vec![],
            Outcome::Fail { findings } => {
                findings.into_iter().map(|f| (f.check.to_string(), f.requirement.id)).collect()
            }
            other => panic!("{other:?}"),
        }
    })
}

#[test]
fn each_pointers_check_every_element_and_name_the_failing_ones() {
    let expect = "each:\n  pointers:\n    - { at: /id, type: string }\n    - { at: /meta/created, matches: '^\\d{4}-' }";
    let good = json!({ "Resources": [{ "id": "a", "meta": { "created": "2026-01-01T00:00:00Z" } }] });
    assert_eq!(checks(expect, good), Vec::<String>::new());
    let bad = json!({ "Resources": [
        { "id": "a", "meta": { "created": "2026-01-01T00:00:00Z" } },
        { "id": 7, "meta": { "created": "yesterday" } }
    ] });
    assert_eq!(
        checks(expect, bad),
        ["each /Resources/1: pointer /id", "each /Resources/1: pointer /meta/created"]
    );
}

#[test]
fn each_reports_a_few_failing_elements_and_counts_the_rest() {
    let many: Vec<Value> = (0..10).map(|i| json!({ "id": i })).collect();
    let found = checks("each:\n  pointers: [{ at: /id, type: string }]", json!({ "Resources": many }));
    assert_eq!(found.len(), 3, "{found:?}");
}

#[test]
fn optional_checks_pass_on_absence_and_still_judge_a_present_value() {
    let expect = "pointers:\n  - { at: /x509, optional: true, type: array }\neach:\n  at: /emails\n  optional: true\n  pointers: [{ at: /value, type: string }]";
    assert_eq!(checks(expect, json!({})), Vec::<String>::new());
    assert_eq!(checks(expect, json!({ "x509": null, "emails": null })), Vec::<String>::new());
    assert_eq!(checks(expect, json!({ "x509": "pem", "emails": [{ "value": 1 }] })).len(), 2);
    assert_eq!(checks("pointers: [{ at: /x509, type: array }]", json!({})), ["pointer /x509"]);
}

#[test]
fn base_url_is_a_template_variable() {
    let expect = "pointers: [{ at: /location, matches: '^{{base_url}}/Users/' }]";
    let server_relative = checks(expect, json!({ "location": "http://internal:8080/Users/1" }));
    assert_eq!(server_relative, ["pointer /location"]);
}

#[test]
fn a_walk_cites_the_itemsperpage_requirement_for_a_misreported_page() {
    let page = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 1, "startIndex": 1, "itemsPerPage": 2,
        "Resources": [{ "id": "a" }]
    });
    let found = findings("walk: { path: /Users, count: 2 }", page);
    assert_eq!(
        found,
        [("walk /Users: itemsPerPage".to_string(), "rfc7644.3.4.2.itemsperpage-required".to_string())]
    );
}

#[test]
fn a_wrong_status_is_the_only_finding_of_its_step() {
    let body = json!({ "id": "a", "userName": "x" });
    assert_eq!(checks("status: 400\nschema: error\nheaders: { X-Never: present }", body.clone()), ["status"]);
    assert_eq!(checks("status: 201\npointers: [{ at: /id, type: integer }]", body.clone()), ["status"]);
    assert_eq!(checks("status: 200\npointers: [{ at: /id, type: integer }]", body), ["pointer /id"]);
}
