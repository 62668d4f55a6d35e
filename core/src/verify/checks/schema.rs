//! Check 9, `schema`: the disclosed fields conform to the kind's schema
//! (skipped for a kind the verifier has no schema for).

use super::{Ctx, Found};
use crate::verify::{Check, CheckCode, Outcome, ResultCode};

pub(super) fn check(ctx: &Ctx<'_>, _: &mut Found) -> Check {
    let kind = &ctx.header.kind;
    let Some(schema) = ctx.verifier.registry.get(kind) else {
        return Check::new(
            CheckCode::Schema,
            Outcome::Skipped,
            ResultCode::UnknownKind,
            format!("kind `{kind}` is not registered with this verifier"),
        );
    };
    let disclosed = ctx
        .bundle
        .disclosed
        .iter()
        .map(|d| (d.name.as_str(), &d.value));
    match schema.validate_disclosed(disclosed) {
        Ok(()) => Check::new(
            CheckCode::Schema,
            Outcome::Passed,
            ResultCode::Ok,
            format!("disclosed fields conform to `{kind}`"),
        ),
        Err(vs) => Check::new(
            CheckCode::Schema,
            Outcome::Failed,
            ResultCode::SchemaViolation,
            vs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}
