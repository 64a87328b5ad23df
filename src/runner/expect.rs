//! Evaluating a step's expectations against a response.

use super::check::{Check, Span};
use super::http::Incoming;
use super::matching::{self, short};
use super::outcome::{Finding, HarnessError, Impact};
use crate::scim::schema::Registry;
use crate::scim::sort::{SortKey, SortOrder as ScimSortOrder};
use crate::suite::Case;
use crate::suite::case::{Expect, HeaderCheck, PointerCheck, SortOrder, Sorted, Step};
use crate::suite::json_schema;
use crate::suite::template::{self, Vars};
use serde_json::Value;

/// Which step of which case a finding belongs to.
pub struct StepInfo<'a> {
    pub case: &'a Case,
    pub step: &'a Step,
    /// 1-based.
    pub number: usize,
    pub line: u64,
}

impl StepInfo<'_> {
    /// A finding on this step, at `line`, citing `req` or the step's requirement.
    pub fn finding(
        &self,
        line: u64,
        req: Option<&str>,
        check: Check,
        expected: impl Into<String>,
        actual: impl Into<String>,
        exchange: Option<usize>,
    ) -> Finding {
        let requirement = req
            .and_then(|id| self.case.cited(id))
            .unwrap_or_else(|| self.case.requirement_for(self.step))
            .clone();
        self.finding_citing(requirement, line, check, expected, actual, exchange)
    }

    /// A finding that cites a requirement of the harness's choosing, not
    /// one the case names: a rule the step broke on its way (a filter
    /// spelling refused, say).
    pub fn finding_citing(
        &self,
        requirement: crate::suite::requirement::Requirement,
        line: u64,
        check: Check,
        expected: impl Into<String>,
        actual: impl Into<String>,
        exchange: Option<usize>,
    ) -> Finding {
        let impact = Impact::of(self.case.id(), &requirement);
        Finding {
            step: self.number,
            step_name: self.step.name.clone(),
            impact,
            requirement,
            disposition: Default::default(),
            check,
            expected: expected.into(),
            actual: actual.into(),
            location: Span::Line { file: self.case.file.clone(), line },
            exchange,
        }
    }
}

/// How many failing elements an `each` pointer check reports in full.
const EACH_SHOWN: usize = 3;

/// Every finding the response earns under `expect`.
pub fn check(
    info: &StepInfo<'_>,
    expect: &Expect,
    incoming: &Incoming,
    vars: &Vars,
    exchange: usize,
) -> Result<Vec<Finding>, HarnessError> {
    check_with_body(info, expect, incoming, vars, exchange, None)
}

/// Whether any expectation reads the response body.
pub fn wants_body(expect: &Expect) -> bool {
    expect.json.is_some()
        || !expect.pointers.is_empty()
        || expect.schema.is_some()
        || expect.each.is_some()
        || expect.sorted.is_some()
}

/// Like [`check`], with the body checks made on another response: the
/// resource read back after a PATCH that answered 204, or a listing whose
/// pages were gathered into one.
pub fn check_with_body(
    info: &StepInfo<'_>,
    expect: &Expect,
    incoming: &Incoming,
    vars: &Vars,
    exchange: usize,
    body_from: Option<(&Incoming, usize)>,
) -> Result<Vec<Finding>, HarnessError> {
    let ex = Some(exchange);
    let render = |s: &str, line: u64| template::render_str(s, vars).map_err(|e| suite_error(info, line, e));
    let render_value =
        |v: &Value, line: u64| template::render_value(v, vars).map_err(|e| suite_error(info, line, e));
    let mut out = Vec::new();
    if let Some(status) = &expect.status
        && !status.value.allows(incoming.status)
    {
        out.push(info.finding(
            status.referenced.line(),
            None,
            Check::Status,
            status.value.describe(),
            describe_status(incoming),
            ex,
        ));
        // The other expectations were written for the status the step
        // expects (an Allow header for a 405, an error body for a 400): on
        // another status they would only repeat this finding, or be unfair.
        return Ok(out);
    }
    if let Some(prefer) = &expect.prefer
        && !prefer.value.status.allows(incoming.status)
    {
        out.push(info.finding(
            prefer.referenced.line(),
            Some(&prefer.value.req),
            Check::Status,
            prefer.value.status.describe(),
            describe_status(incoming),
            ex,
        ));
    }
    for (name, check) in &expect.headers {
        let line = check.referenced.line();
        let actual = incoming.header(name);
        let shown = actual.map_or_else(|| "absent".to_string(), |v| format!("{v:?}"));
        let (ok, expected) = match &check.value {
            HeaderCheck::Present => (actual.is_some(), "present".to_string()),
            HeaderCheck::Absent => (actual.is_none(), "absent".to_string()),
            HeaderCheck::Equals(want) => {
                let want = render(want, line)?;
                (actual == Some(want.as_str()), format!("{want:?}"))
            }
            HeaderCheck::Differs(old) => {
                let old = render(old, line)?;
                (actual.is_some_and(|a| a != old), format!("present and not {old:?}"))
            }
            HeaderCheck::Matches(re) => {
                let re = template::render_regex(re, vars).map_err(|e| suite_error(info, line, e))?;
                let regex = regex::Regex::new(&re).map_err(|e| suite_error(info, line, e))?;
                (actual.is_some_and(|v| regex.is_match(v)), format!("matching /{re}/"))
            }
        };
        if !ok {
            out.push(info.finding(line, None, Check::Header(name.to_string()), expected, shown, ex));
        }
    }
    if !wants_body(expect) || (expect.body_optional && incoming.status == 204 && body_from.is_none()) {
        return Ok(out);
    }
    let (incoming, ex) = match body_from {
        Some((other, at)) => (other, Some(at)),
        None => (incoming, ex),
    };
    let body = match incoming.json() {
        Ok(v) => v,
        Err(why) => {
            out.push(info.finding(info.line, None, Check::Body, "a JSON body", why, ex));
            return Ok(out);
        }
    };
    if let Some(subset) = &expect.json {
        let want = render_value(&subset.value, subset.referenced.line())?;
        let problems = matching::mismatches(&want, &body);
        if !problems.is_empty() {
            let list: Vec<String> =
                problems.iter().map(|m| format!("{}: {}", m.pointer, m.problem)).collect();
            out.push(info.finding(
                subset.referenced.line(),
                None,
                Check::Json(list),
                pretty(&matching::shown_expected(&want, &body)),
                pretty(&matching::project(&want, &body)),
                ex,
            ));
        }
    }
    for p in &expect.pointers {
        if let Some(f) = check_pointer(info, &p.value, p.referenced.line(), &body, vars, ex)? {
            out.push(f);
        }
    }
    if let Some(name) = &expect.schema {
        let problems = json_schema::violations(&name.value, &body);
        if !problems.is_empty() {
            out.push(info.finding(
                name.referenced.line(),
                None,
                Check::Schema(name.value.to_string()),
                format!("a body valid against schemas/json/{}.json", name.value),
                problems.join("\n"),
                ex,
            ));
        }
    }
    if let Some(each) = &expect.each {
        let line = each.referenced.line();
        let e = &each.value;
        match matching::pointer(&body, &e.at).and_then(Value::as_array) {
            None if e.optional && matching::pointer(&body, &e.at).is_none_or(Value::is_null) => {}
            None => out.push(info.finding(
                line,
                None,
                Check::Each(e.at.to_string()),
                "an array",
                "absent or not an array",
                ex,
            )),
            Some(items) => {
                let want = e.json.as_ref().map(|j| render_value(j, line)).transpose()?;
                let mut problems = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    if let Some(want) = &want {
                        problems.extend(
                            matching::mismatches(want, item)
                                .into_iter()
                                .map(|m| format!("[{i}]{}: {}", m.pointer, m.problem)),
                        );
                    }
                    if let Some(schema) = &e.schema {
                        problems.extend(
                            json_schema::violations(schema, item).into_iter().map(|v| format!("[{i}] {v}")),
                        );
                    }
                }
                for c in &e.pointers {
                    // Each failing element would repeat the same finding; the
                    // first few show the pattern, the count shows its extent.
                    let mut failing = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        if let Some(f) = check_pointer(info, c, line, item, vars, ex)? {
                            failing.push((i, f));
                        }
                    }
                    let total = failing.len();
                    for (i, mut f) in failing.into_iter().take(EACH_SHOWN) {
                        f.check =
                            Check::EachElement { at: e.at.to_string(), index: i, failed: Box::new(f.check) };
                        out.push(f);
                    }
                    if total > EACH_SHOWN
                        && let Some(last) = out.last_mut()
                    {
                        last.actual.push_str(&format!("\n(and {} more elements)", total - EACH_SHOWN));
                    }
                }
                if !problems.is_empty() {
                    let expected = match (&want, &e.schema) {
                        (Some(w), Some(s)) => format!("every element matches {} and schema {s}", short(w)),
                        (Some(w), None) => format!("every element matches {}", short(w)),
                        (None, Some(s)) => format!("every element valid against schema {s}"),
                        (None, None) => String::new(),
                    };
                    out.push(info.finding(
                        line,
                        None,
                        Check::Each(e.at.to_string()),
                        expected,
                        problems.join("\n"),
                        ex,
                    ));
                }
            }
        }
    }
    if let Some(sorted) = &expect.sorted
        && let Some(f) = check_sorted(info, &sorted.value, sorted.referenced.line(), &body, ex)?
    {
        out.push(f);
    }
    Ok(out)
}

/// `404 (scimType ..., detail "...")` when the body is a SCIM error: the most
/// useful thing to show next to a wrong status.
fn describe_status(incoming: &Incoming) -> String {
    let mut s = incoming.status.to_string();
    if let Ok(body) = incoming.json() {
        let detail = matching::pointer(&body, "/detail").and_then(Value::as_str);
        let scim_type = matching::pointer(&body, "/scimType").and_then(Value::as_str);
        match (scim_type, detail) {
            (Some(t), Some(d)) => s.push_str(&format!(" (scimType {t}: {d})")),
            (None, Some(d)) => s.push_str(&format!(" ({d})")),
            (Some(t), None) => s.push_str(&format!(" (scimType {t})")),
            (None, None) => {}
        }
    }
    s
}

fn check_pointer(
    info: &StepInfo<'_>,
    c: &PointerCheck,
    line: u64,
    body: &Value,
    vars: &Vars,
    ex: Option<usize>,
) -> Result<Option<Finding>, HarnessError> {
    let at = template::render_str(&c.at, vars).map_err(|e| suite_error(info, line, e))?;
    let value = matching::pointer(body, &at).filter(|v| !v.is_null());
    let shown = value.map_or_else(|| "absent".to_string(), short);
    let req = c.req.as_deref();
    if value.is_none() && c.optional {
        return Ok(None);
    }
    let fail = |expected: String| {
        Some(info.finding(line, req, Check::Pointer(at.to_string()), expected, shown.clone(), ex))
    };
    if let Some(want) = &c.equals {
        let want = template::render_value(want, vars).map_err(|e| suite_error(info, line, e))?;
        let ok = value.is_some_and(|v| matching::scalars_equal(&want, v) || same_members(&want, v));
        return Ok(if ok { None } else { fail(short(&want)) });
    }
    if let Some(old) = &c.differs {
        let old = template::render_value(old, vars).map_err(|e| suite_error(info, line, e))?;
        let ok = value.is_some_and(|v| !matching::scalars_equal(&old, v) && *v != old);
        return Ok(if ok { None } else { fail(format!("present and not {}", short(&old))) });
    }
    if c.absent {
        return Ok(if value.is_none() { None } else { fail("absent".into()) });
    }
    if c.present {
        return Ok(if value.is_some() { None } else { fail("present".into()) });
    }
    if let Some(ty) = c.ty {
        let ok = value.is_some_and(|v| ty.admits(v));
        return Ok(if ok { None } else { fail(format!("a JSON {}", ty.as_str())) });
    }
    if let Some(n) = c.length {
        let len = value.and_then(|v| match v {
            Value::Array(a) => Some(a.len()),
            Value::Object(o) => Some(o.len()),
            Value::String(s) => Some(s.chars().count()),
            _ => None,
        });
        return Ok(if len == Some(n) {
            None
        } else {
            Some(info.finding(
                line,
                req,
                Check::Pointer(at.to_string()),
                format!("length {n}"),
                len.map_or_else(|| shown.clone(), |l| format!("length {l}")),
                ex,
            ))
        });
    }
    if let Some(want) = &c.contains {
        let want = template::render_value(want, vars).map_err(|e| suite_error(info, line, e))?;
        let ok = match (value, &want) {
            (Some(Value::Array(items)), w) => items.iter().any(|i| matching::matches(w, i)),
            (Some(Value::String(s)), Value::String(w)) => s.contains(w.as_str()),
            _ => false,
        };
        return Ok(if ok { None } else { fail(format!("containing {}", short(&want))) });
    }
    if let Some(unwanted) = &c.lacks {
        let unwanted = template::render_value(unwanted, vars).map_err(|e| suite_error(info, line, e))?;
        let found = match value {
            Some(Value::Array(items)) => items.iter().find(|i| matching::matches(&unwanted, i)),
            _ => None,
        };
        return Ok(found.map(|hit| {
            info.finding(
                line,
                req,
                Check::Pointer(at.to_string()),
                format!("no element matching {}", short(&unwanted)),
                format!("an element {}", short(hit)),
                ex,
            )
        }));
    }
    if let Some(re) = &c.matches {
        let re = template::render_regex(re, vars).map_err(|e| suite_error(info, line, e))?;
        let regex = regex::Regex::new(&re).map_err(|e| suite_error(info, line, e))?;
        let ok = value.is_some_and(|v| regex.is_match(&template::text_of(v)));
        return Ok(if ok { None } else { fail(format!("matching /{re}/")) });
    }
    Ok(None)
}

/// Equal JSON, arrays compared as multisets: SCIM gives multi-valued
/// attributes no order, and a listing's order is set only by sortBy.
fn same_members(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            let mut left: Vec<&Value> = y.iter().collect();
            x.len() == y.len()
                && x.iter().all(|item| match left.iter().position(|other| same_members(item, other)) {
                    Some(i) => {
                        left.swap_remove(i);
                        true
                    }
                    None => false,
                })
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_members(v, w)))
        }
        _ => a == b,
    }
}

fn check_sorted(
    info: &StepInfo<'_>,
    s: &Sorted,
    line: u64,
    body: &Value,
    ex: Option<usize>,
) -> Result<Option<Finding>, HarnessError> {
    let rt = Registry::builtin()
        .resource_type(&s.resource)
        .ok_or_else(|| suite_error(info, line, format!("no resource type {}", s.resource)))?;
    let order = match s.order {
        SortOrder::Ascending => ScimSortOrder::Ascending,
        SortOrder::Descending => ScimSortOrder::Descending,
    };
    let key = SortKey::parse(rt, &s.by, order).map_err(|e| suite_error(info, line, e.detail))?;
    let expected = format!(
        "{} by {} ({})",
        s.at,
        s.by,
        if order == ScimSortOrder::Ascending { "ascending" } else { "descending" }
    );
    let Some(items) = matching::pointer(body, &s.at).and_then(Value::as_array) else {
        return Ok(Some(info.finding(
            line,
            None,
            Check::Sorted(s.at.to_string()),
            expected,
            "absent or not an array",
            ex,
        )));
    };
    let values: Vec<Option<&Value>> =
        items.iter().map(|i| i.as_object().and_then(|o| key.value_of(o))).collect();
    for (i, pair) in values.windows(2).enumerate() {
        if key.compare_found(pair[0], pair[1]) == std::cmp::Ordering::Greater {
            let show = |v: Option<&Value>| v.map_or_else(|| "no value".to_string(), short);
            let actual =
                format!("element {i} ({}) comes before element {} ({})", show(pair[0]), i + 1, show(pair[1]));
            return Ok(Some(info.finding(line, None, Check::Sorted(s.at.to_string()), expected, actual, ex)));
        }
    }
    Ok(None)
}

/// A problem with the case itself, at its line.
fn suite_error(info: &StepInfo<'_>, line: u64, e: impl std::fmt::Display) -> HarnessError {
    HarnessError::suite(format!("{}: {e}", info.case.at(line)))
}

pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}
