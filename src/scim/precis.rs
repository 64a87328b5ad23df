//! PRECIS preparation of user names (RFC 7613 §3.2, UsernameCaseMapped), which
//! RFC 7644 §5 and §7.8 ask of a service provider "before comparing or
//! evaluating the uniqueness of a userName".
//!
//! The profile's rules, in its order: width mapping (fullwidth and halfwidth
//! forms to their ordinary forms), case mapping to lower case, and
//! normalization form C. So `ｂｏｂ`, `BOB` and `bob` are one name, and so are
//! `café` written with a precomposed é and with e + U+0301.

use unicode_normalization::UnicodeNormalization;

/// A user name as compared: two names are the same name when these are equal.
pub fn username(name: &str) -> String {
    let width_mapped: String = name.chars().flat_map(width_map).collect();
    width_mapped.to_lowercase().nfc().collect()
}

/// The decomposition of a fullwidth or halfwidth character (the `<wide>` and
/// `<narrow>` mappings, which all live in these blocks); others unchanged.
fn width_map(c: char) -> Vec<char> {
    let is_width_form = ('\u{FF00}'..='\u{FFEF}').contains(&c) || c == '\u{3000}';
    if is_width_form { c.to_string().nfkc().collect() } else { vec![c] }
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
    fn other_compatibility_forms_are_left_alone() {
        // NFKC would turn the ligature into "fi"; the username profile does not.
        assert_eq!(username("\u{FB01}x"), "\u{FB01}x");
    }
}
