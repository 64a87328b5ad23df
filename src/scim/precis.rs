//! PRECIS preparation of user names, which RFC 7644 §5 and §7.8 ask of a
//! service provider "before comparing or evaluating the uniqueness of a
//! userName". RFC 7644 cites RFC 7613; RFC 8265 obsoletes it, and its
//! UsernameCaseMapped profile (§3.3) is the one that fits a userName, which
//! RFC 7643 §4.1 makes case-insensitive: width mapping, lower case, NFC and
//! the bidi rule, over the code points the PRECIS IdentifierClass allows. So
//! `ｂｏｂ`, `BOB` and `bob` are one name, and so are `café` written with a
//! precomposed é and with e + U+0301.

use precis_profiles::UsernameCaseMapped;
use precis_profiles::precis_core::profile::PrecisFastInvocation;
use unicode_normalization::UnicodeNormalization;

/// A user name as compared: two names are the same name when these are equal.
///
/// RFC 8265 §3.1 defines a username as userparts separated by spaces and
/// confines the IdentifierClass to each userpart, so `Guybrush Threepwood` is
/// prepared part by part rather than refused for its space.
pub fn username(name: &str) -> String {
    let prepared: Option<Vec<_>> =
        name.split(' ').map(|part| UsernameCaseMapped::enforce(part).ok()).collect();
    match prepared {
        Some(parts) => parts.join(" "),
        None => unpreparable(name),
    }
}

/// The comparison form of a name the profile refuses (an empty userpart, a
/// symbol or emoji outside the IdentifierClass, a bidi mix it forbids).
///
/// The server compares such a name rather than rejecting it. RFC 7644 §5 asks
/// for preparation "before comparing", not for a check on what a client may
/// store; no SCIM RFC lists a PRECIS failure among the reasons to refuse a
/// userName, and identity providers do send display-style names. Such a name
/// still compares as RFC 7643 §4.1 says every userName does, without regard to
/// case, and in NFC so that two spellings of one character stay one name (the
/// "appropriately prepared" of RFC 7644 §7.8).
fn unpreparable(name: &str) -> String {
    name.to_lowercase().nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_case_and_composition_are_folded() {
        assert_eq!(username("ｂｏｂ@Example.COM"), "bob@example.com");
        assert_eq!(username("cafe\u{301}"), username("caf\u{e9}"));
        assert_eq!(username("ＡＬＩＣＥ"), "alice");
        assert_ne!(username("bob"), username("b0b"));
    }

    #[test]
    fn other_compatibility_forms_are_refused_not_decomposed() {
        // NFKC would turn the ligature into "fi"; the username profile leaves
        // it out of the IdentifierClass, so it is compared as written.
        assert_eq!(username("\u{FB01}x"), "\u{FB01}x");
        assert_ne!(username("\u{FB01}x"), username("fix"));
    }

    #[test]
    fn userparts_are_prepared_one_by_one() {
        assert_eq!(username("Guybrush ＴＨＲＥＥＰＷＯＯＤ"), "guybrush threepwood");
        assert_ne!(username("guybrush threepwood"), username("guybrushthreepwood"));
    }

    #[test]
    fn a_name_the_profile_refuses_still_compares_without_case() {
        // U+2665 is a symbol, outside the IdentifierClass.
        assert!(UsernameCaseMapped::enforce("I\u{2665}SCIM").is_err());
        assert_eq!(username("I\u{2665}SCIM"), username("i\u{2665}scim"));
        assert_eq!(username("Caf\u{e9}\u{2665}"), username("cafe\u{301}\u{2665}"));
        assert_eq!(username("Two  Spaces"), "two  spaces");
        assert_eq!(username(""), "");
    }
}
