//! `wash app`: a client of wadm 0.4's NATS API, the wasmCloud 0.x application deployment manager that
//! `wash up` starts beside the host. wadm stores OAM application manifests by name and version and, once
//! one is deployed, drives the lattice's hosts through the control interface until they match it.
//!
//! The wire types are in [`wash_wire::wadm`]; this crate sends the requests, turns wadm's `error` and
//! `notfound` answers into [`AppError`]s, and reads manifest files ([`Manifest`]).

mod error;
mod manifest;

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use wash_wire::wadm::{
    model_subject, AppStatus, DeleteModelReply, DeleteModelRequest, DeleteResult, DeployModelReply,
    DeployResult, GetModelReply, GetResult, ListReply, ModelOperation, ModelSummary, PutModelReply,
    PutResult, StatusReply, StatusResult, UndeployModelRequest, VersionInfo, VersionRequest,
    VersionsReply,
};

pub use error::AppError;
pub use manifest::Manifest;

/// A client of wadm's API on one lattice.
#[derive(Debug, Clone)]
pub struct AppClient {
    nats: async_nats::Client,
    lattice: String,
    timeout: Duration,
}

impl AppClient {
    /// A client on `nats` for `lattice`, waiting `timeout` for each answer.
    pub fn new(nats: async_nats::Client, lattice: impl Into<String>, timeout: Duration) -> Self {
        Self {
            nats,
            lattice: lattice.into(),
            timeout,
        }
    }

    /// The lattice this client talks to.
    pub fn lattice(&self) -> &str {
        &self.lattice
    }

    /// The applications wadm knows on this lattice.
    pub async fn list(&self) -> Result<Vec<ModelSummary>, AppError> {
        match self
            .request::<ListReply>(ModelOperation::List, None, Vec::new())
            .await?
        {
            ListReply::Models(models) => Ok(models),
            ListReply::Error(e) => Err(refused(ModelOperation::List, e.message)),
        }
    }

    /// One version of an application's manifest (the newest when `version` is `None`).
    pub async fn get(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<serde_json::Value, AppError> {
        let body = json(&VersionRequest {
            version: version.map(str::to_owned),
        });
        let reply: GetModelReply = self.request(ModelOperation::Get, Some(name), body).await?;
        match (reply.result, reply.manifest) {
            (GetResult::Success, Some(manifest)) => Ok(manifest),
            (GetResult::Success, None) => Err(AppError::Decode {
                operation: "get",
                reason: "a success without a manifest".into(),
            }),
            (GetResult::NotFound, _) => Err(AppError::NotFound {
                message: reply.message,
            }),
            (GetResult::Error, _) => Err(refused(ModelOperation::Get, reply.message)),
        }
    }

    /// The versions of an application, oldest first.
    pub async fn versions(&self, name: &str) -> Result<Vec<VersionInfo>, AppError> {
        let reply: VersionsReply = self
            .request(ModelOperation::Versions, Some(name), Vec::new())
            .await?;
        match reply.result {
            GetResult::Success => Ok(reply.versions),
            GetResult::NotFound => Err(AppError::NotFound {
                message: reply.message,
            }),
            GetResult::Error => Err(refused(ModelOperation::Versions, reply.message)),
        }
    }

    /// Stores a manifest as a new version of its application.
    pub async fn put(&self, manifest: &Manifest) -> Result<PutModelReply, AppError> {
        let reply: PutModelReply = self
            .request(ModelOperation::Put, None, manifest.bytes().to_vec())
            .await?;
        match reply.result {
            PutResult::Created | PutResult::NewVersion => Ok(reply),
            PutResult::Error => Err(refused(ModelOperation::Put, reply.message)),
        }
    }

    /// Deletes one version of an application, or all of them (which undeploys it).
    pub async fn delete(
        &self,
        name: &str,
        version: Option<&str>,
        all: bool,
    ) -> Result<DeleteModelReply, AppError> {
        let body = json(&DeleteModelRequest {
            version: version.unwrap_or_default().to_owned(),
            delete_all: all,
        });
        let reply: DeleteModelReply = self
            .request(ModelOperation::Delete, Some(name), body)
            .await?;
        match reply.result {
            DeleteResult::Deleted | DeleteResult::Noop => Ok(reply),
            DeleteResult::Error => Err(refused(ModelOperation::Delete, reply.message)),
        }
    }

    /// Deploys a version of an application (the newest when `version` is `None`).
    pub async fn deploy(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<DeployModelReply, AppError> {
        let body = json(&VersionRequest {
            version: version.map(str::to_owned),
        });
        let reply = self
            .request(ModelOperation::Deploy, Some(name), body)
            .await?;
        deployed(ModelOperation::Deploy, reply)
    }

    /// Undeploys an application; with `non_destructive`, what it started keeps running.
    pub async fn undeploy(
        &self,
        name: &str,
        non_destructive: bool,
    ) -> Result<DeployModelReply, AppError> {
        let body = json(&UndeployModelRequest { non_destructive });
        let reply = self
            .request(ModelOperation::Undeploy, Some(name), body)
            .await?;
        deployed(ModelOperation::Undeploy, reply)
    }

    /// The deployment status of an application.
    pub async fn status(&self, name: &str) -> Result<AppStatus, AppError> {
        let reply: StatusReply = self
            .request(ModelOperation::Status, Some(name), Vec::new())
            .await?;
        match (reply.result, reply.status) {
            (StatusResult::Ok, Some(status)) => Ok(status),
            (StatusResult::Ok, None) => Err(AppError::Decode {
                operation: "status",
                reason: "an answer without a status".into(),
            }),
            (StatusResult::NotFound, _) => Err(AppError::NotFound {
                message: reply.message,
            }),
            (StatusResult::Error, _) => Err(refused(ModelOperation::Status, reply.message)),
        }
    }

    async fn request<T: DeserializeOwned>(
        &self,
        operation: ModelOperation,
        name: Option<&str>,
        body: Vec<u8>,
    ) -> Result<T, AppError> {
        let subject = model_subject(&self.lattice, operation, name);
        let reply = tokio::time::timeout(self.timeout, self.nats.request(subject, body.into()))
            .await
            .map_err(|_| AppError::Timeout {
                operation: operation.token(),
                timeout: self.timeout,
            })?
            .map_err(|e| match e.kind() {
                async_nats::RequestErrorKind::NoResponders => AppError::NoWadm {
                    lattice: self.lattice.clone(),
                },
                async_nats::RequestErrorKind::TimedOut => AppError::Timeout {
                    operation: operation.token(),
                    timeout: self.timeout,
                },
                _ => AppError::Nats(e.to_string()),
            })?;
        serde_json::from_slice(&reply.payload).map_err(|e| AppError::Decode {
            operation: operation.token(),
            reason: e.to_string(),
        })
    }
}

fn json(body: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(body).expect("wadm request bodies are plain structs")
}

fn refused(operation: ModelOperation, message: String) -> AppError {
    AppError::Refused {
        operation: operation.token(),
        message,
    }
}

fn deployed(
    operation: ModelOperation,
    reply: DeployModelReply,
) -> Result<DeployModelReply, AppError> {
    match reply.result {
        DeployResult::Acknowledged => Ok(reply),
        DeployResult::NotFound => Err(AppError::NotFound {
            message: reply.message,
        }),
        DeployResult::Error => Err(refused(operation, reply.message)),
    }
}
