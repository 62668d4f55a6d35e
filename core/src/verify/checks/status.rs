//! Check 7, `status`: revocation and suspension, from the lists the bundle
//! carries and those the verifier remembers (`known_status::check_status`).

use super::{Ctx, Found};
use crate::verify::{Check, known_status};

pub(super) fn check(ctx: &Ctx<'_>, found: &mut Found) -> Check {
    let (check, infos) = known_status::check_status(
        &ctx.verifier.known,
        ctx.body,
        ctx.lists,
        ctx.bundle.proof.leaf_index,
        ctx.now,
        ctx.policy,
    );
    found.status = infos;
    check
}
