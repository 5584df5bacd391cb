//! Places shared out by key (a user, an API key), at most so many each: what keeps one
//! client from taking what others need (exports running, calls waiting to be recorded).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

pub struct Quota {
    per_key: usize,
    taken: Mutex<HashMap<i64, usize>>,
}

impl Quota {
    pub fn new(per_key: usize) -> Self {
        Quota { per_key, taken: Mutex::default() }
    }

    /// Takes a place for `key`, unless it holds all of its share.
    pub fn take(&self, key: i64) -> bool {
        let mut taken = self.taken.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let held = taken.entry(key).or_default();
        if *held >= self.per_key {
            return false;
        }
        *held += 1;
        true
    }

    pub fn give_back(&self, key: i64) {
        let mut taken = self.taken.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(held) = taken.get_mut(&key) {
            *held -= 1;
            if *held == 0 {
                taken.remove(&key);
            }
        }
    }

    /// A place for `key` that is given back when it is dropped.
    pub fn hold(self: &Arc<Self>, key: i64) -> Option<Held> {
        self.take(key).then(|| Held { quota: self.clone(), key })
    }
}

pub struct Held {
    quota: Arc<Quota>,
    key: i64,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.quota.give_back(self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_holds_at_most_its_share_and_gets_places_back() {
        let quota = Arc::new(Quota::new(2));
        let (first, second) = (quota.hold(7), quota.hold(7));
        assert!(first.is_some() && second.is_some());
        assert!(quota.hold(7).is_none(), "key 7 has its share");
        assert!(quota.take(8), "another key still has room");
        drop(first);
        assert!(quota.hold(7).is_some(), "a place given back can be taken again");
    }
}
