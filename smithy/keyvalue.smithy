// keyvalue.smithy — the `wasmcloud:keyvalue` capability contract: values, lists and sets by key.
// Written for wash; operation, member names and field numbers match the 0.x interface.

$version: "1.0"

metadata package = [
    {
        namespace: "org.wasmcloud.interface.keyvalue",
        crate: "wasmcloud_interface_keyvalue",
        py_module: "wasmcloud_interface_keyvalue",
        doc: "Keyvalue: the wasmcloud:keyvalue capability contract",
    }
]

namespace org.wasmcloud.interface.keyvalue

use org.wasmcloud.model#I32
use org.wasmcloud.model#U32
use org.wasmcloud.model#n
use org.wasmcloud.model#rename
use org.wasmcloud.model#wasmbus

/// A key-value store that actors call.
@wasmbus(contractId: "wasmcloud:keyvalue", providerReceive: true)
service KeyValue {
    version: "0.1.1",
    operations: [
        Increment, Contains, Del, Get,
        ListAdd, ListClear, ListDel, ListRange,
        Set, SetAdd, SetDel, SetIntersection, SetQuery, SetUnion, SetClear,
    ]
}

/// Reads the value of a key; `exists` tells whether there was one.
@readonly
operation Get {
    input: String,
    output: GetResponse,
}

/// The result of `Get`.
structure GetResponse {
    /// The value, or an empty string.
    @required
    @n(0)
    value: String,

    /// Whether the key was found.
    @required
    @n(1)
    exists: Boolean,
}

/// Stores a value under a key.
operation Set {
    input: SetRequest,
}

/// Argument of `Set`.
structure SetRequest {
    /// The key.
    @required
    @n(0)
    key: String,

    /// The value.
    @required
    @n(1)
    value: String,

    /// Seconds until the value expires; 0 keeps it forever.
    @required
    @n(2)
    expires: U32,
}

/// Removes a key; true when it was there.
@rename([{ lang: "Python", name: "delete" }])
operation Del {
    input: String,
    output: Boolean,
}

/// Adds to a number stored under a key and returns the new number.
operation Increment {
    input: IncrementRequest,
    output: I32,
}

/// Argument of `Increment`.
structure IncrementRequest {
    /// The key of the number.
    @required
    @n(0)
    key: String,

    /// How much to add (may be negative).
    @required
    @n(1)
    value: I32,
}

/// A list of strings.
list StringList {
    member: String
}

/// Appends to a list and returns its new length.
operation ListAdd {
    input: ListAddRequest,
    output: U32,
}

/// Argument of `ListAdd`.
structure ListAddRequest {
    /// The list.
    @required
    @n(0)
    listName: String,

    /// The value to append.
    @required
    @n(1)
    value: String,
}

/// Removes a value from a list; true when it was there.
operation ListDel {
    input: ListDelRequest,
    output: Boolean,
}

/// Argument of `ListDel`.
structure ListDelRequest {
    /// The list.
    @required
    @n(0)
    listName: String,

    /// The value to remove.
    @required
    @n(1)
    value: String,
}

/// Deletes a list; true when it existed.
operation ListClear {
    input: String,
    output: Boolean,
}

/// Reads a range of a list, both ends included, indexes from 0.
operation ListRange {
    input: ListRangeRequest,
    output: StringList,
}

/// Argument of `ListRange`.
structure ListRangeRequest {
    /// The list.
    @required
    @n(0)
    listName: String,

    /// First index.
    @required
    @n(1)
    start: I32,

    /// Last index (included).
    @required
    @n(2)
    stop: I32,
}

/// Adds a member to a set; returns how many were added (0 or 1).
operation SetAdd {
    input: SetAddRequest,
    output: U32,
}

/// Argument of `SetAdd`.
structure SetAddRequest {
    /// The set.
    @required
    @n(0)
    setName: String,

    /// The member to add.
    @required
    @n(1)
    value: String,
}

/// Removes a member from a set; returns how many were removed (0 or 1).
operation SetDel {
    input: SetDelRequest,
    output: U32,
}

/// Argument of `SetDel`.
structure SetDelRequest {
    /// The set.
    @required
    @n(0)
    setName: String,

    /// The member to remove.
    @required
    @n(1)
    value: String,
}

/// The union of the named sets.
operation SetUnion {
    input: StringList,
    output: StringList,
}

/// The intersection of the named sets.
operation SetIntersection {
    input: StringList,
    output: StringList,
}

/// The members of a set.
operation SetQuery {
    input: String,
    output: StringList,
}

/// Whether a key exists.
@readonly
operation Contains {
    input: String,
    output: Boolean,
}

/// Deletes a set; true when it existed.
operation SetClear {
    input: String,
    output: Boolean,
}
