// wasmcloud-core.smithy — the shapes the wasmCloud 0.x runtime itself exchanges.
// Written for wash; member names, serialized names and field numbers match the 0.x runtime.

$version: "1.0"

metadata package = [
    {
        namespace: "org.wasmcloud.core",
        crate: "wasmbus_rpc::core",
        py_module: "wasmbus_rpc.core",
        doc: "wasmCloud runtime data: links, host data, invocations",
    }
]

namespace org.wasmcloud.core

use org.wasmcloud.model#CapabilityContractId
use org.wasmcloud.model#U64
use org.wasmcloud.model#codegenRust
use org.wasmcloud.model#n
use org.wasmcloud.model#nonEmptyString
use org.wasmcloud.model#serialization
use org.wasmcloud.model#wasmbus
use org.wasmcloud.model#wasmbusData

/// Operations every actor answers.
@wasmbus(actorReceive: true)
service Actor {
    version: "0.1",
    operations: [HealthRequest]
}

/// Asks an actor whether it is healthy.
operation HealthRequest {
    input: HealthCheckRequest,
    output: HealthCheckResponse
}

/// Argument of a health check (no fields).
@wasmbusData
structure HealthCheckRequest {}

/// Answer to a health check.
@wasmbusData
structure HealthCheckResponse {
    /// Whether the actor is healthy.
    @n(0)
    healthy: Boolean,

    /// More about the actor's health.
    @n(1)
    message: String,
}

/// A link between an actor and a capability provider.
@wasmbusData
@codegenRust(nonExhaustive: true)
structure LinkDefinition {
    /// The actor's public key.
    @required
    @serialization(name: "actor_id")
    @n(0)
    actorId: String,

    /// The provider's public key.
    @required
    @serialization(name: "provider_id")
    @n(1)
    providerId: String,

    /// The link name.
    @required
    @serialization(name: "link_name")
    @n(2)
    linkName: String,

    /// The capability contract id.
    @required
    @serialization(name: "contract_id")
    @n(3)
    contractId: String,

    /// Link settings.
    @required
    @n(4)
    values: LinkSettings,
}

/// Settings of one link.
map LinkSettings {
    key: String,
    value: String,
}

/// The links of a provider.
list ActorLinks {
    member: LinkDefinition
}

/// What the host hands a capability provider when it starts it.
@wasmbusData
@codegenRust(nonExhaustive: true)
structure HostData {
    @required
    @serialization(name: "host_id")
    @n(0)
    hostId: String,

    @required
    @serialization(name: "lattice_rpc_prefix")
    @n(1)
    latticeRpcPrefix: String,

    @required
    @serialization(name: "link_name")
    @n(2)
    linkName: String,

    @required
    @serialization(name: "lattice_rpc_user_jwt")
    @n(3)
    latticeRpcUserJwt: String,

    @required
    @serialization(name: "lattice_rpc_user_seed")
    @n(4)
    latticeRpcUserSeed: String,

    @required
    @serialization(name: "lattice_rpc_url")
    @n(5)
    latticeRpcUrl: String,

    @required
    @serialization(name: "provider_key")
    @n(6)
    providerKey: String,

    @required
    @serialization(name: "invocation_seed")
    @n(7)
    invocationSeed: String,

    @required
    @serialization(name: "env_values")
    @n(8)
    envValues: HostEnvValues,

    @required
    @serialization(name: "instance_id")
    @n(9)
    instanceId: String,

    /// Links the provider already has.
    @required
    @serialization(name: "link_definitions")
    @n(10)
    linkDefinitions: ActorLinks,

    /// Accounts allowed to sign invocations.
    @required
    @serialization(name: "cluster_issuers")
    @n(11)
    clusterIssuers: ClusterIssuers,

    /// Configuration JSON for the provider's link name.
    @serialization(name: "config_json")
    @n(12)
    configJson: String,

    /// Default RPC timeout of the host, in milliseconds.
    @serialization(name: "default_rpc_timeout_ms")
    @n(13)
    defaultRpcTimeoutMs: U64,

    /// Whether the host logs structured (JSON) lines.
    @serialization(name: "structured_logging")
    @n(14)
    structuredLogging: Boolean,

    /// The level providers should log at.
    @serialization(name: "log_level")
    @n(15)
    logLevel: LogLevel,
}

/// Public keys of cluster issuers.
list ClusterIssuers {
    member: ClusterIssuerKey,
}

/// One cluster issuer's public key.
@nonEmptyString
string ClusterIssuerKey

/// Environment values for a provider.
map HostEnvValues {
    key: String,
    value: String,
}

/// Log levels.
@enum([
    { value: "trace", name: "trace" },
    { value: "debug", name: "debug" },
    { value: "info", name: "info" },
    { value: "warn", name: "warn" },
    { value: "error", name: "error" },
])
string LogLevel

/// A call from one lattice entity to another.
@wasmbusData
@codegenRust(nonExhaustive: true)
structure Invocation {
    @required
    @n(0)
    origin: WasmCloudEntity,

    @required
    @n(1)
    target: WasmCloudEntity,

    @required
    @n(2)
    operation: String,

    @required
    @n(3)
    msg: Blob,

    @required
    @n(4)
    id: String,

    @required
    @serialization(name: "encoded_claims")
    @n(5)
    encodedClaims: String,

    @required
    @serialization(name: "host_id")
    @n(6)
    hostId: String,

    /// Size of the whole message, when it was sent in chunks.
    @serialization(name: "content_length")
    @n(7)
    contentLength: U64,

    /// OpenTelemetry trace context.
    @n(8)
    traceContext: TraceContext,
}

/// An actor or a provider on the lattice.
@wasmbusData
structure WasmCloudEntity {
    @required
    @serialization(name: "public_key")
    @n(0)
    publicKey: String,

    @required
    @serialization(name: "link_name")
    @n(1)
    linkName: String,

    @required
    @serialization(name: "contract_id")
    @n(2)
    contractId: CapabilityContractId,
}

/// The answer to an invocation.
@wasmbusData
@codegenRust(nonExhaustive: true)
structure InvocationResponse {
    /// The serialized result.
    @required
    @n(0)
    msg: Blob,

    /// The invocation this answers.
    @required
    @serialization(name: "invocation_id")
    @n(1)
    invocationId: String,

    /// What went wrong, if anything.
    @n(2)
    error: String,

    /// Size of the whole message, when it was sent in chunks.
    @serialization(name: "content_length")
    @n(3)
    contentLength: U64,
}

/// OpenTelemetry trace context entries.
map TraceContext {
    key: String,
    value: String,
}
