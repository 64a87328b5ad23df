//! A filter bound to a resource type and evaluated against canonical resource JSON.
//!
//! Binding resolves every attribute path and checks each comparison against the
//! attribute's type (RFC 7644 §3.4.2.2), so type errors surface as `invalidFilter`
//! before any resource is looked at, and evaluation does no schema lookups.

use super::{CompareOp, Filter, FilterError, Literal};
use crate::faults::{Fault, FaultSet};
use crate::scim::attr_path::AttrPath;
use crate::scim::datetime;
use crate::scim::schema::{AttrType, Attribute, Container, ResourceType, Returned};
use serde_json::{Map, Value};
use std::cmp::Ordering;
use time::OffsetDateTime;

/// A filter ready to evaluate resources of one resource type.
#[derive(Debug)]
pub struct Matcher<'r> {
    root: Node<'r>,
}

#[derive(Debug)]
enum Node<'r> {
    All(Vec<Node<'r>>),
    Any(Vec<Node<'r>>),
    Not(Box<Node<'r>>),
    Test(Target<'r>, Test),
    /// A test on an attribute the resource type lacks: its outcome is fixed.
    Fixed(bool),
    /// `pr`; `loose` (a fault) counts empty strings, arrays and objects as present.
    Present(Target<'r>, bool),
    /// Some value of a complex attribute satisfies the inner node.
    Element(Target<'r>, Box<Node<'r>>),
    /// The `value-path-any-value` fault: each condition of the inner node may
    /// hold for a different value.
    Spread(Target<'r>, Box<Node<'r>>),
}

/// Where the compared values live, relative to the object being evaluated.
#[derive(Debug, Clone, Copy)]
struct Target<'r> {
    container: Option<&'r str>,
    attr: &'r Attribute,
    sub: Option<&'r Attribute>,
}

#[derive(Debug)]
enum Test {
    Text {
        op: CompareOp,
        value: String,
        exact: bool,
        /// userName: compared after PRECIS preparation (RFC 7644 §7.8).
        precis: bool,
    },
    Number {
        op: CompareOp,
        value: serde_json::Number,
    },
    Bool {
        op: CompareOp,
        value: bool,
        /// "If not specified, the value of primary SHALL be assumed to be
        /// false" (RFC 7643 §2.4): an absent `primary` compares as false.
        absent_is_false: bool,
    },
    Instant {
        op: CompareOp,
        value: OffsetDateTime,
    },
    /// `eq null` / `ne null`: RFC 7643 §2.5 makes null and unassigned the same state.
    Null {
        op: CompareOp,
    },
}

impl Filter {
    /// Checks the filter against `rt` and prepares it for evaluation.
    pub fn bind<'r>(&self, rt: &'r ResourceType) -> Result<Matcher<'r>, FilterError> {
        self.bind_with(rt, &BindOptions::default())
    }

    pub fn bind_with<'r>(
        &self,
        rt: &'r ResourceType,
        options: &BindOptions,
    ) -> Result<Matcher<'r>, FilterError> {
        Ok(Matcher { root: bind(self, &Scope::Resource(rt), options)? })
    }

    /// Binds a value filter (`emails[type eq "work"]`) to the sub-attributes of `attr`.
    pub fn bind_within<'r>(&self, attr: &'r Attribute) -> Result<Matcher<'r>, FilterError> {
        Ok(Matcher { root: bind(self, &Scope::Element(attr), &BindOptions::default())? })
    }
}

/// How to bind, beyond what the schema says.
#[derive(Debug, Default)]
pub struct BindOptions {
    /// Top-level attributes to compare case-sensitively whatever their `caseExact`
    /// (the `username-filter-case-sensitive` fault).
    pub force_case_exact: Vec<&'static str>,
    /// Treat attributes the resource type does not define as having no value,
    /// instead of refusing the filter. RFC 7644 §3.4.2.1 asks this of queries
    /// across resource types: "a presence or equality filter for an undefined
    /// attribute evaluates to false".
    pub unknown_as_absent: bool,
    /// Reference-server faults that change how filters match.
    pub faults: FaultSet,
}

/// What attribute names resolve against: a resource type, or inside `attr[...]`,
/// the sub-attributes of one complex attribute.
enum Scope<'r> {
    Resource(&'r ResourceType),
    Element(&'r Attribute),
}

fn bind<'r>(filter: &Filter, scope: &Scope<'r>, options: &BindOptions) -> Result<Node<'r>, FilterError> {
    // The `filter-meta-invisible` fault: meta is added after filtering, so a
    // filter on it sees no value.
    let invisible = |path: &crate::scim::attr_path::AttrPath| {
        options.faults.has(Fault::FilterMetaInvisible)
            && matches!(scope, Scope::Resource(_))
            && path.name.eq_ignore_ascii_case("meta")
    };
    match filter {
        Filter::Present { path, .. } if invisible(path) => return Ok(Node::Fixed(false)),
        Filter::Compare { path, op, value, .. } if invisible(path) => {
            return Ok(Node::Fixed(
                matches!((op, value), (CompareOp::Eq, Literal::Null)) || *op == CompareOp::Ne,
            ));
        }
        _ => {}
    }
    Ok(match filter {
        Filter::And(parts) => {
            Node::All(parts.iter().map(|p| bind(p, scope, options)).collect::<Result<_, _>>()?)
        }
        Filter::Or(parts) => {
            Node::Any(parts.iter().map(|p| bind(p, scope, options)).collect::<Result<_, _>>()?)
        }
        Filter::Not(inner) => Node::Not(Box::new(bind(inner, scope, options)?)),
        Filter::Present { path, span } => match resolve(scope, path, span.start) {
            Ok(target) => Node::Present(target, options.faults.has(Fault::FilterPrMatchesEmpty)),
            Err(_) if options.unknown_as_absent => Node::Fixed(false),
            Err(e) => return Err(e),
        },
        Filter::Compare { path, op, value, span } => {
            let target = match resolve(scope, path, span.start) {
                Ok(target) => target,
                // With no value, only `ne` and `eq null` hold.
                Err(_) if options.unknown_as_absent => {
                    let holds = match (op, value) {
                        (CompareOp::Eq, Literal::Null) => true,
                        (CompareOp::Ne, Literal::Null) => false,
                        (op, _) => *op == CompareOp::Ne,
                    };
                    return Ok(Node::Fixed(holds));
                }
                Err(e) => return Err(e),
            };
            let faults = options.faults;
            let forced = faults.has(Fault::FilterValuesCaseSensitive)
                || (target.sub.is_none()
                    && matches!(scope, Scope::Resource(_))
                    && options.force_case_exact.iter().any(|n| n.eq_ignore_ascii_case(&target.attr.name)));
            let op = match op {
                CompareOp::Ge if faults.has(Fault::FilterGeLeExclusive) => CompareOp::Gt,
                CompareOp::Le if faults.has(Fault::FilterGeLeExclusive) => CompareOp::Lt,
                op => *op,
            };
            let test = typed_test(target.compared(), op, value, forced, faults)
                .map_err(|m| FilterError::new(span.start, m))?;
            Node::Test(target, test)
        }
        Filter::ValuePath { path, filter, span } => {
            let target = match resolve(scope, path, span.start) {
                Ok(target) => target,
                Err(_) if options.unknown_as_absent => return Ok(Node::Fixed(false)),
                Err(e) => return Err(e),
            };
            if !target.attr.is_complex() || target.sub.is_some() {
                return Err(FilterError::new(
                    span.start,
                    format!("'{path}[...]': a value filter needs a complex attribute"),
                ));
            }
            let inner = Box::new(bind(filter, &Scope::Element(target.attr), options)?);
            if options.faults.has(Fault::ValuePathAnyValue) {
                Node::Spread(target, inner)
            } else {
                Node::Element(target, inner)
            }
        }
    })
}

fn resolve<'r>(scope: &Scope<'r>, path: &AttrPath, at: usize) -> Result<Target<'r>, FilterError> {
    match scope {
        Scope::Resource(rt) => {
            let r = rt.resolve_attr(path).map_err(|m| FilterError::new(at, m))?;
            // RFC 7643 §7 lets a service provider allow filters on `returned:
            // never` attributes; allowing it would let a client probe passwords.
            if r.target().returned == Returned::Never || r.attr.returned == Returned::Never {
                return Err(FilterError::new(
                    at,
                    format!("'{path}' is never returned and cannot be filtered on"),
                ));
            }
            Ok(Target {
                container: match r.container {
                    Container::Core => None,
                    Container::Extension(s) => Some(s.id.as_str()),
                },
                attr: r.attr,
                sub: r.sub,
            })
        }
        Scope::Element(parent) => {
            if path.urn.is_some() || path.sub.is_some() {
                return Err(FilterError::new(
                    at,
                    format!(
                        "inside {}[...] name a sub-attribute of {} only, not '{path}'",
                        parent.name, parent.name
                    ),
                ));
            }
            let attr = parent.sub(&path.name).ok_or_else(|| {
                FilterError::new(at, format!("{} has no sub-attribute '{}'", parent.name, path.name))
            })?;
            Ok(Target { container: None, attr, sub: None })
        }
    }
}

impl<'r> Target<'r> {
    /// The definition whose values a comparison sees. A complex attribute named
    /// without a sub-attribute is compared through its `value` sub-attribute
    /// (`emails co "@example.com"`), the convention RFC 7643 §2.4 sets for
    /// multi-valued attributes.
    fn compared(&self) -> &'r Attribute {
        match self.sub {
            Some(sub) => sub,
            None if self.attr.is_complex() => self.attr.sub("value").unwrap_or(self.attr),
            None => self.attr,
        }
    }

    /// Calls `f` on each non-null value at the target until it returns true.
    fn any_value(&self, obj: &Map<String, Value>, f: &mut dyn FnMut(&Value) -> bool) -> bool {
        let container = match self.container {
            None => obj,
            Some(key) => match obj.get(key) {
                Some(Value::Object(inner)) => inner,
                _ => return false,
            },
        };
        let Some(value) = container.get(&self.attr.name) else {
            return false;
        };
        let leaf = self.sub.map(|s| s.name.as_str());
        let mut visit = |v: &Value| -> bool {
            match (leaf, v) {
                (Some(name), Value::Object(o)) => o.get(name).is_some_and(|x| !x.is_null() && f(x)),
                (Some(_), _) => false,
                (None, v) => !v.is_null() && f(v),
            }
        };
        match value {
            Value::Array(items) => items.iter().any(&mut visit),
            other => visit(other),
        }
    }

    /// Values for a comparison: for a complex attribute named alone, its `value`s.
    fn any_compared(&self, obj: &Map<String, Value>, f: &mut dyn FnMut(&Value) -> bool) -> bool {
        if self.sub.is_none() && self.attr.is_complex() {
            return self.any_value(obj, &mut |v| match v {
                Value::Object(o) => o.get("value").is_some_and(|x| !x.is_null() && f(x)),
                _ => false,
            });
        }
        self.any_value(obj, f)
    }
}

fn typed_test(
    attr: &Attribute,
    op: CompareOp,
    literal: &Literal,
    force_exact: bool,
    faults: FaultSet,
) -> Result<Test, String> {
    let name = &attr.name;
    let ty = attr.ty.as_str();
    if let Literal::Null = literal {
        return match op {
            CompareOp::Eq | CompareOp::Ne => Ok(Test::Null { op }),
            _ => Err(format!("'{}' cannot compare with null; only eq and ne can", op.as_str())),
        };
    }
    let mismatch = || format!("'{name}' is {} and cannot be compared with {literal}", article(ty));
    match attr.ty {
        AttrType::Complex => Err(format!("'{name}' is complex; compare one of its sub-attributes")),
        // The `filter-boolean-as-string` fault: `true` compared as the text "true".
        AttrType::Boolean if faults.has(Fault::FilterBooleanAsString) => {
            Ok(Test::Text { op, value: literal.to_string(), exact: true, precis: false })
        }
        AttrType::Boolean => {
            if op != CompareOp::Eq && op != CompareOp::Ne && !faults.has(Fault::BooleanOrderingAccepted) {
                return Err(format!(
                    "'{}' is not defined for boolean '{name}'; only eq, ne and pr are (RFC 7644 §3.4.2.2)",
                    op.as_str()
                ));
            }
            match literal {
                Literal::Bool(b) => Ok(Test::Bool { op, value: *b, absent_is_false: attr.name == "primary" }),
                _ => Err(mismatch()),
            }
        }
        AttrType::Integer | AttrType::Decimal => {
            if op.is_substring() {
                return Err(format!(
                    "'{}' needs a string attribute; '{name}' is {}",
                    op.as_str(),
                    article(ty)
                ));
            }
            match literal {
                Literal::Number(n) if attr.ty == AttrType::Decimal || n.is_i64() || n.is_u64() => {
                    Ok(Test::Number { op, value: n.clone() })
                }
                _ => Err(mismatch()),
            }
        }
        AttrType::DateTime => {
            if op.is_substring() {
                return Err(format!("'{}' needs a string attribute; '{name}' is a dateTime", op.as_str()));
            }
            match literal {
                Literal::String(s) => {
                    datetime::parse(s).map(|value| Test::Instant { op, value }).ok_or_else(|| {
                        format!("'{s}' is not a dateTime, so it cannot be compared with '{name}'")
                    })
                }
                _ => Err(mismatch()),
            }
        }
        AttrType::Binary if op.is_ordering() => {
            Err(format!("'{}' is not defined for binary '{name}' (RFC 7644 §3.4.2.2)", op.as_str()))
        }
        AttrType::String | AttrType::Reference | AttrType::Binary => match literal {
            Literal::String(s) => {
                let exact = (attr.compares_exactly() && !faults.has(Fault::CaseExactIgnored)) || force_exact;
                let precis = !exact && attr.name == "userName";
                let value = match (exact, precis) {
                    (true, _) => s.clone(),
                    (false, true) => crate::scim::precis::username(s),
                    (false, false) => s.to_lowercase(),
                };
                Ok(Test::Text { op, value, exact, precis })
            }
            _ => Err(mismatch()),
        },
    }
}

fn article(ty: &str) -> String {
    match ty.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {ty}"),
        _ => format!("a {ty}"),
    }
}

impl Matcher<'_> {
    /// Whether the resource (its canonical JSON object) satisfies the filter.
    pub fn matches(&self, resource: &Map<String, Value>) -> bool {
        eval(&self.root, resource)
    }
}

fn eval(node: &Node<'_>, obj: &Map<String, Value>) -> bool {
    match node {
        Node::All(parts) => parts.iter().all(|p| eval(p, obj)),
        Node::Any(parts) => parts.iter().any(|p| eval(p, obj)),
        Node::Not(inner) => !eval(inner, obj),
        Node::Fixed(holds) => *holds,
        Node::Present(target, false) => target.any_value(obj, &mut is_present),
        Node::Present(target, true) => target.any_value(obj, &mut |_| true),
        Node::Element(target, inner) => target.any_value(obj, &mut |v| match v {
            Value::Object(element) => eval(inner, element),
            _ => false,
        }),
        Node::Spread(target, inner) => spread(target, inner, obj),
        // RFC 7644 §3.4.2.2: a multi-valued attribute matches "if any of the
        // values ... match", `ne` included. An attribute with no value at all is
        // "not identical" to any operand, so `ne` holds for it (the RFC is silent).
        Node::Test(target, test) => match test {
            Test::Null { op } => {
                let present = target.any_compared(obj, &mut |_| true);
                present == (*op == CompareOp::Ne)
            }
            Test::Bool { absent_is_false: true, .. } if !target.any_compared(obj, &mut |_| true) => {
                test.holds(&Value::Bool(false))
            }
            t if t.op() == CompareOp::Ne => {
                let mut seen = false;
                let differs = target.any_compared(obj, &mut |v| {
                    seen = true;
                    t.holds(v)
                });
                differs || !seen
            }
            t => target.any_compared(obj, &mut |v| t.holds(v)),
        },
    }
}

/// Each `and` term of a value filter tested against any value on its own.
fn spread(target: &Target<'_>, inner: &Node<'_>, obj: &Map<String, Value>) -> bool {
    match inner {
        Node::All(parts) => parts.iter().all(|p| spread(target, p, obj)),
        other => target.any_value(obj, &mut |v| match v {
            Value::Object(element) => eval(other, element),
            _ => false,
        }),
    }
}

/// `pr`: "If the attribute has a non-empty value, or if it contains a non-empty
/// node for complex attributes, there is a match" (RFC 7644 §3.4.2.2).
fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(is_present),
        Value::Object(o) => o.values().any(is_present),
        _ => true,
    }
}

impl Test {
    fn op(&self) -> CompareOp {
        match self {
            Test::Text { op, .. }
            | Test::Number { op, .. }
            | Test::Bool { op, .. }
            | Test::Instant { op, .. }
            | Test::Null { op } => *op,
        }
    }

    fn holds(&self, v: &Value) -> bool {
        let op = self.op();
        match (self, v) {
            (Test::Text { value, exact, precis, .. }, Value::String(s)) => {
                if *exact {
                    text_holds(op, s, value)
                } else if *precis {
                    text_holds(op, &crate::scim::precis::username(s), value)
                } else {
                    text_holds(op, &s.to_lowercase(), value)
                }
            }
            (Test::Number { value, .. }, Value::Number(n)) => ordering_holds(op, compare_numbers(n, value)),
            (Test::Bool { value, .. }, Value::Bool(b)) => ordering_holds(op, Some(b.cmp(value))),
            (Test::Instant { value, .. }, Value::String(s)) => {
                ordering_holds(op, datetime::parse(s).map(|t| t.cmp(value)))
            }
            _ => false,
        }
    }
}

fn text_holds(op: CompareOp, actual: &str, operand: &str) -> bool {
    match op {
        CompareOp::Co => actual.contains(operand),
        CompareOp::Sw => actual.starts_with(operand),
        CompareOp::Ew => actual.ends_with(operand),
        _ => ordering_holds(op, Some(actual.cmp(operand))),
    }
}

fn ordering_holds(op: CompareOp, ord: Option<Ordering>) -> bool {
    let Some(ord) = ord else { return false };
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare_numbers(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// Orders two values of one attribute by its type and caseExact, for `sortBy`
/// (RFC 7644 §3.4.2.3). Values of the wrong JSON type order after valid ones.
pub fn compare_values(attr: &Attribute, a: &Value, b: &Value) -> Ordering {
    let key = |v: &Value| -> Option<Key> {
        Some(match (attr.ty, v) {
            (AttrType::Integer | AttrType::Decimal, Value::Number(n)) => Key::Number(n.clone()),
            (AttrType::Boolean, Value::Bool(b)) => Key::Bool(*b),
            (AttrType::DateTime, Value::String(s)) => Key::Instant(datetime::parse(s)?),
            (_, Value::String(s)) if attr.compares_exactly() => Key::Text(s.clone()),
            (_, Value::String(s)) => Key::Text(s.to_lowercase()),
            _ => return None,
        })
    };
    match (key(a), key(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

#[derive(PartialEq)]
enum Key {
    Number(serde_json::Number),
    Bool(bool),
    Instant(OffsetDateTime),
    Text(String),
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Key::Number(a), Key::Number(b)) => compare_numbers(a, b).unwrap_or(Ordering::Equal),
            (Key::Bool(a), Key::Bool(b)) => a.cmp(b),
            (Key::Instant(a), Key::Instant(b)) => a.cmp(b),
            (Key::Text(a), Key::Text(b)) => a.cmp(b),
            // One attribute has one type, so mixed keys only arise from bad data.
            _ => Ordering::Equal,
        }
    }
}
