//! Merges the files of a model: declares every shape under its absolute id, then resolves member
//! targets, trait names, operation and service references, `use` imports and `apply` statements.
//!
//! A relative name resolves, in order, to a shape of the file's namespace (in any file), a `use`
//! import, then the prelude (`smithy.api`), as Smithy 1.0 says.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::ast::{FileAst, MemberDecl, Node, NodeValue, ShapeDecl, ShapeType, TraitApplication};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::model::{AppliedTrait, Member, Model, Reference, Shape, ShapeId, ShapeKind, PRELUDE};
use crate::source::{FileId, Span};

/// The prelude model, parsed from the embedded `prelude.smithy` (spans removed).
pub fn prelude() -> Model {
    let (ast, errors) =
        crate::parser::parse_file(FileId(usize::MAX), include_str!("prelude.smithy"));
    debug_assert!(errors.is_empty(), "prelude.smithy: {errors:?}");
    let mut model = Model::default();
    let mut diagnostics = Vec::new();
    merge(&mut model, &[ast], &mut diagnostics);
    debug_assert!(diagnostics.is_empty(), "prelude.smithy: {diagnostics:?}");
    for shape in model.shapes.values_mut() {
        shape.span = None;
        for t in &mut shape.traits {
            t.span = None;
        }
        for member in shape.kind.members_mut() {
            member.span = None;
            member.target_span = None;
            for t in &mut member.traits {
                t.span = None;
            }
        }
    }
    model
}

/// Adds the shapes of `files` to `model`, reporting duplicates and unresolvable names.
pub fn merge(model: &mut Model, files: &[FileAst], diagnostics: &mut Vec<Diagnostic>) {
    // Pass 1: declare every shape, so names resolve across files of one namespace.
    let mut declared: Vec<(&FileAst, &ShapeDecl, ShapeId)> = Vec::new();
    let mut first_span: HashMap<ShapeId, Span> = HashMap::new();
    for file in files {
        let Some((namespace, _)) = &file.namespace else {
            if let Some(shape) = file.shapes.first() {
                diagnostics.push(
                    Diagnostic::new(
                        DiagnosticKind::Syntax,
                        shape.name_span,
                        "shapes declared before any `namespace`",
                        "no namespace for this shape",
                    )
                    .with_help("add `namespace org.example.name` above the first shape"),
                );
            }
            continue;
        };
        for decl in &file.shapes {
            let id = ShapeId::new(namespace, &decl.name);
            if let Some(first) = first_span.get(&id) {
                diagnostics.push(
                    Diagnostic::new(
                        DiagnosticKind::DuplicateShape,
                        decl.name_span,
                        format!("shape `{id}` is defined more than once"),
                        "defined again here",
                    )
                    .with_related(*first, "first defined here")
                    .with_help("rename one of the shapes or remove the second definition"),
                );
                continue;
            }
            if model.shapes.contains_key(&id) {
                diagnostics.push(
                    Diagnostic::new(
                        DiagnosticKind::DuplicateShape,
                        decl.name_span,
                        format!("shape `{id}` is already defined"),
                        "defined again here",
                    )
                    .with_help("rename the shape"),
                );
                continue;
            }
            first_span.insert(id.clone(), decl.name_span);
            declared.push((file, decl, id));
        }
    }
    let known: Vec<ShapeId> = model
        .shapes
        .keys()
        .cloned()
        .chain(declared.iter().map(|d| d.2.clone()))
        .collect();
    let index = NameIndex::new(&known);
    // Pass 2: resolve and convert.
    let mut resolvers: HashMap<FileId, Resolver<'_>> = HashMap::new();
    for file in files {
        if let Some((namespace, _)) = &file.namespace {
            resolvers.insert(
                file.file,
                Resolver::new(file, namespace, &index, diagnostics),
            );
        }
    }
    let mut shapes = Vec::new();
    for (file, decl, id) in &declared {
        let Some(resolver) = resolvers.get(&file.file) else {
            continue;
        };
        shapes.push(resolver.shape(decl, id.clone(), diagnostics));
    }
    for shape in shapes {
        model.shapes.insert(shape.id.clone(), shape);
    }
    for file in files {
        let Some(resolver) = resolvers.get(&file.file) else {
            continue;
        };
        for apply in &file.applies {
            let (shape_part, member_part) = match apply.target.split_once('$') {
                Some((s, m)) => (s, Some(m)),
                None => (apply.target.as_str(), None),
            };
            let Some(id) = resolver.resolve(shape_part, apply.target_span, "shape", diagnostics)
            else {
                continue;
            };
            let traits = resolver.traits(&apply.traits, diagnostics);
            let Some(shape) = model.shapes.get_mut(&id) else {
                continue;
            };
            match member_part {
                None => shape.traits.extend(traits),
                Some(name) => {
                    match shape
                        .kind
                        .members_mut()
                        .into_iter()
                        .find(|m| m.name == name)
                    {
                        Some(member) => member.traits.extend(traits),
                        None => diagnostics.push(
                            Diagnostic::new(
                                DiagnosticKind::UnknownTarget,
                                apply.target_span,
                                format!("shape `{id}` has no member `{name}`"),
                                "no such member",
                            )
                            .with_help("check the member name after `$`"),
                        ),
                    }
                }
            }
        }
        for (key, _, node) in &file.metadata {
            let value = node_json(node);
            match (model.metadata.get_mut(key), value) {
                (Some(Value::Array(existing)), Value::Array(more)) => existing.extend(more),
                (Some(_), _) => {}
                (None, value) => {
                    model.metadata.insert(key.clone(), value);
                }
            }
        }
    }
}

/// Shape names by plain name, to suggest imports and spellings.
struct NameIndex {
    all: BTreeMap<String, Vec<ShapeId>>,
    ids: std::collections::HashSet<ShapeId>,
}

impl NameIndex {
    fn new(ids: &[ShapeId]) -> Self {
        let mut all: BTreeMap<String, Vec<ShapeId>> = BTreeMap::new();
        for id in ids {
            all.entry(id.name.clone()).or_default().push(id.clone());
        }
        Self {
            all,
            ids: ids.iter().cloned().collect(),
        }
    }
}

/// Resolves the names written in one file.
struct Resolver<'a> {
    namespace: String,
    uses: HashMap<String, ShapeId>,
    index: &'a NameIndex,
}

impl<'a> Resolver<'a> {
    fn new(
        file: &FileAst,
        namespace: &str,
        index: &'a NameIndex,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut uses = HashMap::new();
        for (text, span) in &file.uses {
            let Some(id) = ShapeId::parse_absolute(text) else {
                continue;
            };
            if !index.ids.contains(&id) {
                diagnostics.push(unknown(
                    index,
                    &id.name,
                    text,
                    *span,
                    "imported shape",
                    namespace,
                ));
                continue;
            }
            uses.insert(id.name.clone(), id);
        }
        Self {
            namespace: namespace.to_owned(),
            uses,
            index,
        }
    }

    /// Resolves a written name; reports and returns `None` when nothing matches.
    fn resolve(
        &self,
        text: &str,
        span: Span,
        what: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<ShapeId> {
        if text.contains('#') {
            let id = ShapeId::parse_absolute(text);
            if let Some(id) = id.filter(|id| self.index.ids.contains(id)) {
                return Some(id);
            }
            let name = text.rsplit('#').next().unwrap_or(text);
            diagnostics.push(unknown(self.index, name, text, span, what, &self.namespace));
            return None;
        }
        let local = ShapeId::new(&self.namespace, text);
        if self.index.ids.contains(&local) {
            return Some(local);
        }
        if let Some(id) = self.uses.get(text) {
            return Some(id.clone());
        }
        let prelude = ShapeId::prelude(text);
        if self.index.ids.contains(&prelude) {
            return Some(prelude);
        }
        diagnostics.push(unknown(self.index, text, text, span, what, &self.namespace));
        None
    }

    fn traits(
        &self,
        traits: &[TraitApplication],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Vec<AppliedTrait> {
        traits
            .iter()
            .filter_map(|t| {
                let id = self.resolve(&t.name, t.name_span, "trait", diagnostics)?;
                let value = t
                    .value
                    .as_ref()
                    .map_or_else(|| Value::Object(Map::new()), node_json);
                Some(AppliedTrait {
                    id,
                    value,
                    span: Some(t.span),
                })
            })
            .collect()
    }

    fn member(&self, decl: &MemberDecl, diagnostics: &mut Vec<Diagnostic>) -> Option<Member> {
        let target = self.resolve(&decl.target, decl.target_span, "shape", diagnostics);
        let traits = self.traits(&decl.traits, diagnostics);
        Some(Member {
            name: decl.name.clone(),
            // An unresolved target was reported; keep the member so later checks still see it.
            target: target.unwrap_or_else(|| ShapeId::new("", &decl.target)),
            traits,
            span: Some(decl.name_span),
            target_span: Some(decl.target_span),
        })
    }

    fn reference(&self, node: &Node, diagnostics: &mut Vec<Diagnostic>) -> Option<Reference> {
        match &node.value {
            NodeValue::Id(text) | NodeValue::String(text) => {
                let id = self.resolve(text, node.span, "shape", diagnostics)?;
                Some(Reference {
                    id,
                    span: Some(node.span),
                })
            }
            _ => {
                diagnostics.push(
                    Diagnostic::new(
                        DiagnosticKind::Syntax,
                        node.span,
                        "expected a shape id",
                        "not a shape id",
                    )
                    .with_help("name a shape, e.g. `input: GetRequest`"),
                );
                None
            }
        }
    }

    fn references(&self, node: &Node, diagnostics: &mut Vec<Diagnostic>) -> Vec<Reference> {
        match &node.value {
            NodeValue::Array(items) => items
                .iter()
                .filter_map(|item| self.reference(item, diagnostics))
                .collect(),
            _ => {
                diagnostics.push(
                    Diagnostic::new(
                        DiagnosticKind::Syntax,
                        node.span,
                        "expected a list of shape ids",
                        "not a list",
                    )
                    .with_help("write `[A, B]`"),
                );
                Vec::new()
            }
        }
    }

    fn shape(&self, decl: &ShapeDecl, id: ShapeId, diagnostics: &mut Vec<Diagnostic>) -> Shape {
        let traits = self.traits(&decl.traits, diagnostics);
        let members: Vec<Member> = decl
            .members
            .iter()
            .filter_map(|m| self.member(m, diagnostics))
            .collect();
        let kind = match decl.kind {
            t if t.is_simple() => ShapeKind::Simple(t),
            ShapeType::List | ShapeType::Set => {
                let member = self.collection_member(decl, &members, "member", diagnostics);
                if decl.kind == ShapeType::List {
                    ShapeKind::List(member)
                } else {
                    ShapeKind::Set(member)
                }
            }
            ShapeType::Map => ShapeKind::Map {
                key: self.collection_member(decl, &members, "key", diagnostics),
                value: self.collection_member(decl, &members, "value", diagnostics),
            },
            ShapeType::Structure => ShapeKind::Structure(self.unique(members, diagnostics)),
            ShapeType::Union => ShapeKind::Union(self.unique(members, diagnostics)),
            ShapeType::Service => {
                let props = decl.properties.as_ref();
                let version = props
                    .and_then(|p| p.get("version"))
                    .and_then(|v| match &v.value {
                        NodeValue::String(s) => Some(s.clone()),
                        _ => None,
                    });
                let operations = props
                    .and_then(|p| p.get("operations"))
                    .map(|n| self.references(n, diagnostics))
                    .unwrap_or_default();
                let resources = props
                    .and_then(|p| p.get("resources"))
                    .map(|n| self.references(n, diagnostics))
                    .unwrap_or_default();
                ShapeKind::Service {
                    version,
                    operations,
                    resources,
                }
            }
            ShapeType::Operation => {
                let props = decl.properties.as_ref();
                let get = |key: &str, diagnostics: &mut Vec<Diagnostic>| {
                    props
                        .and_then(|p| p.get(key))
                        .and_then(|n| self.reference(n, diagnostics))
                };
                ShapeKind::Operation {
                    input: get("input", diagnostics),
                    output: get("output", diagnostics),
                    errors: props
                        .and_then(|p| p.get("errors"))
                        .map(|n| self.references(n, diagnostics))
                        .unwrap_or_default(),
                }
            }
            _ => ShapeKind::Resource,
        };
        Shape {
            id,
            kind,
            traits,
            span: Some(decl.name_span),
        }
    }

    /// Drops (and reports) members whose name was already used.
    fn unique(&self, members: Vec<Member>, diagnostics: &mut Vec<Diagnostic>) -> Vec<Member> {
        let mut seen: HashMap<String, Option<Span>> = HashMap::new();
        let mut out = Vec::new();
        for member in members {
            if let Some(first) = seen.get(&member.name) {
                let span = member.span.unwrap_or(Span::new(FileId(0), 0..0));
                let mut d = Diagnostic::new(
                    DiagnosticKind::DuplicateMember,
                    span,
                    format!("member `{}` is declared more than once", member.name),
                    "declared again here",
                )
                .with_help("rename or remove one of the members");
                if let Some(first) = first {
                    d = d.with_related(*first, "first declared here");
                }
                diagnostics.push(d);
                continue;
            }
            seen.insert(member.name.clone(), member.span);
            out.push(member);
        }
        out
    }

    /// The member `name` of a list, set or map; missing, duplicate or extra members are reported.
    fn collection_member(
        &self,
        decl: &ShapeDecl,
        members: &[Member],
        name: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Member {
        let allowed: &[&str] = if decl.kind == ShapeType::Map {
            &["key", "value"]
        } else {
            &["member"]
        };
        if name == allowed[0] {
            let mut seen: HashMap<&str, Option<Span>> = HashMap::new();
            for member in members {
                let span = member.span.unwrap_or(decl.name_span);
                if !allowed.contains(&member.name.as_str()) {
                    diagnostics.push(
                        Diagnostic::new(
                            DiagnosticKind::Syntax,
                            span,
                            format!("a {} has no member `{}`", decl.kind.keyword(), member.name),
                            "not allowed here",
                        )
                        .with_help(format!(
                            "a {} has only {}",
                            decl.kind.keyword(),
                            allowed
                                .iter()
                                .map(|a| format!("`{a}`"))
                                .collect::<Vec<_>>()
                                .join(" and ")
                        )),
                    );
                } else if let Some(first) = seen.get(member.name.as_str()) {
                    let mut d = Diagnostic::new(
                        DiagnosticKind::DuplicateMember,
                        span,
                        format!("member `{}` is declared more than once", member.name),
                        "declared again here",
                    )
                    .with_help("remove one of the members");
                    if let Some(first) = first {
                        d = d.with_related(*first, "first declared here");
                    }
                    diagnostics.push(d);
                } else {
                    seen.insert(&member.name, member.span);
                }
            }
        }
        match members.iter().find(|m| m.name == name) {
            Some(member) => member.clone(),
            None => {
                diagnostics.push(
                    Diagnostic::new(
                        DiagnosticKind::Syntax,
                        decl.name_span,
                        format!(
                            "{} `{}` has no `{name}` member",
                            decl.kind.keyword(),
                            decl.name
                        ),
                        format!("missing `{name}`"),
                    )
                    .with_help(format!("add `{name}: Target` to the braces")),
                );
                Member {
                    name: name.to_owned(),
                    target: ShapeId::prelude("Document"),
                    traits: Vec::new(),
                    span: None,
                    target_span: None,
                }
            }
        }
    }
}

/// The "unknown shape" diagnostic, with an import or spelling hint.
fn unknown(
    index: &NameIndex,
    name: &str,
    written: &str,
    span: Span,
    what: &str,
    namespace: &str,
) -> Diagnostic {
    let shown = if what == "trait" {
        format!("@{written}")
    } else {
        written.to_owned()
    };
    let message = format!("unknown {what} `{shown}`");
    let label = if written.contains('#') {
        "no shape has this id".to_owned()
    } else {
        format!("not defined in `{namespace}`, imported with `use`, or in the prelude")
    };
    let elsewhere: Vec<String> = index
        .all
        .get(name)
        .into_iter()
        .flatten()
        .filter(|id| id.namespace != namespace && id.namespace != PRELUDE)
        .map(ToString::to_string)
        .collect();
    let help = if let Some(id) = elsewhere.first().filter(|_| !written.contains('#')) {
        format!("add `use {id}` near the top of this file")
    } else if let Some(similar) = similar_name(index, name) {
        format!("did you mean `{similar}`?")
    } else {
        format!("define `{name}`, or import it with `use <namespace>#{name}`")
    };
    Diagnostic::new(DiagnosticKind::UnknownTarget, span, message, label).with_help(help)
}

/// A known name within edit distance 2 of `name` (case differences count as one edit).
fn similar_name(index: &NameIndex, name: &str) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for known in index.all.keys() {
        let distance = if known.eq_ignore_ascii_case(name) {
            1
        } else {
            edit_distance(known, name)
        };
        if distance <= 2 && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, known));
        }
    }
    best.map(|(_, n)| n.to_owned())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            row[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(row[j] + 1);
        }
        prev = row;
    }
    prev[b.len()]
}

/// A node value as JSON: unquoted shape ids become strings, numbers keep integer-ness.
pub fn node_json(node: &Node) -> Value {
    match &node.value {
        NodeValue::Null => Value::Null,
        NodeValue::Bool(b) => Value::Bool(*b),
        NodeValue::String(s) | NodeValue::Id(s) => Value::String(s.clone()),
        NodeValue::Number(n) => {
            if let Ok(i) = n.parse::<i64>() {
                Value::from(i)
            } else {
                n.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        NodeValue::Array(items) => Value::Array(items.iter().map(node_json).collect()),
        NodeValue::Object(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, _, v)| (k.clone(), node_json(v)))
                .collect(),
        ),
    }
}
