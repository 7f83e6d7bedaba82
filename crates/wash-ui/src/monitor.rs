//! The background task that keeps the [`LatticeView`] current: it listens to the lattice events, pings
//! for hosts, asks every host for its inventory, watches the NATS connection, and publishes each new
//! view on a watch channel that every open page streams from.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_nats::connection::State;
use tokio::sync::{mpsc, watch, Notify};
use wash_ctl::{CtlClient, EventStream};
use wash_wire::ctl::Host;
use wash_wire::events::CloudEvent;

use crate::view::{self, HealthMap, HostView, LatticeView, NatsStatus, ProviderHealth};

/// How often the view is refreshed without any event (uptimes, anything missed).
const REFRESH_EVERY: Duration = Duration::from_secs(5);
/// How often hosts are pinged (new hosts also announce themselves with `host_started`).
const PING_EVERY: Duration = Duration::from_secs(15);
/// How often the NATS connection state is looked at.
const CONNECTION_CHECK_EVERY: Duration = Duration::from_millis(250);
/// Events arriving within this time of each other are folded into one refresh.
const EVENT_QUIET: Duration = Duration::from_millis(100);

/// Wakes the monitor for an immediate refresh (after an action of the page).
#[derive(Debug, Clone)]
pub(crate) struct RefreshHandle(Arc<Notify>);

impl RefreshHandle {
    /// Asks for a refresh as soon as possible.
    pub(crate) fn refresh(&self) {
        self.0.notify_one();
    }
}

/// The state behind the published views.
pub(crate) struct Monitor {
    client: CtlClient,
    views: watch::Sender<Arc<LatticeView>>,
    notify: Arc<Notify>,
    hosts: BTreeMap<String, Host>,
    health: HealthMap,
    events: Vec<view::EventEntry>,
    /// Provider instances already asked for their health by the dashboard itself.
    probed: HashSet<(String, String)>,
    probes: mpsc::Sender<((String, String), ProviderHealth)>,
    probe_answers: Option<mpsc::Receiver<((String, String), ProviderHealth)>>,
    connected: bool,
    revision: u64,
}

impl Monitor {
    /// A monitor of `client`'s lattice and the receiver of its views.
    pub(crate) fn new(client: CtlClient) -> (Self, watch::Receiver<Arc<LatticeView>>) {
        let first = LatticeView {
            lattice: client.lattice().to_owned(),
            nats_url: client.url().to_owned(),
            nats: NatsStatus {
                connected: true,
                message: None,
            },
            ..LatticeView::default()
        };
        let (views, receiver) = watch::channel(Arc::new(first));
        let (probes, probe_answers) = mpsc::channel(16);
        let monitor = Self {
            client,
            views,
            notify: Arc::new(Notify::new()),
            hosts: BTreeMap::new(),
            health: HealthMap::new(),
            events: Vec::new(),
            probed: HashSet::new(),
            probes,
            probe_answers: Some(probe_answers),
            connected: true,
            revision: 0,
        };
        (monitor, receiver)
    }

    /// A handle that triggers a refresh.
    pub(crate) fn refresh_handle(&self) -> RefreshHandle {
        RefreshHandle(self.notify.clone())
    }

    /// Runs until aborted.
    pub(crate) async fn run(mut self) {
        let mut events = self.subscribe().await;
        let (ping_tx, mut ping_rx) = mpsc::channel::<Vec<Host>>(4);
        let Some(mut probe_answers) = self.probe_answers.take() else {
            return;
        };
        self.spawn_ping(&ping_tx);
        let mut refresh_tick = tokio::time::interval(REFRESH_EVERY);
        let mut ping_tick = tokio::time::interval(PING_EVERY);
        let mut connection_tick = tokio::time::interval(CONNECTION_CHECK_EVERY);
        for tick in [&mut refresh_tick, &mut ping_tick, &mut connection_tick] {
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        }
        loop {
            tokio::select! {
                event = next_event(&mut events) => {
                    match event {
                        Some(event) => {
                            self.record(&event, &ping_tx);
                            // Fold a burst of events into one refresh.
                            while let Ok(Some(more)) = tokio::time::timeout(EVENT_QUIET, next_event(&mut events)).await {
                                self.record(&more, &ping_tx);
                            }
                            self.refresh().await;
                        }
                        None => {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            events = self.subscribe().await;
                        }
                    }
                }
                Some(hosts) = ping_rx.recv() => {
                    self.hosts = hosts.into_iter().map(|h| (h.id.clone(), h)).collect();
                    self.refresh().await;
                }
                Some((key, health)) = probe_answers.recv() => {
                    // The host's own checks (events) win once they report.
                    if let std::collections::hash_map::Entry::Vacant(entry) = self.health.entry(key) {
                        entry.insert(health);
                        self.refresh().await;
                    }
                }
                _ = refresh_tick.tick() => self.refresh().await,
                _ = ping_tick.tick() => self.spawn_ping(&ping_tx),
                () = self.notify.notified() => self.refresh().await,
                _ = connection_tick.tick() => {
                    if let Some(connected) = self.connection_changed() {
                        if connected {
                            if events.is_none() {
                                events = self.subscribe().await;
                            }
                            self.spawn_ping(&ping_tx);
                        }
                        self.refresh().await;
                    }
                }
            }
        }
    }

    /// Compares the NATS client's connection state with the last one seen: `Some(connected)` when it
    /// changed (and logs it), `None` when not.
    fn connection_changed(&mut self) -> Option<bool> {
        let connected = self.client.nats().connection_state() == State::Connected;
        if connected == self.connected {
            return None;
        }
        self.connected = connected;
        if connected {
            tracing::info!("NATS connection is back");
        } else {
            tracing::warn!("lost the NATS connection");
        }
        Some(connected)
    }

    async fn subscribe(&self) -> Option<EventStream> {
        match self.client.events().await {
            Ok(events) => Some(events),
            Err(err) => {
                tracing::warn!(%err, "cannot subscribe to lattice events");
                None
            }
        }
    }

    /// Pings hosts in the background (the collection window takes a while) and sends the answers back.
    fn spawn_ping(&self, answers: &mpsc::Sender<Vec<Host>>) {
        if !self.connected {
            return;
        }
        let client = self.client.clone();
        let answers = answers.clone();
        tokio::spawn(async move {
            match client.get_hosts().await {
                Ok(hosts) => {
                    let _ = answers.send(hosts).await;
                }
                Err(wash_ctl::CtlError::NoHost { .. }) => {
                    let _ = answers.send(Vec::new()).await;
                }
                Err(err) => tracing::debug!(%err, "host ping failed"),
            }
        });
    }

    /// Takes note of one event: health, hosts coming and going, the event log.
    fn record(&mut self, event: &CloudEvent, ping: &mpsc::Sender<Vec<Host>>) {
        tracing::debug!(event = event.name(), "lattice event");
        let key = || {
            (
                event.data["public_key"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                event.data["link_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        };
        match event.name() {
            "health_check_passed" => {
                self.health.insert(key(), ProviderHealth::Healthy);
            }
            "health_check_failed" => {
                self.health.insert(key(), ProviderHealth::Unhealthy);
            }
            "health_check_status" => {
                // No change: the last pass or failure stands; a first report means it answered as before.
                self.health.entry(key()).or_insert(ProviderHealth::Healthy);
            }
            "provider_started" | "provider_stopped" => {
                self.health.remove(&key());
                self.probed.remove(&key());
            }
            "host_started" => self.spawn_ping(ping),
            "host_stopped" => {
                self.hosts.remove(&event.source);
            }
            _ => {}
        }
        if event.name() != "host_heartbeat" && event.name() != "health_check_status" {
            self.events.insert(0, view::event_entry(event));
            self.events.truncate(view::RECENT_EVENTS);
        }
    }

    /// Builds a new view from the control interface and publishes it.
    async fn refresh(&mut self) {
        // A lost connection shows at once, whichever branch asked for the refresh (reconnecting is the
        // connection tick's job: it also subscribes again).
        if self.connected {
            let _ = self.connection_changed();
        }
        let started = tokio::time::Instant::now();
        self.build_and_publish().await;
        tracing::debug!(elapsed = ?started.elapsed(), connected = self.connected, "refreshed the lattice view");
    }

    async fn build_and_publish(&mut self) {
        let previous = self.views.borrow().clone();
        let mut next = LatticeView {
            lattice: previous.lattice.clone(),
            nats_url: previous.nats_url.clone(),
            events: self.events.clone(),
            ..LatticeView::default()
        };
        if !self.connected {
            // Keep showing the last known lattice, marked stale by the connection message.
            next.hosts = previous.hosts.clone();
            next.actors = previous.actors.clone();
            next.providers = previous.providers.clone();
            next.links = previous.links.clone();
            next.nats = NatsStatus {
                connected: false,
                message: Some(format!(
                    "lost the connection to NATS at {}: reconnecting… The lattice below is the last one seen, \
                     and changes are not possible until NATS is back.",
                    self.client.url()
                )),
            };
            self.publish(next);
            return;
        }
        next.nats = NatsStatus {
            connected: true,
            message: None,
        };
        let mut problems = Vec::new();
        let claims = match self.client.get_claims().await {
            Ok(claims) => claims.claims,
            Err(err) => {
                if !self.hosts.is_empty() {
                    problems.push(format!("claims: {err}"));
                }
                Vec::new()
            }
        };
        let mut gone = Vec::new();
        for (id, host) in &self.hosts {
            match self.client.get_inventory(id).await {
                Ok(inventory) => {
                    let mut host_view = HostView::from_host(host);
                    if host_view.labels.is_empty() {
                        host_view.labels = inventory.labels.clone();
                    }
                    next.hosts.push(host_view);
                    view::add_inventory(&mut next, &inventory, &claims, &self.health);
                }
                Err(wash_ctl::CtlError::HostNotFound { .. }) => gone.push(id.clone()),
                Err(err) => {
                    problems.push(format!("host {id}: {err}"));
                    // Keep what was known about it.
                    next.hosts
                        .extend(previous.hosts.iter().filter(|h| h.id == *id).cloned());
                    next.actors
                        .extend(previous.actors.iter().filter(|a| a.host_id == *id).cloned());
                    next.providers.extend(
                        previous
                            .providers
                            .iter()
                            .filter(|p| p.host_id == *id)
                            .cloned(),
                    );
                }
            }
        }
        for id in gone {
            self.hosts.remove(&id);
        }
        match self.client.get_links().await {
            Ok(links) => next.links = links.links,
            Err(err) => {
                if !self.hosts.is_empty() {
                    problems.push(format!("links: {err}"));
                }
                next.links = previous.links.clone();
            }
        }
        next.links.sort_by(|a, b| {
            (&a.actor_id, &a.contract_id, &a.link_name).cmp(&(
                &b.actor_id,
                &b.contract_id,
                &b.link_name,
            ))
        });
        if next.hosts.is_empty() {
            problems.push(format!(
                "no host answers on lattice `{}`: start one with `wash up`",
                self.client.lattice()
            ));
        }
        next.problem = (!problems.is_empty()).then(|| problems.join("; "));
        self.probe_pending(&next);
        self.publish(next);
    }

    /// Hosts check provider health every 30 s or so: ask a new provider instance once ourselves, so
    /// the page need not show "awaiting health check" that long. (The host's health subject is on the
    /// RPC lattice, which `wash up` makes the same as the control lattice.) No answer leaves it pending.
    fn probe_pending(&mut self, view: &LatticeView) {
        for provider in &view.providers {
            let key = (provider.id.clone(), provider.link_name.clone());
            if provider.health != ProviderHealth::Pending || !self.probed.insert(key.clone()) {
                continue;
            }
            let subject =
                wash_wire::subjects::provider_health(self.client.lattice(), &key.0, &key.1);
            let nats = self.client.nats().clone();
            let answers = self.probes.clone();
            tokio::spawn(async move {
                let body = wash_wire::msgpack::encode(
                    &serde_json::json!({"placeholder": true}),
                    "health request",
                )
                .unwrap_or_default();
                let reply = tokio::time::timeout(
                    Duration::from_secs(2),
                    nats.request(subject, body.into()),
                )
                .await;
                let Ok(Ok(reply)) = reply else { return };
                let Ok(answer) = wash_wire::msgpack::decode::<wash_wire::rpc::HealthCheckResponse>(
                    &reply.payload,
                    "health reply",
                ) else {
                    return;
                };
                let health = if answer.healthy {
                    ProviderHealth::Healthy
                } else {
                    ProviderHealth::Unhealthy
                };
                let _ = answers.send((key, health)).await;
            });
        }
    }

    fn publish(&mut self, mut next: LatticeView) {
        let previous = self.views.borrow().clone();
        next.revision = previous.revision;
        if *previous == next {
            return;
        }
        self.revision += 1;
        next.revision = self.revision;
        self.views.send_replace(Arc::new(next));
    }
}

/// The next event, or `None` when there is no subscription (then never ready) or it closed.
async fn next_event(events: &mut Option<EventStream>) -> Option<CloudEvent> {
    match events {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}
