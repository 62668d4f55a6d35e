//! Small-order (weak) Ed25519 public keys are refused when read: raw,
//! base64, SPKI PEM, signed-note verifier keys, and in a trust store.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use certanchor::TrustStore;
use certanchor::keys::{PublicKey, SigningKey, WEAK_KEY_REASON};
use certanchor::note::NoteVerifier;
use certanchor::sample::demo_trust_doc;
use certanchor::trust::LedgerEntry;
use sha2::Digest as _;

/// Two small-order points: the identity (order 1) and a point of order 8.
fn weak_keys() -> [[u8; 32]; 2] {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let order8: [u8; 32] =
        hex::decode("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
            .unwrap()
            .try_into()
            .unwrap();
    [identity, order8]
}

fn spki_pem(raw: &[u8; 32]) -> String {
    let prefix = hex::decode("302a300506032b6570032100").unwrap();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        B64.encode([&prefix[..], raw].concat())
    )
}

#[test]
fn weak_public_keys_are_refused_in_every_form() {
    let vkey = |raw: &[u8; 32]| {
        let name = "log.example";
        let mut material = vec![1u8];
        material.extend_from_slice(raw);
        let id = sha2::Sha256::digest([name.as_bytes(), b"\n", &material].concat());
        format!("{name}+{}+{}", hex::encode(&id[..4]), B64.encode(&material))
    };
    for raw in weak_keys() {
        let b64 = B64.encode(raw);
        let pem = spki_pem(&raw);
        for e in [
            PublicKey::from_bytes(&raw).unwrap_err(),
            PublicKey::from_base64(&b64).unwrap_err(),
            PublicKey::parse(&b64).unwrap_err(),
        ] {
            assert_eq!(e.code(), "invalid_public_key");
            assert!(e.to_string().contains(WEAK_KEY_REASON), "{e}");
        }
        for e in [
            PublicKey::from_spki_pem(&pem).unwrap_err(),
            PublicKey::parse(&pem).unwrap_err(),
        ] {
            assert_eq!(e.code(), "invalid_key");
            assert!(e.to_string().contains("small-order (weak) key"), "{e}");
        }
        // a signed-note verifier key with it, its key id right
        let e = NoteVerifier::from_verifier_key(&vkey(&raw)).unwrap_err();
        assert!(e.to_string().contains("small-order (weak) key"), "{e}");
    }
    // a genuine key in the same forms still loads
    let good = SigningKey::from_seed(&[9; 32]).public_key();
    assert_eq!(PublicKey::parse(&good.to_base64()), Ok(good));
    assert_eq!(PublicKey::parse(&spki_pem(&good.to_bytes())), Ok(good));
    assert_eq!(
        NoteVerifier::from_verifier_key(&vkey(&good.to_bytes()))
            .unwrap()
            .key,
        good
    );
}

#[test]
fn trust_store_with_a_weak_issuer_or_ledger_key_is_refused() {
    for raw in weak_keys() {
        for form in [B64.encode(raw), spki_pem(&raw)] {
            let mut doc = demo_trust_doc(None);
            doc.issuers[1].keys[0].public_key = form;
            let json = serde_json::to_string(&doc).unwrap();
            let e = TrustStore::from_json(&json).unwrap_err();
            assert_eq!(e.code(), "invalid_key", "{e}");
            assert!(e.to_string().contains("small-order (weak) key"), "{e}");
            assert!(e.to_string().contains(&doc.issuers[1].id), "{e}");
        }
        let mut doc = demo_trust_doc(None);
        doc.ledgers.push(LedgerEntry {
            origin: "ledger.example/log".into(),
            public_key: B64.encode(raw),
            witnesses: Vec::new(),
            quorum: None,
            max_age: None,
            url: None,
        });
        let json = serde_json::to_string(&doc).unwrap();
        let e = TrustStore::from_json(&json).unwrap_err();
        assert_eq!(e.code(), "invalid_ledger", "{e}");
        assert!(e.to_string().contains("small-order (weak) key"), "{e}");
    }
}
