//! `scimitar coverage`: which catalogued requirements the cases check, section
//! by section, and which no case checks yet.

use super::{Ended, Failure};
use crate::audit::coverage::ClientCoverage;
use crate::cli::CoverageArgs;
use crate::exit::Exit;
use crate::report::terminal::Style;
use crate::suite::coverage::{Coverage, Tally};
use crate::suite::requirement::Level;
use std::fmt::Write as _;

pub fn run(args: CoverageArgs) -> Ended {
    let suite = super::load_suites(args.suites.as_deref())?;
    let coverage = Coverage::of(&suite);
    let client = ClientCoverage::of(&suite);
    if let Some(path) = &args.json {
        #[derive(serde::Serialize)]
        struct WithClient<'a> {
            #[serde(flatten)]
            coverage: &'a Coverage,
            client: &'a ClientCoverage,
        }
        let json = serde_json::to_string_pretty(&WithClient { coverage: &coverage, client: &client })
            .unwrap_or_default()
            + "\n";
        if path.as_os_str() == "-" {
            out!("{json}");
            return Ok(verdict(&coverage, args.min_must));
        }
        std::fs::write(path, json)
            .map_err(|e| Failure::harness(format!("cannot write {}: {e}", path.display())))?;
    }
    let style = Style::detect();
    out!("{}", render(&coverage, args.uncovered, style));
    out!("{}", render_client(&client, args.uncovered, style));
    Ok(verdict(&coverage, args.min_must))
}

fn verdict(coverage: &Coverage, min_must: Option<f64>) -> Exit {
    match min_must {
        Some(min) if coverage.must.percent() < min => {
            errln!(
                "error: {:.1}% of the observable MUST requirements are covered; --min-must asks for {min}%",
                coverage.must.percent()
            );
            Exit::NonCompliant
        }
        _ => Exit::Success,
    }
}

pub fn render(coverage: &Coverage, only_uncovered: bool, style: Style) -> String {
    let mut out = String::new();
    for section in &coverage.sections {
        let shown: Vec<_> = section
            .entries
            .iter()
            .filter(|e| !only_uncovered || (e.requirement.observable && e.cases.is_empty()))
            .collect();
        if shown.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}", style.bold(&section.name));
        for entry in shown {
            let r = &entry.requirement;
            let mark = if !r.observable {
                style.dim("  n/a    ")
            } else if entry.cases.is_empty() {
                if r.level == Level::Must { style.red("  missing") } else { style.yellow("  missing") }
            } else {
                style.green("  covered")
            };
            let _ = writeln!(out, "{mark} {:<6} {}  {}", r.level.as_str(), r.id, style.dim(&r.says));
            if !r.observable {
                let reason = r.reason.as_deref().unwrap_or("a client cannot observe it");
                let _ = writeln!(out, "            {}", style.dim(&format!("not observable: {reason}")));
            }
            if !entry.cases.is_empty() {
                let _ = writeln!(out, "            {}", style.dim(&format!("by {}", entry.cases.join(", "))));
            }
        }
        out.push('\n');
    }
    out.push_str("RFC 7643 and RFC 7644:\n");
    for (level, tally) in [("MUST", &coverage.must), ("SHOULD", &coverage.should), ("MAY", &coverage.may)] {
        let _ = writeln!(out, "  {}", tally_line(level, tally));
    }
    for idp in &coverage.idps {
        let _ = writeln!(out, "{} (--profile {}):", idp.profile.title(), idp.profile.name());
        let _ = writeln!(out, "  {}", tally_line("all", &idp.tally));
    }
    for catalogue in &coverage.catalogues {
        let _ = writeln!(out, "{} ({}*):", catalogue.name, catalogue.prefix);
        for (level, tally) in
            [("MUST", &catalogue.must), ("SHOULD", &catalogue.should), ("MAY", &catalogue.may)]
        {
            let _ = writeln!(out, "  {}", tally_line(level, tally));
        }
    }
    out
}

/// The client's side: every client requirement, with the audit case that
/// judges it or why no audit can see it.
pub fn render_client(client: &ClientCoverage, only_uncovered: bool, style: Style) -> String {
    let mut out = String::new();
    let shown: Vec<_> = client
        .entries
        .iter()
        .filter(|e| !only_uncovered || (e.requirement.unaudited.is_none() && e.case.is_none()))
        .collect();
    if !shown.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold("The client's side: what scimitar audit judges a SCIM client by")
        );
    }
    for entry in shown {
        let r = &entry.requirement;
        let mark = match (&r.unaudited, &entry.case) {
            (Some(_), _) => style.dim("  n/a    "),
            (None, Some(_)) => style.green("  audited"),
            (None, None) => style.red("  missing"),
        };
        let _ = writeln!(out, "{mark} {:<6} {}  {}", r.level.as_str(), r.id, style.dim(&r.says));
        match (&r.unaudited, &entry.case) {
            (Some(why), _) => {
                let _ = writeln!(out, "            {}", style.dim(&format!("not auditable: {why}")));
            }
            (None, Some(case)) => {
                let _ = writeln!(out, "            {}", style.dim(&format!("by {case}")));
            }
            (None, None) => {}
        }
    }
    let _ = writeln!(
        out,
        "\nThe client (scimitar audit):\n  all    {:>3} of {:>3} auditable requirements judged ({:.1}%); {} not auditable",
        client.covered,
        client.audited,
        if client.audited == 0 { 100.0 } else { 100.0 * client.covered as f64 / client.audited as f64 },
        client.unaudited
    );
    out
}

fn tally_line(level: &str, t: &Tally) -> String {
    format!(
        "{level:<6} {:>3} of {:>3} observable requirements covered ({:.1}%); {} not observable",
        t.covered,
        t.observable,
        t.percent(),
        t.not_observable
    )
}
