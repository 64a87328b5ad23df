//! Capabilities from the target's discovery endpoints (RFC 7644 §4), then the
//! vendor's declarations, then `--assume` / `--deny`. Each decision is noted
//! so a skipped case can say exactly why it was skipped.

use super::http::{Http, Outgoing};
use super::outcome::{ErrorKind, HarnessError};
use super::target::{DeleteSemantics, Target, TargetAuth};
use crate::scim::schema::ENTERPRISE_USER;
use crate::suite::capability::Capability;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    /// Each capability with whether the target has it and why we think so.
    pub decided: BTreeMap<Capability, (bool, String)>,
}

impl Capabilities {
    pub fn has(&self, c: Capability) -> bool {
        self.decided.get(&c).is_some_and(|(has, _)| *has)
    }

    pub fn reason(&self, c: Capability) -> &str {
        self.decided.get(&c).map_or("not determined", |(_, why)| why.as_str())
    }

    pub fn present(&self) -> Vec<Capability> {
        self.decided.iter().filter(|(_, (has, _))| *has).map(|(c, _)| *c).collect()
    }

    pub fn notes(&self) -> Vec<String> {
        self.decided
            .iter()
            .map(|(c, (has, why))| format!("{c}: {} ({why})", if *has { "yes" } else { "no" }))
            .collect()
    }

    fn set(&mut self, c: Capability, has: bool, why: impl Into<String>) {
        self.decided.insert(c, (has, why.into()));
    }

    /// Applies the vendor's declarations and the command line, which win over discovery.
    pub fn with_overrides(
        mut self,
        target: &Target,
        assume: &[Capability],
        deny: &[Capability],
    ) -> Capabilities {
        let has_credentials = target.auth != TargetAuth::None;
        self.set(
            Capability::Authentication,
            has_credentials,
            if has_credentials { "the run has credentials" } else { "the run has no credentials" },
        );
        if target.limits.delete == DeleteSemantics::Deactivates {
            self.set(Capability::HardDelete, false, "the target file says DELETE deactivates");
        }
        for c in &target.assume {
            self.set(*c, true, "assumed in the target file");
        }
        for c in &target.deny {
            self.set(*c, false, "denied in the target file");
        }
        for c in assume {
            self.set(*c, true, format!("--assume {c}"));
        }
        for c in deny {
            self.set(*c, false, format!("--deny {c}"));
        }
        let named = |c: Capability| {
            target.assume.contains(&c) || target.deny.contains(&c) || assume.contains(&c) || deny.contains(&c)
        };
        if !self.has(Capability::Search) && !named(Capability::RootSearch) {
            self.set(Capability::RootSearch, false, "follows search, which is absent");
        }
        self
    }
}

/// Reads `/ServiceProviderConfig` and `/ResourceTypes` and decides every
/// capability. A target that refuses the run's own credentials ends the run
/// here: every case would fail for a reason that is not the server's fault.
pub async fn discover(http: &Http) -> Result<Capabilities, HarnessError> {
    let mut caps = Capabilities::default();
    let spc = fetch(http, "/ServiceProviderConfig").await;
    let features = [
        (Capability::Patch, "patch"),
        (Capability::Bulk, "bulk"),
        (Capability::Filter, "filter"),
        (Capability::Sort, "sort"),
        (Capability::Etag, "etag"),
        (Capability::ChangePassword, "changePassword"),
    ];
    for (c, key) in features {
        match &spc {
            Ok(doc) => {
                let supported =
                    get_ci(doc, key).and_then(|f| get_ci(f, "supported")).and_then(Value::as_bool);
                match supported {
                    Some(s) => caps.set(c, s, format!("ServiceProviderConfig {key}.supported is {s}")),
                    None => caps.set(c, false, format!("ServiceProviderConfig has no {key}.supported")),
                }
            }
            Err(why) => caps.set(c, false, format!("/ServiceProviderConfig unavailable: {why}")),
        }
    }
    if let Err(Fetch::Unreachable(e)) = &spc {
        return Err(HarnessError::new(e.kind, format!("cannot reach the target: {}", e.message)));
    }
    if let Err(Fetch::Refused(status)) = &spc {
        return Err(HarnessError::new(
            ErrorKind::Credentials,
            format!(
                "the target answered {status} to GET /ServiceProviderConfig with the run's credentials; check --token, --basic or --header"
            ),
        ));
    }
    let (filter, why) = (caps.has(Capability::Filter), caps.reason(Capability::Filter).to_string());
    caps.set(Capability::Search, filter, format!("follows filter: {why}"));
    caps.set(Capability::RootSearch, filter, format!("follows search: {why}"));
    match fetch(http, "/ResourceTypes").await {
        // ServiceProviderConfig may be public (RFC 7643 §5), so this is where a
        // bad credential shows.
        Err(Fetch::Refused(status)) => {
            return Err(HarnessError::new(
                ErrorKind::Credentials,
                format!(
                    "the target answered {status} to GET /ResourceTypes with the run's credentials; check --token, --basic or --header"
                ),
            ));
        }
        Ok(doc) => {
            let types: Vec<&Value> = match &doc {
                Value::Array(items) => items.iter().collect(),
                other => get_ci(other, "Resources")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().collect())
                    .unwrap_or_default(),
            };
            let find = |name: &str, endpoint: &str| {
                types.iter().copied().find(|t| {
                    get_ci(t, "name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case(name))
                        || get_ci(t, "endpoint")
                            .and_then(Value::as_str)
                            .is_some_and(|e| e.trim_end_matches('/') == endpoint)
                })
            };
            let user = find("User", "/Users");
            caps.set(Capability::Users, user.is_some(), describe(user.is_some(), "a User resource type"));
            let group = find("Group", "/Groups");
            caps.set(Capability::Groups, group.is_some(), describe(group.is_some(), "a Group resource type"));
            let enterprise = user
                .and_then(|u| get_ci(u, "schemaExtensions"))
                .and_then(Value::as_array)
                .is_some_and(|exts| {
                    exts.iter().any(|e| {
                        get_ci(e, "schema")
                            .and_then(Value::as_str)
                            .is_some_and(|s| s.eq_ignore_ascii_case(ENTERPRISE_USER))
                    })
                });
            caps.set(
                Capability::EnterpriseUser,
                enterprise,
                describe(enterprise, "the enterprise extension on User"),
            );
        }
        Err(why) => {
            // Every SCIM server of interest serves users; groups are common. Say so.
            let note = format!("/ResourceTypes unavailable ({why}); assumed");
            caps.set(Capability::Users, true, note.clone());
            caps.set(Capability::Groups, true, note);
            caps.set(Capability::EnterpriseUser, false, format!("/ResourceTypes unavailable ({why})"));
        }
    }
    caps.set(Capability::HardDelete, true, "DELETE deletes, unless the target file says it deactivates");
    Ok(caps)
}

fn describe(found: bool, what: &str) -> String {
    format!("/ResourceTypes {} {what}", if found { "lists" } else { "does not list" })
}

enum Fetch {
    /// No HTTP answer at all: network, TLS, timeout.
    Unreachable(HarnessError),
    /// 401 or 403: the credentials, not the endpoint.
    Refused(u16),
    Failed(String),
}

impl std::fmt::Display for Fetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fetch::Unreachable(e) => f.write_str(&e.message),
            Fetch::Refused(status) => write!(f, "HTTP {status}"),
            Fetch::Failed(why) => f.write_str(why),
        }
    }
}

async fn fetch(http: &Http, path: &str) -> Result<Value, Fetch> {
    let (_, result) = http.send(0, &Outgoing::get(path)).await;
    let incoming = result.map_err(Fetch::Unreachable)?;
    match incoming.status {
        200 => incoming.json().map_err(Fetch::Failed),
        401 | 403 => Err(Fetch::Refused(incoming.status)),
        other => Err(Fetch::Failed(format!("HTTP {other}"))),
    }
}

fn get_ci<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let obj = v.as_object()?;
    crate::scim::message::get(obj, key)
}
