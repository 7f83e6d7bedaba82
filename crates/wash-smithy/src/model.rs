//! The resolved, merged semantic model: every shape by absolute id, members with resolved targets,
//! trait values as JSON, each with the span it was declared at (prelude shapes have none).

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{json, Map, Value};

use crate::ast::ShapeType;
use crate::source::{FileId, Span};

/// The namespace of the Smithy prelude.
pub const PRELUDE: &str = "smithy.api";
/// The namespace of wasmCloud's model traits and number synonyms.
pub const WASMCLOUD_MODEL: &str = "org.wasmcloud.model";
/// The namespace of wasmCloud's core runtime shapes.
pub const WASMCLOUD_CORE: &str = "org.wasmcloud.core";

/// An absolute shape id, `namespace#Name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShapeId {
    /// Namespace, e.g. `org.wasmcloud.interface.keyvalue`.
    pub namespace: String,
    /// Shape name, e.g. `IncrementRequest`.
    pub name: String,
}

impl ShapeId {
    /// `namespace#name`.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// A prelude id (`smithy.api#name`).
    pub fn prelude(name: &str) -> Self {
        Self::new(PRELUDE, name)
    }

    /// A wasmCloud model id (`org.wasmcloud.model#name`).
    pub fn wasmcloud(name: &str) -> Self {
        Self::new(WASMCLOUD_MODEL, name)
    }

    /// Parses `namespace#Name`; `None` without a `#`.
    pub fn parse_absolute(text: &str) -> Option<Self> {
        let (ns, name) = text.split_once('#')?;
        (!ns.is_empty() && !name.is_empty()).then(|| Self::new(ns, name))
    }
}

impl fmt::Display for ShapeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.namespace, self.name)
    }
}

/// A trait applied to a shape or member.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedTrait {
    /// The trait shape.
    pub id: ShapeId,
    /// Its value (`{}` for `@name` without a value).
    pub value: Value,
    /// Where it was applied.
    pub span: Option<Span>,
}

/// A member of a list, set, map, structure or union.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Member name (`member`, `key`, `value` for collections).
    pub name: String,
    /// Resolved target.
    pub target: ShapeId,
    /// Traits on the member (documentation included).
    pub traits: Vec<AppliedTrait>,
    /// Where the member name is.
    pub span: Option<Span>,
    /// Where the target is written.
    pub target_span: Option<Span>,
}

/// A resolved reference from a service or operation to another shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// The shape referred to.
    pub id: ShapeId,
    /// Where it is written.
    pub span: Option<Span>,
}

/// What a shape is.
#[derive(Debug, Clone, PartialEq)]
pub enum ShapeKind {
    /// A simple shape (`string`, `integer`, `blob`, ...).
    Simple(ShapeType),
    /// `list` with its `member`.
    List(Member),
    /// `set` with its `member`.
    Set(Member),
    /// `map` with `key` and `value`.
    Map {
        /// The key member.
        key: Member,
        /// The value member.
        value: Member,
    },
    /// `structure` and its members in declared order.
    Structure(Vec<Member>),
    /// `union` and its members in declared order.
    Union(Vec<Member>),
    /// `service`.
    Service {
        /// `version` property.
        version: Option<String>,
        /// `operations` property.
        operations: Vec<Reference>,
        /// `resources` property.
        resources: Vec<Reference>,
    },
    /// `operation`.
    Operation {
        /// `input` property.
        input: Option<Reference>,
        /// `output` property.
        output: Option<Reference>,
        /// `errors` property.
        errors: Vec<Reference>,
    },
    /// `resource` (kept, not interpreted).
    Resource,
}

impl ShapeKind {
    /// The shape type keyword of this kind.
    pub fn shape_type(&self) -> ShapeType {
        match self {
            ShapeKind::Simple(t) => *t,
            ShapeKind::List(_) => ShapeType::List,
            ShapeKind::Set(_) => ShapeType::Set,
            ShapeKind::Map { .. } => ShapeType::Map,
            ShapeKind::Structure(_) => ShapeType::Structure,
            ShapeKind::Union(_) => ShapeType::Union,
            ShapeKind::Service { .. } => ShapeType::Service,
            ShapeKind::Operation { .. } => ShapeType::Operation,
            ShapeKind::Resource => ShapeType::Resource,
        }
    }

    /// The members, in declared order (collections: `member`, or `key` then `value`).
    pub fn members(&self) -> Vec<&Member> {
        match self {
            ShapeKind::List(m) | ShapeKind::Set(m) => vec![m],
            ShapeKind::Map { key, value } => vec![key, value],
            ShapeKind::Structure(ms) | ShapeKind::Union(ms) => ms.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// Mutable members, in declared order.
    pub fn members_mut(&mut self) -> Vec<&mut Member> {
        match self {
            ShapeKind::List(m) | ShapeKind::Set(m) => vec![m],
            ShapeKind::Map { key, value } => vec![key, value],
            ShapeKind::Structure(ms) | ShapeKind::Union(ms) => ms.iter_mut().collect(),
            _ => Vec::new(),
        }
    }
}

/// One shape of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// Absolute id.
    pub id: ShapeId,
    /// What it is.
    pub kind: ShapeKind,
    /// Traits on the shape (documentation included).
    pub traits: Vec<AppliedTrait>,
    /// Where the shape's name is declared (`None` for the prelude).
    pub span: Option<Span>,
}

impl Shape {
    /// The file the shape is declared in (`None` for the prelude).
    pub fn file(&self) -> Option<FileId> {
        self.span.map(|s| s.file)
    }

    /// The member named `name`.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.kind.members().into_iter().find(|m| m.name == name)
    }
}

/// The value of trait `id` in `traits`.
pub fn trait_value<'a>(traits: &'a [AppliedTrait], id: &ShapeId) -> Option<&'a Value> {
    traits.iter().find(|t| &t.id == id).map(|t| &t.value)
}

/// The `documentation` text in `traits`.
pub fn documentation(traits: &[AppliedTrait]) -> Option<&str> {
    trait_value(traits, &ShapeId::prelude("documentation")).and_then(Value::as_str)
}

/// A merged model: all files plus the prelude.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    /// Every shape by id.
    pub shapes: BTreeMap<ShapeId, Shape>,
    /// Merged `metadata` statements.
    pub metadata: BTreeMap<String, Value>,
}

impl Model {
    /// The shape `id`.
    pub fn shape(&self, id: &ShapeId) -> Option<&Shape> {
        self.shapes.get(id)
    }

    /// Shapes declared in `namespace`, by id.
    pub fn shapes_in<'a>(&'a self, namespace: &'a str) -> impl Iterator<Item = &'a Shape> + 'a {
        self.shapes
            .values()
            .filter(move |s| s.id.namespace == namespace)
    }

    /// Every namespace declared in the model's files (the prelude excluded), sorted.
    pub fn namespaces(&self) -> Vec<&str> {
        let mut namespaces: Vec<&str> = self
            .shapes
            .values()
            .filter(|s| s.span.is_some())
            .map(|s| s.id.namespace.as_str())
            .collect();
        namespaces.dedup();
        namespaces.sort_unstable();
        namespaces.dedup();
        namespaces
    }

    /// Follows nothing: returns the shape type of `id`, if the shape exists.
    pub fn shape_type(&self, id: &ShapeId) -> Option<ShapeType> {
        self.shape(id).map(|s| s.kind.shape_type())
    }

    /// The model in Smithy's JSON AST form, restricted to the shapes `keep` accepts.
    pub fn to_json_ast(&self, keep: impl Fn(&Shape) -> bool) -> Value {
        let mut shapes = Map::new();
        for shape in self.shapes.values().filter(|s| keep(s)) {
            shapes.insert(shape.id.to_string(), shape_json(shape));
        }
        let metadata: Map<String, Value> = self.metadata.clone().into_iter().collect();
        json!({ "smithy": "1.0", "metadata": metadata, "shapes": shapes })
    }
}

fn traits_json(traits: &[AppliedTrait]) -> Map<String, Value> {
    traits
        .iter()
        .map(|t| (t.id.to_string(), t.value.clone()))
        .collect()
}

fn member_json(member: &Member) -> Value {
    let mut object = Map::new();
    object.insert("target".into(), json!(member.target.to_string()));
    if !member.traits.is_empty() {
        object.insert("traits".into(), Value::Object(traits_json(&member.traits)));
    }
    Value::Object(object)
}

fn reference_json(reference: &Reference) -> Value {
    json!({ "target": reference.id.to_string() })
}

fn shape_json(shape: &Shape) -> Value {
    let mut object = Map::new();
    object.insert("type".into(), json!(shape.kind.shape_type().keyword()));
    match &shape.kind {
        ShapeKind::Simple(_) | ShapeKind::Resource => {}
        ShapeKind::List(m) | ShapeKind::Set(m) => {
            object.insert("member".into(), member_json(m));
        }
        ShapeKind::Map { key, value } => {
            object.insert("key".into(), member_json(key));
            object.insert("value".into(), member_json(value));
        }
        ShapeKind::Structure(ms) | ShapeKind::Union(ms) if !ms.is_empty() => {
            let members: Map<String, Value> = ms
                .iter()
                .map(|m| (m.name.clone(), member_json(m)))
                .collect();
            object.insert("members".into(), Value::Object(members));
        }
        // The JSON AST leaves out an empty member list.
        ShapeKind::Structure(_) | ShapeKind::Union(_) => {}
        ShapeKind::Service {
            version,
            operations,
            resources,
        } => {
            if let Some(version) = version {
                object.insert("version".into(), json!(version));
            }
            if !operations.is_empty() {
                let ops: Vec<Value> = operations.iter().map(reference_json).collect();
                object.insert("operations".into(), Value::Array(ops));
            }
            if !resources.is_empty() {
                let res: Vec<Value> = resources.iter().map(reference_json).collect();
                object.insert("resources".into(), Value::Array(res));
            }
        }
        ShapeKind::Operation {
            input,
            output,
            errors,
        } => {
            if let Some(input) = input {
                object.insert("input".into(), reference_json(input));
            }
            if let Some(output) = output {
                object.insert("output".into(), reference_json(output));
            }
            if !errors.is_empty() {
                let errs: Vec<Value> = errors.iter().map(reference_json).collect();
                object.insert("errors".into(), Value::Array(errs));
            }
        }
    }
    if !shape.traits.is_empty() {
        object.insert("traits".into(), Value::Object(traits_json(&shape.traits)));
    }
    Value::Object(object)
}
