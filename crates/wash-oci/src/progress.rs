//! Progress reporting hooks: the library says how many bytes moved; the caller decides how to show it.

/// Receives transfer progress. Every method has an empty default, so [`NoProgress`] shows nothing.
pub trait Progress: Send + Sync {
    /// A transfer of `total` bytes starts (`label` is e.g. `Pushing sha256:ab12…`).
    fn begin(&self, _label: &str, _total: u64) {}
    /// `bytes` more bytes moved.
    fn advance(&self, _bytes: u64) {}
    /// The transfer ended (successfully or not).
    fn end(&self) {}
}

/// Shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}
