//! The audit as a run report: one case per audited requirement, so every
//! renderer of `scimitar run` shows it unchanged, and the gate decides every
//! verdict as it does for a run.

use super::AuditConfig;
use super::declared;
use super::rules::{self, Rule};
use super::tally::{SHOWN, Tallies, Tally};
use crate::gate::Gate;
use crate::report::run::{REPORT_FORMAT, RunReport, Summary, TargetInfo};
use crate::runner::check::{Check, Span};
use crate::runner::discover::Capabilities;
use crate::runner::model::{Config, Document, TargetModel};
use crate::runner::outcome::{CaseReport, Disposition, Finding, Outcome};
use crate::server::ServerConfig;
use crate::server::variant::Variant;
use crate::suite::requirement::catalogued;
use std::collections::HashMap;
use std::time::Duration;

pub struct Meta<'a> {
    pub config: &'a AuditConfig,
    pub server: &'a ServerConfig,
    pub url: &'a str,
    pub in_process: bool,
    pub started_at: &'a str,
    pub duration: Duration,
    pub requests: u64,
}

pub fn build(tallies: &Tallies, meta: &Meta, gate: &Gate) -> RunReport {
    let mut cases: Vec<CaseReport> = rules::RULES
        .iter()
        .filter(|r| r.like.is_none_or(|p| meta.config.like.contains(&p)))
        .map(|rule| case(rule, tallies.by_rule.get(rule.requirement), tallies))
        .collect();
    let gate = Gate { declarations: declared::declarations(&tallies.declared), ..gate.clone() };
    let judgement = gate.judge(&mut cases, crate::gate::waiver::today());
    let mut summary = Summary::of(&cases);
    summary.requests = meta.requests;
    RunReport {
        format: REPORT_FORMAT,
        scimitar: env!("CARGO_PKG_VERSION").to_string(),
        run_id: format!(
            "audit-{}",
            meta.started_at.replace([':', '-'], "").replace('T', "-").trim_end_matches('Z')
        ),
        started_at: meta.started_at.to_string(),
        duration_ms: meta.duration.as_secs_f64() * 1000.0,
        target: target(meta),
        profiles: meta.config.like.clone(),
        fail_on: gate.fail_on,
        fail_on_declared: gate.fail_on_declared,
        summary,
        waivers: judgement.waivers,
        // What --compat accepts is no target file's declaration: each such
        // finding says itself what accepted it.
        declarations: Vec::new(),
        baseline: judgement.baseline,
        left_behind: Vec::new(),
        pace: None,
        cases,
    }
}

fn case(rule: &Rule, tally: Option<&Tally>, tallies: &Tallies) -> CaseReport {
    let requirement = catalogued(rule.requirement);
    let area = rule.case.split("::").next().unwrap_or("audit");
    let mut tags = vec!["client".to_string(), area.to_string()];
    if let Some(p) = rule.like {
        tags.push(p.name().to_string());
    }
    let mut exchanges = Vec::new();
    let mut index: HashMap<usize, usize> = HashMap::new();
    let mut keep = |i: usize, exchanges: &mut Vec<crate::runner::outcome::Exchange>| -> usize {
        *index.entry(i).or_insert_with(|| {
            exchanges.push(tallies.exchanges[i].clone());
            exchanges.len() - 1
        })
    };
    let outcome = match tally {
        None => Outcome::NotApplicable { reason: rule.never.to_string() },
        Some(t) if t.occasions == 0 => Outcome::NotApplicable { reason: rule.never.to_string() },
        Some(t) if t.found.is_empty() => {
            if let Some(i) = t.evidence {
                keep(i, &mut exchanges);
            }
            Outcome::Pass
        }
        Some(t) => {
            let last = t.found.len() - 1;
            let findings = t
                .found
                .iter()
                .enumerate()
                .map(|(n, f)| {
                    let mut actual = f.actual.clone();
                    if n == last && t.more > 0 {
                        actual.push_str(&format!(
                            "\n(and {} more like this; the first {SHOWN} are shown)",
                            t.more
                        ));
                    }
                    Finding {
                        step: usize::try_from(f.seq).unwrap_or(usize::MAX),
                        step_name: Some(f.line.clone()),
                        requirement: f.requirement.clone(),
                        disposition: Disposition::Unjudged,
                        impact: None,
                        check: Check::ClientRule(f.check.clone()),
                        expected: f.expected.clone(),
                        actual,
                        location: Span::AuditRule(rule.case.to_string()),
                        exchange: Some(keep(f.exchange, &mut exchanges)),
                    }
                })
                .collect();
            Outcome::Fail { findings }
        }
    };
    CaseReport {
        id: format!("audit::{}", rule.case),
        title: requirement.says.clone(),
        file: "audit".into(),
        requirements: vec![requirement],
        tags,
        outcome,
        verdict: None,
        duration_ms: 0.0,
        exchanges,
    }
}

/// The server the client talked to, as a run report describes its target.
fn target(meta: &Meta) -> TargetInfo {
    let server = meta.server;
    let has = |v: Variant| server.variants.has(v);
    let document = |missing: bool| {
        if missing { Document::Missing("not served by this variant".into()) } else { Document::Served }
    };
    let model = TargetModel {
        config: Config {
            patch: !has(Variant::NoPatch),
            bulk: !has(Variant::NoBulk),
            bulk_max_operations: Some(server.limits.bulk_max_operations as u64),
            bulk_max_payload_size: Some(server.limits.max_body_bytes as u64),
            filter: !has(Variant::NoFilter),
            max_results: Some(server.limits.max_results as u64),
            sort: !has(Variant::NoSort),
            etag: !has(Variant::NoEtag),
            change_password: !has(Variant::NoChangePassword),
            cursor: !has(Variant::NoCursor),
        },
        service_provider_config: Document::Served,
        resource_types_document: document(has(Variant::NoResourceTypes)),
        schemas_document: document(has(Variant::NoSchemas)),
        registry: crate::server::shaped::served(server).clone(),
        notes: Vec::new(),
        probes: Vec::new(),
        scope: Default::default(),
    };
    let capabilities = Capabilities::of(&model);
    let mut highlights = vec![format!(
        "the client's requests are judged against what RFC 7643 and RFC 7644 ask of a client{}",
        match meta.config.like.as_slice() {
            [] => String::new(),
            like => format!(
                ", and compared with {}",
                like.iter().map(|p| p.title()).collect::<Vec<_>>().join(" and ")
            ),
        }
    )];
    let scenarios: Vec<String> = meta.config.scenarios.iter().map(|s| s.spelled()).collect();
    highlights.push(if scenarios.is_empty() {
        "scenarios: none (the server behaves as scimitar serve)".into()
    } else {
        format!("scenarios: {}", scenarios.join(", "))
    });
    if !server.leniency.is_strict() {
        let idps: Vec<&str> = server.leniency.idps().iter().map(|i| i.name()).collect();
        highlights.push(format!(
            "--compat {}: what those IdPs send is accepted and reported as declared",
            idps.join(",")
        ));
    }
    highlights.extend(model.highlights());
    TargetInfo {
        url: meta.url.to_string(),
        in_process: meta.in_process,
        capabilities: capabilities.present(),
        capability_notes: capabilities.notes(),
        model: model.summary(),
        highlights,
        declared: None,
    }
}
