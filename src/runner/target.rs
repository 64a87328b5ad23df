//! The target: where to send requests, with which credentials, and what the
//! vendor declares about it (from the command line, or a target file: see
//! `target_file`).

use crate::suite::capability::Capability;
use base64::Engine;
use std::collections::BTreeMap;

#[derive(Clone, PartialEq, Eq)]
pub enum TargetAuth {
    None,
    Bearer(String),
    Basic {
        user: String,
        password: String,
    },
    /// A custom header carrying a token, e.g. `X-API-Key: ...`.
    Header {
        name: String,
        value: String,
    },
}

/// Never the secret itself.
impl std::fmt::Debug for TargetAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetAuth::None => f.write_str("none"),
            TargetAuth::Bearer(_) => f.write_str("bearer ‹redacted›"),
            TargetAuth::Basic { user, .. } => {
                write!(f, "basic {} chars of user name, ‹redacted›", user.len())
            }
            TargetAuth::Header { name, .. } => write!(f, "header {name}: ‹redacted›"),
        }
    }
}

impl TargetAuth {
    pub fn apply(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            TargetAuth::None => rb,
            TargetAuth::Bearer(token) => rb.bearer_auth(token),
            TargetAuth::Basic { user, password } => rb.basic_auth(user, Some(password)),
            TargetAuth::Header { name, value } => rb.header(name.as_str(), value.as_str()),
        }
    }

    /// The header as a report shows it.
    pub fn recorded(&self) -> Option<(String, String)> {
        match self {
            TargetAuth::None => None,
            TargetAuth::Bearer(_) => Some(("Authorization".into(), "Bearer ‹redacted›".into())),
            TargetAuth::Basic { .. } => Some(("Authorization".into(), "Basic ‹redacted›".into())),
            TargetAuth::Header { name, .. } => Some((name.clone(), "‹redacted›".into())),
        }
    }

    /// `user:password` or `KEY` (an API key as user name, empty password).
    pub fn basic(credentials: &str) -> TargetAuth {
        let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
        TargetAuth::Basic { user: user.to_string(), password: password.to_string() }
    }

    /// `Name: value`.
    pub fn header(text: &str) -> Result<TargetAuth, TargetError> {
        // The text is a credential: no part of it goes into the message.
        let (name, value) = text.split_once(':').ok_or(TargetError::HeaderShape)?;
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() || value.is_empty() {
            return Err(TargetError::HeaderShape);
        }
        TargetAuth::named_header(name, value)
    }

    /// A credential header HTTP can carry: a token name, and a value without
    /// line breaks or other control characters.
    pub fn named_header(name: &str, value: &str) -> Result<TargetAuth, TargetError> {
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(TargetError::HeaderName { name: name.to_string() });
        }
        if reqwest::header::HeaderValue::from_str(value).is_err() {
            return Err(TargetError::HeaderValue { name: name.to_string() });
        }
        Ok(TargetAuth::Header { name: name.to_string(), value: value.to_string() })
    }
}

/// Why a base URL or a credential header from the command line or a target
/// file cannot be used. Never quotes a header: it is a credential.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(
        "{url:?} has no scheme: write http://{bare} or https://{bare} (the server's base URL, path prefix included)"
    )]
    NoScheme { url: String, bare: String },
    #[error("{url:?}: a SCIM server is reached over http or https, not {scheme}: write https://{rest}")]
    OtherScheme { url: String, scheme: String, rest: String },
    #[error("{url:?} is not a URL: {reason}")]
    NotUrl { url: String, reason: String },
    #[error("{url:?} names no host")]
    NoHost { url: String },
    #[error("a credential header must look like 'Name: value', with both a name and a value")]
    HeaderShape,
    #[error("{name:?} cannot be an HTTP header name")]
    HeaderName { name: String },
    #[error("the value of the {name} header has a character HTTP cannot carry (a line break, say)")]
    HeaderValue { name: String },
}

/// A base URL from the command line or a target file, or what to write
/// instead: scimitar talks to SCIM servers over http and https only.
pub fn parse_base_url(url: &str) -> Result<reqwest::Url, TargetError> {
    let trimmed = url.trim();
    // The URL goes into the message; credentials in it must not.
    let url = &shown(trimmed);
    let Some((scheme, rest)) = url.split_once("://") else {
        let bare = url.trim_start_matches('/').to_string();
        return Err(TargetError::NoScheme { url: url.to_string(), bare });
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(TargetError::OtherScheme {
            url: url.to_string(),
            scheme: scheme.to_string(),
            rest: rest.to_string(),
        });
    }
    let parsed = reqwest::Url::parse(trimmed)
        .map_err(|e| TargetError::NotUrl { url: url.to_string(), reason: e.to_string() })?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(TargetError::NoHost { url: url.to_string() });
    }
    Ok(parsed)
}

/// `url` as an error message may quote it: without a user and password
/// before the host, or a query (tokens travel there too).
fn shown(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or(url);
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}‹redacted›@{host}{path}"),
        None => url.to_string(),
    }
}

/// What DELETE does to a resource type (vendors differ; see the vendor docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeleteSemantics {
    #[default]
    Deletes,
    /// DELETE only deactivates: the resource is still served with `active: false`.
    Deactivates,
}

/// Limits the vendor declares for the whole target: the run stays within them.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Limits {
    /// Requests per second the target accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// The largest page (`count`) the target serves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_page_size: Option<u32>,
}

/// What the vendor declares about one resource type.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ResourceDeclaration {
    pub delete: DeleteSemantics,
    /// Most member values one PATCH may carry (a vendor documents 200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_members_per_patch: Option<u32>,
    /// Where a target file declares it (`acme.toml:12`), for errors found
    /// only once discovery shows what the target serves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Target {
    pub base_url: String,
    pub auth: TargetAuth,
    /// Headers sent with every request, e.g. a tenant selector.
    pub headers: Vec<(String, String)>,
    pub assume: Vec<Capability>,
    pub deny: Vec<Capability>,
    pub limits: Limits,
    /// Declarations per resource type, by its name (`User`, `Group`).
    pub resources: BTreeMap<String, ResourceDeclaration>,
    /// Run-level variables for templating (`{{name}}`).
    pub vars: BTreeMap<String, String>,
}

impl Target {
    pub fn new(base_url: impl Into<String>, auth: TargetAuth) -> Target {
        Target {
            base_url: base_url.into(),
            auth,
            headers: Vec::new(),
            assume: Vec::new(),
            deny: Vec::new(),
            limits: Limits::default(),
            resources: BTreeMap::new(),
            vars: BTreeMap::new(),
        }
    }

    /// The declaration for a resource type, if the target file makes one.
    pub fn resource(&self, name: &str) -> Option<&ResourceDeclaration> {
        self.resources.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, d)| d)
    }

    /// Everything that must never appear in a report.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets: Vec<String> = self.headers.iter().map(|(_, v)| v.clone()).collect();
        match &self.auth {
            TargetAuth::None => {}
            TargetAuth::Bearer(t) => secrets.push(t.clone()),
            TargetAuth::Basic { user, password } => {
                let pair = format!("{user}:{password}");
                secrets.push(base64::engine::general_purpose::STANDARD.encode(&pair));
                secrets.push(pair);
                secrets.push(password.clone());
                // An API key used as the user name is the secret itself.
                if password.is_empty() {
                    secrets.push(user.clone());
                }
            }
            TargetAuth::Header { value, .. } => {
                secrets.push(value.clone());
                // `Authorization: Bearer X`: a server may echo X alone.
                if let Some((_, credential)) = value.split_once(' ') {
                    secrets.push(credential.trim().to_string());
                }
            }
        }
        secrets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_without_a_scheme_or_with_another_says_what_to_write() {
        let e = parse_base_url("127.0.0.1:8080/scim/v2").unwrap_err().to_string();
        assert!(e.contains("write http://127.0.0.1:8080/scim/v2 or https://127.0.0.1:8080/scim/v2"), "{e}");
        let e = parse_base_url("localhost:8080/scim/v2").unwrap_err().to_string();
        assert!(e.contains("has no scheme"), "{e}");
        let e = parse_base_url("ftp://example.com/scim").unwrap_err().to_string();
        assert!(e.contains("not ftp: write https://example.com/scim"), "{e}");
        assert!(parse_base_url("http://").is_err());
        let e = parse_base_url("https://user:s3cret@ex ample.com/scim?token=t0ken").unwrap_err().to_string();
        assert!(
            !e.contains("s3cret") && !e.contains("t0ken") && e.contains("‹redacted›@ex ample.com/scim"),
            "{e}"
        );
        let e = parse_base_url("user:s3cret@example.com/scim").unwrap_err().to_string();
        assert!(!e.contains("s3cret"), "{e}");
        assert!(parse_base_url("https://[::1").is_err());
        assert_eq!(parse_base_url("HTTPS://example.com/scim/v2").unwrap().scheme(), "https");
    }

    #[test]
    fn basic_and_header_credentials_parse_and_are_secret() {
        assert_eq!(
            TargetAuth::basic("KEY"),
            TargetAuth::Basic { user: "KEY".into(), password: String::new() }
        );
        let t = Target::new("http://x", TargetAuth::basic("api-key-123"));
        assert!(t.secrets().contains(&"api-key-123".to_string()));
        assert!(TargetAuth::header("X-API-Key: abc").is_ok());
        assert!(TargetAuth::header("no colon here").is_err());
        let e = TargetAuth::header("X-Key: a\nInjected: b").unwrap_err().to_string();
        assert!(e.contains("X-Key") && !e.contains("Injected"), "{e}");
        assert!(TargetAuth::header("Bad Name: v").is_err());
    }
}
