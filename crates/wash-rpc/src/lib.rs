//! The lattice RPC transport that every sender and receiver of invocations shares: payloads over
//! 900 KiB travel through the JetStream object store named after the lattice (`spec/rpc.md` §6), the
//! way wasmbus-rpc 0.15 moves them, so our host, our providers, `wash call` and the official 0.x
//! crates read each other's chunked requests and replies.
//!
//! A sender signs the invocation over the whole payload, then [`ChunkStore::chunk_request`]; the
//! receiver [`ChunkStore::dechunk_request`]s before validating. The responder builds its reply with
//! [`ChunkStore::respond`]; the requester reads it with [`ChunkStore::dechunk_response`].

use std::time::Duration;

use async_nats::jetstream::object_store::{Config, ObjectStore};
use tokio::io::AsyncReadExt as _;
use tokio::sync::OnceCell;
use wash_wire::{Invocation, InvocationResponse, CHUNK_THRESHOLD_BYTES};

/// Extra time a chunked request gets on top of the RPC timeout (as wasmbus-rpc: moving megabytes
/// through JetStream takes longer than one message).
pub const CHUNKED_EXTRA: Duration = Duration::from_secs(13);

/// A chunked payload could not be stored in or read from the lattice's object store.
#[derive(Debug, thiserror::Error)]
#[error("object store `{bucket}` failed for `{object}`: {message}")]
pub struct ChunkError {
    /// The bucket (the lattice id).
    pub bucket: String,
    /// The object name (`<invocation id>`, or `<invocation id>-r` for a reply).
    pub object: String,
    /// What went wrong.
    pub message: String,
}

/// The lattice's object store, opened (or created) on first use: cheap until a large payload comes.
pub struct ChunkStore {
    client: async_nats::Client,
    bucket: String,
    store: OnceCell<ObjectStore>,
}

impl std::fmt::Debug for ChunkStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkStore")
            .field("bucket", &self.bucket)
            .field("opened", &self.store.initialized())
            .finish()
    }
}

/// The object name of an invocation's chunked reply.
fn response_object(invocation_id: &str) -> String {
    format!("{invocation_id}-r")
}

impl ChunkStore {
    /// A store for `lattice`, not yet opened.
    pub fn new(client: async_nats::Client, lattice: &str) -> Self {
        Self {
            client,
            bucket: lattice.to_owned(),
            store: OnceCell::new(),
        }
    }

    fn error(&self, object: &str, message: impl ToString) -> ChunkError {
        ChunkError {
            bucket: self.bucket.clone(),
            object: object.to_owned(),
            message: message.to_string(),
        }
    }

    async fn open(&self, object: &str) -> Result<&ObjectStore, ChunkError> {
        self.store
            .get_or_try_init(|| async {
                let js = async_nats::jetstream::new(self.client.clone());
                match js.get_object_store(&self.bucket).await {
                    Ok(store) => Ok(store),
                    Err(_) => js
                        .create_object_store(Config {
                            bucket: self.bucket.clone(),
                            ..Config::default()
                        })
                        .await
                        .map_err(|e| self.error(object, e)),
                }
            })
            .await
    }

    /// Stores `bytes` as object `name`.
    pub async fn put(&self, name: &str, bytes: &[u8]) -> Result<(), ChunkError> {
        let store = self.open(name).await?;
        let mut reader = bytes;
        store
            .put(name, &mut reader)
            .await
            .map_err(|e| self.error(name, e))?;
        Ok(())
    }

    /// Reads object `name` and deletes it (each chunked payload is read exactly once).
    pub async fn take(&self, name: &str) -> Result<Vec<u8>, ChunkError> {
        let store = self.open(name).await?;
        let mut object = store.get(name).await.map_err(|e| self.error(name, e))?;
        let mut bytes = Vec::new();
        object
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| self.error(name, e))?;
        if let Err(e) = store.delete(name).await {
            tracing::warn!(object = name, error = %e, "failed to delete chunked payload");
        }
        Ok(bytes)
    }

    /// Sets `content_length` and, when the payload is over the threshold, moves it to the object store
    /// (call after signing: the token's hash covers the whole payload). Returns whether it was chunked,
    /// which earns the request [`CHUNKED_EXTRA`] time.
    pub async fn chunk_request(&self, invocation: &mut Invocation) -> Result<bool, ChunkError> {
        invocation.content_length = Some(invocation.msg.len() as u64);
        if invocation.msg.len() <= CHUNK_THRESHOLD_BYTES {
            return Ok(false);
        }
        self.put(&invocation.id, &invocation.msg).await?;
        invocation.msg = Vec::new();
        Ok(true)
    }

    /// Reads a chunked invocation's payload back into `msg` (before validating: the token's hash covers
    /// the whole payload). An invocation that was not chunked is left as it is.
    pub async fn dechunk_request(&self, invocation: &mut Invocation) -> Result<(), ChunkError> {
        if is_chunked(invocation.content_length, invocation.msg.len()) {
            invocation.msg = self.take(&invocation.id).await?;
        }
        Ok(())
    }

    /// The reply carrying `result`: in the message, or, over the threshold, in the object store with
    /// only its length in the message. A result that cannot be stored becomes an error reply.
    pub async fn respond(&self, invocation_id: &str, result: Vec<u8>) -> InvocationResponse {
        if result.len() <= CHUNK_THRESHOLD_BYTES {
            return InvocationResponse::success(invocation_id, result);
        }
        match self.put(&response_object(invocation_id), &result).await {
            Ok(()) => InvocationResponse {
                msg: Vec::new(),
                invocation_id: invocation_id.to_owned(),
                error: None,
                content_length: Some(result.len() as u64),
            },
            Err(e) => InvocationResponse::failure(invocation_id, e.to_string()),
        }
    }

    /// The result of a reply to `invocation_id`: its error, its message, or its chunked result read
    /// from the object store.
    pub async fn dechunk_response(
        &self,
        invocation_id: &str,
        response: InvocationResponse,
    ) -> Result<Result<Vec<u8>, String>, ChunkError> {
        if response.error.is_none() && is_chunked(response.content_length, response.msg.len()) {
            return self.take(&response_object(invocation_id)).await.map(Ok);
        }
        Ok(response.into_result())
    }
}

/// Whether a message of `len` bytes announcing `content_length` carries its payload elsewhere.
fn is_chunked(content_length: Option<u64>, len: usize) -> bool {
    content_length.is_some_and(|total| total > len as u64)
}
