//! Cursors for cursor-based pagination (RFC 9865): opaque to the client,
//! made of RFC 3986's unreserved characters, and bound to the query that
//! issued them, so a forged or foreign cursor is refused with 400
//! `invalidCursor` (§2.1, §5.2: "Service providers should be able to easily
//! detect forged cursor values").

use crate::faults::{Fault, FaultSet};
use crate::scim::error::{ScimError, ScimType};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

/// Where a cursor points: the offset of the page it opens, and the page size
/// of the query that issued it (a later page asks with the same `count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub offset: usize,
    pub count: usize,
}

/// A process-wide key, so a client cannot compute a valid cursor.
fn key() -> &'static RandomState {
    static KEY: OnceLock<RandomState> = OnceLock::new();
    KEY.get_or_init(RandomState::new)
}

/// What makes two requests the same query: everything but the cursor.
pub fn fingerprint(parts: &[Option<&str>]) -> u64 {
    key().hash_one(parts)
}

fn tag(position: Position, query: u64) -> u64 {
    key().hash_one((position.offset, position.count, query))
}

/// The cursor for `position` of the query `query`.
pub fn issue(position: Position, query: u64, faults: FaultSet) -> String {
    let plain = format!("{}.{}.{:016x}", position.offset, position.count, tag(position, query));
    if faults.has(Fault::CursorNotUrlSafe) {
        // A cursor written with '/' is what a server that exposes its
        // storage keys sends.
        return plain.replace('.', "/");
    }
    URL_SAFE_NO_PAD.encode(plain)
}

/// Reads a cursor of the query `query`; an empty one opens the first page.
pub fn read(text: &str, count: usize, query: u64, faults: FaultSet) -> Result<Position, ScimError> {
    if text.is_empty() {
        return Ok(Position { offset: 0, count });
    }
    let plain = if faults.has(Fault::CursorNotUrlSafe) {
        Some(text.replace('/', "."))
    } else {
        URL_SAFE_NO_PAD.decode(text).ok().and_then(|b| String::from_utf8(b).ok())
    };
    let parsed = plain.and_then(|p| {
        let mut parts = p.split('.');
        let offset = parts.next()?.parse().ok()?;
        let issued_count = parts.next()?.parse().ok()?;
        let tag_text = parts.next()?;
        let position = Position { offset, count: issued_count };
        (parts.next().is_none() && u64::from_str_radix(tag_text, 16).ok()? == tag(position, query))
            .then_some(position)
    });
    match parsed {
        Some(p) if p.count == count => Ok(p),
        Some(p) => Err(ScimError::bad_request(
            ScimType::InvalidCount,
            format!(
                "count is {count}, but this cursor's query asked for {}; every page is asked for with the first page's count (RFC 9865 §2.1)",
                p.count
            ),
        )),
        None if faults.has(Fault::CursorForgedFirstPage) => Ok(Position { offset: 0, count }),
        None => Err(ScimError::bad_request(
            ScimType::InvalidCursor,
            "the cursor was not issued by this service provider for this query; send an empty cursor for the first page, then each page's nextCursor (RFC 9865 §2.1)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_only_for_its_own_query_and_count() {
        let q = fingerprint(&[Some("/Users"), Some("userName sw \"a\"")]);
        let p = Position { offset: 4, count: 2 };
        let c = issue(p, q, FaultSet::none());
        assert!(c.chars().all(|ch| ch.is_ascii_alphanumeric() || "-._~".contains(ch)), "{c}");
        assert_eq!(read(&c, 2, q, FaultSet::none()), Ok(p));
        let other = fingerprint(&[Some("/Groups"), None]);
        let foreign = read(&c, 2, other, FaultSet::none()).unwrap_err();
        assert_eq!(foreign.scim_type, Some(ScimType::InvalidCursor));
        assert_eq!(read(&c, 3, q, FaultSet::none()).unwrap_err().scim_type, Some(ScimType::InvalidCount));
        assert_eq!(read("forged", 2, q, FaultSet::none()).unwrap_err().status, 400);
        assert_eq!(read("", 5, q, FaultSet::none()), Ok(Position { offset: 0, count: 5 }));
    }
}
