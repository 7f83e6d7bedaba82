//! Progress reporting hooks: the library says how many bytes moved; the caller decides how to show it.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;

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

/// An [`AsyncWrite`] that reports every byte written.
pub(crate) struct ProgressWriter<W> {
    pub(crate) inner: W,
    pub(crate) progress: Arc<dyn Progress>,
}

impl<W: AsyncWrite + Unpin> AsyncWrite for ProgressWriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &poll {
            self.progress.advance(*n as u64);
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
