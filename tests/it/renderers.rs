//! Every report format, rendered from one fixed run, against a reviewed
//! snapshot (`tests/it/snapshots/`). The run holds every verdict, waived and
//! declared findings, a blocked case, a harness error, resources left
//! behind, the pace and the target file's declarations, with fixed ids,
//! dates, durations and URLs, so a snapshot changes only when a renderer
//! does. `cargo insta review` (or `INSTA_UPDATE=always`) accepts a change
//! that is meant.

use scimitar::gate::baseline::Comparison;
use scimitar::gate::declared::{Declaration, DeclarationStatus};
use scimitar::gate::waiver::WaiverStatus;
use scimitar::report::run::{DeclaredInfo, LevelCounts, REPORT_FORMAT, RunReport, Summary, TargetInfo};
use scimitar::report::terminal::{self, Style};
use scimitar::runner::check::{Check, Span};
use scimitar::runner::model::{Document, Probe, ProbeResult, Scope, Scopes, TargetModel};
use scimitar::runner::outcome::{
    Blocker, CaseReport, Disposition, ErrorKind, Exchange, Finding, Impact, Outcome, RequestRecord,
    ResponseRecord, Verdict,
};
use scimitar::runner::pace::{Saturation, Settled};
use scimitar::runner::target::{DeleteSemantics, Limits, ResourceDeclaration};
use scimitar::runner::tracker::{LeftBehind, Remains};
use scimitar::suite::capability::Capability;
use scimitar::suite::profile::Profile;
use scimitar::suite::requirement::{Confidence, Level, Requirement};

const BASE: &str = "https://scim.example.com/scim/v2";
const RUN_ID: &str = "scimitar-1a2b3c4d";

fn pagination() -> Requirement {
    Requirement {
        quote: Some(
            "A non-negative integer. Specifies the desired maximum number of query results per page".into(),
        ),
        ..Requirement::new(
            "rfc7644.3.4.2.4.paging",
            "RFC 7644 §3.4.2.4",
            Level::Must,
            "startIndex is 1-based and count bounds the page.",
        )
    }
}

fn finding(step: usize, requirement: Requirement, disposition: Disposition) -> Finding {
    Finding {
        step,
        step_name: None,
        requirement,
        disposition,
        impact: None,
        check: Check::Status,
        expected: "201".into(),
        actual: "400".into(),
        location: Span::Line { file: "rfc7644/crud/create.yaml".into(), line: 12 },
        exchange: None,
    }
}

fn exchange(step: usize, method: &str, path: &str, status: Option<u16>) -> Exchange {
    Exchange {
        step,
        started_at: format!("2026-03-04T05:06:{:02}.000Z", step),
        request: RequestRecord {
            method: method.into(),
            url: format!("{BASE}{path}"),
            headers: vec![
                ("Accept".into(), "application/scim+json".into()),
                ("Authorization".into(), "Bearer ‹redacted›".into()),
            ],
            body: None,
        },
        response: status.map(|status| ResponseRecord {
            status,
            headers: vec![("content-type".into(), "application/scim+json".into())],
            body: String::new(),
            truncated: false,
        }),
        elapsed_ms: 12.5 + step as f64,
        rate_limited: 0,
        note: None,
    }
}

fn case(
    id: &str,
    title: &str,
    requirements: Vec<Requirement>,
    outcome: Outcome,
    verdict: Verdict,
) -> CaseReport {
    let area = id.rsplit_once("::").map_or(id, |(a, _)| a).replace("::", "/");
    CaseReport {
        id: id.into(),
        title: title.into(),
        file: format!("suites/{area}/{}.yaml", id.rsplit("::").next().unwrap_or(id).replace('_', "-")),
        requirements,
        tags: vec!["fixture".into()],
        outcome,
        verdict: Some(verdict),
        duration_ms: 42.0,
        exchanges: Vec::new(),
    }
}

fn passing() -> CaseReport {
    let mut c = case(
        "rfc7644::crud::create_user",
        "Creating a user answers 201 with the user",
        vec![Requirement::new(
            "rfc7644.3.3.create",
            "RFC 7644 §3.3",
            Level::Must,
            "A created resource answers 201.",
        )],
        Outcome::Pass,
        Verdict::Pass,
    );
    c.exchanges.push(exchange(1, "POST", "/Users", Some(201)));
    c
}

/// A MUST failure over several steps: a multi-line diff, request and
/// response bodies, and a server's answer carrying markup, control
/// characters, pipes and backticks, which every format must show inertly.
fn failing() -> CaseReport {
    let mut walk = finding(7, pagination(), Disposition::Fail);
    walk.step_name = Some("walk".into());
    walk.check = Check::Walk { path: "/Users".into(), problem: "count".into() };
    walk.expected = "at most count=2 resources per page\n{\n  \"itemsPerPage\": 2\n}".into();
    walk.actual = "5 at startIndex=1\n{\n  \"itemsPerPage\": 5\n}".into();
    walk.location = Span::Line { file: "rfc7644/pagination/full-walk.yaml".into(), line: 30 };
    walk.exchange = Some(1);
    let mut total = finding(8, pagination(), Disposition::Fail);
    total.check = Check::Pointer("/totalResults".into());
    total.expected = "3".into();
    total.actual = "\"<b>3</b> | `x` \u{1b}[31mred\u{1b}[0m\"".into();
    total.location = Span::Line { file: "rfc7644/pagination/full-walk.yaml".into(), line: 41 };
    let mut c = case(
        "rfc7644::pagination::full_walk",
        "Paging through a filtered listing two at a time sees every user once",
        vec![pagination()],
        Outcome::Fail { findings: vec![walk, total] },
        Verdict::Fail,
    );
    let mut create = exchange(1, "POST", "/Users", Some(201));
    create.request.body = Some("{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"scimitar-1a2b3c4d-7-a\"}".into());
    let mut page = exchange(
        7,
        "GET",
        "/Users?filter=userName%20sw%20%22scimitar-1a2b3c4d-7-%22&startIndex=1&count=2",
        Some(200),
    );
    page.rate_limited = 2;
    page.note = Some("the next page of a listing the case walks".into());
    if let Some(response) = page.response.as_mut() {
        response.headers.push(("etag".into(), "W/\"3\"".into()));
        response.body = (1..=34).map(|i| format!("line {i} <script>alert({i})</script>\n")).collect();
        response.truncated = true;
    }
    c.exchanges = vec![create, page];
    c
}

fn warning() -> CaseReport {
    let should = Requirement::new(
        "rfc7644.3.12.error-scimtype",
        "RFC 7644 §3.12",
        Level::Should,
        "A 400 error names its scimType.",
    );
    let mut f = finding(2, should.clone(), Disposition::Warn);
    f.check = Check::Pointer("/scimType".into());
    f.expected = "\"invalidValue\"".into();
    f.actual = "(absent)".into();
    case(
        "rfc7644::errors::scim_type",
        "A 400 names its scimType",
        vec![should],
        Outcome::Fail { findings: vec![f] },
        Verdict::Warn,
    )
}

fn note() -> CaseReport {
    let may = Requirement::new(
        "rfc7644.3.4.2.4.fewer",
        "RFC 7644 §3.4.2.4",
        Level::May,
        "A page may hold fewer than count.",
    );
    let mut f = finding(3, may.clone(), Disposition::Note);
    f.check = Check::Pointer("/itemsPerPage".into());
    f.expected = "2".into();
    f.actual = "1".into();
    case(
        "rfc7644::pagination::short_pages",
        "Short pages are gathered",
        vec![may],
        Outcome::Fail { findings: vec![f] },
        Verdict::Note,
    )
}

fn blocked() -> CaseReport {
    let create = Requirement::new(
        "rfc7644.3.3.create",
        "RFC 7644 §3.3",
        Level::Must,
        "A created resource answers 201.",
    );
    let blocker = Blocker {
        step: 1,
        step_name: Some("create the user".into()),
        requirement: "rfc7644.3.3.create".into(),
        reported_by: Some("rfc7644::crud::create_user".into()),
    };
    let f = finding(1, create.clone(), Disposition::Fail);
    case(
        "rfc7644::patch::add_email",
        "PATCH add appends an email",
        vec![create],
        Outcome::Blocked { blocker, findings: vec![f] },
        Verdict::Blocked,
    )
}

fn not_applicable() -> CaseReport {
    case(
        "rfc7644::bulk::circular_references",
        "Bulk resolves circular references",
        vec![Requirement::new(
            "rfc7644.3.7.1.circular",
            "RFC 7644 §3.7.1",
            Level::Must,
            "Circular bulkIds resolve.",
        )],
        Outcome::NotApplicable {
            reason: "needs bulk (/ServiceProviderConfig says bulk.supported: false)".into(),
        },
        Verdict::NotApplicable,
    )
}

fn waived() -> CaseReport {
    let r = Requirement::new(
        "rfc7644.3.4.2.4.count-zero",
        "RFC 7644 §3.4.2.4",
        Level::Must,
        "count=0 returns no resources.",
    );
    let f = finding(
        2,
        r.clone(),
        Disposition::Waived {
            accepted_by: "waivers.yaml".into(),
            because: "fixed in the next release".into(),
        },
    );
    case(
        "rfc7644::pagination::count_zero",
        "count=0 returns only totalResults",
        vec![r],
        Outcome::Fail { findings: vec![f] },
        Verdict::Waived,
    )
}

fn declared() -> CaseReport {
    let r = Requirement::new(
        "rfc7644.3.6.delete-404",
        "RFC 7644 §3.6",
        Level::Must,
        "A deleted resource answers 404.",
    );
    let mut f = finding(
        3,
        r.clone(),
        Disposition::Declared {
            accepted_by: "acme.toml".into(),
            because: "[resources.User] delete = \"deactivates\"".into(),
        },
    );
    f.check = Check::Status;
    f.expected = "404".into();
    f.actual = "200".into();
    case(
        "rfc7644::crud::delete_user",
        "A deleted user is gone",
        vec![r],
        Outcome::Fail { findings: vec![f] },
        Verdict::Declared,
    )
}

fn error() -> CaseReport {
    let mut c = case(
        "rfc7644::filter::complex",
        "A complex filter selects what it says",
        vec![Requirement::new("rfc7644.3.4.2.2.filter", "RFC 7644 §3.4.2.2", Level::Must, "Filters select.")],
        Outcome::Error {
            kind: ErrorKind::Timeout,
            message: "no complete answer within 30 s to GET /Users".into(),
        },
        Verdict::Error,
    );
    c.exchanges.push(exchange(1, "GET", "/Users?filter=emails%5Btype%20eq%20%22work%22%5D", None));
    c
}

/// An identity provider's case: its finding says what it does to the IdP.
fn idp() -> CaseReport {
    let id = "idp::okta::group_rename";
    let r = Requirement {
        breaks: Some("Group Push fails, and membership never syncs".into()),
        departs_from: Some("RFC 7643 §3.1 makes id readOnly".into()),
        confidence: Some(Confidence::High),
        ..Requirement::new(
            "okta.group.rename",
            "Okta SCIM 2.0 guide, \"Update a specific group name\"",
            Level::Must,
            "A group is renamed with a path-less replace carrying its own id.",
        )
    };
    let mut f = finding(2, r.clone(), Disposition::Fail);
    f.impact = Impact::of(id, &r);
    f.check = Check::Status;
    f.expected = "200".into();
    f.actual = "400".into();
    f.exchange = Some(0);
    let mut c =
        case(id, "Okta renames a pushed group", vec![r], Outcome::Fail { findings: vec![f] }, Verdict::Fail);
    let mut patch = exchange(2, "PATCH", "/Groups/7c5f0b9e", Some(400));
    patch.request.body = Some(
        "{\"Operations\":[{\"op\":\"replace\",\"value\":{\"id\":\"7c5f0b9e\",\"displayName\":\"renamed\"}}]}"
            .into(),
    );
    c.exchanges.push(patch);
    c
}

fn target_info() -> TargetInfo {
    let mut model = TargetModel::rfc_defaults();
    model.service_provider_config = Document::Served;
    model.resource_types_document = Document::Served;
    model.schemas_document = Document::Broken("its User schema lacks meta".into());
    model.probes = vec![
        ProbeResult { feature: "filter userName eq".into(), probe: Probe::Supported },
        ProbeResult { feature: "filter userName sw".into(), probe: Probe::Supported },
        ProbeResult { feature: "POST /.search".into(), probe: Probe::Refused("501".into()) },
        ProbeResult { feature: "/Me".into(), probe: Probe::Refused("501".into()) },
        ProbeResult {
            feature: "filter emails co".into(),
            probe: Probe::Ignored("a filter matching nothing returned 3 users".into()),
        },
        ProbeResult { feature: "GET /Schemas/{id}".into(), probe: Probe::NotTried("no /Schemas".into()) },
    ];
    model.scope = Scopes { users: Some(Scope::NamePrefix), groups: Some(Scope::ExternalId) };
    let mut highlights = model.highlights();
    highlights.push("declared: at most 10 requests/s; the run kept to 10".into());
    let resources = [(
        "User".to_string(),
        ResourceDeclaration {
            delete: DeleteSemantics::Deactivates,
            max_members_per_patch: None,
            declared_at: Some("acme.toml:9".into()),
        },
    )]
    .into_iter()
    .collect();
    TargetInfo {
        url: BASE.into(),
        in_process: false,
        capabilities: vec![Capability::Users, Capability::Groups, Capability::Patch, Capability::Filter],
        capability_notes: vec!["bulk: /ServiceProviderConfig says bulk.supported: false".into()],
        model: model.summary(),
        highlights,
        declared: Some(DeclaredInfo {
            limits: Limits { rate: Some(10.0), max_page_size: Some(100) },
            resources,
        }),
    }
}

/// A run with every verdict and everything a report can say about a run.
fn full_run() -> RunReport {
    let cases = vec![
        passing(),
        failing(),
        warning(),
        note(),
        blocked(),
        not_applicable(),
        waived(),
        declared(),
        error(),
        idp(),
    ];
    let mut summary = Summary::of(&cases);
    summary.requests = 137;
    summary.rate_limited = 2;
    summary.left_behind = 4;
    RunReport {
        format: REPORT_FORMAT,
        scimitar: "0.1.0".into(),
        run_id: RUN_ID.into(),
        started_at: "2026-03-04T05:06:07Z".into(),
        duration_ms: 2345.6,
        target: target_info(),
        profiles: vec![Profile::Rfc, Profile::OKTA],
        fail_on: Level::Must,
        fail_on_declared: false,
        summary,
        waivers: vec![
            WaiverStatus {
                id: "rfc7644::pagination::count_zero".into(),
                reason: "fixed in the next release".into(),
                expires: Some("2027-03-31".into()),
                expired: false,
                waived: vec!["rfc7644::pagination::count_zero".into()],
            },
            WaiverStatus {
                id: "rfc7644.3.7.1.circular".into(),
                reason: "Bulk arrives in Q3".into(),
                expires: Some("2026-01-01".into()),
                expired: true,
                waived: Vec::new(),
            },
            WaiverStatus {
                id: "rfc7644::sort::*".into(),
                reason: "sorting is off".into(),
                expires: None,
                expired: false,
                waived: Vec::new(),
            },
        ],
        declarations: vec![
            DeclarationStatus {
                declaration: Declaration {
                    key: "[resources.User] delete = \"deactivates\"".into(),
                    resource: "User".into(),
                    endpoint: "/Users".into(),
                    says: "DELETE sets active to false and keeps the user".into(),
                    requirements: vec!["rfc7644.3.6.delete-404".into()],
                },
                declared_in: vec!["rfc7644::crud::delete_user".into()],
                not_observed_in: Vec::new(),
            },
            DeclarationStatus {
                declaration: Declaration {
                    key: "[resources.Group] delete = \"deactivates\"".into(),
                    resource: "Group".into(),
                    endpoint: "/Groups".into(),
                    says: "DELETE sets active to false and keeps the group".into(),
                    requirements: vec!["rfc7644.3.6.delete-404".into()],
                },
                declared_in: Vec::new(),
                not_observed_in: vec!["rfc7644::crud::delete_group".into()],
            },
        ],
        baseline: Some(Comparison {
            file: "main-report.json".into(),
            regressions: vec!["rfc7644::pagination::full_walk".into()],
            fixed: vec!["rfc7644::sort::ascending".into()],
            still_failing: vec!["idp::okta::group_rename".into()],
        }),
        left_behind: vec![
            LeftBehind {
                resource: "/Users/2819c223-7f76-453a-919d-413861904646".into(),
                state: Remains::Deactivated,
            },
            LeftBehind {
                resource: "/Users/c3a26dd3-27a0-4dec-a2ac-ce211e105f97".into(),
                state: Remains::NotDeleted("500 Internal Server Error".into()),
            },
            LeftBehind {
                resource: "/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a".into(),
                state: Remains::StillServed,
            },
            LeftBehind {
                resource: "/Groups/fc348aa8-3835-40eb-a20b-c726e15c55b5".into(),
                state: Remains::Kept,
            },
        ],
        pace: Some(Settled {
            concurrency: 6,
            peak_concurrency: 12,
            ceiling: 48,
            rate: Some(9.5),
            rate_learned: true,
            backoffs: 3,
            fastest_ms: Some(4.25),
            saturated: Some(Saturation { in_flight: 12, served_per_second: 10, signal: "429" }),
        }),
        cases,
    }
}

/// A compliant run: nothing but passes and a case that does not apply.
fn clean_run() -> RunReport {
    let cases = vec![passing(), not_applicable()];
    let mut summary = Summary::of(&cases);
    summary.requests = 1;
    RunReport {
        format: REPORT_FORMAT,
        scimitar: "0.1.0".into(),
        run_id: RUN_ID.into(),
        started_at: "2026-03-04T05:06:07Z".into(),
        duration_ms: 80.0,
        target: TargetInfo { in_process: true, declared: None, ..target_info() },
        profiles: vec![Profile::Rfc],
        fail_on: Level::Should,
        fail_on_declared: true,
        summary,
        waivers: Vec::new(),
        declarations: Vec::new(),
        baseline: None,
        left_behind: Vec::new(),
        pace: None,
        cases,
    }
}

/// What the terminal shows over a run: the target, a line per case as it
/// finishes, then the details. Escape codes are spelled `\e` so a reviewer
/// sees them (a server's own control characters are already shown as `␛`).
fn terminal(run: &RunReport, style: Style) -> String {
    let mut out = terminal::target_lines(&run.target, style);
    for case in &run.cases {
        out.push_str(&terminal::progress_line(case, style));
        out.push('\n');
    }
    out.push_str(&terminal::details(run, style));
    out.replace('\u{1b}', "\\e")
}

#[test]
fn the_fixture_holds_every_verdict() {
    let run = full_run();
    for verdict in Verdict::ALL {
        assert!(run.summary.count(verdict) > 0, "no case in the fixture is {verdict}");
    }
    assert_eq!(run.summary.findings, LevelCounts { must: 6, should: 1, may: 1 });
}

#[test]
fn terminal_plain() {
    insta::assert_snapshot!(terminal(&full_run(), Style { color: false }));
}

#[test]
fn terminal_colour() {
    insta::assert_snapshot!(terminal(&full_run(), Style { color: true }));
}

#[test]
fn terminal_clean() {
    insta::assert_snapshot!(terminal(&clean_run(), Style { color: true }));
}

#[test]
fn json() {
    insta::assert_snapshot!(scimitar::report::json(&full_run()));
}

#[test]
fn junit() {
    insta::assert_snapshot!(scimitar::report::junit::render(&full_run()).unwrap());
}

#[test]
fn html() {
    insta::assert_snapshot!(scimitar::report::html::render(&full_run()));
}

#[test]
fn html_clean() {
    insta::assert_snapshot!(scimitar::report::html::render(&clean_run()));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(scimitar::report::markdown::render(&full_run()));
}

#[test]
fn markdown_clean() {
    insta::assert_snapshot!(scimitar::report::markdown::render(&clean_run()));
}

#[test]
fn har() {
    insta::assert_snapshot!(scimitar::report::har::render(&full_run()));
}

/// The `run --users` report: an Entra sync that was throttled, with one
/// wrong answer and a resource it could not delete.
fn load_report() -> scimitar::load::LoadReport {
    let kind = |kind: &'static str, count: usize, errors: usize, p50: f64| scimitar::load::KindStats {
        kind,
        count,
        errors,
        p50_ms: p50,
        p90_ms: p50 * 2.0,
        p99_ms: p50 * 4.0,
        max_ms: p50 * 8.0,
    };
    scimitar::load::LoadReport {
        profile: Profile::ENTRA,
        requirement: Some(Requirement::new(
            "entra.sync-rate",
            "Entra gallery listing",
            Level::Must,
            "The endpoint sustains 25 requests per second.",
        )),
        users: 20,
        groups: 2,
        requests: 91,
        sync_seconds: 3.25,
        achieved_rate: 28.0,
        target_rate: Some(25.0),
        rate_limited: 2,
        kinds: vec![kind("lookup user", 20, 0, 1.5), kind("create user", 20, 1, 2.5)],
        failures: vec![scimitar::load::Failure {
            kind: "create user",
            request: "POST /Users".into(),
            expected: "201".into(),
            got: "500 <b>boom</b>".into(),
        }],
        interrupted: false,
        deleted_users: 19,
        deleted_groups: 2,
        left_behind: 1,
        pace: Settled {
            concurrency: 8,
            peak_concurrency: 16,
            ceiling: 48,
            rate: Some(25.0),
            rate_learned: true,
            backoffs: 2,
            fastest_ms: Some(1.25),
            saturated: Some(Saturation { in_flight: 16, served_per_second: 27, signal: "429" }),
        },
    }
}

#[test]
fn load_text() {
    insta::assert_snapshot!(scimitar::load::render(&load_report()));
}

#[test]
fn load_json() {
    insta::assert_snapshot!(serde_json::to_string_pretty(&load_report()).unwrap());
}
