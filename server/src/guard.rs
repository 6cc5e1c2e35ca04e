//! What keeps one client from holding the server: a connection cap per
//! listener, an idle/write timeout on every connection, an accept loop that
//! backs off on errors and still sees shutdown, the open-file limit, and
//! log text that a peer cannot forge or flood.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use certplay_core::event::EventKind;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

use crate::events::History;

/// Limits that hold for every connection; [`Default`] is what `certplay
/// serve` uses unless told otherwise.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections open at once per listener; more wait in the kernel's
    /// accept queue until one closes. `None`: derived from the open-file
    /// limit at bind time.
    pub max_connections: Option<usize>,
    /// One deadline for the plain-HTTP sniff and the whole TLS handshake.
    pub handshake: Duration,
    /// A connection where no byte moves either way for this long is closed
    /// (an idle keep-alive client, or one that pipelines requests and never
    /// reads the answers).
    pub idle: Duration,
    /// Request head (request line + headers) size limit, in bytes.
    pub max_header_bytes: usize,
    /// At most this many refusal lines are logged per window; the rest are
    /// counted and summed up in one line.
    pub refusal_lines_per_window: u32,
    /// The window of `refusal_lines_per_window`.
    pub refusal_window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: None,
            handshake: Duration::from_secs(10),
            idle: Duration::from_secs(30),
            max_header_bytes: 16 * 1024,
            refusal_lines_per_window: 20,
            refusal_window: Duration::from_secs(10),
        }
    }
}

impl Limits {
    /// The per-listener cap: given, or half of the open-file limit left
    /// after a margin for the process's own files, split over two listeners.
    pub fn connection_cap(&self) -> usize {
        self.max_connections.unwrap_or_else(|| {
            let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
                .current
                .unwrap_or(1 << 20);
            let per_listener = soft.saturating_sub(64) / 2;
            usize::try_from(per_listener.clamp(16, 10_000)).unwrap_or(10_000)
        })
    }
}

/// Raises the soft open-file limit to the hard limit (a cap of a few
/// thousand connections needs more than the usual 1024). Returns the limits
/// (soft, hard) in force afterwards.
pub fn raise_open_file_limit() -> io::Result<(Option<u64>, Option<u64>)> {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        setrlimit(Resource::Nofile, limit)?;
    }
    let now = getrlimit(Resource::Nofile);
    Ok((now.current, now.maximum))
}

/// A stream that fails with `TimedOut` once no byte has moved either way
/// for `idle` while the server waits to read or to write.
///
/// Progress only notes the time; the timer is moved when it fires early
/// (to the last progress + `idle`). Resetting it on every read and write
/// instead took the timer driver's lock twice per keep-alive request.
#[derive(Debug)]
pub struct IdleTimeout<T> {
    inner: T,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
    last_progress: Instant,
}

impl<T> IdleTimeout<T> {
    /// Wraps `inner`; the clock starts now.
    pub fn new(inner: T, idle: Duration) -> Self {
        let now = Instant::now();
        IdleTimeout {
            inner,
            idle,
            deadline: Box::pin(tokio::time::sleep_until(now + idle)),
            last_progress: now,
        }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    fn progressed(&mut self) {
        self.last_progress = Instant::now();
    }

    fn waiting<R>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        loop {
            match self.deadline.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) => {
                    let due = self.last_progress + self.idle;
                    if due <= Instant::now() {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!("no byte moved for {} s", self.idle.as_secs()),
                        )));
                    }
                    // Bytes moved since the timer was set: wait the rest.
                    self.deadline.as_mut().reset(due);
                }
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleTimeout<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    this.progressed();
                }
                Poll::Ready(result)
            }
            Poll::Pending => this.waiting(cx),
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(result) => {
                if matches!(result, Ok(n) if n > 0) {
                    this.progressed();
                }
                Poll::Ready(result)
            }
            Poll::Pending => this.waiting(cx),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(result) => Poll::Ready(result),
            Poll::Pending => this.waiting(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_shutdown(cx) {
            Poll::Ready(result) => Poll::Ready(result),
            Poll::Pending => this.waiting(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(result) => {
                if matches!(result, Ok(n) if n > 0) {
                    this.progressed();
                }
                Poll::Ready(result)
            }
            Poll::Pending => this.waiting(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// One listener's accept side: a permit per open connection, back-off on
/// accept errors, and an eye on shutdown throughout.
#[derive(Debug)]
pub struct Acceptor {
    listener: TcpListener,
    slots: Arc<Semaphore>,
    cap: usize,
    name: &'static str,
    warned: std::sync::Mutex<Option<Instant>>,
}

impl Acceptor {
    /// Wraps `listener` with a cap of `cap` connections open at once.
    pub fn new(listener: TcpListener, cap: usize, name: &'static str) -> Self {
        Acceptor {
            listener,
            slots: Arc::new(Semaphore::new(cap)),
            cap,
            name,
            warned: std::sync::Mutex::new(None),
        }
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The cap on connections open at once.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// The next connection with its slot, or `None` once shutdown is asked
    /// for. At the cap, it waits for a slot before accepting (the client
    /// waits in the accept queue); a failed accept (out of file descriptors
    /// and the like) is retried after a back-off that doubles up to 1 s.
    pub async fn next(
        &self,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
        let mut backoff = Duration::from_millis(5);
        loop {
            let permit = match self.slots.clone().try_acquire_owned() {
                Ok(permit) => permit,
                Err(_) => {
                    self.warn_at_cap();
                    tokio::select! {
                        permit = self.slots.clone().acquire_owned() => permit.ok()?,
                        _ = stopped(shutdown) => return None,
                    }
                }
            };
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, peer)) => return Some((stream, peer, permit)),
                    Err(e) => {
                        tracing::warn!(
                            "{}: accept failed: {e}; retrying in {} ms",
                            self.name,
                            backoff.as_millis()
                        );
                        drop(permit);
                        tokio::select! {
                            () = tokio::time::sleep(backoff) => {}
                            _ = stopped(shutdown) => return None,
                        }
                        backoff = (backoff * 2).min(Duration::from_secs(1));
                    }
                },
                _ = stopped(shutdown) => return None,
            }
        }
    }
}

impl Acceptor {
    /// Says so when the cap is reached, at most once a minute.
    fn warn_at_cap(&self) {
        let mut warned = match self.warned.lock() {
            Ok(warned) => warned,
            Err(poisoned) => poisoned.into_inner(),
        };
        if warned.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
            *warned = Some(Instant::now());
            tracing::warn!(
                "{}: {} connections open, the cap: new connections wait until one closes \
                 (--max-connections raises it)",
                self.name,
                self.cap
            );
        }
    }
}

/// Completes when shutdown is asked for (or its sender is gone).
pub async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// The longest peer-supplied name (subject, issuer, path) put in a log line.
pub const MAX_NAME_CHARS: usize = 200;

/// Logs at most `per_window` refusal lines per window; the rest are counted
/// by kind and summed up in one line when the window ends.
#[derive(Debug)]
pub struct RefusalLog {
    per_window: u32,
    window: Duration,
    state: Mutex<Window>,
}

#[derive(Debug)]
struct Window {
    started: Instant,
    logged: u32,
    suppressed: BTreeMap<EventKind, u64>,
    /// The history numbers of the events held back (the newest, as many
    /// as the history can keep).
    numbers: VecDeque<u64>,
}

impl RefusalLog {
    /// A limiter with the given rate.
    pub fn new(per_window: u32, window: Duration) -> Self {
        RefusalLog {
            per_window,
            window,
            state: Mutex::new(Window {
                started: Instant::now(),
                logged: 0,
                suppressed: BTreeMap::new(),
                numbers: VecDeque::new(),
            }),
        }
    }

    /// True when a refusal of `kind` (the event numbered `number` in
    /// `history`) may be logged now; otherwise it is counted.
    pub fn allow(&self, kind: EventKind, number: u64, history: &History) -> bool {
        let mut state = self.state();
        if state.started.elapsed() >= self.window {
            Self::summarise(&mut state, self.window, history);
        }
        if state.logged < self.per_window {
            state.logged += 1;
            true
        } else {
            *state.suppressed.entry(kind).or_default() += 1;
            state.numbers.push_back(number);
            while state.numbers.len() > history.capacity() {
                state.numbers.pop_front();
            }
            false
        }
    }

    /// Logs the count of the lines held back, if the window is over.
    pub fn flush(&self, history: &History) {
        let mut state = self.state();
        if state.started.elapsed() >= self.window {
            Self::summarise(&mut state, self.window, history);
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Window> {
        match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn summarise(state: &mut Window, window: Duration, history: &History) {
        if let Some(line) = Self::summary(state, window, history) {
            tracing::warn!(
                suppressed = state.suppressed.values().sum::<u64>(),
                "{line}"
            );
        }
        state.started = Instant::now();
        state.logged = 0;
        state.suppressed.clear();
        state.numbers.clear();
    }

    /// The line that sums up the refusals held back, if any.
    fn summary(state: &Window, window: Duration, history: &History) -> Option<String> {
        if state.suppressed.is_empty() {
            return None;
        }
        let total: u64 = state.suppressed.values().sum();
        let by_kind: Vec<String> = state
            .suppressed
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        let kept = state.numbers.iter().filter(|n| history.holds(**n)).count();
        let kept = if u64::try_from(kept).unwrap_or(u64::MAX) == total {
            "every one is in the event history".to_owned()
        } else {
            format!(
                "the event history keeps the last {} connections: {kept} of these are in it",
                history.capacity()
            )
        };
        Some(format!(
            "{total} more refusals in the last {} s were not logged one by one (by reason: {}); \
             {kept}",
            window.as_secs(),
            by_kind.join(", ")
        ))
    }
}

/// True for a `Host` a DNS-rebinding attack cannot produce: none at all,
/// `localhost`, or an IP address (each with any port).
pub fn host_allowed(host: Option<&str>) -> bool {
    let Some(host) = host else {
        return true;
    };
    let name = if let Some(v6) = host.strip_prefix('[') {
        return v6
            .split_once(']')
            .is_some_and(|(ip, _)| ip.parse::<std::net::Ipv6Addr>().is_ok());
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::Ipv4Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebinding_hosts_are_refused() {
        for ok in [
            None,
            Some("localhost:8080"),
            Some("LOCALHOST"),
            Some("127.0.0.1:8080"),
            Some("[::1]:8080"),
            Some("10.1.2.3"),
        ] {
            assert!(host_allowed(ok), "{ok:?}");
        }
        for bad in [
            "evil.example:8080",
            "localhost.evil.example",
            "[::1",
            "127.0.0.1.nip.io:8080",
            "",
        ] {
            assert!(!host_allowed(Some(bad)), "{bad}");
        }
    }

    #[test]
    fn refusal_floods_are_counted_not_logged_and_say_how_many_were_kept() {
        use certplay_core::verify::ReasonKind;
        let log = RefusalLog::new(3, Duration::from_secs(3600));
        let history = History::new(50);
        let kind = EventKind::Reason(ReasonKind::NoClientCertificate);
        let allowed = (1..=100).filter(|n| log.allow(kind, *n, &history)).count();
        assert_eq!(allowed, 3);
        let state = log.state();
        assert_eq!(state.suppressed.get(&kind), Some(&97));
        // Nothing pushed yet: none of them is in the history.
        let line = RefusalLog::summary(&state, log.window, &history).expect("a summary");
        assert!(
            line.starts_with("97 more refusals in the last 3600 s")
                && line.contains("no-client-certificate 97")
                && line.contains("keeps the last 50 connections: 0 of these are in it"),
            "{line}"
        );
    }

    #[tokio::test]
    async fn idle_streams_time_out_and_busy_ones_do_not() {
        // The idle limit is twenty times the gap between bytes, so a
        // writer that a busy machine delays now and then still keeps the
        // stream open (100 ms gaps against a 200 ms limit once failed on
        // two loaded cores); 30 gaps of 50 ms outlast the limit 1.5 times.
        const IDLE: Duration = Duration::from_secs(1);
        const GAP: Duration = Duration::from_millis(50);
        const BYTES: usize = 30;
        let (client, server) = tokio::io::duplex(64);
        let mut server = IdleTimeout::new(server, IDLE);
        let mut client = client;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let started = Instant::now();
        let writer = tokio::spawn(async move {
            for _ in 0..BYTES {
                tokio::time::sleep(GAP).await;
                client.write_all(b"x").await.expect("write");
            }
            client
        });
        let mut buf = [0u8; BYTES];
        server.read_exact(&mut buf).await.expect("kept alive");
        assert!(started.elapsed() > IDLE, "the bytes outlasted the limit");
        let _client = writer.await.expect("writer");
        // Then silence: the next read fails with TimedOut.
        let err = server.read(&mut buf).await.expect_err("idle");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        // A write that cannot go anywhere (the peer never reads) times out too.
        let (_peer, other) = tokio::io::duplex(16);
        let mut stuck = IdleTimeout::new(other, IDLE);
        let err = stuck.write_all(&[0u8; 1024]).await.expect_err("stuck");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
