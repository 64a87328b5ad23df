//! The runner against hostile targets: each ends as a classified Fail or
//! Error in bounded time, never a panic or a hang.

use crate::hostile_target::{HostileTarget, Misbehaviour};
use scimitar::runner::http::{BODY_CAP, Http, Outgoing};
use scimitar::runner::outcome::{CaseReport, ErrorKind, HarnessError, Outcome};
use scimitar::runner::target::{Target, TargetAuth};
use scimitar::runner::{self, RunOptions};
use scimitar::suite::Suite;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CATALOGUE: &str = "- { id: test.req, source: RFC 7644 §3.4.2, level: MUST, says: a listing answers 200 with a ListResponse }\n";
const LIST_CASE: &str = r#"
id: hostile::list
title: GET /Users answers a ListResponse
requirements: [test.req]
steps:
  - request: { method: GET, path: /Users }
    expect:
      status: 200
      headers: { Content-Type: { matches: '^application/(scim\+)?json' } }
      json: { totalResults: "*" }
"#;
/// Every hostile case must end within this, though the runner's timeout is 1 s.
const BOUND: Duration = Duration::from_secs(8);
const SECRET: &str = "hostile-s3cret-token";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

async fn run_list_case(base: &str) -> CaseReport {
    try_list_case(base).await.unwrap_or_else(|e| panic!("the run did not start: {e:?}"))
}

/// The case's report, or the error that stopped the run before any case
/// (discovery cannot reach the target).
async fn try_list_case(base: &str) -> Result<CaseReport, scimitar::runner::outcome::HarnessError> {
    let suite = Suite::from_sources(vec![
        ("requirements/test.yaml".into(), CATALOGUE.into()),
        ("hostile/list.yaml".into(), LIST_CASE.into()),
    ])
    .unwrap();
    let target = Target::new(base, TargetAuth::Bearer(SECRET.into()));
    let options = RunOptions { timeout: Duration::from_secs(1), ..RunOptions::default() };
    let ctx = runner::prepare(&target, &options, runner::new_run_id()).await?;
    Ok(runner::run_case(&ctx, &suite.cases[0]).await)
}

/// The harness error a run ends with, whether at discovery or in the case.
fn error_kind(result: Result<CaseReport, scimitar::runner::outcome::HarnessError>) -> ErrorKind {
    match result {
        Err(e) => {
            assert!(!e.message.contains(SECRET));
            e.kind
        }
        Ok(report) => match report.outcome {
            Outcome::Error { kind, .. } => kind,
            other => panic!("expected an error, got {other:?}"),
        },
    }
}

/// Serves `template` for GET /Users and runs the case; checks the time bound.
fn against(template: ResponseTemplate) -> CaseReport {
    runtime().block_on(async {
        let server = MockServer::start().await;
        crate::mock::serve_discovery(&server).await;
        Mock::given(method("GET")).and(path("/Users")).respond_with(template).mount(&server).await;
        let started = Instant::now();
        let report = run_list_case(&server.uri()).await;
        assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());
        report
    })
}

fn assert_fail(report: &CaseReport, check: &str) {
    match &report.outcome {
        Outcome::Fail { findings } => {
            assert!(findings.iter().any(|f| f.check.to_string().starts_with(check)), "{:?}", findings);
        }
        other => panic!("expected a Fail on {check}, got {other:?}"),
    }
    let json = serde_json::to_string(report).unwrap();
    assert!(!json.contains(SECRET), "the report leaks the token: {json}");
}

fn assert_error(report: &CaseReport, kind: ErrorKind) {
    match &report.outcome {
        Outcome::Error { kind: k, .. } => assert_eq!(*k, kind, "{:?}", report.outcome),
        other => panic!("expected an Error of kind {kind:?}, got {other:?}"),
    }
}

#[test]
fn a_non_json_body_is_a_fail() {
    let r = against(ResponseTemplate::new(200).set_body_raw("hello", "application/scim+json"));
    assert_fail(&r, "body");
}

#[test]
fn an_html_error_page_is_a_fail_on_status() {
    let r = against(ResponseTemplate::new(500).set_body_raw("<html><h1>Oops</h1></html>", "text/html"));
    assert_fail(&r, "status");
}

#[test]
fn a_wrong_content_type_is_a_fail_on_the_header() {
    let r = against(ResponseTemplate::new(200).set_body_raw(r#"{"totalResults":0}"#, "text/plain"));
    assert_fail(&r, "header Content-Type");
}

#[test]
fn invalid_utf8_is_a_fail() {
    let r = against(
        ResponseTemplate::new(200).set_body_raw(vec![b'{', 0xff, 0xfe, b'}'], "application/scim+json"),
    );
    assert_fail(&r, "body");
}

#[test]
fn a_50_mb_body_is_cut_and_failed() {
    let mut big = b"{\"totalResults\": 1, \"pad\": \"".to_vec();
    big.resize(50 * 1024 * 1024, b'a');
    let r = against(ResponseTemplate::new(200).set_body_raw(big, "application/scim+json"));
    assert_fail(&r, "body");
    let body = &r.exchanges[0].response.as_ref().unwrap();
    assert!(body.truncated && body.body.len() < 200 * 1024, "the report keeps a bounded excerpt");
}

#[test]
fn a_response_past_the_timeout_is_an_error() {
    let r = against(
        ResponseTemplate::new(200)
            .set_delay(Duration::from_secs(5))
            .set_body_raw("{}", "application/scim+json"),
    );
    assert_error(&r, ErrorKind::Timeout);
}

#[test]
fn connection_refused_is_a_network_error() {
    // Bind and drop: a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let kind = error_kind(runtime().block_on(try_list_case(&format!("http://127.0.0.1:{port}"))));
    assert_eq!(kind, ErrorKind::Network);
}

#[test]
fn a_body_that_never_ends_is_a_timeout() {
    let rt = runtime();
    let report = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = socket.read(&mut buf).await;
                    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\n\r\n";
                    let _ = socket.write_all(head.as_bytes()).await;
                    loop {
                        if socket.write_all(b"1\r\n \r\n").await.is_err() {
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                });
            }
        });
        let started = Instant::now();
        let result = try_list_case(&format!("http://127.0.0.1:{port}")).await;
        assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());
        result
    });
    assert_eq!(error_kind(report), ErrorKind::Timeout);
}

#[test]
fn a_redirect_is_not_followed_and_credentials_stay_home() {
    runtime().block_on(async {
        let elsewhere = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(r#"{"totalResults":0}"#, "application/scim+json"),
            )
            .mount(&elsewhere)
            .await;
        let home = MockServer::start().await;
        crate::mock::serve_discovery(&home).await;
        // Another host, as far as a client can tell (127.0.0.1 vs localhost).
        let location = elsewhere.uri().replace("127.0.0.1", "localhost") + "/Users";
        Mock::given(method("GET"))
            .and(path("/Users"))
            .respond_with(ResponseTemplate::new(302).insert_header("Location", location.as_str()))
            .mount(&home)
            .await;
        let report = run_list_case(&home.uri()).await;
        assert_fail(&report, "status");
        let received = elsewhere.received_requests().await.unwrap_or_default();
        assert!(
            received.is_empty(),
            "the redirect was followed: {} requests reached the other host",
            received.len()
        );
    });
}

#[test]
fn a_429_is_waited_out_and_counted() {
    runtime().block_on(async {
        let server = MockServer::start().await;
        crate::mock::serve_discovery(&server).await;
        // Only the case's request: discovery's probe of /Users asks with count.
        Mock::given(method("GET"))
            .and(path("/Users"))
            .and(wiremock::matchers::query_param_is_missing("count"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
            .up_to_n_times(2)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/Users"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(r#"{"totalResults":0}"#, "application/scim+json"),
            )
            .mount(&server)
            .await;
        let report = run_list_case(&server.uri()).await;
        assert!(matches!(report.outcome, Outcome::Pass), "{:?}", report.outcome);
        assert_eq!(report.exchanges[0].rate_limited, 2);
    });
}

#[test]
fn a_server_echoing_the_token_does_not_get_it_into_the_report() {
    let r = against(ResponseTemplate::new(500).set_body_raw(format!("bad token {SECRET}"), "text/plain"));
    assert_fail(&r, "status");
}

#[test]
fn rate_spaces_requests_across_tasks() {
    runtime().block_on(async {
        let server = MockServer::start().await;
        crate::mock::serve_discovery(&server).await;
        Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
        let target = Target::new(server.uri(), TargetAuth::None);
        let http = std::sync::Arc::new(
            scimitar::runner::http::Http::new(&target, Duration::from_secs(5), Some(20.0)).unwrap(),
        );
        let started = Instant::now();
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let http = http.clone();
                tokio::spawn(async move {
                    for _ in 0..5 {
                        let _ = http.send(1, &scimitar::runner::http::Outgoing::get("/x")).await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        // 20 requests at 20 per second: the last leaves no sooner than 0.95 s after the first.
        assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
        assert_eq!(http.requests_sent(), 20);
    });
}

#[test]
fn a_header_credential_echoed_bare_is_redacted_too() {
    runtime().block_on(async {
        let server = MockServer::start().await;
        crate::mock::serve_discovery(&server).await;
        Mock::given(method("GET"))
            .and(path("/Users"))
            .respond_with(ResponseTemplate::new(500).set_body_raw(format!("who is {SECRET}?"), "text/plain"))
            .mount(&server)
            .await;
        let suite = Suite::from_sources(vec![
            ("requirements/test.yaml".into(), CATALOGUE.into()),
            ("hostile/list.yaml".into(), LIST_CASE.into()),
        ])
        .unwrap();
        let auth = TargetAuth::header(&format!("Authorization: Bearer {SECRET}")).unwrap();
        let ctx =
            runner::prepare(&Target::new(server.uri(), auth), &RunOptions::default(), runner::new_run_id())
                .await
                .unwrap();
        let report = runner::run_case(&ctx, &suite.cases[0]).await;
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains("who is"), "the body is in the report: {json}");
        assert!(!json.contains(SECRET), "{json}");
    });
}

/// A server that answers one request per connection, though it says
/// keep-alive, and drops the connection when the next request arrives on it.
fn one_answer_per_connection() -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut read_request = || {
                    let mut line = String::new();
                    let mut any = false;
                    while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                        any = true;
                        if line == "\r\n" {
                            break;
                        }
                        line.clear();
                    }
                    any
                };
                if !read_request() {
                    return;
                }
                let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nConnection: keep-alive\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                // The next request on this connection is read, then dropped unanswered.
                read_request();
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_kept_alive_connection_the_server_dropped_is_retried_on_a_fresh_one() {
    let base = one_answer_per_connection();
    let case = "id: t::twice\ntitle: t\nrequirements: [test.req]\nsteps:\n  - request: { method: GET, path: /Users }\n    expect: { status: 200 }\n  - request: { method: GET, path: /Users }\n    expect: { status: 200 }\n";
    let suite = Suite::from_sources(vec![
        ("requirements/test.yaml".into(), CATALOGUE.into()),
        ("t/twice.yaml".into(), case.into()),
    ])
    .unwrap();
    let report = runtime().block_on(async {
        let target = Target::new(&base, TargetAuth::Bearer(SECRET.into()));
        let options = RunOptions { timeout: Duration::from_secs(2), ..RunOptions::default() };
        let ctx = runner::prepare(&target, &options, runner::new_run_id()).await.unwrap();
        runner::run_case(&ctx, &suite.cases[0]).await
    });
    assert!(matches!(report.outcome, Outcome::Pass), "{:?}", report.outcome);
}

/// Cases that each create a user, more than a stopped run would finish.
fn creating_cases(n: usize) -> Vec<Arc<scimitar::suite::Case>> {
    let mut sources = vec![("requirements/test.yaml".to_string(), CATALOGUE.to_string())];
    for i in 0..n {
        sources.push((
            format!("hostile/create{i}.yaml"),
            format!(
                "id: hostile::create{i}\ntitle: t\nrequirements: [test.req]\nsteps:\n  - request: {{ method: POST, path: /Users, json: {{ userName: \"{{{{unique}}}}\" }} }}\n    expect: {{ status: 201 }}\n    capture: {{ user: /id }}\ncleanup:\n  - request: {{ method: DELETE, path: \"/Users/{{{{user}}}}\" }}\n"
            ),
        ));
    }
    Suite::from_sources(sources).unwrap().cases
}

/// Runs `cases` one at a time against `base`; the reports, why the run
/// stopped if it did, and how long it took.
fn run_stopping(
    base: &str,
    timeout: Duration,
    cases: usize,
) -> (Vec<CaseReport>, Option<HarnessError>, Duration) {
    runtime().block_on(async {
        let target = Target::new(base, TargetAuth::Bearer(SECRET.into()));
        let options = RunOptions { timeout, ..RunOptions::default() };
        let ctx = Arc::new(runner::prepare(&target, &options, runner::new_run_id()).await.unwrap());
        let (_cancel, cancelled) = tokio::sync::watch::channel(false);
        let started = Instant::now();
        let reports = runner::run_all(ctx.clone(), creating_cases(cases), Some(1), None, cancelled).await;
        (reports, ctx.http.stopped().cloned(), started.elapsed())
    })
}

#[test]
fn a_target_that_stops_answering_stops_the_run_within_twice_the_timeout() {
    let target = HostileTarget::start(Misbehaviour::Drip);
    let timeout = Duration::from_secs(2);
    let (reports, stop, took) = run_stopping(&target.base, timeout, 10);
    let stop = stop.expect("the run stopped");
    assert_eq!(stop.kind, ErrorKind::Timeout);
    assert!(stop.message.contains("2 requests in a row got no answer"), "{}", stop.message);
    // Failing each case one timeout at a time would take 20 s.
    assert!(took < 2 * timeout + Duration::from_secs(4), "took {took:?}");
    assert_eq!(target.misbehaved.load(std::sync::atomic::Ordering::Relaxed), 2);
    assert!(reports.iter().all(|r| matches!(r.outcome, Outcome::Error { .. })));
    // Cases after the stop end with its reason: those that had not started
    // as not finished, one that starts as the stop comes sends nothing.
    let cut_short = reports
        .iter()
        .filter(|r| {
            matches!(&r.outcome, Outcome::Error { message, .. }
            if message.starts_with(runner::NOT_FINISHED) || *message == stop.message)
        })
        .count();
    assert!(cut_short >= 8, "the cases after the stop say why they did not run: {cut_short}");
}

#[test]
fn resets_stop_the_run_as_a_network_error() {
    let target = HostileTarget::start(Misbehaviour::Reset);
    let (reports, stop, took) = run_stopping(&target.base, Duration::from_secs(5), 10);
    let stop = stop.expect("the run stopped");
    assert_eq!(stop.kind, ErrorKind::Network, "{}", stop.message);
    assert!(took < BOUND, "took {took:?}");
    let misbehaved = target.misbehaved.load(std::sync::atomic::Ordering::Relaxed);
    assert!(misbehaved <= 4, "{misbehaved} requests met a reset: {:#?}", reports[0].outcome);
}

#[test]
fn a_retry_after_longer_than_a_run_waits_stops_it_at_once_saying_what_was_asked() {
    let target = HostileTarget::start(Misbehaviour::TooManyRequests("86400"));
    let (_, stop, took) = run_stopping(&target.base, Duration::from_secs(5), 10);
    let stop = stop.expect("the run stopped");
    assert_eq!(stop.kind, ErrorKind::RateLimited);
    assert!(
        stop.message.contains("asked to wait 24 h") && stop.message.contains("Retry-After: 86400"),
        "{}",
        stop.message
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(
        target.misbehaved.load(std::sync::atomic::Ordering::Relaxed),
        1,
        "nothing is sent after the stop"
    );
}

#[test]
fn a_429_that_never_ends_stops_the_run() {
    let target = HostileTarget::start(Misbehaviour::TooManyRequests("0"));
    let (_, stop, took) = run_stopping(&target.base, Duration::from_secs(5), 10);
    let stop = stop.expect("the run stopped");
    assert_eq!(stop.kind, ErrorKind::RateLimited);
    assert!(stop.message.contains("still answered 429"), "{}", stop.message);
    assert!(took < BOUND, "took {took:?}");
    assert_eq!(
        target.misbehaved.load(std::sync::atomic::Ordering::Relaxed),
        6,
        "the first try and 5 retries"
    );
}

/// Sends GET /Users to a hostile target; its answer and how long it took.
fn get_users(base: &str) -> (Result<scimitar::runner::http::Incoming, HarnessError>, Duration) {
    runtime().block_on(async {
        let http = Http::new(&Target::new(base, TargetAuth::None), Duration::from_secs(5), None).unwrap();
        let started = Instant::now();
        let (_, result) = http.send(1, &Outgoing::get("/Users")).await;
        (result, started.elapsed())
    })
}

/// What the target managed to send, once its writes have had time to fail.
fn sent_after_a_while(target: &HostileTarget) -> u64 {
    std::thread::sleep(Duration::from_millis(300));
    target.written()
}

#[test]
fn a_body_that_never_ends_is_read_up_to_the_cap_then_no_further() {
    let target = HostileTarget::start(Misbehaviour::Flood);
    let (result, took) = get_users(&target.base);
    let incoming = result.unwrap();
    assert!(!incoming.complete && incoming.body.len() <= BODY_CAP);
    assert!(incoming.json().unwrap_err().contains("larger than 1 MiB"));
    assert!(took < BOUND, "took {took:?}");
    // Socket buffers take a few MiB more; a reader that went on would take all.
    let sent = sent_after_a_while(&target);
    assert!(sent < 32 * 1024 * 1024, "{sent} bytes were sent");
}

#[test]
fn a_body_declared_past_the_cap_is_not_read() {
    let target = HostileTarget::start(Misbehaviour::Declared(200 * 1024 * 1024));
    let (result, took) = get_users(&target.base);
    let incoming = result.unwrap();
    assert!(!incoming.complete);
    assert!(incoming.body.len() <= 64 * 1024, "only an excerpt is kept: {} bytes", incoming.body.len());
    assert!(took < BOUND, "took {took:?}");
    let sent = sent_after_a_while(&target);
    assert!(sent < 32 * 1024 * 1024, "{sent} of 200 MiB were sent");
}

#[test]
fn the_command_line_ends_a_run_against_a_target_that_stopped_answering_with_one_error() {
    let target = HostileTarget::start(Misbehaviour::Drip);
    let started = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(["run", "--url", &target.base, "--timeout", "1", "--jobs", "2"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{text}{err}");
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    assert!(text.contains("error: the run stopped: the target stopped answering"), "{text}{err}");
    assert!(text.lines().count() < 40, "one error, not one per case:\n{text}");
}

#[test]
fn the_command_line_ends_a_run_at_once_when_the_target_asks_for_a_day() {
    let target = HostileTarget::start(Misbehaviour::TooManyRequests("86400"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(["run", "--url", &target.base])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("asked to wait 24 h before the next request (Retry-After: 86400)"), "{text}");
}
