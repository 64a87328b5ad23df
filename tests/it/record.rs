//! The recording proxy: the Okta profile's traffic, recorded against one
//! reference server, replays cleanly against a second one, and the replay
//! fails against a server with a bug the recording did not have.

use scimitar::faults::{Fault, FaultSet};
use scimitar::record::{self, Recorder};
use scimitar::runner::outcome::{CaseReport, Outcome};
use scimitar::runner::target::{Target, TargetAuth};
use scimitar::runner::{self, RunOptions};
use scimitar::scim::quirks::{Idp, Leniency};
use scimitar::server::{Auth, ReferenceServer, ServerConfig};
use scimitar::suite::Suite;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "record-token";

fn okta_server(faults: FaultSet) -> ReferenceServer {
    let config = ServerConfig::new(Auth::bearer(TOKEN))
        .with_leniency(Leniency::for_idps(&[Idp::Okta]))
        .with_faults(faults);
    ReferenceServer::start(config).unwrap()
}

fn suite() -> Suite {
    Suite::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("suites")).unwrap()
}

async fn run(base: &str, cases: Vec<Arc<scimitar::suite::Case>>) -> Vec<CaseReport> {
    let target = Target::new(base, TargetAuth::Bearer(TOKEN.into()));
    let ctx = Arc::new(runner::prepare(&target, &RunOptions::default(), runner::new_run_id()).await.unwrap());
    let (_keep, cancel) = tokio::sync::watch::channel(false);
    let reports = runner::run_all(ctx.clone(), cases, Some(1), None, cancel).await;
    ctx.tracker.clean(&ctx.http, false).await;
    reports
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_of_the_okta_profile_replays_against_a_second_server() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("okta.yaml");
    let first = okta_server(FaultSet::none());
    let recorder = Arc::new(
        Recorder::new(&first.base_url(), out.clone(), "okta profile", Duration::from_secs(10)).unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(record::serve(listener, recorder.clone(), async {
        let _ = stopped.await;
    }));

    let mut suite = suite();
    let okta: Vec<_> = suite.cases.iter().filter(|c| c.id().starts_with("idp::okta::")).cloned().collect();
    assert!(okta.len() >= 8);
    for report in run(&proxy, okta).await {
        assert!(matches!(report.outcome, Outcome::Pass), "{}: {:?}", report.id, report.outcome);
    }
    let _ = stop.send(());
    serving.await.unwrap().unwrap();

    let text = std::fs::read_to_string(&out).unwrap();
    assert!(recorder.count() > 50, "{} exchanges", recorder.count());
    assert!(!text.contains(TOKEN), "the credential stays out of the file");
    assert!(text.contains("User-Agent: Okta SCIM Client 1.0.0"), "Okta's client is kept");
    let index = suite.add_case_file("okta.yaml", &text).unwrap_or_else(|e| panic!("{e}"));
    let replay = suite.cases[index].clone();

    let second = okta_server(FaultSet::none());
    let report = run(&second.base_url(), vec![replay.clone()]).await.remove(0);
    assert!(matches!(report.outcome, Outcome::Pass), "{:#?}", report.outcome);
    assert_eq!(report.exchanges.len(), recorder.count(), "every recorded request was replayed");

    let broken = okta_server(FaultSet::of(&[Fault::EmptyCreateBody]));
    let report = run(&broken.base_url(), vec![replay]).await.remove(0);
    assert!(matches!(report.outcome, Outcome::Fail { .. }), "{:#?}", report.outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_answer_that_never_ends_is_refused_not_held() {
    let upstream = crate::hostile_target::HostileTarget::start(crate::hostile_target::Misbehaviour::Flood);
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("flood.yaml");
    let recorder = Arc::new(Recorder::new(&upstream.base, out, "flood", Duration::from_secs(10)).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(record::serve(listener, recorder.clone(), std::future::pending()));
    let started = std::time::Instant::now();
    let answer = reqwest::get(format!("{proxy}/Users")).await.unwrap();
    assert_eq!(answer.status(), 502);
    assert!(answer.text().await.unwrap().contains("larger than 16 MiB"));
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert_eq!(recorder.count(), 0, "nothing was recorded");
}
