//! Helpers shared by the core's integration tests (`adversarial.rs`,
//! `security_review.rs`, `end_to_end.rs`): demo keys, a verifier for a
//! store, the exact-check assertion, and a COSE_Sign1 status list signed by
//! hand.

#![allow(dead_code, clippy::unwrap_used)]

use certanchor::cbor::Writer;
use certanchor::keys::SigningKey;
use certanchor::sample::{demo_authorities, demo_trust_doc};
use certanchor::trust::TrustStoreDoc;
use certanchor::{CheckCode, IssuedBatch, Issuer, Outcome, Report, TrustStore, Verifier};

/// The demo authority `id`'s signing key.
pub fn authority(id: &str) -> SigningKey {
    demo_authorities()
        .into_iter()
        .find(|a| a.id == id)
        .unwrap()
        .key
}

/// A verifier for the store `doc`.
pub fn verifier_with(doc: TrustStoreDoc) -> Verifier {
    Verifier::new(TrustStore::from_doc(doc).unwrap())
}

/// The market regulator, issuing business licenses.
pub fn scjgj() -> Issuer {
    Issuer::new(authority("cn.beijing.scjgj"), "cn.beijing.scjgj")
}

/// Asserts check `c` came out `o` with `code`, showing its reason if not.
#[track_caller]
pub fn assert_check(r: &Report, c: CheckCode, o: Outcome, code: &str) {
    let ch = r.check(c).unwrap();
    assert_eq!(
        (ch.outcome, ch.code.as_str()),
        (o, code),
        "{}: {}",
        c.as_str(),
        ch.reason
    );
}

/// Asserts check `c` came out `o` with `code` and a reason containing `part`.
#[track_caller]
pub fn assert_check_reason(r: &Report, c: CheckCode, o: Outcome, code: &str, part: &str) {
    assert_check(r, c, o, code);
    let reason = &r.check(c).unwrap().reason;
    assert!(reason.contains(part), "{}: {reason}", c.as_str());
}

/// Endorses `b` by the demo authority `id` at the anchor's issue time.
pub fn endorse_at_issue(b: &mut IssuedBatch, id: &str) {
    let at = b.anchor().body().issued_at;
    b.endorse(&authority(id), at).unwrap();
}

/// A verifier for the demo store without a ledger.
pub fn demo_verifier() -> Verifier {
    verifier_with(demo_trust_doc(None))
}

/// A COSE_Sign1 status list over `payload` signed by `key`, built by hand
/// (RFC 9052 §4.4), for payloads `StatusList::sign` refuses to produce.
pub fn cose_sign1(payload: &[u8], key: &SigningKey) -> Vec<u8> {
    let mut p = Writer::new();
    p.map(3);
    p.uint(1);
    p.int(-8);
    p.uint(3);
    p.text(certanchor::status::STATUS_CONTENT_TYPE);
    p.uint(4);
    p.bytes(key.public_key().key_id().as_bytes());
    let protected = p.into_bytes();
    let mut tbs = Writer::new();
    tbs.array(4);
    tbs.text("Signature1");
    tbs.bytes(&protected);
    tbs.bytes(&[]);
    tbs.bytes(payload);
    let sig = key.sign(&tbs.into_bytes());
    let mut w = Writer::new();
    w.tag(18);
    w.array(4);
    w.bytes(&protected);
    w.map(0);
    w.bytes(payload);
    w.bytes(&sig);
    w.into_bytes()
}

/// Bundles of the `n` licenses of a batch `tag` by the market regulator,
/// issued `at` and endorsed by the tax bureau, whose anchor is entry 1 of a
/// new file ledger `origin` signed with `key` (between two other anchors):
/// every bundle with the receipt at tree size 2, then every bundle with the
/// receipt at tree size 3 (two genuine checkpoints).
#[cfg(feature = "ledger")]
pub fn receipt_bundles(
    tag: &str,
    n: u64,
    at: u64,
    origin: &str,
    key: &SigningKey,
) -> Vec<certanchor::Bundle> {
    use certanchor::ledger::{FileLedger, Ledger};
    let certs: Vec<_> = (0..n).map(certanchor::sample::business_license).collect();
    let mut b = scjgj()
        .issue(tag, &certs, &certanchor::IssueOptions::at(at))
        .unwrap();
    endorse_at_issue(&mut b, "cn.beijing.tax");
    let dir =
        std::env::temp_dir().join(format!("certanchor-receipts-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut l = FileLedger::create(&dir, origin, key.clone()).unwrap();
    let other = |name: &str| {
        let mut o = scjgj()
            .issue(name, &certs[..1], &certanchor::IssueOptions::at(at))
            .unwrap();
        endorse_at_issue(&mut o, "cn.beijing.tax");
        o.anchor().as_bytes().to_vec()
    };
    l.append(&other(&format!("{tag}-before"))).unwrap();
    let at2 = l.append(b.anchor().as_bytes()).unwrap().to_bundle_receipt();
    l.append(&other(&format!("{tag}-after"))).unwrap();
    let at3 = certanchor::LedgerReceipt {
        checkpoint: l.checkpoint().unwrap(),
        index: 1,
        path: l.inclusion_proof(&b.anchor().id(), 3).unwrap().path,
    };
    drop(l);
    let _ = std::fs::remove_dir_all(&dir);
    [at2, at3]
        .into_iter()
        .flat_map(|rc| (0..b.len()).map(move |i| (i, rc.clone())))
        .map(|(i, rc)| {
            let mut bundle = b.bundle(i, None).unwrap();
            bundle.receipt = Some(rc);
            bundle
        })
        .collect()
}

/// Forgeries of the genuine checkpoint note `note` of ledger `origin`
/// (whose key is `ledger`), each with what it forges and the code the
/// ledger check must fail with: the same checkpoint signed with another
/// key, the tree size or root altered under the genuine signature, an extra
/// signature line claiming the ledger's key, and `other` (another genuine
/// note of the ledger) mixed in.
pub fn forged_notes(
    note: &str,
    other: &str,
    origin: &str,
    ledger: &SigningKey,
) -> Vec<(&'static str, String, &'static str)> {
    use certanchor::note::{self, Checkpoint, NoteSignature};
    let text = note::parse_note(note).unwrap().text;
    let sigs = &note[text.len() + 1..];
    let other_text = note::parse_note(other).unwrap().text;
    let other_sigs = &other[other_text.len() + 1..];
    let cp = Checkpoint::from_text(&text).unwrap();
    let resigned = |c: &Checkpoint| format!("{}\n{sigs}", c.to_text());
    let bad_line = NoteSignature {
        name: origin.to_owned(),
        key_id: note::key_id(origin, &ledger.public_key()),
        signature: vec![0x5a; 64],
    }
    .to_line();
    vec![
        (
            "the checkpoint signed with another key",
            note::sign_checkpoint(&cp, &SigningKey::from_seed(&[0xee; 32])).unwrap(),
            "unknown_signer",
        ),
        (
            "tree size + 1 under the genuine signature",
            resigned(&Checkpoint {
                tree_size: cp.tree_size + 1,
                ..cp.clone()
            }),
            "bad_signature",
        ),
        (
            "another root under the genuine signature",
            resigned(&Checkpoint {
                root: certanchor::Hash::digest(b"another root"),
                ..cp.clone()
            }),
            "bad_signature",
        ),
        (
            "an extra signature line claiming the ledger's key",
            format!("{note}{bad_line}"),
            "bad_signature",
        ),
        (
            "the other checkpoint's signature line added",
            format!("{note}{other_sigs}"),
            "bad_signature",
        ),
        (
            "the other checkpoint's text under this signature",
            format!("{other_text}\n{sigs}"),
            "bad_signature",
        ),
    ]
}

/// `note` cosigned by a witness the trust store does not know: still
/// genuine (an unknown signer's line is ignored).
pub fn witnessed(note: &str) -> String {
    let text = certanchor::note::parse_note(note).unwrap().text;
    let signed = certanchor::note::sign_note(
        &text,
        "witness.example",
        &SigningKey::from_seed(&[0x77; 32]),
    )
    .unwrap();
    format!("{note}{}", &signed[text.len() + 1..])
}
