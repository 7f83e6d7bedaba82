//! Well-known capability contract ids and the names `wash claims inspect` shows for them.

/// `wasmcloud:keyvalue` (`-k, --keyvalue`).
pub const KEY_VALUE: &str = "wasmcloud:keyvalue";
/// `wasmcloud:messaging` (`-g, --msg`).
pub const MESSAGING: &str = "wasmcloud:messaging";
/// `wasmcloud:httpclient` (`--http_client`).
pub const HTTP_CLIENT: &str = "wasmcloud:httpclient";
/// `wasmcloud:httpserver` (`--http_server`).
pub const HTTP_SERVER: &str = "wasmcloud:httpserver";
/// `wasmcloud:blobstore` (`-f, --blob_store`).
pub const BLOB: &str = "wasmcloud:blobstore";
/// `wasmcloud:builtin:logging` (`-l, --logging`).
pub const LOGGING: &str = "wasmcloud:builtin:logging";
/// `wasmcloud:eventstreams` (`-e, --events`).
pub const EVENTSTREAMS: &str = "wasmcloud:eventstreams";
/// `wasmcloud:builtin:numbergen` (no flag).
pub const NUMBERGEN: &str = "wasmcloud:builtin:numbergen";

/// The display name of a capability id (`K/V Store`, `HTTP Server`, ...); unknown ids show as themselves.
pub fn display_name(capid: &str) -> &str {
    match capid {
        KEY_VALUE => "K/V Store",
        MESSAGING => "Messaging",
        HTTP_SERVER => "HTTP Server",
        HTTP_CLIENT => "HTTP Client",
        BLOB => "Blob Store",
        LOGGING => "Logging",
        EVENTSTREAMS => "Event Streams",
        NUMBERGEN => "Number Generation",
        other => other,
    }
}
