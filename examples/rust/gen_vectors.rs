//! Writes `tests/vectors/bundles.json`: the demo trust store and bundles,
//! valid and invalid, each with the time to verify at, the expected verdict
//! and the check that must fail (or go indeterminate) with its code.
//! The Rust, Python and WASM test suites all read this file.
//!
//! Run: `cargo run -p certanchor --example gen_vectors [OUT]`

// A generator over fixed, known-size sample data: indexing is checked by construction.
#![allow(clippy::indexing_slicing)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use certanchor::Document;
use certanchor::keys::SigningKey;
use certanchor::sample::{self, JAN_1_2024};
use certanchor::status::StatusPurpose;
use certanchor::{Bundle, IssueOptions, Issuer, Value};
use serde_json::json;

const NOW: u64 = JAN_1_2024 + 150 * 86_400 + 3600;
const ISSUED: u64 = JAN_1_2024 + 150 * 86_400;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/bundles.json").to_owned()
    });
    let auths = sample::demo_authorities();
    let key = |id: &str| {
        auths
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.key.clone())
            .ok_or("no such authority")
    };

    let land = Issuer::new(key("cn.beijing.ghzrzyw")?, "cn.beijing.ghzrzyw");
    let titles: Vec<_> = (0..8).map(sample::real_estate_title).collect();
    let mut tit = land.issue(
        "vectors-titles",
        &titles,
        &IssueOptions {
            issued_at: ISSUED,
            decoys: 2,
        },
    )?;
    tit.endorse(&key("cn.beijing.zjw")?, ISSUED + 600)?;
    land.update_status(
        &mut tit,
        StatusPurpose::Revocation,
        &[(2, true)],
        ISSUED,
        30 * 86_400,
    )?;
    land.update_status(
        &mut tit,
        StatusPurpose::Suspension,
        &[(3, true)],
        ISSUED,
        30 * 86_400,
    )?;

    let market = Issuer::new(key("cn.beijing.scjgj")?, "cn.beijing.scjgj");
    let mut certs: Vec<_> = (0..6).map(sample::business_license).collect();
    certs[4].valid_until = Some(ISSUED + 60);
    let mut lic = market.issue("vectors-licenses", &certs, &IssueOptions::at(ISSUED))?;
    lic.endorse(&key("cn.beijing.tax")?, ISSUED + 600)?;
    lic.endorse(&key("cn.beijing.gaj")?, ISSUED + 900)?;
    let unendorsed = market.issue("vectors-unendorsed", &certs[..2], &IssueOptions::at(ISSUED))?;
    let rogue = Issuer::new(SigningKey::from_seed(&[0x66; 32]), "cn.beijing.scjgj").issue(
        "vectors-rogue",
        &certs[..2],
        &IssueOptions::at(ISSUED),
    )?;
    let wrong_kind = Issuer::new(key("cn.beijing.scjgj")?, "cn.beijing.scjgj").issue(
        "vectors-wrong-kind",
        &titles[..2],
        &IssueOptions::at(ISSUED),
    );
    // The market regulator may not issue titles: its issuer refuses nothing
    // (it knows the kind), the verifier's authorization check must.
    let mut wrong_kind = wrong_kind?;
    wrong_kind.endorse(
        &key("cn.beijing.tax")?,
        wrong_kind.anchor().body().issued_at,
    )?;

    let mut cases = Vec::new();
    let mut case =
        |name: &str, b: &Bundle, now: u64, verdict: &str, check: Option<(&str, &str)>| {
            cases.push(json!({
                "name": name,
                "bundle": B64.encode(b.to_vec()),
                "text": b.to_text(),
                "now": now,
                "verdict": verdict,
                "check": check.map(|c| c.0),
                "code": check.map(|c| c.1),
            }));
        };
    case(
        "valid_title_full",
        &tit.bundle(0, None)?,
        NOW,
        "valid",
        None,
    );
    case(
        "valid_title_partial",
        &tit.bundle(1, Some(&["location", "right_holders", "land_area_m2"]))?,
        NOW,
        "valid",
        None,
    );
    case(
        "valid_license_partial",
        &lic.bundle(0, Some(&["name", "uscc", "registered_capital"]))?,
        NOW,
        "valid",
        None,
    );
    case(
        "valid_license_no_fields",
        &lic.bundle(1, Some(&[]))?,
        NOW,
        "valid",
        None,
    );
    case(
        "revoked_title",
        &tit.bundle(2, None)?,
        NOW,
        "invalid",
        Some(("status", "revoked")),
    );
    case(
        "suspended_title",
        &tit.bundle(3, None)?,
        NOW,
        "invalid",
        Some(("status", "suspended")),
    );
    case(
        "stale_status",
        &tit.bundle(4, None)?,
        ISSUED + 31 * 86_400,
        "indeterminate",
        Some(("status", "stale_status")),
    );
    case(
        "expired_license",
        &lic.bundle(4, None)?,
        NOW,
        "invalid",
        Some(("validity", "expired")),
    );
    case(
        "not_yet_valid",
        &lic.bundle(5, None)?,
        JAN_1_2024 - 1,
        "invalid",
        Some(("validity", "not_yet_valid")),
    );
    case(
        "missing_endorsement",
        &unendorsed.bundle(0, None)?,
        NOW,
        "invalid",
        Some(("endorsements", "endorsements_missing")),
    );
    case(
        "unknown_issuer_key",
        &rogue.bundle(0, None)?,
        NOW,
        "invalid",
        Some(("issuer_signature", "unknown_key")),
    );
    case(
        "unauthorized_kind",
        &wrong_kind.bundle(0, None)?,
        NOW,
        "invalid",
        Some(("authorization", "unauthorized_kind")),
    );
    let mut t = lic.bundle(2, Some(&["name"]))?;
    t.disclosed[0].value = Value::from("北京伪造科技有限公司");
    case(
        "tampered_value",
        &t,
        NOW,
        "invalid",
        Some(("integrity", "digest_mismatch")),
    );
    let mut t = lic.bundle(2, Some(&["name"]))?;
    t.disclosed.push(t.disclosed[0].clone());
    case(
        "field_disclosed_twice",
        &t,
        NOW,
        "invalid",
        Some(("integrity", "disclosed_twice")),
    );
    let mut t = tit.bundle(5, None)?;
    t.proof.leaf_index = 6;
    case(
        "wrong_leaf_index",
        &t,
        NOW,
        "invalid",
        Some(("inclusion", "root_mismatch")),
    );
    let mut t = tit.bundle(5, None)?;
    t.proof.tree_size = 7;
    case(
        "tree_size_mismatch",
        &t,
        NOW,
        "invalid",
        Some(("inclusion", "tree_size_mismatch")),
    );

    let mut raw_cases = Vec::new();
    let good = lic.bundle(0, None)?.to_vec();
    let mut trailing = good.clone();
    trailing.push(0);
    raw_cases.push(json!({"name": "trailing_bytes", "bundle": B64.encode(&trailing), "verdict": "invalid", "check": "format", "code": "trailing_bytes"}));
    raw_cases.push(json!({"name": "truncated", "bundle": B64.encode(&good[..good.len() / 2]), "verdict": "invalid", "check": "format", "code": "truncated"}));
    raw_cases.push(json!({"name": "empty", "bundle": "", "verdict": "invalid", "check": "format", "code": "truncated"}));

    let doc = json!({
        "description": "certanchor cross-language vectors: verify each bundle (base64 binary or CA1 text) at `now` with `trust_store`; expect `verdict`, and `check` to have `code`.",
        "generator": "examples/rust/gen_vectors.rs",
        "trust_store": serde_json::to_value(sample::demo_trust_doc(None))?,
        "authorities": auths.iter().map(|a| json!({
            "id": a.id, "name": a.name,
            "public_key": a.key.public_key().to_base64(),
            "key_id": a.key.public_key().key_id().to_hex(),
            "demo_private_key_pem": a.key.to_pkcs8_pem().as_str(),
        })).collect::<Vec<_>>(),
        "anchors": [
            {"name": "titles_endorsed", "cose": B64.encode(tit.anchor().as_bytes()), "signers": ["cn.beijing.ghzrzyw", "cn.beijing.zjw"]},
            {"name": "licenses_endorsed_twice", "cose": B64.encode(lic.anchor().as_bytes()), "signers": ["cn.beijing.scjgj", "cn.beijing.tax", "cn.beijing.gaj"]},
        ],
        "status_lists": tit.status_lists().iter().map(|s| json!({
            "purpose": s.body().purpose.as_str(), "epoch": s.body().epoch, "cose": B64.encode(s.as_bytes()),
        })).collect::<Vec<_>>(),
        "cases": cases,
        "malformed": raw_cases,
    });
    std::fs::write(&out, serde_json::to_string_pretty(&doc)? + "\n")?;
    eprintln!("wrote {out}");
    Ok(())
}
