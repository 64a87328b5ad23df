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

/// How long until a server that wrote `text` writes a later time: a second
/// and a little when it writes whole seconds; otherwise two of the smallest
/// unit its fraction shows, and never under 50 ms, the tick of the coarsest
/// clocks in use. Trailing zeros do not count: a clock of tenths printed as
/// milliseconds writes `.800`, and a server that keeps seconds `.000`.
pub fn next_tick_after(text: &str) -> std::time::Duration {
    use std::time::Duration;
    let fraction = text
        .get(19..)
        .and_then(|rest| rest.strip_prefix('.'))
        .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect::<String>())
        .unwrap_or_default();
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        return Duration::from_millis(1100);
    }
    let unit_ms = 10f64.powi(3 - fraction.len().min(3) as i32);
    Duration::from_millis(((unit_ms * 2.0) as u64).max(50))
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_tick_follows_the_precision_the_server_writes() {
        use std::time::Duration;
        assert_eq!(next_tick_after("2026-12-07T07:13:32Z"), Duration::from_millis(1100));
        assert_eq!(
            next_tick_after("2026-12-07T07:13:32.000Z"),
            Duration::from_millis(1100),
            "seconds, printed as ms"
        );
        assert_eq!(next_tick_after("2026-12-07T07:13:32+01:00"), Duration::from_millis(1100));
        assert_eq!(next_tick_after("2026-12-07T07:13:32.5Z"), Duration::from_millis(200));
        assert_eq!(
            next_tick_after("2026-12-07T07:13:32.800Z"),
            Duration::from_millis(200),
            "tenths, printed as ms"
        );
        assert_eq!(next_tick_after("2026-12-07T07:13:32.120Z"), Duration::from_millis(50));
        assert_eq!(next_tick_after("2026-12-07T07:13:32.123Z"), Duration::from_millis(50));
        assert_eq!(next_tick_after("2026-12-07T07:13:32.123456+00:00"), Duration::from_millis(50));
        assert_eq!(next_tick_after("not a date"), Duration::from_millis(1100));
    }

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
