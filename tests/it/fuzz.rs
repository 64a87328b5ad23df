//! Property tests: arbitrary input to every parser, to the PATCH engine, the
//! normalizer, the case loader, the reference server and the client audit
//! gives a result or an error, never a panic, a stack overflow or unbounded
//! memory.
//!
//! Inputs are drawn from each grammar's own tokens (so they reach deep into
//! the parsers) as well as from any text. `cargo test` runs a few dozen cases
//! per property; `scripts/fuzz.sh` runs many more (PROPTEST_CASES).

use proptest::prelude::*;
use proptest::test_runner::Config;
use scimitar::faults::FaultSet;
use scimitar::scim::attr_path::AttrPath;
use scimitar::scim::filter::{Filter, parse_patch_path};
use scimitar::scim::normalize::Normalizer;
use scimitar::scim::patch::{self, Patcher};
use scimitar::scim::quirks::{Idp, Leniency};
use scimitar::scim::schema::{Registry, ResourceType};
use scimitar::suite::Suite;
use serde_json::{Map, Value, json};
use std::sync::{Arc, OnceLock};

/// `cases` per property, unless PROPTEST_CASES says otherwise.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(cases);
    Config { cases, ..Config::default() }
}

const FILTER_TOKENS: &[&str] = &[
    "userName",
    "emails",
    "emails.value",
    "name.givenName",
    "meta.lastModified",
    "meta.resourceType",
    "members",
    "value",
    "type",
    "primary",
    "active",
    "groups",
    "displayName",
    "x509Certificates.value",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:",
    "eq",
    "ne",
    "co",
    "sw",
    "ew",
    "gt",
    "ge",
    "lt",
    "le",
    "pr",
    "and",
    "or",
    "not",
    "AND",
    "Or",
    "NOT",
    "(",
    ")",
    "[",
    "]",
    ".",
    ":",
    "\"x\"",
    "\"\"",
    "\"é\"",
    "\"\\\"\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"2024-01-01T00:00:00Z\"",
    "\"unterminated",
    "1",
    "-0",
    "1e999",
    "-1.5e300",
    "9223372036854775808",
    "true",
    "false",
    "null",
    " ",
    "é",
    "\u{0}",
    "\t",
];

const ATTRS: &[&str] = &[
    "userName",
    "USERNAME",
    "displayName",
    "active",
    "id",
    "externalId",
    "title",
    "name",
    "name.givenName",
    "name.familyName",
    "emails",
    "emails.value",
    "emails.type",
    "emails.primary",
    "phoneNumbers.value",
    "addresses.postalCode",
    "meta.created",
    "meta.lastModified",
    "meta.resourceType",
    "meta.version",
    "members",
    "members.value",
    "groups.value",
    "x509Certificates.value",
    "roles",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
    "urn:ietf:params:scim:schemas:core:2.0:Group:displayName",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "nosuch",
    "nosuch.sub",
];
const COMPARE: &[&str] = &["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Sw"];
const LITERALS: &[&str] = &[
    "\"bjensen@example.com\"",
    "\"BJENSEN\"",
    "\"work\"",
    "\"\"",
    "\"é\\u00e9\"",
    "\"\\\"\"",
    "\"\\ud800\"",
    "\"2024-01-01T00:00:00Z\"",
    "\"2024-13-45T99:99:99Z\"",
    "\"aGVsbG8=\"",
    "\"İstanbul\"",
    "\"STRASSE\"",
    "\"ǅ\"",
    "\"e\\u0301\"",
    "\"ﬃ\"",
    "\"\\uD83D\\uDE00\"",
    "true",
    "false",
    "null",
    "0",
    "-1",
    "7",
    "1.5",
    "1e999",
    "-1.5e300",
    "9223372036854775808",
];

/// Filters as RFC 7644 §3.4.2.2 writes them: comparisons, presence, `not`,
/// grouping, value paths, `and` and `or`, nested a few levels.
fn filter_grammar() -> impl Strategy<Value = String> {
    let attr = prop::sample::select(ATTRS);
    let leaf = prop_oneof![
        (attr.clone(), prop::sample::select(COMPARE), prop::sample::select(LITERALS))
            .prop_map(|(a, op, v)| format!("{a} {op} {v}")),
        attr.clone().prop_map(|a| format!("{a} pr")),
    ];
    leaf.prop_recursive(5, 48, 3, move |inner| {
        prop_oneof![
            (inner.clone(), prop::sample::select(&["and", "or", "AND", "Or"][..]), inner.clone())
                .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|f| format!("not ({f})")),
            inner.clone().prop_map(|f| format!("({f})")),
            (
                prop::sample::select(
                    &["emails", "members", "addresses", "groups", "x509Certificates", "name"][..]
                ),
                inner.clone(),
                prop::option::of(prop::sample::select(&["value", "type", "display"][..]))
            )
                .prop_map(|(a, f, sub)| match sub {
                    Some(sub) => format!("{a}[{f}].{sub}"),
                    None => format!("{a}[{f}]"),
                }),
        ]
    })
}

/// Text from the filter grammar (sometimes with a token dropped, doubled or
/// swapped), from its tokens in any order, or any text at all.
fn filter_text() -> impl Strategy<Value = String> {
    let tokens = || prop::collection::vec(prop::sample::select(FILTER_TOKENS), 0..40);
    prop_oneof![
        4 => filter_grammar(),
        3 => mutated(filter_grammar()),
        1 => tokens().prop_map(|t| t.join(" ")),
        1 => tokens().prop_map(|t| t.concat()),
        1 => "\\PC{0,120}",
        1 => any::<String>(),
    ]
}

/// `text` with one space-separated token deleted, doubled, or replaced by a
/// token of the filter grammar.
fn mutated(text: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    (text, any::<prop::sample::Index>(), 0..3u8, prop::sample::select(FILTER_TOKENS)).prop_map(
        |(text, at, how, token)| {
            let mut words: Vec<&str> = text.split(' ').collect();
            let i = at.index(words.len());
            match how {
                0 => {
                    words.remove(i);
                }
                1 => words.insert(i, words[i]),
                _ => words[i] = token,
            }
            words.join(" ")
        },
    )
}

const KEYS: &[&str] = &[
    "schemas",
    "Operations",
    "op",
    "path",
    "value",
    "id",
    "externalId",
    "userName",
    "name",
    "givenName",
    "familyName",
    "formatted",
    "displayName",
    "emails",
    "phoneNumbers",
    "addresses",
    "type",
    "primary",
    "display",
    "active",
    "password",
    "groups",
    "members",
    "$ref",
    "meta",
    "version",
    "roles",
    "x509Certificates",
    "manager",
    "employeeNumber",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "name.givenName",
    "emails[type eq \"work\"].value",
    "Resources",
    "filter",
    "startIndex",
    "count",
    "attributes",
    "excludedAttributes",
    "method",
    "bulkId",
    "data",
    "failOnErrors",
];

const WORDS: &[&str] = &[
    "add",
    "remove",
    "replace",
    "Add",
    "Replace",
    "REMOVE",
    "urn:ietf:params:scim:api:messages:2.0:PatchOp",
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:core:2.0:Group",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:api:messages:2.0:BulkRequest",
    "urn:ietf:params:scim:api:messages:2.0:SearchRequest",
    "members",
    "members[value eq \"u1\"]",
    "emails",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\"].value",
    "emails[primary eq true].display",
    "name",
    "name.givenName",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "active",
    "userName",
    "True",
    "False",
    "work",
    "home",
    "POST",
    "PATCH",
    "DELETE",
    "/Users",
    "/Groups/g1",
    "bulkId:a",
    "bulkId:b",
    "bulkId:",
    "İstanbul",
    "straße",
    "ǅ",
    "e\u{301}",
    "2024-01-01T00:00:00Z",
    "not a date",
    "aGVsbG8=",
    "",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_string), 1 => "\\PC{0,12}"]
}

/// JSON in the shape SCIM messages take: keys and strings from SCIM's
/// vocabulary, numbers of every size, nesting a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        prop::sample::select(WORDS).prop_map(Value::from),
        "\\PC{0,16}".prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// PATCH paths (RFC 7644 §3.5.2): attributes, sub-attributes, value filters, URNs.
fn patch_path() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(ATTRS).prop_map(str::to_string),
        2 => (prop::sample::select(&["emails", "members", "addresses", "phoneNumbers", "groups", "roles"][..]), filter_grammar(), prop::option::of(prop::sample::select(&["value", "type", "primary", "display"][..])))
            .prop_map(|(a, f, sub)| match sub {
                Some(sub) => format!("{a}[{f}].{sub}"),
                None => format!("{a}[{f}]"),
            }),
        1 => filter_text(),
    ]
}

/// Values as SCIM attributes hold them: strings, booleans, multi-valued
/// objects with value/type/primary, and anything else.
fn attribute_value() -> impl Strategy<Value = Value> {
    let element = (
        prop::option::of(prop::sample::select(
            &["u1", "u2", "b@example.com", "work", "", "bulkId:a", "{user}", "{group}", "İ"][..],
        )),
        prop::option::of(prop::sample::select(&["work", "home", "User", "Group"][..])),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(value, kind, primary)| {
            let mut o = Map::new();
            if let Some(v) = value {
                o.insert("value".into(), Value::from(v));
            }
            if let Some(t) = kind {
                o.insert("type".into(), Value::from(t));
            }
            if let Some(p) = primary {
                o.insert("primary".into(), Value::from(p));
            }
            Value::Object(o)
        });
    prop_oneof![
        prop::sample::select(WORDS).prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        element.clone(),
        prop::collection::vec(element, 0..4).prop_map(Value::Array),
        prop::collection::vec((prop::sample::select(ATTRS).prop_map(str::to_string), json_value()), 0..4)
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        json_value(),
    ]
}

/// PatchOp bodies: mostly well formed around arbitrary operations, some not at all.
fn patch_body() -> impl Strategy<Value = Value> {
    let op = (
        prop_oneof![
            9 => prop::sample::select(&["add", "remove", "replace", "Add", "Replace"][..]).prop_map(Some),
            1 => prop::option::of(prop::sample::select(&["move", "", "ADD"][..])),
        ],
        prop::option::weighted(0.7, patch_path()),
        prop::option::weighted(0.8, attribute_value()),
    )
        .prop_map(|(op, path, value)| {
            let mut o = Map::new();
            if let Some(op) = op {
                o.insert("op".into(), Value::from(op));
            }
            if let Some(path) = path {
                o.insert("path".into(), Value::from(path));
            }
            if let Some(value) = value {
                o.insert("value".into(), value);
            }
            Value::Object(o)
        });
    let op = prop_oneof![2 => op, 3 => typed_op()];
    prop_oneof![
        4 => prop::collection::vec(op, 1..4).prop_map(|ops| json!({ "schemas": [patch::PATCH_OP], "Operations": ops })),
        1 => json_value(),
    ]
}

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Operations whose value has the type its path asks for, so they get past
/// validation into the engine.
fn typed_op() -> impl Strategy<Value = Value> {
    let text = || prop_oneof!["[a-z]{0,6}", Just("b@example.com".to_string()), Just(String::new())];
    let email = (text(), prop::sample::select(&["work", "home", "other"][..]), any::<bool>())
        .prop_map(|(v, t, p)| json!({ "value": v, "type": t, "primary": p }));
    let member = prop::sample::select(&["u1", "u2", "u3", "{user}", "{group}", "bulkId:a", "bulkId:b"][..])
        .prop_map(|v| json!({ "value": v }));
    let op = prop::sample::select(&["add", "replace", "remove"][..]);
    let path_value: BoxedStrategy<(Option<String>, Value)> = prop_oneof![
        text().prop_map(|v| (Some("userName".to_string()), json!(v))),
        text().prop_map(|v| (Some("displayName".to_string()), json!(v))),
        any::<bool>().prop_map(|b| (Some("active".to_string()), json!(b))),
        text().prop_map(|v| (Some("name.givenName".to_string()), json!(v))),
        (text(), text())
            .prop_map(|(g, f)| (Some("name".to_string()), json!({ "givenName": g, "familyName": f }))),
        prop::collection::vec(email.clone(), 0..3).prop_map(|e| (Some("emails".to_string()), json!(e))),
        email.clone().prop_map(|e| (Some("emails".to_string()), e)),
        (
            prop::sample::select(&["work", "home", "nope"][..]),
            prop::sample::select(&["value", "type", "primary", "display"][..]),
            text()
        )
            .prop_map(|(t, sub, v)| (Some(format!("emails[type eq \"{t}\"].{sub}")), json!(v))),
        (prop::sample::select(&["work", "home"][..]), email.clone())
            .prop_map(|(t, e)| (Some(format!("emails[type eq \"{t}\"]")), e)),
        any::<bool>().prop_map(|b| (Some("emails[primary eq true].primary".to_string()), json!(b))),
        text().prop_map(|v| (Some(format!("{ENTERPRISE}:employeeNumber")), json!(v))),
        text().prop_map(|v| (Some(format!("{ENTERPRISE}:manager")), json!({ "value": v }))),
        text().prop_map(|v| (Some(format!("{ENTERPRISE}:manager.value")), json!(v))),
        prop::collection::vec(member.clone(), 0..3).prop_map(|m| (Some("members".to_string()), json!(m))),
        prop::sample::select(&["u1", "u2", "{user}"][..])
            .prop_map(|v| (Some(format!("members[value eq \"{v}\"]")), Value::Null)),
        (text(), any::<bool>())
            .prop_map(|(v, a)| (None, json!({ "displayName": v, "active": a, "name.givenName": v }))),
        (text(), email).prop_map(|(v, e)| (None, json!({ ENTERPRISE: { "department": v }, "emails": [e] }))),
        prop::collection::vec(member, 0..3).prop_map(|m| (None, json!({ "members": m }))),
    ]
    .boxed();
    (op, path_value).prop_map(|(op, (path, value))| {
        let mut o = Map::new();
        o.insert("op".into(), Value::from(op));
        if let Some(path) = path {
            o.insert("path".into(), Value::from(path));
        }
        if op != "remove" || !value.is_null() {
            o.insert("value".into(), value);
        }
        Value::Object(o)
    })
}

fn registry() -> &'static Registry {
    Registry::builtin()
}

fn leniencies() -> [Leniency; 2] {
    [Leniency::strict(), Leniency::for_idps(&Idp::ALL)]
}

/// A user and a group as the server keeps them, for PATCH to work on.
fn canonical(rt: &ResourceType, body: Value) -> Map<String, Value> {
    Normalizer::new(rt, &Leniency::strict()).resource(&body).expect("a valid resource")
}

fn user() -> Map<String, Value> {
    canonical(
        registry().user(),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "userName": "bjensen@example.com",
            "displayName": "İnci Straße ǅ",
            "name": { "givenName": "Barbara", "familyName": "Jensen" },
            "emails": [{ "value": "b@example.com", "type": "work", "primary": true }, { "value": "b@home.example", "type": "home" }],
            "active": true,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "employeeNumber": "7", "manager": { "value": "m1" } }
        }),
    )
}

fn group() -> Map<String, Value> {
    canonical(
        registry().group(),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Tour Guides",
            "members": [{ "value": "u1" }, { "value": "u2", "type": "User" }]
        }),
    )
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn filters_parse_bind_and_match_or_say_why_not(text in filter_text()) {
        let user = Value::Object(user());
        for parsed in [Filter::parse(&text), Filter::parse_with_or_binding_tighter(&text)] {
            let Ok(filter) = parsed else { continue };
            for rt in [registry().user(), registry().group()] {
                if let Ok(matcher) = filter.bind(rt) {
                    let _ = matcher.matches(user.as_object().unwrap());
                }
            }
        }
    }

    #[test]
    fn patch_paths_and_attribute_paths_parse_or_say_why_not(text in filter_text()) {
        let _ = parse_patch_path(&text);
        let _ = AttrPath::parse(&text);
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn patch_requests_apply_or_fail_whole(body in patch_body()) {
        for leniency in leniencies() {
            let Ok(ops) = patch::parse_request(&body, &leniency) else { continue };
            for (rt, resource) in [(registry().user(), user()), (registry().group(), group())] {
                let mut patched = resource.clone();
                let _ = Patcher::new(rt, &leniency, FaultSet::none()).apply(&mut patched, &ops);
            }
        }
    }

    #[test]
    fn the_normalizer_takes_any_json(body in json_value()) {
        for leniency in leniencies() {
            for rt in [registry().user(), registry().group()] {
                let _ = Normalizer::new(rt, &leniency).resource(&body);
            }
        }
    }
}

/// Nesting far past any limit: refused before the parsers recurse, so no
/// stack overflows (which no test could catch: the process would abort).
#[test]
fn deep_nesting_is_refused_before_it_is_recursed() {
    for n in [33, 1_000, 100_000] {
        for text in [
            format!("{}userName pr{}", "(".repeat(n), ")".repeat(n)),
            format!("{}userName pr{}", "not (".repeat(n), ")".repeat(n)),
            format!("{}value pr{}", "emails[".repeat(n), "]".repeat(n)),
        ] {
            assert!(Filter::parse(&text).is_err(), "{n} levels");
            assert!(parse_patch_path(&text).is_err(), "{n} levels");
        }
    }
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(serde_json::from_str::<Value>(&deep).is_err(), "serde_json refuses 100,000 levels itself");
    let yaml = format!(
        "id: a::b\ntitle: t\nrequirements: [r.one]\nsteps:\n  - request: {{ method: POST, path: /Users, json: {}1{} }}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(
        Suite::from_sources(vec![
            ("requirements/r.yaml".into(), CATALOGUE.into()),
            ("deep.yaml".into(), yaml)
        ])
        .is_err()
    );
}

const CATALOGUE: &str = "- { id: r.one, source: RFC 7644 §3.3, level: MUST, says: x }\n";

const CASE_PIECES: &[&str] = &[
    "id: a::b\n",
    "title: t\n",
    "requirements: [r.one]\n",
    "requires: [users, patch]\n",
    "steps:\n",
    "cleanup:\n",
    "  - request: { method: GET, path: /Users }\n",
    "  - request:\n      method: POST\n      path: /Users\n      json: { userName: \"{{unique}}\" }\n",
    "    expect: { status: 200 }\n",
    "    expect: { status: [200, 201], json: { a: \"*\" }, pointers: [{ at: /id, present: true }] }\n",
    "    capture: { user: /id }\n",
    "  - walk: { path: /Users, count: 2 }\n",
    "  - wait: 1\n",
    "  - { $repeat: { count: 3, item: x } }\n",
    "headers: { User-Agent: null }\n",
    "&a [1, 2]\n",
    "*a\n",
    "<<: *a\n",
    "!!str ",
    "!!binary ",
    "{",
    "}",
    "[",
    "]",
    "- ",
    ": ",
    "? ",
    "|\n",
    ">-\n",
    "~\n",
    "'",
    "\"",
    "# ",
    "---\n",
    "...\n",
    "\t",
    "  ",
    "\n",
    "0x1F",
    "1e999",
    "-.inf",
    "é",
    "\u{feff}",
];

const STEPS: &[&str] = &[
    "  - request: { method: GET, path: /Users }\n    expect: { status: 200 }\n",
    "  - request:\n      method: POST\n      path: /Users\n      json: { schemas: [urn:ietf:params:scim:schemas:core:2.0:User], userName: \"{{unique}}\" }\n    expect: { status: [200, 201] }\n    capture: { user: /id }\n",
    "  - request: { method: PATCH, path: \"/Users/{{user}}\", json: { Operations: [{ op: add, value: { $repeat: { count: 2, item: x } } }] } }\n    expect: { status: 200, json: { userName: \"*\" }, headers: { ETag: present } }\n",
    "  - walk: { path: /Users, count: 2 }\n",
    "  - wait: 1\n",
    "  - request: { method: GET, path: /Users, query: { filter: 'userName eq \"x\"' } }\n    expect:\n      status: 200\n      pointers:\n        - { at: /totalResults, equals: 0 }\n        - { at: /Resources, type: array, optional: true }\n      schema: list-response\n      sorted: { by: userName }\n",
    "  - req: r.one\n    request: { method: DELETE, path: \"/Users/{{user}}\", auth: none }\n    expect: { status: 204, body_optional: true }\n",
];

/// A well-formed case of some of these steps.
fn case_skeleton() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::sample::select(STEPS), 0..4),
        prop::collection::vec(prop::sample::select(STEPS), 0..2),
        any::<bool>(),
    )
        .prop_map(|(steps, cleanup, headers)| {
            let mut text =
                String::from("id: fuzz::case\ntitle: t\nrequirements: [r.one]\nrequires: [users]\n");
            if headers {
                text.push_str("headers: { User-Agent: null, ADSCIMVersion: \"5.0\" }\n");
            }
            text.push_str("steps:\n");
            text.push_str(&steps.concat());
            if !cleanup.is_empty() {
                text.push_str("cleanup:\n");
                text.push_str(&cleanup.concat());
            }
            text
        })
}

/// `text` with a few pieces of YAML put in, characters taken out, or lines doubled.
fn mutated_yaml(text: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let edit = (any::<prop::sample::Index>(), 0..3u8, prop::sample::select(CASE_PIECES), 1..8usize);
    (text, prop::collection::vec(edit, 1..4)).prop_map(|(text, edits)| {
        let mut chars: Vec<char> = text.chars().collect();
        for (at, how, piece, n) in edits {
            let i = at.index(chars.len() + 1);
            match how {
                0 => {
                    chars.splice(i..i, piece.chars());
                }
                1 => {
                    chars.drain(i..(i + n).min(chars.len()));
                }
                _ => {
                    let line: Vec<char> =
                        chars[..i].iter().rev().take_while(|c| **c != '\n').copied().collect();
                    chars.splice(i..i, line.into_iter().rev());
                }
            }
        }
        chars.into_iter().collect()
    })
}

/// Case files: well formed, well formed then damaged, YAML pieces, or any text.
fn case_text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => case_skeleton(),
        4 => mutated_yaml(case_skeleton()),
        2 => prop::collection::vec(prop::sample::select(CASE_PIECES), 0..30).prop_map(|p| p.concat()),
        1 => "\\PC{0,300}",
        1 => any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn the_case_loader_takes_any_text(text in case_text()) {
        let _ = Suite::from_sources(vec![
            ("requirements/r.yaml".into(), CATALOGUE.into()),
            ("fuzz/case.yaml".into(), text.clone()),
        ]);
        let _ = Suite::from_sources(vec![
            ("requirements/r.yaml".into(), text),
            ("fuzz/case.yaml".into(), "id: a::b\ntitle: t\nrequirements: [r.one]\nsteps: []\n".into()),
        ]);
    }
}

const TEMPLATE_TEXT: &[&str] = &[
    "{{unique}}",
    "{{ n }}",
    "{{i}}",
    "{{user}}",
    "{{nosuch}}",
    "{{",
    "}}",
    "{{}}",
    "/Users/",
    "x",
    "é",
    "%",
    " ",
];

/// Template text: variables known and unknown, unclosed braces, plain text.
fn template_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(prop::sample::select(TEMPLATE_TEXT), 0..8).prop_map(|p| p.concat()),
        1 => "\\PC{0,40}",
    ]
}

/// Values for the template renderer: `$repeat`s (nested, joined, with counts
/// of every size) around strings with variables.
fn template_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        template_text().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(Value::Null),
    ];
    leaf.prop_recursive(5, 64, 4, |inner| {
        let count = prop_oneof![
            3 => (0u64..20).prop_map(Value::from),
            1 => any::<u64>().prop_map(Value::from),
            1 => prop::sample::select(&["{{n}}", "{{user}}", "-1", "{{nosuch}}"][..]).prop_map(Value::from),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((template_text(), inner.clone()), 0..4)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            (
                count.clone(),
                prop::option::of(count),
                inner,
                prop::option::of(prop::sample::select(&["", ",", "{{i}}"][..]))
            )
                .prop_map(|(count, plus, item, join)| {
                    let mut spec = json!({ "count": count, "item": item });
                    if let Some(plus) = plus {
                        spec["plus"] = plus;
                    }
                    if let Some(join) = join {
                        spec["join"] = Value::from(join);
                    }
                    json!({ "$repeat": spec })
                }),
        ]
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn templates_render_or_say_why_not(value in template_value(), text in template_text()) {
        let mut vars = scimitar::suite::template::Vars::new();
        vars.insert("unique".into(), json!("scimitar-ab12-00001"));
        vars.insert("n".into(), json!(3));
        vars.insert("user".into(), json!("2819c223/../?#"));
        let _ = scimitar::suite::template::render_value(&value, &vars);
        let _ = scimitar::suite::template::render_str(&text, &vars);
        let _ = scimitar::suite::template::render_path(&text, &vars);
        let _ = scimitar::suite::template::render_regex(&text, &vars);
    }
}

/// YAML aliases that each name the one before ten times: a "billion laughs"
/// document a few hundred bytes long, in a request body, where any JSON may go.
#[test]
fn a_yaml_alias_bomb_is_refused_without_expanding_it() {
    let mut text = String::from(
        "id: a::b\ntitle: t\nrequirements: [r.one]\nsteps:\n  - request:\n      method: POST\n      path: /Users\n      json:\n",
    );
    text.push_str("        a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = format!("*a{}", i - 1);
        text.push_str(&format!("        a{i}: &a{i} [{}]\n", [prev.as_str(); 10].join(", ")));
    }
    let started = std::time::Instant::now();
    let loaded = Suite::from_sources(vec![
        ("requirements/r.yaml".into(), CATALOGUE.into()),
        ("bomb.yaml".into(), text),
    ]);
    let error = loaded.expect_err("10^12 elements do not load").to_string();
    // The budget error is the proof; the bound only turns an expansion into a
    // failure instead of a hang, so it is far above any loaded machine's time.
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "took {:?}", started.elapsed());
    assert!(error.contains("bomb.yaml") && error.contains("budget"), "{error}");
}

/// The reference server's router, driven in-process: one store across all
/// cases, so what earlier requests left there is part of the input.
struct Server {
    router: axum::Router,
    runtime: tokio::runtime::Runtime,
    next: std::sync::atomic::AtomicU64,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let config = scimitar::server::ServerConfig::new(scimitar::server::Auth::None);
        let shared = Arc::new(scimitar::server::Shared::new(config).unwrap());
        let router = scimitar::server::router(shared);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        Server { router, runtime, next: std::sync::atomic::AtomicU64::new(0) }
    })
}

impl Server {
    /// A new user and a group holding it, for a request to name: `(user id, group id)`.
    fn user_and_group(&self) -> (String, String) {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let created = |path: &str, body: Value| {
            let (status, body) =
                self.send("POST", path, &[], Some("application/scim+json"), body.to_string().into_bytes());
            assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
            serde_json::from_slice::<Value>(&body).unwrap()["id"].as_str().unwrap().to_string()
        };
        let user = created(
            "/scim/v2/Users",
            json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("fuzz-{n}"),
                    "emails": [{ "value": format!("fuzz-{n}@example.com"), "type": "work", "primary": true }] }),
        );
        let group = created(
            "/scim/v2/Groups",
            json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": format!("fuzz-{n}"),
                    "members": [{ "value": user }] }),
        );
        (user, group)
    }

    fn send(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, String)],
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (u16, Vec<u8>) {
        use tower::ServiceExt as _;
        let mut request = axum::http::Request::builder().method(method).uri(uri);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let Ok(request) = request.body(axum::body::Body::from(body)) else {
            // Not an HTTP request at all (a method or URI http cannot carry): nothing reaches the server.
            return (0, Vec::new());
        };
        self.runtime.block_on(async {
            let response = self.router.clone().oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let body = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await.unwrap();
            (status, body.to_vec())
        })
    }
}

const SEGMENTS: &[&str] = &[
    "Users",
    "Groups",
    "Bulk",
    ".search",
    "Schemas",
    "ResourceTypes",
    "ServiceProviderConfig",
    "Me",
    "{user}",
    "{group}",
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "User",
    "..",
    "%2e%2e",
    "%ff",
    "%00",
    "x",
    "",
];

const ENDPOINTS: &[&str] = &[
    "Users",
    "Groups",
    "Users/{user}",
    "Groups/{group}",
    "Users/{group}",
    "Users/no-such-id",
    "Bulk",
    ".search",
    "Users/.search",
    "Groups/.search",
    "Schemas",
    "Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
    "ResourceTypes",
    "ResourceTypes/User",
    "ServiceProviderConfig",
    "Me",
];

/// What the endpoints answer to.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "Users"),
    ("POST", "Users"),
    ("GET", "Groups"),
    ("POST", "Groups"),
    ("GET", "Users/{user}"),
    ("PUT", "Users/{user}"),
    ("PATCH", "Users/{user}"),
    ("DELETE", "Users/{user}"),
    ("GET", "Groups/{group}"),
    ("PUT", "Groups/{group}"),
    ("PATCH", "Groups/{group}"),
    ("DELETE", "Groups/{group}"),
    ("POST", "Bulk"),
    ("POST", ".search"),
    ("POST", "Users/.search"),
    ("GET", "Schemas"),
    ("GET", "ResourceTypes/User"),
    ("GET", "ServiceProviderConfig"),
];

const QUERY_KEYS: &[&str] =
    &["filter", "attributes", "excludedAttributes", "sortBy", "sortOrder", "startIndex", "count", "x"];

/// Method, path under the tenant, query, headers, content type, body.
type Request = (String, String, String, Vec<(&'static str, String)>, Option<String>, Vec<u8>);

/// A request: method, path under the tenant, query, headers and body.
fn request() -> impl Strategy<Value = Request> {
    let any_method = prop_oneof![
        8 => prop::sample::select(&["GET", "POST", "PUT", "PATCH", "DELETE"][..]),
        1 => prop::sample::select(&["HEAD", "OPTIONS", "BREW", "get"][..]),
    ];
    let any_path = prop_oneof![
        3 => prop::sample::select(ENDPOINTS).prop_map(str::to_string),
        1 => prop::collection::vec(prop::sample::select(SEGMENTS), 0..4).prop_map(|s| s.join("/")),
    ];
    let route = prop_oneof![
        3 => prop::sample::select(ROUTES).prop_map(|(m, p)| (m.to_string(), p.to_string())),
        1 => (any_method, any_path).prop_map(|(m, p)| (m.to_string(), p)),
    ];
    let value = prop_oneof![
        filter_text(),
        any::<i64>().prop_map(|n| n.to_string()),
        prop::sample::select(WORDS).prop_map(str::to_string),
    ];
    let query = prop::collection::vec((prop::sample::select(QUERY_KEYS), value), 0..4).prop_map(|pairs| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            q.append_pair(k, &v);
        }
        q.finish()
    });
    let headers = prop::collection::vec(
        (
            prop::sample::select(&["If-Match", "If-None-Match", "Accept", "Accept-Encoding"][..]),
            prop_oneof![
                prop::sample::select(&["*", "W/\"1\"", "\"x\"", "application/scim+json", "gzip", ""][..])
                    .prop_map(str::to_string),
                "[ -~]{0,20}",
            ],
        ),
        0..3,
    );
    let content_type = prop::option::weighted(
        0.9,
        prop::sample::select(
            &[
                "application/scim+json",
                "application/json",
                "text/plain",
                "application/scim+json; charset=latin1",
            ][..],
        )
        .prop_map(str::to_string),
    );
    let body = prop_oneof![
        3 => resource_body().prop_map(|v| v.to_string().into_bytes()),
        3 => patch_body().prop_map(|v| v.to_string().into_bytes()),
        2 => bulk_body().prop_map(|v| v.to_string().into_bytes()),
        1 => search_body().prop_map(|v| v.to_string().into_bytes()),
        1 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ];
    (route, query, headers, content_type, body).prop_map(
        |((method, path), query, headers, content_type, body)| {
            (method, path, query, headers, content_type, body)
        },
    )
}

const SCHEMAS: &[&[&str]] = &[
    &["urn:ietf:params:scim:schemas:core:2.0:User"],
    &["urn:ietf:params:scim:schemas:core:2.0:Group"],
    &[
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ],
    &[],
];

/// A User or Group body: the right schemas, attributes from the schema with
/// values of any kind.
fn resource_body() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(SCHEMAS),
        prop::option::of("fuzz-[a-z]{0,3}|\\PC{0,8}"),
        prop::collection::vec((prop::sample::select(KEYS).prop_map(str::to_string), attribute_value()), 0..5),
    )
        .prop_map(|(schemas, name, attributes)| {
            let mut o: Map<String, Value> = attributes.into_iter().collect();
            o.insert("schemas".into(), json!(schemas));
            if let Some(name) = name {
                o.insert("userName".into(), Value::from(name.clone()));
                o.insert("displayName".into(), Value::from(name));
            }
            Value::Object(o)
        })
}

/// A BulkRequest of operations on the endpoints, with bulkId references.
fn bulk_body() -> impl Strategy<Value = Value> {
    let op = (
        prop::sample::select(&["POST", "PUT", "PATCH", "DELETE", "GET", "post"][..]),
        prop::sample::select(
            &[
                "/Users",
                "/Groups",
                "/Users/{user}",
                "/Groups/{group}",
                "/Users/bulkId:a",
                "/Bulk",
                "",
                "Users",
            ][..],
        ),
        prop::option::of(prop::sample::select(&["a", "b", ""][..])),
        prop_oneof![resource_body(), patch_body(), json_value()],
    )
        .prop_map(|(method, path, bulk_id, data)| {
            let mut o = Map::new();
            o.insert("method".into(), Value::from(method));
            o.insert("path".into(), Value::from(path));
            if let Some(id) = bulk_id {
                o.insert("bulkId".into(), Value::from(id));
            }
            o.insert("data".into(), data);
            Value::Object(o)
        });
    (prop::collection::vec(op, 0..5), prop::option::of(-1i64..3)).prop_map(|(ops, fail_on_errors)| {
        let mut body =
            json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops });
        if let Some(n) = fail_on_errors {
            body["failOnErrors"] = Value::from(n);
        }
        body
    })
}

/// A SearchRequest (RFC 7644 §3.4.3).
fn search_body() -> impl Strategy<Value = Value> {
    (
        prop::option::of(filter_text()),
        prop::option::of(prop::sample::select(ATTRS)),
        prop::option::of(any::<i64>()),
        prop::option::of(any::<i64>()),
        prop::option::of(prop::collection::vec(prop::sample::select(ATTRS), 0..3)),
    )
        .prop_map(|(filter, sort_by, start, count, attributes)| {
            let mut o = Map::new();
            o.insert("schemas".into(), json!(["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]));
            if let Some(f) = filter {
                o.insert("filter".into(), Value::from(f));
            }
            if let Some(s) = sort_by {
                o.insert("sortBy".into(), Value::from(s));
            }
            if let Some(n) = start {
                o.insert("startIndex".into(), Value::from(n));
            }
            if let Some(n) = count {
                o.insert("count".into(), Value::from(n));
            }
            if let Some(a) = attributes {
                o.insert("attributes".into(), json!(a));
            }
            Value::Object(o)
        })
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn the_reference_server_answers_any_request_without_an_internal_error(
        (method, path, query, headers, content_type, body) in request()
    ) {
        let server = server();
        let (user, group) = server.user_and_group();
        let ids = |text: &str| text.replace("{user}", &user).replace("{group}", &group);
        let path = ids(&path);
        let body = ids(&String::from_utf8_lossy(&body)).into_bytes();
        let uri = if query.is_empty() { format!("/scim/v2/{path}") } else { format!("/scim/v2/{path}?{query}") };
        let (status, answer) = server.send(&method, &uri, &headers, content_type.as_deref(), body);
        prop_assert!(status != 500, "{method} {uri}: {}", String::from_utf8_lossy(&answer));
    }
}

/// Arbitrary requests, each through a fresh audit server with every
/// scenario on but the slow one (which only waits), driven in-process.
fn audit_router() -> (std::sync::Arc<scimitar::audit::Audit>, axum::Router) {
    use scimitar::audit::scenario::Scenario;
    let config = scimitar::audit::AuditConfig {
        scenarios: Scenario::ALL.into_iter().filter(|s| s.name() != "slow").collect(),
        like: vec![scimitar::suite::profile::Profile::OKTA, scimitar::suite::profile::Profile::ENTRA],
        ..scimitar::audit::AuditConfig::new(scimitar::server::ServerConfig::new(scimitar::server::Auth::None))
    };
    let audit = scimitar::audit::Audit::new(config);
    let shared = std::sync::Arc::new(scimitar::server::Shared::new(audit.server_config().clone()).unwrap());
    let router = audit.wrap(shared.clone(), scimitar::server::router(shared));
    (audit, router)
}

fn send_to_audit(
    runtime: &tokio::runtime::Runtime,
    router: &axum::Router,
    request: &Request,
    ids: (&str, &str),
) {
    use tower::ServiceExt as _;
    let (method, path, query, headers, content_type, body) = request;
    let fill = |t: &str| t.replace("{user}", ids.0).replace("{group}", ids.1);
    let uri = if query.is_empty() {
        format!("/scim/v2/{}", fill(path))
    } else {
        format!("/scim/v2/{}?{query}", fill(path))
    };
    let mut builder = axum::http::Request::builder().method(method.as_str()).uri(uri);
    if let Some(ct) = content_type {
        builder = builder.header("content-type", ct);
    }
    for (name, value) in headers {
        builder = builder.header(*name, value.as_str());
    }
    let Ok(request) = builder.body(axum::body::Body::from(fill(&String::from_utf8_lossy(body)).into_bytes()))
    else {
        return;
    };
    runtime.block_on(async {
        let response = router.clone().oneshot(request).await.unwrap();
        let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
    });
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn the_audit_judges_any_request_without_a_panic(first in request(), second in request()) {
        static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
        let runtime = RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap());
        let (audit, router) = audit_router();
        let setup: Request = (
            "POST".into(), "Users".into(), String::new(), Vec::new(), Some("application/scim+json".into()),
            json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "fuzz" }).to_string().into_bytes(),
        );
        send_to_audit(runtime, &router, &setup, ("", ""));
        for request in [&first, &second, &first] {
            send_to_audit(runtime, &router, request, ("no-such-user", "no-such-group"));
        }
        let report = audit.finish(&scimitar::gate::Gate::default(), "http://fuzz/scim/v2", true);
        prop_assert!(report.summary.requests >= 1);
        let _ = scimitar::report::json(&report);
        let _ = scimitar::report::terminal::details(&report, scimitar::report::terminal::Style { color: false });
    }
}
