//! The server library in-process, against good and hostile clients on
//! loopback: every limit and every explanation, each bounded in time.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use certplay_core::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use certplay_core::{
    read_certificates, read_private_key, CrlParams, Materials, Plan, Revocation, RevocationReason,
    ServerTls, Source,
};
use certplay_server::cli::input::{load_crls, load_tls};
use certplay_server::events::{Ending, Event, Outcome, Streamed};
use certplay_server::files::Existing;
use certplay_server::guard::Limits;
use certplay_server::issuing::{issue_plan, write_issued};
use certplay_server::{bind, Config};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_rustls::TlsConnector;

/// Everything the servers of this test binary log, captured (one
/// subscriber for the whole process; each line names its peer address).
fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let writer = log.clone();
        let _ = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || Capture(writer.clone()))
            .try_init();
        log
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log line of `event` (found by its id and peer address), waited for.
async fn log_line(event: &Event) -> String {
    let needle = format!("{} {}", event.id, event.peer);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = String::from_utf8_lossy(&captured_log().lock().expect("log")).into_owned();
        if let Some(line) = log.lines().find(|l| l.contains(&needle)) {
            return line.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no log line for {needle}:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A running server on loopback with a fresh demo set.
struct Running {
    dir: tempfile::TempDir,
    mtls: SocketAddr,
    page: Option<SocketAddr>,
    history: Arc<certplay_server::events::History>,
    reloader: certplay_server::Reloader,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn start(limits: Limits, page: bool) -> Running {
        Running::start_with(limits, page, false).await
    }

    async fn start_with(limits: Limits, page: bool, tls13_only: bool) -> Running {
        let dir = tempfile::tempdir().expect("temp dir");
        let pki = issue_plan(&Plan::default(), Materials::default()).expect("issue");
        write_issued(dir.path(), &pki, Existing::Refuse).expect("write");
        let tls = load(dir.path());
        let mut config = Config::loopback(0, page.then_some(0));
        config.limits = limits;
        config.tls13_only = tls13_only;
        Running::serve(dir, &tls, config).await
    }

    /// Serves `tls` (read from the files in `dir`) as `config` says.
    async fn serve(dir: tempfile::TempDir, tls: &ServerTls, config: Config) -> Running {
        captured_log();
        let bound = bind(config, tls).await.expect("bind");
        let (stop, stopped) = oneshot::channel::<()>();
        let mtls = bound.mtls_addr();
        let page = bound.page_addr();
        let history = bound.history();
        let reloader = bound.reloader();
        let task = tokio::spawn(bound.run(async move {
            let _ = stopped.await;
        }));
        Running {
            dir,
            mtls,
            page,
            history,
            reloader,
            stop: Some(stop),
            task,
        }
    }

    fn client(&self, with_cert: bool) -> TlsConnector {
        client_for(self.dir.path(), with_cert)
    }

    /// Waits until the history holds `n` events (the event is recorded when
    /// the connection closes).
    async fn events(&self, n: usize) -> Vec<Event> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let events = self.history.snapshot();
            if events.len() >= n || Instant::now() > deadline {
                return events;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits (up to 60 s, else fails naming `what`) until the history's
    /// events satisfy `done`; returns them.
    async fn events_until(&self, what: &str, done: impl Fn(&[Event]) -> bool) -> Vec<Event> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let events = self.history.snapshot();
            if done(&events) {
                return events;
            }
            assert!(
                Instant::now() < deadline,
                "not within 60 s: {what}; the events: {events:#?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .expect("the server stops within 10 s")
            .expect("no panic");
    }
}

fn load(dir: &Path) -> certplay_core::ServerTls {
    load_tls(
        &dir.join("ca.crt"),
        &dir.join("server.crt"),
        &dir.join("server.key"),
        None,
    )
    .expect("load")
}

fn client_for(dir: &Path, with_cert: bool) -> TlsConnector {
    client_with(
        dir,
        with_cert,
        &[&rustls::version::TLS13, &rustls::version::TLS12],
        &[],
    )
}

fn client_with(
    dir: &Path,
    with_cert: bool,
    versions: &[&'static rustls::SupportedProtocolVersion],
    alpn: &[&[u8]],
) -> TlsConnector {
    let read = |name: &str| std::fs::read(dir.join(name)).expect(name);
    let mut roots = RootCertStore::empty();
    for ca in read_certificates(Source::new("ca.crt", &read("ca.crt"))).expect("ca") {
        roots.add(ca.der).expect("root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("versions")
        .with_root_certificates(roots);
    let mut config = if with_cert {
        let chain: Vec<CertificateDer<'static>> =
            read_certificates(Source::new("client.crt", &read("client.crt")))
                .expect("client.crt")
                .into_iter()
                .map(|c| c.der)
                .collect();
        let key: PrivateKeyDer<'static> =
            read_private_key(Source::new("client.key", &read("client.key")))
                .expect("key")
                .der;
        builder
            .with_client_auth_cert(chain, key)
            .expect("client auth")
    } else {
        builder.with_no_client_auth()
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    TlsConnector::from(Arc::new(config))
}

/// One request on a new connection; the whole answer (status line first),
/// or the error.
async fn get(connector: &TlsConnector, address: SocketAddr, path: &str) -> std::io::Result<String> {
    let tcp = TcpStream::connect(address).await?;
    let name = ServerName::try_from("localhost").expect("name");
    let mut tls = connector.connect(name, tcp).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// Short limits, for the tests that want a deadline to fire: nothing in
/// them has to finish within 0.5 s.
fn quick() -> Limits {
    Limits {
        handshake: Duration::from_millis(500),
        idle: Duration::from_millis(500),
        ..Limits::default()
    }
}

/// `certplay serve`'s own limits (10 s handshake, 30 s idle), for the tests
/// that require every good request to succeed: on two busy cores a good
/// handshake has taken longer than 0.5 s.
fn realistic() -> Limits {
    Limits::default()
}

#[tokio::test]
async fn a_good_client_is_answered_and_explained() {
    let server = Running::start(quick(), false).await;
    let client = server.client(true);
    let hello = get(&client, server.mtls, "/").await.expect("answer");
    assert!(hello.starts_with("HTTP/1.1 200"), "{hello}");
    assert!(hello.ends_with("Hello World\n"), "{hello}");
    let whoami = get(&client, server.mtls, "/whoami").await.expect("answer");
    assert!(whoami.contains("\"subject\": \"CN=my-client\""), "{whoami}");
    assert!(whoami.contains("sha256_fingerprint"), "{whoami}");
    let events = server.events(2).await;
    let event = events.first().expect("an event");
    assert!(
        matches!(event.outcome, Outcome::Accepted { .. }),
        "{event:?}"
    );
    assert_eq!(event.requests, 1);
    assert_eq!(event.tls_version.as_deref(), Some("TLSv1_3"));
    assert!(event.cipher_suite.is_some());
    assert_eq!(
        event.chain.first().map(ToString::to_string).as_deref(),
        Some("CN=my-client")
    );
    assert!(event.id.starts_with('c'));
    let line = log_line(event).await;
    assert!(line.contains("accepted CN=my-client"), "{line}");
    assert!(line.contains("kind=ok"), "{line}");
    server.stop().await;
}

#[tokio::test]
async fn no_client_certificate_is_refused_with_the_reason() {
    let server = Running::start(quick(), false).await;
    let answer = get(&server.client(false), server.mtls, "/").await;
    // TLS 1.3: the client may finish its side first; it never gets an answer.
    assert!(
        !answer.as_deref().is_ok_and(|a| a.contains("Hello")),
        "{answer:?}"
    );
    let events = server.events(1).await;
    let event = events.first().expect("an event");
    assert!(
        matches!(event.outcome, Outcome::Refused { .. }),
        "{event:?}"
    );
    assert_eq!(event.kind().name(), "no-client-certificate");
    let line = log_line(event).await;
    assert!(
        line.contains("refused: no client certificate: the client sent none")
            && line.contains("curl: --cert client.crt --key client.key"),
        "{line}"
    );
    server.stop().await;
}

#[tokio::test]
async fn plain_http_with_a_body_still_reads_the_400() {
    let server = Running::start(quick(), false).await;
    let mut tcp = TcpStream::connect(server.mtls).await.expect("connect");
    let body = vec![b'x'; 32 * 1024];
    let head = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.expect("head");
    tcp.write_all(&body).await.expect("body");
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer)
        .await
        .expect("the answer, not a reset");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.ends_with("use https://\n"), "{answer}");
    let events = server.events(1).await;
    assert_eq!(events.first().map(|e| e.kind().name()), Some("not-tls"));
    server.stop().await;
}

#[tokio::test]
async fn one_deadline_covers_silence_and_a_stalled_handshake() {
    let server = Running::start(quick(), false).await;
    // Connects and says nothing.
    let mut silent = TcpStream::connect(server.mtls).await.expect("connect");
    // Starts a TLS record and stalls.
    let mut stalled = TcpStream::connect(server.mtls).await.expect("connect");
    stalled
        .write_all(&[0x16, 0x03, 0x01, 0x02])
        .await
        .expect("write");
    let mut byte = [0u8; 1];
    for stream in [&mut silent, &mut stalled] {
        let n = tokio::time::timeout(Duration::from_secs(60), stream.read(&mut byte))
            .await
            .expect("closed by the server (not within 60 s)");
        assert!(matches!(n, Ok(0) | Err(_)), "{n:?}");
    }
    // Closed by the 0.5 s deadline (not by anything else): the events say
    // so.
    let events = server.events(2).await;
    assert_eq!(events.len(), 2);
    for event in &events {
        assert_eq!(event.kind().name(), "timeout");
        // The log says the real figure, and the limit.
        assert!(event.words().contains("within 0.5 s"), "{}", event.words());
    }
    server.stop().await;
}

#[tokio::test]
async fn a_pipelining_client_that_never_reads_is_closed() {
    let server = Running::start(quick(), false).await;
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("small window");
    let tcp = socket.connect(server.mtls).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let mut tls = server
        .client(true)
        .connect(name, tcp)
        .await
        .expect("handshake");
    let request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    // Writes until the server stops taking requests and closes.
    let writing = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if tls.write_all(&request.repeat(64)).await.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(writing.is_ok(), "the server kept the connection for 60 s");
    let events = server.events(1).await;
    let event = events.first().expect("event");
    assert!(event.requests > 0);
    assert!(event.words().contains("no byte moved"), "{}", event.words());
    server.stop().await;
}

#[tokio::test]
async fn oversized_headers_get_431() {
    let server = Running::start(quick(), false).await;
    let tcp = TcpStream::connect(server.mtls).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let mut tls = server
        .client(true)
        .connect(name, tcp)
        .await
        .expect("handshake");
    let big = "a".repeat(64 * 1024);
    let request = format!("GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {big}\r\n\r\n");
    let _ = tls.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn idle_connections_over_the_cap_wait_and_good_clients_are_served_after() {
    let limits = Limits {
        max_connections: Some(4),
        handshake: Duration::from_secs(2),
        ..realistic()
    };
    let server = Running::start(limits, false).await;
    // Eight silent connections, then a good client behind them: the
    // server takes four at a time, in order, so the good client is served
    // only once idle ones have timed out and left (their events come
    // first). Served beyond the cap, its event would come first.
    let idle: Vec<TcpStream> = {
        let mut idle = Vec::new();
        for _ in 0..8 {
            idle.push(TcpStream::connect(server.mtls).await.expect("connect"));
        }
        idle
    };
    let answer = tokio::time::timeout(
        Duration::from_secs(60),
        get(&server.client(true), server.mtls, "/"),
    )
    .await
    .expect("served once the idle ones left (not within 60 s)")
    .expect("answer");
    assert!(answer.ends_with("Hello World\n"), "{answer}");
    let events = server
        .events_until("the good client's event", |events| {
            events.iter().any(|e| e.kind().name() == "ok")
        })
        .await;
    let served = events
        .iter()
        .position(|e| e.kind().name() == "ok")
        .expect("the good client's event");
    let timed_out_before = events[..served]
        .iter()
        .filter(|e| e.kind().name() == "timeout")
        .count();
    assert!(
        timed_out_before >= 5,
        "served with {timed_out_before} idle connections gone (of 8, cap 4): {events:#?}"
    );
    drop(idle);
    // The listener still accepts.
    let again = get(&server.client(true), server.mtls, "/")
        .await
        .expect("answer");
    assert!(again.ends_with("Hello World\n"));
    server.stop().await;
}

#[tokio::test]
async fn a_handshake_then_hang_up_is_not_called_accepted() {
    let server = Running::start(quick(), false).await;
    let tcp = TcpStream::connect(server.mtls).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let mut tls = server
        .client(true)
        .connect(name, tcp)
        .await
        .expect("handshake");
    tls.shutdown().await.expect("close");
    drop(tls);
    let events = server.events(1).await;
    let event = events.first().expect("event");
    // Closed, or reset when the server's session tickets meet a closed
    // socket: either way not a request.
    assert!(
        matches!(
            event.outcome,
            Outcome::HungUp {
                ended: Ending::Closed | Ending::Reset
            }
        ),
        "{event:?}"
    );
    // The server's hint names its certificate's names.
    let line = log_line(event).await;
    assert!(
        line.contains("then no request") && line.contains("DNS:localhost"),
        "{line}"
    );
    server.stop().await;
}

/// Issue 23: an HTTP/1.1 client that sends part of a request and leaves
/// (with TLS close_notify, or dropping the socket) took the certificate:
/// the log says what it did, not "most likely it refused this server's
/// certificate".
#[tokio::test]
async fn a_client_that_leaves_inside_a_request_is_named() {
    let server = Running::start(quick(), false).await;
    for close_notify in [true, false] {
        let tcp = TcpStream::connect(server.mtls).await.expect("connect");
        let name = ServerName::try_from("localhost").expect("name");
        let mut tls = server
            .client(true)
            .connect(name, tcp)
            .await
            .expect("handshake");
        tls.write_all(b"GET / HTTP/1.1\r\nHost: loc")
            .await
            .expect("write");
        tls.flush().await.expect("flush");
        if close_notify {
            tls.shutdown().await.expect("close");
        }
        drop(tls);
    }
    let events = server.events(2).await;
    assert_eq!(events.len(), 2, "{events:?}");
    for event in &events {
        assert_eq!(
            event.outcome,
            Outcome::HungUp {
                ended: Ending::PartialRequest
            },
            "{event:?}"
        );
        let line = log_line(event).await;
        assert!(
            line.contains("sent part of a request")
                && !line.contains("refused this server's certificate"),
            "{line}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn reload_switches_new_connections_without_failing_open_ones() {
    let server = Running::start(quick(), false).await;
    let old_client = server.client(true);
    // A connection opened before the switch.
    let tcp = TcpStream::connect(server.mtls).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let mut open = old_client.connect(name, tcp).await.expect("handshake");
    // A new CA and set, loaded into the running server.
    let other = tempfile::tempdir().expect("temp dir");
    let pki = issue_plan(&ca_named("another-ca"), Materials::default()).expect("issue");
    write_issued(other.path(), &pki, Existing::Refuse).expect("write");
    server.reloader.reload(&load(other.path())).expect("reload");
    // The open connection still gets its answer.
    open.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    open.read_to_end(&mut answer).await.expect("read");
    assert!(String::from_utf8_lossy(&answer).ends_with("Hello World\n"));
    // New connections: the new set works, the old client is refused.
    let new = get(&client_for(other.path(), true), server.mtls, "/")
        .await
        .expect("new set");
    assert!(new.ends_with("Hello World\n"), "{new}");
    let old = get(&old_client, server.mtls, "/").await;
    assert!(
        !old.as_deref().is_ok_and(|a| a.contains("Hello")),
        "{old:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn every_page_answer_carries_the_security_headers_and_rebinding_is_refused() {
    let server = Running::start(quick(), true).await;
    let page = server.page.expect("page");
    assert!(page.ip().is_loopback());
    for (path, host, status) in [
        ("/", "localhost", "200"),
        ("/nope", "127.0.0.1", "404"),
        ("/", "evil.example", "421"),
    ] {
        let mut tcp = TcpStream::connect(page).await.expect("connect");
        let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        tcp.write_all(request.as_bytes()).await.expect("write");
        let mut answer = Vec::new();
        tcp.read_to_end(&mut answer).await.expect("read");
        let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
        assert!(
            answer.starts_with(&format!("http/1.1 {status}")),
            "{answer}"
        );
        for header in [
            "content-security-policy: ",
            "frame-ancestors 'none'",
            "x-frame-options: deny",
            "referrer-policy: no-referrer",
            "x-content-type-options: nosniff",
        ] {
            assert!(answer.contains(header), "{header} missing: {answer}");
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn alpn_picks_h2_and_tls13_only_refuses_tls12() {
    let server = Running::start_with(quick(), false, true).await;
    let dir = server.dir.path().to_path_buf();
    let h2 = client_with(
        &dir,
        true,
        &[&rustls::version::TLS13],
        &[b"h2", b"http/1.1"],
    );
    let tcp = TcpStream::connect(server.mtls).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let tls = h2.connect(name, tcp).await.expect("handshake");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    drop(tls);
    let old = client_with(&dir, true, &[&rustls::version::TLS12], &[]);
    let refused = get(&old, server.mtls, "/").await;
    assert!(refused.is_err(), "{refused:?}");
    let events = server.events(2).await;
    assert!(
        events.iter().any(|e| e.alpn.as_deref() == Some("h2")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e.outcome, Outcome::Refused { .. })),
        "{events:?}"
    );
    server.stop().await;
}

/// One plain-HTTP request to the page; the whole answer.
async fn page_request(page: SocketAddr, head: &str, body: &str) -> String {
    let mut tcp = TcpStream::connect(page).await.expect("connect");
    let request = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn token_of(answer: &str) -> String {
    let body = answer.split("\r\n\r\n").nth(1).expect("body");
    let value: serde_json::Value = serde_json::from_str(body).expect("json");
    value["token"].as_str().expect("token").to_owned()
}

#[tokio::test]
async fn the_live_link_is_same_origin_only_and_loads_new_material() {
    let server = Running::start(quick(), true).await;
    let page = server.page.expect("page");
    let host = format!("Host: 127.0.0.1:{}", page.port());
    // Refused: another origin, a rebinding name, a cross-site fetch.
    let cross = page_request(
        page,
        &format!("GET /live/token HTTP/1.1\r\n{host}\r\nOrigin: http://evil.example"),
        "",
    )
    .await;
    assert!(cross.starts_with("HTTP/1.1 403"), "{cross}");
    let rebound = page_request(
        page,
        "GET /live/token HTTP/1.1\r\nHost: evil.example:80",
        "",
    )
    .await;
    assert!(rebound.starts_with("HTTP/1.1 421"), "{rebound}");
    let site = page_request(
        page,
        &format!("GET /live/token HTTP/1.1\r\n{host}\r\nSec-Fetch-Site: cross-site"),
        "",
    )
    .await;
    assert!(site.starts_with("HTTP/1.1 403"), "{site}");
    // The page itself gets the token.
    let origin = format!("Origin: http://127.0.0.1:{}", page.port());
    let token = token_of(
        &page_request(
            page,
            &format!("GET /live/token HTTP/1.1\r\n{host}\r\n{origin}"),
            "",
        )
        .await,
    );
    assert_eq!(token.len(), 32);
    // Loading without the token, or with a wrong one, is refused.
    let other = tempfile::tempdir().expect("temp dir");
    let pki = issue_plan(&ca_named("page-ca"), Materials::default()).expect("issue");
    write_issued(other.path(), &pki, Existing::Refuse).expect("write");
    let read = |name: &str| std::fs::read_to_string(other.path().join(name)).expect(name);
    let body = serde_json::json!({ "ca": read("ca.crt"), "cert": read("server.crt"), "key": read("server.key") })
        .to_string();
    for bad in ["", "X-Certplay-Token: 00000000000000000000000000000000\r\n"] {
        let refused = page_request(
            page,
            &format!("POST /live/load HTTP/1.1\r\n{host}\r\n{bad}{origin}"),
            &body,
        )
        .await;
        assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    }
    // A load changes what the server trusts: without the page's Origin
    // (a client that is not a browser must send it too), it is refused
    // even with the token.
    let no_origin = page_request(
        page,
        &format!("POST /live/load HTTP/1.1\r\n{host}\r\nX-Certplay-Token: {token}"),
        &body,
    )
    .await;
    assert!(no_origin.starts_with("HTTP/1.1 403"), "{no_origin}");
    assert!(
        no_origin.contains("Origin: http://127.0.0.1:"),
        "{no_origin}"
    );
    // The SSE stream sees the connections that follow.
    let mut events = TcpStream::connect(page).await.expect("connect");
    events
        .write_all(format!("GET /live/events?token={token} HTTP/1.1\r\n{host}\r\n\r\n").as_bytes())
        .await
        .expect("write");
    // With the token: loaded, and new connections use the new CA.
    let loaded = page_request(
        page,
        &format!("POST /live/load HTTP/1.1\r\n{host}\r\nX-Certplay-Token: {token}\r\n{origin}"),
        &body,
    )
    .await;
    assert!(loaded.starts_with("HTTP/1.1 200"), "{loaded}");
    assert!(loaded.contains("CN=page-ca"), "{loaded}");
    let new = get(&client_for(other.path(), true), server.mtls, "/")
        .await
        .expect("answer");
    assert!(new.ends_with("Hello World\n"), "{new}");
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    // Until the accepted connection's whole message has come.
    let complete = |seen: &[u8]| {
        String::from_utf8_lossy(seen)
            .split("\"result\":\"accepted\"")
            .nth(1)
            .is_some_and(|rest| rest.contains('\n'))
    };
    while !complete(&seen) {
        assert!(
            Instant::now() < deadline,
            "{}",
            String::from_utf8_lossy(&seen)
        );
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(10), events.read(&mut chunk))
            .await
            .expect("an event within 10 s")
            .expect("read");
        assert!(n > 0, "stream ended");
        seen.extend_from_slice(&chunk[..n]);
    }
    let seen = String::from_utf8_lossy(&seen);
    assert!(seen.contains("text/event-stream"), "{seen}");
    assert!(seen.contains("event: connection"), "{seen}");
    // Each message is core's Streamed: the typed event and its words.
    let accepted = seen
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str::<Streamed>(data).expect("core's Streamed"))
        .find(|streamed| streamed.result == "accepted")
        .expect("the accepted connection");
    assert_eq!(accepted.event.kind().name(), "ok");
    assert_eq!(accepted.client, "CN=my-client");
    drop(events);
    server.stop().await;
}

/// Issue 23: a `POST /live/load` body sent a byte at a time (here every
/// 100 ms, past the 0.5 s deadline of `quick()`) gets 408 at the deadline,
/// however long the sender would go on.
#[tokio::test]
async fn a_live_load_body_that_trickles_gets_one_deadline() {
    let server = Running::start(quick(), true).await;
    let page = server.page.expect("page");
    let host = format!("Host: 127.0.0.1:{}", page.port());
    let token =
        token_of(&page_request(page, &format!("GET /live/token HTTP/1.1\r\n{host}"), "").await);
    let origin = format!("Origin: http://127.0.0.1:{}", page.port());
    let body = load_body(server.dir.path()).to_string();
    let mut tcp = TcpStream::connect(page).await.expect("connect");
    let head = format!(
        "POST /live/load HTTP/1.1\r\n{host}\r\nX-Certplay-Token: {token}\r\n{origin}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.expect("write");
    // The whole body would take minutes at this pace: the answer comes
    // first, and the test gives up on it after 60 s.
    let (mut reader, mut writer) = tcp.into_split();
    let trickle = tokio::spawn(async move {
        for byte in body.bytes() {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), reader.read_to_end(&mut answer))
        .await
        .expect("an answer before the body ends")
        .ok();
    trickle.abort();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 408") && answer.contains("did not arrive whole within 0.5 s"),
        "{answer}"
    );
    let line = log_with("refused POST /live/load: the request's body").await;
    assert!(line.contains("0.5 s"), "{line}");
    server.stop().await;
}

/// `POST /live/load` with the token, as the page sends it; the answer.
async fn live_load(page: SocketAddr, body: &serde_json::Value) -> String {
    let host = format!("Host: 127.0.0.1:{}", page.port());
    let token =
        token_of(&page_request(page, &format!("GET /live/token HTTP/1.1\r\n{host}"), "").await);
    let origin = format!("Origin: http://127.0.0.1:{}", page.port());
    page_request(
        page,
        &format!("POST /live/load HTTP/1.1\r\n{host}\r\nX-Certplay-Token: {token}\r\n{origin}"),
        &body.to_string(),
    )
    .await
}

/// The body the page sends for the set in `dir`.
fn load_body(dir: &Path) -> serde_json::Value {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect(name);
    serde_json::json!({ "ca": read("ca.crt"), "cert": read("server.crt"), "key": read("server.key") })
}

/// Issue 23: a CRL whose thisUpdate is three days ahead was accepted
/// without a word. It is used (rustls does not check thisUpdate: the
/// client it revokes is refused), with a warning that says what openssl
/// would do with it.
#[tokio::test]
async fn a_crl_issued_in_the_future_is_used_with_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = issue_plan(&Plan::default(), Materials::default()).expect("issue");
    write_issued(dir.path(), &pki, Existing::Refuse).expect("write");
    let ahead = time::OffsetDateTime::now_utc() + time::Duration::days(3);
    let revoked = Revocation {
        serial: pki
            .entry("client")
            .expect("client")
            .serial()
            .expect("serial"),
        reason: RevocationReason::KeyCompromise,
        revoked_at: ahead.replace_nanosecond(0).expect("time"),
    };
    let crl = pki
        .issue_crl("ca", &CrlParams::new(ahead, 7, vec![revoked]))
        .expect("crl");
    std::fs::write(dir.path().join("ahead.crl"), &crl.pem).expect("write");
    let mut tls = load(dir.path());
    load_crls(&mut tls, &[dir.path().join("ahead.crl")]).expect("used");
    let warning = tls
        .warnings
        .iter()
        .find(|w| w.contains("thisUpdate"))
        .unwrap_or_else(|| panic!("no warning: {:?}", tls.warnings));
    assert!(
        warning.contains("ahead.crl")
            && warning.contains("after now")
            && warning.contains("CRL is not yet valid"),
        "{warning}"
    );
    // inspect and verify say the same.
    let certplay = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_certplay"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("certplay");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code(), said)
    };
    let (code, said) = certplay(&["inspect", "ahead.crl"]);
    assert!(
        code == Some(0)
            && said.contains("Warning: ahead.crl: the CRL of CN=my-ca was issued at")
            && said.contains("CRL is not yet valid"),
        "{said}"
    );
    let verify = |leaf: &str, purpose: &[&str]| {
        let mut args = vec!["verify", "--ca", "ca.crt", "--crl", "ahead.crl"];
        args.extend_from_slice(purpose);
        args.push(leaf);
        certplay(&args)
    };
    let (code, said) = verify(
        "server.crt",
        &["--purpose", "server", "--host", "localhost"],
    );
    assert!(
        code == Some(0)
            && said.contains("certplay: warning: ahead.crl: the CRL of CN=my-ca")
            && said.contains("after now"),
        "{said}"
    );
    let (code, said) = verify("client.crt", &["--purpose", "client"]);
    assert!(
        code == Some(1) && said.contains("revoked") && said.contains("after now"),
        "{said}"
    );
    let server = Running::serve(dir, &tls, Config::loopback(0, None)).await;
    let answer = get(&server.client(true), server.mtls, "/").await;
    assert!(
        !answer.as_deref().is_ok_and(|a| a.contains("Hello")),
        "{answer:?}"
    );
    let events = server.events(1).await;
    let first = events.first().expect("an event");
    assert!(first.words().contains("revoked"), "{}", first.words());
    server.stop().await;
}

#[tokio::test]
async fn a_load_from_the_page_keeps_the_crls_of_the_cas_it_trusts() {
    // The blog's set, its client revoked by a --crl.
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = issue_plan(&Plan::default(), Materials::default()).expect("issue");
    write_issued(dir.path(), &pki, Existing::Refuse).expect("write");
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("time");
    let revoked = Revocation {
        serial: pki
            .entry("client")
            .expect("client")
            .serial()
            .expect("serial"),
        reason: RevocationReason::KeyCompromise,
        revoked_at: now,
    };
    let crl = pki
        .issue_crl("ca", &CrlParams::new(now, 7, vec![revoked]))
        .expect("crl");
    std::fs::write(dir.path().join("ca.crl"), &crl.pem).expect("write");
    let mut tls = load(dir.path());
    load_crls(&mut tls, &[dir.path().join("ca.crl")]).expect("--crl");
    let server = Running::serve(dir, &tls, Config::loopback(0, Some(0))).await;
    let page = server.page.expect("page");
    let revoked_client = server.client(true);
    let refused =
        |answer: std::io::Result<String>| !answer.as_deref().is_ok_and(|a| a.contains("Hello"));
    assert!(refused(get(&revoked_client, server.mtls, "/").await));

    // The page loads the same CA again (as after issuing with it): the
    // --crl stays, and the revoked client stays refused.
    let loaded = live_load(page, &load_body(server.dir.path())).await;
    assert!(loaded.starts_with("HTTP/1.1 200"), "{loaded}");
    assert!(loaded.contains("\"crls\":[\"CN=my-ca ("), "{loaded}");
    assert!(refused(get(&revoked_client, server.mtls, "/").await));
    let events = server.events(2).await;
    let last = events.last().expect("an event");
    assert!(matches!(last.outcome, Outcome::Refused { .. }), "{last:?}");
    assert!(last.words().contains("revoked"), "{}", last.words());

    // Another CA: the --crl of CN=my-ca no longer applies, and says so.
    let other = tempfile::tempdir().expect("temp dir");
    let other_pki = issue_plan(&ca_named("page-ca"), Materials::default()).expect("issue");
    write_issued(other.path(), &other_pki, Existing::Refuse).expect("write");
    let loaded = live_load(page, &load_body(other.path())).await;
    assert!(loaded.starts_with("HTTP/1.1 200"), "{loaded}");
    assert!(loaded.contains("\"crls\":[]"), "{loaded}");
    assert!(
        loaded.contains("ca.crl (the CRL of CN=my-ca) is no longer checked"),
        "{loaded}"
    );

    // Its own CRL comes along in the load; another CA's CRL is refused.
    let other_crl = other_pki
        .issue_crl("ca", &CrlParams::new(now, 7, Vec::new()))
        .expect("crl");
    let mut body = load_body(other.path());
    body["crls"] = serde_json::json!([other_crl.pem]);
    let loaded = live_load(page, &body).await;
    assert!(loaded.contains("\"crls\":[\"CN=page-ca ("), "{loaded}");
    body["crls"] = serde_json::json!([crl.pem]);
    let wrong = live_load(page, &body).await;
    assert!(wrong.starts_with("HTTP/1.1 422"), "{wrong}");
    assert!(wrong.contains("which is none of the CAs"), "{wrong}");
    server.stop().await;
}

#[tokio::test]
async fn reloading_under_load_fails_no_good_request() {
    let server = Running::start(realistic(), false).await;
    let tls_dir = server.dir.path().to_path_buf();
    let mut clients = Vec::new();
    for _ in 0..3 {
        let client = server.client(true);
        let address = server.mtls;
        clients.push(tokio::spawn(async move {
            let mut ok = 0;
            for _ in 0..25 {
                let answer = get(&client, address, "/")
                    .await
                    .expect("a good request failed");
                assert!(answer.ends_with("Hello World\n"), "{answer}");
                ok += 1;
            }
            ok
        }));
    }
    for _ in 0..10 {
        server.reloader.reload(&load(&tls_dir)).expect("reload");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut total = 0;
    for client in clients {
        total += client.await.expect("client");
    }
    assert_eq!(total, 75);
    server.stop().await;
}

#[tokio::test]
async fn hostile_clients_alongside_good_ones_are_refused_with_the_right_reason() {
    // A handshake deadline the half-finished handshakes below run into,
    // long enough for every good client's handshake on a busy machine.
    let limits = Limits {
        handshake: Duration::from_secs(3),
        ..realistic()
    };
    let server = Running::start(limits, false).await;
    let address = server.mtls;
    let good = {
        let client = server.client(true);
        tokio::spawn(async move {
            for _ in 0..30 {
                let answer = get(&client, address, "/")
                    .await
                    .expect("a good request failed");
                assert!(answer.ends_with("Hello World\n"), "{answer}");
            }
        })
    };
    // Another CA.
    let other = tempfile::tempdir().expect("temp dir");
    let pki = issue_plan(&ca_named("other-ca"), Materials::default()).expect("issue");
    write_issued(other.path(), &pki, Existing::Refuse).expect("write");
    // The client trusts our server but presents the other CA's certificate.
    std::fs::copy(
        server.dir.path().join("ca.crt"),
        other.path().join("ca.crt"),
    )
    .expect("copy");
    let foreign = client_for(other.path(), true);
    let no_cert = server.client(false);
    let mut hostile = Vec::new();
    for round in 0..5 {
        assert!(get(&no_cert, address, "/")
            .await
            .map_or(true, |a| !a.contains("Hello")));
        assert!(get(&foreign, address, "/")
            .await
            .map_or(true, |a| !a.contains("Hello")));
        // Random bytes.
        let mut tcp = TcpStream::connect(address).await.expect("connect");
        let _ = tcp
            .write_all(&[0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, round])
            .await;
        let mut sink = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut sink)).await;
        // Closed mid-handshake.
        let mut tcp = TcpStream::connect(address).await.expect("connect");
        let _ = tcp.write_all(&[0x16, 0x03, 0x01]).await;
        drop(tcp);
        // Plain HTTP.
        let mut tcp = TcpStream::connect(address).await.expect("connect");
        let _ = tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let mut answer = Vec::new();
        let _ = tcp.read_to_end(&mut answer).await;
        assert!(answer.starts_with(b"HTTP/1.1 400"));
        // A half-finished handshake, held open until the server's deadline
        // closes it.
        let mut held = TcpStream::connect(address).await.expect("connect");
        let _ = held.write_all(&[0x16, 0x03, 0x01, 0x01, 0x00, 0x01]).await;
        hostile.push(held);
    }
    tokio::time::timeout(Duration::from_secs(60), good)
        .await
        .expect("good clients done within 60 s")
        .expect("no good request failed");
    // Each held handshake ends at the deadline (3 s): wait for all five.
    let events = server
        .events_until("every connection ended", |events| {
            let timeouts = events.iter().filter(|e| e.kind().name() == "timeout");
            events.len() >= 30 + 5 * 6 && timeouts.count() >= 5
        })
        .await;
    drop(hostile);
    let count = |kind: &str| events.iter().filter(|e| e.kind().name() == kind).count();
    assert_eq!(count("ok"), 30, "{events:#?}");
    assert_eq!(count("no-client-certificate"), 5);
    assert_eq!(count("unknown-issuer"), 5);
    assert_eq!(count("not-tls"), 5);
    assert!(count("timeout") >= 5);
    for event in events
        .iter()
        .filter(|e| e.kind().name() == "unknown-issuer")
    {
        assert!(event.words().contains("CN=other-ca"), "{}", event.words());
    }
    server.stop().await;
}

/// The blog's plan with another CA name.
fn ca_named(name: &str) -> Plan {
    let mut plan = Plan::default();
    plan.entries[0].subject.common_name = name.into();
    plan
}

/// The log line that contains `needle`, waited for.
async fn log_with(needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let log = String::from_utf8_lossy(&captured_log().lock().expect("log")).into_owned();
        if let Some(line) = log.lines().find(|l| l.contains(needle)) {
            return line.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no log line with {needle:?}:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Issue 23: a client that answers, then resets the connection, is logged
/// as accepted with what ended it (once "connection connection error ...
/// reason=ok").
#[tokio::test]
async fn a_reset_after_an_answer_is_named_in_words() {
    let server = Running::start(quick(), false).await;
    let tcp = TcpStream::connect(server.mtls).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let mut tls = server
        .client(true)
        .connect(name, tcp)
        .await
        .expect("handshake");
    tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut answer = [0u8; 1024];
    let n = tls.read(&mut answer).await.expect("read");
    assert!(answer[..n].starts_with(b"HTTP/1.1 200"));
    // Linger 0: closing sends a reset.
    tls.get_ref().0.set_zero_linger().expect("linger");
    drop(tls);
    let events = server.events(1).await;
    let event = events.first().expect("event");
    assert_eq!(
        event.outcome,
        Outcome::Accepted {
            ended: Ending::Reset
        },
        "{event:?}"
    );
    let line = log_line(event).await;
    assert!(
        line.contains("accepted CN=my-client")
            && line.contains("1 request(s), then the client reset the connection")
            && line.contains("kind=ok")
            && !line.contains("connection connection"),
        "{line}"
    );
    server.stop().await;
}

/// Issue 23: a request head that never ends (a byte now and then, never
/// the blank line) is named as such, not as a client that refused the
/// server's certificate.
#[tokio::test]
async fn a_request_head_that_never_ends_is_named() {
    // The header limit is the idle limit: 2 s, forty times the gap between
    // the bytes below, so the idle limit cannot fire first on a busy
    // machine.
    let limits = Limits {
        idle: Duration::from_secs(2),
        ..quick()
    };
    let server = Running::start(limits, false).await;
    let tcp = TcpStream::connect(server.mtls).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let mut tls = server
        .client(true)
        .connect(name, tcp)
        .await
        .expect("handshake");
    tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .expect("write");
    // Bytes keep coming (the idle limit never fires) until the server
    // ends the connection at the header limit (or 60 s pass).
    for _ in 0..1200 {
        if tls.write_all(b"X: y\r\n").await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let events = server.events(1).await;
    let event = events.first().expect("event");
    assert_eq!(
        event.outcome,
        Outcome::HungUp {
            ended: Ending::HeaderTimeout { limit_ms: 2000 }
        },
        "{event:?}"
    );
    let line = log_line(event).await;
    assert!(
        line.contains("then no request: no complete request header came within 2 s")
            && !line.contains("refused this server's certificate"),
        "{line}"
    );
    server.stop().await;
}

/// Issue 23: an HTTP/2 client that resets its streams as fast as it opens
/// them (a rapid-reset flood) is ended by the server, and the log says so.
#[tokio::test]
async fn an_http2_reset_flood_is_named_in_words() {
    let server = Running::start(quick(), false).await;
    let dir = server.dir.path().to_path_buf();
    let connector = client_with(&dir, true, &[&rustls::version::TLS13], &[b"h2"]);
    let tcp = TcpStream::connect(server.mtls).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let tls = connector.connect(name, tcp).await.expect("handshake");
    let (mut client, connection) = h2::client::handshake(tls).await.expect("h2");
    let driver = tokio::spawn(connection);
    for _ in 0..5000 {
        let Ok(ready) = client.clone().ready().await else {
            break;
        };
        client = ready;
        let request = hyper::Request::get("https://localhost/")
            .body(())
            .expect("request");
        let Ok((_, mut stream)) = client.send_request(request, false) else {
            break;
        };
        stream.send_reset(h2::Reason::CANCEL);
    }
    // The server ends the connection (GOAWAY, then it closes).
    let ended = tokio::time::timeout(Duration::from_secs(10), driver)
        .await
        .expect("the server ended the flood within 10 s")
        .expect("driver");
    drop(client);
    assert!(ended.is_err(), "{ended:?}");
    let events = server.events(1).await;
    let event = events.first().expect("event");
    let ended = match &event.outcome {
        Outcome::Accepted { ended } | Outcome::HungUp { ended } => ended.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        ended,
        Ending::Http2 {
            code: 0xb,
            remote: false
        },
        "{event:?}"
    );
    let line = log_line(event).await;
    assert!(
        line.contains("the client reset streams faster than the server allows")
            && line.contains("ENHANCE_YOUR_CALM")
            && !line.contains("refused this server's certificate"),
        "{line}"
    );
    server.stop().await;
}

/// Issue 23: the line that sums up a flood of refusals says how many of
/// them the event history kept (it keeps the last `history` connections).
#[tokio::test]
async fn a_flood_of_refusals_says_how_many_the_history_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = issue_plan(&Plan::default(), Materials::default()).expect("issue");
    write_issued(dir.path(), &pki, Existing::Refuse).expect("write");
    let tls = load(dir.path());
    let mut config = Config::loopback(0, None);
    config.limits = Limits {
        refusal_lines_per_window: 2,
        refusal_window: Duration::from_secs(2),
        ..quick()
    };
    config.history = 5;
    let server = Running::serve(dir, &tls, config).await;
    let no_cert = server.client(false);
    for _ in 0..12 {
        let _ = get(&no_cert, server.mtls, "/").await;
    }
    let line = log_with("more refusals in the last 2 s").await;
    assert!(
        line.contains("10 more refusals in the last 2 s were not logged one by one")
            && line.contains("(by reason: no-client-certificate 10)")
            && line
                .contains("the event history keeps the last 5 connections: 5 of these are in it")
            && !line.contains("every one is in the event history"),
        "{line}"
    );
    server.stop().await;
}
