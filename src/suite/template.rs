//! `{{name}}` substitution in suite text and JSON.
//!
//! Variables hold JSON values. A string that is exactly one `{{name}}` becomes
//! the variable's value, whatever its type (so a captured number stays a
//! number); inside a longer string a variable contributes its text.
//!
//! One generator exists, for bodies a list of requests cannot write out (a
//! Bulk request one operation past the server's limit, a large group):
//! `{"$repeat": {"count": N, "plus": M, "item": ...}}` becomes an array of
//! N + M copies of `item`, each rendered with `{{i}}` set to 1, 2, ...

use indexmap::IndexMap;
use serde_json::Value;

pub type Vars = IndexMap<String, Value>;

pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One part of a template: text as written, or a variable's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'t> {
    Text(&'t str),
    Var(&'t str),
}

/// The pieces of `text`, or why it is not a template: an unclosed `{{`, or
/// something other than one name between `{{` and `}}` (templates have no
/// filters or functions). The loader parses every template of a case with
/// this, so a case that loads never fails here at run time.
pub fn parse(text: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            pieces.push(Piece::Text(&rest[..start]));
        }
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| format!("unclosed '{{{{' in \"{text}\""))?;
        let inside = &after[..end];
        let name = inside.trim();
        if !valid_name(name) {
            return Err(not_a_name(inside));
        }
        pieces.push(Piece::Var(name));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

fn not_a_name(inside: &str) -> String {
    let written = format!("{{{{{inside}}}}}");
    if inside.trim().is_empty() {
        format!("'{written}' names no variable")
    } else if inside.contains('{') {
        format!("'{written}' holds a '{{': templates do not nest")
    } else if inside.contains('|') || inside.contains('(') {
        format!(
            "'{written}' is not a variable: a template holds one name (letters, digits and '_'), with no filters or functions"
        )
    } else {
        format!("'{written}' is not a variable: a name is letters, digits and '_'")
    }
}

/// Substitutes every `{{name}}` in `text`; an unknown name is an error.
pub fn render_str(text: &str, vars: &Vars) -> Result<String, String> {
    render_with(text, vars, &|s| s.to_string())
}

/// Like [`render_str`] for a regular expression: substituted values match
/// literally (an email's `.` is a dot, not any character).
pub fn render_regex(text: &str, vars: &Vars) -> Result<String, String> {
    render_with(text, vars, &|s| regex::escape(s))
}

/// Like [`render_str`] for a URL path: substituted values are percent-encoded
/// as one path segment, so an id holding `/`, `?` or `#` cannot change the URL.
pub fn render_path(text: &str, vars: &Vars) -> Result<String, String> {
    render_with(text, vars, &encode_segment)
}

/// The regular expression a template makes, each variable standing for a
/// literal: a variable's value is always escaped, so what the pattern is
/// can be checked before any value is known.
pub fn regex_shape(text: &str) -> Result<String, String> {
    Ok(parse(text)?
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => t,
            Piece::Var(_) => "x",
        })
        .collect())
}

fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        // RFC 3986 pchar without the delimiters that would change the path.
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn render_with(text: &str, vars: &Vars, quote: &dyn Fn(&str) -> String) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    for piece in parse(text)? {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Var(name) => out.push_str(&quote(&text_of(lookup(name, vars)?))),
        }
        // A large captured value named many times would grow without end.
        if out.len() > MOST_BYTES {
            return Err(format!(
                "\"{:.60}...\" renders to more than {} MiB",
                text,
                MOST_BYTES / (1024 * 1024)
            ));
        }
    }
    Ok(out)
}

/// A template that cannot render whatever the variables hold, and the text
/// it was found in (so the loader can point at its line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub message: String,
    pub text: String,
}

/// Checks what [`render_str`] would parse, before any variable has a value.
pub fn check_str(text: &str) -> Result<(), Malformed> {
    parse(text).map(drop).map_err(|message| Malformed { message, text: text.to_string() })
}

/// Checks what [`render_value`] would parse: every string and key, and the
/// shape of each `$repeat` (its counts may still be variables).
pub fn check_value(value: &Value) -> Result<(), Malformed> {
    match value {
        Value::String(s) => check_str(s),
        Value::Array(items) => items.iter().try_for_each(check_value),
        Value::Object(obj) if obj.len() == 1 && obj.contains_key(REPEAT) => check_repeat(&obj[REPEAT]),
        Value::Object(obj) => obj.iter().try_for_each(|(k, v)| {
            check_str(k)?;
            check_value(v)
        }),
        _ => Ok(()),
    }
}

fn check_repeat(spec: &Value) -> Result<(), Malformed> {
    let malformed = |message: String| Malformed { message, text: REPEAT.to_string() };
    let obj = spec.as_object().ok_or_else(|| malformed(REPEAT_SHAPE.into()))?;
    if let Some(key) = obj.keys().find(|k| !REPEAT_KEYS.contains(&k.as_str())) {
        return Err(malformed(unknown_repeat_key(key)));
    }
    for key in ["count", "plus"] {
        if let Some(v) = obj.get(key) {
            check_value(v)?;
            let a_count = v.as_u64().is_some() || v.as_str().is_some_and(|s| whole_variable(s).is_some());
            if !a_count {
                return Err(malformed(not_a_count(key)));
            }
        }
    }
    if obj.get("join").is_some_and(|j| !j.is_string()) {
        return Err(malformed(JOIN_TAKES_A_STRING.into()));
    }
    check_value(obj.get("item").ok_or_else(|| malformed(REPEAT_NEEDS_ITEM.into()))?)
}

/// Substitutes variables in every string of a JSON value, keys included.
pub fn render_value(value: &Value, vars: &Vars) -> Result<Value, String> {
    render_within(value, vars, &mut Budget { items: MOST_REPEATS, nodes: MOST_NODES, bytes: MOST_BYTES })
}

/// What one value may still grow to, `$repeat`s included: each within its
/// own limit, a `$repeat` inside another, or around a large item, would
/// multiply them.
struct Budget {
    items: u64,
    nodes: usize,
    bytes: usize,
}

impl Budget {
    fn spend(&mut self, nodes: usize, bytes: usize) -> Result<(), String> {
        match (self.nodes.checked_sub(nodes), self.bytes.checked_sub(bytes)) {
            (Some(n), Some(b)) => {
                (self.nodes, self.bytes) = (n, b);
                Ok(())
            }
            _ => Err(format!(
                "the rendered value grows past {MOST_NODES} JSON values or {} MiB of text",
                MOST_BYTES / (1024 * 1024)
            )),
        }
    }
}

fn render_within(value: &Value, vars: &Vars, budget: &mut Budget) -> Result<Value, String> {
    budget.spend(1, 0)?;
    Ok(match value {
        Value::String(s) => match whole_variable(s) {
            Some(name) => {
                let v = lookup(name, vars)?;
                budget.spend(0, v.to_string().len())?;
                v.clone()
            }
            None => {
                let text = render_str(s, vars)?;
                budget.spend(0, text.len())?;
                Value::String(text)
            }
        },
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| render_within(v, vars, budget)).collect::<Result<_, _>>()?)
        }
        Value::Object(obj) if obj.len() == 1 && obj.contains_key(REPEAT) => {
            repeat(&obj[REPEAT], vars, budget)?
        }
        Value::Object(obj) => {
            let mut out = serde_json::Map::new();
            for (k, v) in obj {
                out.insert(render_str(k, vars)?, render_within(v, vars, budget)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

const REPEAT: &str = "$repeat";
/// More generated items than this in one value is a suite mistake, not a test.
const MOST_REPEATS: u64 = 100_000;
/// JSON values in one rendered value: a Bulk request past `maxOperations`,
/// or a group of many members, needs far fewer.
const MOST_NODES: usize = 1_000_000;
/// Text in one rendered value: a body past `maxPayloadSize` takes a long string.
const MOST_BYTES: usize = 64 * 1024 * 1024;

const REPEAT_KEYS: [&str; 4] = ["count", "plus", "item", "join"];
const REPEAT_SHAPE: &str = "$repeat takes an object: {count, plus, item}";
const REPEAT_NEEDS_ITEM: &str = "$repeat needs an item";
const JOIN_TAKES_A_STRING: &str = "$repeat.join must be a string";

fn unknown_repeat_key(key: &str) -> String {
    format!("$repeat has an unknown key '{key}'; it takes count, plus, item and join")
}

fn not_a_count(key: &str) -> String {
    format!("$repeat.{key} must be a whole number (or a variable holding one)")
}

fn repeat(spec: &Value, vars: &Vars, budget: &mut Budget) -> Result<Value, String> {
    let obj = spec.as_object().ok_or(REPEAT_SHAPE)?;
    if let Some(key) = obj.keys().find(|k| !REPEAT_KEYS.contains(&k.as_str())) {
        return Err(unknown_repeat_key(key));
    }
    let mut number = |key: &str| -> Result<u64, String> {
        match obj.get(key) {
            None => Ok(0),
            Some(v) => render_within(v, vars, budget)?.as_u64().ok_or_else(|| not_a_count(key)),
        }
    };
    let n = number("count")?.checked_add(number("plus")?).ok_or("$repeat: count + plus is too large")?;
    if let Some(separator) = obj.get("join") {
        return join(obj, n, separator, vars, budget);
    }
    if n > budget.items {
        return Err(format!("$repeat asks for {n} items, past at most {MOST_REPEATS} in one value"));
    }
    budget.items -= n;
    let item = obj.get("item").ok_or(REPEAT_NEEDS_ITEM)?;
    let mut scoped = vars.clone();
    (1..=n)
        .map(|i| {
            scoped.insert("i".into(), Value::from(i));
            render_within(item, &scoped, budget)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// `$repeat` with `join`: the items' text joined into one string, e.g. a
/// value of exactly `maxPayloadSize + 1` characters.
fn join(
    obj: &serde_json::Map<String, Value>,
    n: u64,
    separator: &Value,
    vars: &Vars,
    budget: &mut Budget,
) -> Result<Value, String> {
    let separator = separator.as_str().ok_or(JOIN_TAKES_A_STRING)?;
    let item = obj.get("item").ok_or(REPEAT_NEEDS_ITEM)?;
    let too_long = || format!("$repeat with join makes more than {MOST_BYTES} bytes in one value");
    let uses_index = item.to_string().contains("{{i}}");
    if !uses_index {
        let text = text_of(&render_within(item, vars, budget)?);
        if n == 0 || (text.is_empty() && separator.is_empty()) {
            return Ok(Value::String(String::new()));
        }
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        let bytes = (text.len() + separator.len()).saturating_mul(n) - separator.len();
        if bytes > budget.bytes {
            return Err(too_long());
        }
        budget.bytes -= bytes;
        let mut out = String::with_capacity(bytes);
        for i in 0..n {
            if i > 0 {
                out.push_str(separator);
            }
            out.push_str(&text);
        }
        return Ok(Value::String(out));
    }
    // Each item's text is charged to the budget as it is rendered.
    let mut scoped = vars.clone();
    let mut out = String::new();
    for i in 1..=n {
        if i > 1 {
            budget.spend(0, separator.len())?;
            out.push_str(separator);
        }
        scoped.insert("i".into(), Value::from(i));
        out.push_str(&text_of(&render_within(item, &scoped, budget)?));
    }
    Ok(Value::String(out))
}

fn whole_variable(s: &str) -> Option<&str> {
    match parse(s).ok()?.as_slice() {
        [Piece::Var(name)] => Some(name),
        _ => None,
    }
}

fn lookup<'v>(name: &str, vars: &'v Vars) -> Result<&'v Value, String> {
    vars.get(name).ok_or_else(|| {
        let known: Vec<&str> = vars.keys().map(String::as_str).collect();
        format!("unknown variable '{{{{{name}}}}}' (defined here: {})", known.join(", "))
    })
}

/// The text a value contributes inside a string: strings as they are, the rest as JSON.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        let mut v = Vars::new();
        v.insert("unique".into(), json!("scimitar-ab12-3"));
        v.insert("n".into(), json!(42));
        v.insert("user".into(), json!("2819c223"));
        v
    }

    #[test]
    fn substitutes_in_strings_and_keeps_types_for_whole_values() {
        assert_eq!(render_str("/Users/{{user}}", &vars()).unwrap(), "/Users/2819c223");
        assert_eq!(render_str("{{ unique }}@example.com", &vars()).unwrap(), "scimitar-ab12-3@example.com");
        assert_eq!(render_str("count={{n}}", &vars()).unwrap(), "count=42");
        let mut v = vars();
        v.insert("email".into(), json!("a.b@x.org"));
        assert_eq!(render_regex("^{{email}}$", &v).unwrap(), r"^a\.b@x\.org$");
        v.insert("id".into(), json!("a/b?c#d"));
        assert_eq!(render_path("/Users/{{id}}", &v).unwrap(), "/Users/a%2Fb%3Fc%23d");
        let v = render_value(&json!({ "n": "{{n}}", "s": "x{{n}}", "list": ["{{user}}"] }), &vars()).unwrap();
        assert_eq!(v, json!({ "n": 42, "s": "x42", "list": ["2819c223"] }));
    }

    #[test]
    fn repeat_generates_items_with_an_index() {
        let v = render_value(&json!({ "ops": { "$repeat": { "count": "{{n}}", "plus": 1, "item": { "path": "/Users/{{unique}}-{{i}}" } } } }), &vars())
            .unwrap();
        let ops = v["ops"].as_array().unwrap();
        assert_eq!(ops.len(), 43);
        assert_eq!(ops[42]["path"], "/Users/scimitar-ab12-3-43");
        assert!(render_value(&json!({ "$repeat": { "count": "x", "item": 1 } }), &vars()).is_err());
        assert!(render_value(&json!({ "$repeat": { "count": 1, "itme": 1 } }), &vars()).is_err());
        assert!(render_value(&json!({ "$repeat": { "count": 1000000, "item": 1 } }), &vars()).is_err());
    }

    #[test]
    fn a_join_of_nothing_many_times_is_nothing() {
        let spec = json!({ "$repeat": { "count": u64::MAX, "item": "", "join": "" } });
        assert_eq!(render_value(&spec, &vars()).unwrap(), json!(""));
        let spec = json!({ "$repeat": { "count": u64::MAX, "item": "", "join": "," } });
        assert!(render_value(&spec, &vars()).is_err());
    }

    #[test]
    fn a_large_value_named_many_times_is_refused() {
        let mut v = vars();
        v.insert("big".into(), json!("x".repeat(1024 * 1024)));
        let text = "{{big}}".repeat(100);
        assert!(render_str(&text, &v).unwrap_err().contains("more than 64 MiB"));
    }

    #[test]
    fn nested_repeats_share_one_budget() {
        let nested = json!({ "$repeat": { "count": 100_000, "item": { "$repeat": { "count": 100_000, "item": 1 } } } });
        let started = std::time::Instant::now();
        assert!(render_value(&nested, &vars()).unwrap_err().contains("at most 100000"));
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    }

    #[test]
    fn repeat_with_join_makes_one_long_string() {
        let spec = json!({ "$repeat": { "count": 1_048_576, "plus": 1, "item": "x", "join": "" } });
        let v = render_value(&spec, &vars()).unwrap();
        assert_eq!(v.as_str().map(str::len), Some(1_048_577), "past a 1 MiB maxPayloadSize");
        let numbered = json!({ "$repeat": { "count": 3, "item": "{{i}}", "join": "," } });
        assert_eq!(render_value(&numbered, &vars()).unwrap(), json!("1,2,3"));
        let huge = json!({ "$repeat": { "count": 100_000_000, "item": "x", "join": "" } });
        assert!(render_value(&huge, &vars()).is_err());
    }

    #[test]
    fn a_template_is_text_and_names_and_nothing_else() {
        assert_eq!(
            parse("/Users/{{ user }}?x={{n}}}").unwrap(),
            [
                Piece::Text("/Users/"),
                Piece::Var("user"),
                Piece::Text("?x="),
                Piece::Var("n"),
                Piece::Text("}")
            ]
        );
        assert_eq!(parse("").unwrap(), []);
        for (text, says) in [
            ("a {{user", "unclosed '{{' in \"a {{user\""),
            ("{{ user | upper }}", "no filters or functions"),
            ("{{ lower(user) }}", "no filters or functions"),
            ("{{}}", "'{{}}' names no variable"),
            ("{{ {{user}} }}", "templates do not nest"),
            ("{{user name}}", "a name is letters, digits and '_'"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
            assert_eq!(check_str(text), Err(Malformed { message: error, text: text.into() }));
            assert!(render_str(text, &vars()).is_err(), "{text} does not render either");
        }
    }

    #[test]
    fn a_value_is_checked_where_it_would_render_and_repeats_by_their_shape() {
        assert!(check_value(&json!({ "{{user}}": ["{{n}}", 1, null, { "$repeat": { "count": "{{n}}", "item": "{{i}}" } }] })).is_ok());
        assert!(
            check_value(&json!({ "$repeat": { "count": 2, "plus": 1, "item": "x", "join": "," } })).is_ok()
        );
        for (value, says) in [
            (json!({ "a {{user": 1 }), "unclosed"),
            (json!([{ "a": ["{{ n | x }}"] }]), "no filters"),
            (json!({ "$repeat": [1] }), "takes an object"),
            (json!({ "$repeat": { "count": 1, "itme": 1 } }), "unknown key 'itme'"),
            (json!({ "$repeat": { "count": "x", "item": 1 } }), "$repeat.count must be a whole number"),
            (
                json!({ "$repeat": { "count": 1, "plus": -1, "item": 1 } }),
                "$repeat.plus must be a whole number",
            ),
            (json!({ "$repeat": { "count": 1 } }), "needs an item"),
            (json!({ "$repeat": { "count": 1, "item": 1, "join": 0 } }), "join must be a string"),
            (json!({ "$repeat": { "count": 1, "item": "{{i" } }), "unclosed"),
        ] {
            let error = check_value(&value).unwrap_err();
            assert!(error.message.contains(says), "{value}: {error:?}");
            assert!(render_value(&value, &vars()).is_err(), "{value} does not render either");
        }
    }

    #[test]
    fn a_regex_template_has_the_shape_its_values_will_give_it() {
        assert_eq!(regex_shape("^{{user}}-[0-9]+$").unwrap(), "^x-[0-9]+$");
        assert!(regex::Regex::new(&regex_shape("^{{user}}(").unwrap()).is_err());
        assert!(regex_shape("^{{user").is_err());
    }

    #[test]
    fn unknown_and_unclosed_variables_are_errors() {
        assert!(render_str("{{nope}}", &vars()).unwrap_err().contains("unknown variable '{{nope}}'"));
        assert!(render_str("{{user", &vars()).unwrap_err().contains("unclosed"));
        assert_eq!(render_str("no braces", &vars()).unwrap(), "no braces");
    }
}
