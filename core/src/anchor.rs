//! Anchors (SPEC §4): a signed Merkle root over one batch of certificates.
//!
//! The [`AnchorBody`] is the payload of a `COSE_Sign` (tag 98) whose first
//! signature is the issuer's; departments **endorse** by adding their own
//! signature, in any order, offline — the payload never changes. Each
//! endorsement signs the time it was made in its own protected header. The
//! anchor id is SHA-256 of the payload bytes.
//!
//! ```
//! use certanchor::{Anchor, AnchorBody, Hash, keys::SigningKey};
//! let issuer = SigningKey::from_seed(&[1; 32]);
//! let tax = SigningKey::from_seed(&[2; 32]);
//! let body = AnchorBody {
//!     issuer: "cn.beijing.scjgj".into(), batch: "2024-06-01".into(), tree_size: 3,
//!     root: Hash::digest(b"root"), issued_at: 1_717_200_000,
//!     kinds: vec!["business_license".into()],
//! };
//! let anchor = Anchor::sign(&body, &issuer).unwrap();
//! let endorsed = anchor.endorse(&tax, 1_717_290_000).unwrap();  // signs its own time
//! assert_eq!(endorsed.id(), anchor.id());          // same payload, same id
//! assert_eq!(endorsed.signer_key_ids().len(), 2);
//! assert_eq!(endorsed.signature_times(), &[None, Some(1_717_290_000)]);
//! assert_eq!(Anchor::from_slice(endorsed.as_bytes()).unwrap().body(), &body);
//! ```

use crate::Hash;
use crate::cbor::{Reader, Writer};
use crate::certificate::{MAX_NAME_LEN, read_name};
use crate::cose::MultiSigned;
use crate::document::{Codec, Document, Hash32, Name, Uint, document_map};
use crate::error::{DecodeError, IssueError};
use crate::keys::{KeyId, PublicKey, SigningKey};

/// Content type in the anchor's body-protected header.
pub const ANCHOR_CONTENT_TYPE: &str = "application/certanchor-anchor+cbor";
/// Longest anchor accepted (COSE_Sign bytes).
pub const MAX_ANCHOR_LEN: usize = 16 * 1024;
/// Most kinds listed in one anchor.
pub const MAX_KINDS: usize = 64;

/// What an anchor signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorBody {
    /// Issuer id.
    pub issuer: String,
    /// Batch name, unique per issuer.
    pub batch: String,
    /// Number of leaves.
    pub tree_size: u64,
    /// RFC 9162 root over the headers in batch order.
    pub root: Hash,
    /// Issue time, Unix seconds.
    pub issued_at: u64,
    /// The kinds of certificate in the batch, sorted, distinct.
    pub kinds: Vec<String>,
}

document_map! {
    AnchorBody, "anchor body", MAX_ANCHOR_LEN;
    "root" => root: Hash32,
    "batch" => batch: Name,
    "kinds" => kinds: Kinds,
    "issuer" => issuer: Name,
    "issued_at" => issued_at: Uint,
    "tree_size" => tree_size: Uint,
}

/// The anchor's kinds: at most [`MAX_KINDS`] names, sorted and distinct.
struct Kinds;
impl Codec for Kinds {
    type Value = [String];
    type Owned = Vec<String>;
    fn write(v: &[String], w: &mut Writer) {
        w.array(v.len());
        for k in v {
            w.text(k);
        }
    }
    fn read(r: &mut Reader<'_>, _: &'static str) -> Result<Vec<String>, DecodeError> {
        let n = r.array()?;
        if n > MAX_KINDS {
            return Err(DecodeError::TooLarge {
                what: "anchor kinds",
                found: n,
                max: MAX_KINDS,
            });
        }
        let mut ks: Vec<String> = Vec::with_capacity(n);
        for _ in 0..n {
            let kk = read_name(r, "kind")?;
            if ks.last().is_some_and(|p| *p >= kk) {
                return Err(DecodeError::Invalid {
                    what: "anchor kinds",
                    reason: "must be sorted and distinct".into(),
                });
            }
            ks.push(kk);
        }
        r.leave();
        Ok(ks)
    }
}

/// A decoded, shape-checked anchor. Signatures are checked by the
/// [`Verifier`](crate::Verifier) against a trust store, not here.
#[derive(Debug, Clone)]
pub struct Anchor {
    bytes: Vec<u8>,
    body: AnchorBody,
    id: Hash,
    cose: MultiSigned,
}

impl PartialEq for Anchor {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}
impl Eq for Anchor {}

impl Anchor {
    /// Signs `body` as a new anchor with the issuer's signature.
    ///
    /// # Errors
    /// [`IssueError::Decode`] when the body breaks a format rule (empty or
    /// over-long names, unsorted kinds, over the size limits).
    pub fn sign(body: &AnchorBody, issuer_key: &SigningKey) -> Result<Self, IssueError> {
        let bytes = MultiSigned::create(body.to_vec(), ANCHOR_CONTENT_TYPE, issuer_key);
        Ok(Self::from_slice(&bytes)?)
    }

    /// Strictly decodes an anchor (COSE_Sign bytes).
    ///
    /// # Errors
    /// Non-canonical CBOR, wrong COSE shape, bad body, over [`MAX_ANCHOR_LEN`].
    pub fn from_slice(bytes: &[u8]) -> Result<Self, DecodeError> {
        let cose = MultiSigned::decode(bytes, ANCHOR_CONTENT_TYPE, MAX_ANCHOR_LEN)?;
        let payload = cose.payload();
        let body = AnchorBody::from_slice(payload)?;
        let kids = cose.kids();
        for (i, k) in kids.iter().enumerate() {
            if kids.get(..i).is_some_and(|before| before.contains(k)) {
                return Err(DecodeError::Cose {
                    what: "COSE_Sign",
                    reason: format!("key {k} signs twice"),
                });
            }
        }
        Ok(Self {
            id: Hash::digest(payload),
            body,
            bytes: bytes.to_vec(),
            cose,
        })
    }

    /// The COSE_Sign bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The signed body.
    #[must_use]
    pub fn body(&self) -> &AnchorBody {
        &self.body
    }

    /// The anchor id: SHA-256 of the payload bytes.
    #[must_use]
    pub fn id(&self) -> Hash {
        self.id
    }

    /// Key ids of the signatures; the first is the issuer's.
    #[must_use]
    pub fn signer_key_ids(&self) -> &[KeyId] {
        self.cose.kids()
    }

    /// The time each signature signed, in order: `None` for the issuer's
    /// (the body's `issued_at` is its time) and for endorsements made
    /// before endorsements carried one.
    #[must_use]
    pub fn signature_times(&self) -> &[Option<u64>] {
        self.cose.times()
    }

    /// Verifies signature `index` with `key` (strict Ed25519); `false` when
    /// there is no signature `index`.
    #[must_use]
    pub fn verify_signature(&self, index: usize, key: &PublicKey) -> bool {
        self.cose.verify(index, key)
    }

    /// What signature `index` signs and the signature bytes (for batch
    /// verification); `None` past the signatures.
    pub(crate) fn signed_parts(&self, index: usize) -> Option<(Vec<u8>, &[u8])> {
        self.cose.signed_parts(index)
    }

    /// Adds an endorsement signature by `key` (a department co-signing the
    /// batch) at `at` (Unix seconds), which the signature covers: a verifier
    /// counts it only if `key` was valid at `at` and is not revoked when it
    /// verifies.
    ///
    /// # Errors
    /// [`IssueError::Batch`] if `key` already signed this anchor, the
    /// signature limit is reached, or `at` is before the anchor's `issued_at`.
    pub fn endorse(&self, key: &SigningKey, at: u64) -> Result<Self, IssueError> {
        if at < self.body.issued_at {
            return Err(IssueError::Batch {
                reason: format!(
                    "an endorsement at {} would predate the anchor, issued at {}",
                    crate::time::format(at),
                    crate::time::format(self.body.issued_at)
                ),
            });
        }
        let kid = key.public_key().key_id();
        if self.cose.kids().contains(&kid) {
            return Err(IssueError::Batch {
                reason: format!("key {kid} already signed this anchor"),
            });
        }
        if self.cose.kids().len() >= crate::cose::MAX_SIGNATURES {
            return Err(IssueError::Batch {
                reason: "too many signatures on this anchor".into(),
            });
        }
        Ok(Self::from_slice(&self.cose.add_signature(key, at))?)
    }
}

const _: () = assert!(MAX_NAME_LEN < MAX_ANCHOR_LEN);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cbor;

    fn body() -> AnchorBody {
        AnchorBody {
            issuer: "cn.beijing.scjgj".into(),
            batch: "b1".into(),
            tree_size: 10,
            root: Hash::digest(b"x"),
            issued_at: 5,
            kinds: vec!["business_license".into(), "real_estate_title".into()],
        }
    }

    #[test]
    fn body_is_canonical() {
        let b = body().to_vec();
        assert_eq!(cbor::decode_value(&b, 4096).unwrap().to_vec(), b);
        assert_eq!(AnchorBody::from_slice(&b).unwrap(), body());
    }

    #[test]
    fn endorse_twice_refused_and_reencode_stable() {
        let k = SigningKey::from_seed(&[3; 32]);
        let a = Anchor::sign(&body(), &k).unwrap();
        assert!(a.endorse(&k, 5).is_err());
        let other = SigningKey::from_seed(&[4; 32]);
        assert!(a.endorse(&other, 4).is_err(), "before the anchor");
        assert_eq!(
            a.endorse(&other, 5).unwrap().signature_times(),
            &[None, Some(5)]
        );
        assert_eq!(crate::cose::reencode_sign(a.as_bytes()), a.as_bytes());
        assert!(a.verify_signature(0, &k.public_key()));
        assert_eq!(a.id(), Hash::digest(&body().to_vec()));
    }
}
