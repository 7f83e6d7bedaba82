//! An in-memory `wasmcloud:keyvalue` capability provider on the official wasmCloud 0.x provider SDK
//! (wasmbus-rpc 0.15 + wasmcloud-interface-keyvalue 0.12), built exactly as a 0.x provider author built one.
//!
//! Each linked actor gets a store of its own, created when the host delivers the link and dropped when
//! the link is deleted. Plain values, lists and sets share one key space per actor, as in Redis: using a
//! key as the wrong kind is an error. `Set` ignores `expires` (values live until deleted or unlinked).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use tokio::sync::RwLock;
use wasmbus_rpc::provider::prelude::*;
use wasmcloud_interface_keyvalue::{
    GetResponse, IncrementRequest, KeyValue, KeyValueReceiver, ListAddRequest, ListDelRequest,
    ListRangeRequest, SetAddRequest, SetDelRequest, SetRequest, StringList,
};

/// What one key holds.
enum Entry {
    Value(String),
    List(Vec<String>),
    Set(BTreeSet<String>),
}

impl Entry {
    fn kind(&self) -> &'static str {
        match self {
            Entry::Value(_) => "a value",
            Entry::List(_) => "a list",
            Entry::Set(_) => "a set",
        }
    }
}

/// One linked actor's data.
#[derive(Default)]
struct Store {
    entries: HashMap<String, Entry>,
}

fn wrong_kind(key: &str, entry: &Entry, wanted: &str) -> RpcError {
    RpcError::InvalidParameter(format!("key `{key}` holds {}, not {wanted}", entry.kind()))
}

impl Store {
    fn list_mut(&mut self, name: &str) -> RpcResult<&mut Vec<String>> {
        match self
            .entries
            .entry(name.to_owned())
            .or_insert_with(|| Entry::List(Vec::new()))
        {
            Entry::List(list) => Ok(list),
            other => Err(wrong_kind(name, other, "a list")),
        }
    }

    fn set_mut(&mut self, name: &str) -> RpcResult<&mut BTreeSet<String>> {
        match self
            .entries
            .entry(name.to_owned())
            .or_insert_with(|| Entry::Set(BTreeSet::new()))
        {
            Entry::Set(set) => Ok(set),
            other => Err(wrong_kind(name, other, "a set")),
        }
    }

    /// The members of set `name` (empty when it does not exist).
    fn set(&self, name: &str) -> RpcResult<BTreeSet<String>> {
        match self.entries.get(name) {
            None => Ok(BTreeSet::new()),
            Some(Entry::Set(set)) => Ok(set.clone()),
            Some(other) => Err(wrong_kind(name, other, "a set")),
        }
    }

    /// Removes `name` if it holds the kind `is_kind` accepts; whether it did.
    fn remove_if(&mut self, name: &str, is_kind: fn(&Entry) -> bool) -> bool {
        if self.entries.get(name).is_some_and(is_kind) {
            self.entries.remove(name);
            true
        } else {
            false
        }
    }
}

/// The provider: one [`Store`] per linked actor.
#[derive(Default, Clone, Provider)]
#[services(KeyValue)]
struct KvMemoryProvider {
    actors: Arc<RwLock<HashMap<String, Store>>>,
}

impl ProviderDispatch for KvMemoryProvider {}

#[async_trait]
impl ProviderHandler for KvMemoryProvider {
    async fn put_link(&self, ld: &LinkDefinition) -> RpcResult<bool> {
        self.actors
            .write()
            .await
            .entry(ld.actor_id.clone())
            .or_default();
        Ok(true)
    }

    async fn delete_link(&self, actor_id: &str) {
        self.actors.write().await.remove(actor_id);
    }
}

impl KvMemoryProvider {
    /// Runs `op` on the calling actor's store.
    async fn with_store<T>(
        &self,
        ctx: &Context,
        op: impl FnOnce(&mut Store) -> RpcResult<T>,
    ) -> RpcResult<T> {
        let actor = ctx.actor.as_deref().ok_or_else(|| {
            RpcError::InvalidParameter("the request names no calling actor".into())
        })?;
        let mut actors = self.actors.write().await;
        let store = actors
            .get_mut(actor)
            .ok_or_else(|| RpcError::InvalidParameter(format!("actor `{actor}` is not linked")))?;
        op(store)
    }
}

/// Inclusive `start..=stop` of a list of `len` items; negative indices count from the end.
fn inclusive_range(len: usize, start: i32, stop: i32) -> Option<std::ops::RangeInclusive<usize>> {
    let len = i64::try_from(len).ok()?;
    let resolve = |i: i32| {
        let i = i64::from(i);
        if i < 0 {
            len + i
        } else {
            i
        }
    };
    let start = resolve(start).max(0);
    let stop = resolve(stop).min(len - 1);
    if len == 0 || start > stop {
        return None;
    }
    Some(usize::try_from(start).ok()?..=usize::try_from(stop).ok()?)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[async_trait]
impl KeyValue for KvMemoryProvider {
    async fn increment(&self, ctx: &Context, arg: &IncrementRequest) -> RpcResult<i32> {
        self.with_store(ctx, |store| {
            let current = match store.entries.get(&arg.key) {
                None => 0,
                Some(Entry::Value(text)) => text.trim().parse::<i32>().map_err(|_| {
                    RpcError::InvalidParameter(format!(
                        "value of key `{}` is not an integer: `{text}`",
                        arg.key
                    ))
                })?,
                Some(other) => return Err(wrong_kind(&arg.key, other, "a value")),
            };
            let next = current.checked_add(arg.value).ok_or_else(|| {
                RpcError::InvalidParameter(format!("incrementing key `{}` overflows", arg.key))
            })?;
            store
                .entries
                .insert(arg.key.clone(), Entry::Value(next.to_string()));
            Ok(next)
        })
        .await
    }

    async fn contains<TS: ToString + ?Sized + std::marker::Sync>(
        &self,
        ctx: &Context,
        arg: &TS,
    ) -> RpcResult<bool> {
        let key = arg.to_string();
        self.with_store(ctx, |store| Ok(store.entries.contains_key(&key)))
            .await
    }

    async fn del<TS: ToString + ?Sized + std::marker::Sync>(
        &self,
        ctx: &Context,
        arg: &TS,
    ) -> RpcResult<bool> {
        let key = arg.to_string();
        self.with_store(ctx, |store| Ok(store.entries.remove(&key).is_some()))
            .await
    }

    async fn get<TS: ToString + ?Sized + std::marker::Sync>(
        &self,
        ctx: &Context,
        arg: &TS,
    ) -> RpcResult<GetResponse> {
        let key = arg.to_string();
        self.with_store(ctx, |store| match store.entries.get(&key) {
            None => Ok(GetResponse {
                value: String::new(),
                exists: false,
            }),
            Some(Entry::Value(value)) => Ok(GetResponse {
                value: value.clone(),
                exists: true,
            }),
            Some(other) => Err(wrong_kind(&key, other, "a value")),
        })
        .await
    }

    async fn list_add(&self, ctx: &Context, arg: &ListAddRequest) -> RpcResult<u32> {
        self.with_store(ctx, |store| {
            let list = store.list_mut(&arg.list_name)?;
            list.push(arg.value.clone());
            Ok(count(list.len()))
        })
        .await
    }

    async fn list_clear<TS: ToString + ?Sized + std::marker::Sync>(
        &self,
        ctx: &Context,
        arg: &TS,
    ) -> RpcResult<bool> {
        let name = arg.to_string();
        self.with_store(ctx, |store| {
            Ok(store.remove_if(&name, |e| matches!(e, Entry::List(_))))
        })
        .await
    }

    async fn list_del(&self, ctx: &Context, arg: &ListDelRequest) -> RpcResult<bool> {
        self.with_store(ctx, |store| {
            let list = store.list_mut(&arg.list_name)?;
            match list.iter().position(|v| *v == arg.value) {
                Some(index) => {
                    list.remove(index);
                    Ok(true)
                }
                None => Ok(false),
            }
        })
        .await
    }

    async fn list_range(&self, ctx: &Context, arg: &ListRangeRequest) -> RpcResult<StringList> {
        self.with_store(ctx, |store| match store.entries.get(&arg.list_name) {
            None => Ok(Vec::new()),
            Some(Entry::List(list)) => Ok(inclusive_range(list.len(), arg.start, arg.stop)
                .map(|range| list[range].to_vec())
                .unwrap_or_default()),
            Some(other) => Err(wrong_kind(&arg.list_name, other, "a list")),
        })
        .await
    }

    async fn set(&self, ctx: &Context, arg: &SetRequest) -> RpcResult<()> {
        self.with_store(ctx, |store| {
            store
                .entries
                .insert(arg.key.clone(), Entry::Value(arg.value.clone()));
            Ok(())
        })
        .await
    }

    async fn set_add(&self, ctx: &Context, arg: &SetAddRequest) -> RpcResult<u32> {
        self.with_store(ctx, |store| {
            Ok(u32::from(
                store.set_mut(&arg.set_name)?.insert(arg.value.clone()),
            ))
        })
        .await
    }

    async fn set_del(&self, ctx: &Context, arg: &SetDelRequest) -> RpcResult<u32> {
        self.with_store(ctx, |store| {
            Ok(u32::from(store.set_mut(&arg.set_name)?.remove(&arg.value)))
        })
        .await
    }

    async fn set_intersection(&self, ctx: &Context, arg: &StringList) -> RpcResult<StringList> {
        self.with_store(ctx, |store| {
            let mut names = arg.iter();
            let Some(first) = names.next() else {
                return Ok(Vec::new());
            };
            let mut result = store.set(first)?;
            for name in names {
                let other = store.set(name)?;
                result.retain(|v| other.contains(v));
            }
            Ok(result.into_iter().collect())
        })
        .await
    }

    async fn set_query<TS: ToString + ?Sized + std::marker::Sync>(
        &self,
        ctx: &Context,
        arg: &TS,
    ) -> RpcResult<StringList> {
        let name = arg.to_string();
        self.with_store(ctx, |store| Ok(store.set(&name)?.into_iter().collect()))
            .await
    }

    async fn set_union(&self, ctx: &Context, arg: &StringList) -> RpcResult<StringList> {
        self.with_store(ctx, |store| {
            let mut result = BTreeSet::new();
            for name in arg {
                result.extend(store.set(name)?);
            }
            Ok(result.into_iter().collect())
        })
        .await
    }

    async fn set_clear<TS: ToString + ?Sized + std::marker::Sync>(
        &self,
        ctx: &Context,
        arg: &TS,
    ) -> RpcResult<bool> {
        let name = arg.to_string();
        self.with_store(ctx, |store| {
            Ok(store.remove_if(&name, |e| matches!(e, Entry::Set(_))))
        })
        .await
    }
}

/// Reads the host data from stdin, connects to the lattice and serves until the host shuts it down.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    provider_main(
        KvMemoryProvider::default(),
        Some("kv-memory provider".to_owned()),
    )?;
    eprintln!("kv-memory provider exiting");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::inclusive_range;

    /// List ranges are inclusive, clamp past the end and count negative indices from the end.
    #[test]
    fn ranges_are_inclusive_and_clamped() {
        assert_eq!(inclusive_range(5, 0, 10), Some(0..=4));
        assert_eq!(inclusive_range(5, 1, 2), Some(1..=2));
        assert_eq!(inclusive_range(5, -2, -1), Some(3..=4));
        assert_eq!(inclusive_range(5, 3, 1), None);
        assert_eq!(inclusive_range(0, 0, 10), None);
    }
}
