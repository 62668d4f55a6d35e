//! The verifier's trust store and policies (SPEC §7): a JSON document that
//! people edit and review.
//!
//! * Unknown fields are an error, not ignored (`deny_unknown_fields`).
//! * A key signs only inside `[not_before, not_after)` and before `revoked_at`.
//! * An issuer signs only the kinds it lists.
//! * A policy per kind names the departments whose endorsements count and how
//!   many are needed, and whether a fresh status list or a ledger receipt is
//!   required.
//!
//! ```
//! use certanchor::TrustStore;
//! let json = r#"{ "version": 1,
//!   "issuers": [ { "id": "cn.beijing.ghzrzyw", "name": "北京市规划和自然资源委员会",
//!                  "kinds": ["real_estate_title"],
//!                  "keys": [ { "public_key": "Gb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=",
//!                              "not_before": "2024-01-01T00:00:00Z", "not_after": null,
//!                              "revoked_at": null } ] },
//!                { "id": "cn.beijing.tax", "name": "国家税务总局北京市税务局", "kinds": [],
//!                  "keys": [ { "public_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
//!                              "not_before": "2024-01-01T00:00:00Z" } ] } ],
//!   "policies": [ { "kind": "real_estate_title",
//!                   "endorsements": { "from": ["cn.beijing.tax"], "at_least": 1 } } ],
//!   "ledgers": [] }"#;
//! let trust = TrustStore::from_json(json).unwrap();
//! assert_eq!(trust.issuer("cn.beijing.ghzrzyw").unwrap().name, "北京市规划和自然资源委员会");
//! // a typo is an error, not silently ignored
//! assert!(TrustStore::from_json(&json.replace("\"ledgers\"", "\"ledger\"")).is_err());
//! // a policy naming a department that is not in the store is refused too
//! assert!(TrustStore::from_json(&json.replace("[\"cn.beijing.tax\"]", "[\"cn.beijing.txa\"]")).is_err());
//! ```

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::error::TrustError;
use crate::keys::{KeyId, PublicKey};
use crate::note::{CosignatureVerifier, NoteVerifier};
use crate::status::StatusPurpose;

/// Largest trust store JSON accepted, bytes.
pub const MAX_TRUST_STORE_LEN: usize = 1024 * 1024;

/// The trust store as written in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustStoreDoc {
    /// Must be 1.
    pub version: u64,
    /// Trusted issuers (issuing authorities and endorsing departments).
    pub issuers: Vec<IssuerEntry>,
    /// Policies per kind.
    #[serde(default)]
    pub policies: Vec<PolicyEntry>,
    /// Trusted ledgers.
    #[serde(default)]
    pub ledgers: Vec<LedgerEntry>,
    /// Trusted EVM chains and their anchor registry contracts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chains: Vec<ChainEntry>,
}

/// One trusted issuer or department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerEntry {
    /// Issuer id, e.g. `cn.beijing.ghzrzyw`.
    pub id: String,
    /// Display name, e.g. 北京市规划和自然资源委员会.
    pub name: String,
    /// Kinds this issuer may issue (empty: it may only endorse).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Its keys.
    pub keys: Vec<KeyEntry>,
}

/// One key of an issuer, with its validity window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    /// base64 of the raw 32-byte Ed25519 key, or an SPKI PEM.
    pub public_key: String,
    /// RFC 3339 start of validity.
    pub not_before: String,
    /// RFC 3339 end of validity (exclusive), or null.
    #[serde(default)]
    pub not_after: Option<String>,
    /// RFC 3339 revocation time, or null.
    #[serde(default)]
    pub revoked_at: Option<String>,
}

/// A policy for one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyEntry {
    /// The kind.
    pub kind: String,
    /// Required endorsements, if any.
    #[serde(default)]
    pub endorsements: Option<EndorsementPolicy>,
    /// Require fresh status lists (else the status check is indeterminate).
    #[serde(default)]
    pub require_status: bool,
    /// The purposes that must each have a fresh list when `require_status`
    /// is set: `revocation`, `suspension`. Default both; an issuer that
    /// publishes no suspension lists is named with `["revocation"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_purposes: Option<Vec<String>>,
    /// Longest a status list counts as fresh for this kind, seconds, below
    /// the library's cap ([`crate::verify::MAX_STATUS_TTL`]) whatever `ttl`
    /// the list claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_status_ttl: Option<u64>,
    /// Require a ledger receipt.
    #[serde(default)]
    pub require_ledger: bool,
}

impl PolicyEntry {
    /// A policy for `kind` that requires nothing.
    #[must_use]
    pub fn new(kind: &str) -> Self {
        Self {
            kind: kind.to_owned(),
            endorsements: None,
            require_status: false,
            status_purposes: None,
            max_status_ttl: None,
            require_ledger: false,
        }
    }
}

/// Which departments must endorse, and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndorsementPolicy {
    /// Issuer ids whose endorsements count.
    pub from: Vec<String>,
    /// How many distinct ones are needed.
    pub at_least: usize,
}

/// A trusted ledger (C2SP signed-note key), with the witnesses and the
/// freshness its checkpoints need ([`crate::freshness`], SPEC §9.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerEntry {
    /// The log origin, also the signed-note key name.
    pub origin: String,
    /// base64 of the raw 32-byte Ed25519 key.
    pub public_key: String,
    /// Witnesses whose timestamped cosignatures (cosignature/v1) count
    /// towards `quorum`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<WitnessEntry>,
    /// How many distinct witnesses of `witnesses` must have cosigned a
    /// checkpoint; absent: 0. At most the number of witnesses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<usize>,
    /// Oldest a checkpoint may be, by the ledger's own timestamp line,
    /// seconds; absent: no limit (and no timestamp line needed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u64>,
    /// Where the ledger is published (an `http://` or `https://` URL of the
    /// directory `ledger publish` writes); `certanchor sync` reads it when
    /// given no `--from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl LedgerEntry {
    /// A ledger entry with no witnesses, no quorum and no age limit.
    #[must_use]
    pub fn new(origin: &str, public_key: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            public_key: public_key.to_owned(),
            witnesses: Vec::new(),
            quorum: None,
            max_age: None,
            url: None,
        }
    }
}

/// A witness of a ledger: a cosignature/v1 key (SPEC §9.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessEntry {
    /// The witness's key name, as in its cosignature lines.
    pub name: String,
    /// base64 of its raw 32-byte Ed25519 key.
    pub public_key: String,
}

/// A trusted ledger, compiled: its checkpoint key, its witnesses and its
/// freshness rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedLedger {
    /// The checkpoint key (name = origin).
    pub ledger: NoteVerifier,
    /// The witnesses' cosignature keys, distinct by name and by key.
    pub witnesses: Vec<CosignatureVerifier>,
    /// Distinct witnesses needed.
    pub quorum: usize,
    /// Oldest ledger time accepted, seconds.
    pub max_age: Option<u64>,
    /// Where the ledger is published, if the trust store says.
    pub url: Option<String>,
}

/// A trusted EVM chain: an `AnchorRegistry` contract on a chain.
///
/// ```json
/// { "chain_id": 20200, "contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
///   "rpc_url": "https://rpc.chain.example.gov.cn", "name": "city chain" }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainEntry {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The registry contract address, `0x` + 40 hex digits.
    pub contract: String,
    /// JSON-RPC endpoint for online verification (`http://` or `https://`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc_url: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A trusted chain, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedChain {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The registry contract address.
    pub contract: [u8; 20],
    /// JSON-RPC endpoint, if the store names one.
    pub rpc_url: Option<String>,
    /// Display name.
    pub name: Option<String>,
}

/// Parses an EVM address: `0x` + 40 hex digits (any case; the EIP-55 checksum
/// is not checked).
#[must_use]
pub fn parse_evm_address(s: &str) -> Option<[u8; 20]> {
    let h = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if h.len() != 40 {
        return None;
    }
    let mut out = [0u8; 20];
    hex::decode_to_slice(h, &mut out).ok()?;
    Some(out)
}

/// A trusted key with its window in Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    /// The key.
    pub key: PublicKey,
    /// Start of validity.
    pub not_before: u64,
    /// End of validity (exclusive).
    pub not_after: Option<u64>,
    /// Revocation time.
    pub revoked_at: Option<u64>,
}

impl TrustedKey {
    /// Whether the key may sign at `t`; `Err` says why not.
    ///
    /// # Errors
    /// A human-readable reason when `t` is outside the window or at/after revocation.
    pub fn valid_at(&self, t: u64) -> Result<(), String> {
        if t < self.not_before {
            return Err(format!(
                "key {} not valid before {}",
                self.key.key_id(),
                crate::time::format(self.not_before)
            ));
        }
        if let Some(na) = self.not_after
            && t >= na
        {
            return Err(format!(
                "key {} expired at {}",
                self.key.key_id(),
                crate::time::format(na)
            ));
        }
        if let Some(ra) = self.revoked_at
            && t >= ra
        {
            return Err(format!(
                "key {} revoked at {}",
                self.key.key_id(),
                crate::time::format(ra)
            ));
        }
        Ok(())
    }
}

/// A trusted issuer, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedIssuer {
    /// Issuer id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Kinds it may issue.
    pub kinds: Vec<String>,
    /// Its keys.
    pub keys: Vec<TrustedKey>,
}

/// A compiled policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Required endorsements.
    pub endorsements: Option<EndorsementPolicy>,
    /// Require fresh status lists.
    pub require_status: bool,
    /// The purposes that need one when `require_status` is set.
    pub status_purposes: Vec<StatusPurpose>,
    /// The kind's freshness cap for status lists, seconds, if lower than the library's.
    pub max_status_ttl: Option<u64>,
    /// Require a ledger receipt.
    pub require_ledger: bool,
}

/// The compiled trust store.
#[derive(Debug, Clone)]
pub struct TrustStore {
    doc: TrustStoreDoc,
    issuers: Vec<TrustedIssuer>,
    by_kid: HashMap<KeyId, (usize, usize)>,
    policies: HashMap<String, Policy>,
    ledgers: Vec<NoteVerifier>,
    trusted_ledgers: Vec<TrustedLedger>,
    chains: Vec<TrustedChain>,
}

impl TrustStore {
    /// The fingerprint of a trust store file: lowercase hex SHA-256 of its
    /// bytes exactly as distributed. An office publishes it with the file;
    /// a clerk compares it with what the page's banner and
    /// `certanchor trust fingerprint` show (the first 16 digits, in groups
    /// of four, are what a person compares).
    ///
    /// ```
    /// let fp = certanchor::TrustStore::fingerprint(b"{}");
    /// assert_eq!(&fp[..16], "44136fa355b3678a");
    /// assert_eq!(certanchor::TrustStore::short_fingerprint(&fp), "4413 6fa3 55b3 678a");
    /// ```
    #[must_use]
    pub fn fingerprint(file: &[u8]) -> String {
        crate::Hash::digest(file).to_hex()
    }

    /// The part of a [`TrustStore::fingerprint`] a person compares: its
    /// first 16 hex digits in groups of four (`7a38 7750 6c34 3298`).
    #[must_use]
    pub fn short_fingerprint(fingerprint: &str) -> String {
        let digits: Vec<char> = fingerprint.chars().take(16).collect();
        digits
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Parses and checks a trust store JSON document.
    ///
    /// # Errors
    /// [`TrustError`]: bad JSON, unknown fields, duplicate issuers or keys,
    /// malformed keys or times, impossible policies.
    pub fn from_json(json: &str) -> Result<Self, TrustError> {
        if json.len() > MAX_TRUST_STORE_LEN {
            return Err(TrustError::Json(format!(
                "document is {} bytes, limit {MAX_TRUST_STORE_LEN}",
                json.len()
            )));
        }
        let doc: TrustStoreDoc =
            serde_json::from_str(json).map_err(|e| TrustError::Json(e.to_string()))?;
        Self::from_doc(doc)
    }

    /// Checks and compiles a trust store document.
    ///
    /// # Errors
    /// As [`TrustStore::from_json`].
    pub fn from_doc(doc: TrustStoreDoc) -> Result<Self, TrustError> {
        if doc.version != 1 {
            return Err(TrustError::UnsupportedVersion(doc.version));
        }
        let mut issuers = Vec::with_capacity(doc.issuers.len());
        let mut by_kid = HashMap::new();
        let mut ids = BTreeSet::new();
        for (ii, e) in doc.issuers.iter().enumerate() {
            if e.id.is_empty() {
                return Err(TrustError::Json(format!("issuer {ii}: empty id")));
            }
            if !ids.insert(e.id.clone()) {
                return Err(TrustError::DuplicateIssuer(e.id.clone()));
            }
            let mut keys = Vec::with_capacity(e.keys.len());
            for (ki, k) in e.keys.iter().enumerate() {
                let bad = |reason: String| TrustError::BadKey {
                    issuer: e.id.clone(),
                    index: ki,
                    reason,
                };
                let key = PublicKey::parse(&k.public_key).map_err(|err| bad(err.to_string()))?;
                let time = |field: &str, v: &str| {
                    crate::time::parse_rfc3339_unix(v).ok_or_else(|| TrustError::BadTime {
                        field: format!("issuers[{ii}].keys[{ki}].{field}"),
                        value: v.to_owned(),
                    })
                };
                let not_before = time("not_before", &k.not_before)?;
                let not_after = k
                    .not_after
                    .as_deref()
                    .map(|v| time("not_after", v))
                    .transpose()?;
                let revoked_at = k
                    .revoked_at
                    .as_deref()
                    .map(|v| time("revoked_at", v))
                    .transpose()?;
                if not_after.is_some_and(|na| na <= not_before) {
                    return Err(bad("not_after must be after not_before".into()));
                }
                if by_kid.insert(key.key_id(), (ii, ki)).is_some() {
                    return Err(bad(format!("key {} is listed twice", key.key_id())));
                }
                keys.push(TrustedKey {
                    key,
                    not_before,
                    not_after,
                    revoked_at,
                });
            }
            issuers.push(TrustedIssuer {
                id: e.id.clone(),
                name: e.name.clone(),
                kinds: e.kinds.clone(),
                keys,
            });
        }
        let mut policies = HashMap::new();
        for p in &doc.policies {
            let bad = |reason: &str| TrustError::BadPolicy {
                kind: p.kind.clone(),
                reason: reason.to_owned(),
            };
            if let Some(en) = &p.endorsements {
                let distinct: BTreeSet<&String> = en.from.iter().collect();
                if distinct.len() != en.from.len() {
                    return Err(bad("`from` lists an issuer twice"));
                }
                if en.at_least > en.from.len() {
                    return Err(bad("`at_least` exceeds the number of issuers in `from`"));
                }
                if let Some(unknown) = en.from.iter().find(|f| !ids.contains(*f)) {
                    return Err(bad(&format!(
                        "`from` names `{unknown}`, which is not a trusted issuer"
                    )));
                }
            }
            let status_purposes = match &p.status_purposes {
                None => vec![StatusPurpose::Revocation, StatusPurpose::Suspension],
                Some(_) if !p.require_status => {
                    return Err(bad("`status_purposes` needs `require_status`"));
                }
                Some(names) => {
                    let mut out = Vec::with_capacity(names.len());
                    for n in names {
                        let purpose = StatusPurpose::parse(n).ok_or_else(|| {
                            bad(&format!(
                                "`status_purposes` names `{}`, not revocation or suspension",
                                n.chars().take(32).collect::<String>()
                            ))
                        })?;
                        if out.contains(&purpose) {
                            return Err(bad("`status_purposes` names a purpose twice"));
                        }
                        out.push(purpose);
                    }
                    if out.is_empty() {
                        return Err(bad("`status_purposes` is empty"));
                    }
                    out
                }
            };
            if let Some(t) = p.max_status_ttl
                && (t == 0 || t > crate::verify::MAX_STATUS_TTL)
            {
                return Err(bad(&format!(
                    "`max_status_ttl` must be 1..={} seconds",
                    crate::verify::MAX_STATUS_TTL
                )));
            }
            let compiled = Policy {
                endorsements: p.endorsements.clone(),
                require_status: p.require_status,
                status_purposes,
                max_status_ttl: p.max_status_ttl,
                require_ledger: p.require_ledger,
            };
            if policies.insert(p.kind.clone(), compiled).is_some() {
                return Err(bad("two policies for the same kind"));
            }
        }
        let mut ledgers = Vec::with_capacity(doc.ledgers.len());
        let mut trusted_ledgers = Vec::with_capacity(doc.ledgers.len());
        for l in &doc.ledgers {
            let key = PublicKey::from_base64(&l.public_key).map_err(|e| TrustError::BadLedger {
                origin: l.origin.clone(),
                reason: e.to_string(),
            })?;
            if l.origin.is_empty()
                || l.origin.contains(char::is_whitespace)
                || l.origin.contains('+')
            {
                return Err(TrustError::BadLedger {
                    origin: l.origin.clone(),
                    reason: "origin must be non-empty, without spaces or '+'".into(),
                });
            }
            let ledger = NoteVerifier {
                name: l.origin.clone(),
                key,
            };
            trusted_ledgers.push(compile_ledger(l, ledger.clone())?);
            ledgers.push(ledger);
        }
        let chains = compile_chains(&doc.chains)?;
        Ok(Self {
            doc,
            issuers,
            by_kid,
            policies,
            ledgers,
            trusted_ledgers,
            chains,
        })
    }

    /// The document, as JSON (pretty).
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.doc).unwrap_or_default()
    }

    /// The document.
    #[must_use]
    pub fn doc(&self) -> &TrustStoreDoc {
        &self.doc
    }

    /// All trusted issuers.
    #[must_use]
    pub fn issuers(&self) -> &[TrustedIssuer] {
        &self.issuers
    }

    /// An issuer by id.
    #[must_use]
    pub fn issuer(&self, id: &str) -> Option<&TrustedIssuer> {
        self.issuers.iter().find(|i| i.id == id)
    }

    /// The issuer and key for a key id.
    #[must_use]
    pub fn key(&self, kid: &KeyId) -> Option<(&TrustedIssuer, &TrustedKey)> {
        let (i, k) = self.by_kid.get(kid)?;
        let issuer = self.issuers.get(*i)?;
        Some((issuer, issuer.keys.get(*k)?))
    }

    /// The policy for a kind.
    #[must_use]
    pub fn policy(&self, kind: &str) -> Option<&Policy> {
        self.policies.get(kind)
    }

    /// Trusted ledgers, as signed-note verifiers (name = origin).
    #[must_use]
    pub fn ledgers(&self) -> &[NoteVerifier] {
        &self.ledgers
    }

    /// Trusted ledgers with their witnesses and freshness rules, in store order.
    #[must_use]
    pub fn trusted_ledgers(&self) -> &[TrustedLedger] {
        &self.trusted_ledgers
    }

    /// The trusted ledger of an origin (the first, should the store list
    /// one twice).
    #[must_use]
    pub fn trusted_ledger(&self, origin: &str) -> Option<&TrustedLedger> {
        self.trusted_ledgers
            .iter()
            .find(|l| l.ledger.name == origin)
    }

    /// Trusted EVM chains.
    #[must_use]
    pub fn chains(&self) -> &[TrustedChain] {
        &self.chains
    }

    /// The trusted chain entry for a chain id and registry contract.
    #[must_use]
    pub fn chain(&self, chain_id: u64, contract: &[u8; 20]) -> Option<&TrustedChain> {
        self.chains
            .iter()
            .find(|c| c.chain_id == chain_id && &c.contract == contract)
    }
}

/// Checks and compiles a ledger's witnesses, quorum and age limit.
fn compile_ledger(l: &LedgerEntry, ledger: NoteVerifier) -> Result<TrustedLedger, TrustError> {
    let bad = |reason: String| TrustError::BadLedger {
        origin: l.origin.clone(),
        reason,
    };
    let mut witnesses: Vec<CosignatureVerifier> = Vec::with_capacity(l.witnesses.len());
    for (i, w) in l.witnesses.iter().enumerate() {
        let key = PublicKey::from_base64(&w.public_key)
            .map_err(|e| bad(format!("witnesses[{i}].public_key: {e}")))?;
        let v = CosignatureVerifier::new(&w.name, key)
            .map_err(|e| bad(format!("witnesses[{i}].name: {e}")))?;
        if witnesses.iter().any(|o| o.name == v.name) {
            return Err(bad(format!("witnesses[{i}]: the name is listed twice")));
        }
        // A cosignature does not sign the witness's name, so one key under
        // two names would count twice.
        if witnesses.iter().any(|o| o.key == v.key) {
            return Err(bad(format!("witnesses[{i}]: the key is listed twice")));
        }
        witnesses.push(v);
    }
    let quorum = l.quorum.unwrap_or(0);
    if quorum > witnesses.len() {
        return Err(bad(format!(
            "quorum {quorum} exceeds the {} witnesses listed",
            witnesses.len()
        )));
    }
    if l.max_age == Some(0) {
        return Err(bad("max_age must be at least 1 second".into()));
    }
    if let Some(u) = &l.url
        && (!(u.starts_with("http://") || u.starts_with("https://"))
            || u.len() > 2048
            || u.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err(bad(
            "url must be an http:// or https:// URL without spaces, at most 2048 bytes".into(),
        ));
    }
    Ok(TrustedLedger {
        ledger,
        witnesses,
        quorum,
        max_age: l.max_age,
        url: l.url.clone(),
    })
}

fn compile_chains(entries: &[ChainEntry]) -> Result<Vec<TrustedChain>, TrustError> {
    let mut out: Vec<TrustedChain> = Vec::with_capacity(entries.len());
    for c in entries {
        let bad = |reason: String| TrustError::BadChain {
            chain_id: c.chain_id,
            reason,
        };
        let contract = parse_evm_address(&c.contract).ok_or_else(|| {
            bad(format!(
                "contract `{}` is not 0x followed by 40 hex digits",
                c.contract.chars().take(64).collect::<String>()
            ))
        })?;
        if contract == [0; 20] {
            return Err(bad("contract is the zero address".into()));
        }
        if let Some(u) = &c.rpc_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(bad("rpc_url must start with http:// or https://".into()));
        }
        if out
            .iter()
            .any(|o| o.chain_id == c.chain_id && o.contract == contract)
        {
            return Err(bad(format!("contract {} is listed twice", c.contract)));
        }
        out.push(TrustedChain {
            chain_id: c.chain_id,
            contract,
            rpc_url: c.rpc_url.clone(),
            name: c.name.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "Gb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=";

    fn doc(extra_issuer: &str, policy: &str) -> String {
        format!(
            r#"{{"version":1,"issuers":[{{"id":"a","name":"A","kinds":["k"],"keys":[{{"public_key":"{KEY}","not_before":"2024-01-01T00:00:00Z"}}]}}{extra_issuer}],"policies":[{policy}]}}"#
        )
    }

    #[test]
    fn typed_errors() {
        assert!(TrustStore::from_json(&doc("", "")).is_ok());
        assert_eq!(
            TrustStore::from_json(&doc(r#",{"id":"a","name":"A2","keys":[]}"#, "")).unwrap_err(),
            TrustError::DuplicateIssuer("a".into())
        );
        assert_eq!(
            TrustStore::from_json(&doc("", "").replace(KEY, "AAAA"))
                .unwrap_err()
                .code(),
            "invalid_key"
        );
        assert_eq!(
            TrustStore::from_json(&doc("", "").replace("2024-01-01T00:00:00Z", "2024-01-01"))
                .unwrap_err()
                .code(),
            "invalid_time"
        );
        assert_eq!(
            TrustStore::from_json(&doc("", "").replace("\"name\"", "\"nmae\""))
                .unwrap_err()
                .code(),
            "trust_store_json"
        );
        assert_eq!(
            TrustStore::from_json(&doc(
                "",
                r#"{"kind":"k","endorsements":{"from":["a"],"at_least":2}}"#
            ))
            .unwrap_err()
            .code(),
            "invalid_policy"
        );
        assert_eq!(
            TrustStore::from_json(&doc(
                "",
                r#"{"kind":"k","endorsements":{"from":["zz"],"at_least":1}}"#
            ))
            .unwrap_err()
            .code(),
            "invalid_policy"
        );
        assert_eq!(
            TrustStore::from_json(&doc("", "").replace("\"version\":1", "\"version\":2"))
                .unwrap_err(),
            TrustError::UnsupportedVersion(2)
        );
    }

    #[test]
    fn chains() {
        let with = |chains: &str| {
            doc("", "").replace(
                r#""policies":[]"#,
                &format!(r#""policies":[],"chains":[{chains}]"#),
            )
        };
        let addr = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
        let t = TrustStore::from_json(&with(&format!(
            r#"{{"chain_id":1337,"contract":"{addr}","rpc_url":"http://127.0.0.1:8545"}}"#
        )))
        .unwrap();
        let a = parse_evm_address(addr).unwrap();
        assert_eq!(
            t.chain(1337, &a).unwrap().rpc_url.as_deref(),
            Some("http://127.0.0.1:8545")
        );
        assert!(t.chain(1, &a).is_none());
        // round trip keeps the entry; stores without chains serialize as before
        assert!(t.to_json().contains("\"chains\""));
        assert!(
            !TrustStore::from_json(&doc("", ""))
                .unwrap()
                .to_json()
                .contains("chains")
        );
        for bad in [
            format!(r#"{{"chain_id":1,"contract":"{}"}}"#, &addr[..41]),
            format!(
                r#"{{"chain_id":1,"contract":"{}"}}"#,
                addr.replace("0x", "")
            ),
            format!(r#"{{"chain_id":1,"contract":"0x{}"}}"#, "0".repeat(40)),
            format!(r#"{{"chain_id":1,"contract":"{addr}","rpc_url":"ftp://x"}}"#),
            format!(
                r#"{{"chain_id":1,"contract":"{addr}"}},{{"chain_id":1,"contract":"{}"}}"#,
                addr.to_lowercase()
            ),
        ] {
            assert_eq!(
                TrustStore::from_json(&with(&bad)).unwrap_err().code(),
                "invalid_chain",
                "{bad}"
            );
        }
        // unknown fields are refused
        assert_eq!(
            TrustStore::from_json(&with(&format!(
                r#"{{"chain_id":1,"contract":"{addr}","rpc":"x"}}"#
            )))
            .unwrap_err()
            .code(),
            "trust_store_json"
        );
    }

    #[test]
    fn key_windows() {
        let k = TrustedKey {
            key: PublicKey::from_base64(KEY).unwrap(),
            not_before: 100,
            not_after: Some(200),
            revoked_at: Some(150),
        };
        assert!(k.valid_at(99).is_err());
        assert!(k.valid_at(100).is_ok());
        assert!(k.valid_at(149).is_ok());
        assert!(k.valid_at(150).unwrap_err().contains("revoked"));
        let k2 = TrustedKey {
            revoked_at: None,
            ..k
        };
        assert!(k2.valid_at(200).unwrap_err().contains("expired"));
    }

    #[test]
    fn times() {
        assert_eq!(
            crate::time::parse_rfc3339_unix("1970-01-01T00:00:10Z"),
            Some(10)
        );
        assert_eq!(
            crate::time::parse_rfc3339_unix("2024-01-01T08:00:00+08:00"),
            Some(1_704_067_200)
        );
        assert_eq!(crate::time::format(1_704_067_200), "2024-01-01T00:00:00Z");
        assert_eq!(
            crate::time::parse_rfc3339_unix("1969-12-31T23:59:59Z"),
            None
        );
    }
}
