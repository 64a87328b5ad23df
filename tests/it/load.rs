//! Sync-cycle load: the IdP's initial sync is counted request by request,
//! a server that answers wrongly or asks to slow down is not "keeping up".

use scimitar::faults::{Fault, FaultSet};
use scimitar::load::{self, Plan};
use scimitar::runner::http::Http;
use scimitar::runner::target::{Target, TargetAuth};
use scimitar::scim::quirks::{Idp, Leniency};
use scimitar::server::{Auth, ReferenceServer, ServerConfig};
use scimitar::suite::profile::Profile;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn plan(profile: Profile) -> Plan {
    Plan {
        profile,
        requirement: None,
        target_rate: None,
        users: 20,
        groups: 2,
        members_per_patch: 4,
        jobs: Some(4),
        client: scimitar::suite::client::Clients::embedded().get(profile.name()).cloned(),
    }
}

fn against_reference(profile: Profile, faults: FaultSet) -> load::LoadReport {
    let config =
        ServerConfig::new(Auth::bearer("t")).with_leniency(Leniency::for_idps(&Idp::ALL)).with_faults(faults);
    let server = ReferenceServer::start(config).unwrap();
    let target = Target::new(server.base_url(), TargetAuth::Bearer("t".into()));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let http = Http::new(&target, Duration::from_secs(10), None).unwrap();
        load::run(&http, &plan(profile), "scimitar-loadtest", &not_cancelled()).await
    })
}

fn not_cancelled() -> tokio::sync::watch::Receiver<bool> {
    tokio::sync::watch::channel(false).1
}

fn count(report: &load::LoadReport, kind: &str) -> usize {
    report.kinds.iter().find(|k| k.kind == kind).map_or(0, |k| k.count)
}

#[test]
fn entra_and_okta_initial_syncs_are_counted_and_cleaned_up() {
    for profile in [Profile::ENTRA, Profile::OKTA] {
        let report = against_reference(profile, FaultSet::none());
        assert!(report.sustained(), "{}", load::render(&report));
        assert_eq!(count(&report, "lookup user"), 20);
        assert_eq!(count(&report, "create user"), 20);
        assert_eq!(count(&report, "create group"), 2);
        // Ten members a group, four a PATCH: three PATCHes each.
        assert_eq!(count(&report, "add members"), 6);
        assert_eq!(count(&report, "delete"), 22);
        assert_eq!((report.deleted_users, report.deleted_groups, report.left_behind), (20, 2, 0));
    }
}

#[test]
fn wrong_answers_are_errors_and_the_server_did_not_keep_up() {
    let report = against_reference(Profile::ENTRA, FaultSet::of(&[Fault::NoMatch404]));
    assert!(!report.sustained());
    let lookups = report.kinds.iter().find(|k| k.kind == "lookup user").unwrap();
    assert_eq!(lookups.errors, 20, "{}", load::render(&report));
    assert!(!report.failures.is_empty() && report.failures[0].got.starts_with("404"));
    assert_eq!(report.failures[0].expected, "200");
    assert!(load::render(&report).contains("expected 200, got 404"));
}

#[test]
fn a_429_is_counted_waited_out_and_fails_the_pace() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let report = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/Users"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/Users"))
            .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({"id": "u1"})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"totalResults": 0})))
            .mount(&server)
            .await;
        Mock::given(method("DELETE")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
        let target = Target::new(server.uri(), TargetAuth::Bearer("t".into()));
        let http = Http::new(&target, Duration::from_secs(5), None).unwrap();
        let plan = Plan {
            profile: Profile::ENTRA,
            requirement: None,
            target_rate: None,
            users: 3,
            groups: 0,
            members_per_patch: 10,
            jobs: Some(1),
            client: scimitar::suite::client::Clients::embedded().get("entra").cloned(),
        };
        load::run(&http, &plan, "scimitar-loadtest", &not_cancelled()).await
    });
    assert_eq!(report.rate_limited, 1, "{}", load::render(&report));
    assert_eq!(report.errors(), 0, "the retried request succeeded");
    assert!(!report.sustained(), "a 429 at the IdP's pace means the server did not keep up");
    assert!(load::render(&report).contains("429 Too Many Requests: 1"));
    let saturated = report.pace.saturated.as_ref().expect("the 429 is where the server pushed back");
    assert_eq!(saturated.signal, "429");
    assert!(load::render(&report).contains("throughput saturated at about"), "{}", load::render(&report));
}
