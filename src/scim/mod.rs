//! The SCIM protocol core: RFC 7643 schemas and RFC 7644 filters, paths and PATCH.

pub mod attr_path;
pub mod datetime;
pub mod error;
pub mod filter;
pub mod message;
pub mod normalize;
pub mod patch;
pub mod precis;
pub mod projection;
pub mod quirks;
pub mod retry_after;
pub mod schema;
pub mod sort;
pub mod urn;
