//! What the page's forms do: each checked form becomes one control-interface operation, and its
//! outcome a message for the page ([`ActionError`] says what went wrong and which field to fix).

use std::time::Duration;

use serde::Serialize;
use wash_ctl::{CtlClient, CtlError, Placement, ScaleOutcome, StartError, StartOutcome};
use wash_wire::ctl::{ScaleActorCommand, StopActorCommand, StopProviderCommand};

use crate::forms::{
    DeleteLinkForm, FormError, PutLinkForm, ScaleActorForm, StartActorForm, StartProviderForm,
    StopActorForm, StopProviderForm,
};

/// How long a start or scale may take before the page is told it is still going (downloads included).
const START_WAIT: Duration = Duration::from_secs(30);

/// A failed action, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ActionError {
    /// HTTP status of the answer.
    #[serde(skip)]
    pub(crate) status: u16,
    /// What went wrong and what to do.
    pub(crate) error: String,
    /// The form field at fault, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) field: Option<&'static str>,
}

impl ActionError {
    pub(crate) fn bad_request(error: impl Into<String>) -> Self {
        Self {
            status: 400,
            error: error.into(),
            field: None,
        }
    }

    pub(crate) fn server_error(error: impl Into<String>) -> Self {
        Self {
            status: 500,
            error: error.into(),
            field: None,
        }
    }

    pub(crate) fn nats_down(url: &str) -> Self {
        Self {
            status: 503,
            error: format!(
                "lost the connection to NATS at {url}: nothing was changed; wash ui reconnects by itself, try again when the banner is gone"
            ),
            field: None,
        }
    }
}

impl From<FormError> for ActionError {
    fn from(err: FormError) -> Self {
        Self {
            status: 422,
            error: err.message,
            field: Some(err.field),
        }
    }
}

impl From<CtlError> for ActionError {
    fn from(err: CtlError) -> Self {
        Self {
            status: 502,
            error: err.to_string(),
            field: None,
        }
    }
}

impl From<StartError> for ActionError {
    fn from(err: StartError) -> Self {
        let field = match err {
            StartError::Failed { .. } | StartError::Refused { .. } => Some("reference"),
            _ => None,
        };
        Self {
            status: 502,
            error: err.to_string(),
            field,
        }
    }
}

/// A successful action's message.
pub(crate) type ActionResult = Result<String, ActionError>;

pub(crate) async fn start_actor(client: &CtlClient, form: StartActorForm) -> ActionResult {
    let request = form.check()?;
    let placement = Placement {
        host_id: request.host_id,
        wait: Some(START_WAIT),
        ..Placement::default()
    };
    let (host_id, outcome) = client
        .start_actor_and_wait(&request.reference, request.count, None, &placement)
        .await?;
    Ok(started("actor", &request.reference, &host_id, outcome))
}

pub(crate) async fn start_provider(client: &CtlClient, form: StartProviderForm) -> ActionResult {
    let request = form.check()?;
    let placement = Placement {
        host_id: request.host_id,
        wait: Some(START_WAIT),
        ..Placement::default()
    };
    let (host_id, outcome) = client
        .start_provider_and_wait(&request.reference, &request.link_name, None, &placement)
        .await?;
    Ok(started("provider", &request.reference, &host_id, outcome))
}

fn started(kind: &str, reference: &str, host_id: &str, outcome: StartOutcome) -> String {
    match outcome {
        StartOutcome::Started(event) => {
            let name = event.data["claims"]["name"]
                .as_str()
                .filter(|n| !n.is_empty())
                .map(|n| format!("{n} "))
                .unwrap_or_default();
            let key = event.data["public_key"].as_str().unwrap_or(reference);
            format!(
                "{kind} {name}({}) started on host {}",
                short(key),
                short(host_id)
            )
        }
        StartOutcome::Acknowledged => {
            format!("host {} accepted {kind} {reference}", short(host_id))
        }
    }
}

pub(crate) async fn put_link(client: &CtlClient, form: PutLinkForm) -> ActionResult {
    let link = form.check()?;
    let ack = client.put_link(&link).await?;
    if !ack.accepted {
        return Err(refused("put the link", &ack.error));
    }
    Ok(format!(
        "linked {} to {} for {} (link name {})",
        short(&link.actor_id),
        short(&link.provider_id),
        link.contract_id,
        link.link_name
    ))
}

pub(crate) async fn delete_link(client: &CtlClient, form: DeleteLinkForm) -> ActionResult {
    let (actor_id, contract_id, link_name) = form.check()?;
    let ack = client
        .delete_link(&actor_id, &contract_id, &link_name)
        .await?;
    if !ack.accepted {
        return Err(refused("delete the link", &ack.error));
    }
    Ok(format!(
        "deleted the {contract_id} link of {} (link name {link_name})",
        short(&actor_id)
    ))
}

pub(crate) async fn scale_actor(client: &CtlClient, form: ScaleActorForm) -> ActionResult {
    let request = form.check()?;
    let cmd = ScaleActorCommand {
        actor_id: request.actor_id.clone(),
        actor_ref: request.actor_ref,
        annotations: None,
        count: request.count,
        host_id: request.host_id.clone(),
    };
    match client.scale_actor_and_wait(&cmd, Some(START_WAIT)).await? {
        ScaleOutcome::Scaled(n) => Ok(format!(
            "actor {} runs {n} instance(s) on host {}",
            short(&request.actor_id),
            short(&request.host_id)
        )),
        ScaleOutcome::Acknowledged => Ok(format!(
            "host {} accepted scaling actor {}",
            short(&request.host_id),
            short(&request.actor_id)
        )),
    }
}

pub(crate) async fn stop_actor(client: &CtlClient, form: StopActorForm) -> ActionResult {
    let (actor_id, host_id) = form.check()?;
    let cmd = StopActorCommand {
        actor_ref: actor_id.clone(),
        annotations: None,
        count: 0,
        host_id: host_id.clone(),
    };
    let ack = client.stop_actor(&cmd).await?;
    if !ack.accepted {
        return Err(refused("stop the actor", &ack.error));
    }
    Ok(format!(
        "stopping actor {} on host {}",
        short(&actor_id),
        short(&host_id)
    ))
}

pub(crate) async fn stop_provider(client: &CtlClient, form: StopProviderForm) -> ActionResult {
    let request = form.check()?;
    let cmd = StopProviderCommand {
        annotations: None,
        contract_id: request.contract_id,
        host_id: request.host_id.clone(),
        link_name: request.link_name,
        provider_ref: request.provider_id.clone(),
    };
    let ack = client.stop_provider(&cmd).await?;
    if !ack.accepted {
        return Err(refused("stop the provider", &ack.error));
    }
    Ok(format!(
        "stopping provider {} on host {}",
        short(&request.provider_id),
        short(&request.host_id)
    ))
}

fn refused(what: &str, reason: &str) -> ActionError {
    ActionError {
        status: 409,
        error: format!("the lattice refused to {what}: {reason}"),
        field: None,
    }
}

/// `MBCF…3WD5`: the first and last four characters of a key.
fn short(key: &str) -> String {
    if key.len() > 12 && key.is_ascii() {
        format!("{}…{}", &key[..4], &key[key.len() - 4..])
    } else {
        key.to_owned()
    }
}
