//! `EvmLedger` and `EvmOracle` against a real local chain (Ganache), run by
//! `scripts/test-evm.sh`, which sets:
//!
//! * `CERTANCHOR_EVM_RPC`: JSON-RPC URL of a Ganache node started with
//!   `--wallet.deterministic --chain.chainId 1337` (instamine);
//! * `CERTANCHOR_EVM_ARTIFACTS`: directory with `AnchorRegistry.bin` and
//!   `AnchorRegistry.abi` compiled by solc-js (`contracts/compile.js`);
//! * `CERTANCHOR_EVM_GANACHE`: the ganache executable, for the test that
//!   kills and restarts its own node.
//!
//! Every test here is `#[ignore]`d, so `cargo test` lists them as ignored
//! instead of passing them silently; the script runs them with `--ignored`,
//! and run that way without the variables they fail and say why.
//! Tests run in parallel: each uses its own deterministic accounts and
//! deploys its own registry, so nonces never collide.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use certanchor::Document;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy::primitives::keccak256;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::{SolCall, SolError, SolEvent};
use certanchor::ledger::Ledger as _;
use certanchor::sample::{self, JAN_1_2024, demo_authorities, demo_trust_doc};
use certanchor::trust::ChainEntry;
use certanchor::{
    CheckCode, IssueOptions, IssuedBatch, Issuer, LedgerError, Outcome, TrustStore, Verdict,
    Verifier,
};
use certanchor_ledger_evm::{
    AnchorRegistry, EvmConfig, EvmLedger, EvmOracle, deploy_registry, set_issuer,
};

const ISSUED: u64 = JAN_1_2024 + 86_400 * 150;
const NOW: u64 = ISSUED + 3600;
const CHAIN_ID: u64 = 1337;

/// Private keys of Ganache's `--wallet.deterministic` accounts 0..=9
/// (public test keys; never fund them anywhere real).
const KEYS: [&str; 10] = [
    "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d",
    "0x6cbed15c793ce57650b9877cf6fa156fbef513c4e6134f022a85b1ffdd59b2a1",
    "0x6370fd033278c143179d81c5526140625662b8daa446c22ee2d73db3707e620c",
    "0x646f1ce2fdad0e6deeeb5c7e8e5543bdde65e86029e2fd9fc169899c440a7913",
    "0xadd53f9a7e588d003326d1cbf9e4a43c061aadd9bc938c843a79e7b4fd2ad743",
    "0x395df67f0c2d2d9fe1ad08d1bc8b6627011959b79c53d7dd6a3536a33ab8a4fd",
    "0xe485d098507f54e7733a205420dfddbe58db035fa577fc294ebd14db90767a52",
    "0xa453611d9419d0e56f499079478fd72c37b251a94bfde4d19872c44cf65386e3",
    "0x829e924fdf021ba3dbbc4225edfece9aca04b929d6e75613329ca6f1d31c0bb4",
    "0xb0057716d5917badaf911b193b12b910811c1497b5bada8d7711f758981c3773",
];

struct Env {
    rpc: String,
    artifacts: PathBuf,
}

/// The chain the script started. These tests are `#[ignore]`d; run with
/// `--ignored` outside `scripts/test-evm.sh` they fail and say why.
fn env() -> Env {
    match (
        std::env::var("CERTANCHOR_EVM_RPC"),
        std::env::var("CERTANCHOR_EVM_ARTIFACTS"),
    ) {
        (Ok(rpc), Ok(a)) => Env {
            rpc,
            artifacts: PathBuf::from(a),
        },
        _ => {
            panic!("CERTANCHOR_EVM_RPC / CERTANCHOR_EVM_ARTIFACTS not set: run scripts/test-evm.sh")
        }
    }
}

fn address_of(key: &str) -> [u8; 20] {
    key.parse::<PrivateKeySigner>()
        .unwrap()
        .address()
        .into_array()
}

fn cfg(rpc: &str, contract: [u8; 20]) -> EvmConfig {
    let mut c = EvmConfig::new(rpc, contract);
    c.chain_id = Some(CHAIN_ID);
    c.poll_interval = Duration::from_millis(50);
    c.timeout = Duration::from_secs(30);
    c.backoff = Duration::from_millis(100);
    c.retries = 3;
    c
}

fn creation_code(e: &Env) -> Vec<u8> {
    std::fs::read(e.artifacts.join("AnchorRegistry.bin")).unwrap()
}

/// Deploys a registry owned by `KEYS[owner]` and authorizes `issuers`.
fn registry(rpc: &str, code: &[u8], owner: usize, issuers: &[usize]) -> [u8; 20] {
    let contract = deploy_registry(&cfg(rpc, [0; 20]), KEYS[owner], code).unwrap();
    for &i in issuers {
        set_issuer(&cfg(rpc, contract), KEYS[owner], address_of(KEYS[i]), true).unwrap();
    }
    contract
}

fn batch(tag: &str, n: u64) -> IssuedBatch {
    let key = |id: &str| {
        demo_authorities()
            .into_iter()
            .find(|a| a.id == id)
            .unwrap()
            .key
    };
    let certs: Vec<_> = (0..n).map(sample::business_license).collect();
    let mut b = Issuer::new(key("cn.beijing.scjgj"), "cn.beijing.scjgj")
        .issue(tag, &certs, &IssueOptions::at(ISSUED))
        .unwrap();
    b.endorse(&key("cn.beijing.tax"), b.anchor().body().issued_at)
        .unwrap();
    b
}

fn trust(contract: [u8; 20], rpc: Option<&str>) -> TrustStore {
    let mut d = demo_trust_doc(None);
    d.chains.push(ChainEntry {
        chain_id: CHAIN_ID,
        contract: format!("0x{}", hex::encode(contract)),
        rpc_url: rpc.map(str::to_owned),
        name: Some("local ganache".into()),
    });
    for p in &mut d.policies {
        p.require_ledger = true;
    }
    TrustStore::from_doc(d).unwrap()
}

/// A raw JSON-RPC call (for Ganache-only methods such as `evm_mine`).
fn raw_rpc(url: &str, method: &str, params: &str) -> serde_json::Value {
    let out = Command::new("curl")
        .args([
            "-sf",
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "--data",
        ])
        .arg(format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#
        ))
        .arg(url)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

#[test]
#[ignore = "needs a local chain (Ganache): run scripts/test-evm.sh"]
fn interface_matches_the_compiled_abi() {
    let e = env();
    let abi: serde_json::Value =
        serde_json::from_slice(&std::fs::read(e.artifacts.join("AnchorRegistry.abi")).unwrap())
            .unwrap();
    let sig = |item: &serde_json::Value| {
        let types: Vec<&str> = item["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["type"].as_str().unwrap())
            .collect();
        format!("{}({})", item["name"].as_str().unwrap(), types.join(","))
    };
    let mut compiled: Vec<(String, String)> = abi
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] != "constructor")
        .map(|i| (i["type"].as_str().unwrap().to_owned(), sig(i)))
        .collect();
    compiled.sort();
    let mut ours: Vec<(String, String)> = [
        ("function", AnchorRegistry::ownerCall::SIGNATURE),
        ("function", AnchorRegistry::authorizedCall::SIGNATURE),
        ("function", AnchorRegistry::countCall::SIGNATURE),
        ("function", AnchorRegistry::MAX_BATCH_LENCall::SIGNATURE),
        ("function", AnchorRegistry::setIssuerCall::SIGNATURE),
        ("function", AnchorRegistry::transferOwnershipCall::SIGNATURE),
        ("function", AnchorRegistry::recordCall::SIGNATURE),
        ("function", AnchorRegistry::anchoredAtCall::SIGNATURE),
        ("function", AnchorRegistry::indexOfCall::SIGNATURE),
        ("error", AnchorRegistry::NotOwner::SIGNATURE),
        ("error", AnchorRegistry::Unauthorized::SIGNATURE),
        ("error", AnchorRegistry::AlreadyAnchored::SIGNATURE),
        ("error", AnchorRegistry::InvalidAnchor::SIGNATURE),
        ("event", AnchorRegistry::Anchored::SIGNATURE),
        ("event", AnchorRegistry::IssuerSet::SIGNATURE),
        ("event", AnchorRegistry::OwnershipTransferred::SIGNATURE),
    ]
    .iter()
    .map(|(t, s)| ((*t).to_owned(), (*s).to_owned()))
    .collect();
    ours.sort();
    assert_eq!(compiled, ours);
    // and the selectors agree with what keccak gives for those signatures
    assert_eq!(
        AnchorRegistry::recordCall::SELECTOR,
        keccak256(AnchorRegistry::recordCall::SIGNATURE.as_bytes())[..4]
    );
}

#[test]
#[ignore = "needs a local chain (Ganache): run scripts/test-evm.sh"]
fn anchor_a_batch_and_verify_online() {
    let e = env();
    // the deterministic keys are the node's accounts
    let accounts = raw_rpc(&e.rpc, "eth_accounts", "[]");
    for k in &KEYS[..2] {
        let a = format!("0x{}", hex::encode(address_of(k)));
        assert!(
            accounts["result"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x.as_str() == Some(a.as_str())),
            "{a} not in {accounts}"
        );
    }
    let contract = registry(&e.rpc, &creation_code(&e), 0, &[1]);
    let mut ledger = EvmLedger::connect(cfg(&e.rpc, contract), KEYS[1]).unwrap();
    assert_eq!(ledger.chain_id(), CHAIN_ID);
    assert!(ledger.is_authorized().unwrap());
    assert_eq!(ledger.size(), 0);

    let b = batch("2024-06-evm-1", 4);
    let t0 = Instant::now();
    let rc = ledger.append(b.anchor().as_bytes()).unwrap();
    eprintln!("append confirmed in {:?}", t0.elapsed());
    let chain = rc.chain.unwrap();
    assert_eq!((chain.chain_id, chain.contract), (CHAIN_ID, contract));
    assert_eq!(
        (rc.index, rc.tree_size, rc.anchor_id),
        (0, 1, b.anchor().id())
    );
    assert!(rc.checkpoint.is_empty() && rc.path.is_empty());
    assert_eq!(ledger.size(), 1);

    // the registry holds it, and the event leads back to the same receipt
    let rec = ledger.lookup(&b.anchor().id()).unwrap().unwrap();
    assert_eq!(
        (rec.root, rec.tree_size, rec.block, rec.issuer),
        (b.anchor().body().root, 4, chain.block, address_of(KEYS[1]))
    );
    assert_eq!(ledger.find_receipt(&b.anchor().id()).unwrap().unwrap(), rc);
    assert_eq!(
        ledger
            .find_receipt(&batch("never", 1).anchor().id())
            .unwrap(),
        None
    );

    // what the trait cannot do on a registry is a typed error
    assert_eq!(ledger.checkpoint().unwrap_err().code(), "unsupported");
    assert_eq!(ledger.get(0).unwrap_err().code(), "unsupported");

    // bundles carry the chain receipt
    let mut bundle = b.bundle(2, Some(&["name", "uscc"])).unwrap();
    rc.attach_to(&mut bundle);
    assert_eq!(bundle.chain, Some(chain));
    let bytes = bundle.to_vec();

    // online: valid (oracle from the trust store's rpc_url)
    let v = Verifier::new(trust(contract, Some(&e.rpc)));
    let oracle = EvmOracle::from_trust_store(v.trust_store(), None, 1).unwrap();
    let r = v.verify_online(&bytes, NOW, &oracle);
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    let c = r.check(CheckCode::Ledger).unwrap();
    assert_eq!((c.outcome, c.code.as_str()), (Outcome::Passed, "ok"));
    assert!(
        c.reason.contains(&format!("block {}", chain.block)),
        "{}",
        c.reason
    );

    // offline: indeterminate with the stated reason
    let r = v.verify(&bytes, NOW);
    assert_eq!(r.verdict, Verdict::Indeterminate);
    let c = r.check(CheckCode::Ledger).unwrap();
    assert_eq!(
        (c.outcome, c.code.as_str()),
        (Outcome::Indeterminate, "chain_not_checked")
    );
    assert!(
        c.reason.starts_with("chain receipt not checked offline"),
        "{}",
        c.reason
    );

    // a forged receipt (wrong block) and an anchor never recorded: invalid online
    let mut forged = bundle.clone();
    forged.chain = Some(certanchor::ChainReceipt {
        block: chain.block + 1,
        ..chain
    });
    let r = v.verify_online(&forged.to_vec(), NOW, &oracle);
    assert_eq!(
        r.check(CheckCode::Ledger).unwrap().code,
        "chain_receipt_mismatch"
    );
    let other = batch("2024-06-evm-never", 2);
    let mut unrecorded = other.bundle(0, None).unwrap();
    unrecorded.chain = Some(chain);
    let r = v.verify_online(&unrecorded.to_vec(), NOW, &oracle);
    assert_eq!(r.check(CheckCode::Ledger).unwrap().code, "not_on_chain");
    assert_eq!(r.verdict, Verdict::Invalid);

    // an oracle on the wrong chain id, or a dead endpoint: indeterminate, not valid
    let wrong = Verifier::new(trust(contract, None));
    let mut odd = bundle.clone();
    odd.chain = Some(certanchor::ChainReceipt {
        chain_id: 5,
        ..chain
    });
    let mut d = wrong.trust_store().doc().clone();
    d.chains[0].chain_id = 5;
    let wrong = Verifier::new(TrustStore::from_doc(d).unwrap());
    let oracle_plain = EvmOracle::new(&e.rpc, 1).unwrap();
    let r = wrong.verify_online(&odd.to_vec(), NOW, &oracle_plain);
    let c = r.check(CheckCode::Ledger).unwrap();
    assert_eq!(
        (c.outcome, c.code.as_str()),
        (Outcome::Indeterminate, "chain_unreachable"),
        "{}",
        c.reason
    );
    let dead = EvmOracle::new("http://127.0.0.1:9", 1).unwrap();
    let r = v.verify_online(&bytes, NOW, &dead);
    assert_eq!(r.verdict, Verdict::Indeterminate);
    assert_eq!(
        r.check(CheckCode::Ledger).unwrap().code,
        "chain_unreachable"
    );
}

#[test]
#[ignore = "needs a local chain (Ganache): run scripts/test-evm.sh"]
fn an_unauthorized_issuer_gets_a_typed_revert() {
    let e = env();
    let contract = registry(&e.rpc, &creation_code(&e), 2, &[3]);
    let mut intruder = EvmLedger::connect(cfg(&e.rpc, contract), KEYS[4]).unwrap();
    assert!(!intruder.is_authorized().unwrap());
    let b = batch("2024-06-evm-intruder", 2);
    let err = intruder.append(b.anchor().as_bytes()).unwrap_err();
    let want = format!("0x{}", hex::encode(address_of(KEYS[4])));
    match &err {
        LedgerError::Unauthorized { account } => assert_eq!(account.to_lowercase(), want),
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    assert_eq!(err.code(), "unauthorized");
    // nothing recorded; the authorized issuer records it fine afterwards
    assert_eq!(intruder.lookup(&b.anchor().id()).unwrap(), None);
    let mut issuer = EvmLedger::connect(cfg(&e.rpc, contract), KEYS[3]).unwrap();
    issuer.append(b.anchor().as_bytes()).unwrap();
    // a non-owner cannot authorize itself
    let err = set_issuer(&cfg(&e.rpc, contract), KEYS[4], address_of(KEYS[4]), true).unwrap_err();
    assert_eq!(err.code(), "rejected", "{err}");
    // deauthorized: refused again, with the earlier record untouched
    set_issuer(&cfg(&e.rpc, contract), KEYS[2], address_of(KEYS[3]), false).unwrap();
    let err = issuer
        .append(batch("2024-06-evm-late", 2).anchor().as_bytes())
        .unwrap_err();
    assert_eq!(err.code(), "unauthorized");
    assert!(issuer.lookup(&b.anchor().id()).unwrap().is_some());
    // a wrong chain id and a missing contract are refused at connect
    let mut c = cfg(&e.rpc, contract);
    c.chain_id = Some(1);
    assert_eq!(
        EvmLedger::connect(c, KEYS[3]).unwrap_err().code(),
        "not_a_ledger"
    );
    assert_eq!(
        EvmLedger::connect(cfg(&e.rpc, [0x42; 20]), KEYS[3])
            .unwrap_err()
            .code(),
        "not_a_ledger"
    );
    assert_eq!(
        EvmLedger::connect(cfg(&e.rpc, contract), "0x1234")
            .unwrap_err()
            .code(),
        "not_a_ledger"
    );
    // garbage anchors never reach the chain
    assert_eq!(
        issuer.append(b"not an anchor").unwrap_err().code(),
        "bad_anchor"
    );
}

#[test]
#[ignore = "needs a local chain (Ganache): run scripts/test-evm.sh"]
fn the_same_anchor_twice_is_refused() {
    let e = env();
    let contract = registry(&e.rpc, &creation_code(&e), 5, &[5]);
    let mut ledger = EvmLedger::connect(cfg(&e.rpc, contract), KEYS[5]).unwrap();
    let a = batch("2024-06-evm-dup-a", 3);
    let b = batch("2024-06-evm-dup-b", 3);
    let c = batch("2024-06-evm-dup-c", 3);
    let first = ledger.append(a.anchor().as_bytes()).unwrap();
    let err = ledger.append(a.anchor().as_bytes()).unwrap_err();
    assert_eq!(
        err,
        LedgerError::Duplicate {
            anchor_id: a.anchor().id().to_hex(),
            index: first.index
        }
    );
    // an endorsement added later changes the COSE bytes, not the anchor id: still a duplicate
    let mut a2 = a.clone();
    a2.endorse(
        &demo_authorities()
            .into_iter()
            .find(|x| x.id == "cn.beijing.gaj")
            .unwrap()
            .key,
        a2.anchor().body().issued_at,
    )
    .unwrap();
    assert_ne!(a2.anchor().as_bytes(), a.anchor().as_bytes());
    assert_eq!(
        ledger.append(a2.anchor().as_bytes()).unwrap_err().code(),
        "duplicate"
    );
    // append_many: a refusal anywhere appends nothing
    let err = ledger
        .append_many(&[b.anchor().as_bytes(), a.anchor().as_bytes()])
        .unwrap_err();
    assert_eq!(err.code(), "duplicate");
    let err = ledger
        .append_many(&[b.anchor().as_bytes(), b.anchor().as_bytes()])
        .unwrap_err();
    assert_eq!(err.code(), "duplicate");
    assert_eq!(ledger.lookup(&b.anchor().id()).unwrap(), None);
    assert_eq!(ledger.size(), 1);
    let rs = ledger
        .append_many(&[b.anchor().as_bytes(), c.anchor().as_bytes()])
        .unwrap();
    assert_eq!(rs.iter().map(|r| r.index).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(ledger.size(), 3);
    // the record is unchanged: first writer, first block
    let rec = ledger.lookup(&a.anchor().id()).unwrap().unwrap();
    assert_eq!(rec.block, first.chain.unwrap().block);
}

#[test]
#[ignore = "needs a local chain (Ganache): run scripts/test-evm.sh"]
fn append_waits_for_the_confirmation_depth() {
    let e = env();
    let contract = registry(&e.rpc, &creation_code(&e), 6, &[7]);
    let mut c = cfg(&e.rpc, contract);
    c.confirmations = 3;
    let mut ledger = EvmLedger::connect(c, KEYS[7]).unwrap();
    let b = batch("2024-06-evm-deep", 2);
    // Ganache mines only on transactions: mine empty blocks meanwhile.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let miner = {
        let (stop, rpc) = (stop.clone(), e.rpc.clone());
        std::thread::spawn(move || {
            let mut mined = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(300));
                raw_rpc(&rpc, "evm_mine", "[]");
                mined += 1;
            }
            mined
        })
    };
    let rc = ledger.append(b.anchor().as_bytes()).unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mined = miner.join().unwrap();
    let head = u64::from_str_radix(
        raw_rpc(&e.rpc, "eth_blockNumber", "[]")["result"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();
    let block = rc.chain.unwrap().block;
    assert!(
        head >= block + 2,
        "acknowledged at head {head} for block {block}"
    );
    assert!(
        mined >= 2,
        "the append returned before two more blocks were mined"
    );
}

/// Ganache on its own port and database directory, killed at will.
struct OwnNode {
    child: Child,
    port: u16,
    db: PathBuf,
    bin: String,
}

impl OwnNode {
    fn start(bin: &str, db: PathBuf, port: u16) -> Self {
        let child = Self::spawn(bin, &db, port);
        let node = Self {
            child,
            port,
            db,
            bin: bin.to_owned(),
        };
        node.wait_ready();
        node
    }

    fn spawn(bin: &str, db: &std::path::Path, port: u16) -> Child {
        Command::new(bin)
            .args([
                "--host",
                "127.0.0.1",
                "--wallet.deterministic",
                "--logging.quiet",
            ])
            .args(["--chain.chainId", "1337", "--port", &port.to_string()])
            .arg("--database.dbPath")
            .arg(db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    fn wait_ready(&self) {
        let t0 = Instant::now();
        while raw_rpc(&self.url(), "eth_chainId", "[]")["result"].is_null() {
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "ganache did not start"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SIGKILL: no chance to flush or shut down cleanly.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn restart(&mut self) {
        self.child = Self::spawn(&self.bin, &self.db, self.port);
        self.wait_ready();
    }
}

impl Drop for OwnNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.db);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
#[ignore = "needs a local chain (Ganache): run scripts/test-evm.sh"]
fn killing_the_node_mid_append_loses_no_acknowledged_anchor() {
    let e = env();
    let bin = std::env::var("CERTANCHOR_EVM_GANACHE")
        .expect("CERTANCHOR_EVM_GANACHE not set: run scripts/test-evm.sh");
    // nothing to talk to: Unavailable, before anything is signed
    let err = EvmLedger::connect(
        cfg(&format!("http://127.0.0.1:{}", free_port()), [1; 20]),
        KEYS[1],
    )
    .unwrap_err();
    assert_eq!(err.code(), "unavailable", "{err}");

    let db = std::env::temp_dir().join(format!("certanchor-ganache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&db);
    let mut node = OwnNode::start(&bin, db, free_port());
    let url = node.url();
    let contract = registry(&url, &creation_code(&e), 0, &[1]);
    let mut ledger = EvmLedger::connect(cfg(&url, contract), KEYS[1]).unwrap();
    let batches: Vec<IssuedBatch> = (0..4)
        .map(|i| batch(&format!("2024-06-kill-{i}"), 3))
        .collect();
    let mut acknowledged = Vec::new();
    for b in &batches[..3] {
        acknowledged.push(ledger.append(b.anchor().as_bytes()).unwrap());
    }

    // The fourth append needs 3 confirmations: on an instamine node that
    // means it is still waiting when the node is killed.
    let mut deep = cfg(&url, contract);
    deep.confirmations = 3;
    let mut waiting = EvmLedger::connect(deep, KEYS[1]).unwrap();
    let fourth = batches[3].anchor().as_bytes().to_vec();
    let handle = std::thread::spawn(move || {
        let t0 = Instant::now();
        let r = waiting.append(&fourth);
        (r, t0.elapsed())
    });
    // kill once the transaction is in a block (the worst moment: recorded, not acknowledged)
    let t0 = Instant::now();
    while ledger.lookup(&batches[3].anchor().id()).unwrap().is_none() {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "fourth append never reached the chain"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    node.kill();
    let (result, took) = handle.join().unwrap();
    let err = result.unwrap_err();
    eprintln!("append with the node killed: {err} (after {took:?})");
    assert!(
        matches!(err, LedgerError::Unconfirmed { .. }),
        "expected Unconfirmed, got {err:?}"
    );
    assert!(err.to_string().contains("check before retrying"));
    assert!(took < Duration::from_secs(25), "took {took:?}");

    // while it is down: typed errors, no panic
    assert_eq!(
        ledger
            .append(batch("2024-06-kill-down", 2).anchor().as_bytes())
            .unwrap_err()
            .code(),
        "unavailable"
    );
    assert_eq!(
        ledger.lookup(&batches[0].anchor().id()).unwrap_err().code(),
        "unavailable"
    );

    // restart on the same database: every acknowledged anchor is there, unchanged
    node.restart();
    let ledger = EvmLedger::connect(cfg(&url, contract), KEYS[1]).unwrap();
    for (b, rc) in batches.iter().zip(&acknowledged) {
        let rec = ledger.lookup(&b.anchor().id()).unwrap().unwrap();
        assert_eq!(
            (rec.root, rec.block),
            (b.anchor().body().root, rc.chain.unwrap().block)
        );
        assert_eq!(&ledger.find_receipt(&b.anchor().id()).unwrap().unwrap(), rc);
    }
    // the unacknowledged one: recorded before the kill, so recoverable; a retry is a duplicate
    let mut ledger = ledger;
    let recovered = ledger.find_receipt(&batches[3].anchor().id()).unwrap();
    let recovered = recovered.expect("the fourth anchor was mined before the kill");
    assert_eq!(recovered.index, 3);
    assert_eq!(
        ledger
            .append(batches[3].anchor().as_bytes())
            .unwrap_err()
            .code(),
        "duplicate"
    );
    assert_eq!(ledger.size(), 4);
}

/// A TCP proxy to the node that slams the door on its first `drop_first`
/// connections, then forwards. Returns its URL and the count of dropped
/// connections.
fn flaky_proxy(
    upstream: &str,
    drop_first: usize,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::Ordering;
    let up = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let dropped = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let d = dropped.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(client) = conn else { continue };
            if d.load(Ordering::SeqCst) < drop_first {
                d.fetch_add(1, Ordering::SeqCst);
                drop(client);
                continue;
            }
            let Ok(server) = std::net::TcpStream::connect(&up) else {
                continue;
            };
            let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut c1, mut s1) = (client, server);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c1, &mut s1);
                let _ = s1.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s2, &mut c2);
                let _ = c2.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (url, dropped)
}

#[test]
#[ignore = "needs a local chain (Ganache): run scripts/test-evm.sh"]
fn transient_rpc_errors_are_retried_with_backoff() {
    let e = env();
    use std::sync::atomic::Ordering;
    // two dropped connections, two retries allowed: the third attempt answers
    let (url, dropped) = flaky_proxy(&e.rpc, 2);
    let oracle = EvmOracle::new(&url, 1).unwrap();
    let t0 = Instant::now();
    assert_eq!(oracle.chain_id().unwrap(), CHAIN_ID);
    assert_eq!(dropped.load(Ordering::SeqCst), 2);
    // backoff 250 ms then 500 ms between the attempts
    assert!(
        t0.elapsed() >= Duration::from_millis(700),
        "{:?}",
        t0.elapsed()
    );
    // three dropped connections exceed the retries: a typed error, not a hang
    let (url, dropped) = flaky_proxy(&e.rpc, 3);
    let oracle = EvmOracle::new(&url, 1).unwrap();
    let err = oracle.chain_id().unwrap_err();
    assert_eq!(err.code(), "unavailable", "{err}");
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
    assert_eq!(dropped.load(Ordering::SeqCst), 3);
}
