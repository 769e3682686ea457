//! Decoded clips kept in memory, least recently used first out, so a step
//! revisited starts without decoding again. A clip that could not be read
//! or decoded is remembered too (as unplayable), so that it is not asked
//! for again and again while it stays in the cache.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// One clip file at one device rate: what the decoder is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClipKey {
    /// The file as the manifest names it.
    pub file: String,
    /// The device's sample rate the samples are resampled to.
    pub rate: u32,
}

/// What the cache knows of a clip.
#[derive(Debug, Clone, PartialEq)]
pub enum Cached {
    Ready(Arc<[f32]>),
    Unplayable,
}

#[derive(Debug)]
pub struct ClipCache {
    limit: usize,
    entries: HashMap<ClipKey, Cached>,
    /// Oldest use first.
    order: VecDeque<ClipKey>,
}

impl ClipCache {
    pub fn new(limit: usize) -> ClipCache {
        ClipCache {
            limit: limit.max(1),
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// The clip, counted as used now.
    pub fn get(&mut self, key: &ClipKey) -> Option<Cached> {
        let found = self.entries.get(key).cloned()?;
        self.touch(key);
        Some(found)
    }

    pub fn insert(&mut self, key: ClipKey, clip: Cached) {
        if self.entries.insert(key.clone(), clip).is_some() {
            self.touch(&key);
        } else {
            self.order.push_back(key);
        }
        while self.order.len() > self.limit {
            if let Some(old) = self.order.pop_front() {
                self.entries.remove(&old);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn touch(&mut self, key: &ClipKey) {
        if let Some(at) = self.order.iter().position(|k| k == key) {
            if let Some(k) = self.order.remove(at) {
                self.order.push_back(k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u32) -> ClipKey {
        ClipKey {
            file: format!("c{n}.ogg"),
            rate: 48_000,
        }
    }

    #[test]
    fn the_least_recently_used_clip_goes_first() {
        let mut cache = ClipCache::new(2);
        cache.insert(key(1), Cached::Unplayable);
        cache.insert(key(2), Cached::Ready(Arc::from(vec![0.5f32])));
        assert!(cache.get(&key(1)).is_some());
        cache.insert(key(3), Cached::Unplayable);
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&key(2)).is_none(), "2 was used least recently");
        assert!(cache.get(&key(1)).is_some() && cache.get(&key(3)).is_some());
        // The same key again replaces it, and takes no second place.
        cache.insert(key(3), Cached::Ready(Arc::from(vec![0.25f32])));
        assert_eq!(cache.len(), 2);
        assert!(matches!(cache.get(&key(3)), Some(Cached::Ready(_))));
    }
}
