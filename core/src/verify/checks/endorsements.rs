//! Check 6, `endorsements`: as many distinct departments as the kind's
//! policy asks for endorsed the anchor with keys valid then and not revoked
//! now (`Verifier::endorsement_check`, cached per kind with the anchor; the
//! departments that count are worked out with it, in `Ctx::per_kind`).

use super::{Ctx, Found};
use crate::verify::Check;

pub(super) fn check(ctx: &Ctx<'_>, _: &mut Found) -> Check {
    ctx.per_kind.1.clone()
}
