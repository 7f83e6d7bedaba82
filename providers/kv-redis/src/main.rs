//! `kv-redis`: the `wasmcloud:keyvalue` capability provider backed by Redis (provider.md §8).
//!
//! Each linked actor gets the connection of its link value `URL` (any case), or the provider-wide
//! default: `config_json` `{"url": …}`, else `redis://127.0.0.1:6379/`.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use wash_provider::keyvalue::{KeyValueBackend, KeyValueProvider, KeyValueReply, KeyValueRequest};
use wash_provider::{LinkDefinition, ProviderHandle};
use wash_wire::interfaces::keyvalue::GetResponse;

/// Redis URL used when neither the link nor the provider configuration names one.
const DEFAULT_URL: &str = "redis://127.0.0.1:6379/";

/// The backend: the default connection, and the reply timeout for connections of links.
struct RedisBackend {
    default: Result<ConnectionManager, String>,
    timeout: Duration,
}

/// Reads the default URL from `config_json` (`{"url": …}`, key any case); falls back to [`DEFAULT_URL`].
fn default_url(config_json: Option<&str>) -> String {
    let Some(config) = config_json else {
        return DEFAULT_URL.to_owned();
    };
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(config) {
        Ok(map) => map
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("url"))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| DEFAULT_URL.to_owned()),
        Err(e) => {
            tracing::warn!(error = %e, "config_json is not a JSON object; using the default redis URL");
            DEFAULT_URL.to_owned()
        }
    }
}

/// A connection manager that connects on first use and reconnects after failures.
/// Replies may wait up to `timeout` (the RPC timeout: the caller gives up then anyway).
fn connect_lazily(url: &str, timeout: Duration) -> Result<ConnectionManager, String> {
    let client = redis::Client::open(url).map_err(|e| format!("invalid redis URL `{url}`: {e}"))?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(2);
    ConnectionManager::new_lazy_with_config(client, config)
        .map_err(|e| format!("cannot use redis at `{url}`: {e}"))
}

impl RedisBackend {
    fn new(provider: ProviderHandle) -> Self {
        let url = default_url(provider.host_data().config_json.as_deref());
        tracing::info!(%url, "default redis connection");
        let timeout = provider.rpc_timeout();
        Self {
            default: connect_lazily(&url, timeout),
            timeout,
        }
    }
}

async fn query<T: redis::FromRedisValue>(
    cmd: &redis::Cmd,
    con: &mut ConnectionManager,
) -> Result<T, String> {
    cmd.query_async(con)
        .await
        .map_err(|e| format!("redis error: {e}"))
}

fn cmd(name: &str) -> redis::Cmd {
    redis::cmd(name)
}

async fn run(
    request: KeyValueRequest,
    con: &mut ConnectionManager,
) -> Result<KeyValueReply, String> {
    use KeyValueReply as R;
    use KeyValueRequest as Q;
    Ok(match request {
        Q::Increment(inc) => {
            let n: i64 = query(cmd("INCRBY").arg(&inc.key).arg(inc.value), con).await?;
            R::Int(
                i32::try_from(n)
                    .map_err(|_| format!("value of `{}` overflows i32: {n}", inc.key))?,
            )
        }
        Q::Contains(key) => R::Bool(query::<i64>(cmd("EXISTS").arg(&key), con).await? > 0),
        Q::Del(key) => R::Bool(query::<i64>(cmd("DEL").arg(&key), con).await? > 0),
        Q::Get(key) => {
            let value: Option<String> = query(cmd("GET").arg(&key), con).await?;
            R::Get(GetResponse {
                exists: value.is_some(),
                value: value.unwrap_or_default(),
            })
        }
        Q::Set(set) => {
            let mut c = cmd("SET");
            c.arg(&set.key).arg(&set.value);
            if set.expires > 0 {
                c.arg("EX").arg(set.expires);
            }
            query::<()>(&c, con).await?;
            R::Unit
        }
        Q::ListAdd(add) => {
            R::Count(query(cmd("RPUSH").arg(&add.list_name).arg(&add.value), con).await?)
        }
        Q::ListClear(list) | Q::SetClear(list) => {
            R::Bool(query::<i64>(cmd("DEL").arg(&list), con).await? > 0)
        }
        Q::ListDel(del) => {
            let removed: i64 =
                query(cmd("LREM").arg(&del.list_name).arg(1).arg(&del.value), con).await?;
            R::Bool(removed > 0)
        }
        Q::ListRange(range) => R::Strings(
            query(
                cmd("LRANGE")
                    .arg(&range.list_name)
                    .arg(range.start)
                    .arg(range.stop),
                con,
            )
            .await?,
        ),
        Q::SetAdd(add) => {
            R::Count(query(cmd("SADD").arg(&add.set_name).arg(&add.value), con).await?)
        }
        Q::SetDel(del) => {
            R::Count(query(cmd("SREM").arg(&del.set_name).arg(&del.value), con).await?)
        }
        Q::SetIntersection(keys) | Q::SetUnion(keys) if keys.is_empty() => R::Strings(Vec::new()),
        Q::SetIntersection(keys) => R::Strings(query(cmd("SINTER").arg(&keys), con).await?),
        Q::SetUnion(keys) => R::Strings(query(cmd("SUNION").arg(&keys), con).await?),
        Q::SetQuery(key) => R::Strings(query(cmd("SMEMBERS").arg(&key), con).await?),
    })
}

impl KeyValueBackend for RedisBackend {
    /// The actor's own connection (link value `URL`), or `None` for the default one.
    type Actor = Option<ConnectionManager>;

    async fn link(&self, link: &LinkDefinition) -> Result<Self::Actor, String> {
        let Some(url) = link.value("URL") else {
            return Ok(None);
        };
        let connection = connect_lazily(url, self.timeout)?;
        tracing::info!(actor = %link.actor_id, %url, "actor uses its own redis");
        Ok(Some(connection))
    }

    async fn run(
        &self,
        own: Self::Actor,
        _operation: &str,
        request: KeyValueRequest,
    ) -> Result<KeyValueReply, String> {
        let mut con = match own {
            Some(connection) => connection,
            None => self.default.clone()?,
        };
        run(request, &mut con).await
    }
}

// mimalloc: 5–12% less CPU per request than glibc's allocator in the lattice benchmark (A/B in
// docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// One thread: a provider's work per call is I/O plus one signature. It shares the machine with the
// host, nats-server and other providers, where a second worker thread mostly adds cross-thread
// wake-ups (docs/benchmarks.md: about 8% more kvcounter requests/s with single-threaded providers).
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    wash_provider::exit_code(
        wash_provider::run_provider(|handle| KeyValueProvider::new(RedisBackend::new(handle)))
            .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default URL comes from `config_json` `url` in any case, else the local default.
    #[test]
    fn default_url_rules() {
        assert_eq!(default_url(None), DEFAULT_URL);
        assert_eq!(default_url(Some("not json")), DEFAULT_URL);
        assert_eq!(
            default_url(Some(r#"{"URL":"redis://h:1/"}"#)),
            "redis://h:1/"
        );
        assert_eq!(
            default_url(Some(r#"{"url":"redis://h:2/"}"#)),
            "redis://h:2/"
        );
        assert_eq!(default_url(Some(r#"{"other":1}"#)), DEFAULT_URL);
    }
}
