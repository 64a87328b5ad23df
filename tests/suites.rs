//! Every suite case as a `cargo test` trial against an in-process reference
//! server, and every reference-server fault as a trial that some case must
//! catch. nextest-compatible: `--list`, `--exact`, `a::b::c` names.
//!
//!   cargo test --test suites                       # all
//!   cargo test --test suites -- rfc7644::crud      # a subset
//!   cargo test --test suites -- --exact faults::count-ignored

use libtest_mimic::{Arguments, Failed, Trial};
use scimitar::faults::{Fault, FaultSet};
use scimitar::gate::{Gate, waiver};
use scimitar::runner::outcome::{CaseReport, Outcome, Verdict};
use scimitar::runner::target::{Target, TargetAuth};
use scimitar::runner::{self, RunContext, RunOptions};
use scimitar::scim::quirks::{Idp, Leniency};
use scimitar::selftest;
use scimitar::server::variant::{Variant, VariantSet};
use scimitar::server::{Auth, ReferenceServer, ServerConfig};
use scimitar::suite::profile::Profile;
use scimitar::suite::requirement::Level;
use scimitar::suite::{Case, Suite};
use std::path::Path;
use std::sync::OnceLock;

const TOKEN: &str = "suites-token";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime starts")
    })
}

fn suite() -> &'static Suite {
    static SUITE: OnceLock<Suite> = OnceLock::new();
    SUITE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("suites");
        Suite::from_dir(&dir).unwrap_or_else(|e| panic!("suites do not load:\n{e}"))
    })
}

/// A reference server with these faults and a run context pointed at it.
struct Bench {
    _server: ReferenceServer,
    ctx: RunContext,
}

impl Bench {
    fn start(faults: FaultSet, leniency: Leniency) -> Bench {
        Bench::start_with(faults, VariantSet::none(), leniency)
    }

    fn start_with(faults: FaultSet, variants: VariantSet, leniency: Leniency) -> Bench {
        let config = ServerConfig::new(Auth::bearer(TOKEN))
            .with_faults(faults)
            .with_variants(variants)
            .with_leniency(leniency);
        let server = ReferenceServer::start(config).expect("server starts");
        let target = Target::new(server.base_url(), TargetAuth::Bearer(TOKEN.into()));
        let ctx = runtime()
            .block_on(runner::prepare(&target, &RunOptions::default(), runner::new_run_id()))
            .expect("run context");
        Bench { _server: server, ctx }
    }

    fn run(&self, case: &Case) -> CaseReport {
        runtime().block_on(runner::run_case(&self.ctx, case))
    }
}

/// The healthy server a case must pass against: strict for the RFC suites,
/// lenient for every IdP (`--compat okta,entra,...`) for an identity provider's.
fn healthy(case: &Case) -> &'static Bench {
    static STRICT: OnceLock<Bench> = OnceLock::new();
    static LENIENT: OnceLock<Bench> = OnceLock::new();
    let leniency = selftest::leniency_for(case);
    let cell = if leniency.is_strict() { &STRICT } else { &LENIENT };
    cell.get_or_init(|| Bench::start(FaultSet::none(), leniency))
}

/// The minimal bundle, strict or lenient as for [`healthy`]: where a case
/// about what only a smaller server has (a required extension) runs.
fn minimal(case: &Case) -> &'static Bench {
    static STRICT: OnceLock<Bench> = OnceLock::new();
    static LENIENT: OnceLock<Bench> = OnceLock::new();
    let leniency = selftest::leniency_for(case);
    let cell = if leniency.is_strict() { &STRICT } else { &LENIENT };
    cell.get_or_init(|| Bench::start_with(FaultSet::none(), VariantSet::minimal(), leniency))
}

/// A strict server, for the IdP cases that must fail there.
fn strict() -> &'static Bench {
    static STRICT: OnceLock<Bench> = OnceLock::new();
    STRICT.get_or_init(|| Bench::start(FaultSet::none(), Leniency::strict()))
}

/// Faults each IdP profile must catch: bugs that break that IdP in the field.
const IDP_BREAKERS: &[(Profile, &[&str])] = &[
    (
        Profile::OKTA,
        &[
            "empty-create-body",
            "no-uniqueness-conflict",
            "list-numbers-as-strings",
            "remove-filter-clears-all",
            "inactive-hidden",
            "okta-types-unserved",
        ],
    ),
    (
        Profile::ENTRA,
        &[
            "no-match-404",
            "excluded-attributes-ignored",
            "remove-by-value-clears-all",
            "string-boolean-true",
            "path-keys-dropped",
            "inactive-hidden",
        ],
    ),
    (
        Profile::Idp(Idp::Google),
        &["strict-content-type", "filter-ignored", "core-schema-first", "list-numbers-as-strings"],
    ),
    (
        Profile::Idp(Idp::JumpCloud),
        &["empty-create-body", "put-merges", "remove-by-value-clears-all", "null-rejected"],
    ),
    (
        Profile::Idp(Idp::OneLogin),
        &["filter-ignored", "empty-create-body", "deleted-still-served", "list-numbers-as-strings"],
    ),
];

fn explain(report: &CaseReport) -> String {
    let mut text = format!("{} {}\n", report.verdict().label().trim(), report.id);
    match &report.outcome {
        Outcome::Error { message, .. } => text.push_str(&format!("  harness error: {message}\n")),
        Outcome::NotApplicable { reason } => text.push_str(&format!("  not applicable: {reason}\n")),
        Outcome::Blocked { blocker, .. } => {
            text.push_str(&format!("  blocked at step {} ({})\n", blocker.step, blocker.requirement))
        }
        _ => {}
    }
    for f in report.outcome.findings() {
        text.push_str(&format!(
            "  step {} {}: {} [{} {}]\n    expected: {}\n    actual:   {}\n",
            f.step, f.check, f.location, f.requirement.source, f.requirement.level, f.expected, f.actual
        ));
    }
    text
}

/// The verdict a case gets under the default gate (MUST findings fail).
fn judged(mut report: CaseReport) -> Verdict {
    Gate::new(Level::Must).judge(std::slice::from_mut(&mut report), waiver::today());
    report.verdict()
}

/// Cases that fail under a variant departing from a SHOULD they check: a
/// case about a recommendation no fault breaks (a missing /ResourceTypes is
/// latitude, not a bug) shows its teeth there.
fn killed_by_variants() -> &'static Vec<String> {
    static KILLED: OnceLock<Vec<String>> = OnceLock::new();
    KILLED.get_or_init(|| {
        let mut killed = Vec::new();
        for v in Variant::ALL.iter().filter(|v| !v.departs_from().is_empty()) {
            let cases: Vec<_> = suite()
                .cases
                .iter()
                .filter(|c| c.requirements.iter().any(|r| v.departs_from().contains(&r.id.as_str())))
                .cloned()
                .collect();
            let row = runtime()
                .block_on(selftest::run_against_variants(VariantSet::of(&[*v]), &cases, 4))
                .unwrap_or_else(|e| panic!("the {v} server did not start: {e}"));
            killed.extend(row.into_iter().filter(|r| r.outcome.is_fail()).map(|r| r.id));
        }
        killed
    })
}

/// One fault per case and one case per fault, against the default server and
/// under the minimal bundle, computed once per process (the fault, minimal
/// and teeth trials share them) and side by side, since each spends much of
/// its time waiting on round trips.
fn proofs() -> &'static (selftest::Proof, selftest::Proof) {
    static PROOFS: OnceLock<(selftest::Proof, selftest::Proof)> = OnceLock::new();
    PROOFS.get_or_init(|| {
        let cases = &suite().cases;
        let (default, minimal) = runtime().block_on(async {
            tokio::join!(
                selftest::proof(cases, Fault::ALL, 4),
                selftest::proof_under(VariantSet::minimal(), cases, Fault::ALL, 4)
            )
        });
        (
            default.unwrap_or_else(|e| panic!("the fault matrix could not run: {e}")),
            minimal
                .unwrap_or_else(|e| panic!("the fault matrix under the minimal bundle could not run: {e}")),
        )
    })
}

fn proof() -> &'static selftest::Proof {
    &proofs().0
}

fn minimal_proof() -> &'static selftest::Proof {
    &proofs().1
}

/// Against a strict server, an IdP case that relies on what only the IdP
/// sends (`quirk`) fails, and says why: what the IdP sends, the RFC rule, and
/// that a server must accept it anyway; one about what only a server lenient
/// for the IdP serves (`compat-only`) does not apply, and says why; every
/// other IdP case passes there (`idp-preference`: may warn, the strict server
/// answering as the RFC allows).
fn strict_verdict(case: &Case) -> Result<(), Failed> {
    let report = strict().run(case);
    let tags = &case.doc.tags;
    if tags.iter().any(|t| t == "compat-only") {
        // What only a server lenient for the IdP serves (Okta's governance
        // types): a strict server lacks it, and the case must say so.
        return match &report.outcome {
            Outcome::NotApplicable { reason } if !reason.trim().is_empty() => Ok(()),
            _ => Err(Failed::from(format!(
                "a `compat-only` case must be not applicable, with the reason, against a strict server:\n{}",
                explain(&report)
            ))),
        };
    }
    if tags.iter().any(|t| t == "quirk") {
        let findings = report.outcome.findings();
        let explained = findings.iter().any(|f| {
            f.impact.as_ref().is_some_and(|i| i.says.contains("must accept it anyway"))
                && f.requirement.departs_from.is_some()
        });
        if explained {
            Ok(())
        } else {
            Err(Failed::from(format!(
                "a `quirk` case must fail against a strict server with a finding that explains the IdP's departure from the RFC:\n{}",
                explain(&report)
            )))
        }
    } else if judged(report.clone()) == Verdict::Fail {
        Err(Failed::from(format!(
            "this case relies on no IdP leniency (tag it `quirk` if it does), yet fails against a strict server:\n{}",
            explain(&report)
        )))
    } else if tags.iter().all(|t| t != "idp-preference") && !matches!(report.outcome, Outcome::Pass) {
        Err(Failed::from(explain(&report)))
    } else {
        Ok(())
    }
}

/// Some case of `profile` fails against a server with `fault`, with a
/// finding that says it breaks the IdP.
fn breaks(profile: Profile, fault: Fault) -> Result<(), Failed> {
    let cases: Vec<_> =
        suite().cases.iter().filter(|c| Profile::of_case(c.id()) == Some(profile)).cloned().collect();
    let bench = Bench::start(FaultSet::of(&[fault]), Leniency::for_idps(&Idp::ALL));
    let breaking = cases.iter().any(|case| {
        let report = bench.run(case);
        report.outcome.findings().iter().any(|f| f.impact.as_ref().is_some_and(|i| i.breaks))
    });
    if breaking {
        Ok(())
    } else {
        Err(Failed::from(format!(
            "no {profile} case reports that --fault {fault} breaks {}",
            profile.title()
        )))
    }
}

/// Whether the trials this run selects may include some that read the
/// proofs: the `faults::`, `minimal::` or `teeth::` trials, by the filter and
/// `--skip` as libtest reads them (a substring of the name, or the name with `--exact`).
fn wants_proofs(args: &Arguments) -> bool {
    const READERS: [&str; 3] = ["faults::", "minimal::", "teeth::every_case_fails_under_some_fault"];
    let selects = |group: &str| {
        let filtered_in = match &args.filter {
            None => true,
            Some(f) if args.exact => f.starts_with(group),
            Some(f) => group.contains(f.as_str()) || f.starts_with(group),
        };
        let skipped = args.skip.iter().any(|s| group.contains(s.as_str()));
        filtered_in && !skipped
    };
    !args.list && READERS.iter().any(|g| selects(g))
}

fn main() {
    let args = Arguments::from_args();
    // The proofs take the longest, and the trials that read them would start
    // them only after every case trial: begun now, they overlap the rest.
    if wants_proofs(&args) {
        std::thread::spawn(|| {
            let _ = proofs();
        });
    }
    let mut trials = Vec::new();
    for case in &suite().cases {
        let case = case.clone();
        trials.push(Trial::test(case.id().to_string(), move || {
            let mut report = healthy(&case).run(&case);
            // A case about what only a smaller server has (a required
            // extension) runs against the minimal bundle instead.
            if matches!(report.outcome, Outcome::NotApplicable { .. }) {
                report = minimal(&case).run(&case);
            }
            // Between them the two servers have every capability: a case that
            // applies to neither can never run, no better than a failing one.
            match report.outcome {
                Outcome::Pass => Ok(()),
                _ => Err(Failed::from(explain(&report))),
            }
        }));
    }
    for &fault in Fault::ALL {
        trials.push(Trial::test(format!("faults::{}", fault.name()), move || {
            let caught = |p: &selftest::Proof| p.fault_caught_by.get(&fault).is_some_and(Option::is_some);
            if !caught(proof()) && !caught(minimal_proof()) {
                Err(Failed::from(format!(
                    "no case fails against a server with --fault {fault}: {}",
                    fault.about()
                )))
            } else {
                Ok(())
            }
        }));
    }
    for case in suite().cases.iter().filter(|c| Profile::of_case(c.id()).is_some_and(Profile::is_idp)) {
        let case = case.clone();
        trials.push(Trial::test(format!("strict::{}", case.id()), move || strict_verdict(&case)));
    }
    for (profile, faults) in IDP_BREAKERS {
        for name in *faults {
            let fault: Fault = name.parse().expect("a known fault");
            trials.push(Trial::test(format!("breaks::{profile}::{name}"), move || breaks(*profile, fault)));
        }
    }
    trials.push(Trial::test("teeth::every_case_fails_under_some_fault", || {
        let killed = &proof().case_killed_by;
        let under_minimal = &minimal_proof().case_killed_by;
        let by_variant = killed_by_variants();
        let survivors: Vec<&str> = suite()
            .cases
            .iter()
            .map(|c| c.id())
            .filter(|id| {
                !killed.contains_key(*id)
                    && !under_minimal.contains_key(*id)
                    && !by_variant.iter().any(|k| k == id)
            })
            .collect();
        if survivors.is_empty() {
            Ok(())
        } else {
            Err(Failed::from(format!(
                "these cases fail under no fault, so nothing shows they can fail: {}",
                survivors.join(", ")
            )))
        }
    }));
    for (name, variants) in selftest::latitude_sets() {
        trials.push(Trial::test(format!("latitude::{name}"), move || {
            let row = runtime()
                .block_on(selftest::latitude_row(&name, variants, &suite().cases, 4))
                .map_err(|e| Failed::from(format!("the server did not start: {e}")))?;
            if row.problems.is_empty() {
                Ok(())
            } else {
                Err(Failed::from(format!(
                    "these cases fail a server the RFCs allow ({}):\n{}",
                    variants,
                    row.problems.join("\n")
                )))
            }
        }));
    }
    for &fault in Fault::ALL {
        trials.push(Trial::test(format!("minimal::{}", fault.name()), move || {
            let caught = minimal_proof().fault_caught_by.get(&fault).is_some_and(Option::is_some);
            match (caught, VariantSet::minimal().hides(fault)) {
                (true, _) => Ok(()),
                (false, Some(_)) => Ok(()),
                (false, None) => Err(Failed::from(format!(
                    "no case fails against the minimal bundle with --fault {fault} ({}), and nothing says the fault cannot show there",
                    fault.about()
                ))),
            }
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}
