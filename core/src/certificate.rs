//! Certificates, salted field commitments and the certificate header (SPEC §3).
//!
//! For every field the issuer draws a fresh 16-byte salt and commits to
//!
//! ```text
//! field_digest = SHA-256( "certanchor:field:v1" ‖ 0x00 ‖ dcbor([salt, name, value]) )
//! ```
//!
//! The [`CertificateHeader`] lists the sorted digests (plus optional decoys);
//! its deterministic CBOR is the Merkle leaf data. A holder discloses any
//! subset of fields as [`Disclosure`] triples; names and values of the other
//! fields stay hidden.
//!
//! ```
//! use certanchor::{Disclosure, Value};
//! let d = Disclosure::new([7; 16], "name", Value::from("北京示例科技有限公司"));
//! let again = Disclosure::new([7; 16], "name", Value::from("北京示例科技有限公司"));
//! assert_eq!(d.digest(), again.digest());
//! assert_ne!(d.digest(), Disclosure::new([8; 16], "name", Value::from("北京示例科技有限公司")).digest());
//! ```

use std::collections::BTreeMap;

use crate::Hash;
use crate::cbor::{Reader, Value, Writer};
use crate::document::{Codec, Name, NullableUint, Uint, document_map};
use crate::error::DecodeError;

/// Domain separation prefix of field digests.
pub const FIELD_DIGEST_DOMAIN: &[u8] = b"certanchor:field:v1\x00";
/// Most digests (fields + decoys) in one header.
pub const MAX_DIGESTS: usize = 256;
/// Most fields in one certificate (and disclosed in one bundle).
pub const MAX_FIELDS: usize = 256;
/// Longest header (leaf data) accepted, bytes.
pub const MAX_HEADER_LEN: usize = 16 * 1024;
/// Longest certificate id, issuer id, kind or field name, bytes.
pub const MAX_NAME_LEN: usize = 256;

/// A certificate to issue: what the registry holds about one title or license.
///
/// The issuer id and issue time come from the [`Issuer`](crate::Issuer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// Unique per issuer, e.g. `京(2024)朝阳区不动产权第0012345号` or a license number.
    pub id: String,
    /// The kind, e.g. `business_license`; must be registered.
    pub kind: String,
    /// Start of validity, Unix seconds.
    pub valid_from: u64,
    /// End of validity (inclusive), Unix seconds; `None` = no end.
    pub valid_until: Option<u64>,
    /// The fields, checked against the kind's schema.
    pub fields: BTreeMap<String, Value>,
}

/// One disclosed field: salt, name and value.
///
/// Equality compares the salt in constant time (`subtle`): an undisclosed
/// field's salt is the holder's and the issuer's secret.
#[derive(Debug, Clone, Eq)]
pub struct Disclosure {
    /// The 16-byte salt.
    pub salt: [u8; 16],
    /// Field name.
    pub name: String,
    /// Field value.
    pub value: Value,
}

impl PartialEq for Disclosure {
    fn eq(&self, other: &Self) -> bool {
        let salt_eq: bool = subtle::ConstantTimeEq::ct_eq(&self.salt[..], &other.salt[..]).into();
        salt_eq & (self.name == other.name) & (self.value == other.value)
    }
}

impl Disclosure {
    /// A disclosure triple.
    #[must_use]
    pub fn new(salt: [u8; 16], name: impl Into<String>, value: Value) -> Self {
        Self {
            salt,
            name: name.into(),
            value,
        }
    }

    /// The salted commitment to this field.
    #[must_use]
    pub fn digest(&self) -> Hash {
        field_digest(&self.salt, &self.name, &self.value)
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.array(3);
        w.bytes(&self.salt);
        w.text(&self.name);
        w.value(&self.value);
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let at = r.offset();
        let n = r.array()?;
        if n != 3 {
            return Err(DecodeError::Invalid {
                what: "disclosure",
                reason: format!("must be [salt, name, value], found {n} items at byte {at}"),
            });
        }
        let salt = r.bytes_n::<16>("salt")?;
        let name = r.text()?.to_owned();
        let value = r.value()?;
        r.leave();
        Ok(Self { salt, name, value })
    }
}

/// `SHA-256("certanchor:field:v1" ‖ 0x00 ‖ dcbor([salt, name, value]))`.
#[must_use]
pub fn field_digest(salt: &[u8; 16], name: &str, value: &Value) -> Hash {
    // One scratch buffer per thread: digests are computed millions of times
    // per batch and the encoding is short.
    thread_local! {
        static SCRATCH: std::cell::RefCell<Writer> = std::cell::RefCell::new(Writer::with_capacity(256));
    }
    let encode = |w: &mut Writer| {
        w.clear();
        write_disclosure(w, salt, name, value)
    };
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut w) => encode(&mut w),
        Err(_) => encode(&mut Writer::with_capacity(128)),
    })
}

/// The field digest of a field's `dcbor([salt, name, value])`, as written by
/// [`write_disclosure`] or read from a record.
pub(crate) fn digest_of_encoded(triple: &[u8]) -> Hash {
    Hash::digest_parts(&[FIELD_DIGEST_DOMAIN, triple])
}

/// A certificate header made of borrowed parts, for encoding without
/// cloning (issuance writes millions of them).
pub(crate) struct HeaderRef<'a> {
    pub(crate) id: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) issuer: &'a str,
    pub(crate) issued_at: u64,
    pub(crate) valid_from: u64,
    pub(crate) valid_until: Option<u64>,
    pub(crate) digests: &'a [Hash],
}

document_map! {
    CertificateHeader, "certificate header", MAX_HEADER_LEN, write via HeaderRef<'_> = view;
    "id" => id: Name,
    "kind" => kind: Name,
    "issuer" => issuer: Name,
    "digests" => digests: Digests,
    "issued_at" => issued_at: Uint,
    "valid_from" => valid_from: Uint,
    "valid_until" => valid_until: NullableUint,
}

/// The header's digests: at most [`MAX_DIGESTS`], strictly ascending.
struct Digests;
impl Codec for Digests {
    type Value = [Hash];
    type Owned = Vec<Hash>;
    fn write(v: &[Hash], w: &mut Writer) {
        write_digests(w, v);
    }
    fn read(r: &mut Reader<'_>, _: &'static str) -> Result<Vec<Hash>, DecodeError> {
        let at = r.offset();
        let n = r.array()?;
        if n > MAX_DIGESTS {
            return Err(DecodeError::TooLarge {
                what: "header digests",
                found: n,
                max: MAX_DIGESTS,
            });
        }
        let mut ds: Vec<Hash> = Vec::with_capacity(n);
        for _ in 0..n {
            let d = Hash(r.bytes_n::<32>("field digest")?);
            if ds.last().is_some_and(|p| *p >= d) {
                return Err(DecodeError::Invalid {
                    what: "header digests",
                    reason: format!("not strictly ascending (array at byte {at})"),
                });
            }
            ds.push(d);
        }
        r.leave();
        Ok(ds)
    }
}

/// Appends the header's digest array: `[* bstr(32)]`.
pub(crate) fn write_digests(w: &mut Writer, digests: &[Hash]) {
    w.array(digests.len());
    for d in digests {
        w.bytes(d.as_bytes());
    }
}

/// Appends dcbor([salt, name, value]) to `w` and returns the field digest
/// of those bytes: the encoding is hashed where it is written.
pub(crate) fn write_disclosure(w: &mut Writer, salt: &[u8; 16], name: &str, value: &Value) -> Hash {
    let start = w.len();
    w.array(3);
    w.bytes(salt);
    w.text(name);
    w.value(value);
    digest_of_encoded(w.as_bytes().get(start..).unwrap_or_default())
}

/// The certificate header: the Merkle leaf data (SPEC §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateHeader {
    /// Certificate id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Issuer id.
    pub issuer: String,
    /// Issue time, Unix seconds.
    pub issued_at: u64,
    /// Start of validity, Unix seconds.
    pub valid_from: u64,
    /// End of validity (inclusive), Unix seconds; `None` = no end.
    pub valid_until: Option<u64>,
    /// Field digests and decoys, sorted bytewise.
    pub digests: Vec<Hash>,
}

impl CertificateHeader {
    /// Borrows the header as the view it is written through.
    fn view(&self) -> HeaderRef<'_> {
        HeaderRef {
            id: &self.id,
            kind: &self.kind,
            issuer: &self.issuer,
            issued_at: self.issued_at,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            digests: &self.digests,
        }
    }

    /// True if `digest` is committed in this header.
    #[must_use]
    pub fn contains(&self, digest: &Hash) -> bool {
        self.digests.binary_search(digest).is_ok()
    }
}

/// Reads a non-empty text of at most [`MAX_NAME_LEN`] bytes.
pub(crate) fn read_name(r: &mut Reader<'_>, what: &'static str) -> Result<String, DecodeError> {
    let s = r.text()?;
    if s.is_empty() || s.len() > MAX_NAME_LEN {
        return Err(DecodeError::Invalid {
            what,
            reason: format!("must be 1..={MAX_NAME_LEN} bytes, found {}", s.len()),
        });
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cbor;
    use crate::document::Document;

    fn header() -> CertificateHeader {
        let mut digests = vec![Hash::digest(b"a"), Hash::digest(b"b"), Hash::digest(b"c")];
        digests.sort();
        CertificateHeader {
            id: "京(2024)朝阳区不动产权第0012345号".into(),
            kind: "real_estate_title".into(),
            issuer: "cn.beijing.ghzrzyw".into(),
            issued_at: 1_717_200_000,
            valid_from: 1_717_200_000,
            valid_until: None,
            digests,
        }
    }

    #[test]
    fn header_round_trip_is_canonical() {
        let h = header();
        let b = h.to_vec();
        // canonical: the generic strict decoder accepts it and re-encodes identically
        let v = cbor::decode_value(&b, MAX_HEADER_LEN).unwrap();
        assert_eq!(v.to_vec(), b);
        assert_eq!(CertificateHeader::from_slice(&b).unwrap(), h);
    }

    #[test]
    fn header_rejects_unknown_missing_unsorted() {
        let h = header();
        let Value::Map(mut m) = cbor::decode_value(&h.to_vec(), MAX_HEADER_LEN).unwrap() else {
            panic!()
        };
        let mut extra = m.clone();
        extra.insert("zz".into(), Value::Int(1));
        assert_eq!(
            CertificateHeader::from_slice(&Value::Map(extra).to_vec())
                .unwrap_err()
                .code(),
            "unknown_field"
        );
        m.remove("kind");
        assert_eq!(
            CertificateHeader::from_slice(&Value::Map(m).to_vec()).unwrap_err(),
            DecodeError::MissingField {
                field: "kind",
                document: "certificate header"
            }
        );
        let mut h2 = header();
        h2.digests.reverse();
        assert_eq!(
            CertificateHeader::from_slice(&h2.to_vec())
                .unwrap_err()
                .code(),
            "invalid_value"
        );
        let mut h3 = header();
        h3.issuer = String::new();
        assert!(CertificateHeader::from_slice(&h3.to_vec()).is_err());
    }

    #[test]
    fn field_digest_matches_definition() {
        let salt = [0x11; 16];
        let v = Value::Text("89.50".into());
        let mut pre = b"certanchor:field:v1\x00".to_vec();
        pre.extend_from_slice(
            &Value::Array(vec![
                Value::Bytes(salt.to_vec()),
                Value::from("land_area_m2"),
                v.clone(),
            ])
            .to_vec(),
        );
        assert_eq!(field_digest(&salt, "land_area_m2", &v), Hash::digest(&pre));
    }
}
