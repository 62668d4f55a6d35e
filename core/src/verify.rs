//! Verification (SPEC §8): ten checks, in order, each `passed`, `failed`,
//! `indeterminate` or `skipped`, with a stable code and a reason a clerk can
//! read.
//!
//! | # | check | fails when |
//! |---|---|---|
//! | 1 | `format` | the bundle (or its header, anchor, status lists) does not decode strictly, or is over a limit |
//! | 2 | `integrity` | a disclosed field's digest is not in the header, or a field is disclosed twice |
//! | 3 | `inclusion` | the leaf and audit path do not give the anchor's root for its tree size |
//! | 4 | `issuer_signature` | the first signature is not a valid signature by a trusted key of the anchor's issuer, valid at `issued_at`; or `issued_at` is in the future |
//! | 5 | `authorization` | header issuer ≠ anchor issuer, or the issuer is not trusted for the kind |
//! | 6 | `endorsements` | the kind's policy is not met by valid signatures of distinct trusted departments (each key valid at the endorsement's signed time and not revoked now) |
//! | 7 | `status` | revoked per any valid list, or suspended per the newest; a carried list is forged, of another batch or from the future (stale, or a required purpose missing: indeterminate) |
//! | 8 | `validity` | `now` is outside `[valid_from, valid_until]` |
//! | 9 | `schema` | a disclosed field breaks the kind's schema |
//! | 10 | `ledger` | a receipt is present and does not prove the anchor in a checkpoint signed by a trusted ledger; a chain receipt names a chain not in the trust store, or (online) the chain's registry does not hold the anchor with its root |
//!
//! A chain receipt (an anchor recorded on an EVM chain) cannot be checked
//! offline: [`Verifier::verify`] reports the `ledger` check indeterminate
//! ("chain receipt not checked offline"); [`Verifier::verify_online`] asks the
//! chain through a [`ChainOracle`] (crate `certanchor-ledger-evm` has one over
//! JSON-RPC).
//!
//! The verdict is `invalid` if any check failed, `indeterminate` if none
//! failed but one is indeterminate, `valid` otherwise.
//!
//! Anchor and status-list signatures are checked once per distinct document
//! (caches bounded in bytes that match the whole COSE bytes — not only the
//! anchor id, which two envelopes with different signatures share), and a
//! receipt's checkpoint note once per distinct note text. The
//! verifier also remembers the status lists it has accepted (the newest per
//! batch and purpose, and every revocation), so an older list replayed later
//! is not believed; see `known_status` for the rules.
//!
//! A verdict depends only on the bundle and on the verifier's state when
//! the call began: [`Verifier::verify_many`] and [`Verifier::verify_map`]
//! first take in the status lists every input carries, then verify each
//! input against that same state, whatever the order and the threads.
//!
//! Per cached anchor it also keeps the upper levels of the anchor's Merkle
//! tree as learned from proofs that verified ([`merkle::VerifiedNodes`],
//! about 4.5 bytes per leaf, allocated at the anchor's second bundle):
//! later bundles of the batch skip those hashes, with exactly the results of
//! [`merkle::verify_inclusion`]. All of a verifier's tables together stay
//! within [`MAX_VERIFIED_NODE_BYTES`].

use crate::document::Document;
use crate::time;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::Hash;
use crate::anchor::Anchor;
use crate::bundle::{Bundle, ChainReceipt, LedgerReceipt};
use crate::certificate::CertificateHeader;
use crate::error::VerifyError;
use crate::freshness::{FreshnessError, SignedCheckpoint};
use crate::ledger::sync::LedgerView;
use crate::merkle;
use crate::note;
use crate::schema::SchemaRegistry;
use crate::trust::{TrustStore, TrustedLedger};

mod cache;
mod checks;
mod code;
mod known_status;
mod online;
mod report;

use cache::ByteCache;
#[cfg(feature = "parallel")]
use cache::tail_key;
pub use code::ResultCode;
pub use report::{
    AnchorInfo, CertificateInfo, Check, CheckCode, LedgerInfo, Outcome, Party, Report, StatusInfo,
    Verdict,
};

use known_status::{KnownStatus, StatusEval};
pub use known_status::{MAX_CLOCK_SKEW, MAX_STATUS_BYTES, MAX_STATUS_TTL};

/// The bytes of the inputs that are bundles, in order.
fn bundle_bytes(inputs: &[crate::source::Sourced]) -> Vec<&[u8]> {
    inputs
        .iter()
        .filter_map(|s| s.bundle.as_deref().ok())
        .collect()
}

/// Why [`Verifier::verify_source`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum SourceOrSink<E> {
    /// The source could not be read.
    #[error(transparent)]
    Source(crate::source::SourceError),
    /// The caller's sink returned this error.
    #[error("{0}")]
    Sink(E),
}

/// Bundles per unit of work in [`Verifier::verify_many`].
#[cfg(feature = "parallel")]
const VERIFY_CHUNK: usize = 256;

/// Most bytes of anchors (and what is worked out from them) kept in the
/// signature cache, which is cleared when full: 64 MiB, at least a
/// thousand anchors of the largest size.
pub const MAX_ANCHOR_CACHE_BYTES: usize = 64 << 20;
/// Most bytes of carried status lists kept in the signature cache (their
/// encodings, and the inflated bits of trusted ones), cleared when full.
pub const MAX_STATUS_CACHE_BYTES: usize = 32 << 20;
/// Most bytes of receipts' checkpoint notes kept in the note cache (each
/// note, with its parsed checkpoint or why it failed), cleared when full:
/// 16 MiB, about a thousand notes of the largest size a receipt carries
/// ([`crate::bundle::MAX_CHECKPOINT_LEN`]), tens of thousands of a ledger's
/// usual notes of a few hundred bytes.
pub const MAX_CHECKPOINT_CACHE_BYTES: usize = 16 << 20;
/// Most bytes one verifier spends on the verified Merkle nodes of its
/// cached anchors ([`merkle::VerifiedNodes`], about 4.5 bytes per leaf of a
/// batch, at most 4.7 MB each): 54 batches of a million certificates.
/// Anchors beyond it are verified by hashing every node of their proofs.
pub const MAX_VERIFIED_NODE_BYTES: usize = 256 << 20;

/// What an EVM anchor registry holds for one anchor (`anchoredAt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainRecord {
    /// Number of the block the anchor was recorded in.
    pub block: u64,
    /// That block's timestamp (Unix seconds).
    pub timestamp: u64,
    /// The account that recorded it (an authorized issuer of the registry).
    pub issuer: [u8; 20],
    /// The Merkle root recorded.
    pub root: Hash,
    /// The tree size recorded.
    pub tree_size: u64,
}

/// Asks EVM chains about anchors, for online verification
/// ([`Verifier::verify_online`]). Core has no network code: an embedder or
/// crate `certanchor-ledger-evm` implements this over JSON-RPC.
pub trait ChainOracle {
    /// The registry record of `anchor_id` in `contract` on chain `chain_id`,
    /// as of a block the oracle considers final; `Ok(None)` when there is none.
    ///
    /// # Errors
    /// A readable reason when the chain could not be asked (the check is then
    /// indeterminate, not failed). An oracle connected to another chain id
    /// must answer `Err`.
    fn anchored(
        &self,
        chain_id: u64,
        contract: &[u8; 20],
        anchor_id: &Hash,
    ) -> Result<Option<ChainRecord>, String>;
}

/// An endorsement whose signature verified with a trusted key that was
/// valid at the endorsement's time. Whether it counts also depends on the
/// verification time: not before its signed time (less the clock skew),
/// and not once its key is revoked.
#[derive(Debug, Clone)]
struct Endorsement {
    party: Party,
    /// Counts from this time on: its signed time less [`MAX_CLOCK_SKEW`].
    from: u64,
    /// The signed time (`None` for an undated endorsement).
    signed_at: Option<u64>,
    /// Stops counting at its key's revocation.
    until: Option<u64>,
}

impl Endorsement {
    /// `Err` says why it does not count at `now`.
    fn counts_at(&self, now: u64) -> Result<(), String> {
        if now < self.from {
            return Err(format!(
                "endorsement by {} is dated {}, in the future",
                self.party.id,
                time::format(self.signed_at.unwrap_or(self.from))
            ));
        }
        if let Some(r) = self.until.filter(|r| now >= *r) {
            return Err(format!(
                "endorsement by {}: its key was revoked at {}",
                self.party.id,
                time::format(r)
            ));
        }
        Ok(())
    }
}

/// What is known about one anchor after checking its signatures once.
#[derive(Debug)]
struct AnchorEval {
    anchor: Anchor,
    issuer_check: Check,
    issuer: Party,
    issuer_kinds: Option<Vec<String>>,
    /// Every endorsement whose signature verified with a key valid at its time.
    endorsements: Vec<Endorsement>,
    /// Why other signatures do not count.
    endorsement_notes: Vec<String>,
    /// The verification times at which every endorsement counts, `[from, until)`.
    all_count: (u64, u64),
    /// The departments that count then, once each.
    endorsers: Vec<Party>,
    /// Per kind the anchor lists: the authorization check of a certificate
    /// naming the anchor's issuer, and the endorsement check when every
    /// endorsement counts (both depend only on the anchor, the kind and the
    /// trust store).
    per_kind: Vec<(String, Check, Check)>,
    /// The top of the anchor's tree, learned from the proofs that verified
    /// (inclusion checks of a warm batch skip most of their hashes).
    nodes: merkle::VerifiedNodes,
}

impl AnchorEval {
    /// The departments that count at `now`, once each, and why others do not.
    fn endorsers_at(&self, now: u64) -> (Vec<Party>, Vec<String>) {
        let mut parties: Vec<Party> = Vec::with_capacity(self.endorsements.len());
        let mut notes = self.endorsement_notes.clone();
        for e in &self.endorsements {
            match e.counts_at(now) {
                Err(why) => notes.push(why),
                Ok(()) if parties.iter().any(|p| p.id == e.party.id) => {
                    notes.push(format!(
                        "{} endorsed more than once; counted once",
                        e.party.id
                    ));
                }
                Ok(()) => parties.push(e.party.clone()),
            }
        }
        (parties, notes)
    }
}

/// A receipt's checkpoint note as opened against the trust store's ledgers
/// ([`note::verify_checkpoint`]): the checkpoint, or why it does not verify.
/// Both depend only on the note's bytes and the trust store, which a
/// verifier never changes, so the result is cached by the note's bytes.
#[derive(Debug)]
struct CheckpointEval {
    note: String,
    result: Result<note::Checkpoint, note::NoteError>,
    /// [`Self::heap_size`], worked out once.
    size: usize,
}

impl CheckpointEval {
    /// Bytes of an entry besides its strings: the value, its `Arc` and its
    /// slot in the map.
    const OVERHEAD: usize = 256;

    fn new(note: &str, ledgers: &[note::NoteVerifier]) -> Self {
        let result = note::verify_checkpoint(note, ledgers);
        let parsed = match &result {
            Ok(cp) => cp.extensions.iter().fold(cp.origin.len(), |n, e| {
                n.saturating_add(e.len()).saturating_add(24)
            }),
            // the strings an error holds are in its message
            Err(e) => e.to_string().len(),
        };
        Self {
            note: note.to_owned(),
            result,
            size: note
                .len()
                .saturating_add(parsed)
                .saturating_add(Self::OVERHEAD),
        }
    }

    /// About how many bytes the entry holds.
    fn heap_size(&self) -> usize {
        self.size
    }
}

/// Verifies bundles against a trust store. Cheap to share across threads.
#[derive(Debug)]
pub struct Verifier {
    trust: TrustStore,
    registry: SchemaRegistry,
    anchors: ByteCache<AnchorEval>,
    status_lists: ByteCache<StatusEval>,
    /// Receipts' checkpoint notes, opened once per distinct note.
    checkpoints: ByteCache<CheckpointEval>,
    /// The status lists accepted so far.
    known: KnownStatus,
    /// Bytes left of [`MAX_VERIFIED_NODE_BYTES`].
    node_budget: Arc<std::sync::atomic::AtomicUsize>,
    /// The followed ledger, when a mirror is used (SPEC §8.12).
    ledger: Option<Arc<FollowedLedger>>,
}

/// A mirror's view and its checkpoint's signatures, verified once against
/// the trust store's ledger ([`Verifier::use_ledger`]); check 10 applies
/// the freshness rules that depend on `now` at each verification.
#[derive(Debug)]
struct FollowedLedger {
    view: LedgerView,
    signed: Result<(TrustedLedger, SignedCheckpoint), FreshnessError>,
}

impl Verifier {
    /// A verifier with the built-in kinds' schemas.
    #[must_use]
    pub fn new(trust: TrustStore) -> Self {
        Self::with_registry(trust, SchemaRegistry::builtin())
    }

    /// A verifier with an embedder's schema registry.
    #[must_use]
    pub fn with_registry(trust: TrustStore, registry: SchemaRegistry) -> Self {
        Self {
            trust,
            registry,
            anchors: ByteCache::new(MAX_ANCHOR_CACHE_BYTES),
            status_lists: ByteCache::new(MAX_STATUS_CACHE_BYTES),
            checkpoints: ByteCache::new(MAX_CHECKPOINT_CACHE_BYTES),
            known: KnownStatus::default(),
            node_budget: Arc::new(std::sync::atomic::AtomicUsize::new(MAX_VERIFIED_NODE_BYTES)),
            ledger: None,
        }
    }

    /// Verifies against a followed ledger from now on (a mirror's view,
    /// SPEC §8.12): every status list in it is taken in as of `now` (as
    /// [`Self::add_status_list`] does; lists the trust store does not vouch
    /// for are skipped), and check 10 finds anchors in it without a
    /// receipt. Returns how many lists were taken in.
    ///
    /// # Errors
    /// [`VerifyError::UntrustedLedger`] when the trust store does not trust
    /// the view's ledger, or its checkpoint no longer verifies with the
    /// trust store's key.
    pub fn use_ledger(&mut self, view: LedgerView, now: u64) -> Result<usize, VerifyError> {
        note::verify_checkpoint(&view.note, self.trust.ledgers()).map_err(|e| {
            VerifyError::UntrustedLedger {
                origin: view.origin().to_owned(),
                reason: e.to_string(),
            }
        })?;
        let mut taken = 0;
        for (_, bytes) in view.status_lists() {
            if self.add_status_list(bytes, now).is_ok() {
                taken += 1;
            }
        }
        let signed = self
            .trust
            .signed_checkpoint(&view.note)
            .map(|(l, s)| (l.clone(), s));
        self.ledger = Some(Arc::new(FollowedLedger { view, signed }));
        Ok(taken)
    }

    /// The followed ledger's view, if [`Self::use_ledger`] set one.
    #[must_use]
    pub fn ledger_view(&self) -> Option<&LedgerView> {
        self.ledger.as_deref().map(|f| &f.view)
    }

    /// The trust store.
    #[must_use]
    pub fn trust_store(&self) -> &TrustStore {
        &self.trust
    }

    /// The schema registry.
    #[must_use]
    pub fn registry(&self) -> &SchemaRegistry {
        &self.registry
    }

    /// Hands the verifier a status list obtained out of band (e.g. downloaded
    /// from the issuer), as of `now` (Unix seconds). It is remembered if a
    /// trusted key of its issuer signed it, that key is valid at the list's
    /// `issued_at` and at `now`, and the list is not from the future; it
    /// then counts for every later verification (the newest per batch and
    /// purpose, and every revocation it records).
    ///
    /// # Errors
    /// [`VerifyError::Decode`] for a malformed list,
    /// [`VerifyError::UntrustedStatusList`] when it is not usable at `now`
    /// (the reason says why), or when the verifier's status memory
    /// ([`MAX_STATUS_BYTES`]) is full.
    pub fn add_status_list(&self, bytes: &[u8], now: u64) -> Result<(), VerifyError> {
        let eval = self.status_eval(bytes)?;
        self.known.absorb(&eval, now).map_err(|e| {
            let reason = match e {
                known_status::NotAbsorbed::Full => {
                    format!("the verifier already holds {MAX_STATUS_BYTES} bytes of status lists")
                }
                known_status::NotAbsorbed::Unusable(u) => match u {
                    known_status::Unusable::Untrusted(why)
                    | known_status::Unusable::KeyNotValidNow(why) => why,
                    known_status::Unusable::Future(t) => {
                        format!("issued at {}, after {}", time::format(t), time::format(now))
                    }
                },
            };
            VerifyError::UntrustedStatusList { reason }
        })
    }

    /// The status lists this verifier has accepted, encoded: enough to
    /// rebuild what it knows with [`Self::add_status_list`] in another
    /// verifier (or process) with the same trust store. Sorted.
    #[must_use]
    pub fn status_lists(&self) -> Vec<Vec<u8>> {
        self.known.export()
    }

    /// Bytes held by the verifier's caches and status memory (not counting
    /// the verified Merkle nodes, bounded by [`MAX_VERIFIED_NODE_BYTES`]).
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        self.anchors.bytes()
            + self.status_lists.bytes()
            + self.checkpoints.bytes()
            + self.known.bytes()
    }

    /// Takes in the status lists `inputs` carry, as of `now`, before any of
    /// them is verified: [`Self::verify_map`] calls it so that every
    /// verdict of a call rests on the same state. Inputs that do not decode
    /// are skipped (their verification reports why).
    pub fn learn_status<B: AsRef<[u8]> + Sync>(&self, inputs: &[B], now: u64) {
        let learn = |input: &B| {
            let _ = Bundle::for_each_status(input.as_ref(), |bytes| {
                if let Ok(eval) = self.status_eval(bytes) {
                    let _ = self.known.absorb(&eval, now);
                }
            });
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            inputs.par_iter().for_each(learn);
        }
        #[cfg(not(feature = "parallel"))]
        inputs.iter().for_each(learn);
    }

    /// Verifies a bundle given as bytes: binary, or `CA1:` text.
    #[must_use]
    pub fn verify(&self, input: &[u8], now: u64) -> Report {
        self.verify_result(Bundle::decode_with_digests(input), now, true)
    }

    /// Verifies a decoded bundle with its disclosed fields' digests.
    /// `learn`: take in the bundle's status lists first (false when
    /// [`Self::learn_status`] already did, as in [`Self::verify_map`]).
    fn verify_result(
        &self,
        decoded: Result<(Bundle, Vec<Hash>), crate::DecodeError>,
        now: u64,
        learn: bool,
    ) -> Report {
        match decoded {
            Ok((b, digests)) => {
                self.verify_decoded(std::borrow::Cow::Owned(b), Some(&digests), now, learn)
            }
            Err(e) => Self::format_failure(format!("bundle: {e}"), e.result_code(), now),
        }
    }

    /// Verifies many bundles (in parallel with the `parallel` feature).
    /// Every verdict depends only on its bundle and on the verifier's state
    /// once the status lists all inputs carry have been taken in
    /// ([`Self::learn_status`]), not on the order or the threads.
    #[must_use]
    pub fn verify_many<B: AsRef<[u8]> + Sync>(&self, inputs: &[B], now: u64) -> Vec<Report> {
        self.verify_map(inputs, now, |report| report)
    }

    /// [`Self::verify_many`] that hands each report to `f` on the thread
    /// that produced it and keeps only what `f` returns, in input order.
    ///
    /// For bulk jobs: a report holds about 4 KB in some fifty allocations,
    /// so keeping a verdict or a summary instead lets each thread reuse the
    /// memory at once, and no thread frees another's reports. Over 200k
    /// bundles on two cores this ran at 1.4–1.5 × the rate of
    /// `verify_many` in chunks of 10,000 whose reports the caller drops.
    ///
    /// ```
    /// use certanchor::sample::{self, JAN_1_2024};
    /// use certanchor::{Document, IssueOptions, Issuer, TrustStore, Verdict, Verifier};
    /// let market = &sample::demo_authorities()[1];
    /// let certs: Vec<_> = (0..8).map(sample::business_license).collect();
    /// let batch = Issuer::new(market.key.clone(), market.id)
    ///     .issue("2024-01", &certs, &IssueOptions::at(JAN_1_2024))?;
    /// let bundles: Vec<Vec<u8>> = (0..8).map(|i| batch.bundle(i, None).map(|b| b.to_vec())).collect::<Result<_, _>>()?;
    /// let verifier = Verifier::new(TrustStore::from_doc(sample::demo_trust_doc(None))?);
    /// let verdicts = verifier.verify_map(&bundles, JAN_1_2024 + 60, |r| r.verdict);
    /// assert_eq!(verdicts.len(), 8);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_map<B, T, F>(&self, inputs: &[B], now: u64, f: F) -> Vec<T>
    where
        B: AsRef<[u8]> + Sync,
        T: Send,
        F: Fn(Report) -> T + Sync + Send,
    {
        self.learn_status(inputs, now);
        self.verify_map_learned(inputs, now, f)
    }

    /// [`Self::verify_map`] after [`Self::learn_status`] has taken in the
    /// inputs' lists (taking them in again would decode every input twice).
    fn verify_map_learned<B, T, F>(&self, inputs: &[B], now: u64, f: F) -> Vec<T>
    where
        B: AsRef<[u8]> + Sync,
        T: Send,
        F: Fn(Report) -> T + Sync + Send,
    {
        #[cfg(feature = "parallel")]
        {
            // Chunks decode their bundles once, then check the signatures of
            // all their new anchors in one batch before the per-bundle checks.
            use rayon::prelude::*;
            let f = &f;
            inputs
                .par_chunks(VERIFY_CHUNK)
                .flat_map_iter(|chunk| {
                    let decoded: Vec<_> = chunk
                        .iter()
                        .map(|b| Bundle::decode_with_digests(b.as_ref()))
                        .collect();
                    self.prime_anchors(&decoded);
                    decoded
                        .into_iter()
                        .map(move |d| f(self.verify_result(d, now, false)))
                })
                .collect()
        }
        #[cfg(not(feature = "parallel"))]
        {
            inputs
                .iter()
                .map(|b| f(self.verify_result(Bundle::decode_with_digests(b.as_ref()), now, false)))
                .collect()
        }
    }

    /// Verifies every input of `source` (a directory or JSON Lines, see
    /// [`crate::source`]) as [`Self::verify_map`] does, `chunk` inputs at a
    /// time, with memory bounded by a chunk: the source is read twice
    /// ([`Self::verify_chunks`]), so verdicts do not depend on order or
    /// chunking. `sink` gets each chunk's places and results in input
    /// order.
    ///
    /// # Errors
    /// [`SourceOrSink::Source`] when the source cannot be read,
    /// [`SourceOrSink::Sink`] with the first error `sink` returns (which
    /// stops the run).
    pub fn verify_source<T, F, E>(
        &self,
        source: &crate::source::BundleSource,
        now: u64,
        chunk: usize,
        f: F,
        mut sink: impl FnMut(Vec<(String, T)>) -> Result<(), E>,
    ) -> Result<(), SourceOrSink<E>>
    where
        T: Send,
        F: Fn(Report) -> T + Sync + Send,
    {
        let pass = || -> Result<_, SourceOrSink<E>> {
            Ok(source
                .chunks(chunk)
                .map_err(SourceOrSink::Source)?
                .map(|c| c.map_err(SourceOrSink::Source)))
        };
        self.verify_chunks(now, pass, f, |out| sink(out).map_err(SourceOrSink::Sink))
    }

    /// The two passes of bulk verification over inputs that come in
    /// chunks: `pass()` starts a reading of every input, and is called
    /// twice, once to take in every status list the inputs carry
    /// ([`Self::learn_status`]) and once to verify each chunk with
    /// [`Self::verify_map`]; so verdicts do not depend on order or
    /// chunking, and memory is bounded by a chunk. Chunks may be owned
    /// (`Vec<Sourced>`) or borrowed (`&[Sourced]`). An input that is not a
    /// bundle gets the report of [`Report::format_failure`] with its code
    /// and reason. `sink` gets each chunk's places and results in order.
    ///
    /// # Errors
    /// The first error of `pass`, of a chunk, or of `sink`.
    pub fn verify_chunks<T, F, E, I, C>(
        &self,
        now: u64,
        mut pass: impl FnMut() -> Result<I, E>,
        f: F,
        mut sink: impl FnMut(Vec<(String, T)>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        T: Send,
        F: Fn(Report) -> T + Sync + Send,
        I: Iterator<Item = Result<C, E>>,
        C: std::borrow::Borrow<[crate::source::Sourced]>,
    {
        for inputs in pass()? {
            self.learn_status(&bundle_bytes(inputs?.borrow()), now);
        }
        for inputs in pass()? {
            let inputs = inputs?;
            let inputs = inputs.borrow();
            let bytes = bundle_bytes(inputs);
            let mut verified = self.verify_map_learned(&bytes, now, &f).into_iter();
            let mut out = Vec::with_capacity(inputs.len());
            for s in inputs {
                let result = match &s.bundle {
                    Err(why) => f(Report::format_failure(why.reason.clone(), why.code, now)),
                    // `verify_map` gives one result per input: never `None`.
                    Ok(_) => match verified.next() {
                        Some(r) => r,
                        None => break,
                    },
                };
                out.push((s.place.clone(), result));
            }
            sink(out)?;
        }
        Ok(())
    }

    fn format_failure(reason: String, code: ResultCode, now: u64) -> Report {
        Report::format_failure(reason, code, now)
    }

    fn anchor_eval(&self, bytes: &[u8]) -> Result<Arc<AnchorEval>, crate::DecodeError> {
        if let Some(e) = self.anchors.get(bytes) {
            return Ok(e);
        }
        let anchor = Anchor::from_slice(bytes)?;
        let checked = self.check_signatures(&[&anchor]);
        let eval =
            Arc::new(self.evaluate_anchor(anchor, checked.first().map_or(&[], Vec::as_slice)));
        self.anchors.insert(Arc::clone(&eval));
        Ok(eval)
    }

    /// Checks every signature made with a trusted key on `anchors` in one
    /// Ed25519 batch (one by one only if the batch fails): per anchor, per
    /// signature, `Some(verified)`, or `None` for a key not in the store.
    fn check_signatures(&self, anchors: &[&Anchor]) -> Vec<Vec<Option<bool>>> {
        self.check_signatures_with(anchors, &[]).0
    }

    /// [`Self::check_signatures`] with `extra` signatures `(signed bytes,
    /// signature, key)` in the same batch; also returns theirs, in order.
    fn check_signatures_with(
        &self,
        anchors: &[&Anchor],
        extra: &[(Vec<u8>, &[u8], &crate::keys::PublicKey)],
    ) -> (Vec<Vec<Option<bool>>>, Vec<bool>) {
        let mut parts = Vec::new();
        let mut out: Vec<Vec<Option<bool>>> = Vec::with_capacity(anchors.len());
        for (a, anchor) in anchors.iter().enumerate() {
            let kids = anchor.signer_key_ids();
            out.push(vec![None; kids.len()]);
            for (i, kid) in kids.iter().enumerate() {
                if let (Some((_, tk)), Some((tbs, sig))) =
                    (self.trust.key(kid), anchor.signed_parts(i))
                {
                    parts.push((a, i, tbs, sig, &tk.key));
                }
            }
        }
        let items: Vec<(&[u8], &[u8], &crate::keys::PublicKey)> = parts
            .iter()
            .map(|(_, _, tbs, sig, key)| (tbs.as_slice(), *sig, *key))
            .chain(
                extra
                    .iter()
                    .map(|(tbs, sig, key)| (tbs.as_slice(), *sig, *key)),
            )
            .collect();
        let all = crate::keys::PublicKey::verify_batch(&items);
        for (a, i, tbs, sig, key) in &parts {
            if let Some(slot) = out.get_mut(*a).and_then(|v| v.get_mut(*i)) {
                *slot = Some(all || key.verify(tbs, sig));
            }
        }
        let extra_ok = extra
            .iter()
            .map(|(tbs, sig, key)| all || key.verify(tbs, sig))
            .collect();
        (out, extra_ok)
    }

    /// A bundle whose anchor is not cached yet: its anchor's signatures and
    /// those of its new status lists are checked in one Ed25519 batch (a
    /// bundle endorsed once and carrying a revocation list has three), and
    /// the results are cached for the checks that follow. Without the
    /// `batch` feature the checks that follow verify them one by one anyway.
    #[cfg(feature = "batch")]
    fn prime_cold(&self, bundle: &Bundle) {
        let Ok(anchor) = Anchor::from_slice(&bundle.anchor) else {
            return; // the format check reports it
        };
        let lists: Vec<(
            crate::status::StatusEnvelope,
            Option<&crate::keys::PublicKey>,
        )> = bundle
            .status
            .iter()
            .filter(|bytes| self.status_lists.get(bytes).is_none())
            .filter_map(|bytes| crate::status::StatusEnvelope::decode(bytes).ok())
            .map(|list| {
                let key = self.trust.key(&list.signer_key_id()).map(|(_, tk)| &tk.key);
                (list, key)
            })
            .collect();
        let extra: Vec<(Vec<u8>, &[u8], &crate::keys::PublicKey)> = lists
            .iter()
            .filter_map(|(list, key)| {
                let (tbs, sig) = list.signed_parts();
                key.map(|k| (tbs, sig, k))
            })
            .collect();
        let (checked, extra_ok) = self.check_signatures_with(&[&anchor], &extra);
        drop(extra);
        let eval = self.evaluate_anchor(anchor, checked.first().map_or(&[], Vec::as_slice));
        self.anchors.insert(Arc::new(eval));
        let mut extra_ok = extra_ok.into_iter();
        for (list, key) in lists {
            let verified = key.and_then(|_| extra_ok.next());
            if let Ok(eval) = StatusEval::new(&self.trust, list, verified) {
                self.status_lists.insert(Arc::new(eval));
            }
        }
    }

    /// Decodes and evaluates the distinct, not yet cached anchors among
    /// `bundles` with one batch verification for all their signatures.
    #[cfg(feature = "parallel")]
    fn prime_anchors(&self, bundles: &[Result<(Bundle, Vec<Hash>), crate::DecodeError>]) {
        let mut seen = std::collections::HashSet::new();
        let anchors: Vec<Anchor> = bundles
            .iter()
            .flatten()
            .map(|(b, _)| b.anchor.as_slice())
            .filter(|bytes| seen.insert(tail_key(bytes)) && self.anchors.get(bytes).is_none())
            .filter_map(|bytes| Anchor::from_slice(bytes).ok())
            .collect();
        if anchors.len() < 2 {
            return;
        }
        let refs: Vec<&Anchor> = anchors.iter().collect();
        let checked = self.check_signatures(&refs);
        for (anchor, results) in anchors.into_iter().zip(checked) {
            let eval = Arc::new(self.evaluate_anchor(anchor, &results));
            self.anchors.insert(eval);
        }
    }

    /// `checked` holds [`Self::check_signatures`]'s results for `anchor`.
    fn evaluate_anchor(&self, anchor: Anchor, checked: &[Option<bool>]) -> AnchorEval {
        let verified = |i: usize, key: &crate::keys::PublicKey| {
            checked
                .get(i)
                .copied()
                .flatten()
                .unwrap_or_else(|| anchor.verify_signature(i, key))
        };
        let body = anchor.body().clone();
        let trusted_issuer = self.trust.issuer(&body.issuer);
        let issuer_kinds = trusted_issuer.map(|i| i.kinds.clone());
        let kids = anchor.signer_key_ids().to_vec();
        let issuer_check = match kids.first().map(|k| (k, self.trust.key(k))) {
            None => Check::new(
                CheckCode::IssuerSignature,
                Outcome::Failed,
                ResultCode::NoSignature,
                "the anchor has no signature",
            ),
            Some((kid, None)) => Check::new(
                CheckCode::IssuerSignature,
                Outcome::Failed,
                ResultCode::UnknownKey,
                format!("the issuer's signature is by key {kid}, which is not in the trust store"),
            ),
            Some((kid, Some((ti, tk)))) => {
                if ti.id != body.issuer {
                    Check::new(
                        CheckCode::IssuerSignature,
                        Outcome::Failed,
                        ResultCode::WrongIssuerKey,
                        format!(
                            "the anchor names issuer `{}` but is signed with a key of `{}`",
                            body.issuer, ti.id
                        ),
                    )
                } else if let Err(why) = tk.valid_at(body.issued_at) {
                    Check::new(
                        CheckCode::IssuerSignature,
                        Outcome::Failed,
                        ResultCode::KeyNotValid,
                        format!(
                            "{why}; the anchor was issued at {}",
                            time::format(body.issued_at)
                        ),
                    )
                } else if !verified(0, &tk.key) {
                    Check::new(
                        CheckCode::IssuerSignature,
                        Outcome::Failed,
                        ResultCode::BadSignature,
                        format!("the issuer's signature with key {kid} does not verify"),
                    )
                } else {
                    Check::new(
                        CheckCode::IssuerSignature,
                        Outcome::Passed,
                        ResultCode::Ok,
                        format!("signed by {} ({}) with key {kid}", ti.name, ti.id),
                    )
                }
            }
        };
        // The issuer's name is shown only for a signature that verified:
        // otherwise the report names the claimed id, unverified.
        let issuer = Party {
            id: body.issuer.clone(),
            name: trusted_issuer
                .filter(|_| issuer_check.outcome == Outcome::Passed)
                .map(|i| i.name.clone()),
        };
        let mut endorsements: Vec<Endorsement> = Vec::new();
        let mut notes = Vec::new();
        let times = anchor.signature_times();
        for (i, kid) in kids.iter().enumerate().skip(1) {
            match self.trust.key(kid) {
                None => notes.push(format!("signature {i} is by untrusted key {kid}")),
                Some((ti, _)) if ti.id == body.issuer => {
                    notes.push(format!(
                        "signature {i} is by the issuer itself and is not an endorsement"
                    ));
                }
                Some((ti, tk)) => {
                    // An undated endorsement (made before endorsements signed
                    // their time) is taken at the anchor's time.
                    let signed_at = times.get(i).copied().flatten();
                    let at = signed_at.unwrap_or(body.issued_at);
                    if at < body.issued_at {
                        notes.push(format!(
                            "endorsement by {} is dated {}, before the anchor",
                            ti.id,
                            time::format(at)
                        ));
                    } else if let Err(why) = tk.valid_at(at) {
                        notes.push(format!("endorsement by {}: {why}", ti.id));
                    } else if !verified(i, &tk.key) {
                        notes.push(format!("endorsement by {} does not verify", ti.id));
                    } else {
                        endorsements.push(Endorsement {
                            party: Party {
                                id: ti.id.clone(),
                                name: Some(ti.name.clone()),
                            },
                            from: at.saturating_sub(MAX_CLOCK_SKEW),
                            signed_at,
                            until: tk.revoked_at,
                        });
                    }
                }
            }
        }
        let all_count = endorsements.iter().fold((0, u64::MAX), |(lo, hi), e| {
            (lo.max(e.from), hi.min(e.until.unwrap_or(u64::MAX)))
        });
        let nodes = merkle::VerifiedNodes::with_budget(
            body.root,
            body.tree_size,
            Arc::clone(&self.node_budget),
        );
        let mut eval = AnchorEval {
            nodes,
            anchor,
            issuer_check,
            issuer,
            issuer_kinds,
            endorsements,
            endorsement_notes: notes,
            all_count,
            endorsers: Vec::new(),
            per_kind: Vec::new(),
        };
        let (endorsers, notes) = eval.endorsers_at(all_count.0);
        eval.endorsers.clone_from(&endorsers);
        eval.per_kind = body
            .kinds
            .iter()
            .map(|kind| {
                (
                    kind.clone(),
                    Self::authorization_check(&eval, &body.issuer, kind),
                    self.endorsement_check(&endorsers, &notes, kind),
                )
            })
            .collect();
        eval
    }

    /// Check 5: whether the anchor's issuer may issue `kind`, for a
    /// certificate that names `issuer`.
    fn authorization_check(eval: &AnchorEval, issuer: &str, kind: &str) -> Check {
        let body = eval.anchor.body();
        if issuer != body.issuer {
            Check::new(
                CheckCode::Authorization,
                Outcome::Failed,
                ResultCode::IssuerMismatch,
                format!(
                    "the certificate names issuer `{issuer}` but the anchor is by `{}`",
                    body.issuer
                ),
            )
        } else if !body.kinds.iter().any(|k| k == kind) {
            Check::new(
                CheckCode::Authorization,
                Outcome::Failed,
                ResultCode::KindNotAnchored,
                format!("the anchor does not list kind `{kind}`"),
            )
        } else {
            match &eval.issuer_kinds {
                None => Check::new(
                    CheckCode::Authorization,
                    Outcome::Failed,
                    ResultCode::UntrustedIssuer,
                    format!("issuer `{}` is not in the trust store", body.issuer),
                ),
                Some(kinds) if !kinds.iter().any(|k| k == kind) => Check::new(
                    CheckCode::Authorization,
                    Outcome::Failed,
                    ResultCode::UnauthorizedKind,
                    format!("issuer `{}` is not trusted to issue `{kind}`", body.issuer),
                ),
                Some(_) => Check::new(
                    CheckCode::Authorization,
                    Outcome::Passed,
                    ResultCode::Ok,
                    format!("`{}` is trusted to issue `{kind}`", body.issuer),
                ),
            }
        }
    }

    /// Check 6: the endorsements that count against the policy for `kind`;
    /// `notes` say why others do not.
    fn endorsement_check(&self, endorsers: &[Party], notes: &[String], kind: &str) -> Check {
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        };
        match self
            .trust
            .policy(kind)
            .and_then(|p| p.endorsements.as_ref())
        {
            None => Check::new(
                CheckCode::Endorsements,
                Outcome::Skipped,
                ResultCode::NoPolicy,
                format!("no endorsement policy for `{kind}`{notes}"),
            ),
            Some(ep) => {
                let counted: Vec<&str> = endorsers
                    .iter()
                    .filter(|p| ep.from.contains(&p.id))
                    .map(|p| p.id.as_str())
                    .collect();
                if counted.len() >= ep.at_least {
                    Check::new(
                        CheckCode::Endorsements,
                        Outcome::Passed,
                        ResultCode::Ok,
                        format!(
                            "endorsed by {} ({} of {} required){notes}",
                            list_or_none(&counted),
                            counted.len(),
                            ep.at_least
                        ),
                    )
                } else {
                    Check::new(
                        CheckCode::Endorsements,
                        Outcome::Failed,
                        ResultCode::EndorsementsMissing,
                        format!(
                            "needs {} endorsement(s) from {}; valid ones: {}{notes}",
                            ep.at_least,
                            ep.from.join(", "),
                            list_or_none(&counted)
                        ),
                    )
                }
            }
        }
    }

    /// Verifies a decoded bundle at `now` (Unix seconds).
    #[must_use]
    pub fn verify_bundle(&self, bundle: &Bundle, now: u64) -> Report {
        self.verify_decoded(std::borrow::Cow::Borrowed(bundle), None, now, true)
    }

    /// The ten checks; an owned bundle hands its disclosed values to the
    /// report instead of copying them. `digests`, when known, are the
    /// disclosed fields' digests (in order), else they are computed here.
    fn verify_decoded(
        &self,
        bundle: std::borrow::Cow<'_, Bundle>,
        digests: Option<&[Hash]>,
        now: u64,
        learn: bool,
    ) -> Report {
        // 1. format: the nested documents must decode too.
        let header = match CertificateHeader::from_slice(&bundle.header) {
            Ok(h) => h,
            Err(e) => {
                return Self::format_failure(
                    format!("certificate header: {e}"),
                    e.result_code(),
                    now,
                );
            }
        };
        let eval = match self.anchors.get(&bundle.anchor) {
            Some(cached) => Ok(cached),
            None => {
                #[cfg(feature = "batch")]
                self.prime_cold(&bundle);
                self.anchor_eval(&bundle.anchor)
            }
        };
        let eval = match eval {
            Ok(a) => a,
            Err(e) => return Self::format_failure(format!("anchor: {e}"), e.result_code(), now),
        };
        let mut lists = Vec::with_capacity(bundle.status.len());
        for (i, s) in bundle.status.iter().enumerate() {
            match self.status_eval(s) {
                Ok(l) => {
                    // a genuine list usable now joins what the verifier knows
                    // (learn_status did it already for a verify_map call)
                    if learn {
                        let _ = self.known.absorb(&l, now);
                    }
                    lists.push(l);
                }
                Err(e) => {
                    return Self::format_failure(
                        format!("status list {i}: {e}"),
                        e.result_code(),
                        now,
                    );
                }
            }
        }
        let body = eval.anchor.body();
        let mut checks = Vec::with_capacity(10);
        checks.push(Check::new(
            CheckCode::Format,
            Outcome::Passed,
            ResultCode::Ok,
            "the bundle decodes strictly and is within limits",
        ));
        let (authorization, endorsements, endorsers) =
            checks::Ctx::per_kind(self, &eval, &header, now);
        let mut found = checks::Found {
            endorsers,
            ..checks::Found::default()
        };
        let ctx = checks::Ctx {
            verifier: self,
            bundle: &bundle,
            digests,
            header: &header,
            eval: &eval,
            body,
            lists: &lists,
            policy: self.trust.policy(&header.kind),
            now,
            per_kind: (authorization, endorsements),
        };
        for (_, step) in checks::PIPELINE {
            checks.push(step(&ctx, &mut found));
        }
        let integrity_ok = checks
            .iter()
            .any(|c| c.check == CheckCode::Integrity && c.outcome == Outcome::Passed);

        let verdict = if checks.iter().any(|c| c.outcome == Outcome::Failed) {
            Verdict::Invalid
        } else if checks.iter().any(|c| c.outcome == Outcome::Indeterminate) {
            Verdict::Indeterminate
        } else {
            Verdict::Valid
        };
        let leaf_index = bundle.proof.leaf_index;
        let disclosed = if integrity_ok {
            let fields = match bundle {
                std::borrow::Cow::Owned(b) => b.disclosed,
                std::borrow::Cow::Borrowed(b) => b.disclosed.clone(),
            };
            fields.into_iter().map(|d| (d.name, d.value)).collect()
        } else {
            BTreeMap::new()
        };
        Report {
            verdict,
            checks,
            certificate: Some(CertificateInfo {
                id: header.id,
                kind: header.kind,
                issuer: header.issuer,
                issued_at: header.issued_at,
                valid_from: header.valid_from,
                valid_until: header.valid_until,
            }),
            disclosed,
            issuer: Some(eval.issuer.clone()),
            endorsers: found.endorsers,
            anchor: Some(AnchorInfo {
                id: eval.anchor.id(),
                batch: body.batch.clone(),
                root: body.root,
                tree_size: body.tree_size,
                leaf_index,
            }),
            status: found.status,
            ledger: found.ledger,
            verified_at: now,
        }
    }

    fn status_eval(&self, bytes: &[u8]) -> Result<Arc<StatusEval>, crate::DecodeError> {
        if let Some(e) = self.status_lists.get(bytes) {
            return Ok(e);
        }
        let eval = Arc::new(StatusEval::decode(&self.trust, bytes)?);
        self.status_lists.insert(Arc::clone(&eval));
        Ok(eval)
    }

    /// The checkpoint note `text` opened against the trusted ledgers, once
    /// per distinct note (a hit needs the whole note byte for byte).
    /// Opening it for every bundle made bundles with a receipt verify at
    /// 0.14 × (warm `verify`) and 0.29 × (`verify_many`) the rate of the
    /// same bundles without one, and cached at 0.82–0.89 × and 0.84–1.16 ×
    /// (criterion `verify_receipt`, 3 runs; BENCHMARKS.md).
    fn checkpoint_eval(&self, text: &str) -> Arc<CheckpointEval> {
        if let Some(e) = self.checkpoints.get(text.as_bytes()) {
            return e;
        }
        let eval = Arc::new(CheckpointEval::new(text, self.trust.ledgers()));
        self.checkpoints.insert(Arc::clone(&eval));
        eval
    }

    fn check_ledger(
        &self,
        anchor: &Anchor,
        receipt: Option<&LedgerReceipt>,
        required: bool,
        now: u64,
    ) -> (Check, Option<LedgerInfo>) {
        if let Some(followed) = self.ledger.as_deref() {
            let view = &followed.view;
            let cp = &view.checkpoint;
            // A verifier that follows a ledger answers only from a fresh
            // view of it: a stale one may miss a newer status list.
            let fresh = match &followed.signed {
                Ok((ledger, signed)) => signed.check(ledger, now),
                Err(e) => Err(e.clone()),
            };
            if let Err(e) = fresh {
                let when = view
                    .time
                    .map(|t| format!(" of {}", time::format(t)))
                    .unwrap_or_default();
                return (
                    Check::new(
                        CheckCode::Ledger,
                        Outcome::Indeterminate,
                        ResultCode::LedgerNotFresh,
                        format!(
                            "the mirror of ledger `{}` (checkpoint {}{when}) is not fresh: {e}",
                            cp.origin, cp.tree_size
                        ),
                    ),
                    None,
                );
            }
        }
        if let Some(view) = self.ledger.as_deref().map(|f| &f.view)
            && let Some(rec) = view.anchor(&anchor.id())
        {
            let cp = &view.checkpoint;
            let when = view
                .time
                .map(|t| format!(" of {}", time::format(t)))
                .unwrap_or_default();
            let logged = rec
                .ledger_time
                .map(|t| format!(", logged by {}", time::format(t)))
                .unwrap_or_default();
            // back-dating: the issuer's key revoked before the anchor was logged
            if let Some(t) = rec.ledger_time
                && let Some(kid) = anchor.signer_key_ids().first()
                && let Some((ti, tk)) = self.trust.key(kid)
                && ti.id == anchor.body().issuer
                && let Some(r) = tk.revoked_at.filter(|r| *r <= t)
            {
                return (
                    Check::new(
                        CheckCode::Ledger,
                        Outcome::Failed,
                        ResultCode::KeyNotValid,
                        format!(
                            "the issuer's key {kid} was revoked at {}, and the anchor was logged only by {} (entry {} of ledger `{}`): its signature may be back-dated",
                            time::format(r),
                            time::format(t),
                            rec.index,
                            cp.origin
                        ),
                    ),
                    None,
                );
            }
            return (
                Check::new(
                    CheckCode::Ledger,
                    Outcome::Passed,
                    ResultCode::Ok,
                    format!(
                        "anchor is entry {} in ledger `{}` per checkpoint {}{when}{logged}",
                        rec.index, cp.origin, cp.tree_size
                    ),
                ),
                Some(LedgerInfo {
                    origin: cp.origin.clone(),
                    index: rec.index,
                    tree_size: cp.tree_size,
                }),
            );
        }
        let Some(rc) = receipt else {
            return if required {
                (
                    Check::new(
                        CheckCode::Ledger,
                        Outcome::Indeterminate,
                        ResultCode::ReceiptMissing,
                        "the policy requires a ledger receipt and the bundle has none",
                    ),
                    None,
                )
            } else {
                (
                    Check::new(
                        CheckCode::Ledger,
                        Outcome::Skipped,
                        ResultCode::NoReceipt,
                        "no ledger receipt",
                    ),
                    None,
                )
            };
        };
        let fail = |code, reason: String| {
            (
                Check::new(CheckCode::Ledger, Outcome::Failed, code, reason),
                None,
            )
        };
        let eval = self.checkpoint_eval(&rc.checkpoint);
        let cp = match &eval.result {
            Ok(cp) => cp,
            Err(e) => return fail(e.result_code(), format!("checkpoint: {e}")),
        };
        let proof = merkle::InclusionProof {
            tree_size: cp.tree_size,
            leaf_index: rc.index,
            path: rc.path.clone(),
        };
        // A format-2 ledger's leaf is `0x01 ‖ anchor id`, a format-1 ledger's
        // the anchor id (SPEC §9.1); either proves the anchor logged.
        let [typed, by_id] = crate::ledger::anchor_leaf_hashes(&anchor.id());
        let proven = merkle::verify_inclusion(&typed, &proof, &cp.root)
            .or_else(|_| merkle::verify_inclusion(&by_id, &proof, &cp.root));
        match proven {
            Ok(()) => (
                Check::new(
                    CheckCode::Ledger,
                    Outcome::Passed,
                    ResultCode::Ok,
                    format!(
                        "anchor is entry {} of {} in ledger `{}`",
                        rc.index, cp.tree_size, cp.origin
                    ),
                ),
                Some(LedgerInfo {
                    origin: cp.origin.clone(),
                    index: rc.index,
                    tree_size: cp.tree_size,
                }),
            ),
            Err(e) => fail(
                ResultCode::NotInLedger,
                format!("the anchor is not proven in the checkpoint: {e}"),
            ),
        }
    }
}

fn list_or_none(v: &[&str]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cbor::Value;
    use crate::status::StatusPurpose;
    use crate::{IssueOptions, Issuer, sample};

    /// The JSON view as the core built it before the text writer (a tree of
    /// `serde_json::json!`): the oracle for [`Report::to_json_text`].
    fn reference(r: &Report) -> serde_json::Value {
        fn value(v: &Value) -> serde_json::Value {
            match v {
                Value::Null => serde_json::Value::Null,
                Value::Bool(b) => serde_json::Value::Bool(*b),
                Value::Int(i) => serde_json::Value::from(*i),
                Value::Bytes(b) => serde_json::Value::String(hex::encode(b)),
                Value::Text(s) => serde_json::Value::String(s.clone()),
                Value::Array(a) => serde_json::Value::Array(a.iter().map(value).collect()),
                Value::Map(m) => serde_json::Value::Object(
                    m.iter().map(|(k, v)| (k.clone(), value(v))).collect(),
                ),
            }
        }
        let party = |p: &Party| serde_json::json!({"id": p.id, "name": p.name});
        serde_json::json!({
            "verdict": r.verdict.as_str(),
            "verified_at": r.verified_at,
            "authentic": r.authentic(),
            "checks": r.checks.iter().map(|c| serde_json::json!({
                "check": c.check.as_str(), "outcome": c.outcome.as_str(),
                "code": c.code.as_str(), "reason": c.reason,
            })).collect::<Vec<_>>(),
            "certificate": r.certificate.as_ref().map(|c| serde_json::json!({
                "id": c.id, "kind": c.kind, "issuer": c.issuer, "issued_at": c.issued_at,
                "valid_from": c.valid_from, "valid_until": c.valid_until,
            })),
            "disclosed": r.disclosed.iter().map(|(k, v)| (k.clone(), value(v))).collect::<serde_json::Map<_, _>>(),
            "issuer": r.issuer.as_ref().map(party),
            "endorsers": r.endorsers.iter().map(party).collect::<Vec<_>>(),
            "anchor": r.anchor.as_ref().map(|a| serde_json::json!({
                "id": a.id.to_hex(), "batch": a.batch, "root": a.root.to_hex(),
                "tree_size": a.tree_size, "leaf_index": a.leaf_index,
            })),
            "status": r.status.iter().map(|s| serde_json::json!({
                "purpose": s.purpose.as_str(), "epoch": s.epoch, "issued_at": s.issued_at,
                "fresh_until": s.fresh_until, "set": s.set,
            })).collect::<Vec<_>>(),
            "ledger": r.ledger.as_ref().map(|l| serde_json::json!({
                "origin": l.origin, "index": l.index, "tree_size": l.tree_size,
            })),
        })
    }

    /// Every field filled, every `Option` both ways, awkward strings, and a
    /// value nested past serde_json's default limit of 128.
    fn handmade() -> Vec<Report> {
        let mut deep = Value::Text("bottom".into());
        for i in 0..200 {
            deep = if i % 2 == 0 {
                Value::Array(vec![deep, Value::Int(-i)])
            } else {
                Value::Map(BTreeMap::from([(format!("k{i}"), deep)]))
            };
        }
        let odd = "引号 \" 反斜杠 \\ 换行 \n 控制 \u{1} \u{7f} 😀";
        let full = Report {
            verdict: Verdict::Indeterminate,
            checks: CheckCode::ALL
                .iter()
                .map(|c| Check::new(*c, Outcome::Indeterminate, ResultCode::StaleStatus, odd))
                .collect(),
            certificate: Some(CertificateInfo {
                id: odd.into(),
                kind: "business_license".into(),
                issuer: "cn.x".into(),
                issued_at: 1,
                valid_from: 2,
                valid_until: Some(u64::MAX),
            }),
            disclosed: BTreeMap::from([
                ("bytes".to_owned(), Value::Bytes(vec![0, 0xab, 0xff])),
                ("deep".to_owned(), deep),
                (odd.to_owned(), Value::Int(i64::MIN)),
                (
                    "flags".to_owned(),
                    Value::Array(vec![Value::Bool(true), Value::Bool(false), Value::Null]),
                ),
                (String::new(), Value::Map(BTreeMap::new())),
            ]),
            issuer: Some(Party {
                id: "cn.x".into(),
                name: None,
            }),
            endorsers: vec![
                Party {
                    id: "cn.tax".into(),
                    name: Some("税务局".into()),
                },
                Party {
                    id: "cn.y".into(),
                    name: None,
                },
            ],
            anchor: Some(AnchorInfo {
                id: Hash::digest(b"a"),
                batch: odd.into(),
                root: Hash::digest(b"r"),
                tree_size: 1_000_000,
                leaf_index: 999_999,
            }),
            status: vec![
                StatusInfo {
                    purpose: StatusPurpose::Revocation,
                    epoch: 3,
                    issued_at: 4,
                    fresh_until: 5,
                    set: Some(true),
                },
                StatusInfo {
                    purpose: StatusPurpose::Suspension,
                    epoch: 0,
                    issued_at: 0,
                    fresh_until: 0,
                    set: None,
                },
            ],
            ledger: Some(LedgerInfo {
                origin: "ledger.example/x".into(),
                index: 7,
                tree_size: 8,
            }),
            verified_at: 9,
        };
        let empty = Verifier::format_failure("bundle: \u{0}".into(), ResultCode::Truncated, 0);
        vec![full, empty]
    }

    #[test]
    fn json_text_is_the_reference_view() {
        let auths = sample::demo_authorities();
        let (m, t) = (&auths[1], &auths[2]);
        let certs: Vec<_> = (0..3).map(sample::business_license).collect();
        let issuer = Issuer::new(m.key.clone(), m.id);
        let mut batch = issuer
            .issue("b", &certs, &IssueOptions::at(sample::JAN_1_2024 + 86_400))
            .unwrap();
        batch
            .endorse(&t.key, batch.anchor().body().issued_at)
            .unwrap();
        let trust = TrustStore::from_doc(sample::demo_trust_doc(None)).unwrap();
        let v = Verifier::new(trust);
        let now = sample::JAN_1_2024 + 2 * 86_400;
        let valid = v.verify(&batch.bundle(1, None).unwrap().to_vec(), now);
        assert_eq!(valid.verdict, Verdict::Valid);
        let mut tampered = batch.bundle(2, Some(&["name"])).unwrap();
        tampered.proof.leaf_index = 0;
        let invalid = v.verify_bundle(&tampered, now);
        assert_eq!(invalid.verdict, Verdict::Invalid);

        for r in handmade().into_iter().chain([valid, invalid]) {
            let text = r.to_json_text();
            let mut de = serde_json::Deserializer::from_str(&text);
            de.disable_recursion_limit();
            let parsed = <serde_json::Value as serde::Deserialize>::deserialize(&mut de).unwrap();
            de.end().unwrap();
            assert_eq!(parsed, reference(&r), "{text}");
            assert_eq!(r.to_json(), parsed);
        }
    }
}
