//! SHA-256 digests as a fixed-size newtype (FIPS 180-4).
//!
//! ```
//! use certanchor::Hash;
//! let h = Hash::digest(b"abc");
//! assert_eq!(h.to_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
//! assert_eq!(Hash::from_hex(&h.to_hex()).unwrap(), h);
//! ```

use sha2::{Digest, Sha256};

/// A SHA-256 digest: Merkle leaf and node hashes, roots, field digests, anchor ids.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Hash(pub [u8; 32]);

/// Bytewise order (as `[u8; 32]` orders), compared as four big-endian words:
/// headers sort millions of digests at issue time.
impl Ord for Hash {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let words = |h: &Self| {
            let mut w = [0u64; 4];
            for (out, chunk) in w.iter_mut().zip(h.0.chunks_exact(8)) {
                *out = u64::from_be_bytes(chunk.try_into().unwrap_or_default());
            }
            w
        };
        words(self).cmp(&words(other))
    }
}

impl PartialOrd for Hash {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Hash {
    /// Length in bytes.
    pub const LEN: usize = 32;

    /// SHA-256 of `data`.
    #[must_use]
    pub fn digest(data: &[u8]) -> Self {
        Self(Sha256::digest(data).into())
    }

    /// SHA-256 of the concatenation of `parts`.
    #[must_use]
    pub fn digest_parts(parts: &[&[u8]]) -> Self {
        let mut h = Sha256::new();
        for p in parts {
            h.update(p);
        }
        Self(h.finalize().into())
    }

    /// Wraps 32 bytes.
    #[must_use]
    pub const fn from_bytes(b: [u8; 32]) -> Self {
        Self(b)
    }

    /// From a slice that must be exactly 32 bytes.
    #[must_use]
    pub fn from_slice(b: &[u8]) -> Option<Self> {
        b.try_into().ok().map(Self)
    }

    /// Parses 64 hex digits.
    #[must_use]
    pub fn from_hex(s: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Self(out))
    }

    /// The raw bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lowercase hex.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl std::fmt::Display for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Hash;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn order_is_bytewise(a in any::<[u8; 32]>(), b in any::<[u8; 32]>(), at in 0usize..32) {
            prop_assert_eq!(Hash(a).cmp(&Hash(b)), a.cmp(&b));
            // and for hashes sharing a prefix up to `at`
            let mut c = a;
            c[at..].copy_from_slice(&b[at..]);
            prop_assert_eq!(Hash(a).cmp(&Hash(c)), a.cmp(&c));
            prop_assert_eq!(Hash(a).cmp(&Hash(a)), std::cmp::Ordering::Equal);
        }
    }
}
