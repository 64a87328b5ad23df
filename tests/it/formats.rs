//! One run, rendered in every format: every format tells the same counts.

use scimitar::faults::{Fault, FaultSet};
use scimitar::server::variant::{Variant, VariantSet};
use scimitar::server::{Auth, ReferenceServer, ServerConfig};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

/// The verdicts as the JSON summary names their counts, with their
/// `as_str` (HTML ids, Markdown columns) and titles (the summary line).
const VERDICTS: [(&str, &str, &str); 9] = [
    ("passed", "pass", "passed"),
    ("failed", "fail", "failed"),
    ("errors", "error", "could not run"),
    ("blocked", "blocked", "blocked"),
    ("warned", "warn", "warned"),
    ("declared", "declared", "declared"),
    ("waived", "waived", "waived"),
    ("noted", "note", "noted"),
    ("not_applicable", "not-applicable", "not applicable"),
];

/// `N title` out of a summary line such as `3 passed, 1 failed, 2 warned`.
fn from_line(line: &str, title: &str) -> usize {
    line.split(", ")
        .find_map(|part| part.strip_suffix(title).and_then(|n| n.split_whitespace().last()?.parse().ok()))
        .unwrap_or(0)
}

#[test]
fn every_report_format_tells_the_same_counts() {
    let server = ReferenceServer::start(
        ServerConfig::new(Auth::bearer("formats-token"))
            .with_faults(FaultSet::of(&[
                Fault::DeleteDeactivates,
                Fault::CountIgnored,
                Fault::UserGroupsMissing,
                Fault::ErrorNoScimType,
            ]))
            .with_variants(VariantSet::of(&[Variant::NoBulk])),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("target.toml"),
        format!(
            "url = \"{}\"\n[auth]\nbearer_env = \"FORMATS_TOKEN\"\n[resources.User]\ndelete = \"deactivates\"\n",
            server.base_url()
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("waivers.yaml"),
        "- id: rfc7644::pagination::count_zero\n  reason: fixed in the next release\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .current_dir(d)
        .args(["run", "--target", "target.toml", "--waivers", "waivers.yaml"])
        .args(["--json", "r.json", "--junit", "r.xml", "--html", "r.html", "--markdown", "r.md"])
        .args(["rfc7644::crud", "rfc7644::pagination", "rfc7644::bulk", "rfc7643::groups::user_groups"])
        .args(["rfc7644::filter::invalid_filter"])
        .env("FORMATS_TOKEN", "formats-token")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let terminal = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{terminal}{}", String::from_utf8_lossy(&out.stderr));
    let read = |name: &str| std::fs::read_to_string(d.join(name)).unwrap();
    let json: Value = serde_json::from_str(&read("r.json")).unwrap();
    let summary = &json["summary"];
    let expected: BTreeMap<&str, usize> =
        VERDICTS.iter().map(|(key, _, _)| (*key, summary[key].as_u64().unwrap() as usize)).collect();
    // A run that shows every verdict this setup can give, or the comparison proves little.
    for key in ["passed", "failed", "warned", "declared", "waived", "noted", "not_applicable"] {
        assert!(expected[key] > 0, "no {key} case in this run: {summary}");
    }
    let total = summary["total"].as_u64().unwrap() as usize;
    assert_eq!(expected.values().sum::<usize>(), total);
    let by_case: BTreeMap<&str, usize> = VERDICTS
        .iter()
        .map(|(key, id, _)| {
            (*key, json["cases"].as_array().unwrap().iter().filter(|c| c["verdict"] == *id).count())
        })
        .collect();
    assert_eq!(by_case, expected, "the JSON summary counts its own cases");

    // The terminal's last line (counts, then the verdict) and the Markdown summary line.
    let last = terminal.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    let (last, verdict) = last.split_once(": ").expect("the last line ends with the run's verdict");
    let markdown = read("r.md");
    // One verdict: the terminal's, the Markdown and HTML headlines, and exit 1.
    assert_eq!(verdict, "not compliant", "terminal");
    assert!(markdown.contains("## scimitar: not compliant\n"), "markdown: {markdown}");
    assert!(read("r.html").contains("class=\"verdict fail\">not compliant</p>"), "html");
    let md_line = markdown.lines().find(|l| l.contains(" findings: ") && l.contains(" passed")).unwrap();
    for (key, _, title) in VERDICTS {
        assert_eq!(from_line(last, title), expected[key], "terminal, {key}: {last}");
        assert_eq!(from_line(md_line, title), expected[key], "markdown, {key}: {md_line}");
    }

    // HTML: the number shown for each verdict.
    let html = read("r.html");
    for (key, id, _) in VERDICTS {
        let shown = html
            .split(&format!("id=\"n-{id}\"><b>"))
            .nth(1)
            .map(|rest| rest.split('<').next().unwrap().parse::<usize>().unwrap())
            .unwrap_or(0);
        assert_eq!(shown, expected[key], "html, {key}");
    }

    // JUnit: one test case each; only fail is a failure, only error an error;
    // not applicable, waived and declared are skipped; the rest pass.
    let junit = read("r.xml");
    assert_eq!(junit.matches("<testcase ").count(), total);
    assert_eq!(junit.matches("<failure").count(), expected["failed"], "junit failures");
    assert_eq!(junit.matches("<error").count(), expected["errors"], "junit errors");
    assert_eq!(
        junit.matches("<skipped").count(),
        expected["not_applicable"] + expected["waived"] + expected["declared"],
        "junit skipped"
    );
}
