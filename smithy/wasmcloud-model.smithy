// wasmcloud-model.smithy — traits and number synonyms that wasmCloud interface models build on.
// Written for wash; names match the 0.x model so generated code and wire formats line up.

$version: "1.0"

// Where generated code finds the symbols of this namespace.
metadata package = [
    {
        namespace: "org.wasmcloud.model",
        crate: "wasmbus_rpc::model",
        py_module: "wasmbus_rpc.model",
        doc: "wasmCloud base model: number synonyms and code generation traits",
    }
]

namespace org.wasmcloud.model

/// Serializer settings for one member.
@trait(selector: "member")
structure serialization {
    /// Field name on the wire; without it the declared member name is used verbatim.
    name: String,
}

/// Zero-based field number of a structure member, used for array-style (CBOR) encodings.
/// Numbers need not be consecutive; every member of a numbered structure has one.
@trait(selector: "structure > member")
@range(min: 0)
short n

/// Marks a number shape as unsigned.
@trait(selector: "long,integer,short,byte")
@range(min: 0)
structure unsignedInt {}

/// A string of at least one character.
@trait(selector: "string")
@length(min: 1)
string nonEmptyString

/// Documents that a shape is only another name for its base type.
@trait
structure synonym {}

/// Signed 64-bit integer.
@synonym
long I64

/// Unsigned 64-bit integer.
@unsignedInt
long U64

/// Signed 32-bit integer.
@synonym
integer I32

/// Unsigned 32-bit integer.
@unsignedInt
integer U32

/// Signed 16-bit integer.
@synonym
short I16

/// Unsigned 16-bit integer.
@unsignedInt
short U16

/// Signed 8-bit integer.
@synonym
byte I8

/// Unsigned 8-bit integer.
@unsignedInt
byte U8

/// 32-bit floating point number.
@synonym
float F32

/// 64-bit floating point number.
@synonym
double F64

/// Tweaks for the Rust code generator.
@trait(selector: "*")
structure codegenRust {
    /// Do not derive `Default`.
    noDeriveDefault: Boolean,

    /// Do not derive `Eq`.
    noDeriveEq: Boolean,

    /// Mark the generated struct `#[non_exhaustive]`.
    nonExhaustive: Boolean,

    /// Generate nothing: the item is written by hand.
    skip: Boolean,
}

/// Names the base shapes a structure extends.
@trait(selector: "structure")
structure extends {
    base: IdentifierList,
}

/// A list of shape identifiers (code generation only).
list IdentifierList {
    member: String,
}

/// The wasmbus protocol: how actors and providers exchange a service's messages.
@trait(selector: "service")
@protocolDefinition
structure wasmbus {
    /// Capability contract id such as `wasmcloud:keyvalue`; needed for providerReceive.
    contractId: CapabilityContractId,
    /// Actors implement this service.
    actorReceive: Boolean,
    /// Capability providers implement this service.
    providerReceive: Boolean,
    /// Binary message protocol version; unset means "0" (MessagePack).
    protocol: String,
}

/// Marks data sent over wasmbus.
@trait(selector: "simpleType,list,set,map,structure,union")
structure wasmbusData {}

/// A capability contract id, e.g. `wasmcloud:httpserver`.
@nonEmptyString
string CapabilityContractId

/// One entry of `@rename`: the name to use in one target language.
@trait
structure renameItem {
    /// Target language.
    @required
    lang: String,
    /// Name in that language.
    @required
    name: String,
}

/// Renames an operation or member in some target languages (e.g. to avoid a keyword).
@trait(selector: "operation, structure > member")
list rename {
    member: renameItem
}

/// The empty type: no value on the wire.
@codegenRust(skip: true)
structure Unit {}
