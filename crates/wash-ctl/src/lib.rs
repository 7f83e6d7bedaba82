//! A client for the wasmCloud 0.x control interface: JSON requests on `wasmbus.ctl.<lattice>.*`,
//! scatter-gather pings and auctions, and lattice events on `wasmbus.evt.<lattice>` for waiting on the
//! outcome of a start; plus `wash call`'s signed invocations of actors ([`call`]) and the msgpack ⇄ JSON
//! conversion of their payloads ([`payload`]).

pub mod call;
mod error;
pub mod ids;
pub mod manifest;
mod ops;
pub mod payload;
pub mod spy;

use std::time::Duration;

use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wash_wire::ctl::{
    ActorAuctionAck, ActorAuctionRequest, CtlOperationAck, GetClaimsResponse, Host, HostInventory,
    LinkDefinitionList, ProviderAuctionAck, ProviderAuctionRequest, ScaleActorCommand,
    StartActorCommand, StartProviderCommand, StopActorCommand, StopHostCommand,
    StopProviderCommand, StringMap, UpdateActorCommand,
};
use wash_wire::events::CloudEvent;
use wash_wire::subjects::CtlSubjects;
use wash_wire::LinkDefinition;

pub use error::CtlError;
pub use ops::{Placement, ScaleOutcome, StartError, StartOutcome, StopOutcome};
pub use wash_nats::{host_and_port, redact, without_user, NatsAuth, NatsConnect, NatsTls};

/// Default timeout of one control request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// Default collection window of pings and auctions.
pub const DEFAULT_AUCTION_TIMEOUT: Duration = Duration::from_secs(5);

/// A control-interface client bound to one lattice.
#[derive(Debug, Clone)]
pub struct CtlClient {
    nats: async_nats::Client,
    lattice: String,
    url: String,
    subjects: CtlSubjects,
    timeout: Duration,
    auction_timeout: Duration,
    /// Subjects the server refused this client, when connected by [`CtlClient::connect_with`].
    violations: Option<wash_nats::Violations>,
}

impl CtlClient {
    /// A client on `nats` for `lattice` with the default timeouts and subject prefix.
    pub fn new(nats: async_nats::Client, lattice: impl Into<String>) -> Self {
        let lattice = lattice.into();
        Self {
            subjects: CtlSubjects::new(wash_wire::subjects::DEFAULT_CTL_PREFIX, &lattice),
            nats,
            lattice,
            url: String::new(),
            timeout: DEFAULT_TIMEOUT,
            auction_timeout: DEFAULT_AUCTION_TIMEOUT,
            violations: None,
        }
    }

    /// Connects to `url` (no credentials) and returns a client for `lattice`.
    pub async fn connect(url: &str, lattice: impl Into<String>) -> Result<Self, CtlError> {
        Self::connect_with(&NatsConnect::new(url, "wash"), lattice).await
    }

    /// Connects with NATS credentials and TLS settings and returns a client for `lattice`.
    pub async fn connect_with(
        settings: &NatsConnect,
        lattice: impl Into<String>,
    ) -> Result<Self, CtlError> {
        let (nats, violations) = settings.connect_watching().await?;
        let mut client = Self::new(nats, lattice).with_url(wash_nats::redact(&settings.url));
        client.violations = Some(violations);
        Ok(client)
    }

    /// Uses `prefix` in place of `wasmbus.ctl` in control subjects (wash 0.18.1's
    /// `WASMCLOUD_CTL_TOPIC_PREFIX`).
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.subjects = CtlSubjects::new(prefix, &self.lattice);
        self
    }

    /// Records the NATS URL (used in error messages).
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }

    /// The error for a request to `subject` that the server refused this user (its permissions), if
    /// it did.
    pub fn refusal(&self, subject: &str) -> Option<CtlError> {
        let message = self.violations.as_ref()?.about(subject)?;
        Some(CtlError::PermissionDenied {
            subject: subject.to_owned(),
            message,
        })
    }

    /// The NATS URL this client was connected to (empty when unknown).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The error for "no host answers on this lattice".
    pub fn no_host_error(&self) -> CtlError {
        CtlError::NoHost {
            lattice: self.lattice.clone(),
            url: self.url.clone(),
        }
    }

    /// The error for "this host does not answer".
    pub fn host_not_found_error(&self, host_id: &str) -> CtlError {
        CtlError::HostNotFound {
            host_id: host_id.into(),
            lattice: self.lattice.clone(),
            url: self.url.clone(),
        }
    }

    /// Sets the timeout of single requests.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the collection window of pings and auctions.
    pub fn with_auction_timeout(mut self, timeout: Duration) -> Self {
        self.auction_timeout = timeout;
        self
    }

    /// The lattice this client talks to.
    pub fn lattice(&self) -> &str {
        &self.lattice
    }

    /// The timeout of single requests.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The underlying NATS client.
    pub fn nats(&self) -> &async_nats::Client {
        &self.nats
    }

    async fn request<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        subject: String,
        body: &Req,
        what: &'static str,
    ) -> Result<Resp, CtlError> {
        let payload = serde_json::to_vec(body).map_err(|e| CtlError::Encode(e.to_string()))?;
        self.request_raw(subject, payload, what).await
    }

    async fn request_raw<Resp: DeserializeOwned>(
        &self,
        subject: String,
        payload: Vec<u8>,
        what: &'static str,
    ) -> Result<Resp, CtlError> {
        let reply = tokio::time::timeout(
            self.timeout,
            wash_trace::request(&self.nats, subject.clone(), payload),
        )
        .await
        .map_err(|_| {
            self.refusal(&subject).unwrap_or(CtlError::Timeout {
                what,
                timeout: self.timeout,
            })
        })?
        .map_err(|e| match e.kind() {
            async_nats::RequestErrorKind::NoResponders => match host_of(&subject) {
                Some(host_id) => self.host_not_found_error(host_id),
                None => self.no_host_error(),
            },
            async_nats::RequestErrorKind::TimedOut => {
                self.refusal(&subject).unwrap_or(CtlError::Timeout {
                    what,
                    timeout: self.timeout,
                })
            }
            _ => CtlError::Nats(e.to_string()),
        })?;
        serde_json::from_slice(&reply.payload).map_err(|e| CtlError::Decode {
            what,
            reason: e.to_string(),
        })
    }

    async fn scatter_gather<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        subject: String,
        body: Option<&Req>,
    ) -> Result<Vec<Resp>, CtlError> {
        let inbox = self.nats.new_inbox();
        let mut sub = self
            .nats
            .subscribe(inbox.clone())
            .await
            .map_err(|e| CtlError::Nats(e.to_string()))?;
        let payload = match body {
            Some(body) => serde_json::to_vec(body).map_err(|e| CtlError::Encode(e.to_string()))?,
            None => Vec::new(),
        };
        self.nats
            .publish_with_reply(subject, inbox, payload.into())
            .await
            .map_err(|e| CtlError::Nats(e.to_string()))?;
        let deadline = tokio::time::Instant::now() + self.auction_timeout;
        let mut replies = Vec::new();
        while let Ok(Some(message)) = tokio::time::timeout_at(deadline, sub.next()).await {
            // NATS answers a request nobody subscribes to with a 503 status: no host at all.
            if message.status == Some(async_nats::StatusCode::NO_RESPONDERS) && replies.is_empty() {
                return Err(self.no_host_error());
            }
            if message.payload.is_empty() {
                break;
            }
            match serde_json::from_slice(&message.payload) {
                Ok(reply) => replies.push(reply),
                Err(err) => {
                    tracing::debug!(%err, "ignoring undecodable scatter-gather reply");
                    break;
                }
            }
        }
        Ok(replies)
    }

    /// Every host that answers a ping within the collection window ([`CtlError::NoHost`] when NATS
    /// reports that nobody listens).
    pub async fn get_hosts(&self) -> Result<Vec<Host>, CtlError> {
        self.scatter_gather::<(), Host>(self.subjects.ping_hosts(), None)
            .await
    }

    /// Pings hosts and returns as soon as one answers (or `None` after the collection window).
    pub async fn first_host(&self) -> Result<Option<Host>, CtlError> {
        let inbox = self.nats.new_inbox();
        let mut sub = self
            .nats
            .subscribe(inbox.clone())
            .await
            .map_err(|e| CtlError::Nats(e.to_string()))?;
        self.nats
            .publish_with_reply(self.subjects.ping_hosts(), inbox, Vec::new().into())
            .await
            .map_err(|e| CtlError::Nats(e.to_string()))?;
        match tokio::time::timeout(self.auction_timeout, sub.next()).await {
            Ok(Some(message)) => Ok(serde_json::from_slice(&message.payload).ok()),
            _ => Ok(None),
        }
    }

    /// The inventory of one host.
    pub async fn get_inventory(&self, host_id: &str) -> Result<HostInventory, CtlError> {
        self.request_raw(
            self.subjects.inventory(host_id),
            Vec::new(),
            "host inventory",
        )
        .await
    }

    /// Claims of every actor and provider known to the lattice.
    pub async fn get_claims(&self) -> Result<GetClaimsResponse, CtlError> {
        self.request_raw(self.subjects.get_claims(), Vec::new(), "claims")
            .await
    }

    /// Every link definition of the lattice.
    pub async fn get_links(&self) -> Result<LinkDefinitionList, CtlError> {
        self.request_raw(self.subjects.get_links(), Vec::new(), "links")
            .await
    }

    /// Puts a link definition.
    pub async fn put_link(&self, link: &LinkDefinition) -> Result<CtlOperationAck, CtlError> {
        self.request(self.subjects.link_put(), link, "link put acknowledgement")
            .await
    }

    /// Deletes the link of (actor, contract, link name).
    pub async fn delete_link(
        &self,
        actor_id: &str,
        contract_id: &str,
        link_name: &str,
    ) -> Result<CtlOperationAck, CtlError> {
        let link = LinkDefinition {
            actor_id: actor_id.into(),
            contract_id: contract_id.into(),
            link_name: link_name.into(),
            ..LinkDefinition::default()
        };
        self.request(
            self.subjects.link_del(),
            &link,
            "link delete acknowledgement",
        )
        .await
    }

    /// Hosts bidding to run an actor under `constraints`.
    pub async fn actor_auction(
        &self,
        actor_ref: &str,
        constraints: StringMap,
    ) -> Result<Vec<ActorAuctionAck>, CtlError> {
        let req = ActorAuctionRequest {
            actor_ref: actor_ref.into(),
            constraints,
        };
        self.scatter_gather(self.subjects.auction_actor(), Some(&req))
            .await
    }

    /// Hosts bidding to run a provider instance under `constraints`.
    pub async fn provider_auction(
        &self,
        provider_ref: &str,
        link_name: &str,
        constraints: StringMap,
    ) -> Result<Vec<ProviderAuctionAck>, CtlError> {
        let req = ProviderAuctionRequest {
            provider_ref: provider_ref.into(),
            link_name: link_name.into(),
            constraints,
        };
        self.scatter_gather(self.subjects.auction_provider(), Some(&req))
            .await
    }

    /// Asks a host to start actor instances (acknowledged before the work is done).
    pub async fn start_actor(&self, cmd: &StartActorCommand) -> Result<CtlOperationAck, CtlError> {
        self.request(
            self.subjects.command(&cmd.host_id, "la"),
            cmd,
            "start actor acknowledgement",
        )
        .await
    }

    /// Asks a host to stop actor instances.
    pub async fn stop_actor(&self, cmd: &StopActorCommand) -> Result<CtlOperationAck, CtlError> {
        self.request(
            self.subjects.command(&cmd.host_id, "sa"),
            cmd,
            "stop actor acknowledgement",
        )
        .await
    }

    /// Asks a host to run exactly `count` instances of an actor.
    pub async fn scale_actor(&self, cmd: &ScaleActorCommand) -> Result<CtlOperationAck, CtlError> {
        self.request(
            self.subjects.command(&cmd.host_id, "scale"),
            cmd,
            "scale actor acknowledgement",
        )
        .await
    }

    /// Asks a host to live-update an actor.
    pub async fn update_actor(
        &self,
        cmd: &UpdateActorCommand,
    ) -> Result<CtlOperationAck, CtlError> {
        self.request(
            self.subjects.command(&cmd.host_id, "upd"),
            cmd,
            "update actor acknowledgement",
        )
        .await
    }

    /// Asks a host to start a provider instance.
    pub async fn start_provider(
        &self,
        cmd: &StartProviderCommand,
    ) -> Result<CtlOperationAck, CtlError> {
        self.request(
            self.subjects.command(&cmd.host_id, "lp"),
            cmd,
            "start provider acknowledgement",
        )
        .await
    }

    /// Asks a host to stop a provider instance.
    pub async fn stop_provider(
        &self,
        cmd: &StopProviderCommand,
    ) -> Result<CtlOperationAck, CtlError> {
        self.request(
            self.subjects.command(&cmd.host_id, "sp"),
            cmd,
            "stop provider acknowledgement",
        )
        .await
    }

    /// Asks a host to stop.
    pub async fn stop_host(
        &self,
        host_id: &str,
        timeout_ms: Option<u64>,
    ) -> Result<CtlOperationAck, CtlError> {
        let cmd = StopHostCommand {
            host_id: host_id.into(),
            timeout: timeout_ms,
        };
        self.request(
            self.subjects.command(host_id, "stop"),
            &cmd,
            "stop host acknowledgement",
        )
        .await
    }

    /// Subscribes to the lattice's events (subscribe before sending the command you wait on).
    pub async fn events(&self) -> Result<EventStream, CtlError> {
        let sub = self
            .nats
            .subscribe(wash_wire::subjects::events(&self.lattice))
            .await
            .map_err(|e| CtlError::Nats(e.to_string()))?;
        Ok(EventStream { sub })
    }
}

/// Connects to NATS as `settings` say, with errors that name the flags to use.
pub async fn connect(settings: &NatsConnect) -> Result<async_nats::Client, CtlError> {
    settings.connect().await.map_err(CtlError::from)
}

/// The host id in a host-addressed control subject (`….get.<host>.inv`, `….cmd.<host>.<verb>`).
fn host_of(subject: &str) -> Option<&str> {
    let mut tokens = subject.split('.').rev();
    let _verb = tokens.next()?;
    let host = tokens.next()?;
    let kind = tokens.next()?;
    (matches!(kind, "get" | "cmd") && host.len() == 56 && host.starts_with('N')).then_some(host)
}

/// Lattice events as they arrive; non-CloudEvent messages are dropped.
#[derive(Debug)]
pub struct EventStream {
    sub: async_nats::Subscriber,
}

impl EventStream {
    /// The next event, or `None` when the stream closed.
    pub async fn next(&mut self) -> Option<CloudEvent> {
        while let Some(message) = self.sub.next().await {
            if let Some(event) = CloudEvent::parse(&message.payload) {
                return Some(event);
            }
        }
        None
    }

    /// Waits up to `timeout` for the first event `matches` accepts.
    pub async fn wait_for(
        &mut self,
        timeout: Duration,
        mut matches: impl FnMut(&CloudEvent) -> bool,
    ) -> Result<CloudEvent, CtlError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.next()).await {
                Ok(Some(event)) if matches(&event) => return Ok(event),
                Ok(Some(_)) => {}
                Ok(None) => return Err(CtlError::Nats("event subscription closed".into())),
                Err(_) => {
                    return Err(CtlError::Timeout {
                        what: "lattice event",
                        timeout,
                    })
                }
            }
        }
    }
}
