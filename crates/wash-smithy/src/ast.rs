//! The syntax tree of one Smithy IDL file, names still as written (not yet resolved to shape ids).

use crate::source::{FileId, Span};

/// A node value (trait values, metadata, service and operation properties), with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: NodeValue,
    /// Where it is written.
    pub span: Span,
}

/// The kinds of node values.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number as written (`12`, `-1.5e3`).
    Number(String),
    /// A quoted string or text block.
    String(String),
    /// An unquoted shape id (`Increment`, `org.wasmcloud.model#U32`).
    Id(String),
    /// `[a, b]`.
    Array(Vec<Node>),
    /// `{key: value}`, keys in written order with their spans.
    Object(Vec<(String, Span, Node)>),
}

impl Node {
    /// The entry `key` of an object node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Object(entries) => entries.iter().find(|(k, _, _)| k == key).map(|e| &e.2),
            _ => None,
        }
    }
}

/// `@name` or `@name(value)` before a shape or member.
#[derive(Debug, Clone, PartialEq)]
pub struct TraitApplication {
    /// The trait's shape id as written.
    pub name: String,
    /// Where the name is written (after the `@`).
    pub name_span: Span,
    /// The value in parentheses; `None` for `@name` and `@name()`.
    pub value: Option<Node>,
    /// The whole application, `@` to `)`.
    pub span: Span,
}

/// The kind keyword of a shape statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ShapeType {
    /// `blob`
    Blob,
    /// `boolean`
    Boolean,
    /// `document`
    Document,
    /// `string`
    String,
    /// `byte`
    Byte,
    /// `short`
    Short,
    /// `integer`
    Integer,
    /// `long`
    Long,
    /// `float`
    Float,
    /// `double`
    Double,
    /// `bigInteger`
    BigInteger,
    /// `bigDecimal`
    BigDecimal,
    /// `timestamp`
    Timestamp,
    /// `list`
    List,
    /// `set`
    Set,
    /// `map`
    Map,
    /// `structure`
    Structure,
    /// `union`
    Union,
    /// `service`
    Service,
    /// `operation`
    Operation,
    /// `resource`
    Resource,
}

impl ShapeType {
    /// Every shape type with its keyword.
    pub const ALL: [(ShapeType, &'static str); 21] = [
        (ShapeType::Blob, "blob"),
        (ShapeType::Boolean, "boolean"),
        (ShapeType::Document, "document"),
        (ShapeType::String, "string"),
        (ShapeType::Byte, "byte"),
        (ShapeType::Short, "short"),
        (ShapeType::Integer, "integer"),
        (ShapeType::Long, "long"),
        (ShapeType::Float, "float"),
        (ShapeType::Double, "double"),
        (ShapeType::BigInteger, "bigInteger"),
        (ShapeType::BigDecimal, "bigDecimal"),
        (ShapeType::Timestamp, "timestamp"),
        (ShapeType::List, "list"),
        (ShapeType::Set, "set"),
        (ShapeType::Map, "map"),
        (ShapeType::Structure, "structure"),
        (ShapeType::Union, "union"),
        (ShapeType::Service, "service"),
        (ShapeType::Operation, "operation"),
        (ShapeType::Resource, "resource"),
    ];

    /// The type for a keyword (`structure` → `Structure`).
    pub fn from_keyword(word: &str) -> Option<ShapeType> {
        Self::ALL.iter().find(|(_, k)| *k == word).map(|(t, _)| *t)
    }

    /// The keyword, as the JSON AST's `type` field spells it.
    pub fn keyword(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(t, _)| *t == self)
            .map_or("structure", |(_, k)| k)
    }

    /// Whether this is a simple (scalar) shape type.
    pub fn is_simple(self) -> bool {
        (self as u8) <= (ShapeType::Timestamp as u8)
    }

    /// Whether this is one of the number types.
    pub fn is_number(self) -> bool {
        matches!(
            self,
            ShapeType::Byte
                | ShapeType::Short
                | ShapeType::Integer
                | ShapeType::Long
                | ShapeType::Float
                | ShapeType::Double
                | ShapeType::BigInteger
                | ShapeType::BigDecimal
        )
    }

    /// Whether the shape is declared with a `{ name: Target }` member list.
    pub fn has_member_list(self) -> bool {
        matches!(
            self,
            ShapeType::List
                | ShapeType::Set
                | ShapeType::Map
                | ShapeType::Structure
                | ShapeType::Union
        )
    }
}

/// `name: Target` inside a list, set, map, structure or union, with its traits and docs.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberDecl {
    /// Member name.
    pub name: String,
    /// Where the name is.
    pub name_span: Span,
    /// Target shape id as written.
    pub target: String,
    /// Where the target is.
    pub target_span: Span,
    /// Traits written before the member (doc comments become `documentation`).
    pub traits: Vec<TraitApplication>,
}

/// One shape statement.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeDecl {
    /// The kind keyword.
    pub kind: ShapeType,
    /// The shape's name (relative to the file's namespace).
    pub name: String,
    /// Where the name is.
    pub name_span: Span,
    /// Traits written before the shape (doc comments become `documentation`).
    pub traits: Vec<TraitApplication>,
    /// Members of lists, sets, maps, structures and unions, in written order.
    pub members: Vec<MemberDecl>,
    /// The `{ ... }` body of services, operations and resources.
    pub properties: Option<Node>,
    /// From the kind keyword to the end of the body.
    pub span: Span,
}

/// `apply Target @trait`.
#[derive(Debug, Clone, PartialEq)]
pub struct Apply {
    /// The target as written (may name a member: `Shape$member`).
    pub target: String,
    /// Where the target is.
    pub target_span: Span,
    /// The traits applied.
    pub traits: Vec<TraitApplication>,
}

/// One parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileAst {
    /// The file.
    pub file: FileId,
    /// `$version` when given.
    pub version: Option<String>,
    /// `namespace x.y` and its span.
    pub namespace: Option<(String, Span)>,
    /// `use a.b#C` statements: absolute id and span.
    pub uses: Vec<(String, Span)>,
    /// `metadata key = value` statements.
    pub metadata: Vec<(String, Span, Node)>,
    /// Shape statements in written order.
    pub shapes: Vec<ShapeDecl>,
    /// `apply` statements.
    pub applies: Vec<Apply>,
}
