//! Rust bindings of `factorial.smithy` (namespace `org.wasmcloud.example.factorial`).
//!
//! Written in the shape `wash gen` produces (`codegen.toml` names this file): the service trait,
//! a `...Receiver` that dispatches `Factorial.<Operation>` messages to it, and a `...Sender` that
//! calls a provider of the contract over any `Transport`. Regenerate after editing the Smithy file.

#![allow(dead_code)]

use std::borrow::Cow;

use async_trait::async_trait;
use wasmbus_rpc::common::{deserialize, serialize, Context, Message, MessageDispatch, Transport};
use wasmbus_rpc::error::{RpcError, RpcResult};

/// The capability contract id of the `Factorial` service.
pub const CONTRACT_ID: &str = "{{capability_id}}";

/// Calculates factorials.
#[async_trait]
pub trait Factorial {
    /// The capability contract id this service belongs to.
    fn contract_id() -> &'static str {
        CONTRACT_ID
    }

    /// The factorial of the input; fails when the result does not fit in 64 bits.
    async fn calculate(&self, ctx: &Context, arg: &u32) -> RpcResult<u64>;
}

/// Dispatches messages addressed to the `Factorial` service to its trait methods.
#[doc(hidden)]
#[async_trait]
pub trait FactorialReceiver: MessageDispatch + Factorial {
    /// Decodes the argument of `message`, calls the operation it names and encodes the result.
    async fn dispatch(&self, ctx: &Context, message: Message<'_>) -> Result<Vec<u8>, RpcError> {
        match message.method {
            "Calculate" => {
                let value: u32 = deserialize(&message.arg)
                    .map_err(|e| RpcError::Deser(format!("'U32': {e}")))?;
                let reply = Factorial::calculate(self, ctx, &value).await?;
                Ok(serialize(&reply)?)
            }
            other => Err(RpcError::MethodNotHandled(format!("Factorial::{other}"))),
        }
    }
}

/// Sends `Factorial` messages over a transport (from an actor: to the linked provider).
#[derive(Clone, Debug)]
pub struct FactorialSender<T: Transport> {
    transport: T,
}

impl<T: Transport> FactorialSender<T> {
    /// A sender that uses `transport`.
    pub fn via(transport: T) -> Self {
        Self { transport }
    }

    /// Sets how long a call may take before it fails.
    pub fn set_timeout(&self, interval: std::time::Duration) {
        self.transport.set_timeout(interval);
    }
}

#[async_trait]
impl<T: Transport + Sync + Send> Factorial for FactorialSender<T> {
    async fn calculate(&self, ctx: &Context, arg: &u32) -> RpcResult<u64> {
        let buf = serialize(arg)?;
        let message = Message {
            method: "Factorial.Calculate",
            arg: Cow::Borrowed(&buf),
        };
        let reply = self.transport.send(ctx, message, None).await?;
        deserialize(&reply).map_err(|e| RpcError::Deser(format!("'U64': {e}")))
    }
}
