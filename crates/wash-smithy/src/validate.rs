//! Checks on a resolved model: traits are trait shapes applied where their selector allows, no trait
//! twice, references point at the right kind of shape, and `@n` field numbers follow wasmCloud's rules.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use crate::ast::ShapeType;
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::model::{
    trait_value, AppliedTrait, Member, Model, Reference, Shape, ShapeId, ShapeKind,
};
use crate::source::{FileId, Span};

/// Every problem found in the shapes that were declared in files (the prelude is trusted).
pub fn validate(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for shape in model.shapes.values().filter(|s| s.span.is_some()) {
        let shape_span = shape.span.unwrap_or(Span::new(FileId(0), 0..0));
        check_traits(model, &shape.traits, Target::Shape(shape), &mut out);
        for member in shape.kind.members() {
            check_traits(
                model,
                &member.traits,
                Target::Member(shape, member),
                &mut out,
            );
            if let Some(target) = model.shape(&member.target) {
                if matches!(
                    target.kind.shape_type(),
                    ShapeType::Service | ShapeType::Operation | ShapeType::Resource
                ) {
                    out.push(wrong_reference(
                        member.target_span.unwrap_or(shape_span),
                        &member.target,
                        target.kind.shape_type(),
                        "a member",
                        "members target data shapes: simple types, lists, maps, structures or unions",
                    ));
                }
            }
        }
        match &shape.kind {
            ShapeKind::Service {
                operations,
                resources,
                ..
            } => {
                for op in operations {
                    expect_kind(
                        model,
                        op,
                        &[ShapeType::Operation],
                        "a service's `operations`",
                        &mut out,
                    );
                }
                for res in resources {
                    expect_kind(
                        model,
                        res,
                        &[ShapeType::Resource],
                        "a service's `resources`",
                        &mut out,
                    );
                }
            }
            ShapeKind::Operation {
                input,
                output,
                errors,
            } => {
                for reference in input.iter().chain(output.iter()) {
                    let kind = model.shape_type(&reference.id);
                    if let Some(
                        kind @ (ShapeType::Service | ShapeType::Operation | ShapeType::Resource),
                    ) = kind
                    {
                        out.push(wrong_reference(
                            reference.span.unwrap_or(shape_span),
                            &reference.id,
                            kind,
                            "an operation's input or output",
                            "use a structure, list, map or simple shape",
                        ));
                    }
                }
                for err in errors {
                    expect_kind(
                        model,
                        err,
                        &[ShapeType::Structure],
                        "an operation's `errors`",
                        &mut out,
                    );
                }
            }
            ShapeKind::Structure(members) => check_field_numbers(model, shape, members, &mut out),
            _ => {}
        }
    }
    check_protocol_numbers(model, &mut out);
    out
}

fn wrong_reference(
    span: Span,
    id: &ShapeId,
    kind: ShapeType,
    place: &str,
    help: &str,
) -> Diagnostic {
    Diagnostic::new(
        DiagnosticKind::WrongReference,
        span,
        format!(
            "`{id}` is a {} and cannot be used as {place}",
            kind.keyword()
        ),
        format!("this is a {}", kind.keyword()),
    )
    .with_help(help.to_owned())
}

fn expect_kind(
    model: &Model,
    reference: &Reference,
    allowed: &[ShapeType],
    place: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(kind) = model.shape_type(&reference.id) else {
        return;
    };
    if !allowed.contains(&kind) {
        let span = reference.span.unwrap_or(Span::new(FileId(0), 0..0));
        out.push(wrong_reference(
            span,
            &reference.id,
            kind,
            &format!("an entry of {place}"),
            &format!("list only {} shapes here", allowed[0].keyword()),
        ));
    }
}

/// What a trait is applied to.
#[derive(Clone, Copy)]
enum Target<'a> {
    Shape(&'a Shape),
    Member(&'a Shape, &'a Member),
}

impl Target<'_> {
    fn description(&self) -> String {
        match self {
            Target::Shape(s) => format!("{} `{}`", s.kind.shape_type().keyword(), s.id.name),
            Target::Member(s, m) => format!(
                "member `{}` of {} `{}`",
                m.name,
                s.kind.shape_type().keyword(),
                s.id.name
            ),
        }
    }
}

fn check_traits(
    model: &Model,
    traits: &[AppliedTrait],
    target: Target<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<&ShapeId, Option<Span>> = HashMap::new();
    let trait_trait = ShapeId::prelude("trait");
    for applied in traits {
        let span = applied.span.unwrap_or(Span::new(FileId(0), 0..0));
        if let Some(first) = seen.get(&applied.id) {
            let mut d = Diagnostic::new(
                DiagnosticKind::DuplicateTrait,
                span,
                format!(
                    "trait `@{}` is applied more than once to {}",
                    applied.id.name,
                    target.description()
                ),
                "applied again here",
            )
            .with_help("remove one of the applications");
            if let Some(first) = first {
                d = d.with_related(*first, "first applied here");
            }
            out.push(d);
            continue;
        }
        seen.insert(&applied.id, applied.span);
        let Some(trait_shape) = model.shape(&applied.id) else {
            continue;
        };
        let Some(definition) = trait_value(&trait_shape.traits, &trait_trait) else {
            out.push(
                Diagnostic::new(
                    DiagnosticKind::NotATrait,
                    span,
                    format!("`{}` is not a trait", applied.id),
                    "applied as a trait here",
                )
                .with_help(format!(
                    "mark the shape `{}` with `@trait` to use it as a trait",
                    applied.id.name
                )),
            );
            continue;
        };
        let selector = definition
            .get("selector")
            .and_then(Value::as_str)
            .unwrap_or("*");
        if matches_selector(model, selector, target) == Some(false) {
            out.push(
                Diagnostic::new(
                    DiagnosticKind::TraitTarget,
                    span,
                    format!(
                        "trait `@{}` cannot be applied to {}",
                        applied.id.name,
                        target.description()
                    ),
                    format!("`@{}` applies only to `{selector}`", applied.id.name),
                )
                .with_help(format!(
                    "move `@{}` to a shape matching `{selector}`, or remove it",
                    applied.id.name
                )),
            );
        }
    }
}

/// Whether `selector` selects `target`; `None` when the selector uses syntax this checker does not know.
fn matches_selector(model: &Model, selector: &str, target: Target<'_>) -> Option<bool> {
    let mut any = false;
    for alternative in split_top(strip_wrapper(selector.trim(), ":is(")?) {
        let steps: Vec<&str> = alternative.split('>').map(str::trim).collect();
        let result = match steps.as_slice() {
            [one] => matches_simple(model, one, target)?,
            [parent, child] => match target {
                Target::Member(shape, _) => {
                    matches_simple(model, child, target)?
                        && matches_simple(model, parent, Target::Shape(shape))?
                }
                Target::Shape(_) => return None,
            },
            _ => return None,
        };
        any |= result;
    }
    Some(any)
}

/// `:is(a, b)` → `a, b`; anything else unchanged.
fn strip_wrapper<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    match text.strip_prefix(prefix) {
        Some(inner) => inner.strip_suffix(')'),
        None => Some(text),
    }
}

/// Splits at commas outside parentheses.
fn split_top(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts
}

fn matches_simple(model: &Model, selector: &str, target: Target<'_>) -> Option<bool> {
    if let Some(inner) = selector
        .strip_prefix(":test(")
        .and_then(|s| s.strip_suffix(')'))
    {
        let mut any = false;
        for alternative in split_top(inner) {
            let steps: Vec<&str> = alternative.split('>').map(str::trim).collect();
            let result = match steps.as_slice() {
                [one] => matches_simple(model, one, target)?,
                // `member > x`: a member whose target matches x.
                [first, rest @ ..] => match target {
                    Target::Member(_, member) if matches_simple(model, first, target)? => {
                        match model.shape(&member.target) {
                            Some(t) => matches_simple(model, &rest.join(" > "), Target::Shape(t))?,
                            None => true,
                        }
                    }
                    _ => false,
                },
                [] => false,
            };
            any |= result;
        }
        return Some(any);
    }
    if let Some(inner) = selector
        .strip_prefix(":is(")
        .and_then(|s| s.strip_suffix(')'))
    {
        let mut any = false;
        for alternative in split_top(inner) {
            any |= matches_simple(model, alternative, target)?;
        }
        return Some(any);
    }
    if let Some(inner) = selector
        .strip_prefix(":not(")
        .and_then(|s| s.strip_suffix(')'))
    {
        return matches_simple(model, inner, target).map(|b| !b);
    }
    if let Some(name) = selector
        .strip_prefix("[trait|")
        .and_then(|s| s.strip_suffix(']'))
    {
        return Some(match target {
            Target::Shape(shape) => shape.traits.iter().any(|t| t.id.name == name),
            Target::Member(..) => false,
        });
    }
    let kind = match target {
        Target::Member(..) => None,
        Target::Shape(shape) => Some(shape.kind.shape_type()),
    };
    Some(match selector {
        "*" => true,
        "member" => kind.is_none(),
        "simpleType" => kind.is_some_and(ShapeType::is_simple),
        "number" => kind.is_some_and(ShapeType::is_number),
        "collection" => matches!(kind, Some(ShapeType::List | ShapeType::Set)),
        word => match ShapeType::from_keyword(word) {
            Some(t) => kind == Some(t),
            None => return None,
        },
    })
}

/// wasmCloud numbers structure fields with `@n`: all members or none, each a distinct integer ≥ 0.
fn check_field_numbers(
    model: &Model,
    shape: &Shape,
    members: &[Member],
    out: &mut Vec<Diagnostic>,
) {
    let n = ShapeId::wasmcloud("n");
    let numbered: Vec<&Member> = members
        .iter()
        .filter(|m| trait_value(&m.traits, &n).is_some())
        .collect();
    if numbered.is_empty() {
        return;
    }
    let _ = model;
    let mut seen: HashMap<i64, Option<Span>> = HashMap::new();
    for member in members {
        let member_span = member.span.unwrap_or(Span::new(FileId(0), 0..0));
        let Some(applied) = member.traits.iter().find(|t| t.id == n) else {
            out.push(missing_number(
                shape,
                member,
                member_span,
                "other members of this structure have one",
            ));
            continue;
        };
        let span = applied.span.unwrap_or(member_span);
        match applied
            .value
            .as_i64()
            .filter(|v| (0..=i64::from(i16::MAX)).contains(v))
        {
            None => out.push(
                Diagnostic::new(
                    DiagnosticKind::FieldNumber,
                    span,
                    format!(
                        "field number of `{}.{}` must be an integer from 0 to 32767",
                        shape.id.name, member.name
                    ),
                    "not a field number",
                )
                .with_help("write `@n(0)`, `@n(1)`, ... in declaration order"),
            ),
            Some(value) => {
                if let Some(first) = seen.get(&value) {
                    let mut d = Diagnostic::new(
                        DiagnosticKind::FieldNumber,
                        span,
                        format!("field number {value} is used twice in `{}`", shape.id.name),
                        "used again here",
                    )
                    .with_help("give every member its own number");
                    if let Some(first) = first {
                        d = d.with_related(*first, "first used here");
                    }
                    out.push(d);
                } else {
                    seen.insert(value, applied.span);
                }
            }
        }
    }
}

fn missing_number(shape: &Shape, member: &Member, span: Span, why: &str) -> Diagnostic {
    Diagnostic::new(
        DiagnosticKind::FieldNumber,
        span,
        format!("member `{}` of `{}` has no field number `@n`", member.name, shape.id.name),
        format!("missing `@n(...)`: {why}"),
    )
    .with_help("number every member of the structure with `@n(0)`, `@n(1)`, ... (`use org.wasmcloud.model#n`)")
}

/// Services with `@wasmbus(protocol: "2")` encode structures as CBOR arrays by field number: every
/// structure they reach needs `@n` on every member.
fn check_protocol_numbers(model: &Model, out: &mut Vec<Diagnostic>) {
    let wasmbus = ShapeId::wasmcloud("wasmbus");
    let n = ShapeId::wasmcloud("n");
    let mut reached: BTreeSet<&ShapeId> = BTreeSet::new();
    let mut stack: Vec<&ShapeId> = Vec::new();
    for shape in model.shapes.values() {
        let protocol = trait_value(&shape.traits, &wasmbus)
            .and_then(|v| v.get("protocol"))
            .and_then(Value::as_str);
        if !protocol.is_some_and(|p| p.parse::<u32>().is_ok_and(|p| p >= 2)) {
            continue;
        }
        if let ShapeKind::Service { operations, .. } = &shape.kind {
            for op in operations {
                if let Some(ShapeKind::Operation { input, output, .. }) =
                    model.shape(&op.id).map(|s| &s.kind)
                {
                    stack.extend(input.iter().chain(output.iter()).map(|r| &r.id));
                }
            }
        }
    }
    while let Some(id) = stack.pop() {
        if !reached.insert(id) {
            continue;
        }
        if let Some(shape) = model.shape(id) {
            stack.extend(shape.kind.members().into_iter().map(|m| &m.target));
        }
    }
    for id in reached {
        let Some(shape) = model.shape(id).filter(|s| s.span.is_some()) else {
            continue;
        };
        let ShapeKind::Structure(members) = &shape.kind else {
            continue;
        };
        if members.iter().any(|m| trait_value(&m.traits, &n).is_some()) {
            continue; // partially numbered: reported by check_field_numbers
        }
        for member in members {
            let span = member.span.unwrap_or(Span::new(FileId(0), 0..0));
            out.push(missing_number(
                shape,
                member,
                span,
                "a `protocol: \"2\"` service sends this structure as CBOR",
            ));
        }
    }
}
