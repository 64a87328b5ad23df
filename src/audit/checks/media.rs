//! Media types (RFC 7644 §3.8): a body says what it is, and an Accept asks
//! for something a SCIM server serves.

use super::super::request::Request;
use super::super::rules::{ACCEPT, CONTENT_TYPE};
use super::super::tally::Sink;

const JSON_TYPES: [&str; 2] = ["application/scim+json", "application/json"];

pub fn check(req: &Request, out: &mut Sink) {
    let seen = req.seen;
    if seen.has_body() {
        out.occasion(CONTENT_TYPE);
        let expected = "Content-Type naming the body's format: application/scim+json (or application/json)";
        match seen.header("content-type") {
            None => out.depart(
                CONTENT_TYPE,
                "header Content-Type",
                expected,
                "no Content-Type on a request with a body",
            ),
            Some(ct) => {
                let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                let json_named = JSON_TYPES.contains(&essence.as_str()) || essence.ends_with("+json");
                if !json_named && req.json.is_some() {
                    out.depart(
                        CONTENT_TYPE,
                        "header Content-Type",
                        expected,
                        format!("the body is JSON, but Content-Type says {ct}"),
                    );
                }
                let charset = ct
                    .split(';')
                    .skip(1)
                    .filter_map(|p| p.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
                    .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase());
                let utf8_default = charset.as_deref().is_none_or(|c| c == "utf-8" || c == "utf8");
                if utf8_default && std::str::from_utf8(&seen.body).is_err() {
                    out.depart(
                        CONTENT_TYPE,
                        "body encoding",
                        "UTF-8, the default (RFC 7644 §3.8), or a charset in Content-Type naming the encoding",
                        format!("a body that is not UTF-8, sent as {ct}"),
                    );
                }
            }
        }
    }
    if let Some(accept) = seen.header("accept") {
        out.occasion(ACCEPT);
        let acceptable = accept.split(',').any(|range| {
            let essence = range.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            JSON_TYPES.contains(&essence.as_str())
                || essence == "*/*"
                || essence == "application/*"
                || essence.ends_with("+json")
        });
        if !acceptable {
            out.depart(
                ACCEPT,
                "header Accept",
                "a format a SCIM server serves: application/scim+json or application/json",
                format!("Accept: {accept}"),
            );
        }
    }
}
