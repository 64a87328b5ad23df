//! Recursive-descent parser for filters and PATCH paths.
//!
//! Precedence (RFC 7644 §3.4.2.2): grouping and `not` bind tightest, then `and`,
//! then `or`. `and`/`or` chains are parsed by loops into flat n-ary nodes, so only
//! parentheses, `not` and value paths recurse, and those count against
//! [`MAX_DEPTH`] before recursing.

use super::lexer::{Tok, Token, tokenize};
use super::{CompareOp, Filter, FilterError, Literal, MAX_DEPTH, MAX_FILTER_LEN, Span};
use crate::scim::attr_path::AttrPath;

/// Which logical operator binds tighter. Only the RFC's order is correct; the
/// other exists for the `or-binds-tighter` fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precedence {
    Rfc,
    OrFirst,
}

pub fn parse_filter(text: &str, precedence: Precedence) -> Result<Filter, FilterError> {
    let mut p = Parser::new(text)?;
    p.precedence = precedence;
    if p.tokens.is_empty() {
        return Err(FilterError::new(0, "empty filter"));
    }
    let filter = p.or_expr(0, false)?;
    p.expect_end()?;
    Ok(filter)
}

/// A PATCH `path` (RFC 7644 §3.5.2, Figure 5): `attrPath / valuePath [subAttr]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    /// The value filter of `attr[filter]`, relative to the attribute's sub-attributes.
    pub filter: Option<Filter>,
    /// The `.subAttr` after a value filter (`emails[type eq "work"].value`).
    pub sub_after_filter: Option<String>,
}

pub fn parse_patch_path(text: &str) -> Result<PatchPath, FilterError> {
    let mut p = Parser::new(text)?;
    let (attr, start) = match p.next() {
        Some(Token { tok: Tok::Word(w), start, .. }) => (w, start),
        Some(t) => return Err(FilterError::new(t.start, "a path starts with an attribute name")),
        None => return Err(FilterError::new(0, "empty path")),
    };
    let attr = AttrPath::parse(&attr).map_err(|m| FilterError::new(start, m))?;
    let mut path = PatchPath { attr, filter: None, sub_after_filter: None };
    if p.peek_is(&Tok::LBracket) {
        let open = p.next().map_or(0, |t| t.start);
        if path.attr.sub.is_some() {
            return Err(FilterError::new(
                open,
                "a value filter applies to an attribute, not a sub-attribute",
            ));
        }
        path.filter = Some(p.or_expr(1, true)?);
        p.expect(&Tok::RBracket, "']' to close the value filter")?;
        if let Some(Token { tok: Tok::Word(w), start, .. }) = p.peek().cloned() {
            p.next();
            let sub = w
                .strip_prefix('.')
                .ok_or_else(|| FilterError::new(start, "expected '.subAttribute' after ']'"))?;
            AttrPath::parse(sub).map_err(|m| FilterError::new(start + 1, m))?;
            if sub.contains(['.', ':']) {
                return Err(FilterError::new(start + 1, format!("'{sub}' is not a sub-attribute name")));
            }
            path.sub_after_filter = Some(sub.to_string());
        }
    }
    p.expect_end()?;
    Ok(path)
}

struct Parser {
    precedence: Precedence,
    tokens: Vec<Token>,
    pos: usize,
    len: usize,
}

impl Parser {
    fn new(text: &str) -> Result<Parser, FilterError> {
        if text.len() > MAX_FILTER_LEN {
            return Err(FilterError::new(MAX_FILTER_LEN, format!("longer than {MAX_FILTER_LEN} bytes")));
        }
        Ok(Parser { precedence: Precedence::Rfc, tokens: tokenize(text)?, pos: 0, len: text.len() })
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_is(&self, tok: &Tok) -> bool {
        self.peek().is_some_and(|t| &t.tok == tok)
    }

    fn peek_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(word))
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Offset of the next token, or the end of the text.
    fn here(&self) -> usize {
        self.peek().map_or(self.len, |t| t.start)
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<Token, FilterError> {
        match self.next() {
            Some(t) if &t.tok == tok => Ok(t),
            Some(t) => Err(FilterError::new(t.start, format!("expected {what}, found {}", describe(&t.tok)))),
            None => Err(FilterError::new(self.len, format!("expected {what}, found the end"))),
        }
    }

    fn expect_end(&mut self) -> Result<(), FilterError> {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(FilterError::new(
                t.start,
                format!("expected 'and', 'or' or the end, found {}", describe(&t.tok)),
            )),
        }
    }

    /// The loosest-binding level (`or` chains, in the RFC's order).
    fn or_expr(&mut self, depth: usize, in_value_path: bool) -> Result<Filter, FilterError> {
        let (loose, _) = self.keywords();
        let mut parts = vec![self.and_expr(depth, in_value_path)?];
        while self.peek_word(loose) {
            self.next();
            parts.push(self.and_expr(depth, in_value_path)?);
        }
        Ok(chain(loose, parts))
    }

    fn and_expr(&mut self, depth: usize, in_value_path: bool) -> Result<Filter, FilterError> {
        let (_, tight) = self.keywords();
        let mut parts = vec![self.unary(depth, in_value_path)?];
        while self.peek_word(tight) {
            self.next();
            parts.push(self.unary(depth, in_value_path)?);
        }
        Ok(chain(tight, parts))
    }

    /// The (loose, tight) logical keywords.
    fn keywords(&self) -> (&'static str, &'static str) {
        match self.precedence {
            Precedence::Rfc => ("or", "and"),
            Precedence::OrFirst => ("and", "or"),
        }
    }

    fn nested(&self, depth: usize) -> Result<usize, FilterError> {
        if depth + 1 > MAX_DEPTH {
            Err(FilterError::new(self.here(), format!("nested deeper than {MAX_DEPTH} levels")))
        } else {
            Ok(depth + 1)
        }
    }

    fn group(&mut self, depth: usize, in_value_path: bool) -> Result<Filter, FilterError> {
        let depth = self.nested(depth)?;
        self.expect(&Tok::LParen, "'('")?;
        let inner = self.or_expr(depth, in_value_path)?;
        self.expect(&Tok::RParen, "')'")?;
        Ok(inner)
    }

    fn unary(&mut self, depth: usize, in_value_path: bool) -> Result<Filter, FilterError> {
        let is_not = self.peek_word("not")
            && matches!(self.tokens.get(self.pos + 1), Some(Token { tok: Tok::LParen, .. }));
        if is_not {
            self.next();
            return Ok(Filter::Not(Box::new(self.group(depth, in_value_path)?)));
        }
        if self.peek_is(&Tok::LParen) {
            return self.group(depth, in_value_path);
        }
        if self.peek_word("not") {
            // `not` followed by anything but an operator is a missing parenthesis,
            // not an attribute called "not".
            if let Some(Token { tok: Tok::Word(w), start, .. }) = self.tokens.get(self.pos + 1)
                && CompareOp::parse(w).is_none()
                && !w.eq_ignore_ascii_case("pr")
            {
                return Err(FilterError::new(*start, "'not' takes a filter in parentheses: not (...)"));
            }
        }
        self.attr_expr(depth, in_value_path)
    }

    fn attr_expr(&mut self, depth: usize, in_value_path: bool) -> Result<Filter, FilterError> {
        let (word, start) = match self.next() {
            Some(Token { tok: Tok::Word(w), start, .. }) => (w, start),
            Some(t) => {
                return Err(FilterError::new(
                    t.start,
                    format!("expected an attribute name, found {}", describe(&t.tok)),
                ));
            }
            None => return Err(FilterError::new(self.len, "expected an attribute name, found the end")),
        };
        let path = AttrPath::parse(&word).map_err(|m| FilterError::new(start, m))?;
        if self.peek_is(&Tok::LBracket) {
            let open = self.here();
            if in_value_path {
                return Err(FilterError::new(open, "value filters cannot be nested"));
            }
            if path.sub.is_some() {
                return Err(FilterError::new(
                    open,
                    "a value filter applies to an attribute, not a sub-attribute",
                ));
            }
            let depth = self.nested(depth)?;
            self.next();
            let inner = self.or_expr(depth, true)?;
            let close = self.expect(&Tok::RBracket, "']' to close the value filter")?;
            if matches!(self.peek(), Some(Token { tok: Tok::Word(w), .. }) if w.starts_with('.')) {
                return Err(FilterError::new(
                    self.here(),
                    "a sub-attribute after ']' is allowed in PATCH paths, not in filters",
                ));
            }
            return Ok(Filter::ValuePath {
                path,
                filter: Box::new(inner),
                span: Span { start, end: close.end },
            });
        }
        let op_token = self.next().ok_or_else(|| {
            FilterError::new(self.len, format!("expected an operator after '{word}', found the end"))
        })?;
        let op_word = match &op_token.tok {
            Tok::Word(w) => w.clone(),
            other => {
                return Err(FilterError::new(
                    op_token.start,
                    format!("expected an operator after '{word}', found {}", describe(other)),
                ));
            }
        };
        if op_word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present { path, span: Span { start, end: op_token.end } });
        }
        let op = CompareOp::parse(&op_word).ok_or_else(|| {
            FilterError::new(
                op_token.start,
                format!("'{op_word}' is not an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)"),
            )
        })?;
        let value_token = self.next().ok_or_else(|| {
            FilterError::new(self.len, format!("expected a value after '{}', found the end", op.as_str()))
        })?;
        let value = literal(&value_token)?;
        Ok(Filter::Compare { path, op, value, span: Span { start, end: value_token.end } })
    }
}

fn chain(keyword: &str, mut parts: Vec<Filter>) -> Filter {
    match (parts.len(), keyword) {
        (1, _) => parts.pop().unwrap_or_else(|| unreachable!()),
        (_, "or") => Filter::Or(parts),
        _ => Filter::And(parts),
    }
}

fn literal(token: &Token) -> Result<Literal, FilterError> {
    match &token.tok {
        Tok::Str(s) => Ok(Literal::String(s.clone())),
        Tok::Word(w) => match w.as_str() {
            "true" => Ok(Literal::Bool(true)),
            "false" => Ok(Literal::Bool(false)),
            "null" => Ok(Literal::Null),
            _ => match serde_json::from_str::<serde_json::Value>(w) {
                Ok(serde_json::Value::Number(n)) => Ok(Literal::Number(n)),
                _ => Err(FilterError::new(
                    token.start,
                    format!("'{w}' is not a value: strings are quoted, and true, false, null are lower case"),
                )),
            },
        },
        other => Err(FilterError::new(token.start, format!("expected a value, found {}", describe(other)))),
    }
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::LBracket => "'['".into(),
        Tok::RBracket => "']'".into(),
        Tok::Str(s) => format!("the string {}", serde_json::Value::from(s.as_str())),
        Tok::Word(w) => format!("'{w}'"),
    }
}
