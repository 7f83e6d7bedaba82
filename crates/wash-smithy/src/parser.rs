//! Recursive-descent parser from tokens to a [`FileAst`]. A syntax error is recorded and the parser
//! skips to the next statement, so one run reports every syntax error of a file.

use crate::ast::{
    Apply, FileAst, MemberDecl, Node, NodeValue, ShapeDecl, ShapeType, TraitApplication,
};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::lexer::{lex, Tok, Token};
use crate::source::{FileId, Span};

/// Deepest nesting of node values accepted (deeper input is an error, not a stack overflow).
const MAX_DEPTH: usize = 64;

/// Parses one file. Returns what could be read and every lexical and syntax error.
pub fn parse_file(file: FileId, text: &str) -> (FileAst, Vec<Diagnostic>) {
    let (tokens, errors) = lex(file, text);
    let mut parser = Parser {
        tokens,
        pos: 0,
        errors,
        ast: FileAst {
            file,
            version: None,
            namespace: None,
            uses: Vec::new(),
            metadata: Vec::new(),
            shapes: Vec::new(),
            applies: Vec::new(),
        },
    };
    parser.file();
    (parser.ast, parser.errors)
}

/// A syntax error already recorded; the caller recovers.
struct Recorded;

type PResult<T> = Result<T, Recorded>;

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    errors: Vec<Diagnostic>,
    ast: FileAst,
}

impl Parser {
    fn peek(&self) -> &Token {
        let last = self.tokens.len() - 1;
        &self.tokens[self.pos.min(last)]
    }

    fn peek_at(&self, n: usize) -> &Tok {
        let last = self.tokens.len() - 1;
        &self.tokens[(self.pos + n).min(last)].tok
    }

    fn bump(&mut self) -> Token {
        let token = self.peek().clone();
        if token.tok != Tok::Eof {
            self.pos += 1;
        }
        token
    }

    fn is_punct(&self, c: char) -> bool {
        self.peek().tok == Tok::Punct(c)
    }

    fn eat_punct(&mut self, c: char) -> bool {
        if self.is_punct(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn skip_commas(&mut self) {
        while self.eat_punct(',') {}
    }

    fn error_here(&mut self, expected: &str, help: &str) -> Recorded {
        let token = self.peek().clone();
        let found = token.tok.describe();
        self.errors.push(
            Diagnostic::new(
                DiagnosticKind::Syntax,
                token.span,
                format!("expected {expected}, found {found}"),
                format!("expected {expected}"),
            )
            .with_help(help),
        );
        Recorded
    }

    fn expect_punct(&mut self, c: char, help: &str) -> PResult<Span> {
        if self.is_punct(c) {
            Ok(self.bump().span)
        } else {
            Err(self.error_here(&format!("`{c}`"), help))
        }
    }

    fn expect_ident(&mut self, what: &str, help: &str) -> PResult<(String, Span)> {
        match self.peek().tok.clone() {
            Tok::Ident(word) => {
                let span = self.bump().span;
                Ok((word, span))
            }
            _ => Err(self.error_here(what, help)),
        }
    }

    /// Skips to the next token that can start a statement at the start of a line.
    fn recover(&mut self) {
        // Always move past the offending token.
        self.bump();
        loop {
            let token = self.peek();
            if token.tok == Tok::Eof {
                return;
            }
            if token.first_on_line {
                let starts = match &token.tok {
                    Tok::Doc(_) | Tok::Punct('@') | Tok::Control(_) => true,
                    Tok::Ident(word) => {
                        matches!(word.as_str(), "apply" | "use" | "metadata" | "namespace")
                            || (ShapeType::from_keyword(word).is_some()
                                && matches!(self.peek_at(1), Tok::Ident(_)))
                    }
                    _ => false,
                };
                if starts {
                    return;
                }
            }
            self.bump();
        }
    }

    fn file(&mut self) {
        while self.peek().tok != Tok::Eof {
            let result = self.statement();
            if result.is_err() {
                self.recover();
            }
        }
    }

    fn statement(&mut self) -> PResult<()> {
        let token = self.peek().clone();
        match &token.tok {
            Tok::Control(key) => {
                self.bump();
                self.expect_punct(':', "control statements read `$version: \"1.0\"`")?;
                let value = self.node()?;
                if key == "version" {
                    if let NodeValue::String(v) = value.value {
                        self.ast.version = Some(v);
                    }
                }
                Ok(())
            }
            Tok::Ident(word) if word == "metadata" => {
                self.bump();
                let key = match self.peek().tok.clone() {
                    Tok::Ident(k) | Tok::Str(k) => {
                        let span = self.bump().span;
                        (k, span)
                    }
                    _ => {
                        return Err(self.error_here(
                            "a metadata key",
                            "metadata statements read `metadata key = value`",
                        ))
                    }
                };
                self.expect_punct('=', "metadata statements read `metadata key = value`")?;
                let value = self.node()?;
                self.ast.metadata.push((key.0, key.1, value));
                Ok(())
            }
            Tok::Ident(word) if word == "namespace" => {
                self.bump();
                let (ns, span) =
                    self.expect_ident("a namespace", "write `namespace org.example.name`")?;
                if self.ast.namespace.is_some() {
                    self.errors.push(
                        Diagnostic::new(
                            DiagnosticKind::Syntax,
                            span,
                            "a file may declare only one namespace",
                            "second namespace",
                        )
                        .with_help("put shapes of another namespace in a file of their own"),
                    );
                }
                self.ast.namespace = Some((ns, span));
                Ok(())
            }
            Tok::Ident(word) if word == "use" => {
                self.bump();
                let (id, span) = self.expect_ident(
                    "an absolute shape id",
                    "write `use org.wasmcloud.model#U32`",
                )?;
                if !id.contains('#') {
                    self.errors.push(
                        Diagnostic::new(
                            DiagnosticKind::Syntax,
                            span,
                            format!("`use` needs an absolute shape id, found `{id}`"),
                            "no namespace",
                        )
                        .with_help(
                            "write the namespace and the name: `use org.wasmcloud.model#U32`",
                        ),
                    );
                } else {
                    self.ast.uses.push((id, span));
                }
                Ok(())
            }
            _ => self.shape_or_apply(),
        }
    }

    /// Doc comments and traits, then a shape or an `apply`.
    fn shape_or_apply(&mut self) -> PResult<()> {
        let traits = self.traits()?;
        let token = self.peek().clone();
        let Tok::Ident(word) = &token.tok else {
            return Err(self.error_here(
                "a shape statement",
                "statements are `namespace`, `use`, `metadata`, `apply` or a shape such as `structure Name { ... }`",
            ));
        };
        if word == "apply" {
            self.bump();
            let (target, target_span) =
                self.expect_ident("a shape id", "write `apply Shape @trait`")?;
            let mut applied = self.traits()?;
            if applied.is_empty() && self.eat_punct('{') {
                applied = self.traits()?;
                self.expect_punct('}', "close the `apply` block with `}`")?;
            }
            if applied.is_empty() {
                return Err(self.error_here("a trait (`@name`)", "write `apply Shape @trait`"));
            }
            let mut all = traits;
            all.extend(applied);
            self.ast.applies.push(Apply {
                target,
                target_span,
                traits: all,
            });
            return Ok(());
        }
        let Some(kind) = ShapeType::from_keyword(word) else {
            return Err(self.error_here(
                "a shape type such as `structure` or `string`",
                "shape statements start with a type keyword: string, structure, list, map, service, operation, ...",
            ));
        };
        let kind_span = self.bump().span;
        let (name, name_span) =
            self.expect_ident("a shape name", "name the shape: `structure Name { ... }`")?;
        if name.contains(['#', '.', '$']) {
            self.errors.push(
                Diagnostic::new(
                    DiagnosticKind::Syntax,
                    name_span,
                    format!("invalid shape name `{name}`"),
                    "not a plain name",
                )
                .with_help(
                    "a shape is declared by its name only; the namespace comes from `namespace`",
                ),
            );
        }
        let mut members = Vec::new();
        let mut properties = None;
        let mut end = name_span;
        if kind.has_member_list() {
            let open = self.expect_punct('{', "member lists are written `{ name: Target }`")?;
            members = self.members()?;
            end = self.expect_punct('}', "close the member list with `}`")?;
            let _ = open;
        } else if matches!(
            kind,
            ShapeType::Service | ShapeType::Operation | ShapeType::Resource
        ) {
            if !self.is_punct('{') {
                return Err(self.error_here("`{`", "write the body as `{ key: value, ... }`"));
            }
            let body = self.node()?;
            end = body.span;
            properties = Some(body);
        }
        self.ast.shapes.push(ShapeDecl {
            kind,
            name,
            name_span,
            traits,
            members,
            properties,
            span: kind_span.to(end),
        });
        Ok(())
    }

    /// `/// docs` and `@traits` in any order.
    fn traits(&mut self) -> PResult<Vec<TraitApplication>> {
        let mut traits = Vec::new();
        let mut doc: Option<(String, Span)> = None;
        loop {
            match self.peek().tok.clone() {
                Tok::Doc(line) => {
                    let span = self.bump().span;
                    doc = Some(match doc {
                        Some((text, first)) => (format!("{text}\n{line}"), first.to(span)),
                        None => (line, span),
                    });
                }
                Tok::Punct('@') => traits.push(self.trait_application()?),
                _ => break,
            }
        }
        if let Some((text, span)) = doc {
            traits.insert(
                0,
                TraitApplication {
                    name: "documentation".into(),
                    name_span: span,
                    value: Some(Node {
                        value: NodeValue::String(doc_text(&text)),
                        span,
                    }),
                    span,
                },
            );
        }
        Ok(traits)
    }

    fn trait_application(&mut self) -> PResult<TraitApplication> {
        let at = self.bump().span;
        let (name, name_span) = match self.peek().tok.clone() {
            Tok::Ident(word) => (word, self.bump().span),
            _ => {
                return Err(
                    self.error_here("a trait name after `@`", "write `@required` or `@n(0)`")
                )
            }
        };
        let mut span = at.to(name_span);
        let mut value = None;
        if self.is_punct('(') {
            let open = self.bump().span;
            let structured = matches!(self.peek().tok, Tok::Ident(_) | Tok::Str(_))
                && *self.peek_at(1) == Tok::Punct(':');
            if structured {
                let entries = self.object_entries(')', 0)?;
                let close = self.expect_punct(')', "close the trait value with `)`")?;
                value = Some(Node {
                    value: NodeValue::Object(entries),
                    span: open.to(close),
                });
                span = span.to(close);
            } else if self.is_punct(')') {
                span = span.to(self.bump().span);
            } else {
                value = Some(self.node()?);
                self.skip_commas();
                span = span.to(self.expect_punct(')', "close the trait value with `)`")?);
            }
        }
        Ok(TraitApplication {
            name,
            name_span,
            value,
            span,
        })
    }

    fn members(&mut self) -> PResult<Vec<MemberDecl>> {
        let mut members = Vec::new();
        loop {
            self.skip_commas();
            if self.is_punct('}') || self.peek().tok == Tok::Eof {
                return Ok(members);
            }
            let traits = self.traits()?;
            if self.is_punct('}') {
                return Ok(members);
            }
            let (name, name_span) =
                self.expect_ident("a member name", "members are written `name: Target`")?;
            self.expect_punct(':', "members are written `name: Target`")?;
            let (target, target_span) =
                self.expect_ident("a target shape", "members are written `name: Target`")?;
            members.push(MemberDecl {
                name,
                name_span,
                target,
                target_span,
                traits,
            });
        }
    }

    fn object_entries(&mut self, close: char, depth: usize) -> PResult<Vec<(String, Span, Node)>> {
        let mut entries = Vec::new();
        loop {
            self.skip_commas();
            if self.is_punct(close) {
                return Ok(entries);
            }
            let (key, key_span) = match self.peek().tok.clone() {
                Tok::Ident(k) | Tok::Str(k) => (k, self.bump().span),
                _ => {
                    return Err(self.error_here(
                        &format!("a key or `{close}`"),
                        "object entries are written `key: value`",
                    ))
                }
            };
            self.expect_punct(':', "object entries are written `key: value`")?;
            let value = self.node_at(depth + 1)?;
            entries.push((key, key_span, value));
        }
    }

    fn node(&mut self) -> PResult<Node> {
        self.node_at(0)
    }

    fn node_at(&mut self, depth: usize) -> PResult<Node> {
        if depth > MAX_DEPTH {
            return Err(self.error_here(
                "a shallower value",
                "values may nest at most 64 levels deep",
            ));
        }
        let token = self.peek().clone();
        let value =
            match token.tok {
                Tok::Str(s) | Tok::TextBlock(s) => NodeValue::String(s),
                Tok::Number(n) => NodeValue::Number(n),
                Tok::Ident(word) => match word.as_str() {
                    "true" => NodeValue::Bool(true),
                    "false" => NodeValue::Bool(false),
                    "null" => NodeValue::Null,
                    _ => NodeValue::Id(word),
                },
                Tok::Punct('[') => {
                    let open = self.bump().span;
                    let mut items = Vec::new();
                    loop {
                        self.skip_commas();
                        if self.is_punct(']') {
                            break;
                        }
                        items.push(self.node_at(depth + 1)?);
                    }
                    let close = self.bump().span;
                    return Ok(Node {
                        value: NodeValue::Array(items),
                        span: open.to(close),
                    });
                }
                Tok::Punct('{') => {
                    let open = self.bump().span;
                    let entries = self.object_entries('}', depth)?;
                    let close = self.bump().span;
                    return Ok(Node {
                        value: NodeValue::Object(entries),
                        span: open.to(close),
                    });
                }
                _ => return Err(self.error_here(
                    "a value",
                    "values are strings, numbers, true/false/null, shape ids, `[...]` or `{...}`",
                )),
            };
        self.bump();
        Ok(Node {
            value,
            span: token.span,
        })
    }
}

/// The documentation text of `///` lines: one leading space dropped from every line.
fn doc_text(raw: &str) -> String {
    raw.split('\n')
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A keyvalue-like file parses into shapes, members, traits and service properties.
    #[test]
    fn parses_shapes_members_and_traits() {
        let text = r#"$version: "1.0"
metadata package = [{ namespace: "a.b", crate: "x" }]
namespace a.b
use org.wasmcloud.model#n
/// The service
@wasmbus(contractId: "x:y", providerReceive: true)
service Kv { version: "0.1", operations: [Get] }
operation Get { input: String, output: GetResponse }
structure GetResponse {
    /// the value
    @required @n(0) value: String,
    @n(1) exists: Boolean
}
"#;
        let (ast, errors) = parse_file(FileId(0), text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(ast.version.as_deref(), Some("1.0"));
        assert_eq!(ast.namespace.as_ref().map(|n| n.0.as_str()), Some("a.b"));
        assert_eq!(ast.uses.len(), 1);
        assert_eq!(ast.shapes.len(), 3);
        let service = &ast.shapes[0];
        assert_eq!(service.traits[0].name, "documentation");
        assert_eq!(service.traits[1].name, "wasmbus");
        let members = &ast.shapes[2].members;
        assert_eq!(members[0].traits.len(), 3);
        assert_eq!(members[1].target, "Boolean");
    }

    /// Two broken statements give two errors: the parser recovers at the next statement.
    #[test]
    fn reports_every_syntax_error() {
        let text = "namespace a\nstructure A { x String }\nstructure B { y: }\nstring C\n";
        let (ast, errors) = parse_file(FileId(0), text);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(ast.shapes.len(), 1);
    }
}
