//! Higher-level operations: place an actor or provider on a host (auction when no host is named), send
//! the command, and wait for the lattice event that tells how it ended.

use std::time::Duration;

use wash_wire::ctl::{StartActorCommand, StartProviderCommand, StringMap};
use wash_wire::events::CloudEvent;

use crate::{CtlClient, CtlError};

/// How a start ended.
#[derive(Debug, Clone)]
pub enum StartOutcome {
    /// The host reported success; the event carries the started entity.
    Started(CloudEvent),
    /// Not waited for (`--skip-wait`): only acknowledged.
    Acknowledged,
}

/// Why a start did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// No host bid in the auction.
    #[error("no host can run `{reference}`{}: none answered the auction", constraints_text(.constraints))]
    NoHost {
        /// The reference.
        reference: String,
        /// The constraints asked for.
        constraints: StringMap,
    },
    /// The host refused the command.
    #[error("host {host_id} refused to start `{reference}`: {reason}")]
    Refused {
        /// The host.
        host_id: String,
        /// The reference.
        reference: String,
        /// Its reason.
        reason: String,
    },
    /// The host accepted, then reported a failure.
    #[error("`{reference}` failed to start on host {host_id}: {reason}")]
    Failed {
        /// The host.
        host_id: String,
        /// The reference.
        reference: String,
        /// The reported error.
        reason: String,
    },
    /// No outcome within the wait time; the start may still complete.
    #[error(
        "host {host_id} accepted `{reference}` but did not report the outcome within {timeout:?}; it may still \
         complete (a download can take a while): check with `wash ctl get inventory {host_id}`"
    )]
    NoOutcome {
        /// The host.
        host_id: String,
        /// The reference.
        reference: String,
        /// How long we waited.
        timeout: Duration,
    },
    /// The request itself failed.
    #[error(transparent)]
    Ctl(#[from] CtlError),
}

fn constraints_text(constraints: &StringMap) -> String {
    if constraints.is_empty() {
        String::new()
    } else {
        let pairs: Vec<_> = constraints
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!(" with constraints {}", pairs.join(", "))
    }
}

/// What to start and where.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// The host, or `None` to hold an auction.
    pub host_id: Option<String>,
    /// Labels a host must carry (auction only).
    pub constraints: StringMap,
    /// How long to wait for the outcome; `None` returns after the ack.
    pub wait: Option<Duration>,
}

impl CtlClient {
    /// Starts `count` instances of an actor and (unless not waiting) waits for `actor_started`.
    pub async fn start_actor_and_wait(
        &self,
        actor_ref: &str,
        count: u16,
        annotations: Option<StringMap>,
        placement: &Placement,
    ) -> Result<(String, StartOutcome), StartError> {
        let host_id = match &placement.host_id {
            Some(id) => id.clone(),
            None => self
                .actor_auction(actor_ref, placement.constraints.clone())
                .await?
                .into_iter()
                .next()
                .map(|ack| ack.host_id)
                .ok_or_else(|| StartError::NoHost {
                    reference: actor_ref.into(),
                    constraints: placement.constraints.clone(),
                })?,
        };
        let mut events = self.events().await?;
        let cmd = StartActorCommand {
            actor_ref: actor_ref.into(),
            annotations,
            count,
            host_id: host_id.clone(),
        };
        let ack = self.start_actor(&cmd).await?;
        if !ack.accepted {
            return Err(StartError::Refused {
                host_id,
                reference: actor_ref.into(),
                reason: ack.error,
            });
        }
        let Some(wait) = placement.wait else {
            return Ok((host_id, StartOutcome::Acknowledged));
        };
        let matches = |e: &CloudEvent| {
            e.source == host_id
                && match e.name() {
                    "actor_started" => e.data["image_ref"] == actor_ref,
                    "actor_start_failed" => e.data["actor_ref"] == actor_ref,
                    _ => false,
                }
        };
        let event = events
            .wait_for(wait, matches)
            .await
            .map_err(|err| match err {
                CtlError::Timeout { .. } => StartError::NoOutcome {
                    host_id: host_id.clone(),
                    reference: actor_ref.into(),
                    timeout: wait,
                },
                other => StartError::Ctl(other),
            })?;
        if event.name() == "actor_start_failed" {
            let reason = event.data["error"]
                .as_str()
                .unwrap_or("unknown error")
                .to_owned();
            return Err(StartError::Failed {
                host_id,
                reference: actor_ref.into(),
                reason,
            });
        }
        Ok((host_id, StartOutcome::Started(event)))
    }

    /// Starts a provider instance and (unless not waiting) waits for `provider_started`.
    pub async fn start_provider_and_wait(
        &self,
        provider_ref: &str,
        link_name: &str,
        configuration: Option<String>,
        placement: &Placement,
    ) -> Result<(String, StartOutcome), StartError> {
        let host_id = match &placement.host_id {
            Some(id) => id.clone(),
            None => self
                .provider_auction(provider_ref, link_name, placement.constraints.clone())
                .await?
                .into_iter()
                .next()
                .map(|ack| ack.host_id)
                .ok_or_else(|| StartError::NoHost {
                    reference: provider_ref.into(),
                    constraints: placement.constraints.clone(),
                })?,
        };
        let mut events = self.events().await?;
        let cmd = StartProviderCommand {
            annotations: None,
            configuration,
            host_id: host_id.clone(),
            link_name: link_name.into(),
            provider_ref: provider_ref.into(),
        };
        let ack = self.start_provider(&cmd).await?;
        if !ack.accepted {
            return Err(StartError::Refused {
                host_id,
                reference: provider_ref.into(),
                reason: ack.error,
            });
        }
        let Some(wait) = placement.wait else {
            return Ok((host_id, StartOutcome::Acknowledged));
        };
        let matches = |e: &CloudEvent| {
            e.source == host_id
                && match e.name() {
                    "provider_started" => {
                        e.data["image_ref"] == provider_ref && e.data["link_name"] == link_name
                    }
                    "provider_start_failed" => e.data["provider_ref"] == provider_ref,
                    _ => false,
                }
        };
        let event = events
            .wait_for(wait, matches)
            .await
            .map_err(|err| match err {
                CtlError::Timeout { .. } => StartError::NoOutcome {
                    host_id: host_id.clone(),
                    reference: provider_ref.into(),
                    timeout: wait,
                },
                other => StartError::Ctl(other),
            })?;
        if event.name() == "provider_start_failed" {
            let reason = event.data["error"]
                .as_str()
                .unwrap_or("unknown error")
                .to_owned();
            return Err(StartError::Failed {
                host_id,
                reference: provider_ref.into(),
                reason,
            });
        }
        Ok((host_id, StartOutcome::Started(event)))
    }
}
