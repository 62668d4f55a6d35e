//! Check 7, `status`, and what a verifier knows about status lists.
//!
//! The rules (SECURITY.md §3 and §4):
//!
//! * A list counts only if a trusted key of its issuer signed it, and that
//!   key is valid both at the list's `issued_at` and at the verification
//!   time. A list issued more than [`MAX_CLOCK_SKEW`] after the verification
//!   time is refused (`status_future`).
//! * The signature is checked before the bits are inflated, so an unsigned
//!   list costs its encoded bytes, never the 2 MiB its bits may inflate to.
//! * Of two lists of one batch and purpose, the newer is the one with the
//!   later `(issued_at, epoch)`: an epoch is an order, and a huge epoch on an
//!   old list does not make it newer than a later list.
//! * Revocation is permanent: the verifier keeps the union of the
//!   revocation bits of every list it has accepted, so a later clean list
//!   never un-revokes a leaf. Suspension follows the newest list.
//! * A list is fresh until `issued_at + min(ttl, cap)`, where the cap is
//!   [`MAX_STATUS_TTL`] or the kind's policy's lower `max_status_ttl`.
//! * When the policy requires status, every purpose it names (by default
//!   revocation and suspension) needs a usable list, else the check is
//!   indeterminate (`status_missing`).
//!
//! What the verifier remembers lives in [`KnownStatus`], bounded by
//! [`MAX_STATUS_BYTES`]: when full, new batches are not remembered (a
//! bundle is still checked against the lists it carries), and nothing
//! remembered is ever dropped, so no flood of lists can make a verifier
//! forget a revocation.

use crate::time;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::Hash;
use crate::anchor::AnchorBody;
use crate::error::DecodeError;
use crate::status::{StatusEnvelope, StatusPurpose};
use crate::trust::{Policy, TrustStore, TrustedKey};

use super::{Check, CheckCode, Outcome, ResultCode, StatusInfo};

/// Longest a status list is taken as fresh, seconds (7 days), whatever
/// `ttl` it claims; a trust store policy may lower it (`max_status_ttl`).
pub const MAX_STATUS_TTL: u64 = 7 * 86_400;

/// How far in the future a signed time may lie before it is refused,
/// seconds (anchors' and status lists' `issued_at`, endorsement times).
pub const MAX_CLOCK_SKEW: u64 = 300;

/// Most bytes a verifier spends remembering status lists (their encodings
/// and inflated bits): 128 MiB, about a thousand batches of a million
/// certificates with both lists.
pub const MAX_STATUS_BYTES: usize = 128 << 20;

/// Batch × purpose.
pub(super) type StatusKey = (String, String, Hash, StatusPurpose);

/// Why a list is not used at a given time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unusable {
    /// Not signed by a trusted key valid when it was issued (or its bits
    /// are corrupt): the list is a forgery or a mistake.
    Untrusted(String),
    /// Issued after the verification time (beyond the clock skew).
    Future(u64),
    /// Its signer's key is not valid at the verification time.
    KeyNotValidNow(String),
}

/// A status list checked once per distinct encoding.
#[derive(Debug)]
pub(super) struct StatusEval {
    pub(super) env: StatusEnvelope,
    /// The trusted key that signed it (valid at its `issued_at`), or why
    /// the list is not trusted.
    signer: Result<TrustedKey, String>,
    /// The inflated bits, for a trusted list only.
    bits: Option<Arc<Vec<u8>>>,
}

impl StatusEval {
    /// Checks who signed `env` (`verified`, when known, is the result of
    /// checking its signature with the signer's trusted key), then inflates
    /// the bits of a trusted list only.
    ///
    /// # Errors
    /// A trusted list whose bits do not inflate within the limit (a format
    /// error of the bundle that carries it).
    pub(super) fn new(
        trust: &TrustStore,
        env: StatusEnvelope,
        verified: Option<bool>,
    ) -> Result<Self, DecodeError> {
        let signer = Self::signer(trust, &env, verified);
        let bits = match &signer {
            Ok(_) => Some(Arc::new(env.inflate_bits()?)),
            Err(_) => None,
        };
        Ok(Self { env, signer, bits })
    }

    /// Decodes `bytes` (without inflating) and evaluates it.
    pub(super) fn decode(trust: &TrustStore, bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::new(trust, StatusEnvelope::decode(bytes)?, None)
    }

    fn signer(
        trust: &TrustStore,
        env: &StatusEnvelope,
        verified: Option<bool>,
    ) -> Result<TrustedKey, String> {
        let h = env.head();
        let kid = env.signer_key_id();
        let (issuer, key) = trust
            .key(&kid)
            .ok_or_else(|| format!("signed by unknown key {kid}"))?;
        if issuer.id != h.issuer {
            return Err(format!(
                "names issuer `{}` but is signed by `{}`",
                h.issuer, issuer.id
            ));
        }
        key.valid_at(h.issued_at)?;
        if !verified.unwrap_or_else(|| env.verify_signature(&key.key)) {
            return Err("signature does not verify".into());
        }
        Ok(key.clone())
    }

    /// Whether the list may be used at `now`.
    pub(super) fn usable_at(&self, now: u64) -> Result<(), Unusable> {
        let key = self
            .signer
            .as_ref()
            .map_err(|why| Unusable::Untrusted(why.clone()))?;
        usable(self.env.head().issued_at, key, now)
    }

    /// The order of lists of one batch and purpose: later `(issued_at, epoch)` is newer.
    fn order(&self) -> (u64, u64) {
        let h = self.env.head();
        (h.issued_at, h.epoch)
    }

    fn key(&self) -> StatusKey {
        let h = self.env.head();
        (h.issuer.clone(), h.batch.clone(), h.root, h.purpose)
    }

    /// Bytes held: the encoding and the inflated bits.
    pub(super) fn heap_size(&self) -> usize {
        self.env
            .heap_size()
            .saturating_add(self.bits.as_ref().map_or(0, |b| b.len()))
    }

    /// Whether the list is for this anchor's batch.
    fn is_for(&self, anchor: &AnchorBody) -> bool {
        let h = self.env.head();
        h.issuer == anchor.issuer && h.batch == anchor.batch && h.root == anchor.root
    }
}

fn bit(bits: &[u8], leaf: u64) -> Option<bool> {
    let byte = bits.get(usize::try_from(leaf / 8).ok()?)?;
    Some(byte & (0x80 >> (leaf % 8)) != 0)
}

/// The leaves set in a status bitstring, kept in whichever form is smaller:
/// the sorted indices (a few revocations among a million leaves: bytes, not
/// the 125 KB of the bitstring) or the bitstring itself.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Leaves {
    Sparse(Vec<u64>),
    Dense(Vec<u8>),
}

impl Leaves {
    fn of(bits: &[u8]) -> Self {
        let count: usize = bits.iter().map(|b| b.count_ones() as usize).sum();
        if count.saturating_mul(8) < bits.len() {
            let mut v = Vec::with_capacity(count);
            for (i, b) in bits.iter().enumerate() {
                for j in 0..8u64 {
                    if b & (0x80 >> j) != 0 {
                        v.push(i as u64 * 8 + j);
                    }
                }
            }
            Self::Sparse(v)
        } else {
            Self::Dense(bits.to_vec())
        }
    }

    fn contains(&self, leaf: u64) -> bool {
        match self {
            Self::Sparse(v) => v.binary_search(&leaf).is_ok(),
            Self::Dense(b) => bit(b, leaf) == Some(true),
        }
    }

    /// Whether every leaf set in `bits` is here.
    fn covers(&self, bits: &[u8]) -> bool {
        bits.iter().enumerate().all(|(i, b)| {
            *b == 0 || (0..8u64).all(|j| b & (0x80 >> j) == 0 || self.contains(i as u64 * 8 + j))
        })
    }

    /// These leaves and those set in `bits`.
    fn union(&self, bits: &[u8]) -> Self {
        let mut dense = match self {
            Self::Dense(b) => b.clone(),
            Self::Sparse(v) => {
                let len = v
                    .last()
                    .map_or(0, |l| usize::try_from(l / 8 + 1).unwrap_or(0));
                let mut d = vec![0u8; len];
                for l in v {
                    if let Some(byte) = usize::try_from(l / 8).ok().and_then(|i| d.get_mut(i)) {
                        *byte |= 0x80 >> (l % 8);
                    }
                }
                d
            }
        };
        if dense.len() < bits.len() {
            dense.resize(bits.len(), 0);
        }
        for (x, y) in dense.iter_mut().zip(bits) {
            *x |= y;
        }
        Self::of(&dense)
    }

    fn heap_size(&self) -> usize {
        match self {
            Self::Sparse(v) => v.len().saturating_mul(8),
            Self::Dense(b) => b.len(),
        }
    }
}

/// An accepted list as remembered: its head, signer and encoding, without
/// its bits.
#[derive(Debug)]
pub(super) struct ListMeta {
    head: crate::status::StatusListHead,
    signer: TrustedKey,
    bytes: Vec<u8>,
    /// Leaves the list covers.
    covered: u64,
}

impl ListMeta {
    fn order(&self) -> (u64, u64) {
        (self.head.issued_at, self.head.epoch)
    }

    fn usable_at(&self, now: u64) -> Result<(), Unusable> {
        usable(self.head.issued_at, &self.signer, now)
    }
}

/// Whether a list issued at `issued` and signed with `key` (a trusted key
/// valid then) may be used at `now`: not from the future, key valid now.
fn usable(issued: u64, key: &TrustedKey, now: u64) -> Result<(), Unusable> {
    if issued > now.saturating_add(MAX_CLOCK_SKEW) {
        return Err(Unusable::Future(issued));
    }
    key.valid_at(now).map_err(Unusable::KeyNotValidNow)
}

/// What the verifier knows about one batch and purpose.
#[derive(Debug, Clone)]
struct Known {
    /// The newest accepted list (later `(issued_at, epoch)`).
    newest: Arc<ListMeta>,
    /// Revocation: the leaves any accepted list revokes. Suspension: the
    /// leaves the lists of the newest order suspend (two different lists of
    /// one order are a conflict, settled by suspending what either does).
    set: Arc<Leaves>,
    /// The lists that make up this state (kept encoded, for export).
    lists: Vec<Arc<ListMeta>>,
}

impl Known {
    fn heap_size(&self) -> usize {
        let lists: usize = self.lists.iter().map(|l| l.bytes.len() + 256).sum();
        lists.saturating_add(self.set.heap_size())
    }
}

/// What one batch and purpose say about one leaf.
struct View {
    newest: Arc<ListMeta>,
    /// `Some(true)` when set; `Some(false)` when the newest list covers the
    /// leaf and it is not set; `None` when not covered.
    bit: Option<bool>,
}

/// The status lists a verifier has accepted, bounded by [`MAX_STATUS_BYTES`].
#[derive(Debug, Default)]
pub(super) struct KnownStatus {
    inner: Mutex<KnownInner>,
}

#[derive(Debug, Default)]
struct KnownInner {
    map: HashMap<StatusKey, Known>,
    bytes: usize,
}

/// [`KnownStatus::absorb`] could not remember a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum NotAbsorbed {
    /// The list is not usable at the given time.
    Unusable(Unusable),
    /// Remembering it would pass [`MAX_STATUS_BYTES`].
    Full,
}

impl KnownStatus {
    fn lock(&self) -> std::sync::MutexGuard<'_, KnownInner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Remembers `list` if it is usable at `now`: as the newest of its
    /// batch and purpose when it is newer, and (revocation) its leaves in
    /// the union.
    pub(super) fn absorb(&self, list: &Arc<StatusEval>, now: u64) -> Result<(), NotAbsorbed> {
        list.usable_at(now).map_err(NotAbsorbed::Unusable)?;
        let (Some(bits), Ok(signer)) = (list.bits.as_ref(), list.signer.as_ref()) else {
            return Err(NotAbsorbed::Unusable(Unusable::Untrusted(
                "not signed by a trusted key".into(),
            )));
        };
        let key = list.key();
        let mut inner = self.lock();
        let KnownInner { map, bytes } = &mut *inner;
        let meta = || {
            Arc::new(ListMeta {
                head: list.env.head().clone(),
                signer: signer.clone(),
                bytes: list.env.as_bytes().to_vec(),
                covered: (bits.len() as u64).saturating_mul(8),
            })
        };
        let Some(known) = map.get_mut(&key) else {
            let m = meta();
            let known = Known {
                newest: Arc::clone(&m),
                set: Arc::new(Leaves::of(bits)),
                lists: vec![m],
            };
            let size = known.heap_size();
            if bytes.saturating_add(size) > MAX_STATUS_BYTES {
                return Err(NotAbsorbed::Full);
            }
            *bytes += size;
            map.insert(key, known);
            return Ok(());
        };
        if known.lists.iter().any(|l| l.bytes == list.env.as_bytes()) {
            return Ok(());
        }
        let order = list.order().cmp(&known.newest.order());
        let mut next = known.clone();
        match key.3 {
            StatusPurpose::Revocation => {
                let adds = !known.set.covers(bits);
                if !adds && order.is_le() {
                    return Ok(()); // nothing this list would change
                }
                let m = meta();
                if order.is_gt() {
                    next.newest = Arc::clone(&m);
                }
                if adds {
                    next.set = Arc::new(known.set.union(bits));
                }
                next.lists.push(m);
            }
            StatusPurpose::Suspension => match order {
                std::cmp::Ordering::Less => return Ok(()),
                std::cmp::Ordering::Greater => {
                    let m = meta();
                    next.newest = Arc::clone(&m);
                    next.set = Arc::new(Leaves::of(bits));
                    next.lists = vec![m];
                }
                std::cmp::Ordering::Equal => {
                    next.set = Arc::new(known.set.union(bits));
                    next.lists.push(meta());
                }
            },
        }
        let (before, after) = (known.heap_size(), next.heap_size());
        let total = bytes.saturating_sub(before).saturating_add(after);
        if after > before && total > MAX_STATUS_BYTES {
            return Err(NotAbsorbed::Full);
        }
        *bytes = total;
        *known = next;
        Ok(())
    }

    /// What the remembered lists of `key` say about `leaf`.
    fn view(&self, key: &StatusKey, leaf: u64) -> Option<View> {
        let inner = self.lock();
        let k = inner.map.get(key)?;
        let bit = if k.set.contains(leaf) {
            Some(true)
        } else if leaf < k.newest.covered {
            Some(false)
        } else {
            None
        };
        Some(View {
            newest: Arc::clone(&k.newest),
            bit,
        })
    }

    /// The encodings of every list needed to rebuild this state, sorted.
    pub(super) fn export(&self) -> Vec<Vec<u8>> {
        let inner = self.lock();
        let mut out: Vec<Vec<u8>> = inner
            .map
            .values()
            .flat_map(|k| k.lists.iter().map(|l| l.bytes.clone()))
            .collect();
        out.sort();
        out
    }

    /// Bytes held.
    pub(super) fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

/// Why the status check came out as it did, assembled per purpose.
struct Outcomes {
    outcome: Outcome,
    code: ResultCode,
    notes: Vec<String>,
}

impl Outcomes {
    fn fail(&mut self, code: ResultCode, note: String) {
        if self.outcome != Outcome::Failed {
            self.outcome = Outcome::Failed;
            self.code = code;
        }
        self.notes.push(note);
    }

    fn indeterminate(&mut self, code: ResultCode, note: String) {
        if !matches!(self.outcome, Outcome::Failed | Outcome::Indeterminate) {
            self.outcome = Outcome::Indeterminate;
            self.code = code;
        }
        self.notes.push(note);
    }
}

/// The purposes a policy requires (none when it does not require status).
pub(super) fn required_purposes(policy: Option<&Policy>) -> &[StatusPurpose] {
    match policy {
        Some(p) if p.require_status => &p.status_purposes,
        _ => &[],
    }
}

/// The freshness cap for a kind's policy.
fn ttl_cap(policy: Option<&Policy>) -> u64 {
    policy
        .and_then(|p| p.max_status_ttl)
        .map_or(MAX_STATUS_TTL, |t| t.min(MAX_STATUS_TTL))
}

fn verb(purpose: StatusPurpose) -> ResultCode {
    match purpose {
        StatusPurpose::Revocation => ResultCode::Revoked,
        StatusPurpose::Suspension => ResultCode::Suspended,
    }
}

/// Check 7 for leaf `leaf` of `anchor`, given the lists the bundle carries
/// and what `known` remembers, at `now`.
pub(super) fn check_status(
    known: &KnownStatus,
    anchor: &AnchorBody,
    carried: &[Arc<StatusEval>],
    leaf: u64,
    now: u64,
    policy: Option<&Policy>,
) -> (Check, Vec<StatusInfo>) {
    let fail = |code, reason: String| {
        (
            Check::new(CheckCode::Status, Outcome::Failed, code, reason),
            Vec::new(),
        )
    };
    let mut out = Outcomes {
        outcome: Outcome::Passed,
        code: ResultCode::Ok,
        notes: Vec::new(),
    };
    // What the bundle carries must be genuine lists of its own batch.
    let mut usable: Vec<&Arc<StatusEval>> = Vec::with_capacity(carried.len());
    for e in carried {
        let h = e.env.head();
        if !e.is_for(anchor) {
            return fail(
                ResultCode::StatusWrongBatch,
                format!(
                    "a status list is for batch `{}` of `{}`, not this certificate's batch",
                    h.batch, h.issuer
                ),
            );
        }
        match e.usable_at(now) {
            Ok(()) => usable.push(e),
            Err(Unusable::Untrusted(why)) => {
                return fail(
                    ResultCode::StatusBadSignature,
                    format!("{} list refused: {why}", h.purpose.as_str()),
                );
            }
            Err(Unusable::Future(t)) => {
                return fail(
                    ResultCode::StatusFuture,
                    format!(
                        "the {} list claims to be issued at {}, after the verification time {}",
                        h.purpose.as_str(),
                        time::format(t),
                        time::format(now)
                    ),
                );
            }
            Err(Unusable::KeyNotValidNow(why)) => out.indeterminate(
                ResultCode::StatusKeyNotValid,
                format!("the carried {} list is not used: {why}", h.purpose.as_str()),
            ),
        }
    }
    let required = required_purposes(policy);
    let cap = ttl_cap(policy);
    let mut infos = Vec::new();
    let mut any = false;
    for purpose in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
        let key: StatusKey = (
            anchor.issuer.clone(),
            anchor.batch.clone(),
            anchor.root,
            purpose,
        );
        let remembered = known.view(&key, leaf);
        let of_purpose: Vec<&Arc<StatusEval>> = usable
            .iter()
            .filter(|e| e.env.head().purpose == purpose)
            .copied()
            .collect();
        let carried = of_purpose.iter().max_by_key(|e| e.order()).copied();
        let carried_bit = |e: &StatusEval| e.bits.as_deref().and_then(|b| bit(b, leaf));
        // Any list that sets the bit: every accepted revocation counts, and
        // of suspension lists, those of the newest order.
        let newest_order = remembered
            .as_ref()
            .map(|r| r.newest.order())
            .into_iter()
            .chain(carried.map(|c| c.order()))
            .max();
        let set_by_carried = of_purpose.iter().any(|e| {
            (purpose == StatusPurpose::Revocation || Some(e.order()) == newest_order)
                && carried_bit(e) == Some(true)
        });
        let set_by_remembered = remembered.as_ref().is_some_and(|r| {
            r.bit == Some(true)
                && (purpose == StatusPurpose::Revocation || Some(r.newest.order()) == newest_order)
        });
        // The newest list: the remembered one unless the bundle carries a
        // newer one (not remembered when the status memory is full).
        let newest_remembered = remembered
            .as_ref()
            .filter(|r| carried.is_none_or(|c| c.order() <= r.newest.order()));
        let (head, newest_bit) = if let Some(r) = newest_remembered {
            {
                if let Err(u) = r.newest.usable_at(now) {
                    // Never fall back to an older list than one already accepted.
                    any = true;
                    let why = match u {
                        Unusable::KeyNotValidNow(why) | Unusable::Untrusted(why) => why,
                        Unusable::Future(t) => format!("it is dated {}", time::format(t)),
                    };
                    if set_by_remembered || set_by_carried {
                        out.fail(
                            verb(purpose),
                            format!(
                                "{} per an accepted {} list",
                                verb(purpose),
                                purpose.as_str()
                            ),
                        );
                    } else {
                        out.indeterminate(
                            ResultCode::StatusKeyNotValid,
                            format!(
                                "the newest {} list known (epoch {}) cannot be used now: {why}",
                                purpose.as_str(),
                                r.newest.head.epoch
                            ),
                        );
                    }
                    continue;
                }
                (&r.newest.head, r.bit)
            }
        } else if let Some(c) = carried {
            (c.env.head(), carried_bit(c))
        } else {
            {
                if set_by_carried {
                    any = true;
                    out.fail(
                        verb(purpose),
                        format!("{} per a carried list", verb(purpose)),
                    );
                } else if required.contains(&purpose) {
                    out.indeterminate(
                        ResultCode::StatusMissing,
                        format!(
                            "the policy requires a {} list for batch `{}` and none is usable",
                            purpose.as_str(),
                            anchor.batch
                        ),
                    );
                }
                continue;
            }
        };
        let set = if set_by_remembered || set_by_carried {
            Some(true)
        } else {
            newest_bit.filter(|b| !b)
        };
        any = true;
        if let Some(c) = carried.filter(|c| c.order() < (head.issued_at, head.epoch)) {
            out.notes.push(format!(
                "the bundle carried {} list epoch {}, a newer epoch {} is known and was used",
                purpose.as_str(),
                c.env.head().epoch,
                head.epoch
            ));
        }
        let fresh_until = head.issued_at.saturating_add(head.ttl.min(cap));
        infos.push(StatusInfo {
            purpose,
            epoch: head.epoch,
            issued_at: head.issued_at,
            fresh_until,
            set,
        });
        match set {
            Some(true) => out.fail(
                verb(purpose),
                format!(
                    "{} per {} list epoch {} of {}",
                    verb(purpose),
                    purpose.as_str(),
                    head.epoch,
                    time::format(head.issued_at)
                ),
            ),
            None => out.indeterminate(
                ResultCode::StatusNotCovering,
                format!("the {} list does not cover leaf {leaf}", purpose.as_str()),
            ),
            Some(false) if now > fresh_until => out.indeterminate(
                ResultCode::StaleStatus,
                format!(
                    "the {} list (epoch {}) was fresh until {} and is stale",
                    purpose.as_str(),
                    head.epoch,
                    time::format(fresh_until)
                ),
            ),
            Some(false) => out.notes.push(format!(
                "not {} per list epoch {} (fresh until {})",
                verb(purpose),
                head.epoch,
                time::format(fresh_until)
            )),
        }
    }
    if !any && out.outcome == Outcome::Passed {
        return (
            Check::new(
                CheckCode::Status,
                Outcome::Skipped,
                ResultCode::NoStatus,
                "no status list presented",
            ),
            infos,
        );
    }
    (
        Check::new(
            CheckCode::Status,
            out.outcome,
            out.code,
            out.notes.join("; "),
        ),
        infos,
    )
}
