//! The running server's verdict on one of the handshake lab's broken sets
//! (`POST /live/lab`): a second mTLS listener on a free loopback port,
//! started with the case's server side exactly as `certplay serve --ca
//! --cert --key [--crl] [--tls13-only]` would be (the running listener's
//! own trust stays untouched), one real handshake against it over a real
//! socket by the lab's client (configured as curl is, with this server's
//! native crypto), then `GET /`; the listener logs the connection as every
//! listener does, and stops. Both sides check validity at the lab's clock
//! when the page sends one (`?at=`), so that a case tried at a moved
//! clock gets the verdict predicted at that clock; the words and the log
//! line then say so.

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

use certplay_core::event::Outcome;
use certplay_core::lab::{self, alert_for, Case, Mutated, Reached, Side, Verdict};
use certplay_core::rustls::AlertDescription;
use certplay_core::verify::{Reason, ReasonKind};
use certplay_core::Error as CoreError;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::events::{Event, Streamed};
use crate::guard::Limits;
use crate::{Config, Crypto, Error};

/// What the running server says of one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerVerdict {
    /// The case.
    pub case: Case,
    /// The moment both sides' verifiers checked validity at (Unix
    /// seconds): the lab's clock when the page sent one, else the
    /// server's own time when it ran.
    pub at: i64,
    /// True when `at` is the lab's clock the page sent, not the server's
    /// own time.
    pub lab_clock: bool,
    /// Where the second listener listened.
    pub listener: SocketAddr,
    /// The verdict, as core's prediction gives it ([`lab::predict`]).
    pub verdict: Verdict,
    /// The refusal's reason by its stable name (`expired`).
    pub kind: Option<ReasonKind>,
    /// The verdict in a few words, as the lab's tables show the
    /// prediction ([`Verdict::short`]).
    pub short: String,
    /// The verdict in core's words.
    pub words: String,
    /// What the client saw; `None` when it refused its own key before
    /// any TLS (as curl does: it connects, then closes without a byte).
    pub client: Option<Reached>,
    /// The listener's event for the connection (the live stream's JSON).
    pub event: Streamed,
    /// The line the listener logged for it.
    pub log: String,
}

/// Runs `case` against a second listener with the case's server side,
/// under `limits`, both sides checking validity at `clock` (the lab's,
/// Unix seconds) or, without one, at the server's own time.
pub async fn verdict(
    case: &Mutated,
    limits: &Limits,
    clock: Option<i64>,
) -> Result<ServerVerdict, Error> {
    let crypto = Crypto::default();
    let provider = crypto.provider();
    let at = clock.unwrap_or_else(crate::unix_now);
    // ", at the lab's clock 2027-01-01 00:00:00 UTC" when it is not now.
    let at_clock = clock
        .map(|at| format!(", {}", crate::mtls::at_lab_clock(at)))
        .unwrap_or_default();
    let tls = lab::server_tls(case, &provider, at)?;
    // The client first: a broken case file is refused before any listener.
    let client = match lab::client(case, Arc::new(provider)) {
        Ok(client) => Ok(client),
        Err(mismatch @ CoreError::KeyMismatch { .. }) => Err(mismatch),
        Err(other) => return Err(other.into()),
    };
    let mut config = Config::loopback(0, None);
    config.tls13_only = case.serve.tls13_only;
    config.limits = limits.clone();
    config.history = 8;
    config.crypto = crypto;
    config.clock = clock;
    let bound = crate::bind(config, &tls).await?;
    let listener = bound.mtls_addr();
    let mut events = bound.history().subscribe();
    let shared = bound.shared.clone();
    // The mTLS listener alone (no page, so no live link of its own).
    let (stop, stopped) = watch::channel(false);
    let serving = tokio::spawn(crate::mtls::serve(bound.mtls, shared.clone(), stopped));
    tracing::info!(
        "page: lab case {} on a second mTLS listener at {listener} (the page's keys; this \
         server's own trust is untouched){at_clock}",
        case.case
    );

    let deadline = limits.handshake + limits.handshake;
    let mismatch = client.as_ref().err().map(ToString::to_string);
    let reached = tokio::task::spawn_blocking(move || -> Result<Option<Reached>, Error> {
        let mut stream = TcpStream::connect(listener)?;
        stream.set_read_timeout(Some(deadline))?;
        stream.set_write_timeout(Some(deadline))?;
        match client {
            // curl refuses a key that is not its certificate's after it
            // connected: it closes without a byte.
            Err(_) => Ok(None),
            Ok(client) => Ok(Some(lab::connect(&client, &mut stream, at)?)),
        }
    })
    .await;
    let event = tokio::time::timeout(deadline, events.recv()).await;
    let _ = stop.send(true);
    let _ = serving.await;

    let reached = match reached {
        Ok(reached) => reached?,
        Err(e) => return Err(Error::Usage(format!("the lab client stopped: {e}"))),
    };
    let event = match event {
        Ok(Ok(event)) => event,
        _ => {
            return Err(Error::Usage(format!(
                "the second listener logged no connection within {} s",
                deadline.as_secs()
            )))
        }
    };
    // The listener's hint names the lab's clock (crate::mtls::hint).
    let log = crate::events::line(
        &event,
        crate::mtls::hint(&event, &shared.current()).as_deref(),
    );
    let verdict = judge(reached.as_ref(), &event);
    let mut words = match (&verdict, mismatch) {
        (Verdict::KeyMismatch, Some(words)) => words,
        (verdict, _) => verdict_words(verdict),
    };
    words.push_str(&at_clock);
    tracing::info!("page: lab case {} on {listener}: {words}", case.case);
    Ok(ServerVerdict {
        case: case.case,
        at,
        lab_clock: clock.is_some(),
        listener,
        kind: verdict.kind(),
        short: verdict.short(),
        verdict,
        words,
        client: reached,
        event: Streamed::new(event),
        log,
    })
}

/// The verdict from what the client saw and what the listener logged:
/// who refused, with which alert, and why (the refusing side's reason).
fn judge(reached: Option<&Reached>, event: &Event) -> Verdict {
    let logged = match &event.outcome {
        Outcome::Refused { reason } | Outcome::Unauthorized { reason, .. } => Some(reason),
        _ => None,
    };
    let refused = |by: Side, alert: Option<AlertDescription>, reason: Reason| Verdict::Refused {
        by,
        alert: alert.unwrap_or_else(|| alert_for(reason.kind())),
        reason,
    };
    match reached {
        None => Verdict::KeyMismatch,
        Some(Reached::Answered { status: 200, .. }) => Verdict::Accepted,
        Some(Reached::RefusedServer { reason }) => {
            // The alert the listener received, as it logged it.
            let alert = match logged {
                Some(Reason::ServerCertificateRefused { alert } | Reason::Alert { alert }) => {
                    Some(*alert)
                }
                _ => None,
            };
            refused(Side::Client, alert, reason.clone())
        }
        Some(Reached::AlertReceived { alert, .. }) => refused(
            Side::Server,
            Some(alert.0),
            logged.cloned().unwrap_or(Reason::Alert { alert: alert.0 }),
        ),
        Some(Reached::Answered { .. } | Reached::Closed { .. }) => refused(
            Side::Server,
            None,
            logged.cloned().unwrap_or(Reason::ClosedDuringHandshake),
        ),
    }
}

/// A verdict in core's words.
pub fn verdict_words(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Accepted => "accepted: the server answered Hello World".into(),
        Verdict::KeyMismatch => {
            "the client refused its own key: it is not its certificate's".into()
        }
        Verdict::ServeRefuses { words } => format!("certplay serve refuses to start: {words}"),
        Verdict::Refused { by, alert, reason } => format!(
            "refused by the {by} ({}): {reason}",
            certplay_core::verify::alert_name(*alert)
        ),
    }
}
