//! Check 8, `validity`: the verification time is inside the certificate's
//! validity (`valid_from` ≤ now ≤ `valid_until`).

use super::{Ctx, Found};
use crate::time;

use crate::verify::{Check, CheckCode, Outcome, ResultCode};

pub(super) fn check(ctx: &Ctx<'_>, _: &mut Found) -> Check {
    let h = ctx.header;
    if ctx.now < h.valid_from {
        return Check::new(
            CheckCode::Validity,
            Outcome::Failed,
            ResultCode::NotYetValid,
            format!("not valid before {}", time::format(h.valid_from)),
        );
    }
    if let Some(u) = h.valid_until.filter(|u| ctx.now > *u) {
        return Check::new(
            CheckCode::Validity,
            Outcome::Failed,
            ResultCode::Expired,
            format!("expired at {}", time::format(u)),
        );
    }
    // written in place: this reason is in every valid report
    let mut reason = String::with_capacity(64);
    reason.push_str("valid from ");
    time::push(&mut reason, h.valid_from);
    match h.valid_until {
        Some(u) => {
            reason.push_str(" until ");
            time::push(&mut reason, u);
        }
        None => reason.push_str(", no end date"),
    }
    Check::new(CheckCode::Validity, Outcome::Passed, ResultCode::Ok, reason)
}
