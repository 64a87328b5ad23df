//! The data a client supplies, where RFC 7643 §4 says what form it takes:
//! email addresses, phone numbers, instant messaging types, countries,
//! certificates and the manager.

use super::super::rules::{
    COUNTRY, EMAIL, IMS_TYPE, MANAGER_REF, MANAGER_VALUE, PHONE, X509_DER, X509_SINGLE,
};
use super::super::tally::Sink;
use super::super::values::{decode_base64, excerpt};
use crate::scim::message;
use crate::scim::schema::{Attribute, ENTERPRISE_USER};
use serde_json::Value;

const IMS_TYPES: [&str; 9] = ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo", "other"];

/// Checks the value of `attr` (the whole attribute, or of its sub-attribute
/// `sub` when a PATCH path names one). `urn` is the attribute's schema when
/// an extension's.
pub fn check(attr: &Attribute, urn: Option<&str>, sub: Option<&Attribute>, value: &Value, out: &mut Sink) {
    let name = attr.name.to_ascii_lowercase();
    let core = urn.is_none();
    match (name.as_str(), core) {
        ("emails", true) => each_sub(value, sub, "value", &mut |v| email(v, out)),
        ("phonenumbers", true) => each_sub(value, sub, "value", &mut |v| phone(v, out)),
        ("ims", true) => each_sub(value, sub, "type", &mut |v| ims_type(v, out)),
        ("addresses", true) => each_sub(value, sub, "country", &mut |v| country(v, out)),
        ("x509certificates", true) => each_sub(value, sub, "value", &mut |v| certificate(v, out)),
        ("manager", false)
            if urn.is_some_and(|u| u.eq_ignore_ascii_case(ENTERPRISE_USER)) && sub.is_none() =>
        {
            manager(value, out);
        }
        _ => {}
    }
}

/// Calls `f` on each string value of sub-attribute `key` in `value`.
fn each_sub(value: &Value, sub: Option<&Attribute>, key: &str, f: &mut dyn FnMut(&str)) {
    match sub {
        Some(s) if s.name.eq_ignore_ascii_case(key) => {
            if let Some(text) = value.as_str() {
                f(text);
            }
        }
        Some(_) => {}
        None => {
            let items: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for item in items {
                if let Some(text) =
                    item.as_object().and_then(|o| message::get(o, key)).and_then(Value::as_str)
                {
                    f(text);
                }
            }
        }
    }
}

fn email(address: &str, out: &mut Sink) {
    out.occasion(EMAIL);
    let shaped = address.rsplit_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.is_empty()
            && !address.chars().any(char::is_whitespace)
            && (domain.starts_with('[') || domain.split('.').all(|label| !label.is_empty()))
    });
    if !shaped {
        out.depart(
            EMAIL,
            "emails.value",
            "a mailbox per RFC 5321: local-part@domain",
            format!("{address:?}"),
        );
    }
}

fn phone(number: &str, out: &mut Sink) {
    out.occasion(PHONE);
    let tel = number.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("tel:"));
    if !tel {
        out.depart(
            PHONE,
            "phoneNumbers.value",
            "a tel URI per RFC 3966, such as \"tel:+1-201-555-0123\"",
            format!("{number:?}"),
        );
    }
}

fn ims_type(ty: &str, out: &mut Sink) {
    out.occasion(IMS_TYPE);
    if !IMS_TYPES.iter().any(|t| t.eq_ignore_ascii_case(ty)) {
        out.depart(IMS_TYPE, "ims.type", format!("one of {}", IMS_TYPES.join(", ")), format!("{ty:?}"));
    }
}

fn country(code: &str, out: &mut Sink) {
    out.occasion(COUNTRY);
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        out.depart(
            COUNTRY,
            "addresses.country",
            "an ISO 3166-1 alpha-2 code, such as \"US\" or \"SE\"",
            format!("{code:?}"),
        );
    }
}

/// One DER-encoded certificate: a single SEQUENCE whose length covers the
/// whole value. The base64 itself is `rfc7643.2.3.6.binary-base64`'s.
fn certificate(text: &str, out: &mut Sink) {
    let Some(bytes) = decode_base64(text) else { return };
    out.occasion(X509_DER);
    out.occasion(X509_SINGLE);
    match der_sequence_length(&bytes) {
        Some(len) if len == bytes.len() => {}
        Some(len) if bytes.get(len) == Some(&0x30) && der_sequence_length(&bytes[len..]).is_some() => out
            .depart(
                X509_SINGLE,
                "x509Certificates.value",
                "exactly one certificate in a value",
                format!(
                    "a value holding more than one DER structure ({} bytes, the first {len})",
                    bytes.len()
                ),
            ),
        _ => out.depart(
            X509_DER,
            "x509Certificates.value",
            "one DER-encoded X.509 certificate (an ASN.1 SEQUENCE), base64 encoded",
            format!("{} bytes that are not one DER SEQUENCE", bytes.len()),
        ),
    }
}

/// The length of the DER SEQUENCE at the start of `bytes`, header included,
/// when it is one and fits.
fn der_sequence_length(bytes: &[u8]) -> Option<usize> {
    if bytes.first() != Some(&0x30) {
        return None;
    }
    let first = *bytes.get(1)?;
    let (header, body) = if first < 0x80 {
        (2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let digits = bytes.get(2..2 + n)?;
        (2 + n, digits.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b)))
    };
    let total = header.checked_add(body)?;
    (total <= bytes.len()).then_some(total)
}

fn manager(value: &Value, out: &mut Sink) {
    let Value::Object(obj) = value else { return };
    out.occasion(MANAGER_VALUE);
    out.occasion(MANAGER_REF);
    let given = |key: &str| message::get(obj, key).is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()));
    if !given("value") {
        out.depart(MANAGER_VALUE, "manager.value", "the manager's id in value (RECOMMENDED)", excerpt(value));
    }
    if !given("$ref") {
        out.depart(MANAGER_REF, "manager.$ref", "the manager's URI in $ref (RECOMMENDED)", excerpt(value));
    }
}

#[cfg(test)]
mod tests {
    use super::der_sequence_length;

    #[test]
    fn der_lengths_cover_short_and_long_forms() {
        assert_eq!(der_sequence_length(&[0x30, 0x01, 0x00]), Some(3));
        assert_eq!(der_sequence_length(&[0x30, 0x81, 0x01, 0x00]), Some(4));
        assert_eq!(der_sequence_length(&[0x30, 0x05, 0x00]), None, "longer than the value");
        assert_eq!(der_sequence_length(&[0x04, 0x00]), None, "not a SEQUENCE");
        assert_eq!(der_sequence_length(&[0x30, 0x80]), None, "indefinite length is not DER");
        assert_eq!(der_sequence_length(&[0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9]), None);
    }
}
