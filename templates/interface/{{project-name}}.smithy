// {{project-name}}.smithy — the contract: edit it, then `wash build` regenerates src/{{crate_name}}.rs.

$version: "1.0"

namespace org.wasmcloud.example.{{crate_name}}

use org.wasmcloud.model#wasmbus
use org.wasmcloud.model#n

/// Greets whoever asks.
@wasmbus(contractId: "wasmcloud:example:{{crate_name}}", providerReceive: true)
service {{project-name | pascal_case}} {
    version: "0.1",
    operations: [Greet]
}

/// A greeting for the given name.
operation Greet {
    input: GreetRequest,
    output: GreetReply,
}

/// Who to greet.
structure GreetRequest {
    /// The name to put in the greeting.
    @required
    @n(0)
    name: String,
}

/// The greeting.
structure GreetReply {
    /// The whole greeting, e.g. `Hello, Ada!`.
    @required
    @n(0)
    message: String,
}
