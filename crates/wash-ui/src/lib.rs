//! `wash ui`: a single-page dashboard of one lattice, served on 127.0.0.1 by a small axum backend that
//! talks to the lattice through [`wash_ctl`].
//!
//! The backend keeps one [`LatticeView`] (hosts, actors with their claims, providers with their health,
//! link definitions, recent events and the state of the NATS connection), refreshes it from the control
//! interface whenever a lattice event arrives (and every few seconds), and streams every new view to
//! the page as server-sent events. The page's forms post JSON to the action endpoints, which validate
//! the input ([`forms`]) before anything is sent to the lattice. The page's HTML, CSS and JavaScript are
//! compiled into the binary, so the dashboard works offline.

mod actions;
mod error;
pub mod forms;
mod monitor;
mod routes;
mod uploads;
mod view;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use error::UiError;
pub use view::{
    ActorClaims, ActorView, EventEntry, HostView, LatticeView, NatsStatus, ProviderHealth,
    ProviderView,
};

/// The port `wash ui` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 3030;

/// A bound (not yet serving) dashboard.
pub struct Dashboard {
    listener: tokio::net::TcpListener,
    address: SocketAddr,
    state: Arc<routes::AppState>,
    monitor: monitor::Monitor,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Dashboard {
    /// Binds `127.0.0.1:port` (0 picks a free port) for a dashboard of the lattice `client` talks to.
    /// Files uploaded through the start forms are kept in `uploads_dir` (created on the first upload).
    pub async fn bind(
        client: wash_ctl::CtlClient,
        port: u16,
        uploads_dir: PathBuf,
    ) -> Result<Self, UiError> {
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|source| UiError::Bind { address, source })?;
        let address = listener
            .local_addr()
            .map_err(|source| UiError::Bind { address, source })?;
        let (monitor, views) = monitor::Monitor::new(client.clone());
        let state = Arc::new(routes::AppState {
            client,
            views,
            refresh: monitor.refresh_handle(),
            uploads_dir,
        });
        Ok(Self {
            listener,
            address,
            state,
            monitor,
        })
    }

    /// The address the dashboard listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The page's URL, `http://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.address)
    }

    /// Serves the dashboard until `shutdown` completes (or the server fails).
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<(), UiError> {
        let monitor = tokio::spawn(self.monitor.run());
        let app = routes::router(self.state);
        let result = tokio::select! {
            served = axum::serve(self.listener, app) => served.map_err(UiError::Serve),
            () = shutdown => Ok(()),
        };
        monitor.abort();
        result
    }
}
