//! Attribute paths as RFC 7644 §3.10 writes them: `[URN ":"] ATTRNAME ["." subAttr]`.
//!
//! The same syntax appears in filters, PATCH paths, `sortBy` and the
//! `attributes` / `excludedAttributes` parameters, so it is parsed in one place.

use std::fmt;

/// A syntactically valid attribute path, not yet resolved against a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN prefix, when the path is URN-qualified.
    pub urn: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

impl AttrPath {
    pub fn simple(name: &str) -> AttrPath {
        AttrPath { urn: None, name: name.to_string(), sub: None }
    }

    /// Parses a whole attribute path; the error says what is wrong in words.
    pub fn parse(text: &str) -> Result<AttrPath, String> {
        if text.is_empty() {
            return Err("empty attribute path".into());
        }
        // A URN prefix contains colons and dots of its own (`...:2.0:User`), so the
        // attribute part starts after the last colon, never at the first dot.
        let (urn, rest) = if starts_with_urn(text) {
            match text.rfind(':') {
                Some(i) if i + 1 < text.len() => (Some(text[..i].to_string()), &text[i + 1..]),
                _ => return Err(format!("'{text}' has a schema URN but no attribute name")),
            }
        } else {
            (None, text)
        };
        let (name, sub) = match rest.split_once('.') {
            Some((n, s)) => (n, Some(s)),
            None => (rest, None),
        };
        check_attr_name(name, text)?;
        if let Some(s) = sub {
            check_attr_name(s, text)?;
        }
        Ok(AttrPath { urn, name: name.to_string(), sub: sub.map(str::to_string) })
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

pub fn starts_with_urn(text: &str) -> bool {
    text.len() > 4 && text.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

/// `ATTRNAME = ALPHA *(nameChar)`, plus the `$ref` name RFC 7643 itself uses.
fn check_attr_name(name: &str, whole: &str) -> Result<(), String> {
    let body = name.strip_prefix('$').unwrap_or(name);
    let mut chars = body.chars();
    let valid = match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => {
            chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }
        _ => false,
    };
    if valid {
        Ok(())
    } else if name.is_empty() {
        Err(format!("'{whole}' has an empty attribute name"))
    } else {
        Err(format!(
            "'{name}' in '{whole}' is not an attribute name (a letter, then letters, digits, '-' or '_')"
        ))
    }
}

/// Characters that may appear in an attribute path token (used by the lexers).
pub fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '-' | '_' | '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> AttrPath {
        AttrPath::parse(s).unwrap()
    }

    #[test]
    fn plain_and_sub_attribute() {
        assert_eq!(p("userName"), AttrPath::simple("userName"));
        let n = p("name.familyName");
        assert_eq!((n.name.as_str(), n.sub.as_deref()), ("name", Some("familyName")));
    }

    #[test]
    fn urn_qualified_keeps_dots_in_the_urn() {
        let a = p("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
        assert_eq!(a.urn.as_deref(), Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
        assert_eq!(a.name, "manager");
        assert_eq!(a.sub.as_deref(), Some("value"));
        assert_eq!(a.to_string(), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
    }

    #[test]
    fn dollar_ref_is_a_name() {
        assert_eq!(p("members.$ref").sub.as_deref(), Some("$ref"));
    }

    #[test]
    fn rejects_bad_names() {
        for bad in ["", "1abc", "name.", ".x", "na me", "urn:x:", "a.b.c", "a$b", "aéé", "é", "urné:x"] {
            assert!(AttrPath::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
