//! The checks of a verification after `format`, one file each, run in order
//! by [`PIPELINE`] over a [`Ctx`] (what the decoded bundle, its anchor and
//! its status lists say). Adding a check: a file here with a [`Step`], an
//! entry in [`PIPELINE`], a variant of [`CheckCode`] and its result codes.
//!
//! `format` (check 1) is the decoding that builds the context, in
//! `Verifier::verify_decoded`.

use std::sync::Arc;

use super::known_status::StatusEval;
use super::{AnchorEval, Check, CheckCode, LedgerInfo, Party, StatusInfo, Verifier};
use crate::Hash;
use crate::anchor::AnchorBody;
use crate::bundle::Bundle;
use crate::certificate::CertificateHeader;
use crate::trust::Policy;

mod authorization;
mod endorsements;
mod inclusion;
mod integrity;
mod issuer_signature;
mod ledger;
mod schema;
mod status;
mod validity;

/// What one verification reads: the decoded bundle and what the verifier
/// worked out for its anchor and lists.
pub(super) struct Ctx<'a> {
    pub(super) verifier: &'a Verifier,
    pub(super) bundle: &'a Bundle,
    /// The disclosed fields' digests as read from the bytes, when known.
    pub(super) digests: Option<&'a [Hash]>,
    pub(super) header: &'a CertificateHeader,
    pub(super) eval: &'a AnchorEval,
    pub(super) body: &'a AnchorBody,
    pub(super) lists: &'a [Arc<StatusEval>],
    pub(super) policy: Option<&'a Policy>,
    pub(super) now: u64,
    /// The authorization and endorsement checks, from the anchor's cache
    /// when they hold at `now` ([`Ctx::per_kind`]; the endorsers that count
    /// go straight to [`Found`]).
    pub(super) per_kind: (Check, Check),
}

/// What the checks learn for the report besides their outcomes.
#[derive(Default)]
pub(super) struct Found {
    pub(super) endorsers: Vec<Party>,
    pub(super) status: Vec<StatusInfo>,
    pub(super) ledger: Option<LedgerInfo>,
}

/// One check: its outcome from the context; what it learns goes to `found`.
pub(super) type Step = fn(&Ctx<'_>, &mut Found) -> Check;

/// Checks 2 to 10, in report order.
pub(super) const PIPELINE: [(CheckCode, Step); 9] = [
    (CheckCode::Integrity, integrity::check),
    (CheckCode::Inclusion, inclusion::check),
    (CheckCode::IssuerSignature, issuer_signature::check),
    (CheckCode::Authorization, authorization::check),
    (CheckCode::Endorsements, endorsements::check),
    (CheckCode::Status, status::check),
    (CheckCode::Validity, validity::check),
    (CheckCode::Schema, schema::check),
    (CheckCode::Ledger, ledger::check),
];

impl<'a> Ctx<'a> {
    /// Authorization, endorsements and endorsers: cached per kind when the
    /// anchor was first seen, for times at which every endorsement counts.
    pub(super) fn per_kind(
        verifier: &Verifier,
        eval: &AnchorEval,
        header: &CertificateHeader,
        now: u64,
    ) -> (Check, Check, Vec<Party>) {
        let body = eval.anchor.body();
        let all_count = eval.all_count.0 <= now && now < eval.all_count.1;
        match eval.per_kind.iter().find(|(kind, ..)| *kind == header.kind) {
            Some((_, a, e)) if header.issuer == body.issuer && all_count => {
                (a.clone(), e.clone(), eval.endorsers.clone())
            }
            _ => {
                let (parties, notes) = eval.endorsers_at(now);
                (
                    Verifier::authorization_check(eval, &header.issuer, &header.kind),
                    verifier.endorsement_check(&parties, &notes, &header.kind),
                    parties,
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PIPELINE;
    use crate::CheckCode;

    /// `format`, then the pipeline: every check once, in report order.
    #[test]
    fn the_pipeline_runs_every_check_in_report_order() {
        let order: Vec<CheckCode> = std::iter::once(CheckCode::Format)
            .chain(PIPELINE.iter().map(|(c, _)| *c))
            .collect();
        assert_eq!(order, CheckCode::ALL);
    }
}
