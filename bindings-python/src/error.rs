//! The one bridge from the core's error enums to Python exceptions.
//!
//! Every core error becomes an instance of a subclass of
//! [`CertanchorError`] (itself a `ValueError`), with the core's message and
//! its stable machine code in the `code` attribute.

use certanchor::Error;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    certanchor,
    CertanchorError,
    PyValueError,
    "Base class of every certanchor error; `code` is the core's stable snake_case code."
);
create_exception!(
    certanchor,
    DecodeError,
    CertanchorError,
    "A bundle, anchor, status list or other document did not decode strictly."
);
create_exception!(
    certanchor,
    KeyFormatError,
    CertanchorError,
    "A key could not be read, generated or used (PEM, base64, length)."
);
create_exception!(
    certanchor,
    IssueError,
    CertanchorError,
    "Issuing, endorsing, disclosing or updating status failed."
);
create_exception!(
    certanchor,
    TrustStoreError,
    CertanchorError,
    "The trust store document is invalid."
);
create_exception!(
    certanchor,
    VerifyError,
    CertanchorError,
    "The verifier refused an out-of-band document (e.g. an untrusted status list)."
);
create_exception!(
    certanchor,
    LedgerError,
    CertanchorError,
    "A ledger operation failed. For a sync refused as a rollback or a fork, `evidence` is the path of the file keeping both signed checkpoints (else None)."
);

/// Converts any core error into the matching Python exception, `code` set.
///
/// A decoding failure wrapped transparently by another concern's enum
/// (`IssueError::Decode`, `VerifyError::Decode`) is raised as `DecodeError`.
pub(crate) fn to_py_err(err: impl Into<Error>) -> PyErr {
    let err: Error = err.into();
    let code = err.code();
    let msg = err.to_string();
    let py_err = match err {
        Error::Decode(_)
        | Error::Issue(certanchor::IssueError::Decode(_))
        | Error::Verify(certanchor::VerifyError::Decode(_)) => DecodeError::new_err(msg),
        Error::Key(_) => KeyFormatError::new_err(msg),
        Error::Issue(_) => IssueError::new_err(msg),
        Error::Trust(_) => TrustStoreError::new_err(msg),
        Error::Verify(_) => VerifyError::new_err(msg),
        Error::Ledger(_) => LedgerError::new_err(msg),
        _ => CertanchorError::new_err(msg),
    };
    Python::attach(|py| {
        // Setting an attribute on a fresh exception instance cannot fail in
        // practice; if it did, the class attribute `code` still answers.
        let _ = py_err.value(py).setattr("code", code);
    });
    py_err
}

/// A `LedgerError` with the core's `code` and message, for the ledger
/// errors outside the core's [`Error`] enum (following a ledger:
/// `MirrorError`, `TileError`, `NoteError`).
pub(crate) fn ledger_err(code: &'static str, msg: impl Into<String>) -> PyErr {
    let py_err = LedgerError::new_err(msg.into());
    Python::attach(|py| {
        // as in `to_py_err`: the class attribute answers should this fail
        let _ = py_err.value(py).setattr("code", code);
    });
    py_err
}

/// `Result<T, core error>` → `PyResult<T>`.
pub(crate) trait IntoPyResult<T> {
    /// Maps the error with [`to_py_err`].
    fn py(self) -> PyResult<T>;
}

impl<T, E: Into<Error>> IntoPyResult<T> for Result<T, E> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py_err)
    }
}

/// Registers the exception classes in the module, each with a class-level
/// `code` default of `"error"` (instances always carry the real code), and
/// `LedgerError.evidence` (default `None`).
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<CertanchorError>();
    base.setattr("code", "error")?;
    m.add("CertanchorError", base)?;
    m.add("DecodeError", py.get_type::<DecodeError>())?;
    m.add("KeyFormatError", py.get_type::<KeyFormatError>())?;
    m.add("IssueError", py.get_type::<IssueError>())?;
    m.add("TrustStoreError", py.get_type::<TrustStoreError>())?;
    m.add("VerifyError", py.get_type::<VerifyError>())?;
    let ledger = py.get_type::<LedgerError>();
    // set on a refused sync's rollback or fork: the evidence file's path
    ledger.setattr("evidence", py.None())?;
    m.add("LedgerError", ledger)?;
    Ok(())
}
