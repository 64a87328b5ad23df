//! The checks: each reads one request (with what came before it, where it
//! must) and reports to a [`Sink`](super::tally::Sink) every occasion the
//! client had to show a requirement and every departure from it.

pub mod bulk;
pub mod conflict;
pub mod data;
pub mod etag;
pub mod filters;
pub mod like_entra;
pub mod like_okta;
pub mod media;
pub mod paging;
pub mod patch;
pub mod query;
pub mod redirect;
pub mod resource;
pub mod retry;
pub mod search;

use crate::scim::schema::Registry;

/// What the checks know of the server the client talks to.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub registry: &'static Registry,
    /// The server gives resources versions (ETags).
    pub etag: bool,
}
