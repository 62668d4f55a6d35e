//! Bulk verification into columns: `Verifier.verify_columns` and
//! `Verifier.verify_to_arrow`, over a Python sequence or iterable, or a
//! directory or JSON Lines file (the core's `certanchor::source`).
//!
//! The core's two-pass driver (`Verifier::verify_chunks`) does the work
//! with the GIL released; each report becomes a [`Row`] on the thread that
//! verified it, and only the requested columns of each chunk reach Python.

use std::path::PathBuf;
use std::sync::Arc;

use certanchor::cbor::Value;
use certanchor::source::{BundleSource, NotABundle, Sourced};
use certanchor::{Report, ResultCode};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyMemoryView, PyString};

use crate::convert::{bundle_input, datetime_utc, repr_str, typed_value_to_py};

/// The report columns `verify_columns` can return, in their order.
pub(crate) const COLUMNS: [&str; 15] = [
    "row",
    "input",
    "verdict",
    "check",
    "code",
    "reason",
    "certificate_id",
    "kind",
    "issuer",
    "batch",
    "anchor_id",
    "issued_at",
    "valid_from",
    "valid_until",
    "endorsers",
];

/// The columns returned when none are named.
pub(crate) const DEFAULT_COLUMNS: [&str; 5] = ["input", "verdict", "check", "code", "reason"];

/// Inputs per chunk when the caller names none: enough to keep both cores
/// busy, few enough that a chunk's rows are a few megabytes.
pub(crate) const DEFAULT_CHUNK: usize = 16_384;

/// What is kept of one report.
pub(crate) struct Row {
    verdict: &'static str,
    decided: Option<(&'static str, &'static str, String)>,
    certificate: Option<certanchor::verify::CertificateInfo>,
    anchor: Option<(String, String)>,
    endorsers: Vec<String>,
    fields: Vec<Option<Value>>,
}

/// Which columns and fields a call returns.
pub(crate) struct Spec {
    columns: Vec<&'static str>,
    fields: Vec<String>,
}

impl Spec {
    /// Checks the names: each column known and named once, no field named
    /// like a requested column.
    pub(crate) fn new(columns: Option<Vec<String>>, fields: Option<Vec<String>>) -> PyResult<Self> {
        let mut out: Vec<&'static str> = Vec::new();
        match columns {
            None => out.extend(DEFAULT_COLUMNS),
            Some(names) => {
                for n in names {
                    let Some(c) = COLUMNS.iter().find(|c| **c == n) else {
                        return Err(PyValueError::new_err(format!(
                            "unknown column {}; the columns are {}",
                            repr_str(&n),
                            COLUMNS.join(", ")
                        )));
                    };
                    if out.contains(c) {
                        return Err(PyValueError::new_err(format!(
                            "column {} named twice",
                            repr_str(&n)
                        )));
                    }
                    out.push(c);
                }
            }
        }
        let fields = fields.unwrap_or_default();
        for (i, f) in fields.iter().enumerate() {
            if out.iter().any(|c| *c == f) || fields.iter().take(i).any(|g| g == f) {
                return Err(PyValueError::new_err(format!(
                    "field {} is named twice or like a column",
                    repr_str(f)
                )));
            }
        }
        Ok(Self {
            columns: out,
            fields,
        })
    }

    /// The kept part of `r` (runs on the verifying thread).
    fn row(&self, mut r: Report) -> Row {
        let mut disclosed = std::mem::take(&mut r.disclosed);
        let fields = self
            .fields
            .iter()
            .map(|name| disclosed.remove(name))
            .collect();
        Row {
            verdict: r.verdict.as_str(),
            decided: r
                .decided_by()
                .map(|c| (c.check.as_str(), c.code.as_str(), c.reason.clone())),
            anchor: r.anchor.map(|a| (a.id.to_string(), a.batch)),
            endorsers: r.endorsers.into_iter().map(|p| p.id).collect(),
            certificate: r.certificate,
            fields,
        }
    }

    /// One chunk as `{column: list}`, rows numbered from `first_row`.
    fn to_py<'py>(
        &self,
        py: Python<'py>,
        first_row: usize,
        rows: &[(String, Row)],
    ) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        let opt_time = |t: Option<u64>| -> PyResult<Bound<'py, PyAny>> {
            match t {
                Some(t) => datetime_utc(py, t),
                None => Ok(py.None().into_bound(py)),
            }
        };
        for &c in &self.columns {
            let list = PyList::empty(py);
            for (i, (place, row)) in rows.iter().enumerate() {
                let cert = row.certificate.as_ref();
                let decided = row.decided.as_ref();
                let v: Bound<'py, PyAny> = match c {
                    "row" => (first_row + i).into_pyobject(py)?.into_any(),
                    // a Python row's place is its position
                    "input" if place.is_empty() => {
                        PyString::new(py, &format!("row {}", first_row + i)).into_any()
                    }
                    "input" => PyString::new(py, place).into_any(),
                    "verdict" => PyString::intern(py, row.verdict).into_any(),
                    "check" => opt_str(py, decided.map(|d| d.0), true),
                    "code" => opt_str(py, decided.map(|d| d.1), true),
                    "reason" => opt_str(py, decided.map(|d| d.2.as_str()), false),
                    "certificate_id" => opt_str(py, cert.map(|c| c.id.as_str()), false),
                    "kind" => opt_str(py, cert.map(|c| c.kind.as_str()), true),
                    "issuer" => opt_str(py, cert.map(|c| c.issuer.as_str()), true),
                    "batch" => opt_str(py, row.anchor.as_ref().map(|a| a.1.as_str()), false),
                    "anchor_id" => opt_str(py, row.anchor.as_ref().map(|a| a.0.as_str()), false),
                    "issued_at" => opt_time(cert.map(|c| c.issued_at))?,
                    "valid_from" => opt_time(cert.map(|c| c.valid_from))?,
                    "valid_until" => opt_time(cert.and_then(|c| c.valid_until))?,
                    "endorsers" => PyList::new(py, &row.endorsers)?.into_any(),
                    _ => {
                        return Err(PyRuntimeError::new_err(format!(
                            "column {c} has no converter"
                        )));
                    }
                };
                list.append(v)?;
            }
            out.set_item(c, list)?;
        }
        for (j, name) in self.fields.iter().enumerate() {
            let list = PyList::empty(py);
            for (_, row) in rows {
                let v = match row.fields.get(j).and_then(Option::as_ref) {
                    None => py.None().into_bound(py),
                    Some(v) => {
                        let ty = row
                            .certificate
                            .as_ref()
                            .and_then(|c| crate::verify::registry().get(&c.kind))
                            .and_then(|s| s.field(name))
                            .map(|f| &f.ty);
                        typed_value_to_py(py, v, ty)?
                    }
                };
                list.append(v)?;
            }
            out.set_item(name, list)?;
        }
        Ok(out)
    }

    /// The names of the returned columns, in order.
    pub(crate) fn names(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| (*c).to_owned())
            .chain(self.fields.iter().cloned())
            .collect()
    }
}

fn opt_str<'py>(py: Python<'py>, s: Option<&str>, intern: bool) -> Bound<'py, PyAny> {
    match s {
        Some(s) if intern => PyString::intern(py, s).into_any(),
        Some(s) => PyString::new(py, s).into_any(),
        None => py.None().into_bound(py),
    }
}

/// Where the inputs come from.
pub(crate) enum Inputs {
    /// A directory or JSON Lines file.
    Path(BundleSource),
    /// A Python object that can be iterated more than once (a list, a
    /// Series, an Arrow array): read twice, a chunk at a time.
    Reiterable(Py<PyAny>),
    /// A one-shot iterator's inputs, read into memory.
    Owned(Vec<Sourced>),
}

/// Refuses a lone `str` / `bytes` where many bundles are expected.
pub(crate) fn refuse_single(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<()> {
    if obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyByteArray>()
        || obj.is_instance_of::<PyMemoryView>()
    {
        return Err(PyTypeError::new_err(format!(
            "{what} takes an iterable of bundles or a path (pathlib.Path) to a directory or \
             JSON Lines file, not one {}: wrap it in a list ({what}([bundle])), call \
             verify(bundle), or pass Path(...) for a file",
            obj.get_type().name()?
        )));
    }
    Ok(())
}

/// A source that cannot be read → `OSError` (its subclass by errno, e.g.
/// `FileNotFoundError`) with the core's message and the path.
pub(crate) fn source_error(e: certanchor::source::SourceError) -> PyErr {
    let msg = e.to_string();
    match e.source.raw_os_error() {
        Some(errno) => PyOSError::new_err((errno, msg, e.place)),
        None => PyOSError::new_err(msg),
    }
}

/// A path (`os.PathLike`, e.g. `pathlib.Path`), else `None`.
pub(crate) fn as_path(obj: &Bound<'_, PyAny>) -> PyResult<Option<PathBuf>> {
    let pathlike = obj.py().import("os")?.getattr("PathLike")?;
    if obj.is_instance(&pathlike)? {
        return Ok(Some(obj.extract::<PathBuf>()?));
    }
    Ok(None)
}

impl Inputs {
    /// The inputs of `obj`: a path, a sequence, or an iterator.
    pub(crate) fn from_py(
        what: &str,
        obj: &Bound<'_, PyAny>,
        report_errors: bool,
    ) -> PyResult<Self> {
        refuse_single(what, obj)?;
        if let Some(path) = as_path(obj)? {
            return BundleSource::open(&path)
                .map(Self::Path)
                .map_err(source_error);
        }
        let it = obj.try_iter()?;
        if it.is(obj) {
            // an iterator can be read once only: keep its inputs
            let mut out = Vec::new();
            for (row, item) in it.enumerate() {
                out.push(sourced(what, row, &item?, report_errors)?);
            }
            return Ok(Self::Owned(out));
        }
        Ok(Self::Reiterable(obj.clone().unbind()))
    }

    /// The number of inputs when known.
    pub(crate) fn len(&self, py: Python<'_>) -> Option<usize> {
        match self {
            Self::Path(s) => s.len_hint(),
            Self::Reiterable(o) => o.bind(py).len().ok(),
            Self::Owned(v) => Some(v.len()),
        }
    }
}

/// One Python input → its bytes, or why it is not a bundle: a `TypeError`
/// naming the row (`errors="raise"`), or the row's reason (`"report"`).
pub(crate) fn sourced(
    what: &str,
    row: usize,
    item: &Bound<'_, PyAny>,
    report_errors: bool,
) -> PyResult<Sourced> {
    let py = item.py();
    let place = format!("row {row}");
    match bundle_input(item) {
        Ok(bytes) => Ok(Sourced {
            place,
            bundle: Ok(bytes),
        }),
        Err(e)
            if e.is_instance_of::<PyTypeError>(py)
                || (report_errors && e.is_instance_of::<PyValueError>(py)) =>
        {
            let reason = format!("{place}: {}", e.value(py));
            if !report_errors {
                let err = PyTypeError::new_err(format!("{what}: {reason}"));
                err.set_cause(py, Some(e));
                return Err(err);
            }
            Ok(Sourced {
                place,
                bundle: Err(NotABundle {
                    code: ResultCode::UnexpectedType,
                    reason,
                }),
            })
        }
        Err(e) => Err(e),
    }
}

/// Verifies `inputs` in chunks of `chunk` with the GIL released (the
/// core's two-pass driver), turning each report into a `T` with `f` on
/// the thread that verified it and handing `sink` each chunk's places and
/// results in order (without the GIL: it attaches when it needs Python).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run<T: Send>(
    py: Python<'_>,
    verifier: &Arc<certanchor::Verifier>,
    what: &str,
    inputs: &Inputs,
    now: u64,
    report_errors: bool,
    chunk: usize,
    pool: Option<&rayon::ThreadPool>,
    f: impl Fn(Report) -> T + Sync + Send,
    mut sink: impl FnMut(Vec<(String, T)>) -> PyResult<()> + Send,
) -> PyResult<()> {
    let chunk = chunk.max(1);
    let v = Arc::clone(verifier);
    py.detach(|| {
        crate::verify::in_pool(pool, || match inputs {
            Inputs::Path(source) => {
                // Ctrl-C is seen between chunks, also in the first pass
                let pass = || -> PyResult<_> {
                    Ok(source.chunks(chunk).map_err(source_error)?.map(|c| {
                        Python::attach(|py| py.check_signals())?;
                        c.map_err(source_error)
                    }))
                };
                v.verify_chunks(now, pass, f, &mut sink)
            }
            Inputs::Owned(all) => {
                // borrowed chunks: the inputs' bytes are not copied again;
                // Ctrl-C is seen between chunks
                let pass = || -> PyResult<_> {
                    Ok(all.chunks(chunk).map(|c| {
                        Python::attach(|py| py.check_signals())?;
                        Ok::<_, PyErr>(c)
                    }))
                };
                v.verify_chunks(now, pass, f, &mut sink)
            }
            Inputs::Reiterable(obj) => {
                let pass = || -> PyResult<_> {
                    let mut row = 0usize;
                    let it = Python::attach(|py| obj.bind(py).try_iter().map(Bound::unbind))?;
                    Ok(std::iter::from_fn(move || {
                        Python::attach(|py| {
                            if let Err(e) = py.check_signals() {
                                return Some(Err(e));
                            }
                            let mut it = it.bind(py).clone();
                            let mut out = Vec::with_capacity(chunk.min(4096));
                            for item in it.by_ref().take(chunk) {
                                match item.and_then(|item| sourced(what, row, &item, report_errors))
                                {
                                    Ok(s) => out.push(s),
                                    Err(e) => return Some(Err(e)),
                                }
                                row += 1;
                            }
                            (!out.is_empty()).then_some(Ok(out))
                        })
                    }))
                };
                v.verify_chunks(now, pass, f, &mut sink)
            }
        })
    })
}

/// [`run`] into columns: `sink` gets each chunk's `{column: list}` (under
/// the GIL) and its number of rows.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_columns(
    py: Python<'_>,
    verifier: &Arc<certanchor::Verifier>,
    what: &str,
    inputs: &Inputs,
    spec: &Spec,
    now: u64,
    report_errors: bool,
    chunk: usize,
    pool: Option<&rayon::ThreadPool>,
    mut sink: impl FnMut(Python<'_>, Bound<'_, PyDict>, usize) -> PyResult<()> + Send,
) -> PyResult<()> {
    let mut first_row = 0usize;
    let f = |r: Report| spec.row(r);
    let to_sink = |rows: Vec<(String, Row)>| -> PyResult<()> {
        Python::attach(|py| {
            let n = rows.len();
            let cols = spec.to_py(py, first_row, &rows)?;
            drop(rows);
            first_row += n;
            sink(py, cols, n)
        })
    };
    run(
        py,
        verifier,
        what,
        inputs,
        now,
        report_errors,
        chunk,
        pool,
        f,
        to_sink,
    )
}
