//! Errors of the dashboard server (the page's own errors are [`crate::forms::FormError`] and the
//! lattice's answers, shown in the page).

use std::net::SocketAddr;

/// The dashboard could not be started or stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// The address could not be bound (taken, or not allowed).
    #[error("cannot listen on `{address}`: {source}; pick another port with `--port`")]
    Bind {
        /// The address tried.
        address: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP server failed while serving.
    #[error("the dashboard's HTTP server failed: {0}")]
    Serve(#[source] std::io::Error),
}
