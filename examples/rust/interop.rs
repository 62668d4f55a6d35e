//! Helper for the cross-implementation tests in `tests/interop/`:
//! `interop check-status <base64 COSE_Sign1>` hands a status list written by
//! another COSE implementation to a verifier with the demo trust store and
//! prints what it understood as JSON (exit 1 if refused).
//! `interop ledger-vectors` builds a small ledger and prints its signed
//! checkpoints, verifier key, leaves and every inclusion and consistency proof
//! as JSON, for the Go cross-check in `tests/interop/go/`.
//! `interop cosignature-vectors` prints a file ledger's checkpoint (with the
//! ledger's timestamp line) cosigned by a witness key, with both keys, and
//! `interop verify-cosignatures <note file> <cosigner vkey>` prints the
//! times of the note's valid cosignatures by that key (exit 1 if refused),
//! for the Python check in `tests/interop/test_cosignature.py`.

use base64::Engine as _;
use certanchor::status::StatusList;
use certanchor::{TrustStore, Verifier, sample};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("check-status") => check_status(args.get(2).map(String::as_str).unwrap_or_default()),
        Some("ledger-vectors") => ledger_vectors(),
        Some("cosignature-vectors") => cosignature_vectors(),
        Some("verify-cosignatures") => verify_cosignatures(
            args.get(2).map(String::as_str).unwrap_or_default(),
            args.get(3).map(String::as_str).unwrap_or_default(),
        ),
        _ => Err(
            "usage: interop check-status <base64> | interop ledger-vectors | \
                  interop cosignature-vectors | interop verify-cosignatures <note file> <vkey>"
                .to_owned(),
        ),
    };
    match result {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("refused: {e}");
            std::process::exit(1);
        }
    }
}

fn check_status(b64: &str) -> Result<String, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| e.to_string())?;
    let trust = TrustStore::from_doc(sample::demo_trust_doc(None)).map_err(|e| e.to_string())?;
    let verifier = Verifier::new(trust);
    verifier
        .add_status_list(&bytes, now_unix())
        .map_err(|e| format!("{} ({})", e, e.code()))?;
    let list = StatusList::from_slice(&bytes).map_err(|e| e.to_string())?;
    let b = list.body();
    Ok(serde_json::json!({
        "issuer": b.issuer, "batch": b.batch, "purpose": b.purpose.as_str(),
        "epoch": b.epoch, "ttl": b.ttl, "issued_at": b.issued_at,
        "set": b.set_indices().collect::<Vec<_>>(),
    })
    .to_string())
}

fn ledger_vectors() -> Result<String, String> {
    use certanchor::ledger::{FileLedger, Ledger};
    use certanchor::{Anchor, AnchorBody, Hash, keys::SigningKey};
    let dir =
        std::env::temp_dir().join(format!("certanchor-interop-ledger-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut ledger = FileLedger::create(
        &dir,
        "ledger.interop.test/certanchor",
        SigningKey::from_seed(&[0x42; 32]),
    )
    .map_err(|e| e.to_string())?;
    let issuer = SigningKey::from_seed(&[0x12; 32]);
    let mut ids = Vec::new();
    let mut notes = Vec::new();
    for i in 0..13u64 {
        let body = AnchorBody {
            issuer: "cn.beijing.scjgj".into(),
            batch: format!("interop-{i}"),
            tree_size: 1,
            root: Hash::digest(&i.to_be_bytes()),
            issued_at: 1_704_067_200,
            kinds: vec!["business_license".into()],
        };
        let a = Anchor::sign(&body, &issuer).map_err(|e| e.to_string())?;
        let r = ledger.append(a.as_bytes()).map_err(|e| e.to_string())?;
        ids.push(r.anchor_id);
        notes.push(serde_json::json!({"tree_size": r.tree_size, "note": r.checkpoint}));
    }
    let n = ledger.size();
    // the leaf data the tree commits to (SPEC §9.1: `0x01 ‖ anchor id`)
    let leaves: Vec<String> = ledger
        .leaf_data(0, n)
        .map_err(|e| e.to_string())?
        .iter()
        .map(hex::encode)
        .collect();
    let mut inclusion = Vec::new();
    let mut consistency = Vec::new();
    for size in 1..=n {
        for (i, id) in ids.iter().enumerate().take(size as usize) {
            let p = ledger
                .inclusion_proof(id, size)
                .map_err(|e| e.to_string())?;
            inclusion.push(serde_json::json!({"index": i, "tree_size": size,
                "path": p.path.iter().map(Hash::to_hex).collect::<Vec<_>>()}));
        }
        for old in 1..=size {
            let p = ledger
                .consistency_proof(old, size)
                .map_err(|e| e.to_string())?;
            consistency.push(serde_json::json!({"old_size": old, "new_size": size,
                "path": p.iter().map(Hash::to_hex).collect::<Vec<_>>()}));
        }
    }
    let out = serde_json::json!({
        "vkey": ledger.verifier_key(), "leaves": leaves, "checkpoints": notes,
        "inclusion": inclusion, "consistency": consistency,
    });
    drop(ledger);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out.to_string())
}

fn cosignature_vectors() -> Result<String, String> {
    use certanchor::keys::SigningKey;
    use certanchor::ledger::{FileLedger, Ledger};
    use certanchor::note::{self, CosignatureSigner};
    use certanchor::{Anchor, AnchorBody, Hash};
    let dir = std::env::temp_dir().join(format!("certanchor-interop-cosig-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut ledger = FileLedger::create(
        &dir,
        "ledger.interop.test/certanchor",
        SigningKey::from_seed(&[0x42; 32]),
    )
    .map_err(|e| e.to_string())?;
    let body = AnchorBody {
        issuer: "cn.beijing.scjgj".into(),
        batch: "interop-cosig".into(),
        tree_size: 1,
        root: Hash::digest(b"interop"),
        issued_at: 1_704_067_200,
        kinds: vec!["business_license".into()],
    };
    let anchor =
        Anchor::sign(&body, &SigningKey::from_seed(&[0x12; 32])).map_err(|e| e.to_string())?;
    let receipt = ledger
        .append(anchor.as_bytes())
        .map_err(|e| e.to_string())?;
    let witness = CosignatureSigner::new(
        "witness.interop.test/w1",
        SigningKey::from_seed(&[0x51; 32]),
    )
    .map_err(|e| e.to_string())?;
    let time = 1_700_000_000;
    let cosigned =
        note::add_cosignature(&receipt.checkpoint, &witness, time).map_err(|e| e.to_string())?;
    let out = serde_json::json!({
        "note": cosigned, "ledger_vkey": ledger.verifier_key(),
        "witness_vkey": witness.verifier().to_verifier_key(), "witness_time": time,
    });
    drop(ledger);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out.to_string())
}

fn verify_cosignatures(path: &str, vkey: &str) -> Result<String, String> {
    use certanchor::note::{self, CosignatureVerifier};
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let v = CosignatureVerifier::from_verifier_key(vkey)
        .map_err(|e| format!("{} ({})", e, e.code()))?;
    let found =
        note::verify_cosignatures(&text, &[v]).map_err(|e| format!("{} ({})", e, e.code()))?;
    Ok(serde_json::json!(found
        .iter()
        .map(|c| serde_json::json!({"name": c.name, "key_id": hex::encode(c.key_id), "time": c.time}))
        .collect::<Vec<_>>())
    .to_string())
}

/// The current time, Unix seconds.
fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
