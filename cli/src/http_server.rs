//! The HTTP/1 server under `ledger serve` and `witness serve`: hyper on a
//! tokio runtime. Each command gives a handler (request → response); this
//! module owns the socket side, the same for both:
//!
//! * it listens, then has the command print its first stdout line (with
//!   the address really taken, for port 0);
//! * at most [`Settings::max_connections`] connections at once (further
//!   ones wait in the listen queue);
//! * request line and headers at most [`MAX_HEADER_BYTES`] and
//!   [`MAX_HEADERS`] headers (431 beyond; an unreadable head is 400);
//! * a client that sends no complete request head, or reads nothing of a
//!   response, for [`Settings::client_timeout`] is disconnected, and no
//!   connection lasts longer than [`MAX_CONNECTION_TIME`];
//! * SIGINT (Ctrl-C) and SIGTERM stop it: no new connection is accepted,
//!   idle ones are closed, responses under way get [`GRACE`] to finish;
//!   then `NAME: stopped` on stderr and exit code 0.
//!
//! Header names are written in title case (`Content-Type`).

use std::convert::Infallible;
use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use http_body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
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
/// Longest life of one connection, whatever it does.
pub const MAX_CONNECTION_TIME: Duration = Duration::from_secs(600);
/// How long responses under way may still take once a stop is asked for.
pub const GRACE: Duration = Duration::from_secs(3);

/// How a server runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The command, for messages and thread names (`ledger serve`).
    pub name: &'static str,
    /// Address and port to listen on (port 0: any free port); a host name
    /// is resolved.
    pub listen: String,
    /// How long a client may take to send a request head, or stay without
    /// reading a response, before it is disconnected.
    pub client_timeout: Duration,
    /// Most connections served at once (more wait in the listen queue).
    pub max_connections: u32,
    /// Worker threads (they run the connections).
    pub threads: u16,
    /// Most threads for blocking work (`tokio::task::spawn_blocking`).
    pub blocking_threads: usize,
}

/// Runs a server until SIGINT or SIGTERM: listens on `settings.listen`,
/// calls `announce` with the address taken (it prints the first line of
/// stdout, which is then flushed), and answers every request with
/// `handler(peer, request)`.
pub fn serve<H, F, B>(
    settings: &Settings,
    announce: impl FnOnce(SocketAddr),
    handler: H,
) -> Result<i32, CliError>
where
    H: Fn(SocketAddr, Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Response<B>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::from(settings.threads))
        .max_blocking_threads(settings.blocking_threads.max(1))
        .thread_name(format!("certanchor-{}", settings.name.replace(' ', "-")))
        .enable_all()
        .build()
        .map_err(|e| CliError::new("io_error", format!("cannot start the server: {e}")))?;
    let code = runtime.block_on(run(settings, announce, Arc::new(handler)));
    runtime.shutdown_timeout(Duration::from_secs(1));
    code
}

async fn run<H, F, B>(
    settings: &Settings,
    announce: impl FnOnce(SocketAddr),
    handler: Arc<H>,
) -> Result<i32, CliError>
where
    H: Fn(SocketAddr, Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Response<B>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let cannot_listen = |e: io::Error| {
        CliError::new(
            "io_error",
            format!("cannot listen on {}: {e}", settings.listen),
        )
    };
    let listener = tokio::net::TcpListener::bind(settings.listen.as_str())
        .await
        .map_err(cannot_listen)?;
    let addr = listener.local_addr().map_err(cannot_listen)?;
    let stop = stop_signal()
        .await
        .map_err(|e| CliError::new("io_error", format!("cannot handle signals: {e}")))?;
    tokio::pin!(stop);
    announce(addr);
    util::flush_stdout();

    let permits = Arc::new(Semaphore::new(settings.max_connections as usize));
    let (stop_tx, stop_rx) = watch::channel(false);
    loop {
        let permit = tokio::select! {
            () = &mut stop => break,
            p = Arc::clone(&permits).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // out of file descriptors, a connection reset before
                    // accept: wait a little, go on
                    eprintln!("{}: accept: {e}", settings.name);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        tokio::spawn(connection(
            stream,
            peer,
            Arc::clone(&handler),
            settings.client_timeout,
            stop_rx.clone(),
            permit,
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // every connection holds a permit until it ends
    let _ = tokio::time::timeout(
        GRACE + Duration::from_secs(1),
        permits.acquire_many(settings.max_connections),
    )
    .await;
    eprintln!("{}: stopped", settings.name);
    Ok(0)
}

async fn connection<H, F, B>(
    stream: TcpStream,
    peer: SocketAddr,
    handler: Arc<H>,
    timeout: Duration,
    mut stop: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) where
    H: Fn(SocketAddr, Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Response<B>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
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
        .title_case_headers(true)
        .keep_alive(true);
    let service = service_fn(move |req| {
        let answer = handler(peer, req);
        async move { Ok::<_, Infallible>(answer.await) }
    });
    let conn = builder.serve_connection(io, service);
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
