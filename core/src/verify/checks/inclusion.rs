//! Check 3, `inclusion`: the header's leaf is under the anchor's signed root
//! (RFC 9162 audit path; the tree size is the anchor's).

use super::{Ctx, Found};
use crate::merkle::leaf_hash;
use crate::verify::{Check, CheckCode, Outcome, ResultCode};

pub(super) fn check(ctx: &Ctx<'_>, _: &mut Found) -> Check {
    let proof = &ctx.bundle.proof;
    if proof.tree_size != ctx.body.tree_size {
        return Check::new(
            CheckCode::Inclusion,
            Outcome::Failed,
            ResultCode::TreeSizeMismatch,
            format!(
                "proof is for a tree of {} leaves, the anchor's has {}",
                proof.tree_size, ctx.body.tree_size
            ),
        );
    }
    match ctx.eval.nodes.verify(&leaf_hash(&ctx.bundle.header), proof) {
        Ok(()) => Check::new(
            CheckCode::Inclusion,
            Outcome::Passed,
            ResultCode::Ok,
            format!(
                "leaf {} of {} is under the anchor's root",
                proof.leaf_index, ctx.body.tree_size
            ),
        ),
        Err(e) => Check::new(
            CheckCode::Inclusion,
            Outcome::Failed,
            e.result_code(),
            format!("inclusion proof: {e}"),
        ),
    }
}
