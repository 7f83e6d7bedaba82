// httpserver.smithy — the `wasmcloud:httpserver` capability contract: a provider hands HTTP requests
// to actors. Written for wash; names and field numbers match the 0.x interface.

$version: "1.0"

metadata package = [
    {
        namespace: "org.wasmcloud.interface.httpserver",
        crate: "wasmcloud_interface_httpserver",
        py_module: "wasmcloud_interface_httpserver",
        doc: "Httpserver: the wasmcloud:httpserver capability contract",
    }
]

namespace org.wasmcloud.interface.httpserver

use org.wasmcloud.model#U16
use org.wasmcloud.model#codegenRust
use org.wasmcloud.model#n
use org.wasmcloud.model#wasmbus

/// Implemented by actors that answer HTTP requests.
@wasmbus(contractId: "wasmcloud:httpserver", actorReceive: true)
service HttpServer {
    version: "0.1",
    operations: [HandleRequest]
}

/// Handles one HTTP request.
operation HandleRequest {
    input: HttpRequest,
    output: HttpResponse,
}

/// An HTTP request as the provider received it.
structure HttpRequest {
    /// The method: GET, POST, PUT, DELETE, HEAD, OPTIONS, CONNECT, PATCH or TRACE.
    @required
    @n(0)
    method: String,

    /// The whole path.
    @required
    @n(1)
    path: String,

    /// The query string without `?`; empty when there is none.
    @required
    @n(2)
    queryString: String,

    /// Request headers.
    @required
    @n(3)
    header: HeaderMap,

    /// The body; may be empty.
    @required
    @n(4)
    body: Blob,
}

/// The actor's answer. Its `Default` (status 200) is written by hand.
@codegenRust(noDeriveDefault: true)
structure HttpResponse {
    /// The status code, usually 100 to 599.
    @required
    @n(0)
    statusCode: U16,

    /// Response headers.
    @required
    @n(1)
    header: HeaderMap,

    /// The body; may be empty.
    @required
    @n(2)
    body: Blob,
}

/// Header names and their values.
map HeaderMap {
    key: String,
    value: HeaderValues,
}

/// The values of one header.
list HeaderValues {
    member: String
}
