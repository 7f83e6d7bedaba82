//! `wasmcloud:httpserver`: `HttpServer.HandleRequest` (provider → actor).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Contract id.
pub const CONTRACT_ID: &str = "wasmcloud:httpserver";
/// The one operation actors receive.
pub const HANDLE_REQUEST: &str = "HttpServer.HandleRequest";

/// Header name → values.
pub type HeaderMap = HashMap<String, Vec<String>>;

/// An HTTP request handed to an actor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// HTTP method, e.g. `GET`.
    #[serde(default)]
    pub method: String,
    /// Full request path.
    #[serde(default)]
    pub path: String,
    /// Query string without `?` (may be empty).
    #[serde(rename = "queryString", default)]
    pub query_string: String,
    /// Request headers (always present on the wire).
    pub header: HeaderMap,
    /// Request body.
    #[serde(default, with = "serde_bytes")]
    pub body: Vec<u8>,
}

/// An actor's HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    /// Status code (200 when absent).
    #[serde(rename = "statusCode", default = "default_status")]
    pub status_code: u16,
    /// Response headers.
    #[serde(default)]
    pub header: HeaderMap,
    /// Response body.
    #[serde(default, with = "serde_bytes")]
    pub body: Vec<u8>,
}

fn default_status() -> u16 {
    200
}

impl Default for HttpResponse {
    fn default() -> Self {
        Self {
            status_code: 200,
            header: HeaderMap::new(),
            body: Vec::new(),
        }
    }
}
