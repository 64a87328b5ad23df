//! `Retry-After` (RFC 9110 §10.2.3): how long a server asks a client to
//! wait, "either an HTTP-date or a number of seconds". The runner waits it
//! out; the client audit holds a client to it.

use std::time::{Duration, SystemTime};

/// The wait a `Retry-After` value asks for, from now; `None` when the value
/// is neither seconds nor an HTTP date. A date gone by asks for no wait.
pub fn parse(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // All three forms: RFC 9110 §5.6.7 has recipients accept the two
    // obsolete ones (RFC 850's and asctime's) beside IMF-fixdate.
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_read_as_they_are() {
        assert_eq!(parse(" 2 "), Some(Duration::from_secs(2)));
        assert_eq!(parse("86400"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse("18446744073709551615"), Some(Duration::from_secs(u64::MAX)));
    }

    #[test]
    fn a_date_is_a_wait_until_then() {
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO), "a date gone by");
        let far = parse("Fri, 31 Dec 2100 23:59:59 GMT").unwrap();
        assert!(far > Duration::from_secs(70 * 365 * 86_400), "{far:?}");
        let (rfc850, asctime) = (parse("Friday, 31-Dec-99 23:59:59 GMT"), parse("Fri Dec 31 23:59:59 2100"));
        assert_eq!(rfc850, Some(Duration::ZERO), "a two-digit year of the past century");
        assert!(asctime.is_some_and(|d| d > Duration::from_secs(70 * 365 * 86_400)), "{asctime:?}");
    }

    #[test]
    fn anything_else_asks_for_nothing() {
        for value in
            ["soon", "", "-1", "1.5", "Wed, 21 Oct 2015 07:28:00 CET", "Thu, 21 Oct 2015 07:28:00 GMT"]
        {
            assert_eq!(parse(value), None, "{value:?}");
        }
    }
}
