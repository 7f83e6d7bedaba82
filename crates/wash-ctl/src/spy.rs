//! `wash spy`: watch the RPC traffic of one actor on the lattice — the invocations it receives and
//! sends, and the replies to them — decoded for people.
//!
//! Invocations travel on `wasmbus.rpc.<lattice>.…` (actors at `….<actor-key>`, providers at
//! `….<provider-key>.<link-name>`); one subscription to `wasmbus.rpc.<lattice>.>` sees them all, and the
//! ones whose origin or target is the actor are kept. Replies go to the caller's inbox: the spy also
//! listens on `_INBOX.>` and pairs a reply with the invocation whose reply subject it was sent to. A user
//! whose permissions refuse `_INBOX.>` still sees the invocations.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;
use wash_wire::rpc::{Invocation, InvocationResponse, WasmCloudEntity};

use crate::payload::decode_reply;
use crate::{CtlClient, CtlError};

/// How long an unanswered invocation is remembered (longer than any RPC timeout, chunked ones too).
const PENDING_FOR: Duration = Duration::from_secs(120);

/// The actor could not be found from what the user typed.
#[derive(Debug, thiserror::Error)]
pub enum SpyError {
    /// No actor's id, name or call alias matches.
    #[error("no actor on lattice `{lattice}` has the id, name or call alias `{query}`: `wash ctl get claims` lists them")]
    NoActor {
        /// What was typed.
        query: String,
        /// The lattice.
        lattice: String,
    },
    /// Several actors match a name.
    #[error("several actors match `{query}`; pass one of their ids: {}", .matches.join(", "))]
    Ambiguous {
        /// What was typed.
        query: String,
        /// `<id> (<name>)` of each match.
        matches: Vec<String>,
    },
    /// A control request or the subscription failed.
    #[error(transparent)]
    Ctl(#[from] CtlError),
}

/// One message the spy saw.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Observed {
    /// An invocation to or from the actor.
    Invocation {
        /// The invocation id.
        id: String,
        /// `<Service>.<Operation>`.
        operation: String,
        /// Name (from the claims) or key of the caller.
        from: String,
        /// Name or key of the callee.
        to: String,
        /// The host that sent it.
        host_id: String,
        /// The argument, decoded from msgpack to JSON where it is msgpack (`null` when chunked).
        message: Value,
        /// The argument's length in bytes (the whole length when it travels in chunks).
        size: u64,
        /// Whether the argument travels in the lattice's object store (too large for one message).
        chunked: bool,
    },
    /// The reply to an invocation seen before.
    Reply {
        /// The invocation id.
        id: String,
        /// The operation it answers.
        operation: String,
        /// Name or key of the callee that answered.
        from: String,
        /// Name or key of the caller.
        to: String,
        /// The result, decoded like the argument (`null` on error or when chunked).
        message: Value,
        /// The result's length in bytes.
        size: u64,
        /// Whether the result travels in chunks.
        chunked: bool,
        /// The callee's error, if the invocation failed.
        error: Option<String>,
        /// Milliseconds between the invocation and its reply, as seen by the spy.
        elapsed_ms: u64,
    },
}

/// An invocation waiting for its reply.
struct Pending {
    id: String,
    operation: String,
    from: String,
    to: String,
    seen: Instant,
}

/// A live view of one actor's RPC traffic.
pub struct Spy {
    actor_id: String,
    actor_name: Option<String>,
    names: HashMap<String, String>,
    rpc: async_nats::Subscriber,
    replies: Option<async_nats::Subscriber>,
    pending: HashMap<String, Pending>,
}

impl std::fmt::Debug for Spy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spy")
            .field("actor_id", &self.actor_id)
            .finish_non_exhaustive()
    }
}

impl Spy {
    /// Finds the actor (`query` is its id, or part of its name or call alias, as wash 0.18.1 took) and
    /// subscribes. Names of actors and providers come from the lattice's claims.
    pub async fn start(client: &CtlClient, query: &str) -> Result<Self, SpyError> {
        let claims = client.get_claims().await?.claims;
        let names: HashMap<String, String> = claims
            .iter()
            .filter_map(|c| {
                let key = c.get("sub")?;
                let name = c.get("name").filter(|n| !n.is_empty())?;
                Some((key.clone(), name.clone()))
            })
            .collect();
        let actor_id = if crate::ids::check_actor_id(query).is_ok() {
            query.to_owned()
        } else {
            let wanted = query.to_lowercase();
            let matches: Vec<&HashMap<String, String>> = claims
                .iter()
                .filter(|c| c.get("sub").is_some_and(|k| k.starts_with('M')))
                .filter(|c| {
                    ["name", "call_alias"].iter().any(|field| {
                        c.get(*field)
                            .is_some_and(|v| !v.is_empty() && v.to_lowercase().contains(&wanted))
                    })
                })
                .collect();
            match matches.as_slice() {
                [] => {
                    return Err(SpyError::NoActor {
                        query: query.into(),
                        lattice: client.lattice().into(),
                    })
                }
                [one] => one["sub"].clone(),
                several => {
                    return Err(SpyError::Ambiguous {
                        query: query.into(),
                        matches: several
                            .iter()
                            .map(|c| {
                                format!(
                                    "{} ({})",
                                    c["sub"],
                                    c.get("name").map_or("", String::as_str)
                                )
                            })
                            .collect(),
                    })
                }
            }
        };
        let nats = client.nats();
        let subscribe_error = |e: async_nats::SubscribeError| CtlError::Nats(e.to_string());
        let rpc = nats
            .subscribe(format!("wasmbus.rpc.{}.>", client.lattice()))
            .await
            .map_err(subscribe_error)?;
        let replies = match nats.subscribe("_INBOX.>").await {
            Ok(sub) => Some(sub),
            Err(err) => {
                tracing::warn!(%err, "cannot watch replies; showing invocations only");
                None
            }
        };
        // Both subscriptions are in place on the server before the caller is told the spy runs.
        nats.flush()
            .await
            .map_err(|e| CtlError::Nats(e.to_string()))?;
        Ok(Self {
            actor_name: names.get(&actor_id).cloned(),
            actor_id,
            names,
            rpc,
            replies,
            pending: HashMap::new(),
        })
    }

    /// The actor's key.
    pub fn actor_id(&self) -> &str {
        &self.actor_id
    }

    /// The actor's name from its claims, if it has one.
    pub fn actor_name(&self) -> Option<&str> {
        self.actor_name.as_deref()
    }

    /// The next invocation or reply of the actor; `None` when the subscriptions end.
    pub async fn next(&mut self) -> Option<Observed> {
        loop {
            let message = match &mut self.replies {
                // Biased to invocations: a reply is dispatched after the invocation it answers (one
                // connection keeps order), so the invocation is always taken first.
                Some(replies) => tokio::select! {
                    biased;
                    message = self.rpc.next() => message?,
                    message = replies.next() => match message {
                        Some(message) => message,
                        None => {
                            self.replies = None;
                            continue;
                        }
                    },
                },
                None => self.rpc.next().await?,
            };
            let observed = if message.subject.starts_with("_INBOX.") {
                self.reply(&message.subject, &message.payload)
            } else {
                self.invocation(message.reply.as_deref(), &message.payload)
            };
            if observed.is_some() {
                return observed;
            }
        }
    }

    fn name_of(&self, entity: &WasmCloudEntity) -> String {
        self.names
            .get(&entity.public_key)
            .cloned()
            .unwrap_or_else(|| entity.public_key.clone())
    }

    fn invocation(&mut self, reply_to: Option<&str>, payload: &[u8]) -> Option<Observed> {
        // Health checks, link and shutdown messages share the subjects; they are no invocations.
        let invocation = Invocation::decode(payload).ok()?;
        if invocation.origin.public_key != self.actor_id
            && invocation.target.public_key != self.actor_id
        {
            return None;
        }
        let (from, to) = (
            self.name_of(&invocation.origin),
            self.name_of(&invocation.target),
        );
        let chunked = invocation.msg.is_empty() && invocation.content_length.unwrap_or(0) > 0;
        if let Some(reply_to) = reply_to {
            self.pending.retain(|_, p| p.seen.elapsed() < PENDING_FOR);
            self.pending.insert(
                reply_to.to_owned(),
                Pending {
                    id: invocation.id.clone(),
                    operation: invocation.operation.clone(),
                    from: from.clone(),
                    to: to.clone(),
                    seen: Instant::now(),
                },
            );
        }
        Some(Observed::Invocation {
            size: invocation
                .content_length
                .unwrap_or(invocation.msg.len() as u64),
            message: if chunked {
                Value::Null
            } else {
                decode_reply(&invocation.msg)
            },
            chunked,
            id: invocation.id,
            operation: invocation.operation,
            from,
            to,
            host_id: invocation.host_id,
        })
    }

    fn reply(&mut self, subject: &str, payload: &[u8]) -> Option<Observed> {
        let pending = self.pending.remove(subject)?;
        let response = InvocationResponse::decode(payload).ok()?;
        let chunked = response.msg.is_empty() && response.content_length.unwrap_or(0) > 0;
        Some(Observed::Reply {
            size: response.content_length.unwrap_or(response.msg.len() as u64),
            message: if chunked || response.error.is_some() {
                Value::Null
            } else {
                decode_reply(&response.msg)
            },
            chunked,
            error: response.error,
            elapsed_ms: u64::try_from(pending.seen.elapsed().as_millis()).unwrap_or(u64::MAX),
            id: pending.id,
            operation: pending.operation,
            from: pending.to,
            to: pending.from,
        })
    }
}
