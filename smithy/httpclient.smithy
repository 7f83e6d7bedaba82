// httpclient.smithy — the `wasmcloud:httpclient` capability contract: actors make outgoing HTTP
// requests. Written for wash; names and field numbers match the 0.x interface.

$version: "1.0"

metadata package = [
    {
        namespace: "org.wasmcloud.interface.httpclient",
        crate: "wasmcloud_interface_httpclient",
        py_module: "wasmcloud_interface_httpclient",
        doc: "Httpclient: the wasmcloud:httpclient capability contract",
    }
]

namespace org.wasmcloud.interface.httpclient

use org.wasmcloud.model#U16
use org.wasmcloud.model#codegenRust
use org.wasmcloud.model#n
use org.wasmcloud.model#wasmbus

/// Sends HTTP requests on behalf of actors.
@wasmbus(contractId: "wasmcloud:httpclient", providerReceive: true)
service HttpClient {
    version: "0.1",
    operations: [Request]
}

/// Sends one request and waits for the response.
operation Request {
    input: HttpRequest,
    output: HttpResponse,
}

/// An outgoing request.
@codegenRust(noDeriveDefault: true)
structure HttpRequest {
    /// The method, e.g. GET.
    @required
    @n(0)
    method: String,

    /// The absolute URL.
    @required
    @n(1)
    url: String,

    /// Request headers.
    @required
    @n(2)
    headers: HeaderMap,

    /// The body; may be empty.
    @required
    @n(3)
    body: Blob,
}

/// The response to an outgoing request.
@codegenRust(noDeriveDefault: true)
structure HttpResponse {
    /// The status code.
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
