//! Each identity provider's client, as the server sees it: the headers on
//! every request its cases send.

use indexmap::IndexMap;

/// Headers as a case writes them: a value, or `null` for a header the
/// client does not send at all (Entra sends no User-Agent).
pub type Headers = IndexMap<String, Option<String>>;

#[cfg(test)]
mod tests {
    use crate::runner::http::{Body, Outgoing};
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
    fn every_idp_case_sends_the_headers_in_the_snapshot() {
        let suite = Suite::embedded().unwrap();
        let actual = idp_case_headers(&suite);
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/idp-case-headers.txt");
        if std::env::var_os("SCIMITAR_BLESS").is_some() {
            std::fs::write(&path, &actual).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap();
        assert_eq!(actual, expected);
    }
}
