//! What a request addresses, read from its path against the server's
//! resource types: a collection, one resource, a search, Bulk, discovery.

use super::seen::Seen;
use crate::scim::schema::{Registry, ResourceType};
use serde_json::Value;

#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// `/Users`
    Collection(&'a ResourceType),
    /// `/Users/{id}`, the id decoded.
    Resource(&'a ResourceType, &'a str),
    /// `/Users/.search`, or `/.search` at the root (no resource type).
    Search(Option<&'a ResourceType>),
    Bulk,
    /// `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas` and below.
    Discovery,
    Me,
    /// Anything else: no endpoint of this server.
    Elsewhere,
}

/// A request, its target resolved and its body parsed once for every check.
pub struct Request<'a> {
    pub seen: &'a Seen,
    pub target: Target<'a>,
    /// The body, when it is JSON.
    pub json: Option<Value>,
}

impl<'a> Request<'a> {
    pub fn new(seen: &'a Seen, id: &'a str, registry: &'a Registry) -> Request<'a> {
        Request { seen, target: target(&seen.path, id, registry), json: seen.json() }
    }

    /// What `path` addresses, its id already decoded into `id`.
    pub fn target_of(path: &str, id: &'a str, registry: &'a Registry) -> Target<'a> {
        target(path, id, registry)
    }

    pub fn method(&self) -> &str {
        &self.seen.method
    }

    pub fn is(&self, method: &str) -> bool {
        self.seen.method.eq_ignore_ascii_case(method)
    }

    /// The status the server answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        self.seen.status()
    }

    /// The resource type addressed, whatever the form of the address.
    pub fn resource_type(&self) -> Option<&'a ResourceType> {
        match self.target {
            Target::Collection(rt) | Target::Resource(rt, _) | Target::Search(Some(rt)) => Some(rt),
            _ => None,
        }
    }
}

/// The id segment of a resource path, percent-decoded; what [`Request::new`]
/// is given so the request can borrow it.
pub fn id_of(path: &str) -> String {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        [_, id] if *id != ".search" => {
            percent_encoding::percent_decode_str(id).decode_utf8_lossy().into_owned()
        }
        _ => String::new(),
    }
}

fn target<'a>(path: &str, id: &'a str, registry: &'a Registry) -> Target<'a> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        [".search"] => Target::Search(None),
        ["Bulk"] => Target::Bulk,
        ["Me", ..] => Target::Me,
        ["ServiceProviderConfig" | "ResourceTypes" | "Schemas", ..] => Target::Discovery,
        [endpoint] => registry.by_endpoint(endpoint).map_or(Target::Elsewhere, Target::Collection),
        [endpoint, ".search"] => {
            registry.by_endpoint(endpoint).map_or(Target::Elsewhere, |rt| Target::Search(Some(rt)))
        }
        [endpoint, _] if !id.is_empty() => {
            registry.by_endpoint(endpoint).map_or(Target::Elsewhere, |rt| Target::Resource(rt, id))
        }
        _ => Target::Elsewhere,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_to_what_they_address() {
        let r = Registry::builtin();
        let t = |p: &str| {
            let id = id_of(p);
            match target(p, Box::leak(id.into_boxed_str()), r) {
                Target::Collection(rt) => format!("collection {}", rt.name),
                Target::Resource(rt, id) => format!("resource {} {id}", rt.name),
                Target::Search(rt) => format!("search {}", rt.map_or("root", |r| r.name.as_str())),
                other => format!("{other:?}"),
            }
        };
        assert_eq!(t("/Users"), "collection User");
        assert_eq!(t("/Users/a%20b"), "resource User a b");
        assert_eq!(t("/Groups/.search"), "search Group");
        assert_eq!(t("/.search"), "search root");
        assert_eq!(t("/Bulk"), "Bulk");
        assert_eq!(t("/Schemas/urn:x"), "Discovery");
        assert_eq!(t("/Widgets/1"), "Elsewhere");
        assert_eq!(t("/Users/1/2"), "Elsewhere");
    }
}
