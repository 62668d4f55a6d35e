//! `certanchor._certanchor`: the Python binding of the certanchor core.
//!
//! Thin by design (SPEC §1): each class wraps a core type, extracts its
//! arguments under the GIL, calls the core (with the GIL released for long
//! work) and converts the result. Errors map in one place, the private `error` module.
//! The public Python package is `certanchor` (`python/certanchor/`).

mod bulk;
mod bundle;
mod convert;
mod error;
mod issue;
mod mirror;
mod sample;
mod trust;
mod verify;

use pyo3::prelude::*;

/// The Rust side allocates with mimalloc, as the CLI does: `verify_many`
/// allocates from both cores at once, which glibc's allocator serializes
/// (BENCHMARKS.md, 2026-11-27, `b476ac1`). Python's own objects are untouched.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The extension module.
#[pymodule(gil_used = false)]
fn _certanchor(m: &Bound<'_, PyModule>) -> PyResult<()> {
    error::register(m)?;
    m.add_class::<bundle::PyBundle>()?;
    m.add_class::<trust::PyTrustStore>()?;
    m.add_class::<verify::PyVerifier>()?;
    m.add_class::<verify::PyReport>()?;
    m.add_class::<verify::PyCheck>()?;
    m.add_class::<mirror::PyMirror>()?;
    m.add_class::<issue::PySigningKey>()?;
    m.add_class::<issue::PyIssuer>()?;
    m.add_class::<issue::PyIssuedBatch>()?;
    m.add_function(wrap_pyfunction!(sample::sample_business_license, m)?)?;
    m.add_function(wrap_pyfunction!(sample::sample_real_estate_title, m)?)?;
    m.add_function(wrap_pyfunction!(sample::sample_authorities, m)?)?;
    m.add_function(wrap_pyfunction!(sample::sample_key, m)?)?;
    m.add_function(wrap_pyfunction!(sample::sample_trust_json, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("JAN_1_2024", certanchor::sample::JAN_1_2024)?;
    m.add("BATCH_VERIFICATION", certanchor::keys::BATCH_VERIFICATION)?;
    m.add("REPORT_COLUMNS", bulk::COLUMNS.to_vec())?;
    m.add(
        "RESULT_CODES",
        certanchor::ResultCode::ALL
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>(),
    )?;
    Ok(())
}
