//! Authentication (RFC 7644 §2): bearer tokens, or an API key as HTTP Basic user.

use super::http::error_response;
use super::{Auth, Shared};
use crate::faults::Fault;
use crate::scim::error::ScimError;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::sync::Arc;

/// Lets a request through if its credentials are valid, else answers 401.
pub async fn require(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Auth::Credentials { bearer, basic } = &shared.config.auth else {
        return next.run(request).await;
    };
    let faults = shared.config.faults;
    let presented = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    // "the service provider SHOULD ... make the authenticationSchemes attribute
    // publicly accessible without prior authentication" (RFC 7643 §5). Only an
    // anonymous GET gets in: wrong credentials are still refused, so a client
    // learns that its token is bad.
    let anonymous_discovery = presented.is_none()
        && request.method() == axum::http::Method::GET
        && request.uri().path().trim_end_matches('/').ends_with("/ServiceProviderConfig")
        && !faults.has(Fault::SpcRequiresAuth);
    if anonymous_discovery {
        return next.run(request).await;
    }
    let verdict = match presented {
        None => Err("the request has no Authorization header"),
        Some(value) => check(value, bearer, basic),
    };
    // The `cursor-bypasses-auth` fault: a cursor taken as proof of access.
    let carries_cursor = request
        .uri()
        .query()
        .is_some_and(|q| form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "cursor" && !v.is_empty()));
    match verdict {
        Ok(()) => next.run(request).await,
        Err(_) if faults.has(Fault::AuthNotEnforced) => next.run(request).await,
        Err(_) if carries_cursor && faults.has(Fault::CursorBypassesAuth) => next.run(request).await,
        Err(why) => {
            let accepted = match (bearer.is_empty(), basic.is_empty()) {
                (false, false) => "Authorization: Bearer <token> or Basic <api key as user name>",
                (false, true) => "Authorization: Bearer <token>",
                _ => "Authorization: Basic <api key as user name, empty password>",
            };
            let mut response =
                error_response(faults, &ScimError::new(401, None, format!("{why}; send {accepted}")));
            if !faults.has(Fault::NoWwwAuthenticate) {
                let mut challenges = Vec::new();
                if !bearer.is_empty() {
                    challenges.push("Bearer realm=\"scimitar\"");
                }
                if !basic.is_empty() {
                    challenges.push("Basic realm=\"scimitar\"");
                }
                for c in challenges {
                    response.headers_mut().append(header::WWW_AUTHENTICATE, HeaderValue::from_static(c));
                }
            }
            response
        }
    }
}

/// Checks one Authorization header value. The reason never repeats the secret.
fn check(value: &str, bearer: &[String], basic: &[String]) -> Result<(), &'static str> {
    let (scheme, credentials) =
        value.trim().split_once(' ').ok_or("the Authorization header has no scheme")?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("Bearer") {
        if bearer.is_empty() {
            return Err("bearer tokens are not accepted here");
        }
        return if bearer.iter().any(|t| constant_time_eq(t.as_bytes(), credentials.as_bytes())) {
            Ok(())
        } else {
            Err("the bearer token is not valid")
        };
    }
    if scheme.eq_ignore_ascii_case("Basic") {
        if basic.is_empty() {
            return Err("HTTP Basic is not accepted here");
        }
        let decoded = STANDARD.decode(credentials).map_err(|_| "the Basic credentials are not base64")?;
        let decoded = String::from_utf8(decoded).map_err(|_| "the Basic credentials are not UTF-8")?;
        // Vendors that use an API key as the Basic user name send "key:" (empty password).
        let (user, password) = decoded.split_once(':').unwrap_or((&decoded, ""));
        return if password.is_empty() && basic.iter().any(|k| constant_time_eq(k.as_bytes(), user.as_bytes()))
        {
            Ok(())
        } else {
            Err("the Basic credentials are not valid")
        };
    }
    Err("the Authorization scheme is not Bearer or Basic")
}

/// Compares secrets without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Vec<String> {
        vec!["old-token".into(), "new-token".into()]
    }

    #[test]
    fn any_current_bearer_token_is_accepted() {
        assert!(check("Bearer old-token", &tokens(), &[]).is_ok());
        assert!(check("bearer   new-token ", &tokens(), &[]).is_ok());
        assert!(check("Bearer other", &tokens(), &[]).is_err());
        assert!(check("Bearer old-toke", &tokens(), &[]).is_err());
        assert!(check("Token old-token", &tokens(), &[]).is_err());
        assert!(check("Bearer", &tokens(), &[]).is_err());
    }

    #[test]
    fn basic_takes_the_key_as_user_with_an_empty_password() {
        let keys = vec!["api-key".to_string()];
        let encode = |s: &str| format!("Basic {}", STANDARD.encode(s));
        assert!(check(&encode("api-key:"), &[], &keys).is_ok());
        assert!(check(&encode("api-key"), &[], &keys).is_ok());
        assert!(check(&encode("api-key:pw"), &[], &keys).is_err());
        assert!(check(&encode("other:"), &[], &keys).is_err());
        assert!(check("Basic !!!", &[], &keys).is_err());
        assert!(check("Bearer api-key", &[], &keys).is_err());
    }

    #[test]
    fn reasons_never_echo_the_secret() {
        let reason = check("Bearer s3cr3t-value", &tokens(), &[]).unwrap_err();
        assert!(!reason.contains("s3cr3t"));
    }
}
