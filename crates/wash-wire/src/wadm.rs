//! The NATS API of wadm 0.4, the wasmCloud 0.x application deployment manager: JSON requests on
//! `wadm.api.<lattice>.model.<operation>[.<name>]` (see [`model_subject`]) and their replies.
//!
//! Every reply has a `result` (lowercase) and a `message`; wadm answers any request it cannot serve with
//! `{"result": "error", "message": ...}`, which each reply type here reads as its `Error` variant. The
//! one exception is `list`, whose success reply is a bare array ([`ListReply`]).

use serde::{Deserialize, Serialize};

/// The subject prefix of wadm's API.
pub const API_PREFIX: &str = "wadm.api";

/// The operations of wadm's model API, by their subject token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelOperation {
    /// `list`: the summaries of every application.
    List,
    /// `get.<name>`: one version of a manifest.
    Get,
    /// `versions.<name>`: the versions of a manifest (wash 0.x's `app history`).
    Versions,
    /// `put`: store a manifest (YAML or JSON) as a new version.
    Put,
    /// `del.<name>`: delete a version, or every version.
    Delete,
    /// `deploy.<name>`: deploy a version.
    Deploy,
    /// `undeploy.<name>`: stop managing the application (and remove what it started).
    Undeploy,
    /// `status.<name>`: the deployment status of each component and trait.
    Status,
}

impl ModelOperation {
    /// The subject token of the operation.
    pub fn token(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Get => "get",
            Self::Versions => "versions",
            Self::Put => "put",
            Self::Delete => "del",
            Self::Deploy => "deploy",
            Self::Undeploy => "undeploy",
            Self::Status => "status",
        }
    }
}

/// `wadm.api.<lattice>.model.<operation>[.<name>]`.
pub fn model_subject(lattice: &str, operation: ModelOperation, name: Option<&str>) -> String {
    let mut subject = format!("{API_PREFIX}.{lattice}.model.{}", operation.token());
    if let Some(name) = name {
        subject.push('.');
        subject.push_str(name);
    }
    subject
}

/// The deployment status of an application, a component or a trait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StatusType {
    /// Not deployed.
    #[default]
    Undeployed,
    /// wadm is acting to reach the manifest's state.
    Compensating,
    /// The lattice matches the manifest.
    Ready,
    /// wadm could not reach the manifest's state.
    Failed,
}

impl std::fmt::Display for StatusType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Undeployed => "undeployed",
            Self::Compensating => "compensating",
            Self::Ready => "ready",
            Self::Failed => "failed",
        })
    }
}

/// One application in the reply to `list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelSummary {
    /// The application's name (`metadata.name`).
    pub name: String,
    /// Its newest version.
    pub version: String,
    /// The `description` annotation, if any.
    #[serde(default)]
    pub description: Option<String>,
    /// The version wadm deploys, if any.
    #[serde(default)]
    pub deployed_version: Option<String>,
    /// Its deployment status.
    #[serde(default)]
    pub status: StatusType,
}

/// The reply to `list`: the summaries, or wadm's error object.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ListReply {
    /// Every application of the lattice.
    Models(Vec<ModelSummary>),
    /// wadm could not list them.
    Error(ErrorReply),
}

/// wadm's answer to a request it could not serve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReply {
    /// Always `error`.
    pub result: String,
    /// What went wrong.
    #[serde(default)]
    pub message: String,
}

/// The result of `get` and `versions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GetResult {
    /// wadm failed.
    Error,
    /// Found.
    Success,
    /// No such application or version.
    NotFound,
}

/// The body of `get` (and of `deploy`): a version, or the newest one when `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRequest {
    /// The version to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The reply to `get`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GetModelReply {
    /// Whether it was found.
    pub result: GetResult,
    /// wadm's message.
    #[serde(default)]
    pub message: String,
    /// The manifest, as wadm stored it (OAM `Application`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<serde_json::Value>,
}

/// One version in the reply to `versions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// The version.
    pub version: String,
    /// Whether it is the deployed one.
    pub deployed: bool,
}

/// The reply to `versions`, oldest version first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionsReply {
    /// Whether the application was found.
    pub result: GetResult,
    /// wadm's message.
    #[serde(default)]
    pub message: String,
    /// Its versions, in the order they were put.
    #[serde(default)]
    pub versions: Vec<VersionInfo>,
}

/// The result of `put`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PutResult {
    /// wadm refused the manifest.
    Error,
    /// A new application.
    Created,
    /// A new version of an existing application.
    NewVersion,
}

/// The reply to `put`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PutModelReply {
    /// What happened.
    pub result: PutResult,
    /// How many versions the application now has.
    #[serde(default)]
    pub total_versions: usize,
    /// The version just stored.
    #[serde(default)]
    pub current_version: String,
    /// wadm's message.
    #[serde(default)]
    pub message: String,
    /// The application's name.
    #[serde(default)]
    pub name: String,
}

/// The body of `del`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteModelRequest {
    /// The version to delete (ignored with `delete_all`).
    #[serde(default)]
    pub version: String,
    /// Delete every version (and undeploy).
    #[serde(default)]
    pub delete_all: bool,
}

/// The result of `del`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeleteResult {
    /// Deleted.
    Deleted,
    /// wadm failed.
    Error,
    /// Nothing to delete.
    Noop,
}

/// The reply to `del`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteModelReply {
    /// What happened.
    pub result: DeleteResult,
    /// wadm's message.
    #[serde(default)]
    pub message: String,
    /// Whether the deletion also undeployed the application.
    #[serde(default)]
    pub undeploy: bool,
}

/// The body of `undeploy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndeployModelRequest {
    /// Leave what the application started running.
    pub non_destructive: bool,
}

/// The result of `deploy` and `undeploy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeployResult {
    /// wadm failed.
    Error,
    /// wadm took the request.
    Acknowledged,
    /// No such application or version.
    NotFound,
}

/// The reply to `deploy` and `undeploy`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeployModelReply {
    /// What happened.
    pub result: DeployResult,
    /// wadm's message.
    #[serde(default)]
    pub message: String,
}

/// The result of `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusResult {
    /// wadm failed.
    Error,
    /// The status follows.
    Ok,
    /// No such application.
    NotFound,
}

/// A status and what explains it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusInfo {
    /// The status.
    #[serde(rename = "type")]
    pub status_type: StatusType,
    /// Why, when wadm says.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// The status of one trait of a component.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraitStatus {
    /// `spreadscaler`, `linkdef`, ...
    #[serde(rename = "type")]
    pub trait_type: String,
    /// Its status.
    pub status: StatusInfo,
}

/// The status of one component.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentStatus {
    /// The component's name in the manifest.
    pub name: String,
    /// `actor` or `capability`.
    #[serde(rename = "type")]
    pub component_type: String,
    /// Its status.
    pub status: StatusInfo,
    /// Its traits' statuses.
    #[serde(default)]
    pub traits: Vec<TraitStatus>,
}

/// An application's deployment status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatus {
    /// The deployed version.
    pub version: String,
    /// The status of the whole application.
    pub status: StatusInfo,
    /// Each component's.
    #[serde(default)]
    pub components: Vec<ComponentStatus>,
}

/// The reply to `status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusReply {
    /// Whether the application was found.
    pub result: StatusResult,
    /// wadm's message.
    #[serde(default)]
    pub message: String,
    /// The status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AppStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_follow_the_api_layout() {
        assert_eq!(
            model_subject("default", ModelOperation::List, None),
            "wadm.api.default.model.list"
        );
        assert_eq!(
            model_subject("prod", ModelOperation::Versions, Some("kvcounter")),
            "wadm.api.prod.model.versions.kvcounter"
        );
        assert_eq!(
            model_subject("l", ModelOperation::Delete, Some("a")),
            "wadm.api.l.model.del.a"
        );
    }

    #[test]
    fn list_reads_models_or_the_error_object() {
        let models: ListReply = serde_json::from_str(
            r#"[{"name":"kv","version":"v1","description":null,"deployed_version":"v1","status":"ready"}]"#,
        )
        .unwrap();
        let ListReply::Models(models) = models else {
            panic!("models expected")
        };
        assert_eq!(models[0].status, StatusType::Ready);
        assert_eq!(models[0].deployed_version.as_deref(), Some("v1"));
        let error: ListReply =
            serde_json::from_str(r#"{"result":"error","message":"Internal storage error"}"#)
                .unwrap();
        assert!(
            matches!(error, ListReply::Error(e) if e.message == "Internal storage error"),
            "error object expected"
        );
    }

    #[test]
    fn every_reply_reads_wadms_error_object() {
        let error = r#"{"result":"error","message":"boom"}"#;
        assert_eq!(
            serde_json::from_str::<PutModelReply>(error).unwrap().result,
            PutResult::Error
        );
        assert_eq!(
            serde_json::from_str::<DeployModelReply>(error)
                .unwrap()
                .result,
            DeployResult::Error
        );
        assert_eq!(
            serde_json::from_str::<DeleteModelReply>(error)
                .unwrap()
                .result,
            DeleteResult::Error
        );
        assert_eq!(
            serde_json::from_str::<VersionsReply>(error).unwrap().result,
            GetResult::Error
        );
        assert_eq!(
            serde_json::from_str::<StatusReply>(error).unwrap().result,
            StatusResult::Error
        );
        assert_eq!(
            serde_json::from_str::<GetModelReply>(error).unwrap().result,
            GetResult::Error
        );
    }

    #[test]
    fn requests_encode_as_wadm_reads_them() {
        assert_eq!(
            serde_json::to_string(&VersionRequest::default()).unwrap(),
            "{}"
        );
        assert_eq!(
            serde_json::to_string(&DeleteModelRequest {
                version: "v1".into(),
                delete_all: false
            })
            .unwrap(),
            r#"{"version":"v1","delete_all":false}"#
        );
        assert_eq!(
            serde_json::to_string(&UndeployModelRequest {
                non_destructive: true
            })
            .unwrap(),
            r#"{"non_destructive":true}"#
        );
    }
}
