//! The HTTP surface: the page and its assets (compiled in), the current view as JSON, the stream of
//! views as server-sent events, and one POST endpoint per form.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use async_nats::connection::State as NatsState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use futures::Stream;
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use wash_ctl::CtlClient;

use crate::actions::{self, ActionError, ActionResult};
use crate::monitor::RefreshHandle;
use crate::uploads::{self, UploadKind};
use crate::view::LatticeView;

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");
const FAVICON_SVG: &str = include_str!("../assets/favicon.svg");

/// What every handler shares.
pub(crate) struct AppState {
    pub(crate) client: CtlClient,
    pub(crate) views: watch::Receiver<Arc<LatticeView>>,
    pub(crate) refresh: RefreshHandle,
    /// Where files uploaded through the start forms are kept.
    pub(crate) uploads_dir: std::path::PathBuf,
}

type Shared = Arc<AppState>;

/// The dashboard's routes.
pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { asset(INDEX_HTML, "text/html; charset=utf-8") }),
        )
        .route(
            "/assets/app.js",
            get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/assets/app.css",
            get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/favicon.svg",
            get(|| async { asset(FAVICON_SVG, "image/svg+xml") }),
        )
        .route("/api/view", get(current_view))
        .route("/api/events", get(view_stream))
        .route("/api/actors/start", post(start_actor))
        .route("/api/actors/scale", post(scale_actor))
        .route("/api/actors/stop", post(stop_actor))
        .route("/api/providers/start", post(start_provider))
        .route("/api/providers/stop", post(stop_provider))
        .route("/api/links/put", post(put_link))
        .route("/api/links/delete", post(delete_link))
        .route(
            "/api/uploads/{kind}",
            post(upload).layer(DefaultBodyLimit::max(uploads::MAX_UPLOAD_BYTES)),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found: the dashboard is at /") })
        .layer(axum::middleware::from_fn(refuse_other_origins))
        .with_state(state)
}

/// Guards a dashboard that listens on loopback against other sites' pages in the same browser: a
/// request whose `Host` is not a loopback name (DNS rebinding) is refused, and so is a POST whose
/// `Origin` is not this dashboard (a cross-site form or fetch), so no web page can read the lattice,
/// start actors or drop files through `wash ui`. Clients that send no `Origin` (curl, scripts) are
/// served.
async fn refuse_other_origins(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let host_name = host.rsplit_once(':').map_or(host, |(name, _port)| name);
    if !matches!(host_name, "127.0.0.1" | "localhost" | "[::1]") {
        return error_response(ActionError {
            status: 403,
            error: format!(
                "refused a request for host `{host}`: open the dashboard at http://127.0.0.1:<port>/"
            ),
            field: None,
        });
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if request.method() == axum::http::Method::POST {
        if let Some(origin) = origin.filter(|origin| *origin != format!("http://{host}")) {
            return error_response(ActionError {
                status: 403,
                error: format!(
                    "refused a request from `{origin}`: only the dashboard's own page may change the lattice"
                ),
                field: None,
            });
        }
    }
    next.run(request).await
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response()
}

async fn current_view(State(state): State<Shared>) -> Response {
    let view = state.views.borrow().clone();
    json_response(StatusCode::OK, &*view)
}

/// Every new view as an SSE `view` event, starting with the current one.
async fn view_stream(
    State(state): State<Shared>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut views = state.views.clone();
    views.mark_changed();
    let stream = futures::stream::unfold(views, |mut views| async move {
        views.changed().await.ok()?;
        let view = views.borrow_and_update().clone();
        let data = serde_json::to_string(&*view).unwrap_or_else(|_| "{}".into());
        Some((Ok(Event::default().event("view").data(data)), views))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(10)))
}

/// Decodes a form's JSON body, runs the action if NATS is up, asks for a refresh, and answers
/// `{"ok": true, "message": …}` or `{"error": …, "field": …}`.
async fn act<F, Fut>(
    state: &AppState,
    body: &Bytes,
    action: impl FnOnce(CtlClient, F) -> Fut,
) -> Response
where
    F: DeserializeOwned,
    Fut: std::future::Future<Output = ActionResult>,
{
    let form: F = match serde_json::from_slice(body) {
        Ok(form) => form,
        Err(err) => {
            return error_response(ActionError::bad_request(format!(
                "the form could not be read ({err}): reload the page and try again"
            )))
        }
    };
    if state.client.nats().connection_state() != NatsState::Connected {
        return error_response(ActionError::nats_down(state.client.url()));
    }
    let result = action(state.client.clone(), form).await;
    state.refresh.refresh();
    match result {
        Ok(message) => json_response(
            StatusCode::OK,
            &serde_json::json!({ "ok": true, "message": message }),
        ),
        Err(err) => error_response(err),
    }
}

fn error_response(err: ActionError) -> Response {
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, &err)
}

async fn start_actor(State(state): State<Shared>, body: Bytes) -> Response {
    act(&state, &body, |c, f| async move {
        actions::start_actor(&c, f).await
    })
    .await
}

async fn start_provider(State(state): State<Shared>, body: Bytes) -> Response {
    act(&state, &body, |c, f| async move {
        actions::start_provider(&c, f).await
    })
    .await
}

async fn scale_actor(State(state): State<Shared>, body: Bytes) -> Response {
    act(&state, &body, |c, f| async move {
        actions::scale_actor(&c, f).await
    })
    .await
}

async fn stop_actor(State(state): State<Shared>, body: Bytes) -> Response {
    act(&state, &body, |c, f| async move {
        actions::stop_actor(&c, f).await
    })
    .await
}

async fn stop_provider(State(state): State<Shared>, body: Bytes) -> Response {
    act(&state, &body, |c, f| async move {
        actions::stop_provider(&c, f).await
    })
    .await
}

async fn put_link(State(state): State<Shared>, body: Bytes) -> Response {
    act(&state, &body, |c, f| async move {
        actions::put_link(&c, f).await
    })
    .await
}

async fn delete_link(State(state): State<Shared>, body: Bytes) -> Response {
    act(&state, &body, |c, f| async move {
        actions::delete_link(&c, f).await
    })
    .await
}

/// `POST /api/uploads/{actor|provider}`: the raw bytes of a file chosen in a start form (its name in
/// the `x-file-name` header); answers `{"ok": true, "path": …, "message": …}` with the path to start
/// it from, or `{"error": …}`.
async fn upload(
    State(state): State<Shared>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(kind) = UploadKind::from_path_segment(&kind) else {
        return error_response(ActionError {
            status: 404,
            error: format!("`{kind}` uploads do not exist: upload an `actor` or a `provider`"),
            field: None,
        });
    };
    let name = headers
        .get("x-file-name")
        .and_then(|value| value.to_str().ok())
        .map(uploads::decode_file_name)
        .unwrap_or_default();
    let dir = state.uploads_dir.clone();
    let size = body.len();
    let shown = name.clone();
    let saved = tokio::task::spawn_blocking(move || uploads::save(&dir, kind, &name, &body)).await;
    match saved {
        Ok(Ok(path)) => json_response(
            StatusCode::OK,
            &serde_json::json!({
                "ok": true,
                "path": path,
                "message": format!("uploaded {shown} ({size} bytes): press the start button to run it"),
            }),
        ),
        Ok(Err(err)) => error_response(err),
        Err(err) => error_response(ActionError::server_error(format!(
            "the upload failed: {err}"
        ))),
    }
}
