//! The verifier's caches of evaluated documents (anchors, status lists,
//! checkpoint notes), bounded in bytes and looked up by their exact bytes.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::known_status::StatusEval;
use super::{AnchorEval, CheckpointEval};

/// Something cached by the exact bytes it was decoded from.
pub(super) trait FromBytes {
    fn source(&self) -> &[u8];
    /// About how many bytes the entry holds.
    fn heap_size(&self) -> usize;
}

impl FromBytes for AnchorEval {
    fn source(&self) -> &[u8] {
        self.anchor.as_bytes()
    }
    fn heap_size(&self) -> usize {
        // the encoding, coset's decoded copy, the body and the checks' text
        self.anchor.as_bytes().len().saturating_mul(3) + 2048
    }
}

impl FromBytes for StatusEval {
    fn source(&self) -> &[u8] {
        self.env.as_bytes()
    }
    fn heap_size(&self) -> usize {
        StatusEval::heap_size(self)
    }
}

impl FromBytes for CheckpointEval {
    fn source(&self) -> &[u8] {
        self.note.as_bytes()
    }
    fn heap_size(&self) -> usize {
        CheckpointEval::heap_size(self)
    }
}

/// Length and last 32 bytes: the tail of a COSE signature, so distinct
/// documents almost never share it. Only a locator: a hit counts only when
/// the whole cached document equals the input byte for byte, so a crafted
/// collision can at worst evict an entry, never borrow its verdict.
pub(super) type TailKey = (usize, [u8; 32]);

pub(super) fn tail_key(bytes: &[u8]) -> TailKey {
    let mut tail = [0u8; 32];
    let n = bytes.len().min(32);
    if let (Some(dst), Some(src)) = (tail.get_mut(..n), bytes.get(bytes.len() - n..)) {
        dst.copy_from_slice(src);
    }
    (bytes.len(), tail)
}

/// A cache of evaluated documents bounded in bytes (cleared when full),
/// looked up by their exact bytes without hashing them (a SHA-256 of every
/// anchor and status list was a tenth of a warm verification).
/// Read-mostly: verifying threads share a read lock.
#[derive(Debug)]
pub(super) struct ByteCache<T> {
    map: RwLock<(HashMap<TailKey, Arc<T>>, usize)>,
    max_bytes: usize,
}

impl<T: FromBytes> ByteCache<T> {
    pub(super) fn new(max_bytes: usize) -> Self {
        Self {
            map: RwLock::new((HashMap::new(), 0)),
            max_bytes,
        }
    }

    pub(super) fn get(&self, bytes: &[u8]) -> Option<Arc<T>> {
        let map = self
            .map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.0
            .get(&tail_key(bytes))
            .filter(|e| e.source() == bytes)
            .map(Arc::clone)
    }

    pub(super) fn insert(&self, value: Arc<T>) {
        let size = value.heap_size();
        if size > self.max_bytes {
            return;
        }
        let mut guard = self
            .map
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (map, bytes) = &mut *guard;
        if bytes.saturating_add(size) > self.max_bytes {
            map.clear();
            *bytes = 0;
        }
        if let Some(old) = map.insert(tail_key(value.source()), value) {
            *bytes = bytes.saturating_sub(old.heap_size());
        }
        *bytes += size;
    }

    /// Bytes held.
    pub(super) fn bytes(&self) -> usize {
        self.map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .1
    }
}
