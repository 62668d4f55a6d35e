//! The report of a verification: the verdict, the ten checks with their
//! outcomes and codes, and what the bundle showed (certificate, disclosed
//! fields, issuer, endorsers, anchor, status lists, ledger), with its JSON
//! view and its text for people.

use std::collections::BTreeMap;

use super::ResultCode;
use crate::Hash;
use crate::cbor::Value;
use crate::status::StatusPurpose;

/// The overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Every check passed or was not applicable.
    Valid,
    /// At least one check failed.
    Invalid,
    /// Nothing failed, but something required could not be established.
    Indeterminate,
}

impl Verdict {
    /// `valid`, `invalid` or `indeterminate`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Indeterminate => "indeterminate",
        }
    }

    /// The verdict of a name [`Self::as_str`] gives; `None` for any other.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Valid, Self::Invalid, Self::Indeterminate]
            .into_iter()
            .find(|v| v.as_str() == name)
    }
}

/// The ten checks of SPEC §8.3–§8.12 (`docs/SPEC.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckCode {
    /// Strict decoding and limits.
    Format,
    /// Disclosed fields match the header.
    Integrity,
    /// Merkle inclusion under the anchor's root.
    Inclusion,
    /// The issuer's signature on the anchor.
    IssuerSignature,
    /// The issuer is trusted for the kind.
    Authorization,
    /// Endorsements required by policy.
    Endorsements,
    /// Revocation and suspension.
    Status,
    /// Validity period.
    Validity,
    /// Disclosed fields conform to the kind's schema.
    Schema,
    /// Ledger receipt.
    Ledger,
}

impl CheckCode {
    /// All checks, in report order.
    pub const ALL: [Self; 10] = [
        Self::Format,
        Self::Integrity,
        Self::Inclusion,
        Self::IssuerSignature,
        Self::Authorization,
        Self::Endorsements,
        Self::Status,
        Self::Validity,
        Self::Schema,
        Self::Ledger,
    ];

    /// Stable snake_case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Format => "format",
            Self::Integrity => "integrity",
            Self::Inclusion => "inclusion",
            Self::IssuerSignature => "issuer_signature",
            Self::Authorization => "authorization",
            Self::Endorsements => "endorsements",
            Self::Status => "status",
            Self::Validity => "validity",
            Self::Schema => "schema",
            Self::Ledger => "ledger",
        }
    }

    /// The check of a name [`Self::as_str`] gives; `None` for any other.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The check passed.
    Passed,
    /// The check failed: the verdict is invalid.
    Failed,
    /// The check could not be decided.
    Indeterminate,
    /// The check does not apply (or could not run because an earlier one failed).
    Skipped,
}

impl Outcome {
    /// `passed`, `failed`, `indeterminate` or `skipped`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Indeterminate => "indeterminate",
            Self::Skipped => "skipped",
        }
    }

    /// The outcome of a name [`Self::as_str`] gives; `None` for any other.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Passed,
            Self::Failed,
            Self::Indeterminate,
            Self::Skipped,
        ]
        .into_iter()
        .find(|o| o.as_str() == name)
    }
}

/// One check in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Which check.
    pub check: CheckCode,
    /// Its outcome.
    pub outcome: Outcome,
    /// Machine code of the result (`ok`, `bad_signature`, `revoked`, …).
    pub code: ResultCode,
    /// Plain-language reason.
    pub reason: String,
}

impl Check {
    pub(super) fn new(
        check: CheckCode,
        outcome: Outcome,
        code: ResultCode,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            check,
            outcome,
            code,
            reason: reason.into(),
        }
    }
}

/// An issuer or department named in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// Issuer id.
    pub id: String,
    /// Display name from the trust store, if trusted.
    pub name: Option<String>,
}

/// What the header says about the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Certificate id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Issuer id in the header.
    pub issuer: String,
    /// Issue time.
    pub issued_at: u64,
    /// Start of validity.
    pub valid_from: u64,
    /// End of validity.
    pub valid_until: Option<u64>,
}

/// The anchor a bundle rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorInfo {
    /// SHA-256 of the anchor payload.
    pub id: Hash,
    /// Batch name.
    pub batch: String,
    /// Merkle root.
    pub root: Hash,
    /// Tree size.
    pub tree_size: u64,
    /// The certificate's leaf index.
    pub leaf_index: u64,
}

/// A status list the verifier used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusInfo {
    /// Revocation or suspension.
    pub purpose: StatusPurpose,
    /// Its epoch.
    pub epoch: u64,
    /// Its issue time.
    pub issued_at: u64,
    /// Fresh until (issued_at + ttl).
    pub fresh_until: u64,
    /// The certificate's bit.
    pub set: Option<bool>,
}

/// Ledger facts from a verified receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerInfo {
    /// Log origin.
    pub origin: String,
    /// Index of the anchor in the log.
    pub index: u64,
    /// Size of the checkpoint's tree.
    pub tree_size: u64,
}

/// The result of verifying one bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Overall verdict.
    pub verdict: Verdict,
    /// The ten checks, in order.
    pub checks: Vec<Check>,
    /// Header facts (when the header decoded).
    pub certificate: Option<CertificateInfo>,
    /// Disclosed fields whose digests matched the header.
    pub disclosed: BTreeMap<String, Value>,
    /// The issuing authority.
    pub issuer: Option<Party>,
    /// Departments whose endorsements verified.
    pub endorsers: Vec<Party>,
    /// The anchor.
    pub anchor: Option<AnchorInfo>,
    /// Status lists used.
    pub status: Vec<StatusInfo>,
    /// Ledger facts.
    pub ledger: Option<LedgerInfo>,
    /// The time the bundle was verified at.
    pub verified_at: u64,
}

impl Report {
    /// The check of a given code.
    #[must_use]
    pub fn check(&self, code: CheckCode) -> Option<&Check> {
        self.checks.iter().find(|c| c.check == code)
    }

    /// Whether the certificate's claims are genuine: the bundle decoded,
    /// its disclosed fields match the header, the header is in the anchor's
    /// batch, a trusted key of the issuer signed the anchor, and that issuer
    /// may issue the kind. Genuine claims can still be revoked, expired or
    /// short of endorsements (the verdict says so); claims that are not
    /// genuine must be shown as unverified, whatever they say.
    #[must_use]
    pub fn authentic(&self) -> bool {
        [
            CheckCode::Format,
            CheckCode::Integrity,
            CheckCode::Inclusion,
            CheckCode::IssuerSignature,
            CheckCode::Authorization,
        ]
        .iter()
        .all(|&c| self.check(c).is_some_and(|c| c.outcome == Outcome::Passed))
    }

    /// Checks that failed (the reasons of an invalid verdict).
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.outcome == Outcome::Failed)
    }

    /// Checks that failed or could not be decided, in report order: the
    /// reasons of any verdict but valid (an indeterminate report has no
    /// [`Self::failures`], only indeterminate checks).
    pub fn problems(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed | Outcome::Indeterminate))
    }

    /// The check that decided a verdict other than valid: the first failed
    /// check, else the first indeterminate one; `None` for a valid report.
    /// The one reason a bulk summary keeps per bundle.
    #[must_use]
    pub fn decided_by(&self) -> Option<&Check> {
        self.failures().next().or_else(|| self.problems().next())
    }

    /// The report of an input that is not a bundle: verdict invalid, the
    /// `format` check failed with `code` and `reason`, every other check
    /// skipped (`not_checked`), nothing else known. What the verifier
    /// returns for bytes that do not decode; bindings use it for an input
    /// of the wrong type in a batch they were told to report rather than
    /// raise on.
    #[must_use]
    pub fn format_failure(reason: String, code: ResultCode, verified_at: u64) -> Self {
        let mut checks = vec![Check::new(CheckCode::Format, Outcome::Failed, code, reason)];
        checks.extend(CheckCode::ALL.iter().skip(1).map(|c| {
            Check::new(
                *c,
                Outcome::Skipped,
                ResultCode::NotChecked,
                "not checked: the bundle could not be decoded",
            )
        }));
        Self {
            verdict: Verdict::Invalid,
            checks,
            certificate: None,
            disclosed: BTreeMap::new(),
            issuer: None,
            endorsers: Vec::new(),
            anchor: None,
            status: Vec::new(),
            ledger: None,
            verified_at,
        }
    }

    /// A JSON view with stable keys (used by the CLI and the bindings): the
    /// text of [`Report::to_json_text`], read back.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        crate::json::read_own(&self.to_json_text())
    }

    /// The JSON view as compact text, written directly (about as fast as the
    /// verification itself, where building [`Report::to_json`]'s tree took
    /// twice as long). Keys: `verdict`, `verified_at`, `authentic` (see
    /// [`Report::authentic`]), `checks` (each with
    /// `check`, `outcome`, `code`, `reason`), `certificate`, `disclosed`,
    /// `issuer`, `endorsers`, `anchor`, `status`, `ledger`; hashes in
    /// lowercase hex, bytes in disclosed values too.
    #[must_use]
    pub fn to_json_text(&self) -> String {
        // Written by hand rather than by `#[derive(Serialize)]`: the derived
        // view gave the same text and was no slower (one report of 2,295 B:
        // 0.41–0.46 of a warm verify against this writer's 0.54–0.58,
        // medians of 3 interleaved runs), but made the optimized WASM module
        // 5,559 B (1.44 %) larger, 386,967 → 392,526 B against a
        // 400,000 B budget (BENCHMARKS.md, "Report serialization").
        use crate::json::{Array, Object};
        fn party(out: &mut String, p: &Party) {
            let mut o = Object::open(out);
            o.str("id", &p.id);
            o.opt_str("name", p.name.as_deref());
            o.close();
        }
        let mut out = String::with_capacity(2048);
        let mut o = Object::open(&mut out);
        o.str("verdict", self.verdict.as_str());
        o.uint("verified_at", self.verified_at);
        o.key("authentic")
            .push_str(if self.authentic() { "true" } else { "false" });
        let mut checks = Array::open(o.key("checks"));
        for c in &self.checks {
            let mut co = Object::open(checks.item());
            co.str("check", c.check.as_str());
            co.str("outcome", c.outcome.as_str());
            co.str("code", c.code.as_str());
            co.str("reason", &c.reason);
            co.close();
        }
        checks.close();
        match &self.certificate {
            Some(c) => {
                let mut co = Object::open(o.key("certificate"));
                co.str("id", &c.id);
                co.str("kind", &c.kind);
                co.str("issuer", &c.issuer);
                co.uint("issued_at", c.issued_at);
                co.uint("valid_from", c.valid_from);
                co.opt_uint("valid_until", c.valid_until);
                co.close();
            }
            None => o.null("certificate"),
        }
        let mut disclosed = Object::open(o.key("disclosed"));
        for (k, v) in &self.disclosed {
            v.write_json(disclosed.key(k));
        }
        disclosed.close();
        match &self.issuer {
            Some(p) => party(o.key("issuer"), p),
            None => o.null("issuer"),
        }
        let mut endorsers = Array::open(o.key("endorsers"));
        for p in &self.endorsers {
            party(endorsers.item(), p);
        }
        endorsers.close();
        match &self.anchor {
            Some(a) => {
                let mut ao = Object::open(o.key("anchor"));
                ao.str("id", &a.id.to_hex());
                ao.str("batch", &a.batch);
                ao.str("root", &a.root.to_hex());
                ao.uint("tree_size", a.tree_size);
                ao.uint("leaf_index", a.leaf_index);
                ao.close();
            }
            None => o.null("anchor"),
        }
        let mut status = Array::open(o.key("status"));
        for s in &self.status {
            let mut so = Object::open(status.item());
            so.str("purpose", s.purpose.as_str());
            so.uint("epoch", s.epoch);
            so.uint("issued_at", s.issued_at);
            so.uint("fresh_until", s.fresh_until);
            let set = so.key("set");
            set.push_str(match s.set {
                Some(true) => "true",
                Some(false) => "false",
                None => "null",
            });
            so.close();
        }
        status.close();
        match &self.ledger {
            Some(l) => {
                let mut lo = Object::open(o.key("ledger"));
                lo.str("origin", &l.origin);
                lo.uint("index", l.index);
                lo.uint("tree_size", l.tree_size);
                lo.close();
            }
            None => o.null("ledger"),
        }
        o.close();
        out
    }
}

impl std::fmt::Display for Report {
    /// A plain-text report for people: a `verdict: VALID` line (`INVALID`,
    /// `INDETERMINATE`), then certificate, issuer, endorsers, every check and
    /// the disclosed fields, each untrusted string escaped and capped
    /// ([`crate::display::write_report_body`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "verdict: {}", self.verdict.as_str().to_uppercase())?;
        crate::display::write_report_body(f, self, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for v in [Verdict::Valid, Verdict::Invalid, Verdict::Indeterminate] {
            assert_eq!(Verdict::from_name(v.as_str()), Some(v));
        }
        for c in CheckCode::ALL {
            assert_eq!(CheckCode::from_name(c.as_str()), Some(c));
        }
        for o in [
            Outcome::Passed,
            Outcome::Failed,
            Outcome::Indeterminate,
            Outcome::Skipped,
        ] {
            assert_eq!(Outcome::from_name(o.as_str()), Some(o));
        }
        assert_eq!(Verdict::from_name("VALID"), None);
        assert_eq!(CheckCode::from_name(""), None);
        assert_eq!(Outcome::from_name("fail"), None);
    }

    #[test]
    fn problems_are_failed_and_indeterminate_checks() {
        let mut r = Report::format_failure("bundle: x".into(), ResultCode::Truncated, 7);
        assert_eq!(r.verified_at, 7);
        assert_eq!(r.verdict, Verdict::Invalid);
        assert_eq!(r.failures().count(), 1);
        assert_eq!(r.problems().count(), 1);
        r.checks[0].outcome = Outcome::Passed;
        r.checks[6].outcome = Outcome::Indeterminate;
        r.checks[6].code = ResultCode::StaleStatus;
        r.checks[9].outcome = Outcome::Failed;
        r.checks[9].code = ResultCode::NotInLedger;
        assert_eq!(r.failures().count(), 1);
        let problems: Vec<_> = r.problems().map(|c| c.check).collect();
        assert_eq!(problems, [CheckCode::Status, CheckCode::Ledger]);
    }
}
