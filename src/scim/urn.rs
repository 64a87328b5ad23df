//! Every schema URN scimitar names (RFC 7643 §8.7, RFC 7644 §3.1), in one
//! place: message schemas, resource schemas and their pre-RFC spellings.

/// RFC 7643 §4.1.
pub const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// RFC 7643 §4.2.
pub const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// RFC 7643 §4.3.
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Okta Identity Governance's entitlement and role resource schemas (Okta,
/// "Build a SCIM 2.0 server with entitlements", ResourceTypes).
pub const OKTA_ENTITLEMENT: &str = "urn:okta:scim:schemas:core:1.0:Entitlement";
pub const OKTA_ROLE: &str = "urn:okta:scim:schemas:core:1.0:Role";
/// RFC 7643 §5.
pub const SERVICE_PROVIDER_CONFIG: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// RFC 7643 §6.
pub const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// RFC 7643 §7.
pub const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// The message schemas of RFC 7644 §3.1: `urn:ietf:params:scim:api:messages:2.0:` and a name.
pub const MESSAGES_PREFIX: &str = "urn:ietf:params:scim:api:messages:2.0:";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// SCIM 1.1's core schema, which some servers still put in list responses.
pub const SCIM1_CORE: &str = "urn:scim:schemas:core:1.0";
