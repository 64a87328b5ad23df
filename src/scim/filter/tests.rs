//! Table tests for the filter grammar and its schema-typed evaluation.

use super::*;
use crate::scim::schema::{ENTERPRISE_USER, Registry};
use serde_json::{Map, Value, json};

fn user() -> Map<String, Value> {
    let v = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "Bjensen-EXT",
        "userName": "Bjensen@Example.com",
        "name": { "familyName": "Jensen", "givenName": "Barbara", "formatted": "Ms. Barbara J Jensen" },
        "displayName": "Babs Jensen",
        "title": "",
        "userType": "Employee",
        "active": true,
        "emails": [
            { "value": "bjensen@example.com", "type": "work", "primary": true },
            { "value": "babs@jensen.org", "type": "home" }
        ],
        "phoneNumbers": [{ "value": "555-555-8377", "type": "work" }],
        "x509Certificates": [{ "value": "TUlJRGZq" }],
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "version": "W/\"a330bc54f0671c9\""
        },
        ENTERPRISE_USER: {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": { "value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith" }
        }
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn eval(filter: &str) -> Result<bool, String> {
    let rt = Registry::builtin().user();
    let f = Filter::parse(filter).map_err(|e| e.to_string())?;
    let m = f.bind(rt).map_err(|e| e.to_string())?;
    Ok(m.matches(&user()))
}

#[test]
fn matches_the_fixture_user() {
    let cases: &[(&str, bool)] = &[
        // eq on strings: caseExact false for userName, true for id and externalId
        (r#"userName eq "bjensen@example.com""#, true),
        (r#"userName eq "BJENSEN@EXAMPLE.COM""#, true),
        (r#"userName eq "bjensen""#, false),
        (r#"externalId eq "Bjensen-EXT""#, true),
        (r#"externalId eq "bjensen-ext""#, false),
        (r#"id eq "2819c223-7f76-453a-919d-413861904646""#, true),
        (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
        // keywords and attribute names are case-insensitive
        (r#"USERNAME EQ "bjensen@example.com""#, true),
        (r#"name.FAMILYNAME Eq "jensen""#, true),
        // ne
        (r#"userName ne "someone""#, true),
        (r#"userName ne "BJENSEN@example.com""#, false),
        (r#"nickName ne "x""#, true),
        // substring operators
        (r#"userName co "example""#, true),
        (r#"userName co "EXAMPLE""#, true),
        (r#"userName co "nope""#, false),
        (r#"userName sw "bjen""#, true),
        (r#"userName sw "example""#, false),
        (r#"userName ew ".com""#, true),
        (r#"userName ew "bjensen""#, false),
        (r#"externalId co "ext""#, false),
        (r#"externalId co "EXT""#, true),
        // ordering on strings
        (r#"userName gt "a""#, true),
        (r#"userName gt "z""#, false),
        (r#"userName ge "bjensen@example.com""#, true),
        (r#"userName lt "c""#, true),
        (r#"userName le "b""#, false),
        // pr: empty strings and absent attributes are not present
        ("userName pr", true),
        ("title pr", false),
        ("nickName pr", false),
        ("name pr", true),
        ("emails pr", true),
        ("addresses pr", false),
        ("name.middleName pr", false),
        // booleans
        ("active eq true", true),
        ("active eq false", false),
        ("active ne false", true),
        // dateTime compares as instants
        (r#"meta.lastModified gt "2011-05-13T04:42:33Z""#, true),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#, true),
        (r#"meta.created lt "2011-01-01T00:00:00Z""#, true),
        (r#"meta.created le "2010-01-23T04:56:21Z""#, false),
        // sub-attributes of multi-valued attributes: any value matches
        (r#"emails.type eq "home""#, true),
        (r#"emails.type eq "other""#, false),
        (r#"emails.value ew "jensen.org""#, true),
        // a complex attribute named alone compares through "value"
        (r#"emails co "jensen.org""#, true),
        (r#"emails eq "nobody@example.com""#, false),
        // ne on multi-valued: some value differs (RFC 7644 §3.4.2.2 "any of the values")
        (r#"emails.type ne "home""#, true),
        (r#"emails.type ne "other""#, true),
        (r#"phoneNumbers.type ne "work""#, false),
        // value paths
        (r#"emails[type eq "work" and value co "@example.com"]"#, true),
        (r#"emails[type eq "home" and value co "@example.com"]"#, false),
        (r#"emails[type eq "work" or type eq "other"]"#, true),
        (r#"emails[not (type eq "work")]"#, true),
        (r#"emails[primary eq true]"#, true),
        (r#"emails[primary eq true and type eq "home"]"#, false),
        (r#"phoneNumbers[type eq "work"]"#, true),
        (r#"name[givenName eq "barbara"]"#, true),
        // logical operators and precedence
        (r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#, true),
        (r#"userName eq "x" or userName eq "bjensen@example.com""#, true),
        (r#"userName eq "x" and userName eq "bjensen@example.com""#, false),
        (r#"userName eq "x" and title pr or active eq true"#, true),
        (r#"userName eq "x" and (title pr or active eq true)"#, false),
        (r#"active eq true or userName eq "x" and title pr"#, true),
        (r#"(active eq true or userName eq "x") and title pr"#, false),
        (r#"not (userName eq "x")"#, true),
        (r#"not (active eq true)"#, false),
        (r#"not (not (active eq true))"#, true),
        (r#"not (userName eq "x") and not (title pr)"#, true),
        (r#"((((active eq true))))"#, true),
        // URN-qualified names, in any case
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations""#,
            true,
        ),
        (r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeeNumber eq "701984""#, true),
        (r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value sw "26118915""#, true),
        (r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bjensen""#, true),
        (r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter pr"#, false),
        // null: unassigned and null are the same state (RFC 7643 §2.5)
        ("nickName eq null", true),
        ("userName eq null", false),
        ("userName ne null", true),
        // binary compares exactly; eq/ne allowed
        (r#"x509Certificates.value eq "TUlJRGZq""#, true),
        (r#"x509Certificates.value eq "tuljrgzq""#, false),
        // whitespace between tokens may be any amount
        ("  active   eq    true  ", true),
        // string escapes
        (r#"displayName eq "Babs\u0020Jensen""#, true),
    ];
    let mut failures = Vec::new();
    for (filter, expected) in cases {
        match eval(filter) {
            Ok(got) if got == *expected => {}
            other => failures.push(format!("{filter}: expected {expected}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn parses_with_rfc_precedence() {
    let cases: &[(&str, &str)] = &[
        (r#"a eq 1 or b eq 2 and c eq 3"#, "(a eq 1 or (b eq 2 and c eq 3))"),
        (r#"a eq 1 and b eq 2 or c eq 3"#, "((a eq 1 and b eq 2) or c eq 3)"),
        (r#"a eq 1 and (b eq 2 or c eq 3)"#, "(a eq 1 and (b eq 2 or c eq 3))"),
        (r#"not (a pr) and b pr"#, "(not a pr and b pr)"),
        (r#"a pr or b pr or c pr"#, "(a pr or b pr or c pr)"),
        (r#"a pr and b pr and c pr or d pr"#, "((a pr and b pr and c pr) or d pr)"),
        (r#"x[a eq "1" or b eq "2"] and y pr"#, r#"(x[(a eq "1" or b eq "2")] and y pr)"#),
        (r#"a Eq "x" AND b PR"#, r#"(a eq "x" and b pr)"#),
        (r#"a eq -1.5e3"#, "a eq -1500.0"),
        (r#"a eq 0"#, "a eq 0"),
        (r#"a ne null"#, "a ne null"),
        (r#"a eq false"#, "a eq false"),
    ];
    for (input, expected) in cases {
        let f = Filter::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(f.to_string(), *expected, "{input}");
    }
}

#[test]
fn reports_syntax_errors_with_offsets() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 0, "empty filter"),
        ("   ", 0, "empty filter"),
        ("userName", 8, "expected an operator"),
        ("userName eq", 11, "expected a value"),
        (r#"userName eqq "x""#, 9, "'eqq' is not an operator"),
        (r#"userName eq "x" and"#, 19, "expected an attribute name"),
        (r#"userName eq "x" xor y pr"#, 16, "expected 'and', 'or' or the end"),
        (r#"userName eq "x"#, 12, "unterminated string"),
        (r#"userName eq x"#, 12, "'x' is not a value"),
        (r#"active eq True"#, 10, "'True' is not a value"),
        (r#"(userName pr"#, 12, "expected ')'"),
        (r#"userName pr)"#, 11, "expected 'and', 'or' or the end"),
        (r#"emails[type eq "work""#, 21, "']'"),
        (r#"emails[type eq "work"].value eq "x""#, 22, "PATCH paths, not in filters"),
        (r#"emails[type[value pr]]"#, 11, "cannot be nested"),
        (r#"emails.type[value pr]"#, 11, "not a sub-attribute"),
        (r#"1abc eq "x""#, 0, "not an attribute name"),
        (r#"not userName pr"#, 4, "in parentheses"),
        (r#"userName eq "x" # 1"#, 16, "unexpected character"),
        (r#"a.b.c pr"#, 0, "not an attribute name"),
        (r#""x" eq userName"#, 0, "expected an attribute name"),
        (r#"userName eq ("#, 12, "expected a value"),
    ];
    for (input, offset, fragment) in cases {
        let e = Filter::parse(input).expect_err(input);
        assert!(e.message.contains(fragment), "{input}: {e} lacks {fragment:?}");
        assert_eq!(e.offset, *offset, "{input}: {e}");
    }
}

#[test]
fn refuses_typed_comparisons_the_schema_does_not_allow() {
    let cases: &[(&str, &str)] = &[
        ("active gt true", "not defined for boolean"),
        ("active co true", "not defined for boolean"),
        (r#"active eq "true""#, "cannot be compared"),
        (r#"userName eq 1"#, "cannot be compared"),
        (r#"userName eq true"#, "cannot be compared"),
        (r#"x509Certificates.value gt "a""#, "not defined for binary"),
        (r#"meta.created gt "yesterday""#, "not a dateTime"),
        (r#"meta.created co "2010""#, "needs a string attribute"),
        (r#"meta.created gt 5"#, "cannot be compared"),
        (r#"name eq "x""#, "is complex"),
        (r#"userName gt null"#, "only eq and ne"),
        (r#"nope eq "x""#, "not an attribute"),
        (r#"name.nope eq "x""#, "no sub-attribute"),
        (r#"urn:example:unknown:1.0:User:x eq "x""#, "not a schema"),
        (r#"department eq "x""#, "not an attribute"),
        (r#"userName[value pr]"#, "needs a complex attribute"),
        (r#"emails[nope pr]"#, "no sub-attribute"),
        (r#"emails[name.givenName pr]"#, "sub-attribute of emails only"),
        (r#"password eq "secret""#, "never returned"),
    ];
    for (input, fragment) in cases {
        let err = eval(input).expect_err(input);
        assert!(err.contains(fragment), "{input}: {err:?} lacks {fragment:?}");
    }
}

#[test]
fn caps_length_and_depth_before_recursing() {
    let deep = format!("{}userName pr{}", "(".repeat(2000), ")".repeat(2000));
    let e = Filter::parse(&deep).unwrap_err();
    assert!(e.message.contains("nested deeper"), "{e}");
    assert_eq!(e.offset, MAX_DEPTH);

    let nots = format!("{}userName pr{}", "not (".repeat(40), ")".repeat(40));
    assert!(Filter::parse(&nots).unwrap_err().message.contains("nested deeper"));

    let ok = format!("{}userName pr{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(Filter::parse(&ok).is_ok());

    let long = format!(r#"userName eq "{}""#, "a".repeat(MAX_FILTER_LEN));
    assert!(Filter::parse(&long).unwrap_err().message.contains("longer than"));

    // A long flat chain is fine: it does not recurse.
    let chain = vec!["userName pr"; 500].join(" or ");
    assert!(matches!(Filter::parse(&chain), Ok(Filter::Or(parts)) if parts.len() == 500));
}

#[test]
fn error_position_is_reported_in_characters_for_scim() {
    let text = r#"displayName eq "Zoë" andd x pr"#;
    let e = Filter::parse(text).unwrap_err();
    let scim = e.to_scim(text);
    assert_eq!(scim.status, 400);
    assert_eq!(scim.scim_type, Some(crate::scim::error::ScimType::InvalidFilter));
    assert!(scim.detail.contains("at character 22"), "{}", scim.detail);
}

#[test]
fn parses_patch_paths() {
    let p = parse_patch_path(r#"emails[type eq "work"].value"#).unwrap();
    assert_eq!(p.attr.name, "emails");
    assert_eq!(p.sub_after_filter.as_deref(), Some("value"));
    assert_eq!(p.filter.unwrap().to_string(), r#"type eq "work""#);

    let p = parse_patch_path(r#"members[value eq "2819c223"]"#).unwrap();
    assert!(p.filter.is_some() && p.sub_after_filter.is_none());

    let p = parse_patch_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager").unwrap();
    assert_eq!(p.attr.name, "manager");

    let p = parse_patch_path("name.givenName").unwrap();
    assert_eq!(p.attr.sub.as_deref(), Some("givenName"));

    for bad in [
        "",
        "emails[",
        "emails[type eq \"w\"]value",
        "emails[type eq \"w\"].a.b",
        "name.givenName[x pr]",
        "a b",
        "emails]",
    ] {
        assert!(parse_patch_path(bad).is_err(), "{bad:?} should be refused");
    }
}

#[test]
fn unknown_attributes_can_count_as_absent_for_cross_type_queries() {
    let group = Registry::builtin().group();
    let options = BindOptions { unknown_as_absent: true, ..BindOptions::default() };
    let g = json!({ "displayName": "Tour Guides" });
    let g = g.as_object().unwrap();
    let eval = |f: &str| Filter::parse(f).unwrap().bind_with(group, &options).unwrap().matches(g);
    assert!(!eval(r#"userName eq "x""#));
    assert!(!eval("userName pr"));
    assert!(eval(r#"userName ne "x""#));
    assert!(eval("not (userName pr)"));
    assert!(eval(r#"userName eq "x" or displayName sw "tour""#));
    assert!(!eval(r#"emails[type eq "work"]"#));
    // Type errors on known attributes are still errors.
    assert!(Filter::parse("displayName gt 5").unwrap().bind_with(group, &options).is_err());
    // Without the option an unknown attribute is refused.
    assert!(Filter::parse("userName pr").unwrap().bind(group).is_err());
}

#[test]
fn or_binding_tighter_changes_the_grouping() {
    let text = r#"a pr and b pr or c pr"#;
    assert_eq!(Filter::parse(text).unwrap().to_string(), "((a pr and b pr) or c pr)");
    assert_eq!(Filter::parse_with_or_binding_tighter(text).unwrap().to_string(), "(a pr and (b pr or c pr))");
}
