//! Check 10, `ledger`: the anchor is proven in a checkpoint a trusted ledger
//! signed (`Verifier::check_ledger`), and a chain receipt, offline, leaves
//! the check indeterminate (`Verifier::with_chain_receipt`).

use super::{Ctx, Found};
use crate::verify::Check;

pub(super) fn check(ctx: &Ctx<'_>, found: &mut Found) -> Check {
    let v = ctx.verifier;
    let (check, ledger) = v.check_ledger(
        &ctx.eval.anchor,
        ctx.bundle.receipt.as_ref(),
        ctx.policy.is_some_and(|p| p.require_ledger),
        ctx.now,
    );
    found.ledger = ledger;
    v.with_chain_receipt(check, &ctx.eval.anchor, ctx.bundle.chain.as_ref(), None)
}
