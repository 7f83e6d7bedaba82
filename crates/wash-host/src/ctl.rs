//! The control-interface server: JSON requests on `wasmbus.ctl.<lattice>.*` answered by this host.

use std::sync::Arc;

use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wash_wire::ctl::{
    ActorAuctionAck, ActorAuctionRequest, ActorDescription, CtlOperationAck, GetClaimsResponse,
    Host, HostInventory, LinkDefinitionList, ProviderAuctionAck, ProviderAuctionRequest,
    ProviderDescription, ScaleActorCommand, StartActorCommand, StartProviderCommand,
    StopActorCommand, StopHostCommand, StopProviderCommand, UpdateActorCommand,
};
use wash_wire::subjects::CtlSubjects;
use wash_wire::LinkDefinition;

use crate::error::HostError;
use crate::host::{uptime_human, Lattice};
use crate::store::satisfies;

/// Subscribes to every control subject this host answers and serves them in the background.
pub(crate) async fn serve(lattice: Arc<Lattice>) -> Result<(), HostError> {
    let subjects = CtlSubjects::new(&lattice.config.ctl_prefix, &lattice.config.lattice);
    let id = lattice.id();
    let wanted = [
        subjects.ping_hosts(),
        subjects.inventory(&id),
        subjects.get_claims(),
        subjects.get_links(),
        subjects.link_put(),
        subjects.link_del(),
        subjects.auction_actor(),
        subjects.auction_provider(),
        subjects.commands_of(&id),
        subjects.registries_put(),
    ];
    let mut streams = Vec::new();
    for subject in wanted {
        let sub =
            lattice
                .nats
                .subscribe(subject.clone())
                .await
                .map_err(|e| HostError::Subscribe {
                    subject: subject.clone(),
                    reason: e.to_string(),
                })?;
        streams.push(sub);
    }
    // Make sure the server has registered every subscription before the host announces itself.
    lattice
        .nats
        .flush()
        .await
        .map_err(|e| HostError::Subscribe {
            subject: "(flush)".into(),
            reason: e.to_string(),
        })?;
    let mut merged = futures::stream::select_all(streams);
    let weak = Arc::downgrade(&lattice);
    tokio::spawn(async move {
        while let Some(message) = merged.next().await {
            let Some(lattice) = weak.upgrade() else {
                return;
            };
            if *lattice.stop_tx.borrow() {
                return;
            }
            // A span per control request, continuing the sender's trace (`wash ctl`'s) if any.
            let subject = subjects_clone(&message.subject);
            let hop = wash_trace::Hop::continuing_nats(
                "control request",
                message.headers.as_ref(),
                || vec![wash_trace::Attribute::new("subject", subject.clone())],
            );
            tokio::spawn(async move { hop.run(handle(lattice, subject, message)).await });
        }
    });
    Ok(())
}

fn subjects_clone(subject: &async_nats::Subject) -> String {
    subject.to_string()
}

fn parse<T: DeserializeOwned>(payload: &[u8]) -> Result<T, String> {
    serde_json::from_slice(payload).map_err(|e| format!("invalid request JSON: {e}"))
}

async fn reply<T: Serialize>(lattice: &Lattice, message: &async_nats::Message, body: &T) {
    let Some(reply) = message.reply.clone() else {
        return;
    };
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    if let Err(err) = lattice.nats.publish(reply, bytes.into()).await {
        tracing::warn!(%err, "failed to answer control request");
    }
}

async fn handle(lattice: Arc<Lattice>, subject: String, message: async_nats::Message) {
    let root = format!("{}.{}.", lattice.config.ctl_prefix, lattice.config.lattice);
    let Some(rest) = subject.strip_prefix(&root) else {
        return;
    };
    let id = lattice.id();
    let payload = &message.payload[..];
    tracing::debug!(%subject, "control request");
    match rest {
        "ping.hosts" => reply(&lattice, &message, &ping_reply(&lattice)).await,
        "get.claims" => {
            reply(
                &lattice,
                &message,
                &GetClaimsResponse {
                    claims: lattice.cache.claims(),
                },
            )
            .await
        }
        "get.links" => {
            reply(
                &lattice,
                &message,
                &LinkDefinitionList {
                    links: lattice.cache.links(),
                },
            )
            .await
        }
        "linkdefs.put" => {
            let ack = match parse::<LinkDefinition>(payload) {
                Ok(link) => put_link(&lattice, &link).await,
                Err(e) => CtlOperationAck::error(e),
            };
            reply(&lattice, &message, &ack).await;
        }
        "linkdefs.del" => {
            let ack = match parse::<LinkDefinition>(payload) {
                Ok(link) => delete_link(&lattice, &link).await,
                Err(e) => CtlOperationAck::error(e),
            };
            reply(&lattice, &message, &ack).await;
        }
        "auction.actor" => {
            if let Ok(req) = parse::<ActorAuctionRequest>(payload) {
                if satisfies(&lattice.labels, &req.constraints) {
                    let ack = ActorAuctionAck {
                        actor_ref: req.actor_ref,
                        host_id: id,
                        constraints: req.constraints,
                    };
                    reply(&lattice, &message, &ack).await;
                }
            }
        }
        "auction.provider" => {
            if let Ok(req) = parse::<ProviderAuctionRequest>(payload) {
                let link_name = non_empty_link(&req.link_name);
                if satisfies(&lattice.labels, &req.constraints)
                    && !provider_ref_running(&lattice, &req.provider_ref, &link_name)
                {
                    let ack = ProviderAuctionAck {
                        provider_ref: req.provider_ref,
                        link_name,
                        host_id: id,
                    };
                    reply(&lattice, &message, &ack).await;
                }
            }
        }
        "registries.put" => {
            if let Ok(map) = parse::<wash_wire::ctl::RegistryCredentialMap>(payload) {
                *lattice.registries.lock().unwrap_or_else(|e| e.into_inner()) = map;
            }
        }
        _ if rest == format!("get.{id}.inv") => {
            reply(&lattice, &message, &inventory(&lattice)).await
        }
        _ => {
            let Some(verb) = rest.strip_prefix(&format!("cmd.{id}.")) else {
                return;
            };
            let ack = command(&lattice, verb, payload).await;
            reply(&lattice, &message, &ack).await;
            if verb == "stop" && ack.accepted {
                let timeout = parse::<StopHostCommand>(payload)
                    .ok()
                    .and_then(|c| c.timeout)
                    .unwrap_or(500);
                let _ = tokio::time::timeout(
                    std::time::Duration::from_millis(timeout.max(500) * 10),
                    crate::host::stop_everything(&lattice),
                )
                .await;
            }
        }
    }
}

fn non_empty_link(link_name: &str) -> String {
    if link_name.trim().is_empty() {
        wash_wire::DEFAULT_LINK_NAME.to_owned()
    } else {
        link_name.to_owned()
    }
}

fn provider_ref_running(lattice: &Lattice, provider_ref: &str, link_name: &str) -> bool {
    let key = (provider_ref.to_owned(), link_name.to_owned());
    lattice
        .provider_refs
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains_key(&key)
        || lattice
            .providers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .any(|p| {
                p.link_name == link_name
                    && (p.image_ref == provider_ref || p.identity.public_key == provider_ref)
            })
}

/// Carries out one `cmd.<host>.<verb>` request and returns its immediate ack.
async fn command(lattice: &Arc<Lattice>, verb: &str, payload: &[u8]) -> CtlOperationAck {
    match verb {
        "la" => match parse::<StartActorCommand>(payload) {
            Ok(cmd) if cmd.actor_ref.trim().is_empty() => {
                CtlOperationAck::error("actor_ref is required")
            }
            Ok(cmd) => {
                let lattice = lattice.clone();
                tokio::spawn(async move {
                    crate::actors::start_actor(&lattice, &cmd.actor_ref, cmd.count, cmd.annotations)
                        .await
                });
                CtlOperationAck::ok()
            }
            Err(e) => CtlOperationAck::error(e),
        },
        "sa" => match parse::<StopActorCommand>(payload) {
            Ok(cmd) => match crate::actors::stop_actor(
                lattice,
                &cmd.actor_ref,
                cmd.count,
                cmd.annotations.as_ref(),
            )
            .await
            {
                Some(_) => CtlOperationAck::ok(),
                None => CtlOperationAck::error(format!(
                    "actor `{}` is not running on this host",
                    cmd.actor_ref
                )),
            },
            Err(e) => CtlOperationAck::error(e),
        },
        "scale" => match parse::<ScaleActorCommand>(payload) {
            Ok(cmd) => {
                let lattice = lattice.clone();
                tokio::spawn(async move {
                    crate::actors::scale_actor(
                        &lattice,
                        &cmd.actor_id,
                        &cmd.actor_ref,
                        cmd.count,
                        cmd.annotations,
                    )
                    .await
                });
                CtlOperationAck::ok()
            }
            Err(e) => CtlOperationAck::error(e),
        },
        "upd" => match parse::<UpdateActorCommand>(payload) {
            Ok(cmd) => {
                match crate::actors::update_actor(lattice, &cmd.actor_id, &cmd.new_actor_ref).await
                {
                    Ok(()) => CtlOperationAck::ok(),
                    Err(e) => {
                        lattice
                            .events
                            .publish(
                                "actor_update_failed",
                                serde_json::json!({"public_key": cmd.actor_id, "reason": e}),
                            )
                            .await;
                        CtlOperationAck::error(format!("Unable to perform live update: {e}"))
                    }
                }
            }
            Err(e) => CtlOperationAck::error(e),
        },
        "lp" => match parse::<StartProviderCommand>(payload) {
            Ok(cmd) if cmd.provider_ref.trim().is_empty() => {
                CtlOperationAck::error("provider_ref is required")
            }
            Ok(cmd) => {
                let link_name = non_empty_link(&cmd.link_name);
                if provider_ref_running(lattice, &cmd.provider_ref, &link_name) {
                    let error = "Provider with that link name is already running on this host";
                    // Also as the event a start's outcome is waited for by (wadm ignores the ack).
                    let lattice = lattice.clone();
                    tokio::spawn(async move {
                        lattice
                            .events
                            .publish(
                                "provider_start_failed",
                                serde_json::json!({"provider_ref": cmd.provider_ref,
                                    "link_name": link_name, "error": error}),
                            )
                            .await;
                    });
                    return CtlOperationAck::error(error);
                }
                lattice
                    .provider_refs
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert((cmd.provider_ref.clone(), link_name.clone()), String::new());
                let lattice = lattice.clone();
                tokio::spawn(async move {
                    crate::providers::start_provider(
                        &lattice,
                        cmd.provider_ref,
                        link_name,
                        cmd.configuration,
                        cmd.annotations,
                    )
                    .await
                });
                CtlOperationAck::ok()
            }
            Err(e) => CtlOperationAck::error(e),
        },
        "sp" => match parse::<StopProviderCommand>(payload) {
            Ok(cmd) => {
                let link_name = non_empty_link(&cmd.link_name);
                let provider = lattice
                    .providers
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&(cmd.provider_ref.clone(), link_name.clone()));
                match provider {
                    Some(provider) => {
                        let lattice = lattice.clone();
                        tokio::spawn(async move {
                            crate::providers::stop_provider(&lattice, &provider, "normal").await
                        });
                        CtlOperationAck::ok()
                    }
                    None => CtlOperationAck::error(format!(
                        "provider `{}` with link name `{link_name}` is not running on this host",
                        cmd.provider_ref
                    )),
                }
            }
            Err(e) => CtlOperationAck::error(e),
        },
        "stop" => match parse::<StopHostCommand>(payload) {
            Ok(_) => CtlOperationAck::ok(),
            Err(e) => CtlOperationAck::error(e),
        },
        other => CtlOperationAck::error(format!("unknown command `{other}`")),
    }
}

/// How long a link put or delete waits for this host's bucket watch to apply it before answering
/// (under the 2 s a control client waits for the answer by default).
const LINK_APPLY_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

/// The answer to a link put or delete stored at `revision`: success once this host applied it (its
/// `linkdef_*` event published and the link delivered to its providers), an error naming the delay
/// otherwise.
async fn link_applied(lattice: &Lattice, revision: u64, what: &str) -> CtlOperationAck {
    if crate::host::wait_applied(lattice, revision, LINK_APPLY_WAIT).await {
        return CtlOperationAck::ok();
    }
    tracing::warn!(
        revision,
        "{what} stored but not applied by this host in time"
    );
    CtlOperationAck::error(format!(
        "the {what} is stored in the lattice bucket, but host {} did not apply it within {} ms \
         (its lattice bucket watch is being re-established; it applies the change once it is back)",
        lattice.id(),
        LINK_APPLY_WAIT.as_millis()
    ))
}

/// Validates a link, writes it to the lattice bucket and answers once this host's bucket watch
/// applied it.
pub(crate) async fn put_link(lattice: &Lattice, link: &LinkDefinition) -> CtlOperationAck {
    for (field, value) in [
        ("actor_id", &link.actor_id),
        ("provider_id", &link.provider_id),
        ("link_name", &link.link_name),
        ("contract_id", &link.contract_id),
    ] {
        if value.trim().is_empty() {
            return CtlOperationAck::error(format!("link definition is missing `{field}`"));
        }
    }
    match lattice
        .bucket
        .put(link.kv_key(), link.to_json().into())
        .await
    {
        Ok(revision) => link_applied(lattice, revision, "link definition").await,
        Err(e) => CtlOperationAck::error(format!("failed to store link definition: {e}")),
    }
}

/// Removes a link from the lattice bucket and answers once this host's bucket watch applied the
/// removal.
pub(crate) async fn delete_link(lattice: &Lattice, link: &LinkDefinition) -> CtlOperationAck {
    let link_name = non_empty_link(&link.link_name);
    let key = wash_wire::link::link_kv_key(&link.actor_id, &link.contract_id, &link_name);
    if let Err(e) = lattice.bucket.delete(key).await {
        return CtlOperationAck::error(format!("failed to delete link definition: {e}"));
    }
    // The delete's own revision is not returned; the bucket's last revision is at least that.
    match crate::store::last_revision(&lattice.bucket).await {
        Ok(revision) => link_applied(lattice, revision, "link deletion").await,
        Err(e) => CtlOperationAck::error(format!(
            "the link deletion is stored, but reading the bucket's revision failed: {e}"
        )),
    }
}

fn ping_reply(lattice: &Lattice) -> Host {
    let host_of = |url: &str| {
        wash_nats::without_user(url)
            .split("://")
            .last()
            .unwrap_or(url)
            .split(':')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    Host {
        id: lattice.id(),
        issuer: Some(lattice.cluster_key.public_key()),
        labels: Some(lattice.labels.clone()),
        friendly_name: Some(lattice.friendly_name.clone()),
        uptime_seconds: lattice.uptime_seconds(),
        uptime_human: Some(uptime_human(lattice.uptime_seconds())),
        version: Some(env!("CARGO_PKG_VERSION").into()),
        cluster_issuers: Some(lattice.issuers.join(",")),
        js_domain: lattice.config.js_domain.clone(),
        ctl_host: Some(host_of(&lattice.config.nats_url)),
        rpc_host: Some(host_of(&lattice.config.nats_url)),
        prov_rpc_host: Some(host_of(
            lattice
                .config
                .provider_rpc_url
                .as_deref()
                .unwrap_or(&lattice.config.nats_url),
        )),
        lattice_prefix: Some(lattice.config.lattice.clone()),
    }
}

fn inventory(lattice: &Lattice) -> HostInventory {
    let mut actors: Vec<ActorDescription> = lattice
        .actors
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .map(|a| ActorDescription {
            id: a.identity.public_key.clone(),
            image_ref: Some(a.image_ref()),
            name: a.identity.name.clone(),
            instances: a.instances(),
        })
        .collect();
    actors.sort_by(|a, b| a.id.cmp(&b.id));
    let mut providers: Vec<ProviderDescription> = lattice
        .providers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .map(|p| ProviderDescription {
            id: p.identity.public_key.clone(),
            link_name: p.link_name.clone(),
            contract_id: p.identity.contract_id.clone(),
            name: p.identity.name.clone(),
            image_ref: Some(p.image_ref.clone()),
            revision: p.identity.rev.unwrap_or_default(),
            annotations: p.annotations.clone(),
        })
        .collect();
    providers.sort_by(|a, b| (&a.id, &a.link_name).cmp(&(&b.id, &b.link_name)));
    HostInventory {
        host_id: lattice.id(),
        issuer: lattice.cluster_key.public_key(),
        friendly_name: lattice.friendly_name.clone(),
        labels: lattice.labels.clone(),
        actors,
        providers,
    }
}
