//! One TLS connection to someone else's server, and everything it shows:
//! the version, suite, group and ALPN chosen, the chain sent (taken as it
//! is, checked afterwards by core's verifier), whether the server asks for
//! a client certificate (its CA names and signature schemes), and what
//! happened next: an HTTP answer, an alert, silence or a hang-up.
//! `certplay connect` runs a few of these (`cli/connect.rs`).
//!
//! Plain blocking sockets with a deadline: one connection at a time, no
//! runtime needed, and every timeout is the caller's.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, Resumption};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{
    AlertDescription, ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme,
    SupportedProtocolVersion,
};

/// How long to wait for an HTTP answer once the server has shown it took
/// the handshake (TLS 1.2 done, or TLS 1.3 session tickets sent after the
/// client's Finished): a server that does not speak HTTP says nothing.
const ANSWER_WAIT: Duration = Duration::from_secs(2);

/// The most bytes of an answer kept (its status line is what counts).
const ANSWER_LIMIT: usize = 16 * 1024;

/// Where to connect.
#[derive(Debug, Clone)]
pub struct Target {
    /// The host as given (a DNS name or an IP address).
    pub host: String,
    /// The port.
    pub port: u16,
    /// The name sent as SNI and checked against the certificate.
    pub server_name: String,
    /// The path of the HTTP request (`/`).
    pub path: String,
}

/// One connection's settings.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The TLS versions offered.
    pub versions: Vec<&'static SupportedProtocolVersion>,
    /// The client certificate to present when asked, if any.
    pub client: Option<Arc<CertifiedKey>>,
    /// ALPN protocols offered.
    pub alpn: Vec<Vec<u8>>,
    /// Send `GET path` after the handshake and wait for the answer.
    pub request: bool,
    /// The time limit of the whole connection.
    pub timeout: Duration,
}

/// What the server asked of a client certificate (its CertificateRequest).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asked {
    /// The CA names it listed (each the DER of an RFC 5280 Name).
    pub ca_names: Vec<Vec<u8>>,
    /// The signature schemes it accepts.
    pub schemes: Vec<SignatureScheme>,
}

/// What one connection showed.
#[derive(Debug)]
pub struct Seen {
    /// The address connected to.
    pub address: Option<SocketAddr>,
    /// The negotiated version (`TLSv1_3`), once known.
    pub version: Option<rustls::ProtocolVersion>,
    /// The cipher suite.
    pub suite: Option<rustls::CipherSuite>,
    /// The key exchange group.
    pub group: Option<rustls::NamedGroup>,
    /// The ALPN protocol chosen.
    pub alpn: Option<String>,
    /// The certificates the server sent, its own first.
    pub chain: Vec<CertificateDer<'static>>,
    /// Its CertificateRequest, when it sent one.
    pub asked: Option<Asked>,
    /// TLS 1.3 session tickets received (a server sends them once it has
    /// taken the client's Finished, and with it the client's certificate).
    pub tickets: u32,
    /// How it ended.
    pub outcome: Outcome,
}

/// How a connection ended.
#[derive(Debug)]
pub enum Outcome {
    /// The handshake completed (and, when asked to, the server answered):
    /// the first line of its answer, when it is HTTP's.
    Answered {
        /// The answer's status line (`HTTP/1.1 200 OK`), when there was one.
        first_line: Option<String>,
        /// When the status refuses (4xx, 5xx): the first line of the body,
        /// when it is plain text (a server's reason in words, such as
        /// `certplay serve --client-auth optional`'s 401).
        says: Option<String>,
    },
    /// The handshake completed, then the server closed without answering.
    ClosedAfterHandshake,
    /// The handshake completed, and nothing came within the time allowed.
    Silent,
    /// The TLS layer failed: an alert the server sent, or what this client
    /// refused. `after_handshake` tells a TLS 1.3 refusal of the client's
    /// certificate (it arrives after the client's side is done).
    Tls {
        /// rustls' error.
        error: rustls::Error,
        /// True when the client had finished its side of the handshake.
        after_handshake: bool,
    },
    /// The server closed the connection during the handshake, without
    /// an alert.
    ClosedDuringHandshake,
    /// No TCP connection: nothing listens, the name does not resolve, ...
    Unreachable(io::Error),
    /// The time limit ran out.
    TimedOut {
        /// True when the handshake had completed.
        after_handshake: bool,
    },
    /// Reading or writing failed otherwise (a reset).
    Io(io::Error),
}

impl Outcome {
    /// The alert the server sent, if that is how it ended.
    pub fn alert(&self) -> Option<AlertDescription> {
        match self {
            Self::Tls {
                error: rustls::Error::AlertReceived(alert),
                ..
            } => Some(*alert),
            _ => None,
        }
    }

    /// True when the server took the connection: it answered, or kept it
    /// open without a word. A server that closes right after the handshake
    /// without answering (Node's https with `rejectUnauthorized` refuses a
    /// client certificate so, no alert) did not.
    pub fn accepted(&self) -> bool {
        matches!(self, Self::Answered { .. } | Self::Silent)
    }

    /// True when the handshake completed and the server did not end the
    /// connection with an alert.
    pub fn handshake_done(&self) -> bool {
        matches!(
            self,
            Self::Answered { .. } | Self::ClosedAfterHandshake | Self::Silent
        )
    }
}

/// Takes any chain (checking the handshake's signatures with it), and
/// keeps it: the verdict on it is core's, given afterwards.
#[derive(Debug)]
struct Recorder {
    provider: Arc<CryptoProvider>,
    chain: Mutex<Vec<CertificateDer<'static>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        if let Ok(mut kept) = self.chain.lock() {
            *kept = chain;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Notes the CertificateRequest and presents the client certificate, if
/// there is one, whatever CA names were listed (as curl does).
#[derive(Debug)]
struct Client {
    key: Option<Arc<CertifiedKey>>,
    asked: Mutex<Option<Asked>>,
}

impl ResolvesClientCert for Client {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        if let Ok(mut asked) = self.asked.lock() {
            *asked = Some(Asked {
                ca_names: root_hint_subjects.iter().map(|n| n.to_vec()).collect(),
                schemes: sigschemes.to_vec(),
            });
        }
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        self.key.is_some()
    }
}

/// Connects once as `attempt` says and reports what was seen.
pub fn connect(target: &Target, attempt: &Attempt, provider: &Arc<CryptoProvider>) -> Seen {
    let recorder = Arc::new(Recorder {
        provider: provider.clone(),
        chain: Mutex::new(Vec::new()),
    });
    let client = Arc::new(Client {
        key: attempt.client.clone(),
        asked: Mutex::new(None),
    });
    let mut seen = Seen {
        address: None,
        version: None,
        suite: None,
        group: None,
        alpn: None,
        chain: Vec::new(),
        asked: None,
        tickets: 0,
        outcome: Outcome::Silent,
    };
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&attempt.versions)
        .map_err(|e| io::Error::other(e.to_string()));
    let mut config = match config {
        Ok(builder) => builder
            .dangerous()
            .with_custom_certificate_verifier(recorder.clone())
            .with_client_cert_resolver(client.clone()),
        Err(e) => {
            seen.outcome = Outcome::Io(e);
            return seen;
        }
    };
    // Every connection a full handshake: each one must show what the
    // server asks and decides.
    config.resumption = Resumption::disabled();
    config.alpn_protocols.clone_from(&attempt.alpn);
    config.enable_sni = target.server_name.parse::<std::net::IpAddr>().is_err();
    let deadline = Instant::now() + attempt.timeout;
    seen.outcome = run(target, attempt, Arc::new(config), deadline, &mut seen);
    if let Ok(chain) = recorder.chain.lock() {
        seen.chain.clone_from(&chain);
    }
    if let Ok(asked) = client.asked.lock() {
        seen.asked.clone_from(&asked);
    }
    seen
}

fn run(
    target: &Target,
    attempt: &Attempt,
    config: Arc<ClientConfig>,
    deadline: Instant,
    seen: &mut Seen,
) -> Outcome {
    let mut tcp = match open(target, deadline) {
        Ok((tcp, address)) => {
            seen.address = Some(address);
            tcp
        }
        Err(e) => return Outcome::Unreachable(e),
    };
    let name = match ServerName::try_from(target.server_name.clone()) {
        Ok(name) => name,
        Err(e) => return Outcome::Io(io::Error::new(io::ErrorKind::InvalidInput, e)),
    };
    let mut tls = match ClientConnection::new(config, name) {
        Ok(tls) => tls,
        Err(error) => {
            return Outcome::Tls {
                error,
                after_handshake: false,
            }
        }
    };
    let outcome = exchange(target, attempt, &mut tls, &mut tcp, deadline);
    seen.version = tls.protocol_version();
    seen.suite = tls.negotiated_cipher_suite().map(|s| s.suite());
    seen.group = tls.negotiated_key_exchange_group().map(|g| g.name());
    seen.alpn = tls
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    seen.tickets = tls.tls13_tickets_received();
    outcome
}

/// A TCP connection to the first address of `target` that answers.
fn open(target: &Target, deadline: Instant) -> io::Result<(TcpStream, SocketAddr)> {
    let addresses: Vec<SocketAddr> = (target.host.as_str(), target.port)
        .to_socket_addrs()?
        .collect();
    let mut last = io::Error::new(
        io::ErrorKind::NotFound,
        format!("{} has no address", target.host),
    );
    for address in addresses {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"));
        }
        match TcpStream::connect_timeout(&address, left) {
            Ok(tcp) => {
                tcp.set_nodelay(true)?;
                return Ok((tcp, address));
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Sets the socket's timeouts to what is left before `deadline`.
fn until(tcp: &TcpStream, deadline: Instant) -> bool {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return false;
    }
    tcp.set_read_timeout(Some(left)).is_ok() && tcp.set_write_timeout(Some(left)).is_ok()
}

fn timed_out(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The handshake, then the request and its answer.
fn exchange(
    target: &Target,
    attempt: &Attempt,
    tls: &mut ClientConnection,
    tcp: &mut TcpStream,
    deadline: Instant,
) -> Outcome {
    while tls.is_handshaking() {
        if let Err(outcome) = step(tls, tcp, deadline, false) {
            return outcome;
        }
    }
    if !attempt.request {
        // Whatever the server still sends is not waited for.
        let _ = flush(tls, tcp);
        return Outcome::Answered {
            first_line: None,
            says: None,
        };
    }
    // An HTTP/2 server (ALPN h2) is not sent an HTTP/1.1 request: its
    // answer (or its alert) to the handshake is what is waited for.
    if tls.alpn_protocol() != Some(b"h2".as_slice()) {
        if let Err(e) = tls.writer().write_all(request(target).as_bytes()) {
            return Outcome::Io(e);
        }
    }
    let mut answer = Vec::new();
    let mut deadline = deadline;
    let mut shortened = false;
    loop {
        // Once the server shows it took the handshake, a server that does
        // not speak HTTP is not waited for until the time limit.
        let took = tls.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_2)
            || tls.tls13_tickets_received() > 0;
        if took && !shortened {
            deadline = deadline.min(Instant::now() + ANSWER_WAIT);
            shortened = true;
        }
        match read_plain(tls, &mut answer) {
            Ok(true) => return answered(&answer, true),
            Ok(false) => {}
            Err(e) => return Outcome::Io(e),
        }
        if complete(&answer) || answer.len() >= ANSWER_LIMIT {
            return answered(&answer, false);
        }
        match step(tls, tcp, deadline, true) {
            Ok(()) => {}
            Err(Outcome::TimedOut { .. }) if !answer.is_empty() => return answered(&answer, false),
            Err(Outcome::TimedOut { .. }) => return Outcome::Silent,
            Err(Outcome::ClosedDuringHandshake) => {
                let _ = read_plain(tls, &mut answer);
                return answered(&answer, true);
            }
            Err(outcome) => return outcome,
        }
    }
}

/// Moves what is readable into `answer`; true once the server closed.
fn read_plain(tls: &mut ClientConnection, answer: &mut Vec<u8>) -> io::Result<bool> {
    let mut buf = [0u8; 4096];
    loop {
        match tls.reader().read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(n) => answer.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(true),
            Err(e) => return Err(e),
        }
    }
}

/// The most characters kept of a refusal's first body line.
const SAYS_LIMIT: usize = 400;

/// True when an answer holds what is kept of it: its status line, and for
/// a refusing status the first line of its body too.
fn complete(answer: &[u8]) -> bool {
    let Some(end) = answer.iter().position(|b| *b == b'\n') else {
        return false;
    };
    if !refusing(answer.get(..end).unwrap_or_default()) {
        return true;
    }
    first_body_line(answer).is_some_and(|(_, ended)| ended)
}

/// The first line of a body that holds words (a chunked body's chunk
/// sizes skipped), trimmed, and whether a newline ended it; `None` before
/// the head has ended or the body holds a word.
fn first_body_line(answer: &[u8]) -> Option<(&[u8], bool)> {
    let start = body_start(answer)?;
    let (head, mut rest) = answer.split_at_checked(start)?;
    let chunked = String::from_utf8_lossy(head)
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    loop {
        let (line, next) = match rest.iter().position(|b| *b == b'\n') {
            Some(at) => {
                let (line, next) = rest.split_at_checked(at)?;
                (line, Some(next.get(1..).unwrap_or_default()))
            }
            None => (rest, None),
        };
        let line = line.trim_ascii();
        let chunk_size = chunked && line.iter().all(u8::is_ascii_hexdigit);
        if !line.is_empty() && !chunk_size {
            return Some((line, next.is_some()));
        }
        rest = next?;
    }
}

/// True when a status line's code is 4xx or 5xx.
fn refusing(status_line: &[u8]) -> bool {
    status_line.starts_with(b"HTTP/")
        && status_line
            .split(|b| *b == b' ')
            .nth(1)
            .and_then(|code| code.first())
            .is_some_and(|digit| matches!(digit, b'4' | b'5'))
}

/// Where the body starts: after the first empty line.
fn body_start(answer: &[u8]) -> Option<usize> {
    let crlf = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4);
    let lf = answer
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|at| at + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn answered(answer: &[u8], closed: bool) -> Outcome {
    if answer.is_empty() && closed {
        return Outcome::ClosedAfterHandshake;
    }
    let first_line = answer
        .split(|b| *b == b'\n')
        .next()
        .map(|line| String::from_utf8_lossy(line).trim_end().to_owned())
        .filter(|line| line.starts_with("HTTP/"));
    let says = first_line
        .as_deref()
        .filter(|line| refusing(line.as_bytes()))
        .and_then(|_| first_body_line(answer))
        .map(|(line, _)| String::from_utf8_lossy(line))
        // HTML markup is not words.
        .filter(|line| !line.starts_with('<'))
        .map(|line| line.chars().take(SAYS_LIMIT).collect());
    Outcome::Answered { first_line, says }
}

fn request(target: &Target) -> String {
    format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: certplay-connect\r\nAccept: */*\r\n\
         Connection: close\r\n\r\n",
        target.path,
        host_header(target)
    )
}

fn host_header(target: &Target) -> String {
    let host = if target.server_name.contains(':') {
        format!("[{}]", target.server_name)
    } else {
        target.server_name.clone()
    };
    if target.port == 443 {
        host
    } else {
        format!("{host}:{}", target.port)
    }
}

/// Sends what TLS has to send.
fn flush(tls: &mut ClientConnection, tcp: &mut TcpStream) -> io::Result<()> {
    while tls.wants_write() {
        tls.write_tls(tcp)?;
    }
    tcp.flush()
}

/// One round: send what is pending, read one batch of records and process
/// them. `Err` is how the connection ended.
fn step(
    tls: &mut ClientConnection,
    tcp: &mut TcpStream,
    deadline: Instant,
    after_handshake: bool,
) -> Result<(), Outcome> {
    if !until(tcp, deadline) {
        return Err(Outcome::TimedOut { after_handshake });
    }
    if let Err(e) = flush(tls, tcp) {
        return Err(io_end(e, after_handshake));
    }
    match tls.read_tls(tcp) {
        Ok(0) => {
            // Records read before the end may hold an alert.
            if let Err(error) = tls.process_new_packets() {
                return Err(Outcome::Tls {
                    error,
                    after_handshake,
                });
            }
            Err(Outcome::ClosedDuringHandshake)
        }
        Ok(_) => match tls.process_new_packets() {
            Ok(_) => Ok(()),
            Err(error) => {
                // Send our alert, if any, before going.
                let _ = flush(tls, tcp);
                Err(Outcome::Tls {
                    error,
                    after_handshake,
                })
            }
        },
        Err(e) => Err(io_end(e, after_handshake)),
    }
}

fn io_end(e: io::Error, after_handshake: bool) -> Outcome {
    if timed_out(&e) {
        Outcome::TimedOut { after_handshake }
    } else if e.kind() == io::ErrorKind::ConnectionReset && !after_handshake {
        Outcome::ClosedDuringHandshake
    } else {
        Outcome::Io(e)
    }
}

#[cfg(test)]
mod tests {
    use super::{answered, complete, Outcome};

    fn says(answer: &[u8]) -> Option<String> {
        match answered(answer, true) {
            Outcome::Answered { says, .. } => says,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_refusals_first_body_line_is_kept_and_its_chunk_sizes_are_not() {
        let plain = b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 12\r\n\r\nno cert: go\n";
        assert!(complete(plain));
        assert_eq!(says(plain).as_deref(), Some("no cert: go"));
        let chunked = b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\nyour certificate expired\r\n\r\n0\r\n\r\n";
        assert!(complete(chunked));
        assert_eq!(says(chunked).as_deref(), Some("your certificate expired"));
        // Only the chunk's size has come: not yet.
        assert!(!complete(
            b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\n"
        ));
        // HTML is not words; an answer that lets in keeps no body line.
        assert_eq!(says(b"HTTP/1.1 400 Bad Request\r\n\r\n<html>\r\n"), None);
        let ok = b"HTTP/1.1 200 OK\r\n";
        assert!(complete(ok));
        assert_eq!(says(b"HTTP/1.1 200 OK\r\n\r\nHello World\n"), None);
        // The head has not ended.
        assert!(!complete(
            b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 3\r\n"
        ));
    }
}
