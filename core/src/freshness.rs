//! Is a ledger checkpoint recent, and seen by enough witnesses? (SPEC §9.7)
//!
//! A checkpoint verified with the ledger's key (SPEC §9.4) proves what the
//! ledger committed to, not when, nor that the ledger shows everyone the
//! same tree. Two more things answer that:
//!
//! * the **ledger time**: every checkpoint the file ledger signs carries a
//!   timestamped cosignature (cosignature/v1) by the ledger's own key, the
//!   time it signed ([`crate::note::verify_checkpoint_time`]);
//! * **witnesses**: parties that cosign a checkpoint only after checking
//!   that it extends every checkpoint of that ledger they cosigned before
//!   (a consistency proof), each with its own timestamped cosignature.
//!
//! A trust store's ledger entry sets the rule ([`crate::trust::LedgerEntry`]:
//! `witnesses`, `quorum`, `max_age`), and [`check_freshness`] applies it:
//!
//! 1. the note is the ledger's checkpoint (§9.4);
//! 2. a ledger time, if present, is not more than [`MAX_CLOCK_SKEW`] after
//!    `now` (`future_checkpoint`); with `max_age`, it must be present
//!    (`no_ledger_time`) and `now − time ≤ max_age` (`stale_checkpoint`);
//! 3. at least `quorum` distinct trusted witnesses cosigned it, each with a
//!    valid signature and a time not more than [`MAX_CLOCK_SKEW`] after
//!    `now` (`no_quorum`). A witness's line repeated counts once; a line of
//!    a trusted witness that does not verify rejects the note
//!    (`bad_signature`), as for note signatures. A cosignature of another
//!    ledger's checkpoint cannot verify here: the signed message holds the
//!    whole checkpoint, origin included.
//!
//! ```
//! use certanchor::Hash;
//! use certanchor::freshness::check_freshness;
//! use certanchor::keys::SigningKey;
//! use certanchor::note::{self, Checkpoint, CosignatureSigner, CosignatureVerifier, NoteVerifier};
//! use certanchor::trust::TrustedLedger;
//!
//! let log_key = SigningKey::from_seed(&[1; 32]);
//! let cp = Checkpoint { origin: "ledger.example/x".into(), tree_size: 9, root: Hash::digest(b"r"), extensions: vec![] };
//! let signed = note::sign_checkpoint(&cp, &log_key).unwrap();
//! let stamp = CosignatureSigner::new("ledger.example/x", log_key.clone()).unwrap();
//! let witness = CosignatureSigner::new("witness.example/w1", SigningKey::from_seed(&[2; 32])).unwrap();
//! let timed = note::add_cosignature(&signed, &stamp, 1_000).unwrap();
//! let witnessed = note::add_cosignature(&timed, &witness, 1_010).unwrap();
//!
//! let ledger = TrustedLedger {
//!     ledger: NoteVerifier::new("ledger.example/x", log_key.public_key()).unwrap(),
//!     witnesses: vec![witness.verifier()],
//!     quorum: 1,
//!     max_age: Some(3_600),
//!     url: None,
//! };
//! let fresh = check_freshness(&witnessed, &ledger, 1_100).unwrap();
//! assert_eq!((fresh.checkpoint.tree_size, fresh.time), (9, Some(1_000)));
//! assert_eq!(fresh.witnesses, ["witness.example/w1"]);
//! assert_eq!(check_freshness(&timed, &ledger, 1_100).unwrap_err().code(), "no_quorum");
//! assert_eq!(check_freshness(&witnessed, &ledger, 9_000).unwrap_err().code(), "stale_checkpoint");
//! ```

use crate::note::{self, Checkpoint, NoteError};
use crate::trust::{TrustStore, TrustedLedger};

/// How far in the future (seconds after `now`) a ledger or witness time may
/// be before it is refused: the same 300 s as an anchor's `issued_at`.
pub const MAX_CLOCK_SKEW: u64 = 300;

/// A checkpoint that passed [`check_freshness`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreshCheckpoint {
    /// The checkpoint (origin, size, root).
    pub checkpoint: Checkpoint,
    /// The ledger's timestamp, Unix seconds, when the note has one.
    pub time: Option<u64>,
    /// The trusted witnesses that cosigned it (valid, not future-dated), by
    /// name, in the trust store's order.
    pub witnesses: Vec<String>,
}

/// Why a checkpoint is not fresh or not witnessed enough.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FreshnessError {
    /// The checkpoint's origin is not a ledger of the trust store.
    #[error("no trusted ledger has origin {origin:?}")]
    UnknownLedger {
        /// The checkpoint's origin line.
        origin: String,
    },
    /// The note is not the ledger's checkpoint, or a trusted cosigner's line
    /// does not verify (the note's own codes: `bad_signature`,
    /// `unknown_signer`, `malformed_note`, …).
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The ledger requires a maximum age and the note has no ledger time.
    #[error("checkpoint has no ledger timestamp line, and the ledger's max_age requires one")]
    NoLedgerTime,
    /// The ledger time is more than [`MAX_CLOCK_SKEW`] after `now`.
    #[error("checkpoint signed at {}, more than {MAX_CLOCK_SKEW} s after now ({})", crate::time::format(*time), crate::time::format(*now))]
    FutureCheckpoint {
        /// The ledger time.
        time: u64,
        /// The verifier's time.
        now: u64,
    },
    /// The ledger time is more than `max_age` before `now`.
    #[error("checkpoint signed at {} is {} s old, more than max_age {max_age} s", crate::time::format(*time), now.saturating_sub(*time))]
    StaleCheckpoint {
        /// The ledger time.
        time: u64,
        /// The verifier's time.
        now: u64,
        /// The ledger's limit.
        max_age: u64,
    },
    /// Fewer distinct trusted witnesses cosigned than the quorum.
    #[error("{found} of the {needed} witness cosignatures needed")]
    NoQuorum {
        /// Distinct trusted witnesses with a valid, not future-dated cosignature.
        found: usize,
        /// The ledger's quorum.
        needed: usize,
    },
}

impl FreshnessError {
    /// Stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownLedger { .. } => "unknown_ledger",
            Self::Note(e) => e.code(),
            Self::NoLedgerTime => "no_ledger_time",
            Self::FutureCheckpoint { .. } => "future_checkpoint",
            Self::StaleCheckpoint { .. } => "stale_checkpoint",
            Self::NoQuorum { .. } => "no_quorum",
        }
    }
}

/// Decides whether a checkpoint note of `ledger` is fresh and witnessed at
/// `now` (Unix seconds), by the rule in the [module documentation](self).
///
/// # Errors
/// [`FreshnessError::Note`] when the note is not the ledger's checkpoint
/// (SPEC §9.4) or a line of the ledger's time key or of a trusted witness
/// does not verify; [`FreshnessError::FutureCheckpoint`],
/// [`FreshnessError::NoLedgerTime`], [`FreshnessError::StaleCheckpoint`],
/// [`FreshnessError::NoQuorum`].
pub fn check_freshness(
    note: &str,
    ledger: &TrustedLedger,
    now: u64,
) -> Result<FreshCheckpoint, FreshnessError> {
    SignedCheckpoint::verify(note, ledger)?.at(ledger, now)
}

/// The part of [`check_freshness`] that does not depend on `now`: the
/// note's signatures, verified once. [`SignedCheckpoint::check`] then
/// applies the rules that do, with no signature to verify, so a verifier
/// that checks one note for every bundle (a mirror's checkpoint,
/// [`crate::Verifier::use_ledger`]) pays for its signatures once. Checking
/// them for every bundle made warm verification with the mirror of a
/// 1M-entry ledger run at 0.08 × (bundles with a receipt) and 0.06 ×
/// (without) the rate without a mirror; checked once, 1.08 × and 0.92 ×
/// (medians of 7 alternating pairs; BENCHMARKS.md, "Ledger at 1M").
#[derive(Debug, Clone)]
pub(crate) struct SignedCheckpoint {
    timed: note::TimedCheckpoint,
    /// The trusted witnesses' valid lines (name, time), or the error of
    /// the first that did not verify.
    cosignatures: Result<Vec<(String, u64)>, NoteError>,
}

impl SignedCheckpoint {
    /// Verifies `note` as `ledger`'s checkpoint with its ledger time, and
    /// the lines of `ledger`'s witnesses.
    ///
    /// # Errors
    /// [`FreshnessError::Note`] when the note is not the ledger's
    /// checkpoint or its ledger time line does not verify.
    pub(crate) fn verify(note: &str, ledger: &TrustedLedger) -> Result<Self, FreshnessError> {
        let timed = note::verify_checkpoint_time(note, &ledger.ledger)?;
        let cosignatures = note::verify_cosignatures(note, &ledger.witnesses)
            .map(|v| v.into_iter().map(|c| (c.name, c.time)).collect());
        Ok(Self {
            timed,
            cosignatures,
        })
    }

    /// The trusted witnesses (in the trust store's order) with at least one
    /// valid line dated no later than `latest`: each counts once, however
    /// many lines it has.
    fn counted<'l>(
        cosignatures: &[(String, u64)],
        ledger: &'l TrustedLedger,
        latest: u64,
    ) -> impl Iterator<Item = &'l str> {
        ledger
            .witnesses
            .iter()
            .filter(move |w| {
                cosignatures
                    .iter()
                    .any(|(name, time)| *name == w.name && *time <= latest)
            })
            .map(|w| w.name.as_str())
    }

    /// Rules 2 to 4 of [`check_freshness`] at `now`, for the ledger the
    /// note was verified with.
    ///
    /// # Errors
    /// Those of [`check_freshness`] after the note's own.
    pub(crate) fn check(&self, ledger: &TrustedLedger, now: u64) -> Result<(), FreshnessError> {
        let latest = now.saturating_add(MAX_CLOCK_SKEW);
        if let Some(time) = self.timed.time
            && time > latest
        {
            return Err(FreshnessError::FutureCheckpoint { time, now });
        }
        if let Some(max_age) = ledger.max_age {
            let time = self.timed.time.ok_or(FreshnessError::NoLedgerTime)?;
            if now.saturating_sub(time) > max_age {
                return Err(FreshnessError::StaleCheckpoint { time, now, max_age });
            }
        }
        let cosignatures = self
            .cosignatures
            .as_ref()
            .map_err(|e| FreshnessError::Note(e.clone()))?;
        let found = Self::counted(cosignatures, ledger, latest).count();
        if found < ledger.quorum {
            return Err(FreshnessError::NoQuorum {
                found,
                needed: ledger.quorum,
            });
        }
        Ok(())
    }

    /// [`Self::check`], and the result [`check_freshness`] gives.
    fn at(&self, ledger: &TrustedLedger, now: u64) -> Result<FreshCheckpoint, FreshnessError> {
        self.check(ledger, now)?;
        let latest = now.saturating_add(MAX_CLOCK_SKEW);
        let witnesses = match &self.cosignatures {
            Ok(c) => Self::counted(c, ledger, latest)
                .map(str::to_owned)
                .collect(),
            Err(_) => Vec::new(),
        };
        Ok(FreshCheckpoint {
            checkpoint: self.timed.checkpoint.clone(),
            time: self.timed.time,
            witnesses,
        })
    }
}

impl TrustStore {
    /// [`check_freshness`] with the trusted ledger named by the note's origin.
    ///
    /// # Errors
    /// [`FreshnessError::Note`] when the note or its text does not parse;
    /// [`FreshnessError::UnknownLedger`] when no trusted ledger has its
    /// origin; then those of [`check_freshness`].
    pub fn checkpoint_freshness(
        &self,
        note: &str,
        now: u64,
    ) -> Result<FreshCheckpoint, FreshnessError> {
        let (ledger, signed) = self.signed_checkpoint(note)?;
        signed.at(ledger, now)
    }

    /// The trusted ledger named by the note's origin, and the note's
    /// signatures verified for it ([`SignedCheckpoint`]).
    ///
    /// # Errors
    /// Those of [`Self::checkpoint_freshness`] that do not depend on `now`.
    pub(crate) fn signed_checkpoint(
        &self,
        note: &str,
    ) -> Result<(&TrustedLedger, SignedCheckpoint), FreshnessError> {
        let parsed = note::parse_note(note)?;
        let origin = Checkpoint::from_text(&parsed.text)?.origin;
        let ledger = self
            .trusted_ledger(&origin)
            .ok_or(FreshnessError::UnknownLedger { origin })?;
        Ok((ledger, SignedCheckpoint::verify(note, ledger)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Hash;
    use crate::keys::SigningKey;
    use crate::note::{CosignatureSigner, NoteVerifier};
    use crate::trust::{LedgerEntry, WitnessEntry};

    const ORIGIN: &str = "ledger.example/fresh";
    const T: u64 = 1_700_000_000;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_seed(&[n; 32])
    }

    fn witness(n: u8) -> CosignatureSigner {
        CosignatureSigner::new(&format!("witness.example/w{n}"), key(n)).unwrap()
    }

    fn checkpoint(origin: &str, size: u64) -> Checkpoint {
        Checkpoint {
            origin: origin.into(),
            tree_size: size,
            root: Hash::digest(&size.to_be_bytes()),
            extensions: vec![],
        }
    }

    /// The ledger's checkpoint of size 5, timestamped at `time` if given.
    fn ledger_note(time: Option<u64>) -> String {
        let signed = note::sign_checkpoint(&checkpoint(ORIGIN, 5), &key(1)).unwrap();
        match time {
            Some(t) => {
                note::add_cosignature(&signed, &CosignatureSigner::new(ORIGIN, key(1)).unwrap(), t)
                    .unwrap()
            }
            None => signed,
        }
    }

    fn cosign(note: &str, w: u8, time: u64) -> String {
        note::add_cosignature(note, &witness(w), time).unwrap()
    }

    fn ledger(witnesses: &[u8], quorum: usize, max_age: Option<u64>) -> TrustedLedger {
        TrustedLedger {
            ledger: NoteVerifier::new(ORIGIN, key(1).public_key()).unwrap(),
            witnesses: witnesses.iter().map(|n| witness(*n).verifier()).collect(),
            quorum,
            max_age,
            url: None,
        }
    }

    fn code(note: &str, l: &TrustedLedger, now: u64) -> &'static str {
        check_freshness(note, l, now).unwrap_err().code()
    }

    #[test]
    fn fresh_and_witnessed() {
        let n = cosign(&cosign(&ledger_note(Some(T)), 2, T + 1), 3, T + 2);
        let f = check_freshness(&n, &ledger(&[2, 3, 4], 2, Some(60)), T + 60).unwrap();
        assert_eq!(f.checkpoint, checkpoint(ORIGIN, 5));
        assert_eq!(f.time, Some(T));
        assert_eq!(f.witnesses, ["witness.example/w2", "witness.example/w3"]);
        // Without witnesses or max_age, an old untimed checkpoint is fine.
        let old = ledger_note(None);
        let f = check_freshness(&old, &ledger(&[], 0, None), T).unwrap();
        assert_eq!((f.time, f.witnesses.len()), (None, 0));
    }

    #[test]
    fn quorum_counts_distinct_trusted_witnesses() {
        let base = ledger_note(Some(T));
        let one = cosign(&base, 2, T);
        assert_eq!(code(&one, &ledger(&[2, 3], 2, None), T), "no_quorum");
        // The same witness's line twice is one witness.
        let line = witness(2).cosign_note(&base, T).unwrap();
        let doubled = format!("{one}{line}");
        assert_eq!(
            check_freshness(&doubled, &ledger(&[2, 3], 2, None), T).unwrap_err(),
            FreshnessError::NoQuorum {
                found: 1,
                needed: 2
            }
        );
        // Two lines of one witness at two times: still one.
        let two_times = format!("{one}{}", witness(2).cosign_note(&base, T + 5).unwrap());
        assert_eq!(code(&two_times, &ledger(&[2, 3], 2, None), T), "no_quorum");
        // An untrusted witness does not count.
        let other = cosign(&one, 9, T);
        assert_eq!(code(&other, &ledger(&[2, 3], 2, None), T), "no_quorum");
        // A witness's cosignature of another ledger's checkpoint: bad line.
        let foreign_cp =
            note::sign_checkpoint(&checkpoint("other.example/log", 5), &key(1)).unwrap();
        let foreign = witness(3).cosign_note(&foreign_cp, T).unwrap();
        let n = note::merge_signatures(&one, &foreign).unwrap();
        assert_eq!(code(&n, &ledger(&[2, 3], 2, None), T), "bad_signature");
        // A future-dated witness line does not count.
        let future = cosign(&one, 3, T + MAX_CLOCK_SKEW + 1);
        assert_eq!(code(&future, &ledger(&[2, 3], 2, None), T), "no_quorum");
        let near = cosign(&one, 3, T + MAX_CLOCK_SKEW);
        assert!(check_freshness(&near, &ledger(&[2, 3], 2, None), T).is_ok());
    }

    #[test]
    fn ledger_time_rules() {
        let l = ledger(&[], 0, Some(600));
        assert_eq!(code(&ledger_note(None), &l, T), "no_ledger_time");
        assert!(check_freshness(&ledger_note(Some(T)), &l, T + 600).is_ok());
        assert_eq!(
            check_freshness(&ledger_note(Some(T)), &l, T + 601).unwrap_err(),
            FreshnessError::StaleCheckpoint {
                time: T,
                now: T + 601,
                max_age: 600
            }
        );
        // Future-dated, with or without max_age.
        let future = ledger_note(Some(T + MAX_CLOCK_SKEW + 1));
        assert_eq!(code(&future, &l, T), "future_checkpoint");
        assert_eq!(code(&future, &ledger(&[], 0, None), T), "future_checkpoint");
        assert!(check_freshness(&ledger_note(Some(T + MAX_CLOCK_SKEW)), &l, T).is_ok());
        // A time line by another key is no ledger time.
        let signed = ledger_note(None);
        let forged = cosign(&signed, 9, T);
        assert_eq!(code(&forged, &l, T), "no_ledger_time");
        // Another ledger key: not the ledger's checkpoint.
        let mut wrong = ledger(&[], 0, None);
        wrong.ledger = NoteVerifier::new(ORIGIN, key(7).public_key()).unwrap();
        assert_eq!(code(&ledger_note(Some(T)), &wrong, T), "unknown_signer");
    }

    #[test]
    fn trust_store_fields() {
        let w = |n: u8| WitnessEntry {
            name: format!("witness.example/w{n}"),
            public_key: key(n).public_key().to_base64(),
        };
        let mut entry = LedgerEntry::new(ORIGIN, &key(1).public_key().to_base64());
        entry.witnesses = vec![w(2), w(3)];
        entry.quorum = Some(2);
        entry.max_age = Some(600);
        let mut doc = crate::sample::demo_trust_doc(None);
        doc.ledgers.push(entry.clone());
        let json = serde_json::to_string(&doc).unwrap();
        let store = TrustStore::from_json(&json).unwrap();
        let n = cosign(&cosign(&ledger_note(Some(T)), 2, T), 3, T);
        let f = store.checkpoint_freshness(&n, T + 1).unwrap();
        assert_eq!(f.witnesses.len(), 2);
        assert_eq!(
            store
                .checkpoint_freshness(&ledger_note(Some(T)), T + 1)
                .unwrap_err()
                .code(),
            "no_quorum"
        );
        let foreign = note::sign_checkpoint(&checkpoint("nobody.example/log", 1), &key(1)).unwrap();
        assert_eq!(
            store.checkpoint_freshness(&foreign, T).unwrap_err().code(),
            "unknown_ledger"
        );
        // A store without the new fields still loads, and writes none.
        let mut plain = crate::sample::demo_trust_doc(None);
        plain
            .ledgers
            .push(LedgerEntry::new(ORIGIN, &key(1).public_key().to_base64()));
        let text = serde_json::to_string(&plain).unwrap();
        assert!(!text.contains("witnesses") && !text.contains("quorum"));
        let store = TrustStore::from_json(&text).unwrap();
        assert_eq!(store.trusted_ledger(ORIGIN).unwrap().quorum, 0);

        // Validation.
        let bad = |f: &dyn Fn(&mut LedgerEntry)| {
            let mut e = entry.clone();
            f(&mut e);
            let mut d = crate::sample::demo_trust_doc(None);
            d.ledgers.push(e);
            TrustStore::from_doc(d).unwrap_err().code()
        };
        assert_eq!(bad(&|e| e.quorum = Some(3)), "invalid_ledger");
        assert_eq!(bad(&|e| e.witnesses.push(w(2))), "invalid_ledger");
        assert_eq!(
            bad(&|e| e.witnesses.push(WitnessEntry {
                name: "witness.example/again".into(),
                public_key: key(2).public_key().to_base64()
            })),
            "invalid_ledger"
        );
        assert_eq!(
            bad(&|e| e.witnesses[0].name = "a b".into()),
            "invalid_ledger"
        );
        assert_eq!(
            bad(&|e| e.witnesses[0].public_key = "AAAA".into()),
            "invalid_ledger"
        );
        assert_eq!(bad(&|e| e.max_age = Some(0)), "invalid_ledger");
        // Unknown members are still refused.
        let typo = json.replacen("\"quorum\"", "\"quorom\"", 1);
        assert_eq!(
            TrustStore::from_json(&typo).unwrap_err().code(),
            "trust_store_json"
        );
    }
}
