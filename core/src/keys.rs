//! Ed25519 keys (RFC 8032) and their on-disk forms (RFC 8410).
//!
//! * Private keys are read from PKCS#8 PEM (v1, as written by
//!   `openssl genpkey -algorithm ed25519`, or v2 with the public key) and
//!   written byte-for-byte as OpenSSL writes them.
//! * Public keys are read from SPKI PEM (`openssl pkey -pubout`) or as 32 raw
//!   bytes in base64.
//! * A [`KeyId`] is the first 16 bytes of SHA-256 of the raw public key (the
//!   COSE `kid` of SPEC §2.3).
//! * Verification uses `verify_strict` only (rejects small-order keys and
//!   non-canonical signatures).
//! * Small-order ("weak") public keys are refused when a key is read
//!   ([`WEAK_KEY_REASON`]): no signing key has one, and anyone can make
//!   signatures that verify under one for many messages, so such a key in a
//!   trust store is a mistake or an attack.
//!
//! ```
//! use certanchor::keys::{SigningKey, PublicKey};
//! let key = SigningKey::generate().unwrap();
//! let pem = key.to_pkcs8_pem();
//! let again = SigningKey::from_pkcs8_pem(&pem).unwrap();
//! assert_eq!(again.public_key(), key.public_key());
//! let sig = key.sign(b"hello");
//! assert!(key.public_key().verify(b"hello", &sig));
//! let pk = PublicKey::from_base64(&key.public_key().to_base64()).unwrap();
//! assert_eq!(pk.key_id(), key.public_key().key_id());
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePublicKey};
use zeroize::Zeroizing;

use crate::Hash;
use crate::error::KeyError;

/// Whether this build verifies several Ed25519 signatures in one batch (the
/// `batch` feature): [`PublicKey::verify_batch`], and the verifier's checks of
/// new anchors in `verify_many` and of a cold bundle's signatures. Without it
/// they are verified one by one, with the same results at about a third of
/// the speed. Benchmarks report it so a figure is never read without it.
pub const BATCH_VERIFICATION: bool = cfg!(feature = "batch");

/// DER prefix of an OpenSSL Ed25519 PKCS#8 v1 private key (RFC 8410 §7).
const PKCS8_V1_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): the only
/// DER encoding there is, followed by the 32 key bytes.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Longest PEM text accepted.
pub const MAX_PEM_LEN: usize = 8 * 1024;

/// The reason given when a public key is a small-order point: a point of
/// order 1, 2, 4 or 8 (the identity among them), in any of its encodings.
pub const WEAK_KEY_REASON: &str = "small-order (weak) key";

/// Identifies a public key: the first 16 bytes of SHA-256(raw public key).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub [u8; 16]);

impl KeyId {
    /// From a slice that must be exactly 16 bytes.
    #[must_use]
    pub fn from_slice(b: &[u8]) -> Option<Self> {
        b.try_into().ok().map(Self)
    }

    /// The raw bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Lowercase hex.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// An Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    inner: ed25519_dalek::VerifyingKey,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_base64())
    }
}

impl PublicKey {
    /// From 32 raw bytes.
    ///
    /// # Errors
    /// [`KeyError::PublicKey`] when the bytes are not a valid curve point, or
    /// are a small-order point (reason [`WEAK_KEY_REASON`]).
    pub fn from_bytes(b: &[u8; 32]) -> Result<Self, KeyError> {
        ed25519_dalek::VerifyingKey::from_bytes(b)
            .map_err(|e| KeyError::PublicKey {
                reason: e.to_string(),
            })
            .and_then(Self::strong)
    }

    /// Refuses a small-order point.
    fn strong(inner: ed25519_dalek::VerifyingKey) -> Result<Self, KeyError> {
        if inner.is_weak() {
            return Err(KeyError::PublicKey {
                reason: WEAK_KEY_REASON.into(),
            });
        }
        Ok(Self { inner })
    }

    /// From 32 raw bytes in standard base64.
    ///
    /// # Errors
    /// Bad base64, wrong length, not a curve point, or a small-order point.
    pub fn from_base64(s: &str) -> Result<Self, KeyError> {
        let raw = B64.decode(s.trim()).map_err(|e| KeyError::PublicKey {
            reason: format!("not base64: {e}"),
        })?;
        let arr: [u8; 32] = raw.as_slice().try_into().map_err(|_| KeyError::PublicKey {
            reason: format!("must be 32 bytes, found {}", raw.len()),
        })?;
        Self::from_bytes(&arr)
    }

    /// From an SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    ///
    /// # Errors
    /// [`KeyError::Parse`] when the PEM is not an Ed25519 SPKI, or its key is
    /// not a curve point or is a small-order point (reason [`WEAK_KEY_REASON`]).
    pub fn from_spki_pem(pem: &str) -> Result<Self, KeyError> {
        if pem.len() > MAX_PEM_LEN {
            return Err(KeyError::Parse {
                what: "SPKI PEM",
                reason: "too long".into(),
            });
        }
        #[cfg(feature = "pem-lite")]
        return Self::from_spki_pem_fixed(pem);
        #[cfg(not(feature = "pem-lite"))]
        <ed25519_dalek::VerifyingKey as ed25519_dalek::pkcs8::DecodePublicKey>::from_public_key_pem(
            pem.trim(),
        )
        .map_err(|e| KeyError::Parse {
            what: "SPKI PEM",
            reason: e.to_string(),
        })
        .and_then(|inner| {
            Self::strong(inner).map_err(|_| KeyError::Parse {
                what: "SPKI PEM",
                reason: WEAK_KEY_REASON.into(),
            })
        })
    }

    /// [`PublicKey::from_spki_pem`] without the `pkcs8`/`der` stack, for the
    /// `pem-lite` feature: an Ed25519 SPKI has exactly one DER encoding, so
    /// the PEM body must be [`SPKI_PREFIX`] + 32 key bytes.
    #[cfg_attr(not(any(feature = "pem-lite", test)), allow(dead_code))]
    fn from_spki_pem_fixed(pem: &str) -> Result<Self, KeyError> {
        let bad = |reason: &str| KeyError::Parse {
            what: "SPKI PEM",
            reason: reason.into(),
        };
        let body = pem
            .trim()
            .strip_prefix("-----BEGIN PUBLIC KEY-----")
            .and_then(|b| b.strip_suffix("-----END PUBLIC KEY-----"))
            .ok_or_else(|| bad("not a `PUBLIC KEY` PEM"))?;
        let b64: String = body.lines().map(str::trim_end).collect();
        if b64.contains(|c: char| c.is_ascii_whitespace()) {
            return Err(bad("whitespace inside a base64 line"));
        }
        let der = B64
            .decode(&b64)
            .map_err(|e| bad(&format!("bad base64: {e}")))?;
        let key = der
            .strip_prefix(&SPKI_PREFIX[..])
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .ok_or_else(|| bad("not an Ed25519 SubjectPublicKeyInfo"))?;
        Self::from_bytes(&key).map_err(|e| bad(&e.to_string()))
    }

    /// Parses either an SPKI PEM or base64 raw bytes.
    ///
    /// # Errors
    /// As [`PublicKey::from_spki_pem`] / [`PublicKey::from_base64`].
    pub fn parse(s: &str) -> Result<Self, KeyError> {
        if s.trim_start().starts_with("-----BEGIN") {
            Self::from_spki_pem(s)
        } else {
            Self::from_base64(s)
        }
    }

    /// SPKI PEM, as `openssl pkey -pubout` writes it.
    #[must_use]
    pub fn to_spki_pem(&self) -> String {
        self.inner
            .to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .unwrap_or_default()
    }

    /// Raw 32 bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 32] {
        self.inner.to_bytes()
    }

    /// Raw 32 bytes in standard base64.
    #[must_use]
    pub fn to_base64(&self) -> String {
        B64.encode(self.inner.as_bytes())
    }

    /// The key id: first 16 bytes of SHA-256(raw key).
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        let h = Hash::digest(self.inner.as_bytes());
        let mut id = [0u8; 16];
        id.copy_from_slice(h.as_bytes().get(..16).unwrap_or(&[0u8; 16]));
        KeyId(id)
    }

    /// Verifies many `(message, signature, key)` triples at once (Ed25519
    /// batch verification, about three times the single-signature rate):
    /// `true` only if every signature verifies. Keys that `verify_strict`
    /// refuses (small order) and malformed signatures fail the batch, so a
    /// `false` should be followed by one-by-one [`PublicKey::verify`] to find
    /// the bad signature. Without the `batch` feature this verifies one by one.
    ///
    /// ```
    /// use certanchor::keys::{PublicKey, SigningKey};
    /// let (a, b) = (SigningKey::from_seed(&[1; 32]), SigningKey::from_seed(&[2; 32]));
    /// let (sa, sb) = (a.sign(b"one"), b.sign(b"two"));
    /// let (pa, pb) = (a.public_key(), b.public_key());
    /// assert!(PublicKey::verify_batch(&[(b"one", &sa[..], &pa), (b"two", &sb[..], &pb)]));
    /// assert!(!PublicKey::verify_batch(&[(b"one", &sa[..], &pa), (b"two", &sa[..], &pb)]));
    /// ```
    #[must_use]
    pub fn verify_batch(items: &[(&[u8], &[u8], &Self)]) -> bool {
        #[cfg(feature = "batch")]
        {
            if items.len() > 1 {
                let mut msgs = Vec::with_capacity(items.len());
                let mut sigs = Vec::with_capacity(items.len());
                let mut keys = Vec::with_capacity(items.len());
                for (m, s, k) in items {
                    let Ok(sig) = ed25519_dalek::Signature::from_slice(s) else {
                        return false;
                    };
                    if k.inner.is_weak() {
                        return false;
                    }
                    msgs.push(*m);
                    sigs.push(sig);
                    keys.push(k.inner);
                }
                return ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok();
            }
        }
        items.iter().all(|(m, s, k)| k.verify(m, s))
    }

    /// Verifies `sig` over `msg` with `verify_strict`.
    #[must_use]
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
            return false;
        };
        self.inner.verify_strict(msg, &sig).is_ok()
    }
}

/// An Ed25519 signing key. The secret is zeroized on drop.
#[derive(Clone)]
pub struct SigningKey {
    inner: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(public: {})", self.public_key().to_base64())
    }
}

impl SigningKey {
    /// A fresh key from the operating system's CSPRNG.
    ///
    /// # Errors
    /// [`KeyError::Rng`] if the OS generator fails.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(seed.as_mut()).map_err(|e| KeyError::Rng(e.to_string()))?;
        Ok(Self::from_seed(&seed))
    }

    /// From the 32-byte RFC 8032 seed.
    #[must_use]
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            inner: ed25519_dalek::SigningKey::from_bytes(seed),
        }
    }

    /// From a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), v1 or v2.
    ///
    /// # Errors
    /// [`KeyError::Parse`] when it is not an unencrypted Ed25519 PKCS#8 key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        if pem.len() > MAX_PEM_LEN {
            return Err(KeyError::Parse {
                what: "PKCS#8 PEM",
                reason: "too long".into(),
            });
        }
        ed25519_dalek::SigningKey::from_pkcs8_pem(pem.trim())
            .map(|inner| Self { inner })
            .map_err(|e| KeyError::Parse {
                what: "PKCS#8 PEM",
                reason: e.to_string(),
            })
    }

    /// PKCS#8 v1 PEM exactly as `openssl genpkey -algorithm ed25519` writes it.
    #[must_use]
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        let mut der = Zeroizing::new(Vec::with_capacity(48));
        der.extend_from_slice(&PKCS8_V1_PREFIX);
        der.extend_from_slice(self.inner.as_bytes());
        let b64 = Zeroizing::new(B64.encode(der.as_slice()));
        Zeroizing::new(format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            b64.as_str()
        ))
    }

    /// The public key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            inner: self.inner.verifying_key(),
        }
    }

    /// Signs `msg` (RFC 8032 Ed25519).
    #[must_use]
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.inner.sign(msg).to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8410 §10.3 example private key and §10.1 example public key.
    const RFC8410_PRIV: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
    const RFC8410_PUB: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";

    #[test]
    fn rfc8410_examples_round_trip_byte_exact() {
        let k = SigningKey::from_pkcs8_pem(RFC8410_PRIV).unwrap();
        assert_eq!(k.to_pkcs8_pem().as_str(), RFC8410_PRIV);
        let p = PublicKey::from_spki_pem(RFC8410_PUB).unwrap();
        assert_eq!(p.to_spki_pem(), RFC8410_PUB);
        assert_eq!(
            hex::encode(p.to_bytes()),
            "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1"
        );
    }

    #[test]
    fn rfc8032_test_1_signature() {
        // RFC 8032 §7.1 TEST 1 (empty message).
        let seed: [u8; 32] =
            hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap()
                .try_into()
                .unwrap();
        let k = SigningKey::from_seed(&seed);
        assert_eq!(
            hex::encode(k.public_key().to_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let sig = k.sign(b"");
        assert_eq!(
            hex::encode(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert!(k.public_key().verify(b"", &sig));
        assert!(!k.public_key().verify(b"x", &sig));
        assert!(!k.public_key().verify(b"", &sig[..63]));
    }

    #[test]
    fn bad_keys_are_typed_errors() {
        assert_eq!(
            PublicKey::from_base64("AAAA").unwrap_err().code(),
            "invalid_public_key"
        );
        assert_eq!(
            PublicKey::from_base64("!!").unwrap_err().code(),
            "invalid_public_key"
        );
        assert_eq!(
            SigningKey::from_pkcs8_pem(
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            )
            .unwrap_err()
            .code(),
            "invalid_key"
        );
        assert!(PublicKey::parse(RFC8410_PUB).is_ok());
    }

    #[test]
    fn fixed_layout_spki_reader_agrees_with_der() {
        let k = SigningKey::from_seed(&[7; 32]).public_key();
        let crlf = k.to_spki_pem().replace('\n', "\r\n");
        for good in [RFC8410_PUB, &k.to_spki_pem(), &crlf] {
            let der = PublicKey::from_spki_pem(good).unwrap();
            let fixed = PublicKey::from_spki_pem_fixed(good).unwrap();
            assert_eq!(der.to_bytes(), fixed.to_bytes());
        }
        let wrap = RFC8410_PUB.replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN PRIVATE KEY-----");
        let p256 = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\nq9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n-----END PUBLIC KEY-----\n";
        let short = RFC8410_PUB.replace("MCowBQYDK2VwAyEA", "MCkwBQYDK2VwAyAA");
        let spaced = RFC8410_PUB.replace("MCow", "MC ow");
        // an encoding that is not a curve point
        let off_curve = (2u8..)
            .map(|y| {
                let mut b = [0u8; 32];
                b[0] = y;
                b
            })
            .find(|b| PublicKey::from_bytes(b).is_err())
            .unwrap();
        let not_point = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            B64.encode([&SPKI_PREFIX[..], &off_curve].concat())
        );
        for bad in [
            wrap.as_str(),
            p256,
            &short,
            &spaced,
            &not_point,
            "",
            "-----BEGIN PUBLIC KEY-----",
        ] {
            assert!(
                PublicKey::from_spki_pem(bad).is_err(),
                "der accepted {bad:?}"
            );
            assert_eq!(
                PublicKey::from_spki_pem_fixed(bad).unwrap_err().code(),
                "invalid_key",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn key_id_is_sha256_prefix() {
        let p = PublicKey::from_spki_pem(RFC8410_PUB).unwrap();
        let h = Hash::digest(&p.to_bytes());
        assert_eq!(&p.key_id().0[..], &h.0[..16]);
    }
}
