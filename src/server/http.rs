//! Request and response plumbing shared by every handler.
//!
//! The extractor never rejects: a body that is too large, badly typed or not
//! JSON becomes a [`ScimError`] the handler returns, so every error, these
//! included, leaves through [`respond`] in the SCIM envelope.

use super::TenantCtx;
use crate::faults::{Fault, FaultSet};
use crate::scim::error::ScimError;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::convert::Infallible;

pub const SCIM_JSON: &str = "application/scim+json";

/// What a handler needs of a request: headers, query parameters, the body.
pub struct ScimRequest {
    pub headers: HeaderMap,
    query: Vec<(String, String)>,
    body: Result<Bytes, ScimError>,
    /// Bodies longer than this are refused with 413.
    limit: usize,
}

impl FromRequest<TenantCtx> for ScimRequest {
    type Rejection = Infallible;

    async fn from_request(req: Request, ctx: &TenantCtx) -> Result<Self, Infallible> {
        let (parts, body) = req.into_parts();
        let query = parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let limit = ctx.limits().max_body_bytes;
        let body = axum::body::to_bytes(body, limit).await.map_err(|_| too_large(limit));
        Ok(ScimRequest { headers: parts.headers, query, body, limit })
    }
}

impl ScimRequest {
    /// The first value of a query parameter (names are case-sensitive, as the RFC writes them).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        self.query.iter().map(|(k, _)| k.as_str())
    }

    pub fn header(&self, name: &HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON, after checking it is there and typed as SCIM or JSON
    /// (RFC 7644 §3.8: application/scim+json, and application/json SHOULD be accepted).
    pub fn json(&self, faults: FaultSet) -> Result<Value, ScimError> {
        let bytes = self.body.as_ref().map_err(Clone::clone)?;
        if bytes.len() > self.limit {
            return Err(too_large(self.limit));
        }
        match self.header(&header::CONTENT_TYPE) {
            None => {
                return Err(ScimError::new(
                    415,
                    None,
                    format!("the request has a body but no Content-Type; send Content-Type: {SCIM_JSON}"),
                ));
            }
            Some(ct) if faults.has(Fault::StrictContentType) && ct != SCIM_JSON => {
                return Err(ScimError::new(415, None, format!("Content-Type must be exactly {SCIM_JSON}")));
            }
            Some(ct) => {
                let essence = ct.split(';').next().unwrap_or("").trim();
                if !essence.eq_ignore_ascii_case(SCIM_JSON)
                    && !essence.eq_ignore_ascii_case("application/json")
                {
                    return Err(ScimError::new(
                        415,
                        None,
                        format!("Content-Type \"{ct}\" is not {SCIM_JSON} or application/json"),
                    ));
                }
            }
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ScimError::invalid_syntax("the request body is empty; a JSON object was expected"));
        }
        serde_json::from_slice(bytes).map_err(|e| {
            if faults.has(Fault::MalformedJson500) {
                ScimError::new(500, None, "internal error")
            } else {
                ScimError::invalid_syntax(format!("the request body is not valid JSON: {e}"))
            }
        })
    }
}

fn too_large(limit: usize) -> ScimError {
    ScimError::new(413, None, format!("the request body is larger than {limit} bytes"))
}

/// A successful answer: status, headers, optional JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, String)>,
    pub body: Option<Value>,
}

impl Reply {
    pub fn json(status: StatusCode, body: Value) -> Reply {
        Reply { status, headers: Vec::new(), body: Some(body) }
    }

    pub fn empty(status: StatusCode) -> Reply {
        Reply { status, headers: Vec::new(), body: None }
    }

    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

/// Turns a handler's result into the HTTP response, with the faults that
/// concern every response (media type, error envelope) applied here only.
pub fn respond(faults: FaultSet, result: Result<Reply, ScimError>) -> Response {
    match result {
        Ok(reply) => {
            let mut response = match &reply.body {
                Some(body) => (reply.status, json_body(faults, body)).into_response(),
                None => reply.status.into_response(),
            };
            for (name, value) in reply.headers {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    response.headers_mut().append(name, v);
                }
            }
            response
        }
        Err(e) => error_response(faults, &e),
    }
}

pub fn error_response(faults: FaultSet, e: &ScimError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, json_body(faults, &error_body(faults, e))).into_response()
}

/// The Error envelope, with the faults that concern it applied (here only).
pub fn error_body(faults: FaultSet, e: &ScimError) -> Value {
    let mut body = e.to_json();
    if faults.has(Fault::Scim1MessageUrns) {
        body["schemas"] = serde_json::json!([crate::scim::urn::SCIM1_CORE]);
    }
    if faults.has(Fault::ErrorStatusNumber) {
        body["status"] = Value::from(e.status);
    }
    if faults.has(Fault::ErrorNoScimType)
        && let Some(obj) = body.as_object_mut()
    {
        obj.shift_remove("scimType");
    }
    body
}

fn json_body(faults: FaultSet, body: &Value) -> impl IntoResponse + use<> {
    let media = if faults.has(Fault::JsonContentType) { "application/json" } else { SCIM_JSON };
    let text = serde_json::to_vec(body).unwrap_or_default();
    ([(header::CONTENT_TYPE, media)], Body::from(text))
}

/// `W/"<version>"`: weak, as RFC 7643 §3.1 asks of a version that is not a strong validator.
pub fn etag(version: u64) -> String {
    format!("W/\"{version}\"")
}

/// Whether an `If-Match` / `If-None-Match` header value names `current`.
/// Weak and strong forms of the same opaque tag match: SCIM ETags are weak and
/// RFC 7644 §3.14 uses them with If-Match.
pub fn etag_matches(header_value: &str, current: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").trim_matches('"').to_string();
    header_value.split(',').any(|t| t.trim() == "*" || opaque(t) == opaque(current))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_compare_by_opaque_tag() {
        assert!(etag_matches("W/\"3\"", &etag(3)));
        assert!(etag_matches("\"3\"", &etag(3)));
        assert!(etag_matches("W/\"1\", W/\"3\"", &etag(3)));
        assert!(etag_matches("*", &etag(3)));
        assert!(!etag_matches("W/\"4\"", &etag(3)));
        assert!(!etag_matches("W/\"33\"", &etag(3)));
    }
}
