//! Listing and searching (RFC 7644 §3.4.2, §3.4.3): filter, sort, page, project.

use super::cursor::{self, Position};
use super::http::ScimRequest;
use super::service::Service;
use super::store::{Collection, Id};
use super::variant::{Variant, VariantSet};
use crate::faults::Fault;
use crate::scim::attr_path::AttrPath;
use crate::scim::error::ScimError;
use crate::scim::filter::{BindOptions, CompareOp, Filter, Literal, Matcher};
use crate::scim::message;
use crate::scim::normalize::kind as json_kind;
use crate::scim::projection::Projection;
use crate::scim::schema::{Container, Resolved, ResourceType};
use crate::scim::sort::{SortKey, SortOrder};
use crate::scim::urn::{LIST_RESPONSE, SCIM1_CORE, SEARCH_REQUEST};
use serde_json::{Map, Value, json};
use std::cmp::Ordering;

/// The query parameters a listing reads (RFC 7644 §3.4.2, §3.9; `cursor`, RFC 9865 §2).
pub const PARAMETERS: [&str; 8] =
    ["filter", "sortBy", "sortOrder", "startIndex", "count", "attributes", "excludedAttributes", "cursor"];

/// The query parameters of a list or search, as the client sent them.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
    /// RFC 9865: empty for the first page, else a `nextCursor` or `previousCursor`.
    pub cursor: Option<String>,
}

impl Query {
    /// From `GET ...?filter=...&startIndex=...`.
    pub fn from_params(req: &ScimRequest) -> Result<Query, ScimError> {
        let int = |name: &str| -> Result<Option<i64>, ScimError> {
            req.param(name)
                .map(|v| {
                    v.trim().parse::<i64>().map_err(|_| {
                        ScimError::invalid_value(format!(
                            "{name} is \"{v}\"; it must be an integer (RFC 7644 §3.4.2.4)"
                        ))
                    })
                })
                .transpose()
        };
        Ok(Query {
            filter: req.param("filter").map(str::to_string),
            sort_by: req.param("sortBy").map(str::to_string),
            sort_order: req.param("sortOrder").map(str::to_string),
            start_index: int("startIndex")?,
            count: int("count")?,
            attributes: req.param("attributes").map(str::to_string),
            excluded_attributes: req.param("excludedAttributes").map(str::to_string),
            cursor: req.param("cursor").map(str::to_string),
        })
    }

    /// From a `POST .../.search` SearchRequest body (§3.4.3).
    pub fn from_search_request(body: &Value) -> Result<Query, ScimError> {
        let Value::Object(obj) = body else {
            return Err(ScimError::invalid_syntax("a search body must be a SearchRequest JSON object"));
        };
        let mut q = Query::default();

        for (key, value) in obj {
            let text = |v: &Value| -> Result<String, ScimError> {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    ScimError::invalid_value(format!("\"{key}\" must be a string, not {}", json_kind(v)))
                })
            };
            let list = |v: &Value| -> Result<String, ScimError> {
                let items =
                    v.as_array().and_then(|a| a.iter().map(Value::as_str).collect::<Option<Vec<_>>>());
                items.map(|i| i.join(",")).ok_or_else(|| {
                    ScimError::invalid_value(format!(
                        "\"{key}\" must be an array of attribute names (RFC 7644 §3.4.3)"
                    ))
                })
            };
            let int = |v: &Value| -> Result<i64, ScimError> {
                v.as_i64().ok_or_else(|| ScimError::invalid_value(format!("\"{key}\" must be an integer")))
            };
            match key.to_ascii_lowercase().as_str() {
                "schemas" => {}
                "filter" => q.filter = Some(text(value)?),
                "sortby" => q.sort_by = Some(text(value)?),
                "sortorder" => q.sort_order = Some(text(value)?),
                "startindex" => q.start_index = Some(int(value)?),
                "count" => q.count = Some(int(value)?),
                "attributes" => q.attributes = Some(list(value)?),
                "excludedattributes" => q.excluded_attributes = Some(list(value)?),
                "cursor" => q.cursor = Some(text(value)?),
                _ => {
                    return Err(ScimError::invalid_syntax(format!(
                        "\"{key}\" is not a SearchRequest attribute"
                    )));
                }
            }
        }
        if !message::declares(obj, SEARCH_REQUEST) {
            return Err(ScimError::invalid_syntax(format!(
                "a SearchRequest must list \"{SEARCH_REQUEST}\" in \"schemas\" (RFC 7644 §3.4.3)"
            )));
        }
        Ok(q)
    }
}

/// Paging limits of the service provider.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub default_count: usize,
    pub max_results: usize,
}

/// One resource type's part of a query: how to match, sort and project it.
struct Plan<'r> {
    rt: &'r ResourceType,
    matcher: Option<Matcher<'r>>,
    sort: Option<SortKey<'r>>,
    projection: Projection,
}

/// Runs a query over one resource type (`/Users`) or several (`/.search`) and
/// returns the ListResponse.
pub fn run(
    svc: &Service<'_>,
    rts: &[&'static ResourceType],
    q: &Query,
    paging: Paging,
) -> Result<Value, ScimError> {
    let faults = svc.faults;
    let text =
        q.filter.as_deref().map(str::trim).filter(|f| !f.is_empty() && !faults.has(Fault::FilterIgnored));
    if let Some(t) = text {
        refuse_unsupported_filter(svc.variants, t)?;
    }
    let unfiltered = || rts.iter().map(|_| None).collect::<Vec<_>>();
    let (filter, matchers) = match text.map(|t| bind_filter(svc, rts, t)).transpose() {
        Ok(Some((f, m))) => (Some(f), m),
        Ok(None) => (None, unfiltered()),
        // The `unknown-filter-matches-all` fault: a filter it cannot read filters nothing.
        Err(_) if faults.has(Fault::UnknownFilterMatchesAll) => (None, unfiltered()),
        Err(e) => return Err(e),
    };
    let order = SortOrder::parse(q.sort_order.as_deref())?;
    let order = if faults.has(Fault::SortOrderIgnored) { SortOrder::Ascending } else { order };
    // The `cursor-sort-ignored` fault: pages read by cursor come in creation order.
    let unsorted_cursor =
        faults.has(Fault::CursorSortIgnored) && q.cursor.is_some() && !svc.variants.has(Variant::NoCursor);
    let sort_by = q
        .sort_by
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty() && !faults.has(Fault::SortIgnored) && !unsorted_cursor);
    let sort_by = match sort_by {
        Some(_) if svc.variants.has(Variant::NoSort) && svc.variants.refuses_with_501() => {
            return Err(ScimError::new(501, None, "sorting is not implemented by this service provider"));
        }
        Some(_) if svc.variants.has(Variant::NoSort) => None,
        other => other,
    };
    let across = rts.len() > 1;
    let mut plans = Vec::new();
    for (rt, matcher) in rts.iter().zip(matchers) {
        let sort = match sort_by {
            None => None,
            Some(by) => match SortKey::parse(rt, by, order) {
                Ok(mut k) => {
                    k.force_exact = faults.has(Fault::SortCaseSensitive);
                    Some(k)
                }
                // Across types, a type without the attribute sorts as having no value.
                Err(_) if across => None,
                Err(e) => return Err(e),
            },
        };
        let projection = projection(svc, rt, q)?;
        plans.push(Plan { rt, matcher, sort, projection });
    }
    // Filters and sorts on stored attributes run on the stored JSON; only those
    // naming computed ones (groups, meta, members) need each resource rendered.
    let computed = |name: &str| ["groups", "meta", "members"].iter().any(|c| c.eq_ignore_ascii_case(name));
    let mut needs_view = sort_by.and_then(|s| AttrPath::parse(s).ok()).is_some_and(|p| computed(&p.name));
    if let Some(f) = &filter {
        f.for_each_path(&mut |p| needs_view |= computed(&p.name));
    }

    // startIndex < 1 is 1; a negative count is 0; no count is the server's page
    // size; more than maxResults is maxResults (RFC 7644 §3.4.2.4).
    if faults.has(Fault::PagingBoundsRejected)
        && (q.start_index.is_some_and(|s| s < 1) || q.count.is_some_and(|c| c < 0))
    {
        return Err(ScimError::invalid_value("startIndex must be 1 or more and count 0 or more"));
    }
    let start_index = q.start_index.unwrap_or(1).max(1);
    // A 0-based server reads an absent startIndex as its own first index.
    let zero_based = faults.has(Fault::StartIndexZeroBased) && q.start_index.is_some();
    let offset = if zero_based { start_index } else { start_index - 1 } as usize;
    let mut count = match q.count {
        None if faults.has(Fault::MissingCountAsZero) => 0,
        None => paging.default_count,
        Some(c) => (c.max(0) as usize).min(paging.max_results),
    };
    if faults.has(Fault::CountIgnored) || (count == 0 && faults.has(Fault::CountZeroReturnsResources)) {
        count = usize::MAX;
    }
    // RFC 9865: a cursor, where this server pages by cursor, says where the
    // page starts; startIndex is not read then.
    let cursor_query = q.cursor.as_deref().filter(|_| !svc.variants.has(Variant::NoCursor)).map(|text| {
        let types: Vec<&str> = rts.iter().map(|rt| rt.name.as_str()).collect();
        let types = types.join(",");
        let key = cursor::fingerprint(&[
            Some(types.as_str()),
            q.filter.as_deref(),
            q.sort_by.as_deref(),
            q.sort_order.as_deref(),
            q.attributes.as_deref(),
            q.excluded_attributes.as_deref(),
        ]);
        (text, key)
    });
    let offset = match cursor_query {
        Some(_) if faults.has(Fault::CursorIgnored) => 0,
        Some((text, key)) => cursor::read(text, count, key, faults)?.offset,
        None => offset,
    };
    // The `unstable-order` fault: a fresh order per request, as a database
    // queried without ORDER BY may give.
    let unstable = faults.has(Fault::UnstableOrder);

    let data = svc.read();
    let (total, page) = if let [plan] = plans.as_slice()
        && plan.matcher.is_none()
        && plan.sort.is_none()
        && !unstable
    {
        // No filter, no sort: the page is a slice of the creation order, and
        // only the resources on it are read.
        let collection = data.collection(plan.rt);
        let end = offset.saturating_add(count).min(collection.len());
        let page = (offset.min(end)..end)
            .filter_map(|i| collection.get_index(i))
            .map(|(id, entry)| (0, svc.render(&data, plan.rt, id, entry)))
            .collect::<Vec<_>>();
        (collection.len(), page)
    } else {
        let mut hits: Vec<(usize, Id, Map<String, Value>)> = Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            let collection = data.collection(plan.rt);
            for id in candidates(collection, plan, filter.as_ref()) {
                let Some(entry) = collection.get(&id) else { continue };
                let map = if needs_view { svc.render(&data, plan.rt, &id, entry) } else { entry.parse() };
                // The `inactive-hidden` fault: a deactivated user vanishes from
                // lookups, so an IdP that finds no match creates it again.
                let hidden = plan.matcher.is_some()
                    && faults.has(Fault::InactiveHidden)
                    && map.get("active") == Some(&Value::Bool(false));
                if !hidden && plan.matcher.as_ref().is_none_or(|m| m.matches(&map)) {
                    hits.push((i, id, map));
                }
            }
        }
        if plans.iter().any(|p| p.sort.is_some()) {
            hits.sort_by(|(i, _, a), (j, _, b)| sort_across(&plans, *i, a, *j, b));
        }
        if unstable {
            shuffle(&mut hits);
        }
        let total = hits.len();
        let page = hits
            .into_iter()
            .skip(offset)
            .take(count)
            .map(|(i, id, map)| match data.collection(plans[i].rt).get(&id) {
                Some(entry) if !needs_view => (i, svc.decorate(&data, plans[i].rt, &id, entry.version, map)),
                _ => (i, map),
            })
            .collect();
        (total, page)
    };
    drop(data);

    if faults.has(Fault::StartIndexPastEndError) && total > 0 && offset >= total {
        return Err(ScimError::invalid_value(format!(
            "startIndex {start_index} is past the last of {total} results"
        )));
    }
    let total = if faults.has(Fault::TotalResultsPageSize) { page.len() } else { total };
    if total == 0 && faults.has(Fault::NoMatch404) {
        return Err(ScimError::not_found("no resources match"));
    }
    let resources: Vec<Value> = page
        .into_iter()
        .map(|(i, mut view)| {
            plans[i].projection.apply(plans[i].rt, &mut view);
            Value::Object(view)
        })
        .collect();
    if faults.has(Fault::ListResponseMinimal) {
        return Ok(json!({ "totalResults": total, "Resources": resources }));
    }
    let urn = if faults.has(Fault::Scim1MessageUrns) { SCIM1_CORE } else { LIST_RESPONSE };
    let items = resources.len();
    let number =
        |n: usize| if faults.has(Fault::ListNumbersAsStrings) { json!(n.to_string()) } else { json!(n) };
    if let Some((_, key)) = cursor_query {
        // A cursor page has no startIndex (RFC 9865 §2's examples).
        let mut body = json!({
            "schemas": [urn],
            "totalResults": number(total),
            "itemsPerPage": number(items),
            "Resources": resources,
        });
        let more = count > 0 && offset.saturating_add(items) < total;
        if more && !faults.has(Fault::CursorNextMissing) {
            let next = Position { offset: offset + items, count };
            body["nextCursor"] = json!(cursor::issue(next, key, faults));
        }
        if offset > 0 || faults.has(Fault::CursorPreviousOnFirst) {
            let previous = Position { offset: offset.saturating_sub(count), count };
            body["previousCursor"] = json!(cursor::issue(previous, key, faults));
        }
        return Ok(body);
    }
    Ok(json!({
        "schemas": [urn],
        "totalResults": number(total),
        "startIndex": number(if faults.has(Fault::StartIndexNotEchoed) { 1 } else { start_index as usize }),
        "itemsPerPage": number(items),
        "Resources": resources,
    }))
}

pub fn projection(svc: &Service<'_>, rt: &ResourceType, q: &Query) -> Result<Projection, ScimError> {
    let faults = svc.faults;
    let attributes = q.attributes.as_deref().filter(|_| !faults.has(Fault::AttributesIgnored));
    let excluded = q.excluded_attributes.as_deref().filter(|_| !faults.has(Fault::ExcludedAttributesIgnored));
    let mut projection = Projection::parse(rt, attributes, excluded)?;
    projection.include_never = faults.has(Fault::PasswordReturned);
    projection.always_as_default = faults.has(Fault::IdNotAlwaysReturned);
    Ok(projection)
}

/// What a server with less filtering than the RFC describes refuses, as
/// RFC 7644 §3.4.2.2 and Table 9 let it: 400 invalidFilter.
fn refuse_unsupported_filter(variants: VariantSet, text: &str) -> Result<(), ScimError> {
    if variants.has(Variant::NoFilter) {
        if variants.refuses_with_501() {
            return Err(ScimError::new(501, None, "filtering is not implemented by this service provider"));
        }
        return Err(ScimError::invalid_filter("this service provider does not support filtering"));
    }
    if variants.has(Variant::FilterEqOnly) {
        let simple = matches!(Filter::parse(text), Ok(Filter::Compare { op: CompareOp::Eq, .. }));
        if !simple {
            return Err(ScimError::invalid_filter(
                "this service provider supports only filters of the form `attribute eq value`",
            ));
        }
    }
    Ok(())
}

/// Parses the filter and binds it to each resource type queried.
fn bind_filter(
    svc: &Service<'_>,
    rts: &[&'static ResourceType],
    text: &str,
) -> Result<(Filter, Vec<Option<Matcher<'static>>>), ScimError> {
    let faults = svc.faults;
    let parsed = if faults.has(Fault::OrBindsTighter) {
        Filter::parse_with_or_binding_tighter(text)
    } else {
        Filter::parse(text)
    };
    let filter = parsed.map_err(|e| e.to_scim(text))?;
    if faults.has(Fault::FilterKeywordsCaseSensitive)
        && let Some(word) = crate::scim::filter::keyword_not_in_lower_case(text)
    {
        return Err(ScimError::invalid_filter(format!("unknown operator '{word}'")));
    }
    let mut unsupported = None;
    filter.for_each_path(&mut |path| {
        if faults.has(Fault::FilterUrnNamesUnsupported) && path.urn.is_some() {
            unsupported = Some(path.to_string());
        }
    });
    if let Some(name) = unsupported {
        return Err(ScimError::invalid_filter(format!("cannot filter on '{name}'")));
    }
    if faults.has(Fault::FilterNamesCaseSensitive) {
        let mut misspelt = None;
        filter.for_each_path(&mut |path| {
            let canonical = rts.iter().find_map(|rt| match rt.resolve(path) {
                Ok(Resolved::Attr(a)) => Some(a.canonical()),
                _ => None,
            });
            if misspelt.is_none() && canonical.is_some_and(|c| !path.to_string().ends_with(&c)) {
                misspelt = Some(path.to_string());
            }
        });
        if let Some(name) = misspelt {
            return Err(ScimError::invalid_filter(format!("unknown attribute '{name}'")));
        }
    }
    let options = BindOptions {
        force_case_exact: if faults.has(Fault::UsernameFilterCaseSensitive) {
            vec!["userName"]
        } else {
            vec![]
        },
        unknown_as_absent: rts.len() > 1 && !faults.has(Fault::RootFilterUndefinedError),
        faults,
    };
    let matchers = rts
        .iter()
        .map(|rt| filter.bind_with(rt, &options).map(Some).map_err(|e| e.to_scim(text)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((filter, matchers))
}

/// The ids worth evaluating, in creation order: from an index when the filter
/// pins an indexed attribute with `eq`, else every resource.
fn candidates(collection: &Collection, plan: &Plan<'_>, filter: Option<&Filter>) -> Vec<Id> {
    if plan.matcher.is_some()
        && let Some((attr, value)) = filter.and_then(|f| indexed_eq(f, plan.rt, collection))
    {
        let mut ids = collection.lookup(attr, value).to_vec();
        ids.sort_by_key(|id| collection.position(id));
        return ids;
    }
    collection.iter().map(|(id, _)| id.clone()).collect()
}

/// `attr eq "value"` on an indexed attribute, alone or as a term of an `and`.
fn indexed_eq<'f>(
    filter: &'f Filter,
    rt: &ResourceType,
    collection: &Collection,
) -> Option<(&'static str, &'f str)> {
    match filter {
        Filter::Compare { path, op: CompareOp::Eq, value: Literal::String(v), .. } => {
            let r = rt.resolve_attr(path).ok()?;
            if r.sub.is_some() || !matches!(r.container, Container::Core) {
                return None;
            }
            let name = collection.rt.core_attribute(&r.attr.name)?.name.as_str();
            collection.is_indexed(name).then_some((name, v.as_str()))
        }
        Filter::And(parts) => parts.iter().find_map(|p| indexed_eq(p, rt, collection)),
        _ => None,
    }
}

/// Orders results of a query across resource types: each side's value comes
/// from its own type's sort key; a type without the attribute has no value.
fn sort_across(
    plans: &[Plan<'_>],
    i: usize,
    a: &Map<String, Value>,
    j: usize,
    b: &Map<String, Value>,
) -> Ordering {
    let Some(key) = plans[i].sort.as_ref().or(plans[j].sort.as_ref()) else { return Ordering::Equal };
    let x = plans[i].sort.as_ref().and_then(|k| k.value_of(a));
    let y = plans[j].sort.as_ref().and_then(|k| k.value_of(b));
    key.compare_found(x, y)
}

/// Shuffles in place, seeded afresh each call.
fn shuffle<T>(items: &mut [T]) {
    let mut state = uuid::Uuid::new_v4().as_u128() as u64 | 1;
    for i in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        items.swap(i, (state % (i as u64 + 1)) as usize);
    }
}
