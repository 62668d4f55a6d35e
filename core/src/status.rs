//! Status lists: revocation and suspension (SPEC §6).
//!
//! Per batch the issuer publishes signed lists (COSE_Sign1, tag 18) following
//! the W3C Bitstring Status List idea: bit *i*, most significant bit first,
//! is leaf *i*. The `epoch` increases with every update; the verifier uses the
//! newest list it has seen and treats a list older than its `ttl` as stale
//! (status indeterminate). A property sold is *revoked*; a seizure (查封)
//! *suspends* until reinstated.
//!
//! ```
//! use certanchor::{Hash, keys::SigningKey};
//! use certanchor::status::{StatusList, StatusListBody, StatusPurpose};
//! let key = SigningKey::from_seed(&[1; 32]);
//! let mut body = StatusListBody::new("cn.beijing.ghzrzyw", "2024-06", Hash::digest(b"root"),
//!     StatusPurpose::Revocation, 1, 1_717_200_000, 86_400, 100);
//! body.set(42, true).unwrap();
//! let list = StatusList::sign(&body, &key).unwrap();
//! let back = StatusList::from_slice(list.as_bytes()).unwrap();
//! assert_eq!(back.body().get(42), Some(true));
//! assert_eq!(back.body().get(41), Some(false));
//! assert!(back.verify_signature(&key.public_key()));
//! ```

use crate::Hash;
use crate::cbor::{Reader, Writer};
use crate::cose::SingleSigned;
use crate::document::{Bytes, Codec, Document, Hash32, Name, Uint, document_map};
use crate::error::{DecodeError, IssueError};
use crate::keys::{KeyId, PublicKey, SigningKey};

/// Content type in a status list's protected header.
pub const STATUS_CONTENT_TYPE: &str = "application/certanchor-status+cbor";
/// Longest status list accepted (COSE_Sign1 bytes).
pub const MAX_STATUS_LEN: usize = 1024 * 1024;
/// Largest decompressed bitstring accepted, bytes (16 Mi leaves).
pub const MAX_STATUS_BITS: usize = 2 * 1024 * 1024;

/// What a status list records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusPurpose {
    /// Permanently withdrawn (e.g. the property was sold).
    Revocation,
    /// Temporarily suspended (e.g. seizure, 查封); a later list may reinstate.
    Suspension,
}

impl StatusPurpose {
    /// The wire name: `revocation` or `suspension`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revocation => "revocation",
            Self::Suspension => "suspension",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "revocation" => Some(Self::Revocation),
            "suspension" => Some(Self::Suspension),
            _ => None,
        }
    }
}

/// The payload of a status list, with the bitstring decompressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListBody {
    /// Issuer id (must be the batch's issuer).
    pub issuer: String,
    /// Batch name.
    pub batch: String,
    /// The batch's Merkle root.
    pub root: Hash,
    /// Revocation or suspension.
    pub purpose: StatusPurpose,
    /// Increases with every update.
    pub epoch: u64,
    /// Issue time, Unix seconds.
    pub issued_at: u64,
    /// Seconds after `issued_at` during which the list is fresh.
    pub ttl: u64,
    /// Decompressed bitstring, bit i (MSB first) = leaf i.
    pub bits: Vec<u8>,
}

impl StatusListBody {
    /// An all-clear list covering `tree_size` leaves.
    #[allow(clippy::too_many_arguments)]
    #[must_use]
    pub fn new(
        issuer: &str,
        batch: &str,
        root: Hash,
        purpose: StatusPurpose,
        epoch: u64,
        issued_at: u64,
        ttl: u64,
        tree_size: u64,
    ) -> Self {
        let n = usize::try_from(tree_size.div_ceil(8))
            .unwrap_or(usize::MAX)
            .min(MAX_STATUS_BITS);
        Self {
            issuer: issuer.to_owned(),
            batch: batch.to_owned(),
            root,
            purpose,
            epoch,
            issued_at,
            ttl,
            bits: vec![0; n],
        }
    }

    /// The bit for leaf `index`, `None` if the list does not cover it.
    #[must_use]
    pub fn get(&self, index: u64) -> Option<bool> {
        let byte = self.bits.get(usize::try_from(index / 8).ok()?)?;
        Some(byte & (0x80 >> (index % 8)) != 0)
    }

    /// Sets or clears the bit for leaf `index`.
    ///
    /// # Errors
    /// [`IssueError::NoSuchIndex`] if the list does not cover `index`.
    pub fn set(&mut self, index: u64, on: bool) -> Result<(), IssueError> {
        let size = self.bits.len().saturating_mul(8);
        let byte = usize::try_from(index / 8)
            .ok()
            .and_then(|i| self.bits.get_mut(i))
            .ok_or(IssueError::NoSuchIndex {
                index: usize::try_from(index).unwrap_or(usize::MAX),
                size,
            })?;
        let mask = 0x80 >> (index % 8);
        if on {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
        Ok(())
    }

    /// Indices whose bit is set.
    pub fn set_indices(&self) -> impl Iterator<Item = u64> + '_ {
        self.bits.iter().enumerate().flat_map(|(i, b)| {
            (0..8u64).filter_map(move |j| (b & (0x80 >> j) != 0).then_some(i as u64 * 8 + j))
        })
    }
}

/// A status list's payload (SPEC §5), the bitstring zlib-compressed
/// (best compression) on writing and inflated with a cap of
/// [`MAX_STATUS_BITS`] on reading: a decompression bomb is
/// [`DecodeError::TooLarge`].
impl Document for StatusListBody {
    const NAME: &'static str = "status list";
    const MAX_LEN: usize = MAX_STATUS_LEN;

    fn write(&self, w: &mut Writer) {
        let bits = crate::deflate::best(&self.bits);
        StatusPayload {
            issuer: self.issuer.clone(),
            batch: self.batch.clone(),
            root: self.root,
            purpose: self.purpose,
            epoch: self.epoch,
            issued_at: self.issued_at,
            ttl: self.ttl,
            bits,
        }
        .write_fields(w, |_, _| {});
    }

    fn read(r: &mut Reader<'_>, bytes: &[u8]) -> Result<Self, DecodeError> {
        let (head, compressed) = StatusPayload::read(r, bytes)?.split();
        let bits = crate::inflate::inflate_exact(&compressed, MAX_STATUS_BITS, "status bits")?;
        Ok(head.with_bits(bits))
    }
}

/// The payload as it is encoded: the bitstring still compressed.
struct StatusPayload {
    issuer: String,
    batch: String,
    root: Hash,
    purpose: StatusPurpose,
    epoch: u64,
    issued_at: u64,
    ttl: u64,
    bits: Vec<u8>,
}

document_map! {
    StatusPayload, "status list", MAX_STATUS_LEN;
    "ttl" => ttl: Uint,
    "bits" => bits: Bytes,
    "root" => root: Hash32,
    "batch" => batch: Name,
    "epoch" => epoch: Uint,
    "issuer" => issuer: Name,
    "purpose" => purpose: Purpose,
    "issued_at" => issued_at: Uint,
}

impl StatusPayload {
    /// The head and the compressed bitstring.
    fn split(self) -> (StatusListHead, Vec<u8>) {
        let head = StatusListHead {
            issuer: self.issuer,
            batch: self.batch,
            root: self.root,
            purpose: self.purpose,
            epoch: self.epoch,
            issued_at: self.issued_at,
            ttl: self.ttl,
        };
        (head, self.bits)
    }
}

/// A status purpose by its wire name.
struct Purpose;
impl Codec for Purpose {
    type Value = StatusPurpose;
    type Owned = StatusPurpose;
    fn write(v: &StatusPurpose, w: &mut Writer) {
        w.text(v.as_str());
    }
    fn read(r: &mut Reader<'_>, _: &'static str) -> Result<StatusPurpose, DecodeError> {
        let at = r.offset();
        let p = r.text()?;
        StatusPurpose::parse(p).ok_or_else(|| DecodeError::Invalid {
            what: "status purpose",
            reason: format!(
                "`{}` at byte {at} is not revocation or suspension",
                p.chars().take(32).collect::<String>()
            ),
        })
    }
}

/// A status list's fields other than its bits: what a verifier needs to
/// decide whether to trust the list before it inflates anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatusListHead {
    pub(crate) issuer: String,
    pub(crate) batch: String,
    pub(crate) root: Hash,
    pub(crate) purpose: StatusPurpose,
    pub(crate) epoch: u64,
    pub(crate) issued_at: u64,
    pub(crate) ttl: u64,
}

impl StatusListHead {
    fn with_bits(self, bits: Vec<u8>) -> StatusListBody {
        StatusListBody {
            issuer: self.issuer,
            batch: self.batch,
            root: self.root,
            purpose: self.purpose,
            epoch: self.epoch,
            issued_at: self.issued_at,
            ttl: self.ttl,
            bits,
        }
    }
}

/// Strictly decodes a status list payload without inflating its bits:
/// the head and the compressed bitstring.
fn read_payload(bytes: &[u8]) -> Result<(StatusListHead, Vec<u8>), DecodeError> {
    Ok(StatusPayload::from_slice(bytes)?.split())
}

/// A strictly decoded status list whose bits are still compressed: a
/// verifier checks who signed it before it inflates anything (an unsigned
/// list in a bundle costs its bytes, never the 2 MiB its bits may inflate to).
#[derive(Debug, Clone)]
pub(crate) struct StatusEnvelope {
    bytes: Vec<u8>,
    head: StatusListHead,
    cose: SingleSigned,
}

impl StatusEnvelope {
    /// Decodes the COSE_Sign1 and the payload's head.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let cose = SingleSigned::decode(bytes, STATUS_CONTENT_TYPE, MAX_STATUS_LEN)?;
        let (head, _) = read_payload(cose.payload())?;
        Ok(Self {
            bytes: bytes.to_vec(),
            head,
            cose,
        })
    }

    /// The COSE_Sign1 bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Everything but the bits.
    pub(crate) fn head(&self) -> &StatusListHead {
        &self.head
    }

    /// Key id of the signer.
    pub(crate) fn signer_key_id(&self) -> KeyId {
        self.cose.kid()
    }

    /// Verifies the signature with `key`.
    pub(crate) fn verify_signature(&self, key: &PublicKey) -> bool {
        self.cose.verify(key)
    }

    /// What the signature signs and the signature bytes (batch verification).
    #[cfg(feature = "batch")]
    pub(crate) fn signed_parts(&self) -> (Vec<u8>, &[u8]) {
        self.cose.signed_parts()
    }

    /// Inflates the bitstring (capped at [`MAX_STATUS_BITS`]).
    pub(crate) fn inflate_bits(&self) -> Result<Vec<u8>, DecodeError> {
        let (_, compressed) = read_payload(self.cose.payload())?;
        crate::inflate::inflate_exact(&compressed, MAX_STATUS_BITS, "status bits")
    }

    /// Bytes this envelope holds (its encoding and coset's payload copy).
    pub(crate) fn heap_size(&self) -> usize {
        self.bytes.len().saturating_mul(2)
    }
}

/// A signed status list.
#[derive(Debug, Clone)]
pub struct StatusList {
    bytes: Vec<u8>,
    body: StatusListBody,
    cose: SingleSigned,
}

impl PartialEq for StatusList {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}
impl Eq for StatusList {}

impl StatusList {
    /// Signs a status list.
    ///
    /// # Errors
    /// [`IssueError::Decode`] if the body breaks a format rule (empty names, too large).
    pub fn sign(body: &StatusListBody, key: &SigningKey) -> Result<Self, IssueError> {
        let bytes = SingleSigned::create(body.to_vec(), STATUS_CONTENT_TYPE, key);
        Ok(Self::from_slice(&bytes)?)
    }

    /// Strictly decodes a status list (COSE_Sign1 bytes).
    ///
    /// # Errors
    /// Any [`DecodeError`].
    pub fn from_slice(bytes: &[u8]) -> Result<Self, DecodeError> {
        let cose = SingleSigned::decode(bytes, STATUS_CONTENT_TYPE, MAX_STATUS_LEN)?;
        let body = StatusListBody::from_slice(cose.payload())?;
        Ok(Self {
            bytes: bytes.to_vec(),
            body,
            cose,
        })
    }

    /// The COSE_Sign1 bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The decoded payload.
    #[must_use]
    pub fn body(&self) -> &StatusListBody {
        &self.body
    }

    /// Key id of the signer.
    #[must_use]
    pub fn signer_key_id(&self) -> KeyId {
        self.cose.kid()
    }

    /// Verifies the signature with `key`.
    #[must_use]
    pub fn verify_signature(&self, key: &PublicKey) -> bool {
        self.cose.verify(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cbor;

    fn body() -> StatusListBody {
        StatusListBody::new(
            "iss",
            "b",
            Hash::digest(b"r"),
            StatusPurpose::Suspension,
            3,
            10,
            20,
            17,
        )
    }

    #[test]
    fn bits_msb_first() {
        let mut b = body();
        assert_eq!(b.bits.len(), 3);
        b.set(0, true).unwrap();
        b.set(9, true).unwrap();
        assert_eq!(b.bits, vec![0x80, 0x40, 0x00]);
        assert_eq!(b.set_indices().collect::<Vec<_>>(), vec![0, 9]);
        b.set(0, false).unwrap();
        assert_eq!(b.get(0), Some(false));
        assert_eq!(b.get(24), None);
        assert!(b.set(24, true).is_err());
    }

    #[test]
    fn payload_is_canonical_and_round_trips() {
        let b = body();
        let bytes = b.to_vec();
        assert_eq!(
            cbor::decode_value(&bytes, MAX_STATUS_LEN).unwrap().to_vec(),
            bytes
        );
        assert_eq!(StatusListBody::from_slice(&bytes).unwrap(), b);
    }

    #[test]
    fn decompression_bomb_refused() {
        let zeros = vec![0u8; MAX_STATUS_BITS + 1];
        let bomb = crate::deflate::best(&zeros);
        assert!(bomb.len() < 10_000);
        let e = crate::inflate::inflate_exact(&bomb, MAX_STATUS_BITS, "status bits").unwrap_err();
        assert_eq!(e.code(), "too_large");
        assert_eq!(
            crate::inflate::inflate_exact(b"not zlib", 10, "x")
                .unwrap_err()
                .code(),
            "invalid_value"
        );
    }
}
