//! COSE envelopes (RFC 9052, RFC 9053) built with `coset`.
//!
//! * Anchors are `COSE_Sign` (tag 98): the body-protected header carries only
//!   the content type; each signature's protected header carries `alg` = EdDSA
//!   (-8) and `kid` = first 16 bytes of SHA-256 of the raw public key. The first
//!   signature is the issuer's, later ones are endorsements. An endorsement
//!   signs its own time: protected header parameter 15 (CWT Claims, RFC 9597)
//!   holding `{6 (iat): Unix seconds}`. Endorsements made before this
//!   parameter existed have none; the issuer's signature never has one (the
//!   anchor's `issued_at` is its time).
//! * Status lists are `COSE_Sign1` (tag 18) with `alg`, content type and `kid`
//!   all in the protected header.
//! * Unprotected headers are empty; external_aad is empty.
//!
//! Before `coset` (which is lenient) sees any bytes, the strict deterministic
//! CBOR reader checks them; afterwards the shape is checked field by field, so
//! an envelope that decodes is byte-identical when re-encoded.

use coset::{
    CoseSign, CoseSign1, CoseSign1Builder, CoseSignBuilder, CoseSignature, CoseSignatureBuilder,
    Header, HeaderBuilder, TaggedCborSerializable as _, iana,
};

use crate::cbor;
use crate::error::DecodeError;
use crate::keys::{KeyId, PublicKey, SigningKey};

/// COSE tag for COSE_Sign (RFC 9052 §2).
pub const TAG_COSE_SIGN: u64 = 98;
/// COSE tag for COSE_Sign1 (RFC 9052 §2).
pub const TAG_COSE_SIGN1: u64 = 18;
/// Most signatures (issuer + endorsements) accepted on one anchor.
pub const MAX_SIGNATURES: usize = 32;

fn cose_err(what: &'static str, reason: impl Into<String>) -> DecodeError {
    DecodeError::Cose {
        what,
        reason: reason.into(),
    }
}

/// COSE header parameter CWT Claims (RFC 9597 §2).
const HEADER_CWT_CLAIMS: i64 = 15;
/// CWT claim `iat`, issued at (RFC 8392 §3.1.6).
const CLAIM_IAT: i64 = 6;

fn sig_header(key: &SigningKey, signed_at: Option<u64>) -> Header {
    let mut h = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(key.public_key().key_id().0.to_vec());
    if let Some(t) = signed_at {
        h = h.value(
            HEADER_CWT_CLAIMS,
            coset::cbor::Value::Map(vec![(
                coset::cbor::Value::from(CLAIM_IAT),
                coset::cbor::Value::from(t),
            )]),
        );
    }
    h.build()
}

/// The `iat` of a CWT Claims header value that holds exactly `{6: uint}`.
fn signed_time(v: &coset::cbor::Value) -> Option<u64> {
    let coset::cbor::Value::Map(entries) = v else {
        return None;
    };
    match entries.as_slice() {
        [(k, coset::cbor::Value::Integer(t))] if *k == coset::cbor::Value::from(CLAIM_IAT) => {
            u64::try_from(*t).ok()
        }
        _ => None,
    }
}

/// Checks a protected header is exactly `{alg: EdDSA, [content type], kid:
/// 16 bytes, [15: {6: time}] if `time_allowed`}`; the key id and the time.
fn check_sig_header(
    h: &Header,
    content_type: Option<&str>,
    what: &'static str,
    time_allowed: bool,
) -> Result<(KeyId, Option<u64>), DecodeError> {
    if h.alg != Some(coset::Algorithm::Assigned(iana::Algorithm::EdDSA)) {
        return Err(cose_err(what, "algorithm must be EdDSA (-8)"));
    }
    check_content_type(h, content_type, what)?;
    let time = match h.rest.as_slice() {
        [] => None,
        [(coset::Label::Int(HEADER_CWT_CLAIMS), v)] if time_allowed => Some(
            signed_time(v)
                .ok_or_else(|| cose_err(what, "CWT claims (15) must be exactly {6: time}"))?,
        ),
        _ => return Err(cose_err(what, "unexpected header parameters")),
    };
    if !h.crit.is_empty()
        || !h.iv.is_empty()
        || !h.partial_iv.is_empty()
        || !h.counter_signatures.is_empty()
    {
        return Err(cose_err(what, "unexpected header parameters"));
    }
    let kid = KeyId::from_slice(&h.key_id).ok_or_else(|| cose_err(what, "kid must be 16 bytes"))?;
    Ok((kid, time))
}

fn check_content_type(
    h: &Header,
    content_type: Option<&str>,
    what: &'static str,
) -> Result<(), DecodeError> {
    match (content_type, &h.content_type) {
        (None, None) => Ok(()),
        (Some(want), Some(coset::ContentType::Text(got))) if got == want => Ok(()),
        (Some(want), _) => Err(cose_err(what, format!("content type must be `{want}`"))),
        (None, Some(_)) => Err(cose_err(what, "unexpected content type")),
    }
}

/// A decoded `COSE_Sign` with one or more Ed25519 signatures.
#[derive(Debug, Clone)]
pub(crate) struct MultiSigned {
    sign: CoseSign,
    kids: Vec<KeyId>,
    times: Vec<Option<u64>>,
}

impl MultiSigned {
    /// Signs `payload` as a new COSE_Sign with one signature.
    pub(crate) fn create(payload: Vec<u8>, content_type: &str, key: &SigningKey) -> Vec<u8> {
        let sign = CoseSignBuilder::new()
            .protected(
                HeaderBuilder::new()
                    .content_type(content_type.to_owned())
                    .build(),
            )
            .payload(payload)
            .add_created_signature(
                CoseSignatureBuilder::new()
                    .protected(sig_header(key, None))
                    .build(),
                b"",
                |tbs| key.sign(tbs).to_vec(),
            )
            .build();
        sign.to_tagged_vec().unwrap_or_default()
    }

    /// Strictly decodes a COSE_Sign and checks its shape.
    pub(crate) fn decode(
        bytes: &[u8],
        content_type: &str,
        max_len: usize,
    ) -> Result<Self, DecodeError> {
        cbor::check_strict(bytes, max_len, "anchor", &[TAG_COSE_SIGN])?;
        // The item must start with tag 98 itself.
        if bytes.first() != Some(&0xd8) || bytes.get(1) != Some(&(TAG_COSE_SIGN as u8)) {
            return Err(cose_err("COSE_Sign", "must carry tag 98"));
        }
        let sign =
            CoseSign::from_tagged_slice(bytes).map_err(|e| cose_err("COSE_Sign", e.to_string()))?;
        check_content_type(&sign.protected.header, Some(content_type), "COSE_Sign")?;
        let h = &sign.protected.header;
        if h.alg.is_some()
            || !h.crit.is_empty()
            || !h.key_id.is_empty()
            || !h.iv.is_empty()
            || !h.partial_iv.is_empty()
            || !h.counter_signatures.is_empty()
            || !h.rest.is_empty()
        {
            return Err(cose_err("COSE_Sign", "unexpected body header parameters"));
        }
        if !sign.unprotected.is_empty() {
            return Err(cose_err("COSE_Sign", "unprotected header must be empty"));
        }
        if sign.payload.is_none() {
            return Err(cose_err("COSE_Sign", "payload must be attached"));
        }
        if sign.signatures.is_empty() {
            return Err(cose_err("COSE_Sign", "no signature"));
        }
        if sign.signatures.len() > MAX_SIGNATURES {
            return Err(DecodeError::TooLarge {
                what: "anchor signatures",
                found: sign.signatures.len(),
                max: MAX_SIGNATURES,
            });
        }
        let mut kids = Vec::with_capacity(sign.signatures.len());
        let mut times = Vec::with_capacity(sign.signatures.len());
        for (i, s) in sign.signatures.iter().enumerate() {
            if !s.unprotected.is_empty() {
                return Err(cose_err(
                    "COSE_Signature",
                    "unprotected header must be empty",
                ));
            }
            if s.signature.len() != 64 {
                return Err(cose_err(
                    "COSE_Signature",
                    "Ed25519 signature must be 64 bytes",
                ));
            }
            // the issuer's signature (the first) has no time of its own
            let (kid, time) = check_sig_header(&s.protected.header, None, "COSE_Signature", i > 0)?;
            kids.push(kid);
            times.push(time);
        }
        Ok(Self { sign, kids, times })
    }

    /// The signed payload.
    pub(crate) fn payload(&self) -> &[u8] {
        self.sign.payload.as_deref().unwrap_or_default()
    }

    /// Key ids of the signatures, in order.
    pub(crate) fn kids(&self) -> &[KeyId] {
        &self.kids
    }

    /// The signed times of the signatures, in order (`None`: none signed).
    pub(crate) fn times(&self) -> &[Option<u64>] {
        &self.times
    }

    /// The bytes signature `index` signs (COSE `Sig_structure`) and the
    /// signature, for batch verification; `None` past the signatures.
    pub(crate) fn signed_parts(&self, index: usize) -> Option<(Vec<u8>, &[u8])> {
        let sig = self.sign.signatures.get(index)?;
        Some((self.sign.tbs_data(b"", sig), &sig.signature))
    }

    /// Verifies signature `index` with `key` (verify_strict); `false` for an
    /// index past the signatures (coset would panic).
    pub(crate) fn verify(&self, index: usize, key: &PublicKey) -> bool {
        if index >= self.sign.signatures.len() {
            return false;
        }
        self.sign
            .verify_signature(index, b"", |sig, data| {
                if key.verify(data, sig) {
                    Ok(())
                } else {
                    Err(())
                }
            })
            .is_ok()
    }

    /// Returns the envelope with one more signature by `key`, signing the
    /// time `at` in its protected header.
    pub(crate) fn add_signature(&self, key: &SigningKey, at: u64) -> Vec<u8> {
        let mut sign = self.sign.clone();
        let mut sig: CoseSignature = CoseSignatureBuilder::new()
            .protected(sig_header(key, Some(at)))
            .build();
        let tbs = sign.tbs_data(b"", &sig);
        sig.signature = key.sign(&tbs).to_vec();
        sign.signatures.push(sig);
        sign.to_tagged_vec().unwrap_or_default()
    }
}

/// A decoded `COSE_Sign1` with an Ed25519 signature.
#[derive(Debug, Clone)]
pub(crate) struct SingleSigned {
    sign1: CoseSign1,
    kid: KeyId,
}

impl SingleSigned {
    /// Signs `payload` as a COSE_Sign1.
    pub(crate) fn create(payload: Vec<u8>, content_type: &str, key: &SigningKey) -> Vec<u8> {
        let h = HeaderBuilder::new()
            .algorithm(iana::Algorithm::EdDSA)
            .content_type(content_type.to_owned())
            .key_id(key.public_key().key_id().0.to_vec())
            .build();
        CoseSign1Builder::new()
            .protected(h)
            .payload(payload)
            .create_signature(b"", |tbs| key.sign(tbs).to_vec())
            .build()
            .to_tagged_vec()
            .unwrap_or_default()
    }

    /// Strictly decodes a COSE_Sign1 and checks its shape.
    pub(crate) fn decode(
        bytes: &[u8],
        content_type: &str,
        max_len: usize,
    ) -> Result<Self, DecodeError> {
        cbor::check_strict(bytes, max_len, "status list", &[TAG_COSE_SIGN1])?;
        if bytes.first() != Some(&(0xc0 | TAG_COSE_SIGN1 as u8)) {
            return Err(cose_err("COSE_Sign1", "must carry tag 18"));
        }
        let sign1 = CoseSign1::from_tagged_slice(bytes)
            .map_err(|e| cose_err("COSE_Sign1", e.to_string()))?;
        if !sign1.unprotected.is_empty() {
            return Err(cose_err("COSE_Sign1", "unprotected header must be empty"));
        }
        if sign1.payload.is_none() {
            return Err(cose_err("COSE_Sign1", "payload must be attached"));
        }
        if sign1.signature.len() != 64 {
            return Err(cose_err("COSE_Sign1", "Ed25519 signature must be 64 bytes"));
        }
        let (kid, _) = check_sig_header(
            &sign1.protected.header,
            Some(content_type),
            "COSE_Sign1",
            false,
        )?;
        Ok(Self { sign1, kid })
    }

    /// The signed payload.
    pub(crate) fn payload(&self) -> &[u8] {
        self.sign1.payload.as_deref().unwrap_or_default()
    }

    /// Key id of the signer.
    pub(crate) fn kid(&self) -> KeyId {
        self.kid
    }

    /// The bytes the signature signs (COSE `Sig_structure`) and the
    /// signature, for batch verification.
    #[cfg(feature = "batch")]
    pub(crate) fn signed_parts(&self) -> (Vec<u8>, &[u8]) {
        (self.sign1.tbs_data(b""), &self.sign1.signature)
    }

    /// Verifies the signature with `key`.
    pub(crate) fn verify(&self, key: &PublicKey) -> bool {
        self.sign1
            .verify_signature(b"", |sig, data| {
                if key.verify(data, sig) {
                    Ok(())
                } else {
                    Err(())
                }
            })
            .is_ok()
    }
}

/// Re-serializes a decoded COSE structure (used by tests to show decode is lossless).
#[cfg(test)]
pub(crate) fn reencode_sign(bytes: &[u8]) -> Vec<u8> {
    CoseSign::from_tagged_slice(bytes)
        .and_then(|s| s.to_tagged_vec())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_endorse_verify_and_reencode() {
        let a = SigningKey::from_seed(&[1; 32]);
        let b = SigningKey::from_seed(&[2; 32]);
        let bytes = MultiSigned::create(vec![0xa0], "application/x", &a);
        let ms = MultiSigned::decode(&bytes, "application/x", 4096).unwrap();
        assert_eq!(reencode_sign(&bytes), bytes);
        assert!(ms.verify(0, &a.public_key()));
        assert!(!ms.verify(0, &b.public_key()));
        let bytes2 = ms.add_signature(&b, 77);
        let ms2 = MultiSigned::decode(&bytes2, "application/x", 4096).unwrap();
        assert_eq!(
            ms2.kids(),
            &[a.public_key().key_id(), b.public_key().key_id()]
        );
        assert!(ms2.verify(0, &a.public_key()));
        assert!(ms2.verify(1, &b.public_key()));
        assert_eq!(ms2.times(), &[None, Some(77)]);
        assert!(MultiSigned::decode(&bytes2, "application/y", 4096).is_err());
        assert!(MultiSigned::decode(&bytes2[..bytes2.len() - 1], "application/x", 4096).is_err());
    }

    #[test]
    fn sign1_round_trip() {
        let a = SigningKey::from_seed(&[1; 32]);
        let bytes = SingleSigned::create(vec![0x01], "application/s", &a);
        let s = SingleSigned::decode(&bytes, "application/s", 4096).unwrap();
        assert_eq!(s.payload(), &[0x01]);
        assert_eq!(s.kid(), a.public_key().key_id());
        assert!(s.verify(&a.public_key()));
        // untagged is refused
        assert!(SingleSigned::decode(&bytes[1..], "application/s", 4096).is_err());
    }
}
