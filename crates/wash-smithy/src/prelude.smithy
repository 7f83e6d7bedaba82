// The parts of the Smithy 1.0 prelude (`smithy.api`) that wasmCloud models use, parsed at start-up by
// wash-smithy itself. Selectors are in the subset `validate.rs` understands.
namespace smithy.api

string String
blob Blob
boolean Boolean
byte Byte
short Short
integer Integer
long Long
float Float
double Double
bigInteger BigInteger
bigDecimal BigDecimal
timestamp Timestamp
document Document
boolean PrimitiveBoolean
byte PrimitiveByte
short PrimitiveShort
integer PrimitiveInteger
long PrimitiveLong
float PrimitiveFloat
double PrimitiveDouble
structure Unit {}

@trait(selector: "*")
structure trait { selector: String, structurallyExclusive: String, conflicts: NonEmptyStringList }
list NonEmptyStringList { member: String }

@trait(selector: "*")
string documentation

@trait(selector: "structure > member")
structure required {}

@trait(selector: "operation")
structure readonly {}

@trait(selector: "operation")
structure idempotent {}

@trait(selector: ":test(member > :test(boolean, number), boolean, number)")
structure box {}

@trait(selector: "string")
list enum { member: EnumDefinition }
structure EnumDefinition { value: String, name: String, documentation: String, tags: NonEmptyStringList, deprecated: Boolean }

@trait(selector: ":test(number, member > number)")
structure range { min: BigDecimal, max: BigDecimal }

@trait(selector: ":test(list, map, string, blob, member > :is(list, map, string, blob))")
structure length { min: Long, max: Long }

@trait(selector: ":test(string, member > string)")
string pattern

@trait(selector: ":not(:is(service, operation, resource))")
structure sensitive {}

@trait(selector: "*")
structure deprecated { message: String, since: String }

@trait(selector: "*")
list tags { member: String }

@trait(selector: ":is(service, resource, operation, structure, union)")
string title

@trait(selector: "*")
string since

@trait(selector: "*")
map externalDocumentation { key: String, value: String }

@trait(selector: "structure")
string error

@trait(selector: "*")
structure unstable {}

@trait(selector: "*")
structure private {}

@trait(selector: "*")
structure internal {}

@trait(selector: "[trait|trait]")
structure protocolDefinition { traits: NonEmptyStringList, noInlineDocumentSupport: Boolean }

@trait(selector: "member")
string jsonName

@trait(selector: "timestamp")
string timestampFormat

@trait(selector: "operation")
structure http { method: String, uri: String, code: Integer }

@trait(selector: "member")
string httpHeader

@trait(selector: "member")
structure httpLabel {}

@trait(selector: "member")
string httpQuery

@trait(selector: "member")
structure httpPayload {}

@trait(selector: "member")
structure idempotencyToken {}

@trait(selector: "*")
list suppress { member: String }
