//! Check 2, `integrity`: every disclosed field is committed in the header
//! (its salted digest is one of the header's), and none is disclosed twice.

use super::{Ctx, Found};
use crate::verify::{Check, CheckCode, Outcome, ResultCode};

pub(super) fn check(ctx: &Ctx<'_>, _: &mut Found) -> Check {
    let disclosed = &ctx.bundle.disclosed;
    for (i, d) in disclosed.iter().enumerate() {
        if disclosed.iter().take(i).any(|e| e.name == d.name) {
            return Check::new(
                CheckCode::Integrity,
                Outcome::Failed,
                ResultCode::DisclosedTwice,
                format!("field `{}` is disclosed twice", d.name),
            );
        }
        let digest = ctx
            .digests
            .and_then(|ds| ds.get(i).copied())
            .unwrap_or_else(|| d.digest());
        if !ctx.header.contains(&digest) {
            return Check::new(
                CheckCode::Integrity,
                Outcome::Failed,
                ResultCode::DigestMismatch,
                format!(
                    "field `{}` does not match any digest in the header (altered value, name or salt)",
                    d.name
                ),
            );
        }
    }
    let n = disclosed.len();
    Check::new(
        CheckCode::Integrity,
        Outcome::Passed,
        ResultCode::Ok,
        format!(
            "{n} disclosed field(s) match the header; {} committed digest(s) stay undisclosed",
            ctx.header.digests.len().saturating_sub(n)
        ),
    )
}
