//! What a finding checked and where the case says so, as types: reports
//! and tools can tell a status finding from a header or pointer finding
//! without parsing the text, and every renderer prints them the same way.
//!
//! Both serialize as the text they display, so the JSON report keeps one
//! readable string per field.

use serde::{Serialize, Serializer};
use std::fmt;

/// The expectation a finding comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The response's status code.
    Status,
    /// A response header.
    Header(String),
    /// The body is JSON at all.
    Body,
    /// A JSON subset, with each mismatch as `pointer: problem`.
    Json(Vec<String>),
    /// A value at a JSON pointer.
    Pointer(String),
    /// The body against a bundled JSON Schema.
    Schema(String),
    /// Every element of the array at a pointer, taken together.
    Each(String),
    /// One element of such an array, and what it failed.
    EachElement { at: String, index: usize, failed: Box<Check> },
    /// The order of a listing by a sort key.
    Sorted(String),
    /// A filter the server had to answer (as sent).
    Filter(String),
    /// A value a later step needs, captured from a response.
    Capture(String),
    /// A walk over every page of a listing, and the kind of problem seen.
    Walk { path: String, problem: String },
    /// A rule the client audit applies to what a client sent.
    ClientRule(String),
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::Status => f.write_str("status"),
            Check::Header(name) => write!(f, "header {name}"),
            Check::Body => f.write_str("body"),
            Check::Json(mismatches) => write!(f, "json ({})", mismatches.join("; ")),
            Check::Pointer(at) => write!(f, "pointer {at}"),
            Check::Schema(name) => write!(f, "schema {name}"),
            Check::Each(at) => write!(f, "each {at}"),
            Check::EachElement { at, index, failed } => write!(f, "each {at}/{index}: {failed}"),
            Check::Sorted(at) => write!(f, "sorted {at}"),
            Check::Filter(text) => write!(f, "filter {text}"),
            Check::Capture(name) => write!(f, "capture {name}"),
            Check::Walk { path, problem } => write!(f, "walk {path}: {problem}"),
            Check::ClientRule(text) => f.write_str(text),
        }
    }
}

impl Serialize for Check {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Where the expectation behind a finding is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// A line of a case file.
    Line { file: String, line: u64 },
    /// A rule of the client audit, by its case id.
    AuditRule(String),
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Span::Line { file, line } => write!(f, "{file}:{line}"),
            Span::AuditRule(case) => write!(f, "audit rule {case}"),
        }
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_element_check_names_the_element_and_what_it_failed() {
        let check = Check::EachElement {
            at: "/Resources".into(),
            index: 2,
            failed: Box::new(Check::Pointer("/Resources/2/id".into())),
        };
        assert_eq!(check.to_string(), "each /Resources/2: pointer /Resources/2/id");
        assert_eq!(serde_json::to_value(&check).unwrap(), "each /Resources/2: pointer /Resources/2/id");
    }

    #[test]
    fn a_span_reads_as_file_and_line() {
        let span = Span::Line { file: "suites/rfc7644/crud.yaml".into(), line: 12 };
        assert_eq!(span.to_string(), "suites/rfc7644/crud.yaml:12");
        assert_eq!(serde_json::to_value(&span).unwrap(), "suites/rfc7644/crud.yaml:12");
    }
}
