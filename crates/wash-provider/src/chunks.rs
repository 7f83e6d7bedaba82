//! Large payloads (over 900 KiB) through the JetStream object store named after the lattice (rpc.md §6).

use async_nats::jetstream::object_store::{Config, ObjectStore};
use tokio::io::AsyncReadExt as _;
use tokio::sync::OnceCell;

use crate::ProviderError;

/// The lattice's object store, opened (or created) on first use.
pub(crate) struct ChunkStore {
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

impl ChunkStore {
    /// A store for `lattice`, not yet opened.
    pub(crate) fn new(client: async_nats::Client, lattice: &str) -> Self {
        Self {
            client,
            bucket: lattice.to_owned(),
            store: OnceCell::new(),
        }
    }

    fn error(&self, object: &str, message: impl ToString) -> ProviderError {
        ProviderError::ObjectStore {
            bucket: self.bucket.clone(),
            object: object.to_owned(),
            message: message.to_string(),
        }
    }

    async fn open(&self, object: &str) -> Result<&ObjectStore, ProviderError> {
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
    pub(crate) async fn put(&self, name: &str, bytes: &[u8]) -> Result<(), ProviderError> {
        let store = self.open(name).await?;
        let mut reader = bytes;
        store
            .put(name, &mut reader)
            .await
            .map_err(|e| self.error(name, e))?;
        Ok(())
    }

    /// Reads object `name` and deletes it (each chunked payload is read exactly once).
    pub(crate) async fn take(&self, name: &str) -> Result<Vec<u8>, ProviderError> {
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
}
