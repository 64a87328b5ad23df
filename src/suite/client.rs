//! Each identity provider's client, as the server sees it: the headers on
//! every request it sends. They are defined once, in `suites/clients.yaml`,
//! with the sources that show them; a case plays one with `client: okta`,
//! and the load test (`run --users`) sends the same.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// The file under the suites directory that defines the clients.
pub const CLIENTS_FILE: &str = "clients.yaml";

/// Headers as a case or client writes them: a value, or `null` for a header
/// the client does not send at all (Entra sends no User-Agent).
pub type Headers = IndexMap<String, Option<String>>;

/// One client: what goes on every request it sends. A Content-Type goes
/// only on requests with a body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub headers: Headers,
}

/// Every client defined, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Clients(pub IndexMap<String, Client>);

impl Clients {
    pub fn get(&self, name: &str) -> Option<&Client> {
        self.0.get(name)
    }

    pub fn names(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }

    /// The clients compiled into this binary, for what plays an identity
    /// provider outside a case (the load test).
    pub fn embedded() -> &'static Clients {
        static EMBEDDED: LazyLock<Clients> = LazyLock::new(|| {
            let text = super::EMBEDDED.iter().find(|(p, _)| *p == CLIENTS_FILE).map_or("{}", |(_, t)| t);
            // Checked by `cargo test` (the_bundled_clients_are_the_ones_the_suite_loads).
            super::parse_yaml(CLIENTS_FILE, text).expect("suites/clients.yaml is valid")
        });
        &EMBEDDED
    }
}

/// The headers a case sends: its client's, with the case's own over them
/// (a header of the same name, in any case, takes the client's place).
pub fn with_own(client: Option<&Client>, own: &Headers) -> Headers {
    let mut headers = client.map(|c| c.headers.clone()).unwrap_or_default();
    for (name, value) in own {
        match headers.keys().position(|n| n.eq_ignore_ascii_case(name)) {
            Some(i) => {
                if let Some((_, slot)) = headers.get_index_mut(i) {
                    slot.clone_from(value);
                }
            }
            None => {
                headers.insert(name.clone(), value.clone());
            }
        }
    }
    headers
}

/// Why a header as written cannot be sent: its name or value is not one
/// HTTP allows.
pub fn header_problem(name: &str, value: Option<&str>) -> Option<String> {
    if let Err(e) = reqwest::header::HeaderName::from_bytes(name.as_bytes()) {
        return Some(format!("header name {name:?}: {e}"));
    }
    match value.map(reqwest::header::HeaderValue::from_str) {
        Some(Err(e)) => Some(format!("header {name}: {e}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::Clients;
    use crate::runner::http::{Body, Outgoing};
    use crate::scim::quirks::Idp;
    use crate::suite::Suite;
    use crate::suite::case::RequestAuth;

    /// What every request of each identity provider's cases carries, as the
    /// harness builds it: the case's client headers under the step's own.
    fn idp_case_headers(suite: &Suite) -> String {
        let mut text = String::new();
        for case in suite.cases.iter().filter(|c| c.id().starts_with("idp::")) {
            let mut seen: Vec<String> = Vec::new();
            for step in case.doc.steps.iter().chain(&case.doc.cleanup) {
                let mut out = match (&step.value.request, &step.value.walk) {
                    (Some(r), _) => Outgoing {
                        method: r.method,
                        path: r.path.clone(),
                        query: Vec::new(),
                        headers: r.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                        body: (r.json.is_some() || r.body.is_some()).then(|| Body::Raw(String::new())),
                        auth: RequestAuth::Target,
                        without: Vec::new(),
                    },
                    (None, Some(w)) => Outgoing::get(w.path.clone()),
                    (None, None) => continue,
                };
                crate::runner::add_case_headers(case, &mut out);
                let mut parts: Vec<String> = out.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
                parts.extend(out.without.iter().map(|n| format!("{n} not sent")));
                let line = parts.join(" | ");
                if !seen.contains(&line) {
                    seen.push(line);
                }
            }
            text.push_str(case.id());
            text.push('\n');
            for line in seen {
                text.push_str(&format!("  [{line}]\n"));
            }
        }
        text
    }

    #[test]
    fn the_bundled_clients_are_the_ones_the_suite_loads() {
        let suite = Suite::embedded().unwrap();
        assert_eq!(Clients::embedded(), &suite.clients);
        for idp in Idp::ALL {
            assert!(suite.clients.get(idp.name()).is_some(), "no client for {idp:?}");
        }
    }

    /// Cases that send their own headers instead of their client's, each
    /// saying why in its file.
    const OWN_HEADERS: &[&str] = &["idp::okta::entitlements"];

    #[test]
    fn every_idp_case_plays_its_identity_providers_client() {
        let suite = Suite::embedded().unwrap();
        for case in suite.cases.iter().filter(|c| c.id().starts_with("idp::")) {
            let idp = case.id().split("::").nth(1).unwrap_or_default();
            let played = case.doc.client.as_ref().map(|c| c.value.as_str());
            if OWN_HEADERS.contains(&case.id()) {
                assert!(played.is_none() && !case.doc.headers.is_empty(), "{}", case.id());
            } else {
                assert_eq!(played, Some(idp), "{} plays its identity provider's client", case.id());
            }
        }
    }

    #[test]
    fn every_idp_case_sends_the_headers_in_the_snapshot() {
        let suite = Suite::embedded().unwrap();
        let actual = idp_case_headers(&suite);
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/idp-case-headers.txt");
        if std::env::var_os("SCIMITAR_BLESS").is_some() {
            std::fs::write(&path, &actual).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap();
        let diff = similar::TextDiff::from_lines(&expected, &actual);
        assert!(
            actual == expected,
            "the headers sent differ from {} (- before, + now; SCIMITAR_BLESS=1 accepts a deliberate change):\n{}",
            path.display(),
            diff.unified_diff().context_radius(1)
        );
    }
}
