// messaging.smithy — the `wasmcloud:messaging` capability contract: publish, request/reply, and
// messages delivered to subscribed actors. Written for wash; names and field numbers match 0.x.

$version: "1.0"

metadata package = [
    {
        namespace: "org.wasmcloud.interface.messaging",
        crate: "wasmcloud_interface_messaging",
        py_module: "wasmcloud_interface_messaging",
        doc: "Messaging: the wasmcloud:messaging capability contract",
    }
]

namespace org.wasmcloud.interface.messaging

use org.wasmcloud.model#U32
use org.wasmcloud.model#n
use org.wasmcloud.model#wasmbus

/// Publishing and requests, served by a provider.
@wasmbus(contractId: "wasmcloud:messaging", providerReceive: true)
service Messaging {
    version: "0.1",
    operations: [Publish, Request]
}

/// Delivery of subscribed messages, served by actors.
@wasmbus(contractId: "wasmcloud:messaging", actorReceive: true)
service MessageSubscriber {
    version: "0.1",
    operations: [HandleMessage]
}

/// Publishes a message; nothing comes back.
operation Publish {
    input: PubMessage,
}

/// Sends a request and waits for one reply.
operation Request {
    input: RequestMessage,
    output: ReplyMessage,
}

/// Hands a message on a subscribed subject to an actor.
operation HandleMessage {
    input: SubMessage,
}

/// A message to publish.
structure PubMessage {
    /// The subject.
    @required
    @n(0)
    subject: String,

    /// Where replies go, if anywhere.
    @n(1)
    replyTo: String,

    /// The payload.
    @required
    @n(2)
    body: Blob,
}

/// A reply to a request.
structure ReplyMessage {
    /// The subject.
    @required
    @n(0)
    subject: String,

    /// Where replies go, if anywhere.
    @n(1)
    replyTo: String,

    /// The payload.
    @required
    @n(2)
    body: Blob,
}

/// A message received on a subscription.
structure SubMessage {
    /// The subject.
    @required
    @n(0)
    subject: String,

    /// Where replies go, if anywhere.
    @n(1)
    replyTo: String,

    /// The payload.
    @required
    @n(2)
    body: Blob,
}

/// A request that expects a reply.
structure RequestMessage {
    /// The subject.
    @required
    @n(0)
    subject: String,

    /// The payload.
    @required
    @n(1)
    body: Blob,

    /// How long to wait for the reply, in milliseconds.
    @required
    @n(2)
    timeoutMs: U32,
}
