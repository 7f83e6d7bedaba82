// numbergen.smithy — the `wasmcloud:builtin:numbergen` contract: GUIDs and random numbers, served
// by the host itself. Written for wash; names and field numbers match the 0.x interface.

$version: "1.0"

metadata package = [
    {
        namespace: "org.wasmcloud.interface.numbergen",
        crate: "wasmcloud_interface_numbergen",
        py_module: "wasmcloud_interface_numbergen",
        doc: "Numbergen: GUIDs and random numbers from the host",
    }
]

namespace org.wasmcloud.interface.numbergen

use org.wasmcloud.model#U32
use org.wasmcloud.model#n
use org.wasmcloud.model#wasmbus

/// Number generation built into the host.
@wasmbus(contractId: "wasmcloud:builtin:numbergen", providerReceive: true)
service NumberGen {
    version: "0.1",
    operations: [GenerateGuid, RandomInRange, Random32]
}

/// A new version 4 GUID as a string.
operation GenerateGuid {
    output: String,
}

/// A random number between `min` and `max`, both included.
operation RandomInRange {
    input: RangeLimit,
    output: U32,
}

/// A random 32-bit number.
operation Random32 {
    output: U32,
}

/// Bounds of `RandomInRange`.
structure RangeLimit {
    /// Lowest value.
    @required
    @n(0)
    min: U32,

    /// Highest value (included).
    @required
    @n(1)
    max: U32,
}
