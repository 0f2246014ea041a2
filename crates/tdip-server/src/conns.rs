//! The connections being served, and what keeps slow or numerous clients from exhausting
//! the service: a cap on connections (a new one takes the place of the oldest that has no
//! request in progress), an idle timeout for connections that send nothing, and a
//! per-read inactivity timeout on request bodies.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Sleep;

/// The limits in force, as durations.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// To complete the TLS handshake.
    pub handshake: Duration,
    /// From ready for a request until its header is in (hyper's header-read timeout).
    pub header: Duration,
    /// Without a byte of the next request.
    pub idle: Duration,
    /// Without a byte of a request body the service waits for.
    pub body: Duration,
    /// Connections at once.
    pub max: usize,
}

/// Seconds and counts as configured (`tdip serve`'s `--handshake-timeout`,
/// `--header-timeout`, `--idle-timeout`, `--body-timeout`, `--max-connections`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitSettings {
    /// Seconds a client has to complete the TLS handshake.
    pub handshake_timeout: u64,
    /// Seconds from ready for a request until its whole header has arrived.
    pub header_timeout: u64,
    /// Seconds a connection may stay open without a byte of its next request.
    pub idle_timeout: u64,
    /// Seconds a request body may send nothing while the service waits for it.
    pub body_timeout: u64,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for LimitSettings {
    fn default() -> LimitSettings {
        LimitSettings {
            handshake_timeout: 10,
            header_timeout: 10,
            idle_timeout: 5,
            body_timeout: 30,
            max_connections: 512,
        }
    }
}

impl Limits {
    /// The limits `settings` give; refuses ones that cannot work, naming the setting.
    pub fn new(settings: &LimitSettings) -> anyhow::Result<Limits> {
        let secs = |name: &str, s: u64| {
            if s == 0 {
                anyhow::bail!("--{name} must be at least 1 second");
            }
            Ok(Duration::from_secs(s))
        };
        let limits = Limits {
            handshake: secs("handshake-timeout", settings.handshake_timeout)?,
            header: secs("header-timeout", settings.header_timeout)?,
            idle: secs("idle-timeout", settings.idle_timeout)?,
            body: secs("body-timeout", settings.body_timeout)?,
            max: settings.max_connections,
        };
        if limits.idle > limits.header {
            anyhow::bail!(
                "--idle-timeout ({} s) cannot exceed --header-timeout ({} s): the header's \
                 time counts from the end of the previous answer, so it closes an idle \
                 connection first; raise --header-timeout too",
                settings.idle_timeout,
                settings.header_timeout
            );
        }
        if limits.max == 0 {
            anyhow::bail!("--max-connections must be at least 1");
        }
        Ok(limits)
    }
}

/// A connection's requests in progress counts up from 0; this value means the connection
/// was closed to make room, and no request may start on it any more.
const EVICTED: usize = usize::MAX / 2;

/// What one connection is doing, shared by its task, its reader and its requests.
pub struct Conn {
    /// Requests in progress, or [`EVICTED`] and more.
    in_flight: AtomicUsize,
    /// Requests answered so far.
    answered: AtomicU64,
    /// Told when the connection is to close.
    evicted: Notify,
    /// The registry's signal that a place may have come free.
    freed: Arc<Notify>,
}

impl Conn {
    /// A request starts; `None` if the connection is being closed (its request is then
    /// refused at once).
    pub fn begin(self: &Arc<Conn>) -> Option<Busy> {
        if self.in_flight.fetch_add(1, Ordering::AcqRel) >= EVICTED {
            return None;
        }
        Some(Busy(self.clone()))
    }

    /// Resolves when the connection was chosen to make room for a new one.
    pub async fn evicted(&self) {
        self.evicted.notified().await;
    }

    fn idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }
}

/// A request in progress on a connection; done when dropped.
pub struct Busy(Arc<Conn>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.answered.fetch_add(1, Ordering::AcqRel);
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            // Without a request in progress it may give its place to a new connection.
            self.0.freed.notify_waiters();
        }
    }
}

/// The connections being served.
pub struct Conns {
    max: usize,
    live: Mutex<Registry>,
    freed: Arc<Notify>,
}

#[derive(Default)]
struct Registry {
    next: u64,
    /// By age: the oldest first.
    conns: BTreeMap<u64, Arc<Conn>>,
}

/// A connection's place among the [`Conns`]; given back when dropped.
pub struct Slot {
    conns: Arc<Conns>,
    id: u64,
    /// The connection.
    pub conn: Arc<Conn>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.conns.registry().conns.remove(&self.id);
        self.conns.freed.notify_waiters();
    }
}

impl Conns {
    /// Room for `max` connections.
    pub fn new(max: usize) -> Arc<Conns> {
        Arc::new(Conns {
            max,
            live: Mutex::new(Registry::default()),
            freed: Arc::new(Notify::new()),
        })
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a new connection: a free one, or that of the oldest connection with no
    /// request in progress (which is closed). None while every connection is answering.
    pub fn admit(self: &Arc<Conns>) -> Option<Slot> {
        let mut registry = self.registry();
        if registry.conns.len() >= self.max && !evict_oldest_idle(&mut registry) {
            return None;
        }
        let id = registry.next;
        registry.next += 1;
        let conn = Arc::new(Conn {
            in_flight: AtomicUsize::new(0),
            answered: AtomicU64::new(0),
            evicted: Notify::new(),
            freed: self.freed.clone(),
        });
        registry.conns.insert(id, conn.clone());
        Some(Slot {
            conns: self.clone(),
            id,
            conn,
        })
    }

    /// Waits for a place: a connection that ended, or one whose request was answered.
    pub async fn admit_when_free(self: &Arc<Conns>) -> Slot {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if let Some(slot) = self.admit() {
                return slot;
            }
            freed.await;
        }
    }

    /// Closes the oldest connection with no request in progress, to give back its file
    /// descriptor; whether there was one.
    pub fn evict_idle(&self) -> bool {
        evict_oldest_idle(&mut self.registry())
    }

    /// Connections being served.
    pub fn len(&self) -> usize {
        self.registry().conns.len()
    }
}

fn evict_oldest_idle(registry: &mut Registry) -> bool {
    let chosen = registry.conns.iter().find_map(|(id, conn)| {
        // Marked under the registry's lock and only if no request runs: a request that
        // starts after this is refused, so no request is ever cut off half-way.
        conn.in_flight
            .compare_exchange(0, EVICTED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
            .then_some(*id)
    });
    let Some(id) = chosen else {
        return false;
    };
    if let Some(conn) = registry.conns.remove(&id) {
        conn.evicted.notify_one();
    }
    true
}

/// A connection's stream that ends the connection when it stays idle: no byte of a request
/// for the idle timeout, while no request is in progress (after the handshake, and after
/// each answer). Reads during a request (a body, or hyper watching for the client going
/// away) are never timed here.
pub struct IdleTimeout<S> {
    inner: S,
    conn: Arc<Conn>,
    limit: Duration,
    /// The answers counted when this reader last looked.
    answered: u64,
    /// Whether a byte arrived since the last answer (or the start).
    heard: bool,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl<S> IdleTimeout<S> {
    /// `inner`, closed after `limit` of idleness.
    pub fn new(inner: S, conn: Arc<Conn>, limit: Duration) -> IdleTimeout<S> {
        IdleTimeout {
            inner,
            conn,
            limit,
            answered: 0,
            heard: false,
            sleep: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let answered = this.conn.answered.load(Ordering::Acquire);
        if answered != this.answered {
            this.answered = answered;
            this.heard = false;
            this.sleep = None;
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    this.heard = true;
                    this.sleep = None;
                }
                Poll::Ready(r)
            }
            Poll::Pending if this.heard || !this.conn.idle() => {
                this.sleep = None;
                Poll::Pending
            }
            Poll::Pending => {
                let limit = this.limit;
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the connection sent no request within the idle timeout",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A request body that fails when the client sends nothing for `limit` while the service
/// waits for it. The clock runs only while the handler waits for the next piece, and
/// starts again with each piece: a slow upload that keeps sending is never cut off, and a
/// handler busy with what it has is never hurried.
pub struct Patient<B> {
    inner: B,
    limit: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl<B> Patient<B> {
    /// `inner`, with `limit` between pieces.
    pub fn new(inner: B, limit: Duration) -> Patient<B> {
        Patient {
            inner,
            limit,
            sleep: None,
        }
    }
}

/// The body stopped arriving.
#[derive(Debug)]
pub struct Stalled(u64);

impl std::fmt::Display for Stalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body stopped arriving: nothing came for {} s (the service's \
             --body-timeout); send it again",
            self.0
        )
    }
}

impl std::error::Error for Stalled {}

impl<B> Body for Patient<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.sleep = None;
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let limit = this.limit;
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        Poll::Ready(Some(Err(Box::new(Stalled(this.limit.as_secs())))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
