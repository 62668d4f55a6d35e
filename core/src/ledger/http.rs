//! Reading a published ledger (SPEC §9.6) over HTTP: [`HttpTileSource`], a
//! [`TileSource`] for [`TileReader`](super::tiles::TileReader) (feature
//! `http`).
//!
//! The transport is not trusted: a [`TileReader`](super::tiles::TileReader)
//! checks every tile it reads against the root of a checkpoint, and the
//! checkpoint is checked against the ledger's key
//! ([`crate::note::verify_checkpoint`]). Plain `http://` is therefore enough
//! for integrity; with the `https` feature `https://` URLs are accepted too
//! (for privacy, not integrity).
//!
//! Every fetch is bounded: in bytes (at most `max_len + 1` bytes of a body
//! are read, whatever its `Content-Length`), in time without data (the read
//! timeout), in connecting, and in total. A missing tile (HTTP 404 or 410)
//! is [`TileError::NotFound`], as in [`DirTileSource`](super::tiles::DirTileSource).
//!
//! ```no_run
//! use certanchor::ledger::http::HttpTileSource;
//! use certanchor::ledger::tiles::TileReader;
//! use certanchor::note::{self, NoteVerifier};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let vkey = "ledger.example.gov.cn/certanchor+0badc0de+AQ…";
//! let source = HttpTileSource::new("http://ledger.example.gov.cn/site/")?;
//! let cp = note::verify_checkpoint(
//!     &source.checkpoint()?,
//!     &[NoteVerifier::from_verifier_key(vkey)?],
//! )?;
//! let mut reader = TileReader::new(source, cp.tree_size, cp.root);
//! let (leaf_hash, proof) = reader.inclusion_proof(0)?;
//! # let _ = (leaf_hash, proof);
//! # Ok(())
//! # }
//! ```

use std::io::Read as _;
use std::time::Duration;

use super::tiles::{TileError, TileSource, read_checkpoint};

/// Default longest wait for a TCP connection (and name resolution).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default longest wait for the next bytes of a response.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default longest time one fetch may take in all (a server sending a byte
/// now and then does not hold a reader for ever).
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(60);

/// Reads tiles, entry bundles and the checkpoint of a site published by
/// `ledger publish` and served over HTTP (`certanchor ledger serve`, or any
/// static web server).
///
/// Cloning is cheap and shares the connection pool.
#[derive(Debug, Clone)]
pub struct HttpTileSource {
    base: String,
    connect_timeout: Duration,
    read_timeout: Duration,
    total_timeout: Duration,
    agent: ureq::Agent,
}

/// The URL schemes this build accepts.
#[cfg(feature = "https")]
const SCHEMES: &[&str] = &["http", "https"];
#[cfg(not(feature = "https"))]
const SCHEMES: &[&str] = &["http"];

impl HttpTileSource {
    /// A source for the site at `base_url` (`http://host[:port][/path]`; a
    /// missing final `/` is added), with the default timeouts.
    ///
    /// # Errors
    /// [`TileError::BadUrl`] for a URL that does not parse, has another
    /// scheme (`https` needs the `https` feature), no host, a query or a
    /// fragment.
    pub fn new(base_url: &str) -> Result<Self, TileError> {
        let bad = |reason: &'static str| TileError::BadUrl {
            url: base_url.to_owned(),
            reason,
        };
        if base_url.contains('#') {
            return Err(bad("a base URL has no fragment"));
        }
        let uri: ureq::http::Uri = base_url.parse().map_err(|_| bad("not an absolute URL"))?;
        let scheme = uri.scheme_str().ok_or_else(|| bad("no scheme"))?;
        if !SCHEMES.contains(&scheme) {
            return Err(bad(if scheme == "https" {
                "https needs certanchor's `https` feature"
            } else {
                "not an http URL"
            }));
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(bad("no host"));
        }
        if uri.query().is_some() {
            return Err(bad("a base URL has no query"));
        }
        let mut base = base_url.to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        let mut s = Self {
            base,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            agent: ureq::Agent::new_with_defaults(),
        };
        s.agent = s.make_agent();
        Ok(s)
    }

    fn make_agent(&self) -> ureq::Agent {
        ureq::Agent::config_builder()
            // 404 and 500 are answers to map, not transport errors
            .http_status_as_error(false)
            .timeout_resolve(Some(self.connect_timeout))
            .timeout_connect(Some(self.connect_timeout))
            .timeout_per_read(Some(self.read_timeout))
            .timeout_per_write(Some(self.read_timeout))
            .timeout_per_call(Some(self.total_timeout))
            // tiles are small; a large buffer per connection is not needed
            // (it must hold a whole response head)
            .input_buffer_size(32 * 1024)
            .output_buffer_size(4 * 1024)
            .max_response_header_size(16 * 1024)
            .build()
            .new_agent()
    }

    /// Sets the connect timeout (default [`DEFAULT_CONNECT_TIMEOUT`]).
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self.agent = self.make_agent();
        self
    }

    /// Sets the read timeout: the longest wait for the next bytes of a
    /// response, headers or body (default [`DEFAULT_READ_TIMEOUT`]).
    #[must_use]
    pub fn with_read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self.agent = self.make_agent();
        self
    }

    /// Sets the total timeout of one fetch, connecting included (default
    /// [`DEFAULT_TOTAL_TIMEOUT`]).
    #[must_use]
    pub fn with_total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = timeout;
        self.agent = self.make_agent();
        self
    }

    /// The base URL, ending in `/`.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Fetches the site's `checkpoint` (at most
    /// [`crate::note::MAX_NOTE_LEN`] bytes of UTF-8); verify it with
    /// [`crate::note::verify_checkpoint`] before trusting anything read.
    ///
    /// # Errors
    /// [`TileError::BadCheckpoint`], [`TileError::NotFound`],
    /// [`TileError::Stalled`], [`TileError::FetchFailed`].
    pub fn checkpoint(&self) -> Result<String, TileError> {
        read_checkpoint(self)
    }

    fn error(&self, path: &str, e: &ureq::Error) -> TileError {
        match e {
            ureq::Error::Timeout(which) => self.stalled(path, *which),
            ureq::Error::Io(io) => self.io_error(path, io),
            other => TileError::FetchFailed {
                path: path.to_owned(),
                reason: other.to_string(),
            },
        }
    }

    fn stalled(&self, path: &str, which: ureq::Timeout) -> TileError {
        let reason = match which {
            ureq::Timeout::Resolve | ureq::Timeout::Connect => {
                format!("no connection within {:?}", self.connect_timeout)
            }
            ureq::Timeout::PerCall | ureq::Timeout::Global => {
                format!("not done within {:?}", self.total_timeout)
            }
            other => format!("nothing for {:?} ({other})", self.read_timeout),
        };
        TileError::Stalled {
            path: path.to_owned(),
            reason,
        }
    }

    fn io_error(&self, path: &str, e: &std::io::Error) -> TileError {
        // a body reader wraps ureq's own errors in io::Error
        if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
            return self.error(path, inner);
        }
        match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => TileError::Stalled {
                path: path.to_owned(),
                reason: format!("nothing for {:?}", self.read_timeout),
            },
            _ => TileError::FetchFailed {
                path: path.to_owned(),
                reason: e.to_string(),
            },
        }
    }
}

impl TileSource for HttpTileSource {
    /// `GET base_url + path`; 200 gives at most `max_len + 1` bytes of the
    /// body (the reader refuses a longer tile without this reading it
    /// whole), 404 and 410 [`TileError::NotFound`], any other status
    /// [`TileError::FetchFailed`].
    fn read(&self, path: &str, max_len: usize) -> Result<Vec<u8>, TileError> {
        let url = format!("{}{path}", self.base);
        let mut resp = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| self.error(path, &e))?;
        match resp.status().as_u16() {
            200 => {}
            404 | 410 => {
                return Err(TileError::NotFound {
                    path: path.to_owned(),
                });
            }
            status => {
                return Err(TileError::FetchFailed {
                    path: path.to_owned(),
                    reason: format!("HTTP status {status}"),
                });
            }
        }
        let cap = max_len.saturating_add(1);
        let declared = resp
            .body()
            .content_length()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        let mut buf = Vec::with_capacity(declared.min(cap));
        resp.body_mut()
            .as_reader()
            .take(u64::try_from(cap).unwrap_or(u64::MAX))
            .read_to_end(&mut buf)
            .map_err(|e| self.io_error(path, &e))?;
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        let s = HttpTileSource::new("http://127.0.0.1:8080").unwrap();
        assert_eq!(s.base_url(), "http://127.0.0.1:8080/");
        let s = HttpTileSource::new("http://example.invalid/logs/a/").unwrap();
        assert_eq!(s.base_url(), "http://example.invalid/logs/a/");
        for bad in [
            "",
            "example.invalid/site",
            "/site",
            "ftp://example.invalid/",
            "http://",
            "http://example.invalid/?x=1",
            "http://example.invalid/#top",
            "http://exa mple.invalid/",
        ] {
            assert_eq!(
                HttpTileSource::new(bad).unwrap_err().code(),
                "bad_url",
                "{bad}"
            );
        }
        #[cfg(not(feature = "https"))]
        assert_eq!(
            HttpTileSource::new("https://example.invalid/").unwrap_err(),
            TileError::BadUrl {
                url: "https://example.invalid/".into(),
                reason: "https needs certanchor's `https` feature"
            }
        );
        #[cfg(feature = "https")]
        assert!(HttpTileSource::new("https://example.invalid/").is_ok());
    }

    #[test]
    fn a_refused_connection_is_fetch_failed() {
        // a port nothing listens on: bind one, note it, close it
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let s = HttpTileSource::new(&format!("http://127.0.0.1:{port}/"))
            .unwrap()
            .with_connect_timeout(Duration::from_secs(2));
        let e = s.read("tile/0/000", 8192).unwrap_err();
        assert_eq!(e.code(), "fetch_failed", "{e}");
    }
}
