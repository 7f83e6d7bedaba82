//! Errors of wash-smithy.

use std::path::PathBuf;

/// What can go wrong loading a model.
#[derive(Debug, thiserror::Error)]
pub enum SmithyError {
    /// A model file or folder could not be read.
    #[error("failed to read `{path}`")]
    Read {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A path given holds no `.smithy` file.
    #[error("no `.smithy` files in `{path}`")]
    NoFiles {
        /// The path.
        path: PathBuf,
    },
    /// The model has errors; `report` is the rendered diagnostics.
    #[error("the model has {count} error{}", if *count == 1 { "" } else { "s" })]
    Invalid {
        /// How many errors.
        count: usize,
        /// All diagnostics, rendered like a compiler's.
        report: String,
    },
}
