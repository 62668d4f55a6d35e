//! Adversarial suite (issue 8): hostile bundles, anchors, status lists,
//! checkpoints, CBOR and trust stores. Every case asserts the exact failing
//! check and code (or the exact error code), never just "not valid".
//! Cases already in `end_to_end.rs` are not repeated; these extend them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use certanchor::Document;
use common::{
    assert_check, assert_check_reason, authority, cose_sign1, endorse_at_issue, scjgj,
    verifier_with,
};

use certanchor::anchor::MAX_ANCHOR_LEN;
use certanchor::bundle::{MAX_BUNDLE_LEN, MAX_TEXT_LEN};
use certanchor::cbor::{MAX_DEPTH, Writer, decode_value};
use certanchor::keys::SigningKey;
#[cfg(feature = "ledger")]
use certanchor::ledger::{FileLedger, Ledger};
use certanchor::merkle::{self, InclusionProof, MAX_PATH, MerkleTree, leaf_hash, node_hash};
#[cfg(feature = "ledger")]
use certanchor::note::{NoteVerifier, verify_checkpoint, verify_checkpoint_time};
use certanchor::sample::{self, JAN_1_2024, demo_trust_doc};
use certanchor::status::{MAX_STATUS_BITS, StatusList, StatusListBody, StatusPurpose};
use certanchor::trust::TrustStoreDoc;
use certanchor::{
    Bundle, Certificate, CheckCode, Hash, IssueOptions, IssuedBatch, Issuer, Outcome, Report,
    TrustStore, Value, Verdict, Verifier,
};

const ISSUED: u64 = JAN_1_2024 + 86_400 * 150;
const NOW: u64 = ISSUED + 3600;
const ORIGIN: &str = "ledger.example.gov.cn/certanchor";

fn ledger_key() -> SigningKey {
    SigningKey::from_seed(&[0x31; 32])
}

fn doc() -> TrustStoreDoc {
    demo_trust_doc(Some((ORIGIN, &ledger_key().public_key())))
}

fn verifier() -> Verifier {
    verifier_with(doc())
}

fn licenses(n: u64) -> Vec<Certificate> {
    (0..n).map(sample::business_license).collect()
}

/// Licenses by the market regulator, endorsed by the tax bureau.
fn endorsed(batch: &str, n: u64) -> IssuedBatch {
    let mut b = scjgj()
        .issue(batch, &licenses(n), &IssueOptions::at(ISSUED))
        .unwrap();
    endorse_at_issue(&mut b, "cn.beijing.tax");
    b
}

fn first_failure(r: &Report) -> (CheckCode, &'static str) {
    let c = r
        .failures()
        .next()
        .or_else(|| {
            r.checks
                .iter()
                .find(|c| c.outcome == Outcome::Indeterminate)
        })
        .expect("a check that did not pass");
    (c.check, c.code.as_str())
}

#[cfg(feature = "ledger")]
fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("certanchor-adv-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

// ---------------------------------------------------------------- bit flips

/// Every bit of the anchor flipped (in a bundle that is otherwise valid):
/// never valid, and the failure is one the anchor can cause.
#[test]
fn every_anchor_bit_flip_is_never_valid() {
    let b = endorsed("flip-anchor", 3);
    let good = b.bundle(1, Some(&["name"])).unwrap();
    let v = verifier();
    assert_eq!(v.verify_bundle(&good, NOW).verdict, Verdict::Valid);
    let mut t = good.clone();
    for i in 0..good.anchor.len() {
        for bit in 0..8 {
            t.anchor[i] ^= 1 << bit;
            let r = v.verify_bundle(&t, NOW);
            assert_ne!(r.verdict, Verdict::Valid, "byte {i} bit {bit}");
            let (check, code) = first_failure(&r);
            assert!(
                matches!(
                    check,
                    CheckCode::Format
                        | CheckCode::Inclusion
                        | CheckCode::IssuerSignature
                        | CheckCode::Authorization
                        | CheckCode::Endorsements
                ),
                "byte {i} bit {bit}: {check:?} {code}"
            );
            t.anchor[i] ^= 1 << bit;
        }
    }
}

/// Every bit of a status list flipped: never valid; a list that still
/// decodes is refused by its signature (or for naming another batch).
#[test]
fn every_status_list_bit_flip_is_never_valid() {
    let mut b = endorsed("flip-status", 3);
    scjgj()
        .update_status(&mut b, StatusPurpose::Revocation, &[], ISSUED, 86_400)
        .unwrap();
    let good = b.bundle(0, Some(&["name"])).unwrap();
    assert_eq!(good.status.len(), 1);
    assert_eq!(verifier().verify_bundle(&good, NOW).verdict, Verdict::Valid);
    let mut t = good.clone();
    for i in 0..good.status[0].len() {
        for bit in 0..8 {
            t.status[0][i] ^= 1 << bit;
            // fresh verifier: nothing remembered from the genuine list
            let r = verifier().verify_bundle(&t, NOW);
            assert_ne!(r.verdict, Verdict::Valid, "byte {i} bit {bit}");
            let (check, code) = first_failure(&r);
            assert!(
                check == CheckCode::Format
                    || (check == CheckCode::Status
                        && matches!(code, "status_bad_signature" | "status_wrong_batch")),
                "byte {i} bit {bit}: {check:?} {code}"
            );
            t.status[0][i] ^= 1 << bit;
        }
    }
}

/// A bundle with a ledger receipt, and the trust store that knows the ledger.
#[cfg(feature = "ledger")]
fn bundle_with_receipt(tag: &str) -> Bundle {
    let b = endorsed(tag, 3);
    let dir = temp_dir(tag);
    let mut l = FileLedger::create(&dir, ORIGIN, ledger_key()).unwrap();
    let rc = l.append(b.anchor().as_bytes()).unwrap();
    drop(l);
    std::fs::remove_dir_all(&dir).unwrap();
    let mut bundle = b.bundle(2, Some(&["name"])).unwrap();
    bundle.receipt = Some(rc.to_bundle_receipt());
    bundle
}

/// Every bit of the checkpoint flipped: the signed note never verifies, and
/// a bundle carrying it fails the ledger check (or format, for a note that
/// is no longer a well-formed note). The last line is the ledger's timestamp
/// (SPEC §9.7), which note verification ignores like any line of another
/// key: a flip there never yields a ledger time.
#[test]
#[cfg(feature = "ledger")]
fn every_checkpoint_bit_flip_is_never_valid() {
    let good = bundle_with_receipt("flip-ckpt");
    let v = verifier();
    let r = v.verify_bundle(&good, NOW);
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", r.checks);
    assert_check(&r, CheckCode::Ledger, Outcome::Passed, "ok");
    let verifiers = [NoteVerifier::new(ORIGIN, ledger_key().public_key()).unwrap()];
    let note = good
        .receipt
        .as_ref()
        .unwrap()
        .checkpoint
        .clone()
        .into_bytes();
    let time_line = note[..note.len() - 1]
        .iter()
        .rposition(|b| *b == b'\n')
        .unwrap()
        + 1;
    assert!(
        verify_checkpoint_time(std::str::from_utf8(&note).unwrap(), &verifiers[0])
            .unwrap()
            .time
            .is_some()
    );
    let mut tested = 0;
    for i in 0..note.len() {
        for bit in 0..8 {
            let mut f = note.clone();
            f[i] ^= 1 << bit;
            let Ok(s) = String::from_utf8(f) else {
                continue;
            };
            tested += 1;
            if i >= time_line && i < note.len() - 1 {
                let timed = verify_checkpoint_time(&s, &verifiers[0]);
                assert!(
                    timed.is_err() || timed.is_ok_and(|t| t.time.is_none()),
                    "byte {i} bit {bit} still carries a ledger time"
                );
                continue;
            }
            assert!(
                verify_checkpoint(&s, &verifiers).is_err(),
                "byte {i} bit {bit} still verifies"
            );
            let mut t = good.clone();
            t.receipt.as_mut().unwrap().checkpoint = s;
            let r = v.verify_bundle(&t, NOW);
            assert_ne!(r.verdict, Verdict::Valid, "byte {i} bit {bit}");
            let (check, code) = first_failure(&r);
            assert!(
                matches!(check, CheckCode::Ledger | CheckCode::Format),
                "byte {i} bit {bit}: {check:?} {code}"
            );
        }
    }
    assert!(tested > note.len() * 4);
}

// ------------------------------------------------------------------ Merkle

/// An interior node presented as a leaf: domain separation makes the leaf
/// hash of a node's preimage differ from the node, and the shortened path an
/// attacker would need has the wrong length for the signed tree size.
#[test]
fn interior_node_presented_as_leaf() {
    let b = endorsed("node-leaf", 4);
    let good = b.bundle(0, None).unwrap();
    let leaves: Vec<Hash> = (0..4)
        .map(|i| leaf_hash(&b.bundle(i, None).unwrap().header))
        .collect();
    let n01 = node_hash(&leaves[0], &leaves[1]);
    let n23 = node_hash(&leaves[2], &leaves[3]);
    // the 64-byte preimage of n01 hashed as a leaf is not n01
    let preimage = [leaves[0].as_bytes().as_slice(), leaves[1].as_bytes()].concat();
    assert_ne!(leaf_hash(&preimage), n01);
    // n01 with path [n23] gives the root, but only as "leaf 0 of a 2-leaf tree"
    let root = b.anchor().body().root;
    let short = InclusionProof {
        tree_size: 2,
        leaf_index: 0,
        path: vec![n23],
    };
    assert_eq!(merkle::verify_inclusion(&n01, &short, &root), Ok(()));
    // with the anchor's signed size, the one-hash path is refused
    let signed = InclusionProof {
        tree_size: 4,
        ..short.clone()
    };
    assert_eq!(
        merkle::verify_inclusion(&n01, &signed, &root)
            .unwrap_err()
            .code(),
        "wrong_path_length"
    );
    // in a bundle: the real header with the attacker's short path
    let mut t = good.clone();
    t.proof.path = vec![n23];
    assert_check(
        &verifier().verify_bundle(&t, NOW),
        CheckCode::Inclusion,
        Outcome::Failed,
        "wrong_path_length",
    );
    // and with the attacker's tree size
    let mut t = good;
    t.proof = short;
    assert_check(
        &verifier().verify_bundle(&t, NOW),
        CheckCode::Inclusion,
        Outcome::Failed,
        "tree_size_mismatch",
    );
}

/// A genuine proof from the batch's first 8 leaves, relabelled with the
/// anchor's size 9, does not reach the anchor's root.
#[test]
fn proof_for_another_tree_size() {
    let b = endorsed("sizes", 9);
    let good = b.bundle(3, None).unwrap();
    let leaves: Vec<Hash> = (0..8)
        .map(|i| leaf_hash(&b.bundle(i, None).unwrap().header))
        .collect();
    let small = MerkleTree::from_leaf_hashes(leaves);
    let mut t = good.clone();
    t.proof = small.inclusion_proof(3).unwrap();
    assert_eq!(t.proof.tree_size, 8);
    assert_check(
        &verifier().verify_bundle(&t, NOW),
        CheckCode::Inclusion,
        Outcome::Failed,
        "tree_size_mismatch",
    );
    // relabelled with the signed size: one hash short
    t.proof.tree_size = 9;
    assert_check(
        &verifier().verify_bundle(&t, NOW),
        CheckCode::Inclusion,
        Outcome::Failed,
        "wrong_path_length",
    );
    // padded to the right length with a made-up hash: the root differs
    t.proof.path.push(Hash::from_bytes([9; 32]));
    assert_check(
        &verifier().verify_bundle(&t, NOW),
        CheckCode::Inclusion,
        Outcome::Failed,
        "root_mismatch",
    );
    // (the genuine 9-leaf proof is exactly that path plus leaf 8's hash)
    let last = leaf_hash(&b.bundle(8, None).unwrap().header);
    *t.proof.path.last_mut().unwrap() = last;
    assert_eq!(t.proof, good.proof);
}

#[test]
fn index_past_the_tree() {
    let b = endorsed("past", 5);
    let good = b.bundle(4, None).unwrap();
    for idx in [5, 6, u64::MAX] {
        let mut t = good.clone();
        t.proof.leaf_index = idx;
        assert_check(
            &verifier().verify(&t.to_vec(), NOW),
            CheckCode::Inclusion,
            Outcome::Failed,
            "index_out_of_range",
        );
    }
}

/// 65 hashes: the decoder refuses the bundle (`too_large`, format check);
/// 64 hashes decode but are the wrong length for a 5-leaf tree; the Merkle
/// layer refuses > 64 on its own too.
#[test]
fn over_long_audit_path() {
    let b = endorsed("long", 5);
    let good = b.bundle(0, None).unwrap();
    let mut t = good.clone();
    t.proof.path = vec![Hash::from_bytes([7; 32]); MAX_PATH + 1];
    let e = Bundle::from_slice(&t.to_vec()).unwrap_err();
    assert_eq!(e.code(), "too_large", "{e}");
    assert!(e.to_string().contains("audit path"), "{e}");
    let r = verifier().verify(&t.to_vec(), NOW);
    assert_check(&r, CheckCode::Format, Outcome::Failed, "too_large");
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(
        merkle::verify_inclusion(&leaf_hash(&t.header), &t.proof, &b.anchor().body().root)
            .unwrap_err()
            .code(),
        "path_too_long"
    );
    t.proof.path.truncate(MAX_PATH);
    assert_check(
        &verifier().verify(&t.to_vec(), NOW),
        CheckCode::Inclusion,
        Outcome::Failed,
        "wrong_path_length",
    );
    // an over-long ledger receipt path is refused by the decoder too
    let mut t = good;
    t.receipt = Some(certanchor::LedgerReceipt {
        checkpoint: "x".into(),
        index: 0,
        path: vec![Hash::from_bytes([7; 32]); MAX_PATH + 1],
    });
    assert_eq!(
        Bundle::from_slice(&t.to_vec()).unwrap_err().code(),
        "too_large"
    );
}

// ------------------------------------------------------------ keys, issuers

fn set_key(doc: &mut TrustStoreDoc, id: &str, f: impl FnOnce(&mut certanchor::trust::KeyEntry)) {
    let iss = doc.issuers.iter_mut().find(|i| i.id == id).unwrap();
    f(&mut iss.keys[0]);
}

/// Endorsements by a key outside its window or revoked do not count.
#[test]
fn endorser_key_outside_window_or_revoked_does_not_count() {
    let b = endorsed("endorser-window", 2);
    let bytes = b.bundle(0, None).unwrap().to_vec();
    type Edit = fn(&mut certanchor::trust::KeyEntry);
    let edits: [(Edit, &str); 3] = [
        (
            |k| k.not_before = "2024-06-01T00:00:00Z".into(),
            "not valid before",
        ),
        (
            |k| k.not_after = Some("2024-05-01T00:00:00Z".into()),
            "expired",
        ),
        (
            |k| k.revoked_at = Some("2024-05-30T00:00:00Z".into()),
            "revoked",
        ),
    ];
    for (edit, why) in edits {
        let mut d = doc();
        set_key(&mut d, "cn.beijing.tax", edit);
        let r = verifier_with(d).verify(&bytes, NOW);
        assert_check(
            &r,
            CheckCode::Endorsements,
            Outcome::Failed,
            "endorsements_missing",
        );
        assert_check(&r, CheckCode::IssuerSignature, Outcome::Passed, "ok");
        let reason = &r.check(CheckCode::Endorsements).unwrap().reason;
        assert!(reason.contains(why), "{reason}");
    }
    // revoked exactly at issuance counts as revoked
    let mut d = doc();
    set_key(&mut d, "cn.beijing.scjgj", |k| {
        k.revoked_at = Some(certanchor::time::format(ISSUED));
    });
    assert_check(
        &verifier_with(d).verify(&bytes, NOW),
        CheckCode::IssuerSignature,
        Outcome::Failed,
        "key_not_valid",
    );
}

/// A trusted department that issues nothing (tax) signs a business license
/// batch as issuer: its signature verifies, authorization fails. An issuer
/// absent from the trust store fails both.
#[test]
fn issuer_not_authorized_or_unknown() {
    let mut b = Issuer::new(authority("cn.beijing.tax"), "cn.beijing.tax")
        .issue("tax-lic", &licenses(2), &IssueOptions::at(ISSUED))
        .unwrap();
    endorse_at_issue(&mut b, "cn.beijing.gaj");
    let r = verifier().verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert_check(&r, CheckCode::IssuerSignature, Outcome::Passed, "ok");
    assert_check(
        &r,
        CheckCode::Authorization,
        Outcome::Failed,
        "unauthorized_kind",
    );
    assert_eq!(r.verdict, Verdict::Invalid);

    let mut b = Issuer::new(SigningKey::from_seed(&[0x66; 32]), "cn.example.rogue")
        .issue("rogue", &licenses(2), &IssueOptions::at(ISSUED))
        .unwrap();
    endorse_at_issue(&mut b, "cn.beijing.tax");
    let r = verifier().verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert_check(
        &r,
        CheckCode::IssuerSignature,
        Outcome::Failed,
        "unknown_key",
    );
    assert_check(
        &r,
        CheckCode::Authorization,
        Outcome::Failed,
        "untrusted_issuer",
    );

    // a rogue issuer claiming a trusted issuer's id with its own key
    let mut b = Issuer::new(SigningKey::from_seed(&[0x67; 32]), "cn.beijing.scjgj")
        .issue("spoof", &licenses(1), &IssueOptions::at(ISSUED))
        .unwrap();
    endorse_at_issue(&mut b, "cn.beijing.tax");
    let r = verifier().verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert_check(
        &r,
        CheckCode::IssuerSignature,
        Outcome::Failed,
        "unknown_key",
    );
}

/// The same department endorsing twice with one key is refused at endorse
/// time; a duplicated COSE signature slipped in by hand counts once; the
/// issuer "endorsing" its own anchor does not count.
#[test]
fn duplicate_and_self_endorsements_count_once_or_not_at_all() {
    let mut b = endorsed("dup", 2);
    assert!(
        b.endorse(&authority("cn.beijing.tax"), b.anchor().body().issued_at)
            .is_err()
    );
    // the issuer's own second key as an "endorsement"
    let second = SigningKey::from_seed(&[0x24; 32]);
    let mut d = doc();
    let iss = d
        .issuers
        .iter_mut()
        .find(|i| i.id == "cn.beijing.scjgj")
        .unwrap();
    let mut k2 = iss.keys[0].clone();
    k2.public_key = second.public_key().to_base64();
    iss.keys.push(k2);
    let mut b = scjgj()
        .issue("self", &licenses(2), &IssueOptions::at(ISSUED))
        .unwrap();
    b.endorse(&second, b.anchor().body().issued_at).unwrap();
    let r = verifier_with(d).verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert_check_reason(
        &r,
        CheckCode::Endorsements,
        Outcome::Failed,
        "endorsements_missing",
        "not an endorsement",
    );
}

/// Only untrusted endorsers, however many: the policy is not met.
#[test]
fn many_untrusted_endorsers_do_not_count() {
    let mut b = scjgj()
        .issue("untrusted", &licenses(2), &IssueOptions::at(ISSUED))
        .unwrap();
    for s in 0x70..0x78u8 {
        b.endorse(
            &SigningKey::from_seed(&[s; 32]),
            b.anchor().body().issued_at,
        )
        .unwrap();
    }
    let r = verifier().verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert_check(
        &r,
        CheckCode::Endorsements,
        Outcome::Failed,
        "endorsements_missing",
    );
    assert!(r.endorsers.is_empty());
}

/// Documented limit (THREAT_MODEL.md): `issued_at` is self-asserted, so a
/// compromised key that was later revoked can still sign an anchor that
/// claims a time before the revocation. A ledger receipt required by policy
/// is the mitigation.
#[test]
fn backdated_anchor_by_revoked_key_is_a_documented_limit() {
    let b = endorsed("backdated", 2);
    let bytes = b.bundle(0, None).unwrap().to_vec();
    let mut d = doc();
    set_key(&mut d, "cn.beijing.scjgj", |k| {
        k.revoked_at = Some(certanchor::time::format(ISSUED + 1));
    });
    let r = verifier_with(d.clone()).verify(&bytes, NOW);
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", r.checks);
    d.policies[1].require_ledger = true;
    let r = verifier_with(d).verify(&bytes, NOW);
    assert_check(
        &r,
        CheckCode::Ledger,
        Outcome::Indeterminate,
        "receipt_missing",
    );
    assert_eq!(r.verdict, Verdict::Indeterminate);
}

// ------------------------------------------------------------------ status

/// The holder replays an older, clean revocation list after the verifier has
/// seen the newer one that revokes the certificate: still revoked.
#[test]
fn older_clean_status_list_after_newer_revocation_is_still_revoked() {
    let issuer = scjgj();
    let mut b = endorsed("replay", 4);
    issuer
        .update_status(&mut b, StatusPurpose::Revocation, &[], ISSUED, 86_400)
        .unwrap();
    let clean = b.bundle(1, None).unwrap();
    issuer
        .update_status(
            &mut b,
            StatusPurpose::Revocation,
            &[(1, true)],
            ISSUED + 60,
            86_400,
        )
        .unwrap();
    let newer = b
        .status_list(StatusPurpose::Revocation)
        .unwrap()
        .as_bytes()
        .to_vec();
    let v = verifier();
    // the clean bundle passes before the verifier knows better
    assert_check(
        &v.verify(&clean.to_vec(), NOW),
        CheckCode::Status,
        Outcome::Passed,
        "ok",
    );
    // learned out of band (downloaded from the issuer)
    v.add_status_list(&newer, NOW).unwrap();
    let r = v.verify(&clean.to_vec(), NOW);
    assert_check_reason(
        &r,
        CheckCode::Status,
        Outcome::Failed,
        "revoked",
        "newer epoch",
    );
    // an older list handed in out of band does not replace the newer one
    let older = clean.status[0].clone();
    v.add_status_list(&older, NOW).unwrap();
    assert_check(
        &v.verify(&clean.to_vec(), NOW),
        CheckCode::Status,
        Outcome::Failed,
        "revoked",
    );
}

/// A stale list that revokes still revokes; a stale clean list is
/// indeterminate even when the policy requires status.
#[test]
fn stale_lists() {
    let issuer = scjgj();
    let mut b = endorsed("stale", 4);
    issuer
        .update_status(&mut b, StatusPurpose::Revocation, &[(0, true)], ISSUED, 600)
        .unwrap();
    let later = ISSUED + 601;
    let r = verifier().verify(&b.bundle(0, None).unwrap().to_vec(), later);
    assert_check(&r, CheckCode::Status, Outcome::Failed, "revoked");
    let mut d = doc();
    d.policies[1].require_status = true;
    let r = verifier_with(d).verify(&b.bundle(1, None).unwrap().to_vec(), later);
    assert_check(
        &r,
        CheckCode::Status,
        Outcome::Indeterminate,
        "stale_status",
    );
    assert_eq!(r.verdict, Verdict::Indeterminate);
}

/// A list for this batch name and root but signed by another trusted
/// issuer, or by an unknown key: refused.
#[test]
fn status_list_signed_by_someone_else() {
    let b = endorsed("other-signer", 4);
    let a = b.anchor().body().clone();
    let body = StatusListBody::new(
        &a.issuer,
        &a.batch,
        a.root,
        StatusPurpose::Revocation,
        9,
        ISSUED,
        86_400,
        a.tree_size,
    );
    for key in [
        authority("cn.beijing.tax"),
        SigningKey::from_seed(&[0x55; 32]),
    ] {
        let list = StatusList::sign(&body, &key).unwrap();
        let mut t = b.bundle(0, None).unwrap();
        t.status = vec![list.as_bytes().to_vec()];
        assert_check(
            &verifier().verify(&t.to_vec(), NOW),
            CheckCode::Status,
            Outcome::Failed,
            "status_bad_signature",
        );
        assert_eq!(
            verifier()
                .add_status_list(list.as_bytes(), NOW)
                .unwrap_err()
                .code(),
            "untrusted_status_list"
        );
    }
    // a list that does not cover the leaf is indeterminate, not "not revoked"
    let mut short = body.clone();
    short.bits.clear();
    let list = StatusList::sign(&short, &authority("cn.beijing.scjgj")).unwrap();
    let mut t = b.bundle(0, None).unwrap();
    t.status = vec![list.as_bytes().to_vec()];
    assert_check(
        &verifier().verify(&t.to_vec(), NOW),
        CheckCode::Status,
        Outcome::Indeterminate,
        "status_not_covering",
    );
}

/// A cold verification checks the anchor's signatures and the status
/// list's in one Ed25519 batch. When one of them is bad the batch fails and
/// each is checked alone: the bad one is named, the good ones still pass,
/// whichever it is.
#[test]
fn one_bad_signature_in_a_cold_batch_is_named_alone() {
    let mut b = endorsed("cold-batch", 4);
    scjgj()
        .update_status(
            &mut b,
            StatusPurpose::Revocation,
            &[(1, true)],
            ISSUED,
            86_400,
        )
        .unwrap();
    let good = b.bundle(0, None).unwrap();
    let r = verifier().verify(&good.to_vec(), NOW);
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert_eq!(r.endorsers.len(), 1);
    // the status list's signature (its last bytes) altered
    let mut bad_list = good.clone();
    let n = bad_list.status[0].len();
    bad_list.status[0][n - 5] ^= 1;
    let r = verifier().verify(&bad_list.to_vec(), NOW);
    assert_check(&r, CheckCode::IssuerSignature, Outcome::Passed, "ok");
    assert_check(&r, CheckCode::Endorsements, Outcome::Passed, "ok");
    assert_check(
        &r,
        CheckCode::Status,
        Outcome::Failed,
        "status_bad_signature",
    );
    // the endorsement (the anchor's last bytes) altered: the list still counts
    let mut bad_endorsement = good.clone();
    let n = bad_endorsement.anchor.len();
    bad_endorsement.anchor[n - 5] ^= 1;
    let r = verifier().verify(&bad_endorsement.to_vec(), NOW);
    assert_check(&r, CheckCode::IssuerSignature, Outcome::Passed, "ok");
    assert_check(&r, CheckCode::Status, Outcome::Passed, "ok");
    assert!(r.endorsers.is_empty(), "{r}");
    // the revoked certificate of the same batch, cold: revoked
    let revoked = b.bundle(1, None).unwrap();
    assert_check(
        &verifier().verify(&revoked.to_vec(), NOW),
        CheckCode::Status,
        Outcome::Failed,
        "revoked",
    );
}

// ------------------------------------------------------ decompression bombs

fn zlib(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 9)
}

#[test]
fn ca1_text_decompression_bomb() {
    // 16 MiB of zeros compress to ~16 KiB and fit in the text limit
    let bomb = zlib(&vec![0u8; 16 * 1024 * 1024]);
    let text = format!("CA1:{}", base45::encode(&bomb));
    assert!(text.len() <= MAX_TEXT_LEN, "{}", text.len());
    let e = Bundle::from_text(&text).unwrap_err();
    assert_eq!(e.code(), "too_large", "{e}");
    assert_check(
        &verifier().verify(text.as_bytes(), NOW),
        CheckCode::Format,
        Outcome::Failed,
        "too_large",
    );
    // one byte over the limit is refused, exactly at the limit is inflated
    let over = format!(
        "CA1:{}",
        base45::encode(zlib(&vec![0u8; MAX_BUNDLE_LEN + 1]))
    );
    assert_eq!(Bundle::from_text(&over).unwrap_err().code(), "too_large");
    let at = format!("CA1:{}", base45::encode(zlib(&vec![0u8; MAX_BUNDLE_LEN])));
    // inflated fine, then refused as CBOR (a run of zeros is not a bundle)
    assert_ne!(Bundle::from_text(&at).unwrap_err().code(), "too_large");
    // text over the length limit is refused before base45
    let long = format!("CA1:{}", "0".repeat(MAX_TEXT_LEN));
    assert_eq!(Bundle::from_text(&long).unwrap_err().code(), "too_large");
    // garbage zlib / base45 are typed text errors
    assert_eq!(
        Bundle::from_text("CA1:NOT BASE45!").unwrap_err().code(),
        "invalid_text_form"
    );
    let junk = format!("CA1:{}", base45::encode(b"not zlib at all"));
    assert_eq!(
        Bundle::from_text(&junk).unwrap_err().code(),
        "invalid_text_form"
    );
    // a real bundle's stream, its Adler-32 altered or its end cut off
    let good = zlib(&endorsed("z", 2).bundle(0, None).unwrap().to_vec());
    let mut bad_sum = good.clone();
    *bad_sum.last_mut().unwrap() ^= 1;
    let cut = &good[..good.len() - 10];
    for (data, says) in [(&bad_sum[..], "Adler-32"), (cut, "truncated")] {
        let e = Bundle::from_text(&format!("CA1:{}", base45::encode(data))).unwrap_err();
        assert_eq!(e.code(), "invalid_text_form", "{e}");
        assert!(e.to_string().contains(says), "{e}");
    }
    let text = format!("CA1:{}", base45::encode(&good));
    assert!(Bundle::from_text(&text).is_ok());
}

struct ListBytes(Vec<u8>);
impl ListBytes {
    fn to_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[test]
fn status_bits_decompression_bomb() {
    let b = endorsed("bomb", 4);
    let a = b.anchor().body().clone();
    let mut body = StatusListBody::new(
        &a.issuer,
        &a.batch,
        a.root,
        StatusPurpose::Revocation,
        1,
        ISSUED,
        86_400,
        a.tree_size,
    );
    body.bits = vec![0; MAX_STATUS_BITS + 1];
    // `StatusList::sign` refuses to produce it, so sign the COSE_Sign1 by hand
    // (RFC 9052 §4.4) with the issuer's genuine key.
    let key = authority("cn.beijing.scjgj");
    assert_eq!(
        StatusList::sign(&body, &key).unwrap_err().code(),
        "too_large"
    );
    // the hand-made envelope is well-formed: the same over a normal body is accepted
    let mut normal = body.clone();
    normal.bits = vec![0; 1];
    verifier()
        .add_status_list(&cose_sign1(&normal.to_vec(), &key), NOW)
        .unwrap();
    let list = cose_sign1(&body.to_vec(), &key);
    assert!(list.len() < 8 * 1024, "{}", list.len());
    let list = ListBytes(list);
    let e = StatusList::from_slice(list.to_bytes()).unwrap_err();
    assert_eq!(e.code(), "too_large", "{e}");
    assert!(e.to_string().contains("status bits"), "{e}");
    let mut t = b.bundle(0, None).unwrap();
    t.status = vec![list.to_bytes().to_vec()];
    assert_check(
        &verifier().verify(&t.to_vec(), NOW),
        CheckCode::Format,
        Outcome::Failed,
        "too_large",
    );
    assert_eq!(
        verifier()
            .add_status_list(list.to_bytes(), NOW)
            .unwrap_err()
            .code(),
        "too_large"
    );
}

// ---------------------------------------------------------------- CBOR

#[test]
fn oversized_documents() {
    let b = endorsed("big", 2);
    let mut t = b.bundle(0, None).unwrap();
    t.anchor = vec![0; MAX_BUNDLE_LEN];
    let e = Bundle::from_slice(&t.to_vec()).unwrap_err();
    assert_eq!(e.code(), "too_large", "{e}");
    assert_check(
        &verifier().verify(&t.to_vec(), NOW),
        CheckCode::Format,
        Outcome::Failed,
        "too_large",
    );
    // an anchor over its own limit inside a bundle that is within limits
    let mut t = b.bundle(0, None).unwrap();
    t.anchor = vec![0xa0; MAX_ANCHOR_LEN + 1];
    assert_check(
        &verifier().verify(&t.to_vec(), NOW),
        CheckCode::Format,
        Outcome::Failed,
        "too_large",
    );
    // a byte string whose declared length is far beyond the input
    let mut w = Writer::new();
    w.head(2, u64::from(u32::MAX));
    assert_eq!(
        decode_value(&w.into_bytes(), 1024).unwrap_err().code(),
        "truncated"
    );
    // an array claiming 2^63 items
    let mut w = Writer::new();
    w.head(4, 1 << 63);
    let e = decode_value(&w.into_bytes(), 1024).unwrap_err();
    assert!(matches!(e.code(), "truncated" | "too_large"), "{e}");
}

#[test]
fn deeply_nested_cbor() {
    // exactly MAX_DEPTH levels decode; one more is refused with too_deep
    for (depth, ok) in [(MAX_DEPTH, true), (MAX_DEPTH + 1, false), (100_000, false)] {
        let mut bytes = vec![0x81; depth - 1];
        bytes.push(0x80);
        let r = decode_value(&bytes, 1 << 20);
        if ok {
            assert!(r.is_ok(), "depth {depth}: {r:?}");
        } else {
            assert_eq!(r.unwrap_err().code(), "too_deep", "depth {depth}");
        }
    }
    // nested maps as a disclosed value in a bundle
    let b = endorsed("deep", 2);
    let mut t = b.bundle(0, Some(&["name"])).unwrap();
    let mut v = Value::Null;
    for _ in 0..40 {
        v = Value::Map([("k".to_owned(), v)].into_iter().collect());
    }
    t.disclosed[0].value = v;
    assert_check(
        &verifier().verify(&t.to_vec(), NOW),
        CheckCode::Format,
        Outcome::Failed,
        "too_deep",
    );
}

#[test]
fn duplicate_map_keys() {
    let b = endorsed("dupkey", 2);
    let good = b.bundle(0, Some(&["name"])).unwrap().to_vec();
    // {"v": 1, "v": 1, ...}: rewrite the map head to one more entry and
    // repeat the first pair
    assert_eq!(good[0], 0xa5);
    let mut bad = vec![0xa6, 0x61, b'v', 0x01];
    bad.extend_from_slice(&good[1..]);
    let e = Bundle::from_slice(&bad).unwrap_err();
    assert_eq!(e.code(), "duplicate_key", "{e}");
    assert_check(
        &verifier().verify(&bad, NOW),
        CheckCode::Format,
        Outcome::Failed,
        "duplicate_key",
    );
    // in a bare value and in a disclosed map value
    assert_eq!(
        decode_value(&[0xa2, 0x61, b'a', 0x01, 0x61, b'a', 0x02], 64)
            .unwrap_err()
            .code(),
        "duplicate_key"
    );
    // keys out of canonical order are a different error
    assert_eq!(
        decode_value(&[0xa2, 0x61, b'b', 0x01, 0x61, b'a', 0x02], 64)
            .unwrap_err()
            .code(),
        "unsorted_keys"
    );
}

/// The same field disclosed twice, the second time with a forged value:
/// refused as `disclosed_twice` before its digest is even looked up.
#[test]
fn field_disclosed_twice_with_a_different_value() {
    let b = endorsed("twice", 2);
    let mut t = b.bundle(0, Some(&["name"])).unwrap();
    let mut forged = t.disclosed[0].clone();
    forged.value = Value::from("北京伪造科技有限公司");
    t.disclosed.push(forged);
    let r = verifier().verify(&t.to_vec(), NOW);
    assert_check(&r, CheckCode::Integrity, Outcome::Failed, "disclosed_twice");
    assert!(r.disclosed.is_empty());
}

/// Issued in NFC (precomposed é), presented in NFD (e + U+0301), and
/// full-width digits for ASCII ones: both are different values.
#[test]
fn unicode_normalization_variants_are_different_values() {
    let mut certs = licenses(1);
    certs[0]
        .fields
        .insert("name".into(), Value::from("Café Beijing 有限公司"));
    let mut b = scjgj()
        .issue("nfc", &certs, &IssueOptions::at(ISSUED))
        .unwrap();
    endorse_at_issue(&mut b, "cn.beijing.tax");
    let good = b.bundle(0, Some(&["name", "uscc"])).unwrap();
    assert_eq!(
        verifier().verify(&good.to_vec(), NOW).verdict,
        Verdict::Valid
    );
    let mut t = good.clone();
    let d = t.disclosed.iter_mut().find(|d| d.name == "name").unwrap();
    d.value = Value::from("Cafe\u{301} Beijing 有限公司");
    assert_check(
        &verifier().verify(&t.to_vec(), NOW),
        CheckCode::Integrity,
        Outcome::Failed,
        "digest_mismatch",
    );
    let mut t = good;
    let d = t.disclosed.iter_mut().find(|d| d.name == "uscc").unwrap();
    let wide: String = d
        .value
        .as_text()
        .unwrap()
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap()
            } else {
                c
            }
        })
        .collect();
    d.value = Value::from(wide);
    assert_check(
        &verifier().verify(&t.to_vec(), NOW),
        CheckCode::Integrity,
        Outcome::Failed,
        "digest_mismatch",
    );
}

// ------------------------------------------------------------- trust store

fn doc_json() -> serde_json::Value {
    serde_json::from_str(&TrustStore::from_doc(doc()).unwrap().to_json()).unwrap()
}

fn trust_err(j: &serde_json::Value) -> &'static str {
    TrustStore::from_json(&j.to_string()).unwrap_err().code()
}

#[test]
fn trust_store_unknown_fields_are_errors() {
    assert!(TrustStore::from_json(&doc_json().to_string()).is_ok());
    let mut j = doc_json();
    j["ledger"] = serde_json::json!([]);
    assert_eq!(trust_err(&j), "trust_store_json");
    let mut j = doc_json();
    j["issuers"][0]["kind"] = serde_json::json!(["real_estate_title"]);
    assert_eq!(trust_err(&j), "trust_store_json");
    let mut j = doc_json();
    j["issuers"][0]["keys"][0]["notAfter"] = serde_json::Value::Null;
    assert_eq!(trust_err(&j), "trust_store_json");
    let mut j = doc_json();
    j["policies"][0]["endorsements"]["atLeast"] = serde_json::json!(1);
    assert_eq!(trust_err(&j), "trust_store_json");
    let mut j = doc_json();
    j["version"] = serde_json::json!(2);
    assert_eq!(trust_err(&j), "unsupported_version");
    assert_eq!(
        TrustStore::from_json("{\"version\": 1,")
            .unwrap_err()
            .code(),
        "trust_store_json"
    );
}

#[test]
fn trust_store_duplicate_issuer_ids() {
    let mut j = doc_json();
    let first = j["issuers"][0].clone();
    j["issuers"].as_array_mut().unwrap().push(first);
    assert_eq!(trust_err(&j), "duplicate_issuer");
}

#[test]
fn trust_store_malformed_keys_and_times() {
    for bad in [
        "not base64!",
        "AAAA",                                             // 3 bytes
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", // 35 bytes
        "",
    ] {
        let mut j = doc_json();
        j["issuers"][1]["keys"][0]["public_key"] = serde_json::json!(bad);
        assert_eq!(trust_err(&j), "invalid_key", "{bad:?}");
    }
    let mut j = doc_json();
    j["issuers"][1]["keys"][0]["public_key"] = serde_json::json!(42);
    assert_eq!(trust_err(&j), "trust_store_json");
    for bad in ["2024-01-01", "yesterday", "1969-12-31T23:59:59Z", ""] {
        let mut j = doc_json();
        j["issuers"][1]["keys"][0]["not_before"] = serde_json::json!(bad);
        assert_eq!(trust_err(&j), "invalid_time", "{bad:?}");
    }
    // the same key trusted for two issuers would make signatures ambiguous
    let mut j = doc_json();
    let k = j["issuers"][0]["keys"][0].clone();
    j["issuers"][1]["keys"].as_array_mut().unwrap().push(k);
    let code = trust_err(&j);
    assert!(matches!(code, "invalid_key" | "duplicate_issuer"), "{code}");
    // a bad ledger key
    let mut j = doc_json();
    j["ledgers"][0]["public_key"] = serde_json::json!("AAAA");
    assert_eq!(trust_err(&j), "invalid_ledger");
}

/// Found by the `anchor` fuzz target: asking for a signature index past the
/// last one panicked inside coset; it is simply not a valid signature.
#[test]
fn anchor_signature_index_past_the_end_is_false() {
    let b = endorsed("index", 1);
    let a = b.anchor();
    let tax = authority("cn.beijing.tax").public_key();
    assert_eq!(a.signer_key_ids().len(), 2);
    assert!(a.verify_signature(1, &tax));
    for i in [2, 3, usize::MAX] {
        assert!(!a.verify_signature(i, &tax));
    }
}

// ------------------------------------------------- warm and cold verdicts

/// A verifier that has learned the upper levels of a batch's tree
/// (`merkle::VerifiedNodes`) gives every bundle, genuine or with its proof
/// tampered at any level, exactly the report a fresh verifier gives.
#[test]
fn a_warm_verifier_reports_exactly_what_a_cold_one_does() {
    // 300 leaves: nine levels, the upper five kept once learned
    let b = endorsed("warm-cold", 300);
    let warm = verifier();
    let mut inputs = Vec::new();
    for i in (0..300).step_by(7) {
        let good = b.bundle(i, Some(&["name"])).unwrap();
        inputs.push(good.to_vec());
        for k in 0..good.proof.path.len() {
            let mut t = good.clone();
            t.proof.path[k] = Hash::from_bytes([k as u8; 32]);
            inputs.push(t.to_vec());
        }
        // a genuine path shown for another leaf's header and index
        let mut t = b.bundle((i + 1) % 300, Some(&["name"])).unwrap();
        t.proof = good.proof.clone();
        inputs.push(t.to_vec());
        let mut t = good.clone();
        t.proof.leaf_index = (i as u64 + 2) % 300;
        inputs.push(t.to_vec());
    }
    // twice through the same verifier: the second pass meets a known top
    for round in 0..2 {
        for (n, input) in inputs.iter().enumerate() {
            let cold = verifier().verify(input, NOW);
            assert_eq!(warm.verify(input, NOW), cold, "round {round}, input {n}");
        }
        let many = warm.verify_many(&inputs, NOW);
        for (n, (input, report)) in inputs.iter().zip(&many).enumerate() {
            assert_eq!(
                *report,
                verifier().verify(input, NOW),
                "round {round}, many {n}"
            );
        }
    }
    let valid = inputs
        .iter()
        .filter(|i| warm.verify(i, NOW).verdict == Verdict::Valid)
        .count();
    assert_eq!(valid, 300_usize.div_ceil(7));
}

// -------------------------------------------------- checkpoint-note cache

/// A verifier that has opened a genuine checkpoint note (and cached it)
/// still fails every forgery of it with the same checkpoint body: another
/// key, the tree size or root altered under the genuine signature (the same
/// length and last bytes as the genuine note, so the cache's locator
/// collides), extra signature lines. Each report is exactly a fresh
/// verifier's, and the genuine note still verifies after each forgery.
#[test]
#[cfg(feature = "ledger")]
fn a_forged_note_after_the_genuine_one_still_fails() {
    let bundles = common::receipt_bundles("forged-after", 3, ISSUED, ORIGIN, &ledger_key());
    let (genuine, other) = (&bundles[0], &bundles[3]);
    let note = &genuine.receipt.as_ref().unwrap().checkpoint;
    let other_note = &other.receipt.as_ref().unwrap().checkpoint;
    let warm = verifier();
    let r = warm.verify_bundle(genuine, NOW);
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert_check(&r, CheckCode::Ledger, Outcome::Passed, "ok");
    let forged = common::forged_notes(note, other_note, ORIGIN, &ledger_key());
    for round in 0..2 {
        for (what, forgery, code) in &forged {
            let mut t = genuine.clone();
            t.receipt.as_mut().unwrap().checkpoint.clone_from(forgery);
            let r = warm.verify_bundle(&t, NOW);
            assert_eq!(r.verdict, Verdict::Invalid, "{what}: {r}");
            assert_check(&r, CheckCode::Ledger, Outcome::Failed, code);
            assert_eq!(r, verifier().verify_bundle(&t, NOW), "{what}");
            let r = warm.verify_bundle(genuine, NOW);
            assert_eq!(r.verdict, Verdict::Valid, "round {round}, after {what}");
        }
    }
    // a witness the store does not know cosigned: a distinct note, genuine
    let mut t = genuine.clone();
    t.receipt.as_mut().unwrap().checkpoint = common::witnessed(note);
    assert_eq!(warm.verify_bundle(&t, NOW).verdict, Verdict::Valid);
    assert_eq!(warm.verify_bundle(other, NOW).verdict, Verdict::Valid);
}

/// Thousands of distinct junk notes (each about 7.5 KB, under the genuine
/// ledger's name and key id, so each costs a signature check and is cached
/// as failed) keep the note cache within `MAX_CHECKPOINT_CACHE_BYTES`, as
/// `Verifier::memory_bytes` counts it; the cache is cleared when full and
/// the genuine note and a forgery, checked all along, keep their verdicts.
#[test]
#[cfg(feature = "ledger")]
fn junk_notes_stay_within_the_note_cache_bound() {
    use certanchor::note::{self, Checkpoint};
    use certanchor::verify::MAX_CHECKPOINT_CACHE_BYTES;
    let bundles = common::receipt_bundles("junk-notes", 2, ISSUED, ORIGIN, &ledger_key());
    let genuine = &bundles[0];
    let note = &genuine.receipt.as_ref().unwrap().checkpoint;
    let mut forged = genuine.clone();
    forged.receipt.as_mut().unwrap().checkpoint = common::forged_notes(
        note,
        &bundles[2].receipt.as_ref().unwrap().checkpoint,
        ORIGIN,
        &ledger_key(),
    )[1]
    .1
    .clone();
    let v = verifier();
    assert_eq!(v.verify_bundle(genuine, NOW).verdict, Verdict::Valid);
    let base = v.memory_bytes();
    let cp = Checkpoint::from_text(&note::parse_note(note).unwrap().text).unwrap();
    let pad = "x".repeat(7_500);
    let key_id = note::key_id(ORIGIN, &ledger_key().public_key());
    let (mut junk_bytes, mut peak) = (0usize, 0usize);
    for i in 0..2_600u32 {
        let text = Checkpoint {
            extensions: vec![format!("{i} {pad}")],
            ..cp.clone()
        }
        .to_text();
        // a distinct signature each: notes sharing their last bytes and
        // length would only replace one another in the cache
        let h = Hash::digest(&i.to_be_bytes());
        let sig = note::NoteSignature {
            name: ORIGIN.into(),
            key_id,
            signature: [h.as_bytes().as_slice(), h.as_bytes()].concat(),
        };
        let junk = format!("{text}\n{}", sig.to_line());
        junk_bytes += junk.len();
        let mut t = genuine.clone();
        t.receipt.as_mut().unwrap().checkpoint = junk;
        let r = v.verify(&t.to_vec(), NOW);
        assert_check(&r, CheckCode::Ledger, Outcome::Failed, "bad_signature");
        let held = v.memory_bytes().saturating_sub(base);
        assert!(held <= MAX_CHECKPOINT_CACHE_BYTES, "junk {i}: {held} bytes");
        peak = peak.max(held);
        if i % 97 == 0 {
            assert_eq!(v.verify_bundle(genuine, NOW).verdict, Verdict::Valid);
            let r = v.verify_bundle(&forged, NOW);
            assert_check(&r, CheckCode::Ledger, Outcome::Failed, "bad_signature");
        }
    }
    // the junk was more than the bound, and the cache held most of a bound
    assert!(junk_bytes > MAX_CHECKPOINT_CACHE_BYTES, "{junk_bytes}");
    assert!(peak > MAX_CHECKPOINT_CACHE_BYTES / 2, "{peak}");
    assert_eq!(v.verify_bundle(genuine, NOW).verdict, Verdict::Valid);
}
