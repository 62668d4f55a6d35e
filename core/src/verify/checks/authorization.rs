//! Check 5, `authorization`: the issuer may issue the kind, and the header
//! and the anchor agree on who issued what (`Verifier::authorization_check`,
//! cached per kind with the anchor).

use super::{Ctx, Found};
use crate::verify::Check;

pub(super) fn check(ctx: &Ctx<'_>, _: &mut Found) -> Check {
    ctx.per_kind.0.clone()
}
