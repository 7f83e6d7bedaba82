//! Higher-level operations: place an actor or provider on a host (auction when no host is named), send
//! the command, and wait for the lattice event that tells how it ended; find the host an actor runs on;
//! scale and update actors and wait until the inventory shows the result; stop actors and providers and
//! wait for the host to report them stopped.

use std::time::Duration;

use wash_wire::ctl::{
    CtlOperationAck, HostInventory, ScaleActorCommand, StartActorCommand, StartProviderCommand,
    StopActorCommand, StopProviderCommand, StringMap, UpdateActorCommand,
};
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

/// How a stop ended.
#[derive(Debug, Clone)]
pub enum StopOutcome {
    /// The host reported the stop (`actor_stopped`, `provider_stopped`).
    Stopped(CloudEvent),
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
    /// Annotations of the started instances (empty: none).
    pub annotations: StringMap,
}

impl Placement {
    fn annotations(&self) -> Option<StringMap> {
        (!self.annotations.is_empty()).then(|| self.annotations.clone())
    }
}

/// How a scale ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScaleOutcome {
    /// The host runs exactly this many instances now.
    Scaled(usize),
    /// Not waited for: only acknowledged.
    Acknowledged,
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
            annotations: annotations.or_else(|| placement.annotations()),
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
        let matches = |e: &CloudEvent| match e.name() {
            "actor_started" => e.data["image_ref"] == actor_ref,
            "actor_start_failed" => e.data["actor_ref"] == actor_ref,
            _ => false,
        };
        let outcome =
            await_start(&mut events, &host_id, actor_ref, placement.wait, matches).await?;
        Ok((host_id, outcome))
    }

    /// Starts a provider instance and (unless not waiting) waits for `provider_started`.
    pub async fn start_provider_and_wait(
        &self,
        provider_ref: &str,
        link_name: &str,
        configuration: Option<String>,
        placement: &Placement,
    ) -> Result<(String, StartOutcome), StartError> {
        self.start_provider_and_wait_then(provider_ref, link_name, configuration, placement, |_| {})
            .await
    }

    /// [`CtlClient::start_provider_and_wait`], calling `accepted` with the host's id as soon as the
    /// host has accepted the command: from then on the start goes on even if this future is
    /// dropped (`wash dev` uses it to know what to clean up after a Ctrl-C).
    pub async fn start_provider_and_wait_then(
        &self,
        provider_ref: &str,
        link_name: &str,
        configuration: Option<String>,
        placement: &Placement,
        accepted: impl FnOnce(&str),
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
            annotations: placement.annotations(),
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
        accepted(&host_id);
        let matches = |e: &CloudEvent| match e.name() {
            "provider_started" => {
                e.data["image_ref"] == provider_ref && e.data["link_name"] == link_name
            }
            "provider_start_failed" => e.data["provider_ref"] == provider_ref,
            _ => false,
        };
        let outcome =
            await_start(&mut events, &host_id, provider_ref, placement.wait, matches).await?;
        Ok((host_id, outcome))
    }
}

/// Waits (unless `wait` is `None`) for the event from `host_id` that `matches` accepts: a `*_started`
/// event is success, any other matching event (`*_start_failed`) carries the failure in `error`.
async fn await_start(
    events: &mut crate::EventStream,
    host_id: &str,
    reference: &str,
    wait: Option<Duration>,
    matches: impl Fn(&CloudEvent) -> bool,
) -> Result<StartOutcome, StartError> {
    let Some(wait) = wait else {
        return Ok(StartOutcome::Acknowledged);
    };
    let event = events
        .wait_for(wait, |e| e.source == host_id && matches(e))
        .await
        .map_err(|err| match err {
            CtlError::Timeout { .. } => StartError::NoOutcome {
                host_id: host_id.into(),
                reference: reference.into(),
                timeout: wait,
            },
            other => StartError::Ctl(other),
        })?;
    if event.name().ends_with("_started") {
        return Ok(StartOutcome::Started(event));
    }
    let reason = event.data["error"]
        .as_str()
        .unwrap_or("unknown error")
        .to_owned();
    Err(StartError::Failed {
        host_id: host_id.into(),
        reference: reference.into(),
        reason,
    })
}

/// Instances of `actor_id` in an inventory.
pub fn instance_count(inventory: &HostInventory, actor_id: &str) -> usize {
    inventory
        .actors
        .iter()
        .filter(|a| a.id == actor_id)
        .map(|a| a.instances.len())
        .sum()
}

impl CtlClient {
    /// The given host, or the only host that answers a ping.
    pub async fn only_host(&self, host_id: Option<&str>) -> Result<String, CtlError> {
        if let Some(id) = host_id {
            return Ok(id.to_owned());
        }
        let hosts = self.get_hosts().await?;
        match hosts.as_slice() {
            [] => Err(self.no_host_error()),
            [only] => Ok(only.id.clone()),
            many => Err(CtlError::SeveralHosts {
                host_ids: many.iter().map(|h| h.id.clone()).collect(),
            }),
        }
    }

    /// The id of the running actor that was started from `reference` (an OCI reference or path, as
    /// the inventories record it), found in every host's inventory.
    pub async fn actor_id_of_reference(&self, reference: &str) -> Result<String, CtlError> {
        let mut ids = Vec::new();
        for host in self.get_hosts().await? {
            let inventory = self.get_inventory(&host.id).await?;
            for actor in inventory.actors {
                if actor.image_ref.as_deref() == Some(reference) && !ids.contains(&actor.id) {
                    ids.push(actor.id);
                }
            }
        }
        match ids.len() {
            0 => Err(CtlError::ReferenceNotRunning {
                reference: reference.into(),
                lattice: self.lattice().into(),
            }),
            1 => Ok(ids.remove(0)),
            _ => Err(CtlError::SeveralActors {
                reference: reference.into(),
                actor_ids: ids,
            }),
        }
    }

    /// The host running `actor_id`: the given one, else the only host that runs it.
    pub async fn actor_host(
        &self,
        actor_id: &str,
        host_id: Option<&str>,
    ) -> Result<String, CtlError> {
        if let Some(id) = host_id {
            return Ok(id.to_owned());
        }
        let hosts = self.get_hosts().await?;
        if hosts.is_empty() {
            return Err(self.no_host_error());
        }
        let mut running = Vec::new();
        for host in &hosts {
            let inventory = self.get_inventory(&host.id).await?;
            if instance_count(&inventory, actor_id) > 0 {
                running.push(host.id.clone());
            }
        }
        match running.len() {
            0 => Err(CtlError::ActorNotRunning {
                actor_id: actor_id.into(),
                lattice: self.lattice().into(),
            }),
            1 => Ok(running.remove(0)),
            _ => Err(CtlError::SeveralHosts { host_ids: running }),
        }
    }

    /// Sets the number of instances of an actor on a host to `count` and (unless `wait` is `None`)
    /// waits until the host's inventory shows exactly that many, or a start failure is reported.
    pub async fn scale_actor_and_wait(
        &self,
        cmd: &ScaleActorCommand,
        wait: Option<Duration>,
    ) -> Result<ScaleOutcome, StartError> {
        let mut events = self.events().await?;
        let ack = self.scale_actor(cmd).await?;
        if !ack.accepted {
            return Err(StartError::Refused {
                host_id: cmd.host_id.clone(),
                reference: cmd.actor_ref.clone(),
                reason: ack.error,
            });
        }
        let Some(wait) = wait else {
            return Ok(ScaleOutcome::Acknowledged);
        };
        let deadline = tokio::time::Instant::now() + wait;
        let target = usize::from(cmd.count);
        loop {
            let now = self.get_inventory(&cmd.host_id).await?;
            let count = instance_count(&now, &cmd.actor_id);
            if count == target {
                return Ok(ScaleOutcome::Scaled(count));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(StartError::NoOutcome {
                    host_id: cmd.host_id.clone(),
                    reference: cmd.actor_ref.clone(),
                    timeout: wait,
                });
            }
            // Between inventory polls, watch for a failed start of the instances being added.
            let failed = events
                .wait_for(Duration::from_millis(200), |e| {
                    e.source == cmd.host_id
                        && e.name() == "actor_start_failed"
                        && e.data["actor_ref"] == cmd.actor_ref.as_str()
                })
                .await;
            if let Ok(event) = failed {
                return Err(StartError::Failed {
                    host_id: cmd.host_id.clone(),
                    reference: cmd.actor_ref.clone(),
                    reason: event.data["error"]
                        .as_str()
                        .unwrap_or("unknown error")
                        .to_owned(),
                });
            }
        }
    }

    /// Stops instances of an actor and (unless `wait` is `None`) waits for the host's `actor_stopped`.
    /// The host updates its inventory before it publishes the event, so afterwards the inventory
    /// shows the stop.
    pub async fn stop_actor_and_wait(
        &self,
        cmd: &StopActorCommand,
        wait: Option<Duration>,
    ) -> Result<StopOutcome, CtlError> {
        let actor_id = cmd.actor_ref.as_str();
        let what = format!("actor {actor_id}");
        self.stop_and_wait(&cmd.host_id, what, self.stop_actor(cmd), wait, |e| {
            e.name() == "actor_stopped" && e.data["public_key"] == actor_id
        })
        .await
    }

    /// Stops a provider instance and (unless `wait` is `None`) waits for the host's
    /// `provider_stopped`, which it publishes once the process has exited.
    pub async fn stop_provider_and_wait(
        &self,
        cmd: &StopProviderCommand,
        wait: Option<Duration>,
    ) -> Result<StopOutcome, CtlError> {
        let what = format!("provider {} ({})", cmd.provider_ref, cmd.link_name);
        self.stop_and_wait(&cmd.host_id, what, self.stop_provider(cmd), wait, |e| {
            e.name() == "provider_stopped"
                && e.data["public_key"] == cmd.provider_ref.as_str()
                && e.data["link_name"] == cmd.link_name.as_str()
        })
        .await
    }

    /// Subscribes to events, sends the stop, and waits for the event `matches` accepts from the host.
    async fn stop_and_wait(
        &self,
        host_id: &str,
        what: String,
        send: impl std::future::Future<Output = Result<CtlOperationAck, CtlError>>,
        wait: Option<Duration>,
        matches: impl Fn(&CloudEvent) -> bool,
    ) -> Result<StopOutcome, CtlError> {
        // Subscribed before the request goes out, so a quick stop's event is not missed.
        let mut events = match wait {
            Some(_) => Some(self.events().await?),
            None => None,
        };
        let ack = send.await?;
        if !ack.accepted {
            return Err(CtlError::Refused {
                host_id: host_id.into(),
                what: format!("stop {what}"),
                reason: ack.error,
            });
        }
        let (Some(wait), Some(events)) = (wait, events.as_mut()) else {
            return Ok(StopOutcome::Acknowledged);
        };
        match events
            .wait_for(wait, |e| e.source == host_id && matches(e))
            .await
        {
            Ok(event) => Ok(StopOutcome::Stopped(event)),
            Err(CtlError::Timeout { .. }) => Err(CtlError::NotStopped {
                host_id: host_id.into(),
                what,
                timeout: wait,
            }),
            Err(err) => Err(err),
        }
    }

    /// Live-updates an actor on a host to the module at `new_ref` (same actor key); returns the host's
    /// inventory afterwards. Hosts load the new module before they answer, so the answer may take up
    /// to `wait` (at least the request timeout).
    pub async fn update_actor_and_check(
        &self,
        cmd: &UpdateActorCommand,
        wait: Duration,
    ) -> Result<HostInventory, CtlError> {
        let patient = self.clone().with_timeout(wait.max(self.timeout));
        let ack = patient.update_actor(cmd).await?;
        if !ack.accepted {
            return Err(CtlError::Refused {
                host_id: cmd.host_id.clone(),
                what: format!("update actor `{}`", cmd.actor_id),
                reason: ack.error,
            });
        }
        self.get_inventory(&cmd.host_id).await
    }
}
