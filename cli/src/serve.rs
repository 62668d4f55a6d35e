//! `ledger serve`: a static HTTP server for a site written by `ledger
//! publish` (SPEC §9.6, "Serving").
//!
//! It answers only `GET` and `HEAD` of `/checkpoint` and of the paths that
//! [`Tile::parse_path`] accepts (tiles and entry bundles); every other
//! method is 405 and every other target 404 (queries, percent-encoding,
//! `..`, doubled slashes, anything else: nothing is decoded or normalized,
//! so a target names a file of SITE or nothing). Files are opened below
//! SITE one path element at a time without following symbolic links
//! (`openat` with `O_NOFOLLOW`), and only regular files are served.
//!
//! The server itself (listening, connection limit, timeouts, bounded
//! request heads, shutdown on SIGINT and SIGTERM) is
//! [`crate::http_server`]'s, shared with `witness serve`. Here: at most
//! `--max-connections` connections at once, `--client-timeout` seconds for
//! a request head or a stalled reader, files streamed in [`CHUNK`]-byte
//! pieces; so memory is bounded by connections × (buffers + a chunk).

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use certanchor::ledger::tiles::{CHECKPOINT_PATH, Tile};
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::header;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;
use tokio::io::{AsyncRead, ReadBuf};

use crate::http_server;
use crate::util::{self, CliError};

/// Bytes of a file read and sent at a time.
pub const CHUNK: usize = 16 * 1024;
/// `Cache-Control` of the checkpoint: it changes with every publish.
pub const CHECKPOINT_CACHE: &str = "no-cache";
/// `Cache-Control` of tiles and entry bundles, full and partial. A full
/// tile never changes; nor does a partial tile *of a given width*
/// (`….p/W` holds hashes of complete subtrees of the first leaves, fixed
/// once the log has them, and a wider one has another name), so every
/// tile and bundle path names bytes that never change.
pub const TILE_CACHE: &str = "public, max-age=31536000, immutable";

/// Options of `ledger serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The site directory (`ledger publish --out SITE`).
    pub site: PathBuf,
    /// Address and port to listen on (port 0: any free port; the URL
    /// printed first on stdout has the port taken).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Seconds a client may take to send a request head, or stay without
    /// reading a response, before it is disconnected.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub client_timeout: u64,
    /// Most connections served at once (more wait in the listen queue).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub max_connections: u32,
    /// Worker threads.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: u16,
}

/// What a request target names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Checkpoint,
    /// A tile or an entry bundle (full or partial), by its path.
    Tile(String),
}

impl Target {
    /// The target of a request URI: exactly `/checkpoint` or `/` and a path
    /// `Tile::parse_path` accepts, without a query.
    fn of(uri: &hyper::Uri) -> Option<Self> {
        if uri.query().is_some() {
            return None;
        }
        let rel = uri.path().strip_prefix('/')?;
        if rel == CHECKPOINT_PATH {
            return Some(Self::Checkpoint);
        }
        Tile::parse_path(rel)
            .ok()
            .map(|_| Self::Tile(rel.to_owned()))
    }

    fn path(&self) -> &str {
        match self {
            Self::Checkpoint => CHECKPOINT_PATH,
            Self::Tile(p) => p,
        }
    }
}

/// The served directory.
struct Site {
    root: PathBuf,
    #[cfg(unix)]
    dir: std::os::fd::OwnedFd,
}

impl Site {
    fn open(root: &Path) -> Result<Self, CliError> {
        let meta = std::fs::metadata(root).map_err(util::io_err("open", root))?;
        if !meta.is_dir() {
            return Err(CliError::new(
                "io_error",
                format!("{} is not a directory", root.display()),
            ));
        }
        #[cfg(unix)]
        {
            use rustix::fs::{Mode, OFlags};
            let dir = rustix::fs::open(
                root,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| util::io_err("open", root)(e.into()))?;
            Ok(Self {
                root: root.to_owned(),
                dir,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {
            root: root.to_owned(),
        })
    }

    /// Opens `rel` (slash-separated names, none empty, `.` or `..`) below
    /// the site without following a symbolic link at any step; `None` when
    /// there is no regular file there.
    #[cfg(unix)]
    fn open_file(&self, rel: &str) -> io::Result<Option<(std::fs::File, u64)>> {
        use rustix::fs::{Mode, OFlags, openat};
        use rustix::io::Errno;
        use std::os::fd::{AsFd as _, OwnedFd};
        let absent = |e: Errno| -> io::Result<Option<(std::fs::File, u64)>> {
            if e == Errno::NOENT || e == Errno::NOTDIR || e == Errno::LOOP {
                Ok(None)
            } else {
                Err(e.into())
            }
        };
        let mut parts = rel.split('/').peekable();
        let mut dir: Option<OwnedFd> = None;
        while let Some(name) = parts.next() {
            if name.is_empty() || name == "." || name == ".." {
                return Ok(None);
            }
            let base = dir.as_ref().map_or(self.dir.as_fd(), |d| d.as_fd());
            let last = parts.peek().is_none();
            let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let flags = if last {
                // never wait on a FIFO put in the site
                flags | OFlags::NONBLOCK | OFlags::NOCTTY
            } else {
                flags | OFlags::DIRECTORY
            };
            let fd = match openat(base, name, flags, Mode::empty()) {
                Ok(fd) => fd,
                Err(e) => return absent(e),
            };
            if last {
                let file = std::fs::File::from(fd);
                let meta = file.metadata()?;
                return Ok(meta.is_file().then_some((file, meta.len())));
            }
            dir = Some(fd);
        }
        Ok(None)
    }

    /// Without `openat`: each element is checked not to be a symbolic link
    /// before the file is opened (a race with a writer of the site remains).
    #[cfg(not(unix))]
    fn open_file(&self, rel: &str) -> io::Result<Option<(std::fs::File, u64)>> {
        let mut path = self.root.clone();
        for name in rel.split('/') {
            if name.is_empty() || name == "." || name == ".." {
                return Ok(None);
            }
            path.push(name);
            match std::fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => return Ok(None),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        Ok(meta.is_file().then_some((file, meta.len())))
    }
}

/// A response body: nothing, a short text, or a file streamed in chunks.
enum ServeBody {
    Empty,
    Text(Option<Bytes>),
    File {
        file: tokio::fs::File,
        remaining: u64,
    },
}

impl Body for ServeBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Self::Empty => Poll::Ready(None),
            Self::Text(t) => Poll::Ready(t.take().map(|b| Ok(Frame::data(b)))),
            Self::File { file, remaining } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let want = usize::try_from(*remaining).unwrap_or(CHUNK).min(CHUNK);
                let mut buf = vec![0u8; want];
                let mut rb = ReadBuf::new(&mut buf);
                ready!(Pin::new(file).poll_read(cx, &mut rb))?;
                let got = rb.filled().len();
                if got == 0 {
                    // cut short since it was opened: end the connection
                    // rather than send less than Content-Length said
                    return Poll::Ready(Some(Err(io::ErrorKind::UnexpectedEof.into())));
                }
                *remaining = remaining.saturating_sub(got as u64);
                buf.truncate(got);
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(buf)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::Text(t) => t.is_none(),
            Self::File { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Empty => SizeHint::with_exact(0),
            Self::Text(t) => SizeHint::with_exact(t.as_ref().map_or(0, |b| b.len() as u64)),
            Self::File { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}

fn base(status: StatusCode) -> hyper::http::response::Builder {
    Response::builder()
        .status(status)
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
}

/// A short text answer (404, 405, 500), never cached.
fn text(status: StatusCode, msg: &'static str, head: bool) -> Response<ServeBody> {
    let body = if head {
        ServeBody::Empty
    } else {
        ServeBody::Text(Some(Bytes::from_static(msg.as_bytes())))
    };
    let mut b = base(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::CONTENT_LENGTH, msg.len());
    if status == StatusCode::METHOD_NOT_ALLOWED {
        b = b.header(header::ALLOW, "GET, HEAD");
    }
    b.body(body)
        .unwrap_or_else(|_| Response::new(ServeBody::Empty))
}

async fn respond(site: Arc<Site>, req: Request<Incoming>) -> Response<ServeBody> {
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        return text(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed: GET or HEAD\n",
            false,
        );
    }
    let Some(target) = Target::of(req.uri()) else {
        return text(StatusCode::NOT_FOUND, "not found\n", head);
    };
    let rel = target.path().to_owned();
    let s = Arc::clone(&site);
    let opened = tokio::task::spawn_blocking(move || s.open_file(&rel)).await;
    let (file, len) = match opened {
        Ok(Ok(Some(f))) => f,
        Ok(Ok(None)) => return text(StatusCode::NOT_FOUND, "not found\n", head),
        Ok(Err(e)) => {
            eprintln!(
                "ledger serve: {}/{}: {e}",
                util::show_path(&site.root),
                target.path()
            );
            return text(StatusCode::INTERNAL_SERVER_ERROR, "cannot read\n", head);
        }
        Err(_) => {
            return text(StatusCode::INTERNAL_SERVER_ERROR, "cannot read\n", head);
        }
    };
    let (content_type, cache) = match target {
        Target::Checkpoint => ("text/plain; charset=utf-8", CHECKPOINT_CACHE),
        Target::Tile(_) => ("application/octet-stream", TILE_CACHE),
    };
    let body = if head {
        ServeBody::Empty
    } else {
        ServeBody::File {
            file: tokio::fs::File::from_std(file),
            remaining: len,
        }
    };
    base(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, cache)
        .header(header::CONTENT_LENGTH, len)
        .body(body)
        .unwrap_or_else(|_| Response::new(ServeBody::Empty))
}

/// Runs `ledger serve` until SIGINT or SIGTERM.
pub fn serve(args: &ServeArgs, json: bool) -> Result<i32, CliError> {
    let site = Arc::new(Site::open(&args.site)?);
    let settings = http_server::Settings {
        name: "ledger serve",
        listen: args.listen.to_string(),
        client_timeout: Duration::from_secs(args.client_timeout),
        max_connections: args.max_connections,
        threads: args.threads,
        blocking_threads: usize::from(args.threads).saturating_mul(2),
    };
    let announce = |addr: SocketAddr| {
        let url = format!("http://{addr}/");
        if json {
            println!(
                "{}",
                json!({"site": args.site, "url": url, "listen": addr.to_string()})
            );
        } else {
            println!("serving {} at {url}", util::show_path(&args.site));
        }
    };
    http_server::serve(&settings, announce, move |_peer, req| {
        respond(Arc::clone(&site), req)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn target(s: &str) -> Option<Target> {
        Target::of(&s.parse::<hyper::Uri>().unwrap())
    }

    #[test]
    fn only_the_checkpoint_and_tile_paths_are_targets() {
        assert_eq!(target("/checkpoint"), Some(Target::Checkpoint));
        assert_eq!(
            target("/tile/0/x001/234.p/5"),
            Some(Target::Tile("tile/0/x001/234.p/5".into()))
        );
        assert_eq!(
            target("/tile/entries/000"),
            Some(Target::Tile("tile/entries/000".into()))
        );
        for bad in [
            "/",
            "*",
            "/checkpoint?x=1",
            "/checkpoint/",
            "//checkpoint",
            "/./checkpoint",
            "/tile/0/../checkpoint",
            "/tile/../ledger/ledger.json",
            "/%2e%2e/checkpoint",
            "/tile/0/x001/../..",
            "/tile/0/%30%30%30",
            "/tile/0/000?",
            "/tile/0/000/",
            "/ledger-key.pem",
            "/tile/0/000.p/256",
        ] {
            assert_eq!(target(bad), None, "{bad}");
        }
    }
}
