//! Target-file declarations against reference servers that behave as
//! declared: deviations reported as declared, limits kept, the truth told
//! about what was left on the target.

use scimitar::faults::{Fault, FaultSet};
use scimitar::server::{Auth, ReferenceServer, ServerConfig};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const TOKEN: &str = "declared-test-token";

fn run(target_file: &Path, args: &[&str], report: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .arg("run")
        .arg("--target")
        .arg(target_file)
        .arg("--json")
        .arg(report)
        .args(args)
        .env("NO_COLOR", "1")
        .env("DECLARED_TEST_TOKEN", TOKEN)
        .output()
        .expect("scimitar runs")
}

fn target_file(dir: &Path, server: &ReferenceServer, declarations: &str) -> std::path::PathBuf {
    let path = dir.join("target.toml");
    let text = format!(
        "url = \"{}\"\n[auth]\nbearer_env = \"DECLARED_TEST_TOKEN\"\n{declarations}",
        server.base_url()
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn case<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

/// The cases that check what DELETE does, and one that only creates.
const DELETE_CASES: [&str; 4] = [
    "rfc7644::crud::delete_user",
    "rfc7644::crud::delete_recreate_username",
    "rfc7644::crud::delete_group",
    "rfc7644::crud::create_user",
];

#[test]
fn a_declared_deactivate_on_delete_is_reported_as_declared_exits_0_and_lists_what_it_left() {
    let server = ReferenceServer::start(
        ServerConfig::new(Auth::bearer(TOKEN)).with_faults(FaultSet::of(&[Fault::DeleteDeactivates])),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = target_file(dir.path(), &server, "[resources.User]\ndelete = \"deactivates\"\n");
    let json = dir.path().join("report.json");
    let out = run(&file, &DELETE_CASES, &json);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "declared deviations do not fail the run:\n{text}");
    let r = report(&json);
    assert_eq!(case(&r, "rfc7644::crud::delete_user")["verdict"], "declared", "{text}");
    assert_eq!(case(&r, "rfc7644::crud::delete_group")["verdict"], "pass", "groups are really deleted");
    assert!(r["summary"]["declared"].as_u64().unwrap() >= 1);
    let declaration = &r["declarations"][0];
    assert_eq!(declaration["endpoint"], "/Users");
    assert!(declaration["declared_in"].as_array().unwrap().iter().any(|c| c == "rfc7644::crud::delete_user"));
    // Every user the run created is still there, deactivated, and said so.
    let left = r["left_behind"].as_array().unwrap();
    assert!(!left.is_empty(), "{text}");
    assert!(left.iter().all(
        |l| l["state"]["kind"] == "deactivated" && l["resource"].as_str().unwrap().starts_with("/Users/")
    ));
    assert_eq!(r["summary"]["left_behind"].as_u64().unwrap() as usize, left.len());
    assert!(text.contains("deactivated, as the target file declares DELETE does"), "{text}");
    assert!(text.contains("declared by the target file"), "{text}");

    // --fail-on declared makes them fail the run; the report still calls them what they are.
    let out = run(&file, &[&DELETE_CASES[..], &["--fail-on", "declared"]].concat(), &json);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn without_the_declaration_the_same_server_fails_and_its_leftovers_are_still_counted() {
    let server = ReferenceServer::start(
        ServerConfig::new(Auth::bearer(TOKEN)).with_faults(FaultSet::of(&[Fault::DeleteDeactivates])),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = target_file(dir.path(), &server, "");
    let json = dir.path().join("report.json");
    let out = run(&file, &DELETE_CASES, &json);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let r = report(&json);
    assert_eq!(case(&r, "rfc7644::crud::delete_user")["verdict"], "fail");
    // DELETE answered 204, but the users are still listed: not counted as deleted.
    let left = r["left_behind"].as_array().unwrap();
    assert!(!left.is_empty() && left.iter().all(|l| l["state"]["kind"] == "still-served"), "{left:?}");
}

#[test]
fn a_declaration_the_server_does_not_bear_out_is_reported_as_not_observed() {
    let server = ReferenceServer::start(ServerConfig::new(Auth::bearer(TOKEN))).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = target_file(dir.path(), &server, "[resources.User]\ndelete = \"deactivates\"\n");
    let json = dir.path().join("report.json");
    let out = run(&file, &DELETE_CASES, &json);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let r = report(&json);
    let declaration = &r["declarations"][0];
    assert!(declaration["declared_in"].as_array().unwrap().is_empty());
    assert!(
        declaration["not_observed_in"].as_array().unwrap().iter().any(|c| c == "rfc7644::crud::delete_user")
    );
    assert!(text.contains("declared but not observed"), "{text}");
}

#[test]
fn a_declaration_about_what_the_target_does_not_serve_is_an_error_naming_the_line() {
    let server = ReferenceServer::start(ServerConfig::new(Auth::bearer(TOKEN))).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    for (declarations, says) in [
        (
            "[resources.Widget]\ndelete = \"deactivates\"\n",
            "target.toml:4: [resources.Widget]: the target serves no resource type Widget (it serves User, Group)",
        ),
        (
            "[resources.Group]\ndelete = \"deactivates\"\n",
            "target.toml:4: [resources.Group] delete = \"deactivates\": the target's Group schema has no active attribute",
        ),
        (
            "[resources.User]\nmax_members_per_patch = 5\n",
            "target.toml:4: [resources.User] max_members_per_patch: the target's User schema has no members",
        ),
    ] {
        let file = target_file(dir.path(), &server, declarations);
        let out = run(&file, &[], &json);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{err}");
    }
}

/// Every request of a case, as the report records it: method and URL, and the body.
fn requests(case: &Value) -> Vec<(String, String, Value)> {
    case["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let body = e["request"]["body"]
                .as_str()
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or(Value::Null);
            (
                e["request"]["method"].as_str().unwrap().to_string(),
                e["request"]["url"].as_str().unwrap().to_string(),
                body,
            )
        })
        .collect()
}

#[test]
fn declared_limits_change_what_the_cases_send_and_keep_them_passing_on_a_server_that_enforces_them() {
    let server = ReferenceServer::start(
        ServerConfig::new(Auth::bearer(TOKEN)).with_max_page_size(3).with_max_members_per_patch(2),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let cases = ["rfc7644::patch::add_several_members", "rfc7644::pagination::start_index_one_based"];

    // Undeclared, the three-member PATCH meets the server's limit.
    let file = target_file(dir.path(), &server, "");
    let out = run(&file, &cases, &json);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(case(&report(&json), cases[0])["verdict"], "fail");

    let file = target_file(
        dir.path(),
        &server,
        "[limits]\nmax_page_size = 3\n[resources.Group]\nmax_members_per_patch = 2\n",
    );
    let out = run(&file, &cases, &json);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let r = report(&json);
    let patches: Vec<Value> = requests(case(&r, cases[0]))
        .into_iter()
        .filter(|(method, _, _)| method == "PATCH")
        .map(|(_, _, body)| body)
        .collect();
    let carried: Vec<usize> = patches
        .iter()
        .map(|b| {
            b["Operations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|op| op["value"].as_array().map_or(0, Vec::len))
                .sum()
        })
        .collect();
    assert_eq!(carried, [2, 1], "the PATCH of three members went as two: {patches:?}");
    let counts: Vec<String> = requests(case(&r, cases[1]))
        .into_iter()
        .filter_map(|(_, url, _)| {
            url.split_once("count=").map(|(_, c)| c.split('&').next().unwrap().to_string())
        })
        .collect();
    assert!(!counts.is_empty() && counts.iter().all(|c| c.parse::<u32>().unwrap() <= 3), "{counts:?}");
    assert!(counts.iter().any(|c| c == "3"), "count=5 was lowered to the declared 3: {counts:?}");
}
