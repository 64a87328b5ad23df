//! `scimitar run` as a user runs it: exit codes, reports, and what it prints.

use scimitar::server::{Auth, ReferenceServer, ServerConfig};
use serde_json::Value;
use std::process::{Command, Output};

/// Runs scimitar to the end, colours off: its exit code and output.
pub(crate) fn scimitar(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("scimitar runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_run_against_the_bundled_server_passes_with_exit_0() {
    let out = scimitar(&["run"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&out.stderr));
    let last = text.lines().last().unwrap_or_default();
    // Every case passes, but the one about a required extension, which this server has not.
    assert!(last.ends_with(" passed, 0 failed, 1 not applicable: compliant"), "{last}");
    assert!(text.contains("0 resources left behind"), "{text}");
}

#[test]
fn non_compliance_exits_1_and_names_the_requirement() {
    let server = ReferenceServer::start(
        ServerConfig::new(Auth::bearer("cli-token"))
            .with_faults(scimitar::faults::FaultSet::of(&[scimitar::faults::Fault::NoLocationOnCreate])),
    )
    .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let (json, junit) = (dir.join("report.json"), dir.join("junit.xml"));
    let out = scimitar(&[
        "run",
        "--url",
        &server.base_url(),
        "--token",
        "cli-token",
        "--json",
        json.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("RFC 7644 §3.3 MUST"), "the failing requirement is named:\n{text}");
    assert!(!text.contains("cli-token") && !std::fs::read_to_string(&json).unwrap().contains("cli-token"));

    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(include_str!("../../reports/run-report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let problems: Vec<String> =
        validator.iter_errors(&report).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(problems.is_empty(), "the JSON report breaks its schema:\n{}", problems.join("\n"));
    assert!(report["summary"]["failed"].as_u64().unwrap() >= 1);

    check_junit_shape(&std::fs::read_to_string(&junit).unwrap());
}

/// The shape CI tools read: testsuites > testsuite > testcase, with failure,
/// error and skipped children, and the counts on each testsuite.
fn check_junit_shape(xml: &str) {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let (mut suites, mut cases, mut failures) = (0, 0, 0);
    loop {
        match reader.read_event().expect("well-formed XML") {
            event @ (Event::Start(_) | Event::Empty(_)) => {
                let (e, opens) = match &event {
                    Event::Start(e) => (e, true),
                    Event::Empty(e) => (e, false),
                    _ => unreachable!(),
                };
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let attr =
                    |key: &str| e.attributes().flatten().find(|a| a.key.as_ref() == key.as_bytes()).is_some();
                let parent = stack.last().map(String::as_str);
                match name.as_str() {
                    "testsuites" => assert!(parent.is_none(), "testsuites is the root"),
                    "testsuite" => {
                        assert_eq!(parent, Some("testsuites"));
                        assert!(attr("name") && attr("tests") && attr("failures") && attr("errors"));
                        suites += 1;
                    }
                    "testcase" => {
                        assert_eq!(parent, Some("testsuite"));
                        assert!(attr("name") && attr("classname"));
                        cases += 1;
                    }
                    "failure" | "error" | "skipped" | "system-out" => {
                        assert_eq!(parent, Some("testcase"));
                        failures += usize::from(name == "failure");
                    }
                    other => panic!("unexpected element <{other}>"),
                }
                if opens {
                    stack.push(name);
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(suites > 1 && cases > 10 && failures >= 1, "{suites} suites, {cases} cases, {failures} failures");
}

#[test]
fn usage_and_suite_problems_exit_2() {
    assert_eq!(scimitar(&["run", "no-case-has-this-id"]).status.code(), Some(2));
    assert_eq!(scimitar(&["run", "--url", "not a url"]).status.code(), Some(2));
    assert_eq!(scimitar(&["run", "--token", "t"]).status.code(), Some(2), "credentials without a target");
    assert_eq!(scimitar(&["run", "--assume", "teleport"]).status.code(), Some(2));
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::create_dir_all(dir.join("requirements")).unwrap();
    std::fs::write(dir.join("requirements/r.yaml"), "- { id: r, source: s, level: MUST, says: x }\n")
        .unwrap();
    std::fs::write(dir.join("bad.yaml"), "id: a::b\ntitle: t\nrequirements: [r]\nsteps: []\nbogus: 1\n")
        .unwrap();
    let out = scimitar(&["run", "--suites", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yaml:5") && err.contains("bogus"), "{err}");
}

#[test]
fn a_template_that_cannot_render_stops_the_run_before_it_starts() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::create_dir_all(dir.join("requirements")).unwrap();
    std::fs::write(dir.join("requirements/r.yaml"), "- { id: r, source: s, level: MUST, says: x }\n")
        .unwrap();
    let case = "id: a::b\ntitle: t\nrequirements: [r]\nsteps:\n  - request:\n      method: GET\n      path: /Users\n      query: { filter: 'userName eq \"{{unique\"' }\n";
    std::fs::write(dir.join("bad.yaml"), case).unwrap();
    let out = scimitar(&["run", "--suites", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yaml:8") && err.contains("unclosed '{{'"), "{err}");
    assert!(!stdout(&out).contains("a::b"), "no case ran: {}", stdout(&out));
}

#[test]
fn an_unreachable_target_exits_3_with_one_clear_message() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = scimitar(&[
        "run",
        "--url",
        &format!("http://127.0.0.1:{port}/scim/v2"),
        "--token",
        "t",
        "--timeout",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot reach the target"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn refused_credentials_exit_3_naming_the_problem() {
    let server = ReferenceServer::start(ServerConfig::new(Auth::bearer("right-token"))).unwrap();
    let out = scimitar(&["run", "--url", &server.base_url(), "--token", "wrong-token"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("answered 401") && err.contains("--token"), "{err}");
    assert!(!err.contains("wrong-token") && !stdout(&out).contains("wrong-token"));
}

#[test]
fn may_findings_are_notes_unless_strict() {
    // deleted-member-kept breaks only a MAY (referential integrity): optional
    // behaviour, noted, never a failure by default.
    let out = scimitar(&["run", "--fault", "deleted-member-kept"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let last = text.lines().last().unwrap();
    assert!(last.contains("0 failed") && last.contains("1 noted"), "{text}");
    assert!(text.contains("NOTE  rfc7643::groups::deleted_member_removed"), "{text}");
    let strict = scimitar(&["run", "--strict", "--fault", "deleted-member-kept"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(stdout(&strict).contains("FAIL  rfc7643::groups::deleted_member_removed"));
}

#[test]
fn missing_capabilities_make_cases_not_applicable_with_the_reason() {
    let out = scimitar(&["run", "--deny", "bulk", "rfc7644::bulk"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("N/A   rfc7644::bulk::") && text.contains("needs bulk (--deny bulk)"), "{text}");
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("0 passed, 0 failed, ") && last.ends_with(" not applicable: compliant"),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_run_and_deletes_what_it_created() {
    let server = ReferenceServer::start(ServerConfig::new(Auth::bearer("t"))).unwrap();
    let base = server.base_url();
    // Slow enough that the run is mid-way when interrupted.
    let child = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(["run", "--url", &base, "--token", "t", "--rate", "10", "--jobs", "4"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once the run has created something (a loaded machine may take a while to get there).
    let started = std::time::Instant::now();
    while count(&base, "Users") == 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the run had created nothing yet; the test proves nothing"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stdout(&out));
    assert!(stdout(&out).contains("0 resources left behind"), "{}", stdout(&out));
    assert_eq!((count(&base, "Users"), count(&base, "Groups")), (0, 0), "the run left resources behind");
}

/// Ctrl-C, as a terminal sends it. The shell's own `kill`: procps, which
/// ships /bin/kill, is not on every machine.
#[cfg(unix)]
fn interrupt(child: &std::process::Child) {
    let sent = Command::new("sh").args(["-c", &format!("kill -INT {}", child.id())]).status().unwrap();
    assert!(sent.success());
}

fn count(base: &str, endpoint: &str) -> u64 {
    let v: Value = reqwest::blocking::Client::new()
        .get(format!("{base}/{endpoint}?count=0"))
        .bearer_auth("t")
        .send()
        .unwrap()
        .json()
        .unwrap();
    v["totalResults"].as_u64().unwrap()
}

/// A suite directory with a two-requirement catalogue and one case that
/// checks the first: GET /ServiceProviderConfig answers 200.
fn tiny_suite() -> tempfile::TempDir {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::create_dir_all(dir.join("requirements")).unwrap();
    std::fs::write(
        dir.join("requirements/r.yaml"),
        "- { id: spc.answers, source: RFC 7644 §4, level: MUST, says: SPC answers }\n\
         - { id: spc.other, source: RFC 7644 §4, level: MUST, says: something else }\n\
         - { id: spc.hidden, source: RFC 7644 §5, level: MAY, says: unseen, observable: false, reason: inside }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("spc.yaml"),
        "id: tiny::spc\ntitle: t\nrequirements: [spc.answers]\n\
         steps:\n  - request: { method: GET, path: /ServiceProviderConfig }\n    expect: { status: 200 }\n",
    )
    .unwrap();
    scratch
}

#[test]
fn coverage_lists_each_requirement_with_its_cases_and_gates_on_must_percent() {
    let suite = tiny_suite();
    let dir = suite.path();
    let suites = dir.to_str().unwrap();
    let out = scimitar(&["coverage", "--suites", suites]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("RFC 7644 §4") && text.contains("covered MUST   spc.answers"), "{text}");
    assert!(text.contains("by tiny::spc") && text.contains("missing MUST   spc.other"), "{text}");
    assert!(text.contains("not observable: inside"), "{text}");
    assert!(text.contains("MUST     1 of   2 observable requirements covered (50.0%)"), "{text}");

    let out = scimitar(&["coverage", "--suites", suites, "--uncovered"]);
    assert!(!stdout(&out).contains("spc.answers") && stdout(&out).contains("spc.other"));

    assert_eq!(scimitar(&["coverage", "--suites", suites, "--min-must", "60"]).status.code(), Some(1));
    assert_eq!(scimitar(&["coverage", "--suites", suites, "--min-must", "50"]).status.code(), Some(0));

    let json: Value =
        serde_json::from_slice(&scimitar(&["coverage", "--suites", suites, "--json", "-"]).stdout)
            .expect("coverage --json - prints JSON");
    assert_eq!(json["must"]["covered"], 1);
    assert_eq!(json["sections"][0]["entries"][0]["cases"][0], "tiny::spc");
}

#[test]
fn the_bundled_suites_cover_95_percent_of_the_observable_musts() {
    let json: Value = serde_json::from_slice(&scimitar(&["coverage", "--json", "-"]).stdout).unwrap();
    let must = &json["must"];
    let (covered, observable) = (must["covered"].as_u64().unwrap(), must["observable"].as_u64().unwrap());
    assert!(observable > 150, "the catalogue lists every observable MUST: {must}");
    assert!(covered * 100 >= observable * 95, "{covered} of {observable} observable MUSTs covered");
    assert_eq!(scimitar(&["coverage", "--min-must", "95"]).status.code(), Some(0));
}

#[test]
fn selftest_exposes_a_case_no_fault_can_fail() {
    let suite = tiny_suite();
    let dir = suite.path();
    let out = scimitar(&["selftest", "--suites", dir.to_str().unwrap(), "--jobs", "2"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("tiny::spc\n      no fault"), "{text}");
    assert!(text.contains("healthy server: 1 of 1 cases pass"), "{text}");
    assert!(text.contains("0 of 1 cases fail under some fault"), "{text}");
}

#[test]
fn selftest_on_a_subset_shows_which_faults_its_cases_catch() {
    let out = scimitar(&["selftest", "rfc7644::crud::create", "--fault", "no-location-on-create"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "a subset is shown, not judged:\n{text}");
    assert!(text.contains("no-location-on-create") && text.contains("(a subset: not judged)"), "{text}");
}

#[test]
fn findings_are_grouped_by_how_they_count_failing_first() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let json = dir.join("report.json");
    let out = scimitar(&[
        "run",
        "--fault",
        "deleted-member-kept",
        "--fault",
        "count-ignored",
        "--json",
        json.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let failing = text.find(" failing the run, in ").expect("a section of failing findings");
    let notes = text.find(" notes (MAY: optional behaviour, never a failure)").expect("a section of notes");
    assert!(failing < notes, "{text}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let findings = &report["summary"]["findings"];
    assert!(findings["must"].as_u64().unwrap() >= 1 && findings["may"].as_u64().unwrap() >= 1, "{findings}");
}

#[test]
fn list_shows_what_only_skip_and_tag_select() {
    let out =
        scimitar(&["list", "--only", "rfc7644::etag", "--skip", "rfc7644::etag::if_match_*", "--json", "-"]);
    assert_eq!(out.status.code(), Some(0));
    let listed: Value = serde_json::from_slice(&out.stdout).expect("list --json - prints JSON");
    let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(!ids.is_empty() && ids.iter().all(|id| id.starts_with("rfc7644::etag::")), "{ids:?}");
    assert!(!ids.iter().any(|id| id.starts_with("rfc7644::etag::if_match_")), "{ids:?}");
    assert!(listed[0]["levels"].as_array().is_some() && listed[0]["requires"].as_array().is_some());

    let out = scimitar(&["list", "--profile", "all", "--tag", "quirk"]);
    let text = stdout(&out);
    assert!(text.contains("idp::okta::group_push") && text.contains("idp::entra::soft_delete"), "{text}");
    assert!(!text.contains("rfc7644::"), "{text}");

    let out = scimitar(&["list", "idp::okta"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("add --profile okta"));
}

#[test]
fn fail_on_decides_which_levels_fail_the_run() {
    // me-404 breaks a SHOULD only: a warning by default, a failure from --fail-on should.
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "rfc7644::crud::me_unsupported_501", "--fault", "me-404"];
        args.extend_from_slice(extra);
        scimitar(&args).status.code()
    };
    assert_eq!(run(&[]), Some(0));
    assert_eq!(run(&["--fail-on", "should"]), Some(1));
    assert_eq!(run(&["--strict"]), Some(1));
    assert_eq!(run(&["--fail-on", "never"]), Some(2));
}

#[test]
fn completions_and_the_manual_page_come_from_the_command_line_definition() {
    let out = scimitar(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("--fail-on") && stdout(&out).contains("record"));
    let out = scimitar(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") && page.contains(".TH scimitar 1") && page.contains("conformance"),
        "{page}"
    );
}

#[test]
fn load_holds_the_server_to_the_slower_of_the_idp_and_rate() {
    // At --rate 20 the harness itself cannot reach Entra's 25/s: the server
    // is judged against 20, not blamed for the harness's pace.
    let out = scimitar(&["run", "--profile", "entra", "--users", "5", "--groups", "1", "--rate", "20"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("(target 20/s)") && text.contains("the server kept up"), "{text}");
    assert!(
        text.contains("MUST: ") && text.contains("[entra.sync-rate]"),
        "the verdict cites its requirement: {text}"
    );

    let out = scimitar(&["run", "--profile", "entra", "--users", "5", "--html", "x.html"]);
    assert_eq!(out.status.code(), Some(2), "report flags do not apply to a load run");
}

#[test]
fn a_wrong_base_path_is_one_harness_error_that_names_the_right_one() {
    let server = ReferenceServer::start(ServerConfig::new(Auth::bearer("t"))).unwrap();
    let wrong = server.base_url().replace("/scim/v2", "/scim/v3");
    let out = scimitar(&["run", "--url", &wrong, "--token", "t"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "not a verdict: the harness could not run\n{err}");
    assert!(err.contains("no SCIM service at"), "{err}");
    assert!(err.contains(&format!("a SCIM service answers at {}", server.base_url())), "{err}");
    assert!(!stdout(&out).contains("FAIL"), "no case ran: {}", stdout(&out));
}

#[test]
fn a_plain_web_server_is_no_scim_service() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body = "<html><body>Welcome</body></html>";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let out = scimitar(&["run", "--url", &format!("http://{addr}/"), "--token", "t"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("no SCIM service at") && err.contains("check the base URL"), "{err}");
}

#[test]
fn numeric_flags_out_of_range_exit_2_naming_the_range() {
    for (args, says) in [
        (&["run", "--users", "18446744073709551615", "--profile", "entra"][..], "not in 1..=100000"),
        (&["run", "--users", "4000000000", "--profile", "entra"], "not in 1..=100000"),
        (&["run", "--users", "99999999999999999999999"], "--users"),
        (&["run", "--jobs", "0"], "not in 1..=64"),
        (&["run", "--timeout", "0"], "not in 1..=600"),
        (&["run", "--rate", "nan"], "0.1 to 10000 requests per second, or 0"),
        (&["run", "--rate=-3"], "0.1 to 10000 requests per second, or 0"),
        (&["run", "--profile", "entra", "--users", "5", "--groups", "10001"], "not in 0..=10000"),
        (&["selftest", "--jobs", "65"], "not in 1..=64"),
        (&["coverage", "--min-must", "101"], "0 to 100"),
        (
            &["record", "--upstream", "http://127.0.0.1:1", "--out", "x.yaml", "--timeout", "0"],
            "not in 1..=600",
        ),
        (&["serve", "--port", "65536"], "65536"),
    ] {
        let out = scimitar(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says) && !err.contains("panicked"), "{args:?}: {err}");
    }
    let help = stdout(&scimitar(&["run", "--help"]));
    for range in ["1 to 64", "1 to 600", "0.1 to 10000", "1 to 100000", "0 to 10000"] {
        assert!(help.contains(range), "--help shows {range}:\n{help}");
    }
}

#[test]
fn load_mode_takes_exactly_one_idp_profile_that_has_a_sync() {
    let err = |args: &[&str]| {
        let out = scimitar(args);
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let two = err(&["run", "--profile", "okta,entra", "--users", "10"]);
    assert!(
        two.contains("exactly one profile, not okta,entra")
            && two.contains("--profile okta or --profile entra"),
        "{two}"
    );
    let google = err(&["run", "--profile", "google", "--users", "10"]);
    assert!(google.contains("Google Workspace's is not modelled"), "{google}");
    assert!(err(&["run", "--users", "10"]).contains("add --profile okta or --profile entra"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_in_load_mode_deletes_what_the_sync_created_and_says_so() {
    let server = ReferenceServer::start(
        ServerConfig::new(Auth::bearer("t"))
            .with_leniency(scimitar::scim::quirks::Leniency::for_idps(&[scimitar::scim::quirks::Idp::Entra])),
    )
    .unwrap();
    let base = server.base_url();
    let child = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(["run", "--url", &base, "--token", "t", "--profile", "entra", "--users", "400", "--rate", "40"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while count(&base, "Users") < 5 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the sync had created nothing yet; the test proves nothing"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    let (text, err) = (stdout(&out), String::from_utf8_lossy(&out.stderr).into_owned());
    assert_eq!(out.status.code(), Some(130), "{text}{err}");
    assert!(err.contains("interrupted: stopping, then deleting the users and groups"), "{err}");
    assert!(text.contains("interrupted: the sync stopped early"), "{text}");
    let deleted: usize = text
        .split("deleted afterwards: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("says what it deleted: {text}"));
    assert!((5..400).contains(&deleted), "{text}");
    assert_eq!((count(&base, "Users"), count(&base, "Groups")), (0, 0), "the sync left resources behind");
}

/// Runs scimitar with its stdout read up to the first line, then closed, as
/// `| head -1` does; its exit code and stderr.
#[cfg(unix)]
fn with_stdout_closed_after_a_line(args: &[&str]) -> (Option<i32>, String) {
    use std::io::{BufRead, Read};
    let mut child = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(!first.is_empty(), "{args:?} printed nothing");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "{args:?} went on after its reader left"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (status.code(), err)
}

#[cfg(unix)]
#[test]
fn a_reader_that_goes_away_ends_every_command_quietly_with_exit_0() {
    for args in [
        &["coverage"][..],
        &["list"],
        &["list", "--json", "-"],
        &["serve", "--list-faults"],
        &["man"],
        &["completions", "bash"],
        &["run", "--help"],
        &["run"],
        &["selftest", "rfc7644::crud::create_user"],
    ] {
        let (code, err) = with_stdout_closed_after_a_line(args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn a_run_whose_reader_goes_away_still_deletes_what_it_created() {
    let server = ReferenceServer::start(ServerConfig::new(Auth::bearer("t"))).unwrap();
    let base = server.base_url();
    let (code, err) =
        with_stdout_closed_after_a_line(&["run", "--url", &base, "--token", "t", "--rate", "50"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "quietly: {err}");
    assert_eq!((count(&base, "Users"), count(&base, "Groups")), (0, 0), "the run left resources behind");
}

#[test]
fn https_to_a_plain_http_server_says_to_use_http() {
    let server = ReferenceServer::start(ServerConfig::new(Auth::bearer("t"))).unwrap();
    let base = server.base_url();
    let out = scimitar(&["run", "--url", &base.replace("http://", "https://"), "--token", "t"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains(&format!("it serves http, not https; use --url {base}")), "{err}");
}

#[test]
fn a_url_without_a_scheme_says_what_to_write() {
    for url in ["127.0.0.1:8080/scim/v2", "localhost:8080/scim/v2"] {
        let out = scimitar(&["run", "--url", url]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("has no scheme: write http://{url} or https://{url}")), "{err}");
    }
}

#[test]
fn run_help_lists_every_target_file_key() {
    let help = stdout(&scimitar(&["run", "--help"]));
    for key in [
        "url =",
        "[auth]",
        "bearer_env",
        "basic_env",
        "header =",
        "header_env",
        "[headers]",
        "[capabilities]",
        "assume",
        "deny",
        "[limits]",
        "rate =",
        "max_page_size",
        "[resources.User]",
        "delete =",
        "max_members_per_patch",
        "[vars]",
    ] {
        assert!(help.contains(key), "run --help does not show {key}:\n{help}");
    }
    assert!(help.contains("--fail-on <WHAT>") && help.contains("declared"), "{help}");
}

#[test]
fn completions_and_help_list_every_closed_vocabulary() {
    // One value of each vocabulary, as its own table names it.
    let values = [
        ("--fault", scimitar::faults::Fault::ALL.last().unwrap().name().to_string()),
        ("--variant", "minimal".to_string()),
        ("--assume", scimitar::suite::capability::Capability::ALL.last().unwrap().name().to_string()),
        ("--profile", "entra-validator".to_string()),
        ("--compat", "jumpcloud".to_string()),
        ("--fail-on", "declared".to_string()),
    ];
    let bash = stdout(&scimitar(&["completions", "bash"]));
    let help = stdout(&scimitar(&["run", "--help"]));
    for (flag, value) in &values {
        assert!(bash.contains(value.as_str()), "bash completions lack {flag} {value}");
        let from_flag = help.split(&format!("{flag} <")).nth(1).unwrap_or_default();
        let shown = from_flag.split("\n      --").next().unwrap_or_default();
        assert!(shown.contains(value.as_str()), "run --help does not list {value} under {flag}:\n{shown}");
    }
    let audit = stdout(&scimitar(&["audit", "--help"]));
    assert!(audit.contains("stale-etag") && bash.contains("stale-etag"), "scenarios are listed");
}
