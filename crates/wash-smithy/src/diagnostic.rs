//! Compiler-style diagnostics: what went wrong, where (`file:line:col`), the source line with a caret
//! under the span, and a hint on what to do. Rendered with `codespan-reporting`.

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Chars, Config};

use crate::source::{SourceMap, Span};

/// The class of a problem; its [`code`](DiagnosticKind::code) is printed as `error[code]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagnosticKind {
    /// The text is not Smithy IDL (unexpected token, unterminated string, ...).
    Syntax,
    /// A member, operation, service or trait refers to a shape that does not exist.
    UnknownTarget,
    /// Two shapes have the same id.
    DuplicateShape,
    /// Two members of one shape have the same name.
    DuplicateMember,
    /// One trait is applied twice to the same shape.
    DuplicateTrait,
    /// A shape applied as a trait is not marked `@trait`.
    NotATrait,
    /// A trait is applied to a shape its selector does not allow.
    TraitTarget,
    /// A reference points at the wrong kind of shape (e.g. an operation list naming a structure).
    WrongReference,
    /// A structure's `@n` field numbers are missing, duplicated or not numbers.
    FieldNumber,
}

impl DiagnosticKind {
    /// The short code printed in brackets, e.g. `unknown-target`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Syntax => "syntax",
            Self::UnknownTarget => "unknown-target",
            Self::DuplicateShape => "duplicate-shape",
            Self::DuplicateMember => "duplicate-member",
            Self::DuplicateTrait => "duplicate-trait",
            Self::NotATrait => "not-a-trait",
            Self::TraitTarget => "trait-target",
            Self::WrongReference => "wrong-reference",
            Self::FieldNumber => "field-number",
        }
    }
}

/// One error in a model, with its location and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The class of the problem.
    pub kind: DiagnosticKind,
    /// One line saying what is wrong, values in backticks.
    pub message: String,
    /// Where: the caret goes under this span.
    pub span: Span,
    /// Text printed next to the caret.
    pub label: String,
    /// Other places that explain the problem (e.g. the first definition of a duplicate).
    pub related: Vec<(Span, String)>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of `kind` at `span`.
    pub fn new(
        kind: DiagnosticKind,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            message: message.into(),
            span,
            label: label.into(),
            related: Vec::new(),
            help: None,
        }
    }

    /// Adds a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `file:line:col: error[code]: message` on one line.
    pub fn one_line(&self, sources: &SourceMap) -> String {
        format!(
            "{}: error[{}]: {}",
            sources.location(self.span),
            self.kind.code(),
            self.message
        )
    }

    /// Adds a secondary location.
    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }
}

/// Renders diagnostics like a compiler: `error[code]: message`, `--> file:line:col`, the source line,
/// carets under the span and `= help: ...`. Plain text (no colour), one blank line between reports.
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut files = SimpleFiles::new();
    for (_, file) in sources.files() {
        files.add(file.name.as_str(), file.text.as_str());
    }
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    let mut out = String::new();
    for diagnostic in diagnostics {
        let mut labels = vec![
            Label::primary(diagnostic.span.file.0, diagnostic.span.range())
                .with_message(&diagnostic.label),
        ];
        for (span, label) in &diagnostic.related {
            labels.push(Label::secondary(span.file.0, span.range()).with_message(label));
        }
        let mut report = Report::error()
            .with_code(diagnostic.kind.code())
            .with_message(&diagnostic.message)
            .with_labels(labels);
        if let Some(help) = &diagnostic.help {
            report = report.with_notes(vec![format!("help: {help}")]);
        }
        match term::emit_into_string(&config, &files, &report) {
            Ok(text) => out.push_str(&text),
            // A span outside its file can only come from a bug; still say what was wrong.
            Err(_) => {
                out.push_str(&format!(
                    "error[{}]: {}\n  --> {}\n",
                    diagnostic.kind.code(),
                    diagnostic.message,
                    sources.location(diagnostic.span)
                ));
            }
        }
    }
    out
}
