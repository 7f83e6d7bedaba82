// logging.smithy — the `wasmcloud:builtin:logging` contract: actors write log lines through the
// host. Written for wash; names and field numbers match the 0.x interface.

$version: "1.0"

metadata package = [
    {
        namespace: "org.wasmcloud.interface.logging",
        crate: "wasmcloud_interface_logging",
        py_module: "wasmcloud_interface_logging",
        doc: "Logging: log lines from actors through the host",
    }
]

namespace org.wasmcloud.interface.logging

use org.wasmcloud.model#n
use org.wasmcloud.model#wasmbus

/// Logging built into the host.
@wasmbus(contractId: "wasmcloud:builtin:logging", providerReceive: true)
service Logging {
    version: "0.1",
    operations: [WriteLog]
}

/// Writes one log line.
operation WriteLog {
    input: LogEntry,
}

/// One log line.
structure LogEntry {
    /// One of `trace`, `debug`, `info`, `warn`, `error`.
    @required
    @n(0)
    level: String,

    /// The message.
    @required
    @n(1)
    text: String,
}
