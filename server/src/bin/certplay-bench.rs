//! `certplay-bench`: a load client for mTLS servers (certplay, Node,
//! `openssl s_server`), loopback only.
//!
//! Usage:
//!   certplay-bench --connect 127.0.0.1:3000 --dir certplay-demo [--concurrency 4]
//!                  [--duration 10] [--keep-alive] [--pid SERVER_PID]
//!   certplay-bench --connect 127.0.0.1:3000 --dir certplay-demo --idle 1000 --pid SERVER_PID
//!
//! Full mode: every request is a new TCP connection and a full mTLS
//! handshake (no session resumption), then one `GET /` whose answer must be
//! `200`: a TLS 1.3 client finishes its handshake before the server has
//! judged its certificate, so only the answer proves the server accepted it.
//! Keep-alive mode: one connection per worker, requests one after another.
//! With `--pid`, the server's own CPU time (utime + stime from
//! /proc/PID/stat) over the run is divided by the requests answered: on a
//! machine with few cores the client often caps the rate, and the CPU time
//! a request costs the server is the figure that compares servers.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use certplay_core::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use certplay_core::{read_certificates, read_private_key, Source};
use clap::Parser;
use rustls::client::Resumption;
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Loads an mTLS server on loopback and reports rate, latency, errors and
/// the server's CPU time per request.
#[derive(Debug, Parser)]
#[command(name = "certplay-bench", version)]
struct Args {
    /// The server's address (loopback only).
    #[arg(long, default_value = "127.0.0.1:3000")]
    connect: SocketAddr,
    /// The name the server certificate must cover (SNI and verification).
    #[arg(long, default_value = "localhost")]
    name: String,
    /// Directory with ca.crt, client.crt and client.key.
    #[arg(long, default_value = "certplay-demo")]
    dir: PathBuf,
    /// Connections in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Seconds to run.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// One connection per worker, many requests on it.
    #[arg(long)]
    keep_alive: bool,
    /// The server's process id, for its CPU time and memory.
    #[arg(long)]
    pid: Option<u32>,
    /// Instead of a load: open this many connections (full handshake, no
    /// request), hold them, and report the server's memory.
    #[arg(long, value_name = "N")]
    idle: Option<usize>,
    /// The request path.
    #[arg(long, default_value = "/")]
    path: String,
}

/// Why one request did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Failure {
    Connect,
    Handshake,
    Write,
    Read,
    Status,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.connect.ip().is_loopback() {
        eprintln!("certplay-bench: loads only servers on this machine (127.0.0.0/8 or ::1)");
        return ExitCode::FAILURE;
    }
    // Holding 1000 connections needs more than the usual 1024 descriptors.
    let _ = certplay_server::guard::raise_open_file_limit();
    let connector = match connector(&args) {
        Ok(connector) => connector,
        Err(e) => {
            eprintln!("certplay-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("certplay-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(n) = args.idle {
        runtime.block_on(idle(&args, connector, n));
    } else {
        runtime.block_on(load(&args, connector));
    }
    ExitCode::SUCCESS
}

fn connector(args: &Args) -> Result<TlsConnector, String> {
    let read = |name: &str| {
        let path = args.dir.join(name);
        certplay_server::input::read(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let (ca, cert, key) = (read("ca.crt")?, read("client.crt")?, read("client.key")?);
    let mut roots = RootCertStore::empty();
    for ca in read_certificates(Source::new("ca.crt", &ca)).map_err(|e| e.to_string())? {
        roots.add(ca.der).map_err(|e| e.to_string())?;
    }
    let chain: Vec<CertificateDer<'static>> = read_certificates(Source::new("client.crt", &cert))
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|c| c.der)
        .collect();
    let key: PrivateKeyDer<'static> = read_private_key(Source::new("client.key", &key))
        .map_err(|e| e.to_string())?
        .der;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| e.to_string())?;
    // Every handshake a full one: no tickets, no session IDs.
    config.resumption = Resumption::disabled();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// utime + stime of `pid` in clock ticks, and its resident memory in KiB.
fn usage(pid: u32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())?;
    Some((ticks, rss))
}

fn ticks_per_second() -> f64 {
    // Linux reports /proc times in USER_HZ, 100 on every mainstream build.
    100.0
}

async fn load(args: &Args, connector: TlsConnector) {
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration.clamp(0.1, 600.0));
    let name = match ServerName::try_from(args.name.clone()) {
        Ok(name) => name,
        Err(e) => {
            eprintln!("certplay-bench: --name {}: {e}", args.name);
            return;
        }
    };
    let before = args.pid.and_then(usage);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let connector = connector.clone();
        let name = name.clone();
        let address = args.connect;
        let keep_alive = args.keep_alive;
        let path = args.path.clone();
        workers.push(tokio::spawn(async move {
            if keep_alive {
                keep_alive_worker(&connector, address, name, &path, deadline).await
            } else {
                full_worker(&connector, address, name, &path, deadline).await
            }
        }));
    }
    let mut latencies = Vec::new();
    let mut failures: BTreeMap<Failure, u64> = BTreeMap::new();
    for worker in workers {
        if let Ok((ok, failed)) = worker.await {
            latencies.extend(ok);
            for (kind, n) in failed {
                *failures.entry(kind).or_default() += n;
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after = args.pid.and_then(usage);
    latencies.sort_unstable();
    let n = latencies.len();
    let pct = |p: f64| {
        let index = ((n as f64 - 1.0) * p).round() as usize;
        latencies
            .get(index)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let mode = if args.keep_alive {
        "keep-alive requests"
    } else {
        "full mTLS handshakes + GET"
    };
    println!(
        "{mode}: {n} ok in {elapsed:.1} s = {:.0}/s at concurrency {}; p50 {:.2} ms, p99 {:.2} ms",
        n as f64 / elapsed,
        args.concurrency,
        pct(0.5),
        pct(0.99)
    );
    let errors: Vec<String> = failures.iter().map(|(k, n)| format!("{k:?} {n}")).collect();
    println!(
        "errors: {}",
        if errors.is_empty() {
            "none".to_owned()
        } else {
            errors.join(", ")
        }
    );
    if let (Some((t0, _)), Some((t1, rss))) = (before, after) {
        let cpu_ms = (t1.saturating_sub(t0)) as f64 / ticks_per_second() * 1000.0;
        println!(
            "server cpu: {cpu_ms:.0} ms = {:.3} ms per request ({:.0} requests per server CPU-second); server RSS {rss} KiB",
            if n > 0 { cpu_ms / n as f64 } else { 0.0 },
            if cpu_ms > 0.0 { n as f64 / (cpu_ms / 1000.0) } else { 0.0 }
        );
    }
    println!(
        "cores: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}

type Outcome = (Vec<Duration>, BTreeMap<Failure, u64>);

async fn full_worker(
    connector: &TlsConnector,
    address: SocketAddr,
    name: ServerName<'static>,
    path: &str,
    deadline: Instant,
) -> Outcome {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let mut ok = Vec::new();
    let mut failed = BTreeMap::new();
    while Instant::now() < deadline {
        let started = Instant::now();
        match one_full(connector, address, name.clone(), request.as_bytes()).await {
            Ok(()) => ok.push(started.elapsed()),
            Err(kind) => *failed.entry(kind).or_default() += 1,
        }
    }
    (ok, failed)
}

async fn one_full(
    connector: &TlsConnector,
    address: SocketAddr,
    name: ServerName<'static>,
    request: &[u8],
) -> Result<(), Failure> {
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|_| Failure::Connect)?;
    let _ = tcp.set_nodelay(true);
    let mut tls = connector
        .connect(name, tcp)
        .await
        .map_err(|_| Failure::Handshake)?;
    tls.write_all(request).await.map_err(|_| Failure::Write)?;
    let mut answer = Vec::with_capacity(512);
    // Servers that close without close_notify (s_server, some Node
    // versions) end the stream with an error after the whole answer.
    let read = tls.read_to_end(&mut answer).await;
    if answer.is_empty() {
        return Err(if read.is_err() {
            Failure::Read
        } else {
            Failure::Status
        });
    }
    status_ok(&answer)
}

fn status_ok(answer: &[u8]) -> Result<(), Failure> {
    let line = answer.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    if line.starts_with("HTTP/1.") && line.split_whitespace().nth(1) == Some("200") {
        Ok(())
    } else {
        Err(Failure::Status)
    }
}

async fn keep_alive_worker(
    connector: &TlsConnector,
    address: SocketAddr,
    name: ServerName<'static>,
    path: &str,
    deadline: Instant,
) -> Outcome {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let mut ok = Vec::new();
    let mut failed = BTreeMap::new();
    'connections: while Instant::now() < deadline {
        let Ok(tcp) = TcpStream::connect(address).await else {
            *failed.entry(Failure::Connect).or_default() += 1;
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let Ok(mut tls) = connector.connect(name.clone(), tcp).await else {
            *failed.entry(Failure::Handshake).or_default() += 1;
            continue;
        };
        let mut buffer = Vec::with_capacity(4096);
        while Instant::now() < deadline {
            let started = Instant::now();
            if tls.write_all(request.as_bytes()).await.is_err() {
                *failed.entry(Failure::Write).or_default() += 1;
                continue 'connections;
            }
            match read_response(&mut tls, &mut buffer).await {
                Ok(()) => ok.push(started.elapsed()),
                Err(kind) => {
                    *failed.entry(kind).or_default() += 1;
                    continue 'connections;
                }
            }
        }
        let _ = tls.shutdown().await;
    }
    (ok, failed)
}

/// Reads one response with a Content-Length body; leftover bytes stay in
/// `buffer` for the next one.
async fn read_response<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
    buffer: &mut Vec<u8>,
) -> Result<(), Failure> {
    loop {
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            let head =
                String::from_utf8_lossy(buffer.get(..end).unwrap_or_default()).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .ok_or(Failure::Status)?;
            let total = end + 4 + length;
            if buffer.len() >= total {
                status_ok(buffer)?;
                buffer.drain(..total);
                return Ok(());
            }
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.map_err(|_| Failure::Read)?;
        if n == 0 {
            return Err(Failure::Read);
        }
        buffer.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn idle(args: &Args, connector: TlsConnector, n: usize) {
    let Ok(name) = ServerName::try_from(args.name.clone()) else {
        eprintln!("certplay-bench: --name {} is not a server name", args.name);
        return;
    };
    let before = args.pid.and_then(usage);
    let mut held = Vec::new();
    let mut failed = 0u64;
    for _ in 0..n {
        let Ok(tcp) = TcpStream::connect(args.connect).await else {
            failed += 1;
            continue;
        };
        match connector.connect(name.clone(), tcp).await {
            Ok(tls) => held.push(tls),
            Err(_) => failed += 1,
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = args.pid.and_then(usage);
    println!("{} idle mTLS connections held, {failed} failed", held.len());
    if let (Some((_, rss0)), Some((_, rss1))) = (before, after) {
        println!(
            "server RSS: {rss0} KiB before, {rss1} KiB with them ({:.1} KiB each)",
            (rss1.saturating_sub(rss0)) as f64 / held.len().max(1) as f64
        );
    }
}
