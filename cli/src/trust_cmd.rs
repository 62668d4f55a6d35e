//! `trust …`: edit a trust store without hand-editing JSON. Every change is
//! checked by the library before the file is (atomically) replaced.

use certanchor::time;
use std::path::{Path, PathBuf};

use certanchor::TrustStore;
use certanchor::keys::{KeyId, PublicKey, SigningKey};
use certanchor::note::{CosignatureVerifier, NoteVerifier};
use certanchor::trust::{
    EndorsementPolicy, IssuerEntry, KeyEntry, LedgerEntry, PolicyEntry, TrustStoreDoc, WitnessEntry,
};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::util::{self, CliError};

/// Trust-store subcommands.
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Create an empty trust store.
    Init {
        /// Where to write it (refuses to overwrite).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a trust store file's fingerprint (SHA-256 of its bytes), which
    /// the clerk's page shows in its banner: publish it with the file so
    /// clerks can check they loaded the office's store. The file must be a
    /// valid trust store.
    Fingerprint {
        /// The trust store.
        trust: PathBuf,
    },
    /// Add an issuer (or a key to an existing issuer).
    AddIssuer {
        /// The trust store.
        trust: PathBuf,
        /// Issuer id.
        #[arg(long)]
        id: String,
        /// Kinds it may issue (repeat); none for a department that only endorses.
        #[arg(long)]
        kind: Vec<String>,
        /// A private or public key PEM.
        #[arg(long, conflicts_with = "public_key")]
        key: Option<PathBuf>,
        /// The public key as base64 raw bytes.
        #[arg(long)]
        public_key: Option<String>,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Start of the key's validity (RFC 3339, date or Unix seconds).
        /// Default: no lower bound (1970-01-01T00:00:00Z, the earliest time
        /// a trust store holds), so certificates the key signed before the
        /// key was added still verify; give it to refuse older signatures.
        #[arg(long)]
        not_before: Option<String>,
    },
    /// Revoke one key of an issuer from a time on (`revoked_at`): anchors and
    /// endorsements it signs from then on fail with `key_not_valid`.
    RevokeKey(RevokeKeyArgs),
    /// Add or replace the endorsement policy of a kind.
    AddPolicy {
        /// The trust store.
        trust: PathBuf,
        /// The kind.
        #[arg(long)]
        kind: String,
        /// Issuer ids whose endorsements count (comma separated).
        #[arg(long, value_delimiter = ',')]
        endorsers: Vec<String>,
        /// How many are needed.
        #[arg(long, default_value_t = 1)]
        at_least: usize,
        /// Require fresh status lists.
        #[arg(long)]
        require_status: bool,
        /// With --require-status: the purposes that each need a fresh list
        /// (default both; `revocation` alone for an issuer that publishes no
        /// suspension lists).
        #[arg(long, value_delimiter = ',', requires = "require_status")]
        status_purposes: Vec<String>,
        /// Longest a status list counts as fresh for this kind, seconds
        /// (below the library's 7-day cap).
        #[arg(long)]
        max_status_ttl: Option<u64>,
        /// Require a ledger receipt.
        #[arg(long)]
        require_ledger: bool,
    },
    /// Trust a ledger by its signed-note verifier key (`name+hash+base64`).
    AddLedger {
        /// The trust store.
        trust: PathBuf,
        /// The verifier key (`certanchor ledger vkey DIR` prints it).
        #[arg(long)]
        vkey: String,
        /// A witness whose cosignatures count (its cosigner verifier key,
        /// `name+hash+base64` of type 0x04, as `certanchor witness vkey`
        /// prints it); repeat for several.
        #[arg(long = "witness")]
        witnesses: Vec<String>,
        /// How many distinct witnesses must cosign a checkpoint (default 0).
        #[arg(long)]
        quorum: Option<usize>,
        /// Oldest a checkpoint may be by the ledger's own timestamp, seconds.
        #[arg(long)]
        max_age: Option<u64>,
        /// Where the ledger is published (http:// or https:// URL of the
        /// directory `ledger publish` writes, e.g. served by `ledger serve`):
        /// `certanchor sync` reads it when given no --from.
        #[arg(long)]
        url: Option<String>,
    },
    /// Trust an anchor registry contract on an EVM chain (replaces the same chain and contract).
    AddChain {
        /// The trust store.
        trust: PathBuf,
        /// The chain id.
        #[arg(long)]
        chain_id: u64,
        /// The AnchorRegistry contract address (0x…).
        #[arg(long)]
        contract: String,
        /// JSON-RPC URL for online verification.
        #[arg(long)]
        rpc_url: Option<String>,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
    },
}

/// `trust revoke-key` arguments.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["key", "kid"])))]
pub struct RevokeKeyArgs {
    /// The trust store.
    trust: PathBuf,
    /// The issuer id.
    #[arg(long)]
    issuer: String,
    /// The key: a private or public key PEM, or a file holding the public key as base64.
    #[arg(long)]
    key: Option<PathBuf>,
    /// The key id (32 hex digits, as `keygen --json`, `pubkey --json` and `add-issuer` print it).
    #[arg(long)]
    kid: Option<String>,
    /// Revoked from this time on (RFC 3339, date or Unix seconds); default now.
    /// A key already revoked can only have its revocation moved earlier.
    #[arg(long)]
    at: Option<String>,
}

fn load(path: &Path) -> Result<TrustStoreDoc, CliError> {
    let t = TrustStore::from_json(&util::read_text(path)?)
        .map_err(|e| CliError::from(e).at(path.display()))?;
    Ok(t.doc().clone())
}

fn save(path: &Path, doc: TrustStoreDoc, json: bool, what: &str) -> Result<i32, CliError> {
    let store = TrustStore::from_doc(doc)?;
    util::write_atomic(path, (store.to_json() + "\n").as_bytes(), false)?;
    if json {
        util::print_json(&json!({"trust": path, "changed": what}));
    } else {
        println!(
            "{}: {}",
            util::show_path(path),
            certanchor::display::escape_text(what)
        );
    }
    Ok(0)
}

/// A public key from a file: PKCS#8 private key PEM, SPKI PEM or base64 raw bytes.
fn read_public_key(path: &Path) -> Result<PublicKey, CliError> {
    let text = util::read_text(path)?;
    match SigningKey::from_pkcs8_pem(&text) {
        Ok(k) => Ok(k.public_key()),
        Err(_) => PublicKey::parse(&text).map_err(|e| CliError::from(e).at(path.display())),
    }
}

fn parse_kid(s: &str) -> Result<KeyId, CliError> {
    hex::decode(s.trim())
        .ok()
        .and_then(|b| KeyId::from_slice(&b))
        .ok_or_else(|| {
            CliError::new(
                "invalid_key_id",
                format!("--kid `{s}`: a key id is 32 hex digits"),
            )
        })
}

fn revoke_key(a: RevokeKeyArgs, json: bool) -> Result<i32, CliError> {
    let kid = match (&a.key, &a.kid) {
        (Some(p), _) => read_public_key(p)?.key_id(),
        (None, Some(k)) => parse_kid(k)?,
        (None, None) => return Err(CliError::new("usage", "give --key FILE or --kid HEX")),
    };
    let at = util::now_or(a.at.as_deref())?;
    let store = TrustStore::from_json(&util::read_text(&a.trust)?)
        .map_err(|e| CliError::from(e).at(a.trust.display()))?;
    let place = a.trust.display();
    let (ii, issuer) = store
        .issuers()
        .iter()
        .enumerate()
        .find(|(_, i)| i.id == a.issuer)
        .ok_or_else(|| {
            CliError::new(
                "no_such_issuer",
                format!("{place}: no issuer `{}`", a.issuer),
            )
        })?;
    let Some((ki, key)) = issuer
        .keys
        .iter()
        .enumerate()
        .find(|(_, k)| k.key.key_id() == kid)
    else {
        let elsewhere = store
            .key(&kid)
            .map(|(other, _)| format!(" (it is a key of `{}`)", other.id))
            .unwrap_or_default();
        return Err(CliError::new(
            "no_such_key",
            format!("{place}: issuer `{}` has no key {kid}{elsewhere}", a.issuer),
        ));
    };
    if let Some(was) = key.revoked_at
        && was <= at
    {
        return Err(CliError::new(
            "already_revoked",
            format!(
                "{place}: key {kid} of `{}` is already revoked at {}; a revocation can only move earlier",
                a.issuer,
                time::format(was)
            ),
        ));
    }
    if at < key.not_before {
        return Err(CliError::new(
            "invalid_time",
            format!(
                "--at {} is before the key's not_before {}",
                time::format(at),
                time::format(key.not_before)
            ),
        ));
    }
    let mut doc = store.doc().clone();
    let entry = doc
        .issuers
        .get_mut(ii)
        .and_then(|i| i.keys.get_mut(ki))
        .ok_or_else(|| CliError::new("internal", "trust store changed while editing"))?;
    entry.revoked_at = Some(time::format(at));
    let moved = key
        .revoked_at
        .map(|was| format!(" (was {})", time::format(was)))
        .unwrap_or_default();
    save(
        &a.trust,
        doc,
        json,
        &format!(
            "issuer `{}` key {kid} revoked at {}{moved}",
            a.issuer,
            time::format(at)
        ),
    )
}

pub fn run(cmd: TrustCommand, json: bool) -> Result<i32, CliError> {
    match cmd {
        TrustCommand::Init { out } => {
            if out.exists() {
                return Err(CliError::new(
                    "exists",
                    format!("{} exists; refusing to overwrite", out.display()),
                ));
            }
            let doc = TrustStoreDoc {
                version: 1,
                issuers: vec![],
                policies: vec![],
                ledgers: vec![],
                chains: vec![],
            };
            save(&out, doc, json, "created")
        }
        TrustCommand::Fingerprint { trust } => {
            // one read: the bytes checked are the bytes fingerprinted
            let text = util::read_text(&trust)?;
            TrustStore::from_json(&text).map_err(|e| CliError::from(e).at(trust.display()))?;
            let fp = TrustStore::fingerprint(text.as_bytes());
            let short = TrustStore::short_fingerprint(&fp);
            if json {
                util::print_json(&json!({"trust": trust, "fingerprint": fp, "short": short}));
            } else {
                println!("{short}  ({fp})");
            }
            Ok(0)
        }
        TrustCommand::AddIssuer {
            trust,
            id,
            kind,
            key,
            public_key,
            name,
            not_before,
        } => {
            let pk = match (key, public_key) {
                (Some(p), _) => {
                    let text = util::read_text(&p)?;
                    match SigningKey::from_pkcs8_pem(&text) {
                        Ok(k) => k.public_key(),
                        Err(_) => PublicKey::from_spki_pem(&text)
                            .map_err(|e| CliError::from(e).at(p.display()))?,
                    }
                }
                (None, Some(b64)) => PublicKey::from_base64(&b64)?,
                (None, None) => {
                    return Err(CliError::new(
                        "usage",
                        "give --key PEM or --public-key BASE64",
                    ));
                }
            };
            let not_before = match not_before {
                Some(s) => certanchor::time::format(util::parse_at(&s)?),
                // no lower bound: a key added today must still verify what
                // it signed before today (SPEC §7.4: times start at 1970)
                None => time::format(0),
            };
            let mut doc = load(&trust)?;
            let entry = KeyEntry {
                public_key: pk.to_base64(),
                not_before,
                not_after: None,
                revoked_at: None,
            };
            match doc.issuers.iter_mut().find(|i| i.id == id) {
                Some(i) => {
                    i.keys.push(entry);
                    for k in kind {
                        if !i.kinds.contains(&k) {
                            i.kinds.push(k);
                        }
                    }
                    if let Some(n) = name {
                        i.name = n;
                    }
                }
                None => doc.issuers.push(IssuerEntry {
                    name: name.unwrap_or_else(|| id.clone()),
                    id: id.clone(),
                    kinds: kind,
                    keys: vec![entry],
                }),
            }
            save(
                &trust,
                doc,
                json,
                &format!("issuer `{id}` with key {}", pk.key_id()),
            )
        }
        TrustCommand::RevokeKey(a) => revoke_key(a, json),
        TrustCommand::AddPolicy {
            trust,
            kind,
            endorsers,
            at_least,
            require_status,
            status_purposes,
            max_status_ttl,
            require_ledger,
        } => {
            let mut doc = load(&trust)?;
            doc.policies.retain(|p| p.kind != kind);
            doc.policies.push(PolicyEntry {
                kind: kind.clone(),
                endorsements: (!endorsers.is_empty()).then_some(EndorsementPolicy {
                    from: endorsers,
                    at_least,
                }),
                require_status,
                status_purposes: (!status_purposes.is_empty()).then_some(status_purposes),
                max_status_ttl,
                require_ledger,
            });
            save(&trust, doc, json, &format!("policy for `{kind}`"))
        }
        TrustCommand::AddLedger {
            trust,
            vkey,
            witnesses,
            quorum,
            max_age,
            url,
        } => {
            let v = NoteVerifier::from_verifier_key(&vkey)?;
            let witnesses = witnesses
                .iter()
                .map(|w| {
                    let c = CosignatureVerifier::from_verifier_key(w)
                        .map_err(|e| CliError::from(e).at("--witness"))?;
                    Ok(WitnessEntry {
                        name: c.name,
                        public_key: c.key.to_base64(),
                    })
                })
                .collect::<Result<Vec<_>, CliError>>()?;
            let mut doc = load(&trust)?;
            doc.ledgers.retain(|l| l.origin != v.name);
            doc.ledgers.push(LedgerEntry {
                origin: v.name.clone(),
                public_key: v.key.to_base64(),
                witnesses,
                quorum,
                max_age,
                url,
            });
            save(&trust, doc, json, &format!("ledger `{}`", v.name))
        }
        TrustCommand::AddChain {
            trust,
            chain_id,
            contract,
            rpc_url,
            name,
        } => {
            let mut doc = load(&trust)?;
            let addr = certanchor::trust::parse_evm_address(&contract);
            doc.chains.retain(|c| {
                c.chain_id != chain_id
                    || addr.is_none()
                    || certanchor::trust::parse_evm_address(&c.contract) != addr
            });
            doc.chains.push(certanchor::trust::ChainEntry {
                chain_id,
                contract: contract.clone(),
                rpc_url,
                name,
            });
            save(
                &trust,
                doc,
                json,
                &format!("chain {chain_id} registry {contract}"),
            )
        }
    }
}
