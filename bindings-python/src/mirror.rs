//! `certanchor.Mirror` (mirrors `certanchor::ledger::mirror`): a verifier's
//! copy of a ledger's index, brought up to date from a published ledger
//! (SPEC §9.8).
//!
//! The core follows and proves the ledger; this module converts the
//! arguments (a path, a snapshot file, an `http://` URL), releases the GIL
//! while the core syncs, shows a tqdm bar when asked and tqdm is there,
//! and sees Ctrl-C between entry bundles.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use certanchor::ledger::http::HttpTileSource;
use certanchor::ledger::mirror::{self, Mirror, MirrorError};
use certanchor::ledger::snapshot::Snapshot;
use certanchor::ledger::sync::LedgerView;
use certanchor::ledger::tiles::{DirTileSource, TileError, TileSource};
use certanchor::note::NoteVerifier;
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::repr_str;
use crate::error::ledger_err;
use crate::trust::PyTrustStore;

/// A core mirror error as a `LedgerError` with its code.
pub(crate) fn mirror_err(e: &MirrorError) -> PyErr {
    ledger_err(e.code(), e.to_string())
}

/// A published ledger to read: a tile source of any kind.
type Source = Box<dyn TileSource + Send + Sync>;

/// A tile source that sees Ctrl-C before each read (one read per entry
/// bundle): the read then fails as a source that stopped answering does,
/// so the core keeps the sync's recorded progress, and the signal's
/// exception is raised once the core has returned.
struct Interruptible<'a> {
    inner: &'a (dyn TileSource + Send + Sync),
    signal: Mutex<Option<PyErr>>,
}

impl TileSource for Interruptible<'_> {
    fn read(&self, path: &str, max_len: usize) -> Result<Vec<u8>, TileError> {
        if let Err(e) = Python::attach(|py| py.check_signals()) {
            *lock(&self.signal) = Some(e);
            return Err(TileError::Unavailable {
                path: path.to_owned(),
                reason: "interrupted".into(),
            });
        }
        self.inner.read(path, max_len)
    }
}

/// Locks `m` (no code here panics while holding a lock, so a poisoned
/// lock's data is whole).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Opens `source` as the core's tile source: an `http://` URL, else a path
/// to a published directory or to a snapshot file (read and checked whole).
fn source_arg(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Source> {
    if let Ok(s) = source.cast::<PyString>() {
        let text = s.to_cow()?;
        if text.starts_with("http://") || text.starts_with("https://") {
            let src =
                HttpTileSource::new(&text).map_err(|e| ledger_err(e.code(), e.to_string()))?;
            return Ok(Box::new(src));
        }
    } else if !source.hasattr("__fspath__")? {
        return Err(PyTypeError::new_err(format!(
            "source must be a path (str or os.PathLike) or an http:// URL, not {}",
            source.get_type().name()?
        )));
    }
    let path: PathBuf = source.extract()?;
    let os_err = |e: std::io::Error| match e.raw_os_error() {
        Some(errno) => PyOSError::new_err((errno, e.to_string(), path.display().to_string())),
        None => PyOSError::new_err(format!("{}: {e}", path.display())),
    };
    let meta = std::fs::metadata(&path).map_err(os_err)?;
    if meta.is_dir() {
        return Ok(Box::new(DirTileSource::new(path)));
    }
    let data = py.detach(|| std::fs::read(&path)).map_err(os_err)?;
    let snap = py
        .detach(|| Snapshot::parse(data))
        .map_err(|e| ledger_err(e.code(), format!("{}: {e}", path.display())))?;
    Ok(Box::new(snap))
}

/// A tqdm bar over a sync's entries, made at the first bundle (when the
/// total is known); none when tqdm is not installed.
struct Bar {
    desc: String,
    bar: Option<Py<PyAny>>,
    shown: u64,
    off: bool,
}

impl Bar {
    fn new(origin: &str, on: bool) -> Self {
        Self {
            desc: format!("syncing {origin}"),
            bar: None,
            shown: 0,
            off: !on,
        }
    }

    /// Shows `done` of `total` entries.
    fn update(&mut self, done: u64, total: u64) {
        if self.off {
            return;
        }
        Python::attach(|py| {
            if let Err(e) = self.show(py, done, total) {
                // a progress bar that fails does not fail the sync
                e.write_unraisable(py, None);
                self.off = true;
            }
        });
    }

    fn show(&mut self, py: Python<'_>, done: u64, total: u64) -> PyResult<()> {
        if self.bar.is_none() {
            let Ok(m) = py.import("tqdm.auto") else {
                self.off = true;
                return Ok(());
            };
            let kwargs = PyDict::new(py);
            kwargs.set_item("total", total)?;
            kwargs.set_item("unit", "entry")?;
            kwargs.set_item("desc", &self.desc)?;
            self.bar = Some(m.getattr("tqdm")?.call((), Some(&kwargs))?.unbind());
        }
        if let Some(bar) = &self.bar {
            bar.bind(py)
                .call_method1("update", (done.saturating_sub(self.shown),))?;
            self.shown = done;
        }
        Ok(())
    }

    fn close(&mut self) {
        if let Some(bar) = self.bar.take() {
            Python::attach(|py| {
                if let Err(e) = bar.bind(py).call_method0("close") {
                    e.write_unraisable(py, None);
                }
            });
        }
    }
}

/// A verifier's copy of a ledger's index in a local directory (SPEC §9.8):
/// the newest verified checkpoint, every anchor and every status list.
/// `sync` brings it up to date from a published ledger; a `Verifier` made
/// with `mirror=` verifies against it.
///
/// `Mirror(state_dir, trust_store, origin=None)` opens (or creates, when
/// missing or empty) the mirror in `state_dir` and holds its lock until
/// `close()` (or the end of a `with` block, or garbage collection), so
/// that one process syncs it at a time; verifiers read it without the
/// lock. `origin` picks one of the trust store's ledgers, by default its
/// only one. Raises `LedgerError` (`unknown_ledger`, `ambiguous_ledger`,
/// `locked`, `not_a_mirror`, `io_error`). Not picklable.
#[pyclass(frozen, module = "certanchor", name = "Mirror")]
pub struct PyMirror {
    inner: Mutex<Option<Mirror>>,
    ledger: NoteVerifier,
    dir: PathBuf,
}

impl PyMirror {
    /// Runs `f` on the open mirror, the GIL released while waiting for a
    /// sync in another thread; `ValueError` once closed.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Mirror) -> T + Send,
    ) -> PyResult<T> {
        py.detach(|| lock(&self.inner).as_mut().map(f))
            .ok_or_else(|| PyValueError::new_err("the mirror is closed"))
    }

    /// The verified view, for a verifier whose trust store is `trust`
    /// (its ledger of this mirror's origin verifies the checkpoint).
    pub(crate) fn view(
        &self,
        py: Python<'_>,
        trust: &certanchor::TrustStore,
    ) -> PyResult<LedgerView> {
        let ledger = mirror::pick_ledger(trust.ledgers(), Some(&self.ledger.name))
            .map_err(|e| mirror_err(&e))?
            .clone();
        self.with(py, |m| m.view(&ledger))?
            .map_err(|e| mirror_err(&e))
    }
}

/// The verified view of the mirror in `dir`, read without its lock, for a
/// verifier whose trust store is `trust`.
pub(crate) fn read_view(
    py: Python<'_>,
    dir: &Path,
    trust: &certanchor::TrustStore,
) -> PyResult<LedgerView> {
    py.detach(|| {
        let origin = Mirror::origin_of(dir)?;
        let ledger = mirror::pick_ledger(trust.ledgers(), Some(&origin))?;
        Mirror::read_view(dir, ledger)
    })
    .map_err(|e| mirror_err(&e))
}

#[pymethods]
impl PyMirror {
    /// Opens the mirror in `state_dir` for a ledger of `trust_store`.
    #[new]
    #[pyo3(signature = (state_dir, trust_store, origin = None))]
    fn new(
        py: Python<'_>,
        state_dir: PathBuf,
        trust_store: &PyTrustStore,
        origin: Option<&str>,
    ) -> PyResult<Self> {
        let ledger = mirror::pick_ledger(trust_store.inner.ledgers(), origin)
            .map_err(|e| mirror_err(&e))?
            .clone();
        let m = py
            .detach(|| Mirror::open(&state_dir, &ledger.name))
            .map_err(|e| mirror_err(&e))?;
        Ok(Self {
            inner: Mutex::new(Some(m)),
            ledger,
            dir: state_dir,
        })
    }

    /// Brings the mirror up to the checkpoint of `source`: a path
    /// (`str` or `os.PathLike`) to a directory written by
    /// `certanchor ledger publish` or to a file written by
    /// `certanchor ledger snapshot`, or the `http://` URL such a directory
    /// is served at (`certanchor ledger serve`, any web server).
    ///
    /// The checkpoint must verify with the trust store's key for the
    /// ledger; only the entries the mirror has not seen are read, and they
    /// are proven against it. Runs with the GIL released; Ctrl-C stops it
    /// between entry bundles (the progress recorded so far is resumed by
    /// the next sync). `progress=True` shows a tqdm bar when tqdm is
    /// installed (`pip install certanchor[progress]`), else none.
    ///
    /// Returns `{"origin", "old_size", "new_size", "entries_read",
    /// "anchors", "status_lists", "resumed"}`. Raises `LedgerError` with
    /// the core's code (`rollback` and `fork`, whose two signed
    /// checkpoints are kept in `state_dir/evidence/` and named by the
    /// exception's `evidence` attribute; `bad_snapshot`,
    /// `tile_root_mismatch`, `tile_not_found`, `fetch_failed`, the signed
    /// note's codes, …) and leaves the mirror as it was; `OSError` when
    /// the path cannot be read.
    #[pyo3(signature = (source, progress = true))]
    fn sync<'py>(
        &self,
        py: Python<'py>,
        source: &Bound<'py, PyAny>,
        progress: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let src = source_arg(py, source)?;
        let src = Interruptible {
            inner: &*src,
            signal: Mutex::new(None),
        };
        let mut bar = Bar::new(&self.ledger.name, progress);
        let ledger = &self.ledger;
        let result = self.with(py, |m| {
            let r = m.sync(&src, ledger, |done, total| bar.update(done, total));
            let evidence = r.as_ref().err().and_then(|e| m.keep_evidence(e));
            (r, evidence)
        });
        bar.close();
        let (result, evidence) = result?;
        if let Some(signal) = lock(&src.signal).take() {
            return Err(signal);
        }
        let s = match result {
            Ok(s) => s,
            Err(e) => {
                let err = match &evidence {
                    Some(p) => ledger_err(
                        e.code(),
                        format!("{e}; both signed checkpoints are kept in {}", p.display()),
                    ),
                    None => mirror_err(&e),
                };
                err.value(py)
                    .setattr("evidence", evidence.map(|p| p.display().to_string()))?;
                return Err(err);
            }
        };
        let d = PyDict::new(py);
        d.set_item("origin", &self.ledger.name)?;
        d.set_item("old_size", s.old_size)?;
        d.set_item("new_size", s.new_size)?;
        d.set_item("entries_read", s.entries_read)?;
        d.set_item("anchors", s.anchors)?;
        d.set_item("status_lists", s.status_lists)?;
        d.set_item("resumed", s.resumed)?;
        Ok(d)
    }

    /// Entries verified (0 before the first sync).
    #[getter]
    fn size(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |m| m.size())
    }

    /// The verified checkpoint (the ledger's signed note, as text), or
    /// `None` before the first sync.
    #[getter]
    fn checkpoint(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with(py, |m| m.checkpoint().map(str::to_owned))
    }

    /// The origin of the ledger the mirror follows.
    #[getter]
    fn origin(&self) -> &str {
        &self.ledger.name
    }

    /// The mirror's directory, as given.
    #[getter]
    fn path<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("pathlib")?.getattr("Path")?.call1((&self.dir,))
    }

    /// Releases the mirror's lock; the object is then unusable (its
    /// properties but `origin` and `path` raise `ValueError`). Closing
    /// twice is allowed.
    fn close(&self, py: Python<'_>) {
        let m = py.detach(|| lock(&self.inner).take());
        drop(m);
    }

    /// `with Mirror(...) as m:` closes it at the end of the block.
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the mirror.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let state = match self.with(py, |m| m.size()) {
            Ok(n) => format!("size={n}"),
            Err(_) => "closed".to_owned(),
        };
        format!(
            "Mirror({}, origin={}, {state})",
            repr_str(&self.dir.display().to_string()),
            repr_str(&self.ledger.name)
        )
    }
}
