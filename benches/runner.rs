//! The runner's own overhead, against an in-process reference server.
//!
//! Measures the requests per second the runner drives through the whole suite
//! with --jobs 1 and --jobs 8, and the wall time of one full run; and, in the
//! same process, a baseline: a bare reqwest loop of GET /Users/{id} (no
//! templating, no expectations, no recording), sequential and 8-wide. The
//! ratio runner/baseline is the cost of being a harness.
//!
//!   cargo bench --bench runner
//!   BENCH_ROUNDS=50 cargo bench --bench runner

#![allow(clippy::disallowed_macros, reason = "a benchmark reports on its own stdout")]

use scimitar::runner::target::{Target, TargetAuth};
use scimitar::runner::{self, RunOptions};
use scimitar::server::{Auth, ReferenceServer, ServerConfig};
use scimitar::suite::Suite;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token";

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(20);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let server = ReferenceServer::start(ServerConfig::new(Auth::bearer(TOKEN))).expect("server");
    let base = server.base_url();
    let suite = Suite::embedded().expect("suites load");
    let cases = suite.cases.len();

    let (seq, wide) = runtime.block_on(baseline(&base));
    println!("baseline: bare reqwest GET /Users/{{id}}: {seq:.0} req/s sequential, {wide:.0} req/s 8-wide");

    for jobs in [1usize, 8] {
        let (rps, walls) = runtime.block_on(async {
            let target = Target::new(base.clone(), TargetAuth::Bearer(TOKEN.into()));
            let ctx = Arc::new(
                runner::prepare(&target, &RunOptions::default(), runner::new_run_id())
                    .await
                    .expect("context"),
            );
            let (_never, cancel) = tokio::sync::watch::channel(false);
            let mut walls = Vec::new();
            let before = ctx.http.requests_sent();
            let started = Instant::now();
            for _ in 0..rounds {
                let round = Instant::now();
                let reports =
                    runner::run_all(ctx.clone(), suite.cases.clone(), Some(jobs), None, cancel.clone()).await;
                assert!(
                    reports.iter().all(|r| matches!(r.outcome, scimitar::runner::outcome::Outcome::Pass)),
                    "the suite must pass to be measured"
                );
                ctx.tracker.clean(&ctx.http, false).await;
                walls.push(round.elapsed());
            }
            let rps = (ctx.http.requests_sent() - before) as f64 / started.elapsed().as_secs_f64();
            (rps, walls)
        });
        let mut sorted = walls.clone();
        sorted.sort();
        let median = sorted[sorted.len() / 2];
        let baseline = if jobs == 1 { seq } else { wide };
        println!(
            "runner --jobs {jobs}: {rps:.0} req/s ({:.2}x the bare client), full run of {cases} cases: median {:.1} ms over {rounds} rounds",
            rps / baseline,
            median.as_secs_f64() * 1000.0
        );
    }
}

/// Requests per second of a bare client, sequential and with 8 tasks, for 2 s each.
async fn baseline(base: &str) -> (f64, f64) {
    let client = reqwest::Client::new();
    let created: serde_json::Value = client
        .post(format!("{base}/Users"))
        .bearer_auth(TOKEN)
        .header("Content-Type", "application/scim+json")
        .body(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bench-baseline"}"#)
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let url = Arc::new(format!("{base}/Users/{}", created["id"].as_str().expect("id")));
    let mut results = Vec::new();
    for width in [1usize, 8] {
        let deadline = Instant::now() + Duration::from_secs(2);
        let started = Instant::now();
        let tasks: Vec<_> = (0..width)
            .map(|_| {
                let (client, url) = (client.clone(), url.clone());
                tokio::spawn(async move {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        let r = client.get(url.as_str()).bearer_auth(TOKEN).send().await.expect("get");
                        let _ = r.bytes().await;
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let mut total = 0;
        for t in tasks {
            total += t.await.expect("task");
        }
        results.push(total as f64 / started.elapsed().as_secs_f64());
    }
    (results[0], results[1])
}
