//! `certanchor ledger --evm …` and `verify --online` against a local chain,
//! run by `scripts/test-evm.sh` (which sets `CERTANCHOR_EVM_RPC` and
//! `CERTANCHOR_EVM_ARTIFACTS`, and runs it with `--ignored`); `#[ignore]`d otherwise.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use serde_json::Value as J;

mod common;

use common::{
    LAND, LATER, Office, Setup, TAX, check, run_json as ok_json, run_json_code as json_code, s,
};

/// Ganache deterministic accounts 8 and 9 (public test keys); the
/// ledger-evm tests use 0..=7, so nonces never collide.
const OWNER: &str = "0x829e924fdf021ba3dbbc4225edfece9aca04b929d6e75613329ca6f1d31c0bb4";
const ISSUER: &str = "0xb0057716d5917badaf911b193b12b910811c1497b5bada8d7711f758981c3773";
const ISSUER_ADDR: &str = "0x1df62f291b2e969fb0849d99d9ce41e2f137006e";

#[test]
#[ignore = "needs a local chain (Ganache): run scripts/test-evm.sh"]
fn anchor_on_chain_and_verify_online_from_the_command_line() {
    let (Ok(rpc), Ok(art)) = (
        std::env::var("CERTANCHOR_EVM_RPC"),
        std::env::var("CERTANCHOR_EVM_ARTIFACTS"),
    ) else {
        panic!("CERTANCHOR_EVM_RPC / CERTANCHOR_EVM_ARTIFACTS not set: run scripts/test-evm.sh");
    };
    // an office: trust store, keys, a batch of titles (no policy, no
    // endorsement, no file ledger)
    let o = Office::with(Setup {
        names: Some((LAND, TAX)),
        policy: None,
        batch: "2024-06-EVM",
        endorse: false,
        ..Setup::default()
    });
    let d = o.path();
    let (trust, batch) = (d.join("trust.json"), d.join("batch"));
    let owner = d.join("owner.hex");
    let issuer = d.join("issuer.hex");
    std::fs::write(&owner, OWNER).unwrap();
    std::fs::write(&issuer, format!("{ISSUER}\n")).unwrap();
    let bin = Path::new(&art).join("AnchorRegistry.bin");

    // the owner deploys and authorizes the issuer account
    let evm = ["ledger", "--evm", &rpc, "--chain-id", "1337"];
    let contract = ok_json(
        &[
            &evm[..],
            &["--account-key", s(&owner), "deploy", "--bytecode", s(&bin)],
        ]
        .concat(),
    )["contract"]
        .as_str()
        .unwrap()
        .to_owned();
    let reg = [&evm[..], &["--contract", &contract]].concat();
    ok_json(
        &[
            &reg[..],
            &["--account-key", s(&owner), "authorize", ISSUER_ADDR],
        ]
        .concat(),
    );

    // not recorded yet: check exits 1
    let c = json_code(&[&reg[..], &["check", s(&batch)]].concat(), 1);
    assert_eq!(c[0]["state"], "not recorded");

    // append the batch directory: the receipt lands in chain-receipt.json
    let appended = ok_json(
        &[
            &reg[..],
            &["--account-key", s(&issuer), "append", s(&batch)],
        ]
        .concat(),
    );
    let rc = &appended[0]["receipt"];
    assert_eq!(rc["chain_id"], 1337);
    assert_eq!(rc["contract"], contract.to_lowercase());
    assert!(batch.join("chain-receipt.json").exists());
    let c = ok_json(&[&reg[..], &["check", s(&batch)]].concat());
    assert_eq!(c[0]["state"], "recorded");
    assert_eq!(c[0]["block"], rc["block"]);
    assert_eq!(c[0]["issuer"], ISSUER_ADDR);

    // twice: refused with the library's code
    let err = json_code(
        &[
            &reg[..],
            &[
                "--account-key",
                s(&issuer),
                "append",
                s(&batch.join("anchor.cose")),
            ],
        ]
        .concat(),
        2,
    );
    assert_eq!(err["error"]["code"], "duplicate");
    // the owner is not an authorized issuer
    let err = json_code(
        &[&reg[..], &["--account-key", s(&owner), "append", s(&batch)]].concat(),
        2,
    );
    assert_eq!(err["error"]["code"], "unauthorized");

    // bundles carry the chain receipt
    let bundle = d.join("0.cab");
    ok_json(&[
        "prove",
        "--batch",
        s(&batch),
        "--index",
        "0",
        "--out",
        s(&bundle),
    ]);

    // not in the trust store yet: failed even offline
    let r = json_code(
        &["verify", "--trust", s(&trust), "--at", LATER, s(&bundle)],
        1,
    );
    assert_eq!(check(&r, "ledger")["code"], "unknown_chain");
    ok_json(&[
        "trust",
        "add-chain",
        s(&trust),
        "--chain-id",
        "1337",
        "--contract",
        &contract,
        "--rpc-url",
        &rpc,
    ]);

    // offline: indeterminate (exit 3) with the stated reason
    let r = json_code(
        &["verify", "--trust", s(&trust), "--at", LATER, s(&bundle)],
        3,
    );
    let l = check(&r, "ledger");
    assert_eq!(l["outcome"], "indeterminate");
    assert!(
        l["reason"]
            .as_str()
            .unwrap()
            .starts_with("chain receipt not checked offline")
    );

    // online: valid (exit 0)
    let r = json_code(
        &[
            "verify",
            "--trust",
            s(&trust),
            "--at",
            LATER,
            "--online",
            s(&bundle),
        ],
        0,
    );
    assert_eq!(r["verdict"], "valid");
    assert_eq!(check(&r, "ledger")["outcome"], "passed");
    // online against a dead endpoint given with --rpc and none in the store: indeterminate
    let mut doc: J = serde_json::from_slice(&std::fs::read(&trust).unwrap()).unwrap();
    doc["chains"][0].as_object_mut().unwrap().remove("rpc_url");
    let trust2 = d.join("trust2.json");
    std::fs::write(&trust2, doc.to_string()).unwrap();
    let r = json_code(
        &[
            "verify",
            "--trust",
            s(&trust2),
            "--at",
            LATER,
            "--online",
            "--rpc",
            "http://127.0.0.1:9",
            s(&bundle),
        ],
        3,
    );
    assert_eq!(check(&r, "ledger")["code"], "chain_unreachable");
    let r = json_code(
        &[
            "verify",
            "--trust",
            s(&trust2),
            "--at",
            LATER,
            "--online",
            "--rpc",
            &rpc,
            s(&bundle),
        ],
        0,
    );
    assert_eq!(r["verdict"], "valid");

    // usage errors are typed
    let err = json_code(&["ledger", "--evm", &rpc, "check", s(&batch)], 2);
    assert_eq!(err["error"]["code"], "usage");
    let err = json_code(&[&reg[..], &["vkey", s(&batch)]].concat(), 2);
    assert_eq!(err["error"]["code"], "usage");
}
