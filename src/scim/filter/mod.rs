//! SCIM filters (RFC 7644 §3.4.2.2): syntax tree, parser and schema-typed matcher.
//!
//! Parsing is schema-free and returns a [`Filter`]; [`Filter::bind`] checks it
//! against a resource type and returns a [`Matcher`] that evaluates resources.
//! Errors carry the offset where the text went wrong.

mod lexer;
mod matcher;
mod parser;
#[cfg(test)]
mod tests;

pub use matcher::{BindOptions, Matcher, compare_values};
pub use parser::{PatchPath, parse_patch_path};

use crate::scim::attr_path::AttrPath;
use crate::scim::error::ScimError;
use std::fmt;

/// Filters longer than this are refused before lexing (RFC 7644 §3.4.2.2 sets no
/// limit; a bound keeps a hostile filter from costing more than its parse).
pub const MAX_FILTER_LEN: usize = 8 * 1024;
/// Nesting deeper than this (parentheses, `not`, value paths) is refused before
/// the parser recurses further.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// Operators are case-insensitive (RFC 7644 §3.4.2.2).
    pub fn parse(word: &str) -> Option<CompareOp> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    pub fn is_ordering(self) -> bool {
        matches!(self, CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le)
    }

    pub fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

/// The first keyword or operator (`And`, `EQ`) written other than in lower
/// case, for a fault that knows only the lower-case spelling.
pub fn keyword_not_in_lower_case(text: &str) -> Option<String> {
    const KEYWORDS: [&str; 13] =
        ["and", "or", "not", "pr", "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];
    lexer::tokenize(text).ok()?.into_iter().find_map(|t| match t.tok {
        lexer::Tok::Word(w)
            if KEYWORDS.contains(&w.to_ascii_lowercase().as_str()) && w != w.to_ascii_lowercase() =>
        {
            Some(w)
        }
        _ => None,
    })
}

/// `compValue = false / null / true / number / string` (JSON literals, case-sensitive).
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Number(serde_json::Number),
    Bool(bool),
    Null,
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::String(s) => write!(f, "{}", serde_json::Value::from(s.as_str())),
            Literal::Number(n) => write!(f, "{n}"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Null => f.write_str("null"),
        }
    }
}

/// Byte range of a construct in the filter text, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: Literal,
        span: Span,
    },
    Present {
        path: AttrPath,
        span: Span,
    },
    /// `attr[filter]`: some value of a complex attribute satisfies `filter`,
    /// whose paths are relative to that attribute's sub-attributes.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
        span: Span,
    },
}

impl Filter {
    /// Parses filter text; whitespace between tokens may be any amount.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        parser::parse_filter(text, parser::Precedence::Rfc)
    }

    /// Parses with `or` binding tighter than `and`: the `or-binds-tighter` fault.
    pub fn parse_with_or_binding_tighter(text: &str) -> Result<Filter, FilterError> {
        parser::parse_filter(text, parser::Precedence::OrFirst)
    }

    /// Calls `f` on every attribute path in the filter, value filters included.
    pub fn for_each_path(&self, f: &mut dyn FnMut(&AttrPath)) {
        match self {
            Filter::And(parts) | Filter::Or(parts) => parts.iter().for_each(|p| p.for_each_path(f)),
            Filter::Not(inner) => inner.for_each_path(f),
            Filter::Compare { path, .. } | Filter::Present { path, .. } => f(path),
            Filter::ValuePath { path, filter, .. } => {
                f(path);
                filter.for_each_path(f);
            }
        }
    }
}

/// Fully parenthesised, canonical text: shows exactly how the parser grouped things.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, parts: &[Filter], word: &str| {
            f.write_str("(")?;
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    write!(f, " {word} ")?;
                }
                write!(f, "{p}")?;
            }
            f.write_str(")")
        };
        match self {
            Filter::And(parts) => join(f, parts, "and"),
            Filter::Or(parts) => join(f, parts, "or"),
            Filter::Not(inner) => write!(f, "not {inner}"),
            Filter::Compare { path, op, value, .. } => write!(f, "{path} {} {value}", op.as_str()),
            Filter::Present { path, .. } => write!(f, "{path} pr"),
            Filter::ValuePath { path, filter, .. } => write!(f, "{path}[{filter}]"),
        }
    }
}

/// A filter that could not be parsed or bound: where, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub offset: usize,
    pub message: String,
}

impl FilterError {
    pub fn new(offset: usize, message: impl Into<String>) -> FilterError {
        FilterError { offset, message: message.into() }
    }

    /// The error as a SCIM `invalidFilter` response, with a 1-based character position.
    pub fn to_scim(&self, text: &str) -> ScimError {
        let column = text.get(..self.offset).map_or(self.offset, |s| s.chars().count()) + 1;
        ScimError::invalid_filter(format!("filter: {} (at character {column})", self.message))
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.message, self.offset)
    }
}

impl std::error::Error for FilterError {}
