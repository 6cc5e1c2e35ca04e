//! Every connection explained: one [`Event`] (core's, the type the page's
//! live panel reads) per connection, logged as one line with its id and
//! the server's hint, kept in a bounded [`History`], and sent to whoever
//! watches (the page's live panel).

use std::collections::VecDeque;
use std::sync::Mutex;

use certplay_core::escape::escape;
pub use certplay_core::event::{Ending, Event, EventKind, Outcome, Presented, Streamed};
use tokio::sync::broadcast;

/// The one log line for `event`, with the server's `hint` (which flag or
/// curl option would change it) after its words. Escaped when written:
/// nothing a client chose reaches the log as it is.
pub fn log(event: &Event, hint: Option<&str>) {
    let line = line(event, hint);
    let line = escape(&line);
    let (id, kind) = (&event.id, event.kind());
    match event.outcome {
        Outcome::Accepted { .. } => tracing::info!(conn = %id, kind = %kind, "{line}"),
        _ => tracing::warn!(conn = %id, kind = %kind, "{line}"),
    }
}

/// The words of [`log`]'s line: id, peer, what happened, why.
pub fn line(event: &Event, hint: Option<&str>) -> String {
    let client = event.client();
    let tls = match (&event.tls_version, &event.cipher_suite, &event.alpn) {
        (Some(v), Some(s), a) => {
            format!(
                " [{v} {s}{}]",
                a.as_deref().map(|a| format!(" {a}")).unwrap_or_default()
            )
        }
        _ => String::new(),
    };
    let (id, peer, words) = (&event.id, event.peer, event.words());
    let hint = hint.map(|h| format!("; {h}")).unwrap_or_default();
    match event.outcome {
        Outcome::Accepted { .. } => format!("{id} {peer} accepted {client}{tls}: {words}{hint}"),
        Outcome::HungUp { .. } => {
            format!("{id} {peer} handshake done as {client}{tls}, then no request: {words}{hint}")
        }
        Outcome::Unauthorized { .. } => format!("{id} {peer} answered 401{tls}: {words}{hint}"),
        Outcome::Refused { .. }
        | Outcome::TimedOut { .. }
        | Outcome::ClosedBeforeHello
        | Outcome::NotConfigured { .. } => format!("{id} {peer} refused: {words}{hint}"),
    }
}

/// The last events, oldest first, and a channel that sees each new one.
#[derive(Debug)]
pub struct History {
    capacity: usize,
    kept: Mutex<Kept>,
    live: broadcast::Sender<Event>,
}

#[derive(Debug, Default)]
struct Kept {
    events: VecDeque<Event>,
    /// Events pushed since the start.
    pushed: u64,
}

impl History {
    /// Keeps at most `capacity` events.
    pub fn new(capacity: usize) -> Self {
        let (live, _) = broadcast::channel(256);
        History {
            capacity: capacity.max(1),
            kept: Mutex::new(Kept {
                events: VecDeque::with_capacity(capacity.min(1024)),
                pushed: 0,
            }),
            live,
        }
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        match self.kept.lock() {
            Ok(kept) => kept,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Adds an event, dropping the oldest beyond the capacity; returns its
    /// number (1 for the first event pushed).
    pub fn push(&self, event: Event) -> u64 {
        let _ = self.live.send(event.clone());
        let mut kept = self.kept();
        while kept.events.len() >= self.capacity {
            kept.events.pop_front();
        }
        kept.events.push_back(event);
        kept.pushed += 1;
        kept.pushed
    }

    /// How many events it keeps at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Whether the event numbered `number` by [`History::push`] is still kept.
    pub fn holds(&self, number: u64) -> bool {
        let kept = self.kept();
        let len = u64::try_from(kept.events.len()).unwrap_or(u64::MAX);
        number > kept.pushed.saturating_sub(len) && number <= kept.pushed
    }

    /// A copy of the events kept, oldest first.
    pub fn snapshot(&self) -> Vec<Event> {
        self.kept().events.iter().cloned().collect()
    }

    /// New events from now on (a slow watcher misses some, never blocks
    /// the server).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.live.subscribe()
    }
}

/// Now, whole Unix seconds.
pub fn now() -> certplay_core::read::model::Time {
    certplay_core::read::model::Time(time::OffsetDateTime::now_utc().unix_timestamp())
}
