//! Anchoring certanchor batches on an EVM-compatible chain that serves
//! Ethereum JSON-RPC through the `AnchorRegistry` contract
//! (`contracts/AnchorRegistry.sol`), and checking such anchors. Tested
//! against a local Ganache chain; a FISCO BCOS Web3 gateway should work but
//! is untested, and ChainMaker (gRPC, certificate-signed transactions) has
//! no adapter.
//!
//! * [`EvmLedger`] implements the core's [`Ledger`] trait: `append` records
//!   `(anchor id, root, tree size, batch)` in the registry with a transaction
//!   signed by a secp256k1 account key, waits until the transaction is
//!   `confirmations` blocks deep, reads the record back, and only then returns
//!   a [`Receipt`] whose [`Receipt::chain`] says chain id, contract,
//!   transaction and block. It never acknowledges an anchor it has not seen
//!   confirmed in the registry.
//! * [`EvmOracle`] implements the core's [`ChainOracle`] for
//!   [`certanchor::Verifier::verify_online`]: it reads `anchoredAt` from a
//!   confirmed block.
//!
//! Both are blocking: each owns a small single-threaded tokio runtime, so
//! the synchronous core traits fit. Transient RPC failures (connection
//! refused, timeouts, HTTP 429/5xx) are retried with exponential backoff;
//! reverts map to typed [`LedgerError`]s: [`LedgerError::Unauthorized`],
//! [`LedgerError::Duplicate`], [`LedgerError::Rejected`]. A node that stays
//! down gives [`LedgerError::Unavailable`] before anything was submitted and
//! [`LedgerError::Unconfirmed`] after (the anchor may or may not be recorded:
//! [`EvmLedger::lookup`] tells).
//!
//! ```no_run
//! use certanchor::ledger::Ledger as _;
//! use certanchor_ledger_evm::{EvmConfig, EvmLedger};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let anchor_bytes: Vec<u8> = vec![];
//! let contract = certanchor::trust::parse_evm_address("0x5FbDB2315678afecb367f032d93F642f64180aa3")
//!     .ok_or("bad address")?;
//! let mut cfg = EvmConfig::new("http://127.0.0.1:8545", contract);
//! cfg.confirmations = 3;
//! let key = std::fs::read_to_string("issuer.key")?; // 0x + 64 hex digits
//! let mut ledger = EvmLedger::connect(cfg, &key)?;
//! let receipt = ledger.append(&anchor_bytes)?;
//! println!("recorded in block {}", receipt.chain.map_or(0, |c| c.block));
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

use std::cell::Cell;
use std::future::Future;
use std::str::FromStr as _;
use std::time::{Duration, Instant};

use alloy::eips::{BlockId, BlockNumberOrTag, Encodable2718 as _};
use alloy::network::{
    EthereumWallet, NetworkTransactionBuilder as _, ReceiptResponse as _, TransactionBuilder as _,
};
use alloy::primitives::{Address, B256, Bytes, TxKind};
use alloy::providers::{Provider as _, RootProvider};
use alloy::rpc::client::RpcClient;
use alloy::rpc::types::{Filter, TransactionReceipt, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::{SolCall as _, SolEvent as _, SolInterface as _};
use alloy::transports::http::reqwest;
use alloy::transports::{RpcError, TransportErrorKind};
use certanchor::bundle::ChainReceipt;
use certanchor::ledger::{Ledger, Receipt};
use certanchor::merkle::InclusionProof;
use certanchor::trust::TrustStore;
use certanchor::verify::{ChainOracle, ChainRecord};
use certanchor::{Anchor, Hash, LedgerError};

alloy::sol! {
    /// The `AnchorRegistry` contract's interface (contracts/AnchorRegistry.sol;
    /// a test checks it against the ABI solc produces).
    #[derive(Debug, PartialEq, Eq)]
    interface AnchorRegistry {
        /// The caller is not the owner.
        error NotOwner(address caller);
        /// The caller is not an authorized issuer.
        error Unauthorized(address caller);
        /// The anchor id is already recorded.
        error AlreadyAnchored(bytes32 anchorId, uint64 blockNumber, address issuer);
        /// Zero id, root or tree size, or a batch name over 256 bytes.
        error InvalidAnchor();

        /// An anchor was recorded.
        event Anchored(bytes32 indexed anchorId, address indexed issuer, bytes32 root, uint64 treeSize, uint64 index, string batch);
        /// An issuer was authorized or deauthorized.
        event IssuerSet(address indexed issuer, bool allowed);
        /// Ownership moved.
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

        /// The owner account.
        function owner() external view returns (address);
        /// Whether an account may record.
        function authorized(address account) external view returns (bool);
        /// Number of records.
        function count() external view returns (uint64);
        /// Longest batch name, bytes.
        function MAX_BATCH_LEN() external view returns (uint256);
        /// Authorizes or deauthorizes an issuer (owner only).
        function setIssuer(address issuer, bool allowed) external;
        /// Hands the registry to a new owner (owner only).
        function transferOwnership(address newOwner) external;
        /// Records an anchor once.
        function record(bytes32 anchorId, bytes32 root, uint64 treeSize, string batch) external returns (uint64 index);
        /// Where and by whom an anchor was recorded; zeros when it was not.
        function anchoredAt(bytes32 anchorId) external view returns (uint64 blockNumber, uint64 timestamp, address issuer, bytes32 root, uint64 treeSize);
        /// Record index of an anchor.
        function indexOf(bytes32 anchorId) external view returns (bool found, uint64 index);
    }
}

/// Longest batch name the registry accepts, bytes.
pub const MAX_BATCH_LEN: usize = 256;

/// Where and how to talk to the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmConfig {
    /// JSON-RPC endpoint (`http://…`; `https://…` needs the `tls` feature).
    pub rpc_url: String,
    /// The `AnchorRegistry` contract address.
    pub contract: [u8; 20],
    /// The chain id the endpoint must report; `None` accepts whatever
    /// `eth_chainId` says (and signs for it).
    pub chain_id: Option<u64>,
    /// Blocks that must hold the transaction (its own block counts as 1)
    /// before an append is acknowledged. At least 1. Pick by the chain's
    /// finality: 1 on BFT chains with instant finality (such as FISCO BCOS
    /// with PBFT), more on proof-of-work or proof-of-stake chains.
    pub confirmations: u64,
    /// Longest wait from submission to confirmation.
    pub timeout: Duration,
    /// Interval between receipt / block-number polls.
    pub poll_interval: Duration,
    /// Timeout of one RPC request.
    pub request_timeout: Duration,
    /// Retries of one RPC request on a transient error (so `retries + 1` attempts).
    pub retries: u32,
    /// First backoff delay; doubles on each retry, capped at 8 s.
    pub backoff: Duration,
    /// Gas limit of a `record` transaction; `None`: `eth_estimateGas` + 25 %.
    pub gas_limit: Option<u64>,
    /// Gas price in wei (legacy transactions, accepted by every EVM chain);
    /// `None`: `eth_gasPrice`. Zero-gas-price chains (common on consortium
    /// chains) report 0.
    pub gas_price: Option<u128>,
}

impl EvmConfig {
    /// Defaults: 1 confirmation, 120 s timeout, 500 ms polls, 10 s requests,
    /// 5 retries from 250 ms, estimated gas, the node's gas price.
    #[must_use]
    pub fn new(rpc_url: impl Into<String>, contract: [u8; 20]) -> Self {
        Self {
            rpc_url: rpc_url.into(),
            contract,
            chain_id: None,
            confirmations: 1,
            timeout: Duration::from_secs(120),
            poll_interval: Duration::from_millis(500),
            request_timeout: Duration::from_secs(10),
            retries: 5,
            backoff: Duration::from_millis(250),
            gas_limit: None,
            gas_price: None,
        }
    }
}

/// An RPC failure, classified.
enum Failure {
    /// The node could not be reached or answered with a retryable error.
    Transient(String),
    /// The call or transaction reverted; the revert data if the node gave it.
    Revert(Option<Bytes>, String),
    /// Any other error the node returned.
    Other(String),
}

impl Failure {
    fn text(&self) -> &str {
        match self {
            Self::Transient(s) | Self::Revert(_, s) | Self::Other(s) => s,
        }
    }
}

fn classify(e: &RpcError<TransportErrorKind>) -> Failure {
    match e {
        RpcError::Transport(_) => Failure::Transient(e.to_string()),
        RpcError::ErrorResp(p) if p.message.contains("revert") => {
            Failure::Revert(p.as_revert_data(), p.message.to_string())
        }
        RpcError::ErrorResp(p) if p.is_retry_err() => Failure::Transient(e.to_string()),
        _ => Failure::Other(e.to_string()),
    }
}

/// A JSON-RPC connection with its own runtime, retries and backoff.
#[derive(Debug)]
struct Rpc {
    rt: tokio::runtime::Runtime,
    provider: RootProvider,
    url: String,
    retries: u32,
    backoff: Duration,
}

impl Rpc {
    fn new(
        url: &str,
        request_timeout: Duration,
        retries: u32,
        backoff: Duration,
    ) -> Result<Self, LedgerError> {
        let unavailable = |reason: String| LedgerError::Unavailable { reason };
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| unavailable(format!("bad RPC URL `{url}`: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(unavailable(format!(
                "RPC URL `{url}` must be http:// or https://"
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(request_timeout)
            .connect_timeout(request_timeout)
            .build()
            .map_err(|e| unavailable(format!("HTTP client: {e}")))?;
        let provider = RootProvider::new(RpcClient::new_http_with_client(client, parsed));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| unavailable(format!("runtime: {e}")))?;
        Ok(Self {
            rt,
            provider,
            url: url.to_owned(),
            retries,
            backoff,
        })
    }

    /// Runs one RPC request, retrying transient failures with backoff.
    ///
    /// Our own loop rather than alloy's `RetryBackoffLayer`: in alloy 2.5.0
    /// its default policy retries HTTP 429 and 503 and rate-limit error
    /// payloads only (not a refused connection, a timeout or a 500/502/504,
    /// which `classify` calls transient), waits a fixed backoff rather than
    /// a doubling one, and honours server hints of up to 5 minutes, where
    /// this loop sleeps at most 0.25 + 0.5 + 1 + 2 + 4 = 7.75 s over the
    /// default 5 retries.
    fn run<T, F, Fut>(&self, what: &str, f: F) -> Result<T, Failure>
    where
        F: Fn(RootProvider) -> Fut,
        Fut: Future<Output = Result<T, RpcError<TransportErrorKind>>>,
    {
        self.rt.block_on(async {
            let mut delay = self.backoff;
            let mut attempt = 0;
            loop {
                match f(self.provider.clone()).await {
                    Ok(v) => return Ok(v),
                    Err(e) => match classify(&e) {
                        Failure::Transient(_) if attempt < self.retries => {
                            attempt += 1;
                            tokio::time::sleep(delay).await;
                            delay = (delay * 2).min(Duration::from_secs(8));
                        }
                        Failure::Transient(msg) => {
                            return Err(Failure::Transient(format!(
                                "{what} at {}: {msg} (after {} attempts)",
                                self.url,
                                attempt + 1
                            )));
                        }
                        other => return Err(other),
                    },
                }
            }
        })
    }

    fn sleep(&self, d: Duration) {
        self.rt.block_on(async move { tokio::time::sleep(d).await });
    }

    fn chain_id(&self) -> Result<u64, Failure> {
        self.run("eth_chainId", |p| async move { p.get_chain_id().await })
    }

    fn block_number(&self) -> Result<u64, Failure> {
        self.run(
            "eth_blockNumber",
            |p| async move { p.get_block_number().await },
        )
    }

    /// `eth_call` of `data` on `to` from `from`, at `block`.
    fn call(
        &self,
        from: Option<Address>,
        to: Address,
        data: Vec<u8>,
        block: BlockId,
    ) -> Result<Bytes, Failure> {
        let mut tx = TransactionRequest::default().with_to(to).with_input(data);
        if let Some(f) = from {
            tx = tx.with_from(f);
        }
        self.run("eth_call", |p| {
            let tx = tx.clone();
            async move { p.call(tx).block(block).await }
        })
    }

    fn anchored_at(
        &self,
        contract: Address,
        id: &Hash,
        block: BlockId,
    ) -> Result<Option<ChainRecord>, Failure> {
        let data = AnchorRegistry::anchoredAtCall {
            anchorId: B256::from(id.0),
        }
        .abi_encode();
        let out = self.call(None, contract, data, block)?;
        let r = AnchorRegistry::anchoredAtCall::abi_decode_returns(&out).map_err(|e| {
            Failure::Other(format!(
                "anchoredAt returned undecodable data ({e}): is {contract} an AnchorRegistry?"
            ))
        })?;
        if r.issuer == Address::ZERO {
            return Ok(None);
        }
        Ok(Some(ChainRecord {
            block: r.blockNumber,
            timestamp: r.timestamp,
            issuer: r.issuer.into_array(),
            root: Hash(r.root.0),
            tree_size: r.treeSize,
        }))
    }

    fn index_of(
        &self,
        contract: Address,
        id: &Hash,
        block: BlockId,
    ) -> Result<Option<u64>, Failure> {
        let data = AnchorRegistry::indexOfCall {
            anchorId: B256::from(id.0),
        }
        .abi_encode();
        let out = self.call(None, contract, data, block)?;
        let r = AnchorRegistry::indexOfCall::abi_decode_returns(&out)
            .map_err(|e| Failure::Other(format!("indexOf returned undecodable data: {e}")))?;
        Ok(r.found.then_some(r.index))
    }

    fn receipt(&self, tx: B256) -> Result<Option<TransactionReceipt>, Failure> {
        self.run("eth_getTransactionReceipt", |p| async move {
            p.get_transaction_receipt(tx).await
        })
    }

    /// Checks that `contract` has code (an undeployed address answers every
    /// `eth_call` with empty data).
    fn has_code(&self, contract: Address) -> Result<bool, Failure> {
        let code = self.run(
            "eth_getCode",
            |p| async move { p.get_code_at(contract).await },
        )?;
        Ok(!code.is_empty())
    }
}

fn unavailable(f: Failure) -> LedgerError {
    LedgerError::Unavailable {
        reason: f.text().to_owned(),
    }
}

fn hex0x(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

/// The anchor fields the registry records.
struct Entry {
    id: Hash,
    root: Hash,
    tree_size: u64,
    batch: String,
}

impl Entry {
    fn parse(anchor: &[u8]) -> Result<Self, LedgerError> {
        let a = Anchor::from_slice(anchor)?;
        let b = a.body();
        if b.batch.len() > MAX_BATCH_LEN {
            return Err(LedgerError::Rejected {
                reason: format!(
                    "batch name is {} bytes, the registry takes at most {MAX_BATCH_LEN}",
                    b.batch.len()
                ),
            });
        }
        if b.tree_size == 0 {
            return Err(LedgerError::Rejected {
                reason: "the anchor's tree is empty".into(),
            });
        }
        Ok(Self {
            id: a.id(),
            root: b.root,
            tree_size: b.tree_size,
            batch: b.batch.clone(),
        })
    }

    fn calldata(&self) -> Vec<u8> {
        AnchorRegistry::recordCall {
            anchorId: B256::from(self.id.0),
            root: B256::from(self.root.0),
            treeSize: self.tree_size,
            batch: self.batch.clone(),
        }
        .abi_encode()
    }
}

/// An anchor ledger on an EVM chain: the `AnchorRegistry` contract, written
/// with one issuer account.
///
/// What the core's [`Ledger`] trait asks beyond appends does not exist on a
/// registry: it keeps anchor ids, roots and tree sizes, not anchor bytes, and
/// signs no checkpoints (the chain's consensus is the commitment).
/// [`Ledger::checkpoint`], [`Ledger::inclusion_proof`],
/// [`Ledger::consistency_proof`] and [`Ledger::get`] answer
/// [`LedgerError::Unsupported`].
#[derive(Debug)]
pub struct EvmLedger {
    rpc: Rpc,
    cfg: EvmConfig,
    wallet: EthereumWallet,
    account: Address,
    contract: Address,
    chain_id: u64,
    size: Cell<u64>,
}

impl EvmLedger {
    /// Connects to the endpoint, checks the chain id (when configured) and
    /// that the contract is deployed. `key`: the issuer account's secp256k1
    /// private key, 64 hex digits with or without `0x` (surrounding
    /// whitespace ignored).
    ///
    /// # Errors
    /// [`LedgerError::NotALedger`] for a bad key, a wrong chain id or no
    /// contract at the address; [`LedgerError::Unavailable`] when the node
    /// cannot be reached.
    pub fn connect(cfg: EvmConfig, key: &str) -> Result<Self, LedgerError> {
        let signer =
            PrivateKeySigner::from_str(key.trim()).map_err(|_| LedgerError::NotALedger {
                path: "signing key".into(),
                reason: "not a secp256k1 private key (64 hex digits)".into(),
            })?;
        let account = signer.address();
        let rpc = Rpc::new(&cfg.rpc_url, cfg.request_timeout, cfg.retries, cfg.backoff)?;
        let chain_id = rpc.chain_id().map_err(unavailable)?;
        if let Some(want) = cfg.chain_id
            && want != chain_id
        {
            return Err(LedgerError::NotALedger {
                path: cfg.rpc_url.clone(),
                reason: format!("the endpoint serves chain {chain_id}, not chain {want}"),
            });
        }
        let contract = Address::from(cfg.contract);
        if !rpc.has_code(contract).map_err(unavailable)? {
            return Err(LedgerError::NotALedger {
                path: cfg.rpc_url.clone(),
                reason: format!("no contract at {contract} on chain {chain_id}"),
            });
        }
        let mut cfg = cfg;
        cfg.confirmations = cfg.confirmations.max(1);
        let ledger = Self {
            rpc,
            cfg,
            wallet: EthereumWallet::from(signer),
            account,
            contract,
            chain_id,
            size: Cell::new(0),
        };
        ledger.refresh_size();
        Ok(ledger)
    }

    /// The issuer account's address.
    #[must_use]
    pub fn account(&self) -> [u8; 20] {
        self.account.into_array()
    }

    /// The chain id the endpoint reported.
    #[must_use]
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &EvmConfig {
        &self.cfg
    }

    /// Whether this ledger's account may record (`authorized(account)`).
    ///
    /// # Errors
    /// [`LedgerError::Unavailable`].
    pub fn is_authorized(&self) -> Result<bool, LedgerError> {
        let data = AnchorRegistry::authorizedCall {
            account: self.account,
        }
        .abi_encode();
        let out = self
            .rpc
            .call(None, self.contract, data, BlockId::latest())
            .map_err(unavailable)?;
        AnchorRegistry::authorizedCall::abi_decode_returns(&out).map_err(|e| {
            LedgerError::NotALedger {
                path: hex0x(&self.cfg.contract),
                reason: format!("authorized() returned undecodable data: {e}"),
            }
        })
    }

    /// The registry's record of an anchor as of the latest confirmed block
    /// (`confirmations` deep), or `None`.
    ///
    /// # Errors
    /// [`LedgerError::Unavailable`].
    pub fn lookup(&self, anchor_id: &Hash) -> Result<Option<ChainRecord>, LedgerError> {
        let block = self.confirmed_block()?;
        self.rpc
            .anchored_at(self.contract, anchor_id, block)
            .map_err(unavailable)
    }

    /// Rebuilds the receipt of an anchor already recorded (confirmed) in the
    /// registry, from its `Anchored` event: what to use after an append
    /// ended in [`LedgerError::Unconfirmed`] and the anchor turned out to be
    /// recorded. `None` when the registry has no confirmed record.
    ///
    /// # Errors
    /// [`LedgerError::Unavailable`]; [`LedgerError::Inconsistent`] if the
    /// record exists without its event.
    pub fn find_receipt(&self, anchor_id: &Hash) -> Result<Option<Receipt>, LedgerError> {
        let Some(rec) = self.lookup(anchor_id)? else {
            return Ok(None);
        };
        let filter = Filter::new()
            .address(self.contract)
            .event_signature(AnchorRegistry::Anchored::SIGNATURE_HASH)
            .topic1(B256::from(anchor_id.0))
            .from_block(rec.block)
            .to_block(rec.block);
        let logs = self
            .rpc
            .run("eth_getLogs", |p| {
                let filter = filter.clone();
                async move { p.get_logs(&filter).await }
            })
            .map_err(unavailable)?;
        let Some(log) = logs.first() else {
            return Err(LedgerError::Inconsistent {
                reason: format!(
                    "anchor {anchor_id} is recorded in block {} without its event",
                    rec.block
                ),
            });
        };
        let event = log.log_decode::<AnchorRegistry::Anchored>().map_err(|e| {
            LedgerError::Inconsistent {
                reason: format!("undecodable Anchored event: {e}"),
            }
        })?;
        let tx = log
            .transaction_hash
            .ok_or_else(|| LedgerError::Inconsistent {
                reason: "the Anchored event has no transaction hash".into(),
            })?;
        let index = event.inner.data.index;
        Ok(Some(self.receipt_for(*anchor_id, index, tx, rec.block)))
    }

    fn receipt_for(&self, anchor_id: Hash, index: u64, tx: B256, block: u64) -> Receipt {
        Receipt {
            index,
            anchor_id,
            checkpoint: String::new(),
            tree_size: index.saturating_add(1),
            path: Vec::new(),
            chain: Some(ChainReceipt {
                chain_id: self.chain_id,
                contract: self.cfg.contract,
                tx: Hash(tx.0),
                block,
            }),
        }
    }

    /// The newest block at least `confirmations` deep.
    fn confirmed_block(&self) -> Result<BlockId, LedgerError> {
        let head = self.rpc.block_number().map_err(unavailable)?;
        Ok(BlockId::Number(BlockNumberOrTag::Number(
            head.saturating_sub(self.cfg.confirmations - 1),
        )))
    }

    fn refresh_size(&self) {
        let data = AnchorRegistry::countCall {}.abi_encode();
        if let Ok(out) = self.rpc.call(None, self.contract, data, BlockId::latest())
            && let Ok(n) = AnchorRegistry::countCall::abi_decode_returns(&out)
        {
            self.size.set(n);
        }
    }

    /// Maps a revert of `record` to a typed error.
    fn revert_error(&self, entry: &Entry, data: Option<&Bytes>, message: &str) -> LedgerError {
        let decoded = data.and_then(|d| AnchorRegistry::AnchorRegistryErrors::abi_decode(d).ok());
        match decoded {
            Some(AnchorRegistry::AnchorRegistryErrors::Unauthorized(e)) => LedgerError::Unauthorized {
                account: e.caller.to_string(),
            },
            Some(AnchorRegistry::AnchorRegistryErrors::AlreadyAnchored(_)) => self.duplicate(entry),
            Some(AnchorRegistry::AnchorRegistryErrors::InvalidAnchor(_)) => LedgerError::Rejected {
                reason: "the registry refused the anchor as invalid (zero id, root or size, or batch name too long)".into(),
            },
            Some(AnchorRegistry::AnchorRegistryErrors::NotOwner(e)) => LedgerError::Rejected {
                reason: format!("{} is not the registry's owner", e.caller),
            },
            None => LedgerError::Rejected {
                reason: format!("the registry reverted: {message}"),
            },
        }
    }

    fn duplicate(&self, entry: &Entry) -> LedgerError {
        let index = self
            .rpc
            .index_of(self.contract, &entry.id, BlockId::latest())
            .ok()
            .flatten()
            .unwrap_or(u64::MAX);
        LedgerError::Duplicate {
            anchor_id: entry.id.to_hex(),
            index,
        }
    }

    /// Simulates `record` from our account: refusals (unauthorized,
    /// duplicate, invalid) surface here, before anything is signed.
    fn simulate(&self, entry: &Entry) -> Result<(), LedgerError> {
        match self.rpc.call(
            Some(self.account),
            self.contract,
            entry.calldata(),
            BlockId::latest(),
        ) {
            Ok(_) => Ok(()),
            Err(Failure::Revert(data, msg)) => Err(self.revert_error(entry, data.as_ref(), &msg)),
            Err(Failure::Transient(msg)) => Err(LedgerError::Unavailable { reason: msg }),
            Err(Failure::Other(msg)) => Err(LedgerError::Rejected {
                reason: format!("simulating record(): {msg}"),
            }),
        }
    }

    /// The account's next (pending) nonce and the gas price: the configured
    /// one, or the node's.
    fn nonce_and_gas_price(&self) -> Result<(u64, u128), LedgerError> {
        let nonce = self
            .rpc
            .run("eth_getTransactionCount", |p| {
                let a = self.account;
                async move { p.get_transaction_count(a).pending().await }
            })
            .map_err(unavailable)?;
        let gas_price = match self.cfg.gas_price {
            Some(g) => g,
            None => self
                .rpc
                .run("eth_gasPrice", |p| async move { p.get_gas_price().await })
                .map_err(unavailable)?,
        };
        Ok((nonce, gas_price))
    }

    /// Builds and signs the `record` transaction.
    fn sign(&self, entry: &Entry) -> Result<(B256, Vec<u8>), LedgerError> {
        let (nonce, gas_price) = self.nonce_and_gas_price()?;
        let mut tx = TransactionRequest::default()
            .with_from(self.account)
            .with_kind(TxKind::Call(self.contract))
            .with_input(entry.calldata())
            .with_nonce(nonce)
            .with_gas_price(gas_price)
            .with_chain_id(self.chain_id);
        let gas = match self.cfg.gas_limit {
            Some(g) => g,
            None => {
                let est = self
                    .rpc
                    .run("eth_estimateGas", |p| {
                        let tx = tx.clone();
                        async move { p.estimate_gas(tx).await }
                    })
                    .map_err(|f| match f {
                        Failure::Revert(data, msg) => self.revert_error(entry, data.as_ref(), &msg),
                        f => unavailable(f),
                    })?;
                est.saturating_add(est / 4)
            }
        };
        tx = tx.with_gas_limit(gas);
        let envelope =
            self.rpc
                .rt
                .block_on(tx.build(&self.wallet))
                .map_err(|e| LedgerError::Rejected {
                    reason: format!("could not sign the transaction: {e}"),
                })?;
        Ok((*envelope.tx_hash(), envelope.encoded_2718()))
    }

    fn unconfirmed(entry: &Entry, tx: B256, why: impl std::fmt::Display) -> LedgerError {
        LedgerError::Unconfirmed {
            anchor_id: if entry.tree_size == 0 {
                "(none: an owner transaction)".into()
            } else {
                entry.id.to_hex()
            },
            reason: format!("transaction {tx}: {why}"),
        }
    }

    /// Sends the signed bytes (the same bytes on every retry, so a resend
    /// can never record twice) and waits for confirmation.
    fn submit(&self, entry: &Entry) -> Result<Receipt, LedgerError> {
        self.simulate(entry)?;
        let (hash, raw) = self.sign(entry)?;
        let deadline = Instant::now() + self.cfg.timeout;
        let sent = self.rpc.run("eth_sendRawTransaction", |p| {
            let raw = raw.clone();
            async move {
                p.send_raw_transaction(&raw)
                    .await
                    .map(|pending| *pending.tx_hash())
            }
        });
        match sent {
            Ok(_) => {}
            // The node may have taken it before failing: not acknowledged, not refused.
            Err(Failure::Transient(msg)) => return Err(Self::unconfirmed(entry, hash, msg)),
            Err(Failure::Revert(data, msg)) => {
                return Err(self.revert_error(entry, data.as_ref(), &msg));
            }
            Err(Failure::Other(msg)) => {
                let known = [
                    "already known",
                    "known transaction",
                    "nonce too low",
                    "already imported",
                ];
                let refused = || LedgerError::Rejected {
                    reason: format!("the node refused transaction {hash}: {msg}"),
                };
                if !known.iter().any(|k| msg.to_lowercase().contains(k)) {
                    return Err(refused());
                }
                // Either an earlier attempt got through (the node knows our
                // hash: wait for it like any other), or another transaction
                // of this account took the nonce (it never will: refuse now
                // rather than time out).
                let seen = self
                    .rpc
                    .run("eth_getTransactionByHash", |p| async move {
                        p.get_transaction_by_hash(hash).await
                    })
                    .map_err(|f| Self::unconfirmed(entry, hash, f.text()))?;
                if seen.is_none() {
                    return Err(refused());
                }
            }
        }
        self.wait(entry, hash, deadline)
    }

    /// Polls until the transaction is `confirmations` deep, then reads the
    /// record back from the registry at that depth.
    fn wait(&self, entry: &Entry, hash: B256, deadline: Instant) -> Result<Receipt, LedgerError> {
        loop {
            if Instant::now() >= deadline {
                return Err(Self::unconfirmed(
                    entry,
                    hash,
                    format!(
                        "not {} block(s) deep after {:?}",
                        self.cfg.confirmations, self.cfg.timeout
                    ),
                ));
            }
            let rc = self
                .rpc
                .receipt(hash)
                .map_err(|f| Self::unconfirmed(entry, hash, f.text()))?;
            let Some(rc) = rc else {
                self.rpc.sleep(self.cfg.poll_interval);
                continue;
            };
            let (Some(block), Some(block_hash)) = (rc.block_number(), rc.block_hash()) else {
                self.rpc.sleep(self.cfg.poll_interval);
                continue;
            };
            if !rc.status() {
                // Reverted after inclusion (e.g. another issuer recorded the
                // same anchor first, or the account was deauthorized).
                return Err(match self.simulate(entry) {
                    Err(e) => e,
                    Ok(()) => LedgerError::Rejected {
                        reason: format!("transaction {hash} reverted in block {block}"),
                    },
                });
            }
            let head = self
                .rpc
                .block_number()
                .map_err(|f| Self::unconfirmed(entry, hash, f.text()))?;
            if head.saturating_add(1) < block.saturating_add(self.cfg.confirmations) {
                self.rpc.sleep(self.cfg.poll_interval);
                continue;
            }
            // Deep enough: the receipt must still be in the same block (no reorg) ...
            let again = self
                .rpc
                .receipt(hash)
                .map_err(|f| Self::unconfirmed(entry, hash, f.text()))?;
            if again.as_ref().and_then(|r| r.block_hash()) != Some(block_hash) {
                self.rpc.sleep(self.cfg.poll_interval);
                continue;
            }
            // ... and the registry, read at that depth, must hold exactly our record.
            let at = BlockId::Number(BlockNumberOrTag::Number(
                head.saturating_sub(self.cfg.confirmations - 1),
            ));
            let rec = self
                .rpc
                .anchored_at(self.contract, &entry.id, at)
                .map_err(|f| Self::unconfirmed(entry, hash, f.text()))?;
            let index = self
                .rpc
                .index_of(self.contract, &entry.id, at)
                .map_err(|f| Self::unconfirmed(entry, hash, f.text()))?;
            return match (rec, index) {
                (Some(r), Some(index))
                    if r.issuer == self.account.into_array()
                        && r.root == entry.root
                        && r.tree_size == entry.tree_size
                        && r.block == block =>
                {
                    self.size.set(self.size.get().max(index.saturating_add(1)));
                    Ok(self.receipt_for(entry.id, index, hash, block))
                }
                (r, _) => Err(LedgerError::Inconsistent {
                    reason: format!(
                        "transaction {hash} succeeded in block {block} but the registry holds {r:?} for anchor {}",
                        entry.id
                    ),
                }),
            };
        }
    }
}

impl Ledger for EvmLedger {
    /// Records the anchor and returns once the transaction is `confirmations`
    /// deep and the registry, read back at that depth, holds it.
    fn append(&mut self, anchor: &[u8]) -> Result<Receipt, LedgerError> {
        let entry = Entry::parse(anchor)?;
        self.submit(&entry)
    }

    /// Appends one after the other, after checking every anchor first (decode,
    /// no duplicate in the list, a successful simulation of each), so a
    /// refusal appends nothing. A node failure midway leaves the earlier
    /// anchors recorded and acknowledged by nobody: [`EvmLedger::find_receipt`]
    /// recovers their receipts.
    fn append_many(&mut self, anchors: &[&[u8]]) -> Result<Vec<Receipt>, LedgerError> {
        let entries = anchors
            .iter()
            .map(|a| Entry::parse(a))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, e) in entries.iter().enumerate() {
            if let Some(j) = entries.iter().take(i).position(|p| p.id == e.id) {
                return Err(LedgerError::Duplicate {
                    anchor_id: e.id.to_hex(),
                    index: j as u64,
                });
            }
            self.simulate(e)?;
        }
        entries.iter().map(|e| self.submit(e)).collect()
    }

    /// The registry's record count (the last known one if the node is down).
    fn size(&self) -> u64 {
        self.refresh_size();
        self.size.get()
    }

    fn checkpoint(&self) -> Result<String, LedgerError> {
        Err(LedgerError::Unsupported {
            op: "signed checkpoints (the chain's consensus is the commitment)",
        })
    }

    fn inclusion_proof(
        &self,
        _anchor_id: &Hash,
        _tree_size: u64,
    ) -> Result<InclusionProof, LedgerError> {
        Err(LedgerError::Unsupported {
            op: "inclusion proofs (use lookup or find_receipt)",
        })
    }

    fn consistency_proof(&self, _old_size: u64, _new_size: u64) -> Result<Vec<Hash>, LedgerError> {
        Err(LedgerError::Unsupported {
            op: "consistency proofs",
        })
    }

    fn get(&self, _index: u64) -> Result<Vec<u8>, LedgerError> {
        Err(LedgerError::Unsupported {
            op: "reading anchor bytes (the registry keeps ids, roots and sizes)",
        })
    }
}

/// Answers [`ChainOracle`] questions over JSON-RPC, for
/// [`certanchor::Verifier::verify_online`]: `anchoredAt` read at the newest
/// block `confirmations` deep, after checking the endpoint serves the chain
/// asked about.
#[derive(Debug)]
pub struct EvmOracle {
    endpoints: Vec<(Option<u64>, Rpc, Cell<Option<u64>>)>,
    confirmations: u64,
}

impl EvmOracle {
    /// An oracle over one endpoint (it answers only for the chain id the
    /// endpoint reports).
    ///
    /// # Errors
    /// [`LedgerError::Unavailable`] for a malformed URL.
    pub fn new(rpc_url: &str, confirmations: u64) -> Result<Self, LedgerError> {
        let d = EvmConfig::new(rpc_url, [0; 20]);
        Ok(Self {
            endpoints: vec![(
                None,
                Rpc::new(rpc_url, d.request_timeout, 2, d.backoff)?,
                Cell::new(None),
            )],
            confirmations: confirmations.max(1),
        })
    }

    /// An oracle over the RPC URLs the trust store lists for its chains,
    /// plus `extra` (e.g. a URL given on the command line), which is tried
    /// first.
    ///
    /// # Errors
    /// [`LedgerError::Unavailable`] for a malformed URL.
    pub fn from_trust_store(
        trust: &TrustStore,
        extra: Option<&str>,
        confirmations: u64,
    ) -> Result<Self, LedgerError> {
        let d = EvmConfig::new("", [0; 20]);
        let mut endpoints = Vec::new();
        if let Some(u) = extra {
            endpoints.push((
                None,
                Rpc::new(u, d.request_timeout, 2, d.backoff)?,
                Cell::new(None),
            ));
        }
        for c in trust.chains() {
            if let Some(u) = &c.rpc_url {
                endpoints.push((
                    Some(c.chain_id),
                    Rpc::new(u, d.request_timeout, 2, d.backoff)?,
                    Cell::new(None),
                ));
            }
        }
        Ok(Self {
            endpoints,
            confirmations: confirmations.max(1),
        })
    }
}

impl EvmOracle {
    /// The chain id the first endpoint serves.
    ///
    /// # Errors
    /// [`LedgerError::Unavailable`].
    pub fn chain_id(&self) -> Result<u64, LedgerError> {
        let (_, rpc, seen) = self
            .endpoints
            .first()
            .ok_or_else(|| LedgerError::Unavailable {
                reason: "no RPC endpoint".into(),
            })?;
        if let Some(id) = seen.get() {
            return Ok(id);
        }
        let id = rpc.chain_id().map_err(unavailable)?;
        seen.set(Some(id));
        Ok(id)
    }
}

impl ChainOracle for EvmOracle {
    fn anchored(
        &self,
        chain_id: u64,
        contract: &[u8; 20],
        anchor_id: &Hash,
    ) -> Result<Option<ChainRecord>, String> {
        let mut notes = Vec::new();
        for (declared, rpc, seen) in &self.endpoints {
            if declared.is_some_and(|d| d != chain_id) {
                continue;
            }
            let id = match seen.get() {
                Some(id) => id,
                None => match rpc.chain_id() {
                    Ok(id) => {
                        seen.set(Some(id));
                        id
                    }
                    Err(f) => {
                        notes.push(f.text().to_owned());
                        continue;
                    }
                },
            };
            if id != chain_id {
                notes.push(format!("{} serves chain {id}", rpc.url));
                continue;
            }
            let head = match rpc.block_number() {
                Ok(h) => h,
                Err(f) => {
                    notes.push(f.text().to_owned());
                    continue;
                }
            };
            let at = BlockId::Number(BlockNumberOrTag::Number(
                head.saturating_sub(self.confirmations - 1),
            ));
            let addr = Address::from(*contract);
            return match rpc.has_code(addr) {
                Ok(false) => Err(format!("no contract at {addr} on chain {chain_id}")),
                Err(f) => Err(f.text().to_owned()),
                Ok(true) => rpc
                    .anchored_at(addr, anchor_id, at)
                    .map_err(|f| f.text().to_owned()),
            };
        }
        Err(if notes.is_empty() {
            format!(
                "no RPC endpoint for chain {chain_id} (give one, or list rpc_url in the trust store)"
            )
        } else {
            notes.join("; ")
        })
    }
}

/// Deploys the registry (`creation_code`: the solc `.bin` output, hex or
/// bytes) from the account of `key`, which becomes its owner, and waits for
/// the deployment to be `cfg.confirmations` deep. Returns the contract
/// address. `cfg.contract` is ignored.
///
/// # Errors
/// [`LedgerError::Unavailable`], [`LedgerError::Rejected`] (deployment
/// reverted or refused), [`LedgerError::Unconfirmed`].
pub fn deploy_registry(
    cfg: &EvmConfig,
    key: &str,
    creation_code: &[u8],
) -> Result<[u8; 20], LedgerError> {
    let signer = PrivateKeySigner::from_str(key.trim()).map_err(|_| LedgerError::NotALedger {
        path: "signing key".into(),
        reason: "not a secp256k1 private key (64 hex digits)".into(),
    })?;
    let code = decode_code(creation_code)?;
    let account = signer.address();
    let wallet = EthereumWallet::from(signer);
    let rpc = Rpc::new(&cfg.rpc_url, cfg.request_timeout, cfg.retries, cfg.backoff)?;
    let chain_id = rpc.chain_id().map_err(unavailable)?;
    let nonce = rpc
        .run("eth_getTransactionCount", |p| async move {
            p.get_transaction_count(account).pending().await
        })
        .map_err(unavailable)?;
    let gas_price = match cfg.gas_price {
        Some(g) => g,
        None => rpc
            .run("eth_gasPrice", |p| async move { p.get_gas_price().await })
            .map_err(unavailable)?,
    };
    let tx = TransactionRequest::default()
        .with_from(account)
        .with_kind(TxKind::Create)
        .with_input(code)
        .with_nonce(nonce)
        .with_gas_price(gas_price)
        .with_chain_id(chain_id)
        .with_gas_limit(cfg.gas_limit.unwrap_or(2_000_000));
    let envelope = rpc
        .rt
        .block_on(tx.build(&wallet))
        .map_err(|e| LedgerError::Rejected {
            reason: format!("could not sign the deployment: {e}"),
        })?;
    let hash = *envelope.tx_hash();
    let raw = envelope.encoded_2718();
    let pending = |why: String| LedgerError::Unconfirmed {
        anchor_id: "(registry deployment)".into(),
        reason: format!("transaction {hash}: {why}"),
    };
    rpc.run("eth_sendRawTransaction", |p| {
        let raw = raw.clone();
        async move { p.send_raw_transaction(&raw).await.map(|_| ()) }
    })
    .map_err(|f| match f {
        Failure::Transient(m) => pending(m),
        f => LedgerError::Rejected {
            reason: format!("deployment refused: {}", f.text()),
        },
    })?;
    let deadline = Instant::now() + cfg.timeout;
    loop {
        if Instant::now() >= deadline {
            return Err(pending("not confirmed in time".into()));
        }
        let rc = rpc
            .receipt(hash)
            .map_err(|f| pending(f.text().to_owned()))?;
        if let Some(rc) = rc
            && let Some(block) = rc.block_number()
        {
            if !rc.status() {
                return Err(LedgerError::Rejected {
                    reason: format!("deployment {hash} reverted in block {block}"),
                });
            }
            let head = rpc
                .block_number()
                .map_err(|f| pending(f.text().to_owned()))?;
            if head.saturating_add(1) >= block.saturating_add(cfg.confirmations.max(1)) {
                let addr = rc
                    .contract_address()
                    .ok_or_else(|| pending("receipt names no contract".into()))?;
                return Ok(addr.into_array());
            }
        }
        rpc.sleep(cfg.poll_interval);
    }
}

fn decode_code(code: &[u8]) -> Result<Vec<u8>, LedgerError> {
    let bad = |why: &str| LedgerError::Rejected {
        reason: format!("contract bytecode: {why}"),
    };
    let text = std::str::from_utf8(code).ok().map(str::trim);
    let raw = match text {
        Some(t)
            if !t.is_empty()
                && t.trim_start_matches("0x")
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit()) =>
        {
            hex::decode(t.trim_start_matches("0x")).map_err(|_| bad("odd number of hex digits"))?
        }
        _ => code.to_vec(),
    };
    if raw.is_empty() {
        return Err(bad("empty"));
    }
    Ok(raw)
}

/// Authorizes (or, with `allowed` false, deauthorizes) an issuer account in
/// the registry, from the owner's account `owner_key`; waits for confirmation.
///
/// # Errors
/// [`LedgerError::Rejected`] when `owner_key` is not the owner's;
/// [`LedgerError::Unavailable`], [`LedgerError::Unconfirmed`].
pub fn set_issuer(
    cfg: &EvmConfig,
    owner_key: &str,
    issuer: [u8; 20],
    allowed: bool,
) -> Result<(), LedgerError> {
    let ledger = EvmLedger::connect(cfg.clone(), owner_key)?;
    let data = AnchorRegistry::setIssuerCall {
        issuer: Address::from(issuer),
        allowed,
    }
    .abi_encode();
    ledger.owner_transaction(data)
}

impl EvmLedger {
    /// Sends an owner transaction (`setIssuer`, …) and waits for it.
    fn owner_transaction(&self, data: Vec<u8>) -> Result<(), LedgerError> {
        let what = Entry {
            id: Hash([0; 32]),
            root: Hash([0; 32]),
            tree_size: 0,
            batch: String::new(),
        };
        match self.rpc.call(
            Some(self.account),
            self.contract,
            data.clone(),
            BlockId::latest(),
        ) {
            Ok(_) => {}
            Err(Failure::Revert(d, m)) => return Err(self.revert_error(&what, d.as_ref(), &m)),
            Err(f) => return Err(unavailable(f)),
        }
        let (nonce, gas_price) = self.nonce_and_gas_price()?;
        let tx = TransactionRequest::default()
            .with_from(self.account)
            .with_kind(TxKind::Call(self.contract))
            .with_input(data)
            .with_nonce(nonce)
            .with_gas_price(gas_price)
            .with_chain_id(self.chain_id)
            .with_gas_limit(self.cfg.gas_limit.unwrap_or(200_000));
        let envelope =
            self.rpc
                .rt
                .block_on(tx.build(&self.wallet))
                .map_err(|e| LedgerError::Rejected {
                    reason: format!("could not sign: {e}"),
                })?;
        let hash = *envelope.tx_hash();
        let raw = envelope.encoded_2718();
        self.rpc
            .run("eth_sendRawTransaction", |p| {
                let raw = raw.clone();
                async move { p.send_raw_transaction(&raw).await.map(|_| ()) }
            })
            .map_err(|f| Self::unconfirmed(&what, hash, f.text()))?;
        let deadline = Instant::now() + self.cfg.timeout;
        loop {
            if Instant::now() >= deadline {
                return Err(Self::unconfirmed(&what, hash, "not confirmed in time"));
            }
            if let Some(rc) = self
                .rpc
                .receipt(hash)
                .map_err(|f| Self::unconfirmed(&what, hash, f.text()))?
                && let Some(block) = rc.block_number()
            {
                if !rc.status() {
                    return Err(LedgerError::Rejected {
                        reason: format!("transaction {hash} reverted in block {block}"),
                    });
                }
                let head = self
                    .rpc
                    .block_number()
                    .map_err(|f| Self::unconfirmed(&what, hash, f.text()))?;
                if head.saturating_add(1) >= block.saturating_add(self.cfg.confirmations) {
                    return Ok(());
                }
            }
            self.rpc.sleep(self.cfg.poll_interval);
        }
    }
}
