//! The client a case plays: its headers reach the server as written, a
//! header it leaves out is not sent, and a compressed answer is read.

use flate2::Compression;
use flate2::write::GzEncoder;
use scimitar::runner::outcome::Outcome;
use scimitar::runner::target::{Target, TargetAuth};
use scimitar::runner::{self, RunOptions};
use scimitar::suite::Suite;
use std::io::Write;
use wiremock::matchers::{header_regex, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CATALOGUE: &str =
    "- { id: test.req, source: RFC 7644 §3.4.2, level: MUST, says: a listing answers 200 }\n";

fn run(case: &str, server: &MockServer) -> scimitar::runner::outcome::CaseReport {
    let suite = Suite::from_sources(vec![
        ("requirements/test.yaml".into(), CATALOGUE.into()),
        ("client/case.yaml".into(), case.into()),
    ])
    .unwrap();
    let target = Target::new(server.uri(), TargetAuth::Bearer("t".into()));
    let rt = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| {
        rt.block_on(async {
            let ctx = runner::prepare(&target, &RunOptions::default(), runner::new_run_id()).await.unwrap();
            runner::run_case(&ctx, &suite.cases[0]).await
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_headers_go_out_and_a_null_one_stays_home() {
    let server = MockServer::start().await;
    crate::mock::serve_discovery(&server).await;
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let case = r#"
id: client::headers
title: the case's client headers
requirements: [test.req]
headers:
  User-Agent: null
  ADSCIMVersion: "5.0"
  Content-Type: application/scim+json; charset=utf-8
steps:
  - request: { method: GET, path: /Users }
    expect: { status: 200 }
  - request: { method: POST, path: /Users, json: { userName: x } }
    expect: { status: 201 }
"#;
    let report = run(case, &server);
    assert!(matches!(report.outcome, Outcome::Pass), "{:?}", report.outcome);
    let received = server.received_requests().await.unwrap();
    // The case's own requests: discovery's probes of /Users carry no ADSCIMVersion.
    let ours: Vec<_> = received
        .iter()
        .filter(|r| r.url.path() == "/Users" && r.headers.get("adscimversion").is_some())
        .collect();
    assert_eq!(ours.len(), 2);
    for r in &ours {
        assert!(r.headers.get("user-agent").is_none(), "a null header is not sent: {:?}", r.headers);
        assert_eq!(r.headers.get("adscimversion").unwrap(), "5.0");
    }
    assert!(ours[0].headers.get("content-type").is_none(), "a GET carries no Content-Type");
    assert_eq!(ours[1].headers.get("content-type").unwrap(), "application/scim+json; charset=utf-8");
    // Discovery, which plays no client, still says who is asking.
    let discovery = received.iter().find(|r| r.url.path() != "/Users").unwrap();
    assert!(discovery.headers.get("user-agent").unwrap().to_str().unwrap().starts_with("scimitar/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_answer_to_accept_encoding_gzip_is_read() {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":7}"#)
        .unwrap();
    let server = MockServer::start().await;
    crate::mock::serve_discovery(&server).await;
    Mock::given(method("GET"))
        .and(path("/Users"))
        .and(header_regex("accept-encoding", "gzip"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .insert_header("content-type", "application/scim+json")
                .set_body_bytes(gz.finish().unwrap()),
        )
        .mount(&server)
        .await;
    let case = r#"
id: client::gzip
title: Okta asks for gzip
requirements: [test.req]
headers: { Accept-Encoding: "gzip,deflate" }
steps:
  - request: { method: GET, path: /Users }
    expect: { status: 200, json: { totalResults: 7 } }
"#;
    let report = run(case, &server);
    assert!(matches!(report.outcome, Outcome::Pass), "{:?}", report.outcome);
}
