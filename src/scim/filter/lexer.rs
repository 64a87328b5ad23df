//! Tokens of the filter grammar (RFC 7644 §3.4.2.2, Figure 1).
//!
//! Keywords, operators and literals are all "words" here; the parser decides
//! by position what a word is, because attribute names and keywords share a
//! character set (`not` can be an attribute name in principle).

use super::FilterError;
use crate::scim::attr_path::is_path_char;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// A JSON string literal, already unescaped.
    Str(String),
    /// An attribute path, keyword, operator, number, `true`, `false` or `null`.
    Word(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// Byte offsets into the source text.
    pub start: usize,
    pub end: usize,
}

pub fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let single = match c {
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b'[' => Some(Tok::LBracket),
            b']' => Some(Tok::RBracket),
            _ => None,
        };
        if let Some(tok) = single {
            tokens.push(Token { tok, start: i, end: i + 1 });
            i += 1;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'"' {
            let end =
                string_end(bytes, i).ok_or_else(|| FilterError::new(i, "unterminated string literal"))?;
            let literal = &text[i..end];
            let value: String = serde_json::from_str(literal)
                .map_err(|e| FilterError::new(i, format!("invalid string literal {literal}: {e}")))?;
            tokens.push(Token { tok: Tok::Str(value), start: i, end });
            i = end;
        } else if is_word_byte(c) {
            let start = i;
            while i < bytes.len() && is_word_byte(bytes[i]) {
                i += 1;
            }
            tokens.push(Token { tok: Tok::Word(text[start..i].to_string()), start, end: i });
        } else {
            let ch = text[i..].chars().next().unwrap_or('?');
            return Err(FilterError::new(i, format!("unexpected character '{ch}'")));
        }
    }
    Ok(tokens)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii() && (is_path_char(b as char) || b == b'+')
}

/// Byte offset just past the closing quote of the string starting at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn splits_words_strings_and_brackets() {
        assert_eq!(
            toks(r#"emails[type eq "w\"k"]"#),
            vec![
                Tok::Word("emails".into()),
                Tok::LBracket,
                Tok::Word("type".into()),
                Tok::Word("eq".into()),
                Tok::Str("w\"k".into()),
                Tok::RBracket,
            ]
        );
    }

    #[test]
    fn unicode_inside_strings_is_kept() {
        assert_eq!(toks(r#"x eq "Zoë \u00e9""#)[2], Tok::Str("Zoë é".into()));
    }

    #[test]
    fn reports_offsets() {
        let e = tokenize(r#"a eq "open"#).unwrap_err();
        assert_eq!(e.offset, 5);
        let e = tokenize("a eq #").unwrap_err();
        assert_eq!(e.offset, 5);
    }
}
