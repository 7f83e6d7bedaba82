//! Rust bindings of `{{project-name}}.smithy` (namespace `org.wasmcloud.example.{{crate_name}}`).
//!
//! The shape `wash gen` produces: one struct per structure (serde, field names as on the wire), the
//! service trait, a `...Receiver` that dispatches `{{project-name | pascal_case}}.<Operation>` messages to
//! it, and a `...Sender` that calls a provider of the contract over any `Transport`.

#![allow(dead_code)]

use std::borrow::Cow;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use wasmbus_rpc::common::{deserialize, serialize, Context, Message, MessageDispatch, Transport};
use wasmbus_rpc::error::{RpcError, RpcResult};

/// The capability contract id of the `{{project-name | pascal_case}}` service.
pub const CONTRACT_ID: &str = "wasmcloud:example:{{crate_name}}";

/// Who to greet.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct GreetRequest {
    /// The name to put in the greeting.
    #[serde(default)]
    pub name: String,
}

/// The greeting.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct GreetReply {
    /// The whole greeting, e.g. `Hello, Ada!`.
    #[serde(default)]
    pub message: String,
}

/// Greets whoever asks.
#[async_trait]
pub trait {{project-name | pascal_case}} {
    /// The capability contract id this service belongs to.
    fn contract_id() -> &'static str {
        CONTRACT_ID
    }

    /// A greeting for the given name.
    async fn greet(&self, ctx: &Context, arg: &GreetRequest) -> RpcResult<GreetReply>;
}

/// Dispatches messages addressed to the `{{project-name | pascal_case}}` service to its trait methods.
#[doc(hidden)]
#[async_trait]
pub trait {{project-name | pascal_case}}Receiver: MessageDispatch + {{project-name | pascal_case}} {
    /// Decodes the argument of `message`, calls the operation it names and encodes the result.
    async fn dispatch(&self, ctx: &Context, message: Message<'_>) -> Result<Vec<u8>, RpcError> {
        match message.method {
            "Greet" => {
                let value: GreetRequest = deserialize(&message.arg)
                    .map_err(|e| RpcError::Deser(format!("'GreetRequest': {e}")))?;
                let reply = {{project-name | pascal_case}}::greet(self, ctx, &value).await?;
                Ok(serialize(&reply)?)
            }
            other => Err(RpcError::MethodNotHandled(format!(
                "{{project-name | pascal_case}}::{other}"
            ))),
        }
    }
}

/// Sends `{{project-name | pascal_case}}` messages over a transport (from an actor: to the linked provider).
#[derive(Clone, Debug)]
pub struct {{project-name | pascal_case}}Sender<T: Transport> {
    transport: T,
}

impl<T: Transport> {{project-name | pascal_case}}Sender<T> {
    /// A sender that uses `transport`.
    pub fn via(transport: T) -> Self {
        Self { transport }
    }

    /// Sets how long a call may take before it fails.
    pub fn set_timeout(&self, interval: std::time::Duration) {
        self.transport.set_timeout(interval);
    }
}

#[cfg(target_arch = "wasm32")]
impl {{project-name | pascal_case}}Sender<wasmbus_rpc::actor::prelude::WasmHost> {
    /// A sender to the provider linked to the calling actor under the link name `default`.
    pub fn new() -> Self {
        Self::new_with_link("default").expect("the `default` link name is valid")
    }

    /// A sender to the provider linked to the calling actor under `link_name`.
    pub fn new_with_link(link_name: &str) -> RpcResult<Self> {
        let transport = wasmbus_rpc::actor::prelude::WasmHost::to_provider(CONTRACT_ID, link_name)?;
        Ok(Self { transport })
    }
}

#[async_trait]
impl<T: Transport + Sync + Send> {{project-name | pascal_case}} for {{project-name | pascal_case}}Sender<T> {
    async fn greet(&self, ctx: &Context, arg: &GreetRequest) -> RpcResult<GreetReply> {
        let buf = serialize(arg)?;
        let message = Message {
            method: "{{project-name | pascal_case}}.Greet",
            arg: Cow::Borrowed(&buf),
        };
        let reply = self.transport.send(ctx, message, None).await?;
        deserialize(&reply).map_err(|e| RpcError::Deser(format!("'GreetReply': {e}")))
    }
}
