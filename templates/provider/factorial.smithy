// factorial.smithy — the contract this provider serves: the factorial of a number.

$version: "1.0"

namespace org.wasmcloud.example.factorial

use org.wasmcloud.model#wasmbus
use org.wasmcloud.model#U32
use org.wasmcloud.model#U64

/// Calculates factorials.
@wasmbus(contractId: "{{capability_id}}", providerReceive: true)
service Factorial {
    version: "0.1",
    operations: [Calculate]
}

/// The factorial of the input; fails when the result does not fit in 64 bits.
operation Calculate {
    input: U32,
    output: U64,
}
