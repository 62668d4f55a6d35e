//! Signed-note and checkpoint vectors (`tests/vectors/note.json`): Go's
//! `golang.org/x/mod/sumdb/note` and `sumdb/tlog` test vectors, the C2SP
//! spec examples, and real sum.golang.org checkpoints; then round trips,
//! tampering and a no-panic property test.

// Test helpers outside `#[test]` functions may unwrap and index.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use certanchor::Hash;
use certanchor::keys::SigningKey;
use certanchor::note::{
    self, Checkpoint, MAX_NOTE_LEN, MAX_SIGNATURES, NoteError, NoteSigner, NoteVerifier,
};
use proptest::prelude::*;
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/note.json");
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key].as_array().unwrap()
}

fn verifiers(v: &Value) -> Vec<NoteVerifier> {
    list(v, "verifiers")
        .iter()
        .map(|k| NoteVerifier::from_verifier_key(s(k)).unwrap())
        .collect()
}

#[test]
fn vectors_have_sources() {
    let v = vectors();
    assert!(s(&v["source"]).contains("golang.org/x/mod/sumdb/note"));
    for group in v.as_object().unwrap().values().filter_map(Value::as_array) {
        for case in group {
            assert!(case["source"].is_string(), "no source: {case}");
            assert!(case["name"].is_string(), "no name: {case}");
        }
    }
}

#[test]
fn verifier_keys() {
    let v = vectors();
    for case in list(&v, "verifier_keys") {
        let vkey = s(&case["vkey"]);
        let parsed = NoteVerifier::from_verifier_key(vkey).unwrap();
        assert_eq!(parsed.name, s(&case["key_name"]));
        assert_eq!(hex::encode(parsed.key_id()), s(&case["key_id"]));
        assert_eq!(
            hex::encode(note::key_id(&parsed.name, &parsed.key)),
            s(&case["key_id"])
        );
        assert_eq!(parsed.to_verifier_key(), vkey, "{}", case["name"]);
        if let Some(pk) = case["public_key_b64"].as_str() {
            assert_eq!(parsed.key.to_base64(), pk);
        }
    }
    for case in list(&v, "invalid_verifier_keys") {
        let err = NoteVerifier::from_verifier_key(s(&case["vkey"])).unwrap_err();
        assert_eq!(err.code(), s(&case["error"]), "{}", case["name"]);
    }
}

#[test]
fn signer_keys_round_trip() {
    let v = vectors();
    for case in list(&v, "signer_keys") {
        let signer = NoteSigner::from_signer_key(s(&case["skey"])).unwrap();
        assert_eq!(signer.to_signer_key().unwrap().as_str(), s(&case["skey"]));
        assert_eq!(signer.verifier().to_verifier_key(), s(&case["vkey"]));
    }
}

#[test]
fn sign_reproduces_published_notes() {
    let v = vectors();
    for case in list(&v, "sign") {
        let signer = NoteSigner::from_signer_key(s(&case["skey"])).unwrap();
        let text = s(&case["text"]);
        assert_eq!(
            signer.sign(text).unwrap(),
            s(&case["note"]),
            "{}",
            case["name"]
        );
        assert_eq!(
            note::sign_note(text, &signer.name, &signer.key).unwrap(),
            s(&case["note"])
        );
    }
}

#[test]
fn open_vectors() {
    let v = vectors();
    for case in list(&v, "open") {
        let name = &case["name"];
        let got = note::open_note(s(&case["note"]), &verifiers(case));
        match case["error"].as_str() {
            Some(code) => {
                assert_eq!(got.unwrap_err().code(), code, "{name}");
            }
            None => {
                let opened = got.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(opened.text, s(&case["text"]), "{name}");
                let want: Vec<&str> = list(case, "verified_by").iter().map(s).collect();
                assert_eq!(opened.verified_by, want, "{name}");
                assert_eq!(
                    opened.unverified as u64,
                    case["unverified"].as_u64().unwrap(),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn parse_vectors() {
    let v = vectors();
    for case in list(&v, "parse") {
        let parsed = note::parse_note(s(&case["note"])).unwrap();
        assert_eq!(parsed.text, s(&case["text"]));
        let want = list(case, "signatures");
        assert_eq!(parsed.signatures.len(), want.len());
        for (got, want) in parsed.signatures.iter().zip(want) {
            assert_eq!(got.name, s(&want["name"]));
            assert_eq!(hex::encode(got.key_id), s(&want["key_id"]));
            assert_eq!(
                got.signature.len() as u64,
                want["signature_len"].as_u64().unwrap()
            );
        }
        // Re-serialising the lines gives the note back byte for byte.
        let mut again = format!("{}\n", parsed.text);
        for sig in &parsed.signatures {
            again.push_str(&sig.to_line());
        }
        assert_eq!(again, s(&case["note"]));
    }
}

#[test]
fn checkpoint_vectors() {
    let v = vectors();
    for case in list(&v, "checkpoints") {
        let name = &case["name"];
        let cp = Checkpoint::from_text(s(&case["text"])).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(cp.origin, s(&case["origin"]));
        assert_eq!(cp.tree_size, case["tree_size"].as_u64().unwrap());
        assert_eq!(B64.encode(cp.root.as_bytes()), s(&case["root_b64"]));
        let ext: Vec<&str> = list(case, "extensions").iter().map(s).collect();
        assert_eq!(cp.extensions, ext);
        assert_eq!(cp.to_text(), s(&case["text"]), "{name}");
        if let Some(leaf) = case["root_is_leaf_hash_of"].as_str() {
            assert_eq!(cp.root, Hash::digest_parts(&[&[0u8], leaf.as_bytes()]));
        }
    }
    for case in list(&v, "invalid_checkpoints") {
        let name = &case["name"];
        match Checkpoint::from_text(s(&case["text"])) {
            Err(NoteError::BadCheckpoint { line, .. }) => {
                assert_eq!(line as u64, case["line"].as_u64().unwrap(), "{name}");
                assert_eq!(s(&case["error"]), "bad_checkpoint");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    for case in list(&v, "verify_checkpoint") {
        let err = note::verify_checkpoint(s(&case["note"]), &verifiers(case)).unwrap_err();
        assert_eq!(err.code(), s(&case["error"]), "{}", case["name"]);
    }
}

#[test]
fn sum_golang_org_checkpoints_are_real_checkpoints() {
    let v = vectors();
    for case in list(&v, "open") {
        if !s(&case["name"]).starts_with("sum_golang_org") {
            continue;
        }
        let opened = note::open_note(s(&case["note"]), &verifiers(case)).unwrap();
        let cp = Checkpoint::from_text(&opened.text).unwrap();
        assert_eq!(cp.origin, "go.sum database tree");
        assert!(cp.tree_size > 1_000_000);
    }
}

// ---- round trips and tampering ---------------------------------------------

const ORIGIN: &str = "ledger.example/certanchor";

fn log_key() -> SigningKey {
    SigningKey::from_seed(&[1; 32])
}

fn witness_key() -> SigningKey {
    SigningKey::from_seed(&[2; 32])
}

fn log_verifier() -> NoteVerifier {
    NoteVerifier::new(ORIGIN, log_key().public_key()).unwrap()
}

fn witness_verifier() -> NoteVerifier {
    NoteVerifier::new("witness.example", witness_key().public_key()).unwrap()
}

fn checkpoint() -> Checkpoint {
    Checkpoint {
        origin: ORIGIN.into(),
        tree_size: 1234,
        root: Hash::digest(b"some root"),
        extensions: vec![],
    }
}

fn signed() -> String {
    note::sign_checkpoint(&checkpoint(), &log_key()).unwrap()
}

#[test]
fn sign_verify_and_cosign() {
    let note = signed();
    assert_eq!(
        note::verify_checkpoint(&note, &[log_verifier()]).unwrap(),
        checkpoint()
    );
    let opened = note::open_note(&note, &[log_verifier()]).unwrap();
    assert_eq!(opened.text, checkpoint().to_text());

    let cosigned = note::add_signature(&note, "witness.example", &witness_key()).unwrap();
    assert!(cosigned.starts_with(&note));
    let opened = note::open_note(&cosigned, &[log_verifier(), witness_verifier()]).unwrap();
    assert_eq!(opened.verified_by, [ORIGIN, "witness.example"]);
    assert_eq!(opened.unverified, 0);
    let opened = note::open_note(&cosigned, &[log_verifier()]).unwrap();
    assert_eq!(opened.verified_by, [ORIGIN]);
    assert_eq!(opened.unverified, 1);
    assert_eq!(
        note::verify_checkpoint(&cosigned, &[witness_verifier(), log_verifier()]).unwrap(),
        checkpoint()
    );
    // Cosigning twice with the same key replaces the line.
    assert_eq!(
        note::add_signature(&cosigned, "witness.example", &witness_key()).unwrap(),
        cosigned
    );
}

#[test]
fn tampering_gives_typed_errors() {
    let note = signed();
    let vs = [log_verifier()];

    // Tampered text: the size changes.
    let t = note.replacen("1234", "1235", 1);
    assert_eq!(
        note::open_note(&t, &vs).unwrap_err(),
        NoteError::BadSignature {
            name: ORIGIN.into()
        }
    );

    // Tampered signature bytes (after the key id).
    let mut parsed = note::parse_note(&note).unwrap();
    parsed.signatures[0].signature[10] ^= 0x40;
    let t = format!("{}\n{}", parsed.text, parsed.signatures[0].to_line());
    assert_eq!(
        note::open_note(&t, &vs).unwrap_err().code(),
        "bad_signature"
    );

    // Tampered key id: the line no longer names a known key.
    let mut parsed = note::parse_note(&note).unwrap();
    parsed.signatures[0].key_id[0] ^= 1;
    let t = format!("{}\n{}", parsed.text, parsed.signatures[0].to_line());
    assert_eq!(
        note::open_note(&t, &vs).unwrap_err(),
        NoteError::UnknownSigner
    );

    // Tampered name: likewise.
    let t = note.replace(&format!("— {ORIGIN} "), "— ledger.example/other ");
    assert_eq!(
        note::open_note(&t, &vs).unwrap_err(),
        NoteError::UnknownSigner
    );

    // Truncated signature of a known key.
    let mut parsed = note::parse_note(&note).unwrap();
    parsed.signatures[0].signature.truncate(63);
    let t = format!("{}\n{}", parsed.text, parsed.signatures[0].to_line());
    assert_eq!(
        note::open_note(&t, &vs).unwrap_err().code(),
        "bad_signature"
    );

    // Non-canonical base64 (trailing bits set) is malformed.
    let line = note.lines().last().unwrap();
    let b64 = line.rsplit(' ').next().unwrap();
    let raw = B64.decode(b64).unwrap();
    assert_eq!(raw.len(), 68);
    assert!(b64.ends_with('='));
    let last = b64.chars().rev().nth(1).unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let idx = alphabet.find(last).unwrap();
    let bumped = alphabet.chars().nth(idx ^ 1).unwrap();
    let mut b64b = b64[..b64.len() - 2].to_owned();
    b64b.push(bumped);
    b64b.push('=');
    let t = note.replace(b64, &b64b);
    assert_eq!(
        note::open_note(&t, &vs).unwrap_err().code(),
        "malformed_note"
    );

    // Unknown signer only.
    assert_eq!(
        note::open_note(&note, &[witness_verifier()])
            .unwrap_err()
            .code(),
        "unknown_signer"
    );
    assert_eq!(
        note::open_note(&note, &[]).unwrap_err().code(),
        "unknown_signer"
    );

    // CRLF.
    let t = note.replace('\n', "\r\n");
    assert_eq!(
        note::open_note(&t, &vs).unwrap_err().code(),
        "malformed_note"
    );

    // Too large.
    let big = format!("{}{}", "x".repeat(MAX_NOTE_LEN), note);
    assert_eq!(
        note::open_note(&big, &vs).unwrap_err().code(),
        "note_too_large"
    );
}

#[test]
fn origin_must_be_signed_by_its_own_key() {
    // The witness signs the log's checkpoint text, the log does not.
    let text = checkpoint().to_text();
    let by_witness = note::sign_note(&text, "witness.example", &witness_key()).unwrap();
    assert!(note::open_note(&by_witness, &[witness_verifier()]).is_ok());
    assert_eq!(
        note::verify_checkpoint(&by_witness, &[witness_verifier()]).unwrap_err(),
        NoteError::OriginNotSigned {
            origin: ORIGIN.into()
        }
    );
    // A key named after the origin, but not the configured one, is unknown.
    let impostor = note::sign_note(&text, ORIGIN, &witness_key()).unwrap();
    assert_eq!(
        note::verify_checkpoint(&impostor, &[log_verifier()]).unwrap_err(),
        NoteError::UnknownSigner
    );
    // Impostor line next to the real one: ignored (different key id).
    let both = note::add_signature(&signed(), ORIGIN, &witness_key());
    // Same name, different key: add_signature keeps the log's line.
    let both = both.unwrap();
    let opened = note::open_note(&both, &[log_verifier()]).unwrap();
    assert_eq!(opened.unverified, 1);
}

#[test]
fn malformed_checkpoints_inside_valid_notes() {
    for text in [
        format!("{ORIGIN}\n01\n{}\n", B64.encode([0u8; 32])),
        format!("{ORIGIN}\n1\n{}\n", B64.encode([0u8; 31])),
        format!("{ORIGIN}\n1\n%%%%\n"),
        format!("{ORIGIN}\n1\n"),
        format!("\n1\n{}\n", B64.encode([0u8; 32])),
    ] {
        let n = note::sign_note(&text, ORIGIN, &log_key()).unwrap();
        assert_eq!(
            note::verify_checkpoint(&n, &[log_verifier()])
                .unwrap_err()
                .code(),
            "bad_checkpoint",
            "{text:?}"
        );
    }
}

#[test]
fn signature_limit() {
    let mut n = signed();
    for i in 1..MAX_SIGNATURES {
        n = note::add_signature(
            &n,
            &format!("w{i}"),
            &SigningKey::from_seed(&[i as u8 + 10; 32]),
        )
        .unwrap();
    }
    assert_eq!(
        note::parse_note(&n).unwrap().signatures.len(),
        MAX_SIGNATURES
    );
    assert!(note::verify_checkpoint(&n, &[log_verifier()]).is_ok());
    let err = note::add_signature(&n, "one-too-many", &witness_key()).unwrap_err();
    assert_eq!(err.code(), "too_many_signatures");
}

// ---- no panics on any input -------------------------------------------------

fn sample_notes() -> Vec<String> {
    let v = vectors();
    let mut out: Vec<String> = list(&v, "open")
        .iter()
        .map(|c| s(&c["note"]).to_owned())
        .collect();
    out.push(signed());
    out
}

fn all_verifiers() -> Vec<NoteVerifier> {
    let v = vectors();
    let mut out: Vec<NoteVerifier> = list(&v, "verifier_keys")
        .iter()
        .map(|c| NoteVerifier::from_verifier_key(s(&c["vkey"])).unwrap())
        .collect();
    out.push(log_verifier());
    out
}

fn exercise(input: &str, vs: &[NoteVerifier]) {
    let _ = note::parse_note(input);
    let _ = note::open_note(input, vs);
    let _ = note::verify_checkpoint(input, vs);
    let _ = Checkpoint::from_text(input);
    let _ = NoteVerifier::from_verifier_key(input);
    let _ = NoteSigner::from_signer_key(input);
    let _ = note::add_signature(input, "w", &witness_key());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_panic_on_arbitrary_strings(input in any::<String>()) {
        exercise(&input, &all_verifiers());
    }

    #[test]
    fn no_panic_on_note_like_strings(
        input in "([a-z0-9./ +=]{0,12}\n{0,2}|— [a-zA-Z.]{0,6} [A-Za-z0-9+/=]{0,12}\n){0,8}"
    ) {
        exercise(&input, &all_verifiers());
    }

    #[test]
    fn no_panic_on_mutated_notes(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let notes = sample_notes();
        let mut bytes = which.get(&notes).clone().into_bytes();
        for (at, b) in edits {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        let keep = cut.index(bytes.len() + 1);
        bytes.truncate(keep.max(bytes.len() / 2));
        let text = String::from_utf8_lossy(&bytes).into_owned();
        exercise(&text, &all_verifiers());
    }

    #[test]
    fn checkpoints_round_trip(
        origin in "[a-z0-9./-]{1,40}",
        tree_size in any::<u64>(),
        root in any::<[u8; 32]>(),
        extensions in prop::collection::vec("[ -~]{1,20}", 0..3),
    ) {
        let cp = Checkpoint { origin, tree_size, root: Hash(root), extensions };
        prop_assert_eq!(Checkpoint::from_text(&cp.to_text()).unwrap(), cp.clone());
        let key = SigningKey::from_seed(&root);
        let n = note::sign_checkpoint(&cp, &key).unwrap();
        let v = NoteVerifier::new(&cp.origin, key.public_key()).unwrap();
        prop_assert_eq!(note::verify_checkpoint(&n, &[v]).unwrap(), cp);
    }
}
