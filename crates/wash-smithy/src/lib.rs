//! Smithy IDL 1.0 for wasmCloud interfaces: lexer, parser, a merged and resolved model, validation,
//! and compiler-style diagnostics (`file:line:col`, the source line, a caret, a hint).
//!
//! ```
//! let mut sources = wash_smithy::SourceMap::new();
//! sources.add("a.smithy", "namespace a\nstructure A { x: Strin }\n");
//! let loaded = wash_smithy::load(sources);
//! assert_eq!(loaded.diagnostics.len(), 1);
//! assert!(loaded.render_diagnostics().contains("a.smithy:2:18"));
//! ```

pub mod ast;
pub mod diagnostic;
mod error;
pub mod lexer;
pub mod lint;
pub mod model;
pub mod parser;
mod resolve;
pub mod source;
mod validate;

use std::path::{Path, PathBuf};

pub use diagnostic::{render, Diagnostic, DiagnosticKind};
pub use error::SmithyError;
pub use lint::{lint, LintIssue, LintRule};
pub use model::{
    documentation, trait_value, AppliedTrait, Member, Model, Reference, Shape, ShapeId, ShapeKind,
};
pub use source::{FileId, SourceFile, SourceMap, Span};
pub use validate::validate;

/// A model read from its files, with every problem found.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The files, for rendering diagnostics.
    pub sources: SourceMap,
    /// The merged model (prelude included); partial when there are errors.
    pub model: Model,
    /// Every error, ordered by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Whether any error was found.
    pub fn has_errors(&self) -> bool {
        !self.diagnostics.is_empty()
    }

    /// All diagnostics rendered like a compiler's.
    pub fn render_diagnostics(&self) -> String {
        render(&self.sources, &self.diagnostics)
    }

    /// The model, or [`SmithyError::Invalid`] with the rendered diagnostics.
    pub fn into_model(self) -> Result<Model, SmithyError> {
        if self.has_errors() {
            return Err(SmithyError::Invalid {
                count: self.diagnostics.len(),
                report: self.render_diagnostics(),
            });
        }
        Ok(self.model)
    }
}

/// Parses every file of `sources`, merges them with the prelude, resolves names and validates.
pub fn load(sources: SourceMap) -> Loaded {
    let mut diagnostics = Vec::new();
    let mut asts = Vec::new();
    for (id, file) in sources.files() {
        let (ast, errors) = parser::parse_file(id, &file.text);
        diagnostics.extend(errors);
        asts.push(ast);
    }
    let mut model = prelude().clone();
    resolve::merge(&mut model, &asts, &mut diagnostics);
    diagnostics.extend(validate(&model));
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start, d.span.end));
    diagnostics.dedup();
    Loaded {
        sources,
        model,
        diagnostics,
    }
}

/// The prelude model (`smithy.api`), built once.
pub fn prelude() -> &'static Model {
    static PRELUDE: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
    PRELUDE.get_or_init(resolve::prelude)
}

/// Reads the `.smithy` files named by `paths` (a folder means every `.smithy` file under it, sorted)
/// into a [`SourceMap`], each named by its path as given.
pub fn read_sources(paths: &[PathBuf]) -> Result<SourceMap, SmithyError> {
    let mut sources = SourceMap::new();
    for path in paths {
        let mut files = Vec::new();
        collect(path, &mut files)?;
        if files.is_empty() {
            return Err(SmithyError::NoFiles { path: path.clone() });
        }
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|source| SmithyError::Read {
                path: file.clone(),
                source,
            })?;
            sources.add(file.display().to_string(), text);
        }
    }
    Ok(sources)
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), SmithyError> {
    let read_error = |source| SmithyError::Read {
        path: path.to_path_buf(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    if !metadata.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(read_error)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(read_error)?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            collect(&entry, out)?;
        } else if entry.extension().is_some_and(|e| e == "smithy") {
            out.push(entry);
        }
    }
    Ok(())
}
