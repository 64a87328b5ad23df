//! The run's pace against a server that pushes back.

use scimitar::server::{Auth, ReferenceServer, ServerConfig};
use serde_json::Value;
use std::process::Command;

#[test]
fn a_server_that_throttles_gets_a_run_that_settles_below_its_rate_and_fails_nothing_for_it() {
    let limit = 40.0;
    let server =
        ReferenceServer::start(ServerConfig::new(Auth::bearer("pace-token")).with_rate_limit(limit)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let out = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(["run", "--url", &server.base_url(), "--token", "pace-token", "rfc7644::crud", "--json"])
        .arg(&report)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "no case fails because of the throttling:\n{text}");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let summary = &r["summary"];
    assert_eq!((summary["failed"].as_u64(), summary["errors"].as_u64()), (Some(0), Some(0)), "{summary}");
    assert!(summary["rate_limited"].as_u64().unwrap() > 0, "the server did throttle: {summary}");
    // Every 429 was waited out and retried: each case's last answer is never one.
    for case in r["cases"].as_array().unwrap() {
        for exchange in case["exchanges"].as_array().unwrap() {
            assert_ne!(exchange["response"]["status"], 429, "{}", case["id"]);
        }
    }
    let pace = &r["pace"];
    assert_eq!(pace["rate_learned"], true, "{pace}");
    let settled = pace["rate"].as_f64().unwrap();
    // The server's bucket lets a second's worth of requests burst past the
    // rate, so the answers a client counts in one second can exceed it a
    // little; a client that ignored the 429s would be far above.
    assert!(settled <= limit * 1.25, "settled at {settled} requests/s against a limit of {limit}");
    assert!(text.contains("after 429s"), "the terminal says what it settled on:\n{text}");
}
