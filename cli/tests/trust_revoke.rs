//! `certanchor trust revoke-key`: revoking one key of an issuer in a trust
//! store, what verification then says, and the refusals.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{LAND, LATER, Office, TAX, ca, check, run_json_code};
use serde_json::Value as J;

fn kid_of(o: &Office, key: &str) -> String {
    run_json_code(&["pubkey", &o.p(key)], 0)["key_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn revoke(o: &Office, which: &[&str], at: &str, code: i32) -> J {
    let trust = o.p("trust.json");
    let mut args = vec!["trust", "revoke-key", trust.as_str(), "--issuer", LAND];
    args.extend(which);
    args.extend(["--at", at]);
    run_json_code(&args, code)
}

fn verify(o: &Office, bundle: &str, code: i32) -> J {
    run_json_code(
        &[
            "verify",
            "--trust",
            &o.p("trust.json"),
            "--at",
            LATER,
            bundle,
        ],
        code,
    )
}

/// The land registry's key as the trust store now has it.
fn land_key(o: &Office) -> J {
    let t: J =
        serde_json::from_str(&std::fs::read_to_string(o.file("trust.json")).unwrap()).unwrap();
    t["issuers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == LAND)
        .unwrap()["keys"][0]
        .clone()
}

#[test]
fn a_key_revoked_before_the_anchor_was_issued_fails_issuer_signature() {
    let o = Office::new();
    let b = o.prove(0, "b0.cab", false);
    assert_eq!(verify(&o, &b, 0)["verdict"], "valid");
    let land = o.p("land.pem");
    let out = revoke(&o, &["--key", &land], "2024-05-01", 0);
    assert_eq!(out["trust"], o.p("trust.json"), "{out:#}");
    let changed = out["changed"].as_str().unwrap();
    assert!(
        changed.contains(&kid_of(&o, "land.pem")) && changed.contains("2024-05-01T00:00:00Z"),
        "{out:#}"
    );
    assert_eq!(land_key(&o)["revoked_at"], "2024-05-01T00:00:00Z");
    // the batch was issued on 2024-06-01, after the revocation
    let r = verify(&o, &b, 1);
    assert_eq!(r["verdict"], "invalid", "{r:#}");
    let c = check(&r, "issuer_signature");
    assert_eq!(
        (&c["outcome"], &c["code"]),
        (&J::from("failed"), &J::from("key_not_valid")),
        "{r:#}"
    );
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains("revoked at 2024-05-01T00:00:00Z"),
        "{r:#}"
    );
}

#[test]
fn a_revocation_after_the_anchor_leaves_it_valid_and_can_only_move_earlier() {
    let o = Office::new();
    let b = o.prove(1, "b1.cab", false);
    let kid = kid_of(&o, "land.pem");
    // by key id (either case), at Unix seconds: 2024-07-01, after issuance
    revoke(&o, &["--kid", &kid.to_uppercase()], "1719792000", 0);
    assert_eq!(land_key(&o)["revoked_at"], "2024-07-01T00:00:00Z");
    assert_eq!(verify(&o, &b, 0)["verdict"], "valid");
    // a later time, or the same one, is refused, saying when it was revoked
    for later in ["2024-08-01", "2024-07-01T00:00:00Z"] {
        let before = std::fs::read(o.file("trust.json")).unwrap();
        let e = revoke(&o, &["--kid", &kid], later, 2);
        assert_eq!(e["error"]["code"], "already_revoked", "{e:#}");
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("already revoked at 2024-07-01T00:00:00Z"),
            "{msg}"
        );
        assert_eq!(std::fs::read(o.file("trust.json")).unwrap(), before);
    }
    // earlier is allowed (a compromise found to have started sooner)
    let out = revoke(&o, &["--kid", &kid], "2024-05-01T00:00:00+08:00", 0);
    assert!(
        out["changed"]
            .as_str()
            .unwrap()
            .contains("(was 2024-07-01T00:00:00Z)"),
        "{out:#}"
    );
    assert_eq!(land_key(&o)["revoked_at"], "2024-04-30T16:00:00Z");
    let r = verify(&o, &b, 1);
    assert_eq!(
        check(&r, "issuer_signature")["code"],
        "key_not_valid",
        "{r:#}"
    );
}

#[test]
fn revoke_key_refusals() {
    let o = Office::new();
    let trust = o.p("trust.json");
    let before = std::fs::read(o.file("trust.json")).unwrap();
    let land_kid = kid_of(&o, "land.pem");
    let err = |args: &[&str]| {
        let mut all = vec!["trust", "revoke-key", trust.as_str()];
        all.extend(args);
        let e = run_json_code(&all, 2);
        (
            e["error"]["code"].as_str().unwrap().to_owned(),
            e["error"]["message"].as_str().unwrap().to_owned(),
        )
    };
    // an issuer the store does not list
    let (code, msg) = err(&["--issuer", "cn.beijing.nobody", "--kid", &land_kid]);
    assert_eq!(code, "no_such_issuer", "{msg}");
    assert!(msg.contains("cn.beijing.nobody"), "{msg}");
    // a key of another issuer, and a key nobody has
    let (code, msg) = err(&["--issuer", LAND, "--key", &o.p("tax.pem")]);
    assert_eq!(code, "no_such_key", "{msg}");
    assert!(msg.contains(&format!("it is a key of `{TAX}`")), "{msg}");
    let (code, _) = err(&["--issuer", LAND, "--kid", &"0".repeat(32)]);
    assert_eq!(code, "no_such_key");
    // a malformed key id or key file
    let (code, _) = err(&["--issuer", LAND, "--kid", "abc"]);
    assert_eq!(code, "invalid_key_id");
    std::fs::write(o.file("junk.pem"), "not a key").unwrap();
    let (code, msg) = err(&["--issuer", LAND, "--key", &o.p("junk.pem")]);
    assert_eq!(code, "invalid_public_key", "{msg}");
    // before the key's not_before (2024-01-01), and a time that does not parse
    let (code, msg) = err(&["--issuer", LAND, "--kid", &land_kid, "--at", "2023-12-31"]);
    assert_eq!(code, "invalid_time", "{msg}");
    assert!(msg.contains("not_before 2024-01-01T00:00:00Z"), "{msg}");
    let (code, _) = err(&["--issuer", LAND, "--kid", &land_kid, "--at", "soon"]);
    assert_eq!(code, "invalid_time");
    assert_eq!(std::fs::read(o.file("trust.json")).unwrap(), before);
    // usage: neither --key nor --kid, or both
    ca().args(["trust", "revoke-key", &trust, "--issuer", LAND])
        .assert()
        .code(2);
    ca().args(["trust", "revoke-key", &trust, "--issuer", LAND])
        .args(["--kid", &land_kid, "--key", &o.p("land.pem")])
        .assert()
        .code(2);
    // a public key as base64 in a file; default time now
    let b64 = run_json_code(&["pubkey", &o.p("land.pem")], 0)["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::write(o.file("land.b64"), format!("{b64}\n")).unwrap();
    let out = run_json_code(
        &[
            "trust",
            "revoke-key",
            &trust,
            "--issuer",
            LAND,
            "--key",
            &o.p("land.b64"),
        ],
        0,
    );
    assert!(
        out["changed"].as_str().unwrap().contains(&land_kid),
        "{out:#}"
    );
    assert!(land_key(&o)["revoked_at"].as_str().unwrap() > "2025");
}
