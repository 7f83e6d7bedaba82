//! [`CasKeyValue`] over an in-memory versioned store: every operation, expiry, conflicts and the
//! version cache.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::MutexGuard;

use wash_wire::interfaces::keyvalue::{
    IncrementRequest, ListAddRequest, ListDelRequest, ListRangeRequest, SetAddRequest,
    SetDelRequest, SetRequest,
};

use super::*;

/// Keys in memory, each with a version. While `interfere` is above zero, every write first lets
/// "another process" add 1 to the integer stored at the same key, as a concurrent writer would.
#[derive(Debug, Default)]
struct Memory {
    keys: std::sync::Mutex<HashMap<String, Versioned>>,
    interfere: AtomicU32,
    writes: AtomicU32,
}

impl Memory {
    fn keys(&self) -> MutexGuard<'_, HashMap<String, Versioned>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Another writer stores `value` at `name`.
    fn overwrite(&self, name: &str, value: Stored) {
        let mut keys = self.keys();
        let entry = keys.entry(name.to_owned()).or_insert(Versioned {
            value: None,
            version: 0,
        });
        entry.value = Some(value);
        entry.version += 1;
    }

    fn value(&self, name: &str) -> Option<Stored> {
        self.keys().get(name).and_then(|v| v.value.clone())
    }
}

impl CasStore for Memory {
    const MAX_ATTEMPTS: u32 = 10;

    fn key<'k>(&self, key: &'k str) -> Result<Cow<'k, str>, String> {
        if key.is_empty() {
            return Err("invalid key ``: keys must not be empty".into());
        }
        Ok(Cow::Borrowed(key))
    }

    async fn read(&self, name: &str) -> Result<Versioned, String> {
        Ok(self.keys().get(name).cloned().unwrap_or(Versioned {
            value: None,
            version: 0,
        }))
    }

    async fn put(&self, name: &str, value: &Stored, version: u64) -> Result<Written, String> {
        self.write(name, Some(value), version)
    }

    async fn delete(&self, name: &str, version: u64) -> Result<Written, String> {
        self.write(name, None, version)
    }
}

impl Memory {
    /// A check-and-set write (`None`: delete), interfered with as configured.
    fn write(&self, name: &str, value: Option<&Stored>, version: u64) -> Result<Written, String> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        let interfere = self
            .interfere
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if interfere.is_ok() {
            let now = self
                .value(name)
                .and_then(|s| std::str::from_utf8(&s.value).ok()?.parse::<i64>().ok())
                .unwrap_or_default();
            self.overwrite(name, Stored::plain((now + 1).to_string()));
        }
        let mut keys = self.keys();
        let entry = keys.entry(name.to_owned()).or_insert(Versioned {
            value: None,
            version: 0,
        });
        if entry.version != version {
            return Ok(Written::Conflict);
        }
        entry.version += 1;
        entry.value = value.cloned();
        Ok(Written::Stored(Some(entry.version)))
    }
}

async fn ok(kv: &CasKeyValue<Memory>, request: KeyValueRequest) -> KeyValueReply {
    let shown = format!("{request:?}");
    kv.run(request)
        .await
        .unwrap_or_else(|e| panic!("{shown} failed: {e}"))
}

fn increment(key: &str, value: i32) -> KeyValueRequest {
    KeyValueRequest::Increment(IncrementRequest {
        key: key.into(),
        value,
    })
}

fn set(key: &str, value: &str, expires: u32) -> KeyValueRequest {
    KeyValueRequest::Set(SetRequest {
        key: key.into(),
        value: value.into(),
        expires,
    })
}

fn strings(list: &[&str]) -> KeyValueReply {
    KeyValueReply::Strings(list.iter().map(|s| s.to_string()).collect())
}

fn found(value: &str) -> KeyValueReply {
    KeyValueReply::Get(GetResponse {
        value: value.into(),
        exists: true,
    })
}

/// Every operation follows the redis semantics the conformance run expects: get/set/contains/del,
/// increments that read back as decimal text, lists (first occurrence deleted, LRANGE ranges) and
/// sets (add/del counts, query, intersection, union, clear).
#[tokio::test]
async fn operations_have_redis_semantics() {
    use KeyValueReply as R;
    use KeyValueRequest as Q;
    let kv = CasKeyValue::new(Memory::default());
    assert_eq!(
        ok(&kv, Q::Get("missing".into())).await,
        R::Get(GetResponse::default())
    );
    assert_eq!(ok(&kv, set("greeting", "hello", 0)).await, R::Unit);
    assert_eq!(ok(&kv, Q::Get("greeting".into())).await, found("hello"));
    assert_eq!(ok(&kv, Q::Contains("greeting".into())).await, R::Bool(true));
    assert_eq!(ok(&kv, Q::Del("greeting".into())).await, R::Bool(true));
    assert_eq!(ok(&kv, Q::Del("greeting".into())).await, R::Bool(false));
    assert_eq!(
        ok(&kv, Q::Contains("greeting".into())).await,
        R::Bool(false)
    );

    assert_eq!(ok(&kv, increment("n", 1)).await, R::Int(1));
    assert_eq!(ok(&kv, increment("n", 1)).await, R::Int(2));
    assert_eq!(ok(&kv, increment("n", -5)).await, R::Int(-3));
    assert_eq!(ok(&kv, Q::Get("n".into())).await, found("-3"));

    for (i, value) in ["a", "b", "c", "b"].into_iter().enumerate() {
        let add = Q::ListAdd(ListAddRequest {
            list_name: "list".into(),
            value: value.into(),
        });
        assert_eq!(ok(&kv, add).await, R::Count(i as u32 + 1));
    }
    let range = |start, stop| {
        Q::ListRange(ListRangeRequest {
            list_name: "list".into(),
            start,
            stop,
        })
    };
    assert_eq!(ok(&kv, range(0, -1)).await, strings(&["a", "b", "c", "b"]));
    assert_eq!(ok(&kv, range(1, 2)).await, strings(&["b", "c"]));
    let del = |value: &str| {
        Q::ListDel(ListDelRequest {
            list_name: "list".into(),
            value: value.into(),
        })
    };
    assert_eq!(ok(&kv, del("b")).await, R::Bool(true));
    assert_eq!(ok(&kv, del("nope")).await, R::Bool(false));
    assert_eq!(ok(&kv, range(0, -1)).await, strings(&["a", "c", "b"]));
    assert_eq!(ok(&kv, Q::ListClear("list".into())).await, R::Bool(true));
    assert_eq!(ok(&kv, range(0, -1)).await, strings(&[]));

    let add = |set_name: &str, value: &str| {
        Q::SetAdd(SetAddRequest {
            set_name: set_name.into(),
            value: value.into(),
        })
    };
    for (set_name, values) in [("s1", ["x", "y", "z"]), ("s2", ["y", "z", "w"])] {
        for value in values {
            assert_eq!(ok(&kv, add(set_name, value)).await, R::Count(1));
        }
    }
    assert_eq!(ok(&kv, add("s1", "x")).await, R::Count(0));
    let names = vec!["s1".to_owned(), "s2".to_owned()];
    assert_eq!(
        ok(&kv, Q::SetIntersection(names.clone())).await,
        strings(&["y", "z"])
    );
    assert_eq!(
        ok(&kv, Q::SetUnion(names)).await,
        strings(&["w", "x", "y", "z"])
    );
    assert_eq!(ok(&kv, Q::SetIntersection(Vec::new())).await, strings(&[]));
    assert_eq!(ok(&kv, Q::SetUnion(Vec::new())).await, strings(&[]));
    let srem = |value: &str| {
        Q::SetDel(SetDelRequest {
            set_name: "s1".into(),
            value: value.into(),
        })
    };
    assert_eq!(ok(&kv, srem("x")).await, R::Count(1));
    assert_eq!(ok(&kv, srem("x")).await, R::Count(0));
    assert_eq!(
        ok(&kv, Q::SetQuery("s1".into())).await,
        strings(&["y", "z"])
    );
    assert_eq!(ok(&kv, Q::SetClear("s1".into())).await, R::Bool(true));
    assert_eq!(ok(&kv, Q::SetQuery("s1".into())).await, strings(&[]));
}

/// Values that are not integers, lists or sets, overflowing increments and keys the store refuses
/// are error replies that say why.
#[tokio::test]
async fn bad_values_and_keys_are_errors() {
    let kv = CasKeyValue::new(Memory::default());
    ok(&kv, set("text", "abc", 0)).await;
    let error = kv
        .run(increment("text", 1))
        .await
        .expect_err("not a number");
    assert_eq!(error, "value of `text` is not an integer");
    ok(&kv, set("big", &i32::MAX.to_string(), 0)).await;
    let error = kv.run(increment("big", 1)).await.expect_err("overflow");
    assert_eq!(error, "increment of `big` overflows i32");
    let list = KeyValueRequest::ListRange(ListRangeRequest {
        list_name: "text".into(),
        start: 0,
        stop: -1,
    });
    let error = kv.run(list).await.expect_err("not a list");
    assert!(error.contains("not a list"), "{error}");
    let error = kv
        .run(KeyValueRequest::SetQuery("text".into()))
        .await
        .expect_err("not a set");
    assert!(error.contains("not a set"), "{error}");
    let error = kv
        .run(KeyValueRequest::Get(String::new()))
        .await
        .expect_err("empty key");
    assert!(error.contains("must not be empty"), "{error}");
    let error = kv.run(increment("", 1)).await.expect_err("empty key");
    assert!(error.contains("must not be empty"), "{error}");
    kv.store().overwrite("raw", Stored::plain(&b"\xffok"[..]));
    assert_eq!(
        ok(&kv, KeyValueRequest::Get("raw".into())).await,
        found("\u{fffd}ok"),
        "foreign bytes are read lossily"
    );
}

/// `Set` with `expires` stores a deadline; an expired value reads as absent, is not counted by
/// `Del` (which then writes nothing) and restarts increments from 0; increments keep a live
/// value's deadline.
#[tokio::test]
async fn expiry_is_honoured_when_read() {
    let kv = CasKeyValue::new(Memory::default());
    ok(&kv, set("t", "5", 60)).await;
    let stored = kv.store().value("t").expect("stored");
    let deadline = stored.deadline.expect("a deadline");
    assert!((now_secs() + 59..=now_secs() + 60).contains(&deadline));
    assert_eq!(ok(&kv, increment("t", 1)).await, KeyValueReply::Int(6));
    assert_eq!(
        kv.store().value("t").and_then(|s| s.deadline),
        Some(deadline)
    );
    ok(&kv, set("plain", "v", 0)).await;
    assert_eq!(kv.store().value("plain").and_then(|s| s.deadline), None);

    let dead = Stored {
        value: Bytes::from("7"),
        deadline: Some(now_secs() - 1),
    };
    assert!(!dead.is_live());
    kv.store().overwrite("old", dead);
    let get = KeyValueRequest::Get("old".into());
    assert_eq!(
        ok(&kv, get).await,
        KeyValueReply::Get(GetResponse::default())
    );
    let contains = KeyValueRequest::Contains("old".into());
    assert_eq!(ok(&kv, contains).await, KeyValueReply::Bool(false));
    let writes = kv.store().writes.load(Ordering::SeqCst);
    let del = KeyValueRequest::Del("old".into());
    assert_eq!(ok(&kv, del).await, KeyValueReply::Bool(false));
    assert_eq!(kv.store().writes.load(Ordering::SeqCst), writes, "no write");
    assert_eq!(ok(&kv, increment("old", 1)).await, KeyValueReply::Int(1));
    assert_eq!(kv.store().value("old").and_then(|s| s.deadline), None);
}

/// Writes that lose to another writer are retried on a fresh read, so no update is lost; a value
/// changed behind the version cache is noticed too; endless conflicts give up with an error.
#[tokio::test]
async fn conflicts_are_retried_without_lost_updates() {
    let kv = CasKeyValue::new(Memory::default());
    kv.store().interfere.store(3, Ordering::SeqCst);
    assert_eq!(
        ok(&kv, increment("n", 1)).await,
        KeyValueReply::Int(4),
        "three foreign increments, then ours"
    );
    // The cache now holds version 4; another writer moves the key on.
    kv.store().overwrite("n", Stored::plain("10"));
    assert_eq!(ok(&kv, increment("n", 1)).await, KeyValueReply::Int(11));
    kv.store().interfere.store(u32::MAX, Ordering::SeqCst);
    let error = kv.run(increment("n", 1)).await.expect_err("gives up");
    assert_eq!(
        error,
        "keyvalue write of `n` gave up after 10 conflicting attempts"
    );
}

/// Concurrent changes of one key inside the process are serialised: 100 increments give 1..=100.
#[tokio::test]
async fn concurrent_increments_are_serialised() {
    let kv = CasKeyValue::new(Memory::default());
    let calls = (0..100).map(|_| kv.run(increment("hits", 1)));
    let mut results: Vec<i32> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|reply| match reply {
            Ok(KeyValueReply::Int(n)) => n,
            other => panic!("{other:?}"),
        })
        .collect();
    results.sort_unstable();
    assert_eq!(results, (1..=100).collect::<Vec<_>>());
}
