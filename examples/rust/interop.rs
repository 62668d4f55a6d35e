//! Helper for the cross-implementation tests in `tests/interop/`:
//! `interop check-status <base64 COSE_Sign1>` hands a status list written by
//! another COSE implementation to a verifier with the demo trust store and
//! prints what it understood as JSON (exit 1 if refused).

use base64::Engine as _;
use certanchor::status::StatusList;
use certanchor::{TrustStore, Verifier, sample};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("check-status") => check_status(args.get(2).map(String::as_str).unwrap_or_default()),
        _ => Err("usage: interop check-status <base64>".to_owned()),
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
        .add_status_list(&bytes)
        .map_err(|e| format!("{} ({})", e, e.code()))?;
    let list = StatusList::from_bytes(&bytes).map_err(|e| e.to_string())?;
    let b = list.body();
    Ok(serde_json::json!({
        "issuer": b.issuer, "batch": b.batch, "purpose": b.purpose.as_str(),
        "epoch": b.epoch, "ttl": b.ttl, "issued_at": b.issued_at,
        "set": b.set_indices().collect::<Vec<_>>(),
    })
    .to_string())
}
