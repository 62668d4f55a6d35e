//! Check 4, `issuer_signature`: a trusted key of the issuer the anchor names,
//! valid when it signed, signed the anchor (worked out once per anchor), and
//! the anchor is not dated after the verification time.

use super::{Ctx, Found};
use crate::time;
use crate::verify::{Check, CheckCode, MAX_CLOCK_SKEW, Outcome, ResultCode};

pub(super) fn check(ctx: &Ctx<'_>, _: &mut Found) -> Check {
    if ctx.body.issued_at > ctx.now.saturating_add(MAX_CLOCK_SKEW) {
        return Check::new(
            CheckCode::IssuerSignature,
            Outcome::Failed,
            ResultCode::IssuedInFuture,
            format!(
                "the anchor claims to be issued at {}, after the verification time {}",
                time::format(ctx.body.issued_at),
                time::format(ctx.now)
            ),
        );
    }
    ctx.eval.issuer_check.clone()
}
