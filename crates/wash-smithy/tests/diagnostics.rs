//! One test per error class: the exact diagnostic text, line and column.

use wash_smithy::{load, DiagnosticKind, SourceMap};

/// Loads `text` as `model.smithy` (plus wasmCloud's model file) and returns its rendered diagnostics
/// and `(kind, line, col)` of each.
fn check(text: &str) -> (String, Vec<(DiagnosticKind, usize, usize)>) {
    let mut sources = SourceMap::new();
    sources.add("model.smithy", text);
    sources.add(
        "wasmcloud-model.smithy",
        include_str!("../../../smithy/wasmcloud-model.smithy"),
    );
    let loaded = load(sources);
    let positions = loaded
        .diagnostics
        .iter()
        .map(|d| {
            let (line, col) = loaded.sources.file(d.span.file).line_col(d.span.start);
            (d.kind, line, col)
        })
        .collect();
    (loaded.render_diagnostics(), positions)
}

/// A member without `:` is a syntax error at the target, with the member form as a hint.
#[test]
fn syntax() {
    let (text, positions) = check("namespace a.b\n\nstructure Point {\n    x Integer\n}\n");
    assert_eq!(positions, vec![(DiagnosticKind::Syntax, 4, 7)]);
    assert_eq!(
        text,
        r#"error[syntax]: expected `:`, found `Integer`
  --> model.smithy:4:7
  |
4 |     x Integer
  |       ^^^^^^^ expected `:`
  |
  = help: members are written `name: Target`

"#
    );
}

/// An unimported wasmCloud type is an unknown target, and the hint names the `use` to add.
#[test]
fn unknown_target() {
    let (text, positions) = check("namespace a.b\n\nuse org.wasmcloud.model#n\n\nstructure Point {\n    @n(0)\n    x: U32,\n}\n");
    assert_eq!(positions, vec![(DiagnosticKind::UnknownTarget, 7, 8)]);
    assert_eq!(
        text,
        r#"error[unknown-target]: unknown shape `U32`
  --> model.smithy:7:8
  |
7 |     x: U32,
  |        ^^^ not defined in `a.b`, imported with `use`, or in the prelude
  |
  = help: add `use org.wasmcloud.model#U32` near the top of this file

"#
    );
}

/// A shape defined twice is reported at the second definition, pointing back at the first.
#[test]
fn duplicate_shape() {
    let (text, positions) = check("namespace a.b\n\nstring Name\n\nstructure Name {}\n");
    assert_eq!(positions, vec![(DiagnosticKind::DuplicateShape, 5, 11)]);
    assert_eq!(
        text,
        r#"error[duplicate-shape]: shape `a.b#Name` is defined more than once
  --> model.smithy:5:11
  |
3 | string Name
  |        ---- first defined here
4 | 
5 | structure Name {}
  |           ^^^^ defined again here
  |
  = help: rename one of the shapes or remove the second definition

"#
    );
}

/// A member declared twice is reported at the second declaration.
#[test]
fn duplicate_member() {
    let (text, positions) =
        check("namespace a.b\n\nstructure Point {\n    x: Integer,\n    x: Integer,\n}\n");
    assert_eq!(positions, vec![(DiagnosticKind::DuplicateMember, 5, 5)]);
    assert_eq!(
        text,
        r#"error[duplicate-member]: member `x` is declared more than once
  --> model.smithy:5:5
  |
4 |     x: Integer,
  |     - first declared here
5 |     x: Integer,
  |     ^ declared again here
  |
  = help: rename or remove one of the members

"#
    );
}

/// A trait applied twice to one shape is reported at the second application.
#[test]
fn duplicate_trait() {
    let (text, positions) = check("namespace a.b\n\n@sensitive\n@sensitive\nstring Secret\n");
    assert_eq!(positions, vec![(DiagnosticKind::DuplicateTrait, 4, 1)]);
    assert_eq!(
        text,
        r#"error[duplicate-trait]: trait `@sensitive` is applied more than once to string `Secret`
  --> model.smithy:4:1
  |
3 | @sensitive
  | ---------- first applied here
4 | @sensitive
  | ^^^^^^^^^^ applied again here
  |
  = help: remove one of the applications

"#
    );
}

/// Applying a shape that is not marked `@trait` is an error at the application.
#[test]
fn not_a_trait() {
    let (text, positions) = check("namespace a.b\n\nstring Plain\n\n@Plain\nstring Name\n");
    assert_eq!(positions, vec![(DiagnosticKind::NotATrait, 5, 1)]);
    assert_eq!(
        text,
        r#"error[not-a-trait]: `a.b#Plain` is not a trait
  --> model.smithy:5:1
  |
5 | @Plain
  | ^^^^^^ applied as a trait here
  |
  = help: mark the shape `Plain` with `@trait` to use it as a trait

"#
    );
}

/// A trait whose selector does not match the shape (`@readonly` on a structure) is an error.
#[test]
fn trait_target() {
    let (text, positions) = check("namespace a.b\n\n@readonly\nstructure Point {}\n");
    assert_eq!(positions, vec![(DiagnosticKind::TraitTarget, 3, 1)]);
    assert_eq!(
        text,
        r#"error[trait-target]: trait `@readonly` cannot be applied to structure `Point`
  --> model.smithy:3:1
  |
3 | @readonly
  | ^^^^^^^^^ `@readonly` applies only to `operation`
  |
  = help: move `@readonly` to a shape matching `operation`, or remove it

"#
    );
}

/// A service listing a structure among its operations is a wrong reference.
#[test]
fn wrong_reference() {
    let (text, positions) = check("namespace a.b\n\nservice S {\n    version: \"1\",\n    operations: [Point]\n}\n\nstructure Point {}\n");
    assert_eq!(positions, vec![(DiagnosticKind::WrongReference, 5, 18)]);
    assert_eq!(
        text,
        r#"error[wrong-reference]: `a.b#Point` is a structure and cannot be used as an entry of a service's `operations`
  --> model.smithy:5:18
  |
5 |     operations: [Point]
  |                  ^^^^^ this is a structure
  |
  = help: list only operation shapes here

"#
    );
}

/// A structure numbering some members with `@n` but not all is an error at the unnumbered member.
#[test]
fn field_number() {
    let (text, positions) = check("namespace a.b\n\nuse org.wasmcloud.model#n\n\nstructure Point {\n    @n(0)\n    x: Integer,\n    y: Integer,\n}\n");
    assert_eq!(positions, vec![(DiagnosticKind::FieldNumber, 8, 5)]);
    assert_eq!(
        text,
        r#"error[field-number]: member `y` of `Point` has no field number `@n`
  --> model.smithy:8:5
  |
8 |     y: Integer,
  |     ^ missing `@n(...)`: other members of this structure have one
  |
  = help: number every member of the structure with `@n(0)`, `@n(1)`, ... (`use org.wasmcloud.model#n`)

"#
    );
}

/// Every error of a file is reported in one run, in source order: a syntax error does not hide the
/// unknown target, the duplicate member or the missing field number after it.
#[test]
fn all_errors_of_a_file_in_one_run() {
    let (_, positions) = check(
        "namespace a.b\nuse org.wasmcloud.model#n\nstructure A { x Integer }\nstructure B { y: Nope }\nstructure C { z: String, z: String }\nstructure D { @n(0) p: String, q: String }\nstring \"oops\n",
    );
    assert_eq!(
        positions,
        vec![
            (DiagnosticKind::Syntax, 3, 17),
            (DiagnosticKind::UnknownTarget, 4, 18),
            (DiagnosticKind::DuplicateMember, 5, 26),
            (DiagnosticKind::FieldNumber, 6, 32),
            (DiagnosticKind::Syntax, 7, 8),
            // The unterminated string swallowed the name: the statement ends at the end of the file.
            (DiagnosticKind::Syntax, 8, 1),
        ]
    );
}
