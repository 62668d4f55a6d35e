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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::Hash;
use crate::anchor::AnchorBody;
use crate::error::DecodeError;
use crate::status::{StatusEnvelope, StatusPurpose};
use crate::trust::{Policy, TrustStore, TrustedKey, format_time};

use super::{Check, CheckCode, Outcome, StatusInfo};

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
        let issued = self.env.head().issued_at;
        if issued > now.saturating_add(MAX_CLOCK_SKEW) {
            return Err(Unusable::Future(issued));
        }
        key.valid_at(now).map_err(Unusable::KeyNotValidNow)
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

/// `a |= b`, growing `a` to `b`'s length.
fn or_into(a: &mut Vec<u8>, b: &[u8]) {
    if a.len() < b.len() {
        a.resize(b.len(), 0);
    }
    for (x, y) in a.iter_mut().zip(b) {
        *x |= y;
    }
}

/// Whether every bit set in `b` is set in `a`.
fn covers(a: &[u8], b: &[u8]) -> bool {
    b.iter()
        .enumerate()
        .all(|(i, y)| y & !a.get(i).copied().unwrap_or(0) == 0)
}

/// What the verifier knows about one batch and purpose.
#[derive(Debug, Clone)]
struct Known {
    /// The newest accepted list.
    newest: Arc<StatusEval>,
    /// Revocation: the union of every accepted list's bits. Suspension:
    /// the newest list's.
    bits: Arc<Vec<u8>>,
    /// Older revocation lists with bits the newest does not have (kept
    /// encoded, so the state can be exported and rebuilt).
    older: Vec<Arc<StatusEval>>,
}

impl Known {
    fn heap_size(&self) -> usize {
        let older: usize = self.older.iter().map(|e| e.env.heap_size()).sum();
        self.newest
            .heap_size()
            .saturating_add(self.bits.len())
            .saturating_add(older)
    }
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
    /// batch and purpose when it is newer, and (revocation) its bits in the
    /// union.
    pub(super) fn absorb(&self, list: &Arc<StatusEval>, now: u64) -> Result<(), NotAbsorbed> {
        list.usable_at(now).map_err(NotAbsorbed::Unusable)?;
        let Some(bits) = list.bits.as_ref() else {
            return Err(NotAbsorbed::Unusable(Unusable::Untrusted("no bits".into())));
        };
        let key = list.key();
        let mut inner = self.lock();
        let KnownInner { map, bytes } = &mut *inner;
        let Some(known) = map.get_mut(&key) else {
            let known = Known {
                newest: Arc::clone(list),
                bits: Arc::clone(bits),
                older: Vec::new(),
            };
            let size = known.heap_size();
            if bytes.saturating_add(size) > MAX_STATUS_BYTES {
                return Err(NotAbsorbed::Full);
            }
            *bytes += size;
            map.insert(key, known);
            return Ok(());
        };
        if known.newest.env.as_bytes() == list.env.as_bytes()
            || known
                .older
                .iter()
                .any(|o| o.env.as_bytes() == list.env.as_bytes())
        {
            return Ok(());
        }
        let mut next = known.clone();
        let newer = list.order() > known.newest.order();
        match key.3 {
            StatusPurpose::Revocation => {
                let adds = !covers(&known.bits, bits);
                if newer {
                    let old = std::mem::replace(&mut next.newest, Arc::clone(list));
                    if !covers(bits, old.bits.as_deref().map_or(&[], Vec::as_slice)) {
                        next.older.push(old);
                    }
                    next.older
                        .retain(|o| !covers(bits, o.bits.as_deref().map_or(&[], Vec::as_slice)));
                } else if adds {
                    next.older.push(Arc::clone(list));
                }
                if adds {
                    let mut union = known.bits.as_ref().clone();
                    or_into(&mut union, bits);
                    next.bits = Arc::new(union);
                }
            }
            StatusPurpose::Suspension => {
                if !newer {
                    return Ok(());
                }
                next.newest = Arc::clone(list);
                next.bits = Arc::clone(bits);
            }
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

    fn get(&self, key: &StatusKey) -> Option<Known> {
        self.lock().map.get(key).cloned()
    }

    /// The encodings of every list needed to rebuild this state (the
    /// newest of each batch and purpose, and older revocation lists whose
    /// bits the newest lacks).
    pub(super) fn export(&self) -> Vec<Vec<u8>> {
        let inner = self.lock();
        let mut out: Vec<Vec<u8>> = inner
            .map
            .values()
            .flat_map(|k| std::iter::once(&k.newest).chain(&k.older))
            .map(|e| e.env.as_bytes().to_vec())
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
    code: &'static str,
    notes: Vec<String>,
}

impl Outcomes {
    fn fail(&mut self, code: &'static str, note: String) {
        if self.outcome != Outcome::Failed {
            self.outcome = Outcome::Failed;
            self.code = code;
        }
        self.notes.push(note);
    }

    fn indeterminate(&mut self, code: &'static str, note: String) {
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

fn verb(purpose: StatusPurpose) -> &'static str {
    match purpose {
        StatusPurpose::Revocation => "revoked",
        StatusPurpose::Suspension => "suspended",
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
        code: "ok",
        notes: Vec::new(),
    };
    // What the bundle carries must be genuine lists of its own batch.
    let mut usable: Vec<&Arc<StatusEval>> = Vec::with_capacity(carried.len());
    for e in carried {
        let h = e.env.head();
        if !e.is_for(anchor) {
            return fail(
                "status_wrong_batch",
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
                    "status_bad_signature",
                    format!("{} list refused: {why}", h.purpose.as_str()),
                );
            }
            Err(Unusable::Future(t)) => {
                return fail(
                    "status_future",
                    format!(
                        "the {} list claims to be issued at {}, after the verification time {}",
                        h.purpose.as_str(),
                        format_time(t),
                        format_time(now)
                    ),
                );
            }
            Err(Unusable::KeyNotValidNow(why)) => out.indeterminate(
                "status_key_not_valid",
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
        let remembered = known.get(&key);
        let carried_list = usable
            .iter()
            .filter(|e| e.env.head().purpose == purpose)
            .max_by_key(|e| e.order())
            .copied();
        let remembered_newest = remembered
            .as_ref()
            .map(|k| &k.newest)
            .filter(|n| n.usable_at(now).is_ok());
        let newest = match (remembered_newest, carried_list) {
            (Some(r), Some(c)) => Some(if c.order() > r.order() { c } else { r }),
            (r, c) => r.or(c),
        };
        // Revocation is the union of everything known; suspension the newest list.
        let set = match purpose {
            StatusPurpose::Revocation => {
                let from_known = remembered.as_ref().and_then(|k| bit(&k.bits, leaf));
                let from_carried = carried_list
                    .and_then(|c| c.bits.as_deref())
                    .and_then(|b| bit(b, leaf));
                let from_newest = newest
                    .and_then(|n| n.bits.as_deref())
                    .and_then(|b| bit(b, leaf));
                if from_known == Some(true) || from_carried == Some(true) {
                    Some(true)
                } else {
                    from_newest
                }
            }
            StatusPurpose::Suspension => newest
                .and_then(|n| n.bits.as_deref())
                .and_then(|b| bit(b, leaf)),
        };
        let Some(n) = newest else {
            if set == Some(true) {
                any = true;
                out.fail(
                    verb(purpose),
                    format!("{} per an earlier {} list", verb(purpose), purpose.as_str()),
                );
            } else if required.contains(&purpose) {
                out.indeterminate(
                    "status_missing",
                    format!(
                        "the policy requires a {} list for batch `{}` and none is usable",
                        purpose.as_str(),
                        anchor.batch
                    ),
                );
            }
            continue;
        };
        any = true;
        let h = n.env.head();
        if let Some(c) = carried_list.filter(|c| c.order() < n.order()) {
            out.notes.push(format!(
                "the bundle carried {} list epoch {}, a newer epoch {} is known and was used",
                purpose.as_str(),
                c.env.head().epoch,
                h.epoch
            ));
        }
        let fresh_until = h.issued_at.saturating_add(h.ttl.min(cap));
        infos.push(StatusInfo {
            purpose,
            epoch: h.epoch,
            issued_at: h.issued_at,
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
                    h.epoch,
                    format_time(h.issued_at)
                ),
            ),
            None => out.indeterminate(
                "status_not_covering",
                format!("the {} list does not cover leaf {leaf}", purpose.as_str()),
            ),
            Some(false) if now > fresh_until => out.indeterminate(
                "stale_status",
                format!(
                    "the {} list (epoch {}) was fresh until {} and is stale",
                    purpose.as_str(),
                    h.epoch,
                    format_time(fresh_until)
                ),
            ),
            Some(false) => out.notes.push(format!(
                "not {} per list epoch {} (fresh until {})",
                verb(purpose),
                h.epoch,
                format_time(fresh_until)
            )),
        }
    }
    if !any && out.outcome == Outcome::Passed {
        return (
            Check::new(
                CheckCode::Status,
                Outcome::Skipped,
                "no_status",
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
