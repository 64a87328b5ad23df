//! `dateTime` values (RFC 7643 §2.3.5): an `xsd:dateTime`, compared as instants.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Parses an `xsd:dateTime`. The XML Schema form allows the zone to be left out;
/// such a value is read as UTC rather than refused.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    // RFC 3339 lets a space stand for the `T`; `xsd:dateTime` does not.
    if text.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    let without_zone = format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    PrimitiveDateTime::parse(text, &without_zone).ok().map(|t| t.assume_offset(UtcOffset::UTC))
}

/// The form the reference server writes: UTC, millisecond precision, `Z`.
pub fn format(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let f = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.format(&f).unwrap_or_else(|_| t.to_string())
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_offsets_fractions_and_zone_less_forms() {
        let a = parse("2015-01-01T10:00:00Z").unwrap();
        let b = parse("2015-01-01T12:00:00+02:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(parse("2015-01-01T10:00:00").unwrap(), a);
        assert!(parse("2015-01-01T10:00:00.123456Z").unwrap() > a);
    }

    #[test]
    fn refuses_what_is_not_a_datetime() {
        for bad in ["", "2015-01-01", "yesterday", "2015-13-01T00:00:00Z", "2015-01-01 10:00:00Z"] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn formats_utc_milliseconds() {
        let t = parse("2015-01-01T12:00:00.5+02:00").unwrap();
        assert_eq!(format(t), "2015-01-01T10:00:00.500Z");
    }
}
