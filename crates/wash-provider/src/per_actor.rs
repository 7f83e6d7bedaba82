//! [`PerActor`]: what a provider keeps for each linked actor (a connection, a bucket, a listener).

use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A value per linked actor, by actor key, shared between the provider's tasks.
///
/// The lock is never held across an `await`: values go in and out whole (clone what calls need).
#[derive(Debug)]
pub struct PerActor<T> {
    actors: RwLock<HashMap<String, T>>,
}

impl<T> Default for PerActor<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> PerActor<T> {
    /// No actors yet.
    pub fn new() -> Self {
        Self {
            actors: RwLock::new(HashMap::new()),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, HashMap<String, T>> {
        // A panic elsewhere while holding the lock leaves the map itself intact.
        self.actors.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<String, T>> {
        self.actors.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps `value` for `actor_id`; returns what was kept before, if anything.
    pub fn insert(&self, actor_id: &str, value: T) -> Option<T> {
        self.write().insert(actor_id.to_owned(), value)
    }

    /// Forgets `actor_id`; returns what was kept for it.
    pub fn remove(&self, actor_id: &str) -> Option<T> {
        self.write().remove(actor_id)
    }

    /// A copy of what is kept for `actor_id`.
    pub fn get(&self, actor_id: &str) -> Option<T>
    where
        T: Clone,
    {
        self.read().get(actor_id).cloned()
    }

    /// Whether anything is kept for `actor_id`.
    pub fn contains(&self, actor_id: &str) -> bool {
        self.read().contains_key(actor_id)
    }

    /// Takes out everything kept, leaving no actors.
    pub fn drain(&self) -> Vec<T> {
        self.write().drain().map(|(_, value)| value).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values are kept per actor, replaced (returning the old one), removed and drained.
    #[test]
    fn keeps_one_value_per_actor() {
        let actors = PerActor::new();
        assert_eq!(actors.insert("MA", 1), None);
        assert_eq!(actors.insert("MB", 2), None);
        assert_eq!(actors.insert("MA", 3), Some(1));
        assert_eq!(actors.get("MA"), Some(3));
        assert!(actors.contains("MA"));
        assert_eq!(actors.remove("MA"), Some(3));
        assert_eq!(actors.get("MA"), None);
        assert!(!actors.contains("MA"));
        assert_eq!(actors.drain(), vec![2]);
        assert_eq!(actors.get("MB"), None);
    }
}
