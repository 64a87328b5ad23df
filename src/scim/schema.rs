//! The schema model (RFC 7643 §2 and §7), read from the JSON files under `schemas/`.
//!
//! Attribute characteristics drive everything downstream: validation on write,
//! typed comparison in filters, projection by `returned`, PATCH mutability.
//! Nothing about a particular attribute is hard-coded outside these files.

use crate::scim::attr_path::AttrPath;
use serde::Deserialize;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

pub use crate::scim::urn::{CORE_GROUP, CORE_USER, ENTERPRISE_USER};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Reference,
    Binary,
    Complex,
}

impl AttrType {
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Reference => "reference",
            AttrType::Binary => "binary",
            AttrType::Complex => "complex",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    ReadOnly,
    #[default]
    ReadWrite,
    Immutable,
    WriteOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    Always,
    Never,
    #[default]
    Default,
    Request,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    #[default]
    None,
    Server,
    Global,
}

/// One attribute definition with its characteristics (RFC 7643 §7), defaults per §2.2.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: AttrType,
    #[serde(default)]
    pub multi_valued: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub case_exact: bool,
    #[serde(default)]
    pub mutability: Mutability,
    #[serde(default)]
    pub returned: Returned,
    #[serde(default)]
    pub uniqueness: Uniqueness,
    #[serde(default)]
    pub canonical_values: Vec<String>,
    #[serde(default)]
    pub reference_types: Vec<String>,
    #[serde(default)]
    pub sub_attributes: Vec<Attribute>,
}

impl Attribute {
    /// Attribute names are case-insensitive (RFC 7643 §2.1).
    pub fn sub(&self, name: &str) -> Option<&Attribute> {
        find(&self.sub_attributes, name)
    }

    pub fn is_complex(&self) -> bool {
        self.ty == AttrType::Complex
    }

    /// Whether a string value of this attribute must be compared exactly.
    pub fn compares_exactly(&self) -> bool {
        self.case_exact || self.ty == AttrType::Binary
    }
}

pub fn find<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a Attribute> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

/// A schema (RFC 7643 §7): its id, attributes, and the document served at `/Schemas`.
#[derive(Debug)]
pub struct Schema {
    pub id: String,
    pub name: String,
    pub attributes: Vec<Attribute>,
    pub document: Value,
}

impl Schema {
    fn from_document(document: Value) -> Result<Schema, String> {
        #[derive(Deserialize)]
        struct Doc {
            id: String,
            #[serde(default)]
            name: String,
            attributes: Vec<Attribute>,
        }
        let doc: Doc = serde_json::from_value(document.clone()).map_err(|e| e.to_string())?;
        Ok(Schema { id: doc.id, name: doc.name, attributes: doc.attributes, document })
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        find(&self.attributes, name)
    }
}

#[derive(Debug, Clone)]
pub struct Extension {
    pub schema: Arc<Schema>,
    pub required: bool,
}

/// A resource type (RFC 7643 §6) joined to its schemas.
#[derive(Debug, Clone)]
pub struct ResourceType {
    pub id: String,
    pub name: String,
    pub endpoint: String,
    pub core: Arc<Schema>,
    pub extensions: Vec<Extension>,
    pub common: Arc<[Attribute]>,
    pub document: Value,
}

/// Where an attribute lives in a resource's JSON: at the top level, or inside the
/// object keyed by an extension's schema URN.
#[derive(Debug, Clone, Copy)]
pub enum Container<'a> {
    Core,
    Extension(&'a Schema),
}

impl<'a> Container<'a> {
    /// The key of the extension object, or `None` for the top level.
    pub fn key(&self) -> Option<&'a str> {
        match self {
            Container::Core => None,
            Container::Extension(s) => Some(&s.id),
        }
    }
}

/// An attribute path resolved against a resource type.
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'a> {
    /// A whole extension object, named by its URN alone.
    Extension(&'a Schema),
    Attr(AttrRef<'a>),
}

#[derive(Debug, Clone, Copy)]
pub struct AttrRef<'a> {
    pub container: Container<'a>,
    pub attr: &'a Attribute,
    pub sub: Option<&'a Attribute>,
}

impl AttrRef<'_> {
    /// The definition of the value the path points at.
    pub fn target(&self) -> &Attribute {
        self.sub.unwrap_or(self.attr)
    }

    /// The canonical spelling, URN-qualified for extension attributes.
    pub fn canonical(&self) -> String {
        let mut s = String::new();
        if let Container::Extension(schema) = self.container {
            s.push_str(&schema.id);
            s.push(':');
        }
        s.push_str(&self.attr.name);
        if let Some(sub) = self.sub {
            s.push('.');
            s.push_str(&sub.name);
        }
        s
    }
}

impl ResourceType {
    /// The schema a URN names for this resource type, core or extension, ignoring case.
    pub fn schema_for_urn(&self, urn: &str) -> Option<Container<'_>> {
        if self.core.id.eq_ignore_ascii_case(urn) {
            return Some(Container::Core);
        }
        self.extensions
            .iter()
            .find(|e| e.schema.id.eq_ignore_ascii_case(urn))
            .map(|e| Container::Extension(&e.schema))
    }

    /// A top-level attribute of the core schema or the common attributes.
    pub fn core_attribute(&self, name: &str) -> Option<&Attribute> {
        self.core.attribute(name).or_else(|| find(&self.common, name))
    }

    /// Every top-level attribute with its container, common attributes first.
    pub fn all_attributes(&self) -> impl Iterator<Item = (Container<'_>, &Attribute)> {
        self.common.iter().chain(self.core.attributes.iter()).map(|a| (Container::Core, a)).chain(
            self.extensions
                .iter()
                .flat_map(|e| e.schema.attributes.iter().map(move |a| (Container::Extension(&e.schema), a))),
        )
    }

    /// Resolves a path; unqualified names refer to the core schema (RFC 7644 §3.10).
    pub fn resolve(&self, path: &AttrPath) -> Result<Resolved<'_>, String> {
        if path.sub.is_none()
            && let Some(Container::Extension(schema)) = self.schema_for_urn(&path.to_string())
        {
            return Ok(Resolved::Extension(schema));
        }
        let container = match &path.urn {
            None => Container::Core,
            Some(urn) => self
                .schema_for_urn(urn)
                .ok_or_else(|| format!("'{urn}' is not a schema of resource type {}", self.name))?,
        };
        let attr = match container {
            Container::Core => self.core_attribute(&path.name),
            Container::Extension(schema) => schema.attribute(&path.name),
        }
        .ok_or_else(|| format!("'{path}' is not an attribute of resource type {}", self.name))?;
        let sub = match &path.sub {
            None => None,
            Some(sub_name) if attr.is_complex() => Some(
                attr.sub(sub_name)
                    .ok_or_else(|| format!("'{path}': {} has no sub-attribute '{sub_name}'", attr.name))?,
            ),
            Some(_) => return Err(format!("'{path}': {} is not complex", attr.name)),
        };
        Ok(Resolved::Attr(AttrRef { container, attr, sub }))
    }

    /// Like [`resolve`](Self::resolve), but a whole extension is an error.
    pub fn resolve_attr(&self, path: &AttrPath) -> Result<AttrRef<'_>, String> {
        match self.resolve(path)? {
            Resolved::Attr(a) => Ok(a),
            Resolved::Extension(s) => Err(format!("'{}' names a schema, not an attribute", s.id)),
        }
    }
}

/// Every schema and resource type the reference server knows.
#[derive(Debug, Clone)]
pub struct Registry {
    pub schemas: Vec<Arc<Schema>>,
    pub resource_types: Vec<ResourceType>,
}

const SCHEMA_FILES: [&str; 6] = [
    include_str!("../../schemas/user.json"),
    include_str!("../../schemas/group.json"),
    include_str!("../../schemas/enterprise-user.json"),
    include_str!("../../schemas/service-provider-config.json"),
    include_str!("../../schemas/resource-type.json"),
    include_str!("../../schemas/schema.json"),
];
const COMMON_ATTRIBUTES: &str = include_str!("../../schemas/common-attributes.json");
const RESOURCE_TYPES: &str = include_str!("../../schemas/resource-types.json");

impl Registry {
    /// The registry built from the schema files compiled into the binary.
    pub fn builtin() -> &'static Registry {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(|| {
            Registry::from_documents(&SCHEMA_FILES, COMMON_ATTRIBUTES, RESOURCE_TYPES)
                .unwrap_or_else(|e| panic!("the bundled schemas/ files are inconsistent: {e}"))
        })
    }

    pub fn from_documents(
        schema_docs: &[&str],
        common: &str,
        resource_types: &str,
    ) -> Result<Registry, String> {
        let schemas = schema_docs
            .iter()
            .map(|text| serde_json::from_str(text).map_err(|e| e.to_string()))
            .collect::<Result<Vec<Value>, String>>()?;
        let docs: Vec<Value> =
            serde_json::from_str(resource_types).map_err(|e| format!("resource types: {e}"))?;
        Registry::from_values(schemas, common, docs)
    }

    /// The bundled documents as JSON, to be reshaped before building a
    /// registry (a reference-server variant with a trimmed schema, say).
    pub fn builtin_documents() -> (Vec<Value>, Vec<Value>) {
        let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
        let schemas = SCHEMA_FILES.iter().map(|t| parse(t)).collect();
        let types = match parse(RESOURCE_TYPES) {
            Value::Array(items) => items,
            _ => Vec::new(),
        };
        (schemas, types)
    }

    /// The RFC 7643 common attributes (id, externalId, meta), as bundled.
    pub fn common_attributes() -> &'static str {
        COMMON_ATTRIBUTES
    }

    pub fn from_values(
        schema_docs: Vec<Value>,
        common: &str,
        resource_types: Vec<Value>,
    ) -> Result<Registry, String> {
        let schemas = schema_docs
            .into_iter()
            .map(|doc| Schema::from_document(doc).map(Arc::new))
            .collect::<Result<Vec<_>, String>>()?;
        #[derive(Deserialize)]
        struct Common {
            attributes: Vec<Attribute>,
        }
        let common: Common = serde_json::from_str(common).map_err(|e| format!("common attributes: {e}"))?;
        let common: Arc<[Attribute]> = common.attributes.into();
        let lookup = |id: &str| {
            schemas
                .iter()
                .find(|s| s.id == id)
                .cloned()
                .ok_or_else(|| format!("resource type refers to unknown schema {id}"))
        };
        let mut types = Vec::new();
        for doc in resource_types {
            let text = |key: &str| doc.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
            let mut extensions = Vec::new();
            for ext in doc.get("schemaExtensions").and_then(Value::as_array).into_iter().flatten() {
                extensions.push(Extension {
                    schema: lookup(ext.get("schema").and_then(Value::as_str).unwrap_or_default())?,
                    required: ext.get("required").and_then(Value::as_bool).unwrap_or(false),
                });
            }
            types.push(ResourceType {
                id: text("id"),
                name: text("name"),
                endpoint: text("endpoint"),
                core: lookup(&text("schema"))?,
                extensions,
                common: common.clone(),
                document: doc,
            });
        }
        Ok(Registry { schemas, resource_types: types })
    }

    pub fn schema(&self, id: &str) -> Option<&Arc<Schema>> {
        self.schemas.iter().find(|s| s.id.eq_ignore_ascii_case(id))
    }

    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types.iter().find(|r| r.name == name)
    }

    /// The resource type served at `/{segment}` (endpoints are case-sensitive URL paths).
    pub fn by_endpoint(&self, segment: &str) -> Option<&ResourceType> {
        self.resource_types.iter().find(|r| r.endpoint.strip_prefix('/') == Some(segment))
    }

    pub fn user(&self) -> &ResourceType {
        self.resource_type("User").expect("User resource type is bundled")
    }

    /// The Group resource type; the bundled registry always has one.
    pub fn group(&self) -> &ResourceType {
        self.resource_type("Group").expect("Group resource type is bundled")
    }

    pub fn has_groups(&self) -> bool {
        self.resource_type("Group").is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(attrs: &[Attribute], depth: usize, check: &mut dyn FnMut(&Attribute, usize)) {
        for a in attrs {
            check(a, depth);
            walk(&a.sub_attributes, depth + 1, check);
        }
    }

    #[test]
    fn bundled_registry_loads_every_schema_and_type() {
        let r = Registry::builtin();
        assert_eq!(r.schemas.len(), 6);
        assert!(r.schema(CORE_USER).is_some());
        assert!(r.schema(ENTERPRISE_USER).is_some());
        assert_eq!(r.by_endpoint("Users").map(|t| t.name.as_str()), Some("User"));
        assert_eq!(r.by_endpoint("Groups").map(|t| t.name.as_str()), Some("Group"));
        assert!(r.by_endpoint("users").is_none());
    }

    #[test]
    fn complex_attributes_have_sub_attributes_and_nothing_nests_deeper() {
        for schema in &Registry::builtin().schemas {
            // The Schema schema describes attribute definitions, which nest by design.
            if schema.id.ends_with(":Schema") {
                continue;
            }
            walk(&schema.attributes, 0, &mut |a, depth| {
                assert!(depth <= 1, "{}: {} nests below a sub-attribute", schema.id, a.name);
                if a.is_complex() {
                    assert!(!a.sub_attributes.is_empty(), "{}: {} has no sub-attributes", schema.id, a.name);
                }
            });
        }
    }

    #[test]
    fn resolves_core_common_sub_and_extension_paths_case_insensitively() {
        let user = Registry::builtin().user();
        let r = |s: &str| user.resolve_attr(&AttrPath::parse(s).unwrap()).map(|a| a.canonical());
        assert_eq!(r("USERNAME").unwrap(), "userName");
        assert_eq!(r("name.FAMILYNAME").unwrap(), "name.familyName");
        assert_eq!(r("meta.lastModified").unwrap(), "meta.lastModified");
        assert_eq!(r("id").unwrap(), "id");
        assert_eq!(
            r("urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:Department").unwrap(),
            format!("{ENTERPRISE_USER}:department")
        );
        assert_eq!(r(&format!("{CORE_USER}:userName")).unwrap(), "userName");
        assert!(r("department").is_err(), "extension attributes need their URN");
        assert!(r("nope").is_err());
        assert!(r("userName.x").is_err());
        assert!(r("name.nope").is_err());
    }

    #[test]
    fn an_extension_urn_alone_resolves_to_the_extension() {
        let user = Registry::builtin().user();
        let path = AttrPath::parse(ENTERPRISE_USER).unwrap();
        assert!(matches!(user.resolve(&path), Ok(Resolved::Extension(s)) if s.id == ENTERPRISE_USER));
    }
}
