//! Verification online: a bundle's chain receipt confirmed by asking the
//! chain ([`ChainOracle`]), and the ledger check's receipt and chain parts.

use super::*;

impl Verifier {
    /// Verifies a bundle as [`Verifier::verify`] does, and confirms its chain
    /// receipt (if any) by asking the chain through `oracle`: the registry
    /// must hold the anchor id, with the anchor's root and tree size, in the
    /// receipt's block. A chain that cannot be reached leaves the `ledger`
    /// check indeterminate.
    #[must_use]
    pub fn verify_online(&self, input: &[u8], now: u64, oracle: &dyn ChainOracle) -> Report {
        match Bundle::decode_any(input) {
            Ok(b) => self.verify_bundle_online(&b, now, oracle),
            Err(e) => Self::format_failure(format!("bundle: {e}"), e.result_code(), now),
        }
    }

    /// [`Verifier::verify_online`] for a decoded bundle.
    #[must_use]
    pub fn verify_bundle_online(
        &self,
        bundle: &Bundle,
        now: u64,
        oracle: &dyn ChainOracle,
    ) -> Report {
        let mut report = self.verify_bundle(bundle, now);
        let Some(chain) = bundle.chain.as_ref() else {
            return report;
        };
        let (Some(cert), Ok(eval)) = (&report.certificate, self.anchor_eval(&bundle.anchor)) else {
            return report; // a format failure: nothing more to check
        };
        let required = self
            .trust
            .policy(&cert.kind)
            .is_some_and(|p| p.require_ledger);
        let (tlog, _) = self.check_ledger(&eval.anchor, bundle.receipt.as_ref(), required, now);
        let check = self.with_chain_receipt(tlog, &eval.anchor, Some(chain), Some(oracle));
        if let Some(slot) = report
            .checks
            .iter_mut()
            .find(|c| c.check == CheckCode::Ledger)
        {
            *slot = check;
        }
        report.verdict = if report.checks.iter().any(|c| c.outcome == Outcome::Failed) {
            Verdict::Invalid
        } else if report
            .checks
            .iter()
            .any(|c| c.outcome == Outcome::Indeterminate)
        {
            Verdict::Indeterminate
        } else {
            Verdict::Valid
        };
        report
    }

    /// Folds the check of a chain receipt into the `ledger` check: it
    /// replaces "no receipt", else the worse of the two outcomes counts.
    pub(super) fn with_chain_receipt(
        &self,
        tlog: Check,
        anchor: &Anchor,
        chain: Option<&ChainReceipt>,
        oracle: Option<&dyn ChainOracle>,
    ) -> Check {
        let Some(c) = chain else {
            return tlog;
        };
        let cc = self.check_chain(anchor, c, oracle);
        if matches!(
            tlog.code,
            ResultCode::NoReceipt | ResultCode::ReceiptMissing
        ) {
            return cc;
        }
        let rank = |o: Outcome| match o {
            Outcome::Failed => 3,
            Outcome::Indeterminate => 2,
            Outcome::Passed => 1,
            Outcome::Skipped => 0,
        };
        let (outcome, code) = if rank(cc.outcome) > rank(tlog.outcome) {
            (cc.outcome, cc.code)
        } else {
            (tlog.outcome, tlog.code)
        };
        Check::new(
            CheckCode::Ledger,
            outcome,
            code,
            format!("{}; {}", tlog.reason, cc.reason),
        )
    }

    fn check_chain(
        &self,
        anchor: &Anchor,
        c: &ChainReceipt,
        oracle: Option<&dyn ChainOracle>,
    ) -> Check {
        let check =
            |outcome, code, reason: String| Check::new(CheckCode::Ledger, outcome, code, reason);
        let Some(trusted) = self.trust.chain(c.chain_id, &c.contract) else {
            return check(
                Outcome::Failed,
                ResultCode::UnknownChain,
                format!(
                    "the chain receipt names registry {} on chain {}, which the trust store does not list",
                    c.contract_hex(),
                    c.chain_id
                ),
            );
        };
        let chain_name = trusted.name.as_deref().map_or_else(
            || format!("chain {}", c.chain_id),
            |n| format!("{n} (chain {})", c.chain_id),
        );
        let Some(oracle) = oracle else {
            return check(
                Outcome::Indeterminate,
                ResultCode::ChainNotChecked,
                format!(
                    "chain receipt not checked offline (transaction {} in block {} of {chain_name}); verify online to confirm it",
                    c.tx_hex(),
                    c.block
                ),
            );
        };
        let body = anchor.body();
        let id = anchor.id();
        match oracle.anchored(c.chain_id, &c.contract, &id) {
            Err(e) => check(
                Outcome::Indeterminate,
                ResultCode::ChainUnreachable,
                format!("could not ask {chain_name}: {e}"),
            ),
            Ok(None) => check(
                Outcome::Failed,
                ResultCode::NotOnChain,
                format!(
                    "registry {} on {chain_name} holds no record of anchor {id}",
                    c.contract_hex()
                ),
            ),
            Ok(Some(r)) if r.root != body.root || r.tree_size != body.tree_size => check(
                Outcome::Failed,
                ResultCode::ChainMismatch,
                format!(
                    "registry {} on {chain_name} recorded root {} and tree size {} for this anchor, the anchor says {} and {}",
                    c.contract_hex(),
                    r.root,
                    r.tree_size,
                    body.root,
                    body.tree_size
                ),
            ),
            Ok(Some(r)) if r.block != c.block => check(
                Outcome::Failed,
                ResultCode::ChainReceiptMismatch,
                format!(
                    "the receipt says block {}, registry {} on {chain_name} recorded the anchor in block {}",
                    c.block,
                    c.contract_hex(),
                    r.block
                ),
            ),
            Ok(Some(r)) => check(
                Outcome::Passed,
                ResultCode::Ok,
                format!(
                    "anchor recorded on {chain_name} in block {} at {} by 0x{} (registry {})",
                    r.block,
                    crate::time::format(r.timestamp),
                    hex::encode(r.issuer),
                    c.contract_hex()
                ),
            ),
        }
    }
}
