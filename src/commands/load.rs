//! `scimitar run --users N`: an identity provider's initial sync, replayed
//! for load instead of the cases.

use super::{Ended, Failure};
use crate::cli::RunArgs;
use crate::exit::Exit;
use crate::load::Plan;
use crate::runner::http::Http;
use crate::suite::Suite;
use crate::suite::profile::Profile;
use std::time::Duration;

/// Flags that choose cases or write case reports, which a load run has none of.
fn case_flags(args: &RunArgs) -> bool {
    let s = &args.select;
    let r = &args.reports;
    !s.filters.is_empty()
        || !s.only.is_empty()
        || !s.skip.is_empty()
        || !s.tag.is_empty()
        || r.html.is_some()
        || r.junit.is_some()
        || r.markdown.is_some()
        || r.har.is_some()
        || args.gate.waivers.is_some()
        || args.baseline.is_some()
}

pub fn run(args: &RunArgs, suite: &Suite, profiles: &[Profile], users: usize) -> Ended {
    if case_flags(args) {
        return Err(Failure::usage(
            "--users replays a sync, not cases: case filters, --only, --skip, --tag, --waivers, --baseline \
             and the --html, --junit, --markdown and --har reports do not apply (--json writes the load report)",
        ));
    }
    let profile = Plan::profile_of(profiles).map_err(Failure::Usage)?;
    // The in-process server is made lenient for the IdP: load measures the
    // server's pace, and the cases already judge the IdP's quirks.
    let (target, server) = super::target::target(args, profile.compat().as_slice())?;
    // --rate 0 lifts the IdP's pace: how fast can the server go? A declared
    // rate still holds.
    let asked = match args.rate {
        Some(r) if r <= 0.0 => None,
        Some(r) => Some(r),
        None => Plan::documented_rate(profile),
    };
    let rate = super::target::pace(asked, target.limits.rate);
    // The pace the server is held to: the IdP's, or a slower one the run keeps.
    let target_rate = Plan::documented_rate(profile).map(|t| rate.map_or(t, |r| r.min(t)));
    let plan = Plan {
        profile,
        requirement: suite.catalogue.get(&format!("{}.sync-rate", profile.name())).cloned(),
        target_rate,
        users,
        groups: args.groups.unwrap_or((users / 10).max(1)),
        members_per_patch: target
            .resource("Group")
            .and_then(|g| g.max_members_per_patch)
            .map_or(crate::load::MEMBERS_PER_PATCH, |n| n as usize),
        // An IdP sends many requests at once: the pace grows the requests
        // in flight until the server pushes back, up to --jobs when given.
        jobs: args.jobs,
        client: suite.clients.get(profile.name()).cloned(),
    };
    let ended = super::runtime()?.block_on(async {
        let http =
            Http::new(&target, Duration::from_secs(args.timeout.max(1)), rate).map_err(Failure::harness)?;
        let pace = rate.map_or("as fast as it answers".to_string(), |r| format!("at most {r} requests/s"));
        outln!(
            "scimitar {}: {}'s initial sync of {} users and {} groups against {}, {pace}, up to {} at once\n",
            env!("CARGO_PKG_VERSION"),
            profile.title(),
            plan.users,
            plan.groups,
            http.redactor().redact(http.base()),
            plan.jobs.unwrap_or(crate::runner::pace::DEFAULT_CEILING)
        );
        let cancelled = super::stop_on_interrupt("the users and groups this sync created");
        let report = crate::load::run(&http, &plan, &crate::runner::new_run_id(), &cancelled).await;
        out!("{}", crate::load::render(&report));
        if let Some(path) = &args.reports.json {
            super::reports::write_file(path, &serde_json::to_string_pretty(&report).unwrap_or_default())?;
        }
        if let Some(stop) = http.stopped() {
            return Err(Failure::harness(format!("the run stopped: {}", stop.message)));
        }
        if report.interrupted {
            return Ok(Exit::Interrupted);
        }
        Ok(Exit::judged(!report.sustained()))
    });
    drop(server);
    ended
}
