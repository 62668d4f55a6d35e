//! `ledger --evm RPC_URL --contract ADDR …`: the anchor registry on an EVM
//! chain (crate `certanchor-ledger-evm`).
//!
//! * `append ANCHOR|BATCH_DIR…` records anchors (key: `--key`, the issuer
//!   account's secp256k1 key file, 64 hex digits). For a batch directory the
//!   anchor is `DIR/anchor.cose` and the chain receipt is saved as
//!   `DIR/chain-receipt.json`, which `prove` then puts into every bundle.
//! * `check ANCHOR|BATCH_DIR…` looks anchors up (no key needed): exit 0 when
//!   all are recorded, 1 otherwise.
//! * `deploy --bytecode AnchorRegistry.bin` and `authorize ADDRESS` are the
//!   registry owner's commands (`--key`: the owner's key).

use certanchor::time;
use std::path::{Path, PathBuf};
use std::time::Duration;

use certanchor::bundle::ChainReceipt;
use certanchor::ledger::Ledger as _;
use certanchor::trust::parse_evm_address;
use certanchor::{Anchor, ChainOracle as _, Hash};
use certanchor_ledger_evm::{EvmConfig, EvmLedger, EvmOracle, deploy_registry, set_issuer};
use clap::Args;
use serde_json::json;

use crate::ledger_cmd::LedgerCommand;
use crate::util::{self, CliError};

const RECEIPT_FILE: &str = "chain-receipt.json";

/// Options of `ledger` that select an EVM chain instead of a directory.
#[derive(Debug, Args)]
pub struct EvmArgs {
    /// JSON-RPC URL of an EVM chain: anchor there instead of a ledger directory
    /// (with --evm every path given to `append` / `check` is an anchor file or a batch directory).
    #[arg(long, global = true, value_name = "RPC_URL")]
    pub evm: Option<String>,
    /// The AnchorRegistry contract address (0x…).
    #[arg(long, global = true, value_name = "ADDR")]
    pub contract: Option<String>,
    /// The chain id the endpoint must serve (refuses another chain).
    #[arg(long, global = true)]
    pub chain_id: Option<u64>,
    /// secp256k1 account key file (64 hex digits): the issuer's for append, the owner's for deploy/authorize.
    #[arg(long = "account-key", global = true, value_name = "FILE")]
    pub account_key: Option<PathBuf>,
    /// Blocks deep a transaction must be before it counts (1 = its own block).
    #[arg(long, global = true, default_value_t = 1)]
    pub confirmations: u64,
    /// Longest wait for a confirmation, seconds.
    #[arg(long, global = true, default_value_t = 120)]
    pub timeout: u64,
    /// Gas price in wei (default: the node's eth_gasPrice).
    #[arg(long, global = true)]
    pub gas_price: Option<u128>,
    /// Gas limit per transaction (default: estimated + 25 %).
    #[arg(long, global = true)]
    pub gas_limit: Option<u64>,
}

fn config(e: &EvmArgs, url: &str, need_contract: bool) -> Result<EvmConfig, CliError> {
    let contract = match &e.contract {
        Some(c) => parse_evm_address(c).ok_or_else(|| {
            CliError::new(
                "invalid_input",
                format!("--contract `{c}` is not 0x + 40 hex digits"),
            )
        })?,
        None if need_contract => {
            return Err(CliError::new("usage", "--evm needs --contract ADDR"));
        }
        None => [0; 20],
    };
    let mut cfg = EvmConfig::new(url, contract);
    cfg.chain_id = e.chain_id;
    cfg.confirmations = e.confirmations.max(1);
    cfg.timeout = Duration::from_secs(e.timeout);
    cfg.gas_price = e.gas_price;
    cfg.gas_limit = e.gas_limit;
    Ok(cfg)
}

fn account_key(e: &EvmArgs) -> Result<String, CliError> {
    let p = e
        .account_key
        .as_ref()
        .ok_or_else(|| CliError::new("usage", "this command needs --account-key FILE"))?;
    util::read_text(p)
}

/// An anchor path: a COSE file, or a batch directory holding `anchor.cose`.
fn load_anchor(p: &Path) -> Result<(Vec<u8>, Anchor, Option<PathBuf>), CliError> {
    let (file, dir) = if p.is_dir() {
        (p.join("anchor.cose"), Some(p.to_path_buf()))
    } else {
        (p.to_path_buf(), None)
    };
    let bytes = util::read(&file)?;
    let a = Anchor::from_slice(&bytes).map_err(|e| CliError::from(e).at(file.display()))?;
    Ok((bytes, a, dir))
}

fn receipt_json(c: &ChainReceipt, anchor_id: &Hash, index: u64) -> serde_json::Value {
    json!({"chain_id": c.chain_id, "contract": c.contract_hex(), "tx": c.tx_hex(),
           "block": c.block, "anchor_id": anchor_id.to_hex(), "index": index})
}

/// Loads `DIR/chain-receipt.json` if there is one.
pub fn load_chain_receipt(dir: &Path) -> Result<Option<ChainReceipt>, CliError> {
    let p = dir.join(RECEIPT_FILE);
    if !p.exists() {
        return Ok(None);
    }
    let bad = || CliError::new("invalid_receipt", format!("{} is malformed", p.display()));
    let j: serde_json::Value = serde_json::from_slice(&util::read(&p)?).map_err(|_| bad())?;
    let s = |k: &str| j.get(k).and_then(serde_json::Value::as_str).ok_or_else(bad);
    let n = |k: &str| j.get(k).and_then(serde_json::Value::as_u64).ok_or_else(bad);
    let tx = s("tx")?;
    Ok(Some(ChainReceipt {
        chain_id: n("chain_id")?,
        contract: parse_evm_address(s("contract")?).ok_or_else(bad)?,
        tx: Hash::from_hex(tx.strip_prefix("0x").unwrap_or(tx)).ok_or_else(bad)?,
        block: n("block")?,
    }))
}

/// Runs a `ledger` subcommand against the chain.
pub fn run(e: &EvmArgs, url: &str, cmd: LedgerCommand, json: bool) -> Result<i32, CliError> {
    match cmd {
        LedgerCommand::Append { dir, anchors } => {
            let cfg = config(e, url, true)?;
            let mut ledger = EvmLedger::connect(cfg, &account_key(e)?)?;
            let paths: Vec<PathBuf> = std::iter::once(dir).chain(anchors).collect();
            let loaded = paths
                .iter()
                .map(|p| load_anchor(p))
                .collect::<Result<Vec<_>, _>>()?;
            let refs: Vec<&[u8]> = loaded.iter().map(|(b, _, _)| b.as_slice()).collect();
            let receipts = ledger.append_many(&refs)?;
            let mut out = Vec::new();
            for ((r, (_, _, dir)), p) in receipts.iter().zip(&loaded).zip(&paths) {
                let Some(c) = r.chain else {
                    return Err(CliError::new(
                        "inconsistent",
                        "the ledger returned no chain receipt",
                    ));
                };
                let j = receipt_json(&c, &r.anchor_id, r.index);
                if let Some(d) = dir {
                    util::write_atomic(
                        &d.join(RECEIPT_FILE),
                        (j.to_string() + "\n").as_bytes(),
                        false,
                    )?;
                }
                if !json {
                    println!(
                        "{} -> chain {} block {} tx {} (record {})",
                        p.display(),
                        c.chain_id,
                        c.block,
                        c.tx_hex(),
                        r.index
                    );
                }
                out.push(json!({"anchor": p, "receipt": j}));
            }
            if json {
                util::print_json(&json!(out));
            }
            Ok(0)
        }
        LedgerCommand::Check { dir, anchors } => {
            let cfg = config(e, url, true)?;
            let oracle = EvmOracle::new(url, cfg.confirmations)?;
            let chain_id = match e.chain_id {
                Some(c) => c,
                None => oracle.chain_id()?,
            };
            let paths: Vec<PathBuf> = std::iter::once(dir).chain(anchors).collect();
            let mut all = true;
            let mut out = Vec::new();
            for p in &paths {
                let (_, a, _) = load_anchor(p)?;
                let rec = oracle
                    .anchored(chain_id, &cfg.contract, &a.id())
                    .map_err(|m| CliError::new("unavailable", m))?;
                let body = a.body();
                let state = match &rec {
                    None => "not recorded",
                    Some(r) if r.root != body.root || r.tree_size != body.tree_size => "MISMATCH",
                    Some(_) => "recorded",
                };
                all &= state == "recorded";
                if json {
                    out.push(
                        json!({"anchor": p, "anchor_id": a.id().to_hex(), "state": state,
                        "block": rec.map(|r| r.block), "timestamp": rec.map(|r| r.timestamp),
                        "issuer": rec.map(|r| format!("0x{}", hex::encode(r.issuer)))}),
                    );
                } else {
                    match rec {
                        Some(r) => println!(
                            "{}: {state} in block {} at {} by 0x{}",
                            p.display(),
                            r.block,
                            time::format(r.timestamp),
                            hex::encode(r.issuer)
                        ),
                        None => println!("{}: {state}", p.display()),
                    }
                }
            }
            if json {
                util::print_json(&json!(out));
            }
            Ok(if all { 0 } else { 1 })
        }
        LedgerCommand::Deploy { bytecode } => {
            let cfg = config(e, url, false)?;
            let code = util::read(&bytecode)?;
            let addr = deploy_registry(&cfg, &account_key(e)?, &code)?;
            let a = format!("0x{}", hex::encode(addr));
            if json {
                util::print_json(&json!({"contract": a}));
            } else {
                println!("{a}");
            }
            Ok(0)
        }
        LedgerCommand::Authorize { address, revoke } => {
            let cfg = config(e, url, true)?;
            let who = parse_evm_address(&address).ok_or_else(|| {
                CliError::new(
                    "invalid_input",
                    format!("`{address}` is not 0x + 40 hex digits"),
                )
            })?;
            set_issuer(&cfg, &account_key(e)?, who, !revoke)?;
            if json {
                util::print_json(&json!({"issuer": address, "authorized": !revoke}));
            } else {
                println!(
                    "{address} {}",
                    if revoke { "deauthorized" } else { "authorized" }
                );
            }
            Ok(0)
        }
        _ => Err(CliError::new(
            "usage",
            "with --evm only append, check, deploy and authorize apply",
        )),
    }
}
