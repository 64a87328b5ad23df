//! Table tests for PATCH: each case starts from a canonical resource, applies one
//! PatchOp request and checks JSON pointers of the result, or the error.

use super::*;
use crate::faults::{Fault, FaultSet};
use crate::scim::quirks::Idp;
use crate::scim::schema::{ENTERPRISE_USER, Registry};
use serde_json::{Value, json};

/// `/urn:...:User/attr` as a JSON pointer (URNs hold no `/` or `~`).
macro_rules! concat_pointer {
    ($urn:expr, $attr:expr) => {{
        let s: &'static str = Box::leak(
            if $attr.is_empty() { format!("/{}", $urn) } else { format!("/{}/{}", $urn, $attr) }
                .into_boxed_str(),
        );
        s
    }};
}

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn user() -> Value {
    json!({
        "schemas": [USER, ENTERPRISE_USER],
        "userName": "bjensen@example.com",
        "name": { "givenName": "Barbara", "familyName": "Jensen" },
        "displayName": "Babs",
        "active": true,
        "emails": [
            { "value": "bjensen@example.com", "type": "work", "primary": true },
            { "value": "babs@jensen.org", "type": "home" }
        ],
        "addresses": [{ "type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood" }],
        "roles": [{ "value": "admin", "primary": true }],
        ENTERPRISE_USER: { "employeeNumber": "701984", "manager": { "value": "m-1" } }
    })
}

fn group() -> Value {
    json!({
        "schemas": [GROUP],
        "displayName": "Tour Guides",
        "members": [
            { "value": "u-1", "type": "User" },
            { "value": "u-2", "type": "User" },
            { "value": "u-3", "type": "User" }
        ]
    })
}

enum Expect {
    /// JSON pointers and their values; `None` means absent.
    Ok(Vec<(&'static str, Option<Value>)>),
    Err(ScimType, &'static str),
}

struct Case {
    name: &'static str,
    group: bool,
    ops: Value,
    idps: &'static [Idp],
    faults: &'static [Fault],
    expect: Expect,
}

fn case(name: &'static str, ops: Value, expect: Expect) -> Case {
    Case { name, group: false, ops, idps: &[], faults: &[], expect }
}

fn gcase(name: &'static str, ops: Value, expect: Expect) -> Case {
    Case { name, group: true, ops, idps: &[], faults: &[], expect }
}

fn ok(checks: Vec<(&'static str, Option<Value>)>) -> Expect {
    Expect::Ok(checks)
}

fn err(t: ScimType, fragment: &'static str) -> Expect {
    Expect::Err(t, fragment)
}

fn start(rt: &ResourceType, body: Value) -> Map<String, Value> {
    let leniency = Leniency::strict();
    let mut r = Normalizer::new(rt, &leniency).resource(&body).expect("fixture is valid");
    r.insert("id".into(), json!("id-1"));
    normalize::finish(rt, &mut r, ScimType::InvalidValue).expect("fixture is complete");
    r
}

fn run(c: &Case) -> Result<Value, ScimError> {
    let registry = Registry::builtin();
    let (rt, body) = if c.group { (registry.group(), group()) } else { (registry.user(), user()) };
    let leniency = Leniency::for_idps(c.idps);
    let request = json!({ "schemas": [PATCH_OP], "Operations": c.ops });
    let ops = parse_request(&request, &leniency)?;
    let mut resource = start(rt, body);
    Patcher::new(rt, &leniency, FaultSet::of(c.faults)).apply(&mut resource, &ops)?;
    Ok(Value::Object(resource))
}

fn cases() -> Vec<Case> {
    use ScimType::*;
    vec![
        // --- add (§3.5.2.1) ---
        case(
            "add single-valued attribute",
            json!([{ "op": "add", "path": "nickName", "value": "Babs" }]),
            ok(vec![("/nickName", Some(json!("Babs")))]),
        ),
        case(
            "add replaces an existing single value",
            json!([{ "op": "add", "path": "displayName", "value": "B" }]),
            ok(vec![("/displayName", Some(json!("B")))]),
        ),
        case(
            "add sub-attribute of a complex attribute",
            json!([{ "op": "add", "path": "name.middleName", "value": "J" }]),
            ok(vec![("/name/middleName", Some(json!("J"))), ("/name/givenName", Some(json!("Barbara")))]),
        ),
        case(
            "add complex merges sub-attributes",
            json!([{ "op": "add", "path": "name", "value": { "honorificPrefix": "Ms." } }]),
            ok(vec![
                ("/name/honorificPrefix", Some(json!("Ms."))),
                ("/name/familyName", Some(json!("Jensen"))),
            ]),
        ),
        case(
            "add to multi-valued appends",
            json!([{ "op": "add", "path": "emails", "value": [{ "value": "b@x.org", "type": "other" }] }]),
            ok(vec![
                ("/emails/2/value", Some(json!("b@x.org"))),
                ("/emails/0/value", Some(json!("bjensen@example.com"))),
            ]),
        ),
        case(
            "add an existing value changes nothing",
            json!([{ "op": "add", "path": "emails", "value": [{ "value": "BABS@jensen.org", "type": "home" }] }]),
            ok(vec![("/emails/2", None), ("/emails/1/value", Some(json!("babs@jensen.org")))]),
        ),
        case(
            "add a primary value demotes the old primary",
            json!([{ "op": "add", "path": "emails", "value": [{ "value": "n@x.org", "type": "work", "primary": true }] }]),
            ok(vec![("/emails/2/primary", Some(json!(true))), ("/emails/0/primary", Some(json!(false)))]),
        ),
        case(
            "add without path adds attributes",
            json!([{ "op": "add", "value": { "nickName": "Babs", "title": "Tour Guide" } }]),
            ok(vec![("/nickName", Some(json!("Babs"))), ("/title", Some(json!("Tour Guide")))]),
        ),
        case(
            "add without path appends to multi-valued",
            json!([{ "op": "add", "value": { "phoneNumbers": [{ "value": "555", "type": "work" }] } }]),
            ok(vec![("/phoneNumbers/0/value", Some(json!("555")))]),
        ),
        case(
            "add without path, attribute names in any case",
            json!([{ "op": "add", "value": { "NICKNAME": "B" } }]),
            ok(vec![("/nickName", Some(json!("B")))]),
        ),
        case(
            "add extension attribute by URN path",
            json!([{ "op": "add", "path": format!("{ENTERPRISE_USER}:department"), "value": "Tours" }]),
            ok(vec![(concat_pointer!(ENTERPRISE_USER, "department"), Some(json!("Tours")))]),
        ),
        case(
            "add extension object without path",
            json!([{ "op": "add", "value": { ENTERPRISE_USER: { "costCenter": "4130" } } }]),
            ok(vec![
                (concat_pointer!(ENTERPRISE_USER, "costCenter"), Some(json!("4130"))),
                (concat_pointer!(ENTERPRISE_USER, "employeeNumber"), Some(json!("701984"))),
            ]),
        ),
        case(
            "add to the extension URN as path",
            json!([{ "op": "add", "path": ENTERPRISE_USER, "value": { "division": "Theme Park" } }]),
            ok(vec![(concat_pointer!(ENTERPRISE_USER, "division"), Some(json!("Theme Park")))]),
        ),
        case(
            "add with value filter and sub-attribute sets it on matches",
            json!([{ "op": "add", "path": "addresses[type eq \"work\"].postalCode", "value": "91608" }]),
            ok(vec![("/addresses/0/postalCode", Some(json!("91608")))]),
        ),
        case(
            "add with value filter that matches nothing",
            json!([{ "op": "add", "path": "emails[type eq \"other\"].value", "value": "x@y.z" }]),
            err(NoTarget, "matches no value"),
        ),
        case(
            "add with the wrong type",
            json!([{ "op": "add", "path": "active", "value": "yes" }]),
            err(InvalidValue, "'active' must be true or false"),
        ),
        case(
            "add a single object where an array is needed",
            json!([{ "op": "add", "path": "emails", "value": { "value": "a@b.c" } }]),
            err(InvalidValue, "must be a JSON array"),
        ),
        case(
            "add unknown attribute by path",
            json!([{ "op": "add", "path": "shoeSize", "value": 9 }]),
            err(InvalidPath, "not an attribute"),
        ),
        case(
            "add unknown attribute without path",
            json!([{ "op": "add", "value": { "shoeSize": 9 } }]),
            err(InvalidSyntax, "not an attribute"),
        ),
        case(
            "add unknown sub-attribute",
            json!([{ "op": "add", "path": "name.nickname", "value": "x" }]),
            err(InvalidPath, "no sub-attribute"),
        ),
        case(
            "add non-canonical email type",
            json!([{ "op": "add", "path": "emails", "value": [{ "value": "a@b.c", "type": "pager" }] }]),
            err(InvalidValue, "canonical values"),
        ),
        case(
            "add to readOnly id",
            json!([{ "op": "add", "path": "id", "value": "x" }]),
            err(Mutability, "readOnly"),
        ),
        case(
            "add to readOnly meta sub-attribute",
            json!([{ "op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z" }]),
            err(Mutability, "readOnly"),
        ),
        case(
            "add to readOnly groups",
            json!([{ "op": "add", "path": "groups", "value": [{ "value": "g-1" }] }]),
            err(Mutability, "readOnly"),
        ),
        case(
            "add needs a value",
            json!([{ "op": "add", "path": "nickName" }]),
            err(InvalidValue, "needs a \"value\""),
        ),
        case(
            "add without path needs an object",
            json!([{ "op": "add", "value": "x" }]),
            err(InvalidValue, "must be an object of attributes"),
        ),
        case(
            "add null is a no-op",
            json!([{ "op": "add", "path": "nickName", "value": null }]),
            ok(vec![("/nickName", None)]),
        ),
        // --- replace (§3.5.2.3) ---
        case(
            "replace single-valued",
            json!([{ "op": "replace", "path": "displayName", "value": "Barbara" }]),
            ok(vec![("/displayName", Some(json!("Barbara")))]),
        ),
        case(
            "replace complex merges, leaving other sub-attributes",
            json!([{ "op": "replace", "path": "name", "value": { "givenName": "Barb" } }]),
            ok(vec![("/name/givenName", Some(json!("Barb"))), ("/name/familyName", Some(json!("Jensen")))]),
        ),
        case(
            "replace multi-valued replaces every value",
            json!([{ "op": "replace", "path": "emails", "value": [{ "value": "only@x.org" }] }]),
            ok(vec![("/emails/0/value", Some(json!("only@x.org"))), ("/emails/1", None)]),
        ),
        case(
            "replace absent attribute is an add",
            json!([{ "op": "replace", "path": "title", "value": "Guide" }]),
            ok(vec![("/title", Some(json!("Guide")))]),
        ),
        case(
            "replace without path",
            json!([{ "op": "replace", "value": { "active": false, "displayName": "B" } }]),
            ok(vec![("/active", Some(json!(false))), ("/displayName", Some(json!("B")))]),
        ),
        case(
            "replace without path merges complex",
            json!([{ "op": "replace", "value": { "name": { "familyName": "J" } } }]),
            ok(vec![("/name/familyName", Some(json!("J"))), ("/name/givenName", Some(json!("Barbara")))]),
        ),
        case(
            "replace filtered sub-attribute",
            json!([{ "op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@example.com" }]),
            ok(vec![
                ("/emails/0/value", Some(json!("new@example.com"))),
                ("/emails/1/value", Some(json!("babs@jensen.org"))),
            ]),
        ),
        case(
            "replace filtered value replaces the whole record",
            json!([{ "op": "replace", "path": "emails[type eq \"home\"]", "value": { "value": "h@x.org" } }]),
            ok(vec![("/emails/1/value", Some(json!("h@x.org"))), ("/emails/1/type", None)]),
        ),
        case(
            "add with a filter merges into the record",
            json!([{ "op": "add", "path": "emails[type eq \"home\"]", "value": { "display": "Home" } }]),
            ok(vec![("/emails/1/display", Some(json!("Home"))), ("/emails/1/type", Some(json!("home")))]),
        ),
        case(
            "replace filter with and",
            json!([{ "op": "replace", "path": "emails[type eq \"work\" and value ew \"example.com\"].display", "value": "Work" }]),
            ok(vec![("/emails/0/display", Some(json!("Work"))), ("/emails/1/display", None)]),
        ),
        case(
            "replace filter matching nothing is noTarget",
            json!([{ "op": "replace", "path": "emails[type eq \"other\"].value", "value": "x@y.z" }]),
            err(NoTarget, "matches no value"),
        ),
        case(
            "replace primary demotes others",
            json!([{ "op": "replace", "path": "emails[type eq \"home\"].primary", "value": true }]),
            ok(vec![("/emails/1/primary", Some(json!(true))), ("/emails/0/primary", Some(json!(false)))]),
        ),
        case(
            "replace with null unassigns",
            json!([{ "op": "replace", "path": "displayName", "value": null }]),
            ok(vec![("/displayName", None)]),
        ),
        case(
            "replace multi-valued with [] unassigns",
            json!([{ "op": "replace", "path": "addresses", "value": [] }]),
            ok(vec![("/addresses", None)]),
        ),
        case(
            "replace two primaries at once",
            json!([{ "op": "replace", "path": "emails", "value": [{ "value": "a@x.org", "primary": true }, { "value": "b@x.org", "primary": true }] }]),
            err(InvalidValue, "at most one"),
        ),
        case(
            "replace required attribute with null",
            json!([{ "op": "replace", "path": "userName", "value": null }]),
            err(Mutability, "'userName' is required"),
        ),
        case(
            "replace extension attribute",
            json!([{ "op": "replace", "path": format!("{ENTERPRISE_USER}:employeeNumber"), "value": "42" }]),
            ok(vec![(concat_pointer!(ENTERPRISE_USER, "employeeNumber"), Some(json!("42")))]),
        ),
        case(
            "replace extension complex sub-attribute",
            json!([{ "op": "replace", "path": format!("{ENTERPRISE_USER}:manager.value"), "value": "m-2" }]),
            ok(vec![(
                "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager/value",
                Some(json!("m-2")),
            )]),
        ),
        case(
            "replace readOnly manager.displayName",
            json!([{ "op": "replace", "path": format!("{ENTERPRISE_USER}:manager.displayName"), "value": "x" }]),
            err(Mutability, "readOnly"),
        ),
        case(
            "replace with a malformed path",
            json!([{ "op": "replace", "path": "emails[type eq", "value": "x" }]),
            err(InvalidPath, "path \"emails[type eq\""),
        ),
        case(
            "replace with a type error inside the path filter",
            json!([{ "op": "replace", "path": "emails[primary gt true].value", "value": "x" }]),
            err(InvalidPath, "not defined for boolean"),
        ),
        case(
            "replace whose value is the wrong type for a sub-attribute",
            json!([{ "op": "replace", "path": "name.givenName", "value": 5 }]),
            err(InvalidValue, "must be a JSON string"),
        ),
        case(
            "path and attribute names are case-insensitive",
            json!([{ "op": "replace", "path": "NAME.GIVENNAME", "value": "B" }]),
            ok(vec![("/name/givenName", Some(json!("B")))]),
        ),
        // --- remove (§3.5.2.2) ---
        case(
            "remove single-valued",
            json!([{ "op": "remove", "path": "displayName" }]),
            ok(vec![("/displayName", None)]),
        ),
        case(
            "remove sub-attribute",
            json!([{ "op": "remove", "path": "name.givenName" }]),
            ok(vec![("/name/givenName", None), ("/name/familyName", Some(json!("Jensen")))]),
        ),
        case(
            "remove multi-valued entirely",
            json!([{ "op": "remove", "path": "emails" }]),
            ok(vec![("/emails", None)]),
        ),
        case(
            "remove filtered values",
            json!([{ "op": "remove", "path": "emails[type eq \"home\"]" }]),
            ok(vec![("/emails/1", None), ("/emails/0/type", Some(json!("work")))]),
        ),
        case(
            "remove filter matching nothing changes nothing",
            json!([{ "op": "remove", "path": "emails[type eq \"other\"]" }]),
            ok(vec![("/emails/1/type", Some(json!("home")))]),
        ),
        case(
            "remove the last value unassigns the attribute",
            json!([{ "op": "remove", "path": "addresses[type eq \"work\"]" }]),
            ok(vec![("/addresses", None)]),
        ),
        case(
            "remove filtered sub-attribute",
            json!([{ "op": "remove", "path": "emails[type eq \"work\"].primary" }]),
            ok(vec![("/emails/0/primary", None), ("/emails/0/value", Some(json!("bjensen@example.com")))]),
        ),
        case(
            "remove without path is noTarget",
            json!([{ "op": "remove" }]),
            err(NoTarget, "remove needs a \"path\""),
        ),
        case(
            "remove required userName",
            json!([{ "op": "remove", "path": "userName" }]),
            err(Mutability, "'userName' is required"),
        ),
        case("remove readOnly id", json!([{ "op": "remove", "path": "id" }]), err(Mutability, "readOnly")),
        case(
            "remove an absent attribute succeeds",
            json!([{ "op": "remove", "path": "nickName" }]),
            ok(vec![("/nickName", None)]),
        ),
        case(
            "remove an extension attribute",
            json!([{ "op": "remove", "path": format!("{ENTERPRISE_USER}:employeeNumber") }]),
            ok(vec![
                (concat_pointer!(ENTERPRISE_USER, "employeeNumber"), None),
                (concat_pointer!(ENTERPRISE_USER, "manager"), Some(json!({ "value": "m-1" }))),
            ]),
        ),
        case(
            "remove the whole extension drops it from schemas",
            json!([{ "op": "remove", "path": ENTERPRISE_USER }]),
            ok(vec![(concat_pointer!(ENTERPRISE_USER, ""), None), ("/schemas/1", None)]),
        ),
        case(
            "remove manager by filter (Entra's form)",
            json!([{ "op": "remove", "path": format!("{ENTERPRISE_USER}:manager[value eq \"m-1\"]") }]),
            ok(vec![(concat_pointer!(ENTERPRISE_USER, "manager"), None)]),
        ),
        // --- groups ---
        gcase(
            "remove one member by filter",
            json!([{ "op": "remove", "path": "members[value eq \"u-2\"]" }]),
            ok(vec![
                ("/members/0/value", Some(json!("u-1"))),
                ("/members/1/value", Some(json!("u-3"))),
                ("/members/2", None),
            ]),
        ),
        gcase(
            "add and remove members in one request (Okta)",
            json!([
                { "op": "remove", "path": "members[value eq \"u-1\"]" },
                { "op": "add", "path": "members", "value": [{ "value": "u-4", "display": "Four" }] }]),
            ok(vec![
                ("/members/0/value", Some(json!("u-2"))),
                ("/members/2/value", Some(json!("u-4"))),
                ("/members/3", None),
            ]),
        ),
        gcase(
            "add an existing member changes nothing",
            json!([{ "op": "add", "path": "members", "value": [{ "value": "u-1" }] }]),
            ok(vec![("/members/3", None)]),
        ),
        gcase(
            "replace all members",
            json!([{ "op": "replace", "path": "members", "value": [{ "value": "u-9" }] }]),
            ok(vec![("/members/0/value", Some(json!("u-9"))), ("/members/1", None)]),
        ),
        gcase(
            "remove all members",
            json!([{ "op": "remove", "path": "members" }]),
            ok(vec![("/members", None), ("/displayName", Some(json!("Tour Guides")))]),
        ),
        gcase(
            "rename a group without path",
            json!([{ "op": "replace", "value": { "displayName": "Guides" } }]),
            ok(vec![("/displayName", Some(json!("Guides")))]),
        ),
        gcase(
            "member sub-attributes are immutable",
            json!([{ "op": "replace", "path": "members[value eq \"u-1\"].value", "value": "u-7" }]),
            err(Mutability, "immutable"),
        ),
        gcase(
            "member values cannot be rewritten by a filtered replace",
            json!([{ "op": "replace", "path": "members[value eq \"u-1\"]", "value": { "value": "u-7" } }]),
            err(Mutability, "immutable"),
        ),
        gcase(
            "a filtered replace may repeat an immutable value",
            json!([{ "op": "replace", "path": "members[value eq \"u-1\"]", "value": { "value": "u-1", "type": "User", "display": "One" } }]),
            ok(vec![("/members/0/display", Some(json!("One"))), ("/members/0/value", Some(json!("u-1")))]),
        ),
        gcase(
            "an immutable sub-attribute without a value may be set",
            json!([{ "op": "add", "path": "members[value eq \"u-2\"].display", "value": "Two" }]),
            ok(vec![("/members/1/display", Some(json!("Two")))]),
        ),
        gcase(
            "an immutable sub-attribute cannot be removed",
            json!([{ "op": "remove", "path": "members[value eq \"u-2\"].type" }]),
            err(Mutability, "immutable"),
        ),
        gcase(
            "remove required displayName",
            json!([{ "op": "remove", "path": "displayName" }]),
            err(Mutability, "'displayName' is required"),
        ),
        // --- atomicity and ordering ---
        case(
            "operations apply in order",
            json!([
                { "op": "replace", "path": "nickName", "value": "one" },
                { "op": "replace", "path": "nickName", "value": "two" }]),
            ok(vec![("/nickName", Some(json!("two")))]),
        ),
        case(
            "a later operation sees the earlier result",
            json!([
                { "op": "add", "path": "emails", "value": [{ "value": "o@x.org", "type": "other" }] },
                { "op": "replace", "path": "emails[type eq \"other\"].display", "value": "Other" }]),
            ok(vec![("/emails/2/display", Some(json!("Other")))]),
        ),
        case(
            "a failing operation fails the request",
            json!([
                { "op": "replace", "path": "nickName", "value": "one" },
                { "op": "replace", "path": "active", "value": "nope" }]),
            err(InvalidValue, "Operations[1]"),
        ),
        // --- envelope ---
        case(
            "unknown op",
            json!([{ "op": "merge", "path": "nickName", "value": "x" }]),
            err(InvalidSyntax, "must be \"add\", \"remove\" or \"replace\""),
        ),
        case(
            "unknown member in an operation",
            json!([{ "op": "add", "path": "nickName", "value": "x", "from": "y" }]),
            err(InvalidSyntax, "unknown member \"from\""),
        ),
        case("empty Operations", json!([]), err(InvalidValue, "at least one operation")),
        case(
            "path must be a string",
            json!([{ "op": "remove", "path": 5 }]),
            err(InvalidPath, "must be a string"),
        ),
        // --- IdP quirks, strict then lenient ---
        case(
            "capitalised op, strict",
            json!([{ "op": "Replace", "path": "nickName", "value": "x" }]),
            err(InvalidSyntax, "--compat entra"),
        ),
        Case {
            idps: &[Idp::Entra],
            ..case(
                "capitalised op, entra",
                json!([{ "op": "Replace", "path": "nickName", "value": "x" }]),
                ok(vec![("/nickName", Some(json!("x")))]),
            )
        },
        case(
            "boolean as a string, strict",
            json!([{ "op": "replace", "path": "active", "value": "False" }]),
            err(InvalidValue, "the string \"False\""),
        ),
        Case {
            idps: &[Idp::Entra],
            ..case(
                "boolean as a string, entra",
                json!([{ "op": "Replace", "path": "active", "value": "False" }]),
                ok(vec![("/active", Some(json!(false)))]),
            )
        },
        case(
            "bare string manager, strict",
            json!([{ "op": "add", "path": format!("{ENTERPRISE_USER}:manager"), "value": "m-9" }]),
            err(InvalidValue, "bare string"),
        ),
        Case {
            idps: &[Idp::Entra],
            ..case(
                "bare string manager, entra",
                json!([{ "op": "Add", "path": format!("{ENTERPRISE_USER}:manager"), "value": "m-9" }]),
                ok(vec![(
                    "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager/value",
                    Some(json!("m-9")),
                )]),
            )
        },
        case(
            "dotted keys without path, strict",
            json!([{ "op": "replace", "value": { "name.givenName": "B" } }]),
            err(InvalidSyntax, "a path rather than an attribute name"),
        ),
        Case {
            idps: &[Idp::Entra],
            ..case(
                "dotted keys without path, entra",
                json!([{ "op": "replace", "value": {
                "name.givenName": "B", format!("{ENTERPRISE_USER}:employeeNumber"): "7" } }]),
                ok(vec![
                    ("/name/givenName", Some(json!("B"))),
                    (concat_pointer!(ENTERPRISE_USER, "employeeNumber"), Some(json!("7"))),
                ]),
            )
        },
        gcase(
            "member removal by value, strict",
            json!([{ "op": "remove", "path": "members", "value": [{ "value": "u-2" }] }]),
            err(InvalidSyntax, "members[value eq"),
        ),
        Case {
            idps: &[Idp::Entra],
            ..gcase(
                "member removal by value, entra",
                json!([{ "op": "Remove", "path": "members", "value": [{ "value": "u-2" }] }]),
                ok(vec![("/members/1/value", Some(json!("u-3"))), ("/members/2", None)]),
            )
        },
        gcase(
            "read-only id in a rename, strict",
            json!([{ "op": "replace", "value": { "id": "id-1", "displayName": "Guides" } }]),
            err(Mutability, "--compat okta"),
        ),
        Case {
            idps: &[Idp::Okta],
            ..gcase(
                "read-only id in a rename, okta",
                json!([{ "op": "replace", "value": { "id": "id-1", "displayName": "Guides" } }]),
                ok(vec![("/displayName", Some(json!("Guides"))), ("/id", Some(json!("id-1")))]),
            )
        },
        Case {
            idps: &[Idp::Okta],
            ..gcase(
                "a different id is refused even for okta",
                json!([{ "op": "replace", "value": { "id": "other", "displayName": "G" } }]),
                err(Mutability, "differs"),
            )
        },
        // --- faults change behaviour as advertised ---
        Case {
            faults: &[Fault::RemoveFilterClearsAll],
            ..gcase(
                "fault: remove by filter clears all",
                json!([{ "op": "remove", "path": "members[value eq \"u-2\"]" }]),
                ok(vec![("/members", None)]),
            )
        },
        Case {
            faults: &[Fault::AddReplacesMultiValued],
            ..gcase(
                "fault: add replaces",
                json!([{ "op": "add", "path": "members", "value": [{ "value": "u-4" }] }]),
                ok(vec![("/members/0/value", Some(json!("u-4"))), ("/members/1", None)]),
            )
        },
        Case {
            faults: &[Fault::PrimaryNotDemoted],
            ..case(
                "fault: primary not demoted",
                json!([{ "op": "add", "path": "roles", "value": [{ "value": "user", "primary": true }] }]),
                err(InvalidValue, "at most one"),
            )
        },
        Case {
            faults: &[Fault::ReplaceNoTargetIgnored],
            ..case(
                "fault: noTarget ignored",
                json!([{ "op": "replace", "path": "emails[type eq \"other\"].value", "value": "x@y.z" }]),
                ok(vec![("/emails/2", None)]),
            )
        },
    ]
}

#[test]
fn patch_table() {
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        match (run(c), &c.expect) {
            (Ok(result), Expect::Ok(checks)) => {
                for (pointer, expected) in checks {
                    let got = result.pointer(pointer);
                    if got != expected.as_ref() {
                        failures.push(format!("{}: {pointer} is {got:?}, expected {expected:?}", c.name));
                    }
                }
            }
            (Err(e), Expect::Err(t, fragment)) => {
                if e.status != 400 || e.scim_type != Some(*t) || !e.detail.contains(fragment) {
                    failures.push(format!("{}: got {e}, expected 400 {t} containing {fragment:?}", c.name));
                }
            }
            (Ok(result), Expect::Err(t, _)) => {
                failures.push(format!("{}: succeeded, expected {t}: {result}", c.name));
            }
            (Err(e), Expect::Ok(_)) => failures.push(format!("{}: failed with {e}", c.name)),
        }
    }
    assert!(failures.is_empty(), "{} of {} failing:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn envelope_needs_the_patchop_schema_and_operations() {
    let strict = Leniency::strict();
    let e = parse_request(&json!({ "Operations": [] }), &strict).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    let e = parse_request(&json!({ "schemas": [PATCH_OP] }), &strict).unwrap_err();
    assert!(e.detail.contains("Operations"));
    let e = parse_request(&json!([1, 2]), &strict).unwrap_err();
    assert!(e.detail.contains("JSON object"));
    // Message attribute names are case-insensitive too.
    let ops = parse_request(
        &json!({ "SCHEMAS": [PATCH_OP], "operations": [{ "OP": "add", "Path": "nickName", "Value": "x" }] }),
        &strict,
    )
    .unwrap();
    assert_eq!(ops[0].kind, OpKind::Add);
}
