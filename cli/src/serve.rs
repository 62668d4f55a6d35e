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
//! Bounds: at most `--max-connections` connections at once (further ones
//! wait in the listen queue); request line and headers at most
//! [`MAX_HEADER_BYTES`] and [`MAX_HEADERS`] headers (431 beyond); a client
//! that sends no complete request head, or reads nothing of a response,
//! for `--client-timeout` seconds is disconnected, and no connection lasts longer
//! than [`MAX_CONNECTION_TIME`]; files are streamed in [`CHUNK`]-byte
//! pieces. So memory is bounded by connections × (buffers + a chunk).
//! SIGINT (Ctrl-C) and SIGTERM stop it: no new connection is accepted, idle
//! ones are closed, responses under way get [`GRACE`] to finish.

use std::convert::Infallible;
use std::future::Future;
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
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Sleep;

use crate::util::{self, CliError};

/// Most bytes of a request line and headers together (431 beyond).
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// Most request headers (431 beyond).
pub const MAX_HEADERS: usize = 32;
/// Connection read buffer (hyper's minimum is 8 KiB).
const READ_BUFFER: usize = 16 * 1024;
/// Bytes of a file read and sent at a time.
pub const CHUNK: usize = 16 * 1024;
/// Longest life of one connection, whatever it does.
pub const MAX_CONNECTION_TIME: Duration = Duration::from_secs(600);
/// How long responses under way may still take once a stop is asked for.
pub const GRACE: Duration = Duration::from_secs(3);

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

async fn respond(
    site: Arc<Site>,
    req: Request<Incoming>,
) -> Result<Response<ServeBody>, Infallible> {
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        return Ok(text(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed: GET or HEAD\n",
            false,
        ));
    }
    let Some(target) = Target::of(req.uri()) else {
        return Ok(text(StatusCode::NOT_FOUND, "not found\n", head));
    };
    let rel = target.path().to_owned();
    let s = Arc::clone(&site);
    let opened = tokio::task::spawn_blocking(move || s.open_file(&rel)).await;
    let (file, len) = match opened {
        Ok(Ok(Some(f))) => f,
        Ok(Ok(None)) => return Ok(text(StatusCode::NOT_FOUND, "not found\n", head)),
        Ok(Err(e)) => {
            eprintln!(
                "ledger serve: {}/{}: {e}",
                util::show_path(&site.root),
                target.path()
            );
            return Ok(text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot read\n",
                head,
            ));
        }
        Err(_) => {
            return Ok(text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot read\n",
                head,
            ));
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
    Ok(base(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, cache)
        .header(header::CONTENT_LENGTH, len)
        .body(body)
        .unwrap_or_else(|_| Response::new(ServeBody::Empty)))
}

/// The connection's socket, failing a write that makes no progress for the
/// timeout (a client that stopped reading).
struct Guarded {
    io: TokioIo<TcpStream>,
    timeout: Duration,
    stall: Option<Pin<Box<Sleep>>>,
}

impl Guarded {
    fn progress<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match r {
            Poll::Pending => {
                let timeout = self.timeout;
                let stall = self
                    .stall
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                ready!(stall.as_mut().poll(cx));
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client stopped reading",
                )))
            }
            ready => {
                self.stall = None;
                ready
            }
        }
    }
}

impl hyper::rt::Read for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write(cx, buf);
        this.progress(cx, r)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.progress(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        hyper::rt::Write::is_write_vectored(&self.io)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_flush(cx);
        this.progress(cx, r)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_shutdown(cx);
        this.progress(cx, r)
    }
}

async fn connection(
    stream: TcpStream,
    site: Arc<Site>,
    timeout: Duration,
    mut stop: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let io = Guarded {
        io: TokioIo::new(stream),
        timeout,
        stall: None,
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeout)
        .max_headers(MAX_HEADERS)
        .max_header_size(MAX_HEADER_BYTES)
        .max_buf_size(READ_BUFFER)
        .keep_alive(true);
    let conn = builder.serve_connection(io, service_fn(move |req| respond(Arc::clone(&site), req)));
    tokio::pin!(conn);
    let life = tokio::time::sleep(MAX_CONNECTION_TIME);
    tokio::pin!(life);
    tokio::select! {
        _ = conn.as_mut() => return,
        () = &mut life => return,
        _ = stop.wait_for(|s| *s) => conn.as_mut().graceful_shutdown(),
    }
    let _ = tokio::time::timeout(GRACE, conn).await;
}

/// Resolves on SIGINT or SIGTERM.
async fn stop_signal() -> io::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    #[cfg(unix)]
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// Runs `ledger serve` until SIGINT or SIGTERM.
pub fn serve(args: &ServeArgs, json: bool) -> Result<i32, CliError> {
    let site = Arc::new(Site::open(&args.site)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::from(args.threads))
        .max_blocking_threads(usize::from(args.threads).saturating_mul(2))
        .thread_name("certanchor-serve")
        .enable_all()
        .build()
        .map_err(|e| CliError::new("io_error", format!("cannot start the server: {e}")))?;
    let code = runtime.block_on(run(args, site, json));
    runtime.shutdown_timeout(Duration::from_secs(1));
    code
}

async fn run(args: &ServeArgs, site: Arc<Site>, json: bool) -> Result<i32, CliError> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| CliError::new("io_error", format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::new("io_error", format!("cannot listen on {}: {e}", args.listen)))?;
    let stop = stop_signal()
        .await
        .map_err(|e| CliError::new("io_error", format!("cannot handle signals: {e}")))?;
    tokio::pin!(stop);
    let url = format!("http://{addr}/");
    if json {
        println!(
            "{}",
            json!({"site": args.site, "url": url, "listen": addr.to_string()})
        );
    } else {
        println!("serving {} at {url}", util::show_path(&args.site));
    }
    util::flush_stdout();

    let timeout = Duration::from_secs(args.client_timeout);
    let permits = Arc::new(Semaphore::new(args.max_connections as usize));
    let (stop_tx, stop_rx) = watch::channel(false);
    loop {
        let permit = tokio::select! {
            () = &mut stop => break,
            p = Arc::clone(&permits).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut stop => break,
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    // out of file descriptors, a connection reset before
                    // accept: wait a little, go on
                    eprintln!("ledger serve: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        tokio::spawn(connection(
            stream,
            Arc::clone(&site),
            timeout,
            stop_rx.clone(),
            permit,
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // every connection holds a permit until it ends
    let _ = tokio::time::timeout(
        GRACE + Duration::from_secs(1),
        permits.acquire_many(args.max_connections),
    )
    .await;
    eprintln!("ledger serve: stopped");
    Ok(0)
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
