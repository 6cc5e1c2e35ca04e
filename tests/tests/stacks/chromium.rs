//! Chromium's verdict on each case, by a real HTTPS load: every case's
//! chain is served exactly as crafted (a rustls listener on its own
//! loopback port that sends the leaf and the intermediate and checks
//! nothing), one headless Chromium trusts every case's root through the
//! NSS database in its `$HOME/.pki/nssdb` (where Chrome and Edge on Linux
//! read the roots a person adds), and loads `https://localhost:PORT/` of
//! each case in turn. It either shows the case's page or an interstitial
//! with the `NET::ERR_CERT_*` it refused the chain for.
//!
//! The cases give each root and intermediate a name of its own, so one
//! Chromium with every root trusted builds each chain only through its own
//! case's CAs.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use certplay_tests::page::{chromium_with, Listening};
use fantoccini::Client;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::ServerConfig;
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use serde_json::json;

use super::{Said, Verdicts};

/// What the page of a case that loads says.
fn marker(case: &str) -> String {
    format!("certplay stacks: {case} loaded")
}

fn pems(file: &Path) -> Vec<pem::Pem> {
    let text = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    pem::parse_many(text).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Serves the case in `dir` on a free loopback port: `leaf.pem` then
/// `chain.pem` as the server's chain, signed for by `leaf.key`, whatever
/// they hold. Each connection gets one answer. The listener lives as long
/// as the test. (curl loads the same, in stacks.rs.)
pub fn serve(dir: &Path, case: &str) -> u16 {
    let chain: Vec<CertificateDer<'static>> = pems(&dir.join("leaf.pem"))
        .into_iter()
        .chain(pems(&dir.join("chain.pem")))
        .map(|p| CertificateDer::from(p.into_contents()))
        .collect();
    let key = pems(&dir.join("leaf.key")).remove(0).into_contents();
    let key = PrivateKeyDer::try_from(key).expect("leaf.key is PKCS#8");
    let provider = Arc::new(certplay_server::Crypto::default().provider());
    let signing = provider
        .key_provider
        .load_private_key(key)
        .expect("rustls signs with the leaf's key");
    // CertifiedKey::new checks nothing: the chain goes out as crafted.
    let resolver = SingleCertAndKey::from(CertifiedKey::new(chain, signing));
    let config = Arc::new(
        ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS 1.2 and 1.3")
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(resolver)),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    let page = marker(case);
    std::thread::spawn(move || {
        for tcp in listener.incoming().map_while(Result::ok) {
            let config = config.clone();
            let page = page.clone();
            std::thread::spawn(move || answer(&config, tcp, &page));
        }
    });
    port
}

/// One HTTP/1.1 answer over TLS; a client that refuses the chain ends the
/// handshake, which ends this too.
fn answer(config: &Arc<ServerConfig>, tcp: TcpStream, page: &str) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(20)));
    let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let mut request = Vec::new();
    let mut buffer = [0u8; 2048];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let body = format!("<!doctype html><title>{page}</title><p id=loaded>{page}</p>");
    let _ = write!(
        tls,
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

fn certutil(nssdb: &Path, args: &[&str]) -> std::process::Output {
    Command::new("certutil")
        .arg("-d")
        .arg(format!("sql:{}", nssdb.display()))
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run certutil: {e}; cargo xtask setup installs it (apt-get install \
                 libnss3-tools)"
            )
        })
}

/// The `NET::ERR_...` an error page names, from its text.
fn net_error(text: &str) -> Option<String> {
    let at = text.find("ERR_")?;
    let code: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
        .collect();
    Some(format!("net::{code}"))
}

/// What a tab shows: the case's page (accepted), an error page naming
/// its `NET::ERR_*` (refused), or nothing yet.
async fn shown(client: &Client, case: &str) -> Option<Said> {
    let text = client
        .execute(
            "return document.body ? document.body.innerText : ''",
            Vec::new(),
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    if text.contains(&marker(case)) {
        return Some(Said {
            accepted: true,
            detail: String::new(),
        });
    }
    net_error(&text).map(|code| Said {
        accepted: false,
        detail: code,
    })
}

/// How many cases load at once, each in its own tab: Chromium holds a
/// certificate error's page back for about 3 s after ERR_CERT_INVALID,
/// so loads one after another would wait that long for most refused
/// cases.
const TABS: usize = 20;

/// Loads `https://localhost:PORT/` of every case, [`TABS`] tabs at a
/// time: accepted when the case's page shows, refused with the error the
/// page names. The page load strategy is `none`, so a navigation returns
/// at once and the tabs are read in turn.
async fn load_all(client: &Client, sites: &[(&str, u16)]) -> Verdicts {
    let mut out = Verdicts::new();
    let first = client.window().await.expect("the session's window");
    for batch in sites.chunks(TABS) {
        let mut open = Vec::new();
        for (case, port) in batch {
            client
                .switch_to_window(first.clone())
                .await
                .expect("the session's window");
            let tab = client.new_window(true).await.expect("a new tab").handle;
            client
                .switch_to_window(tab.clone())
                .await
                .expect("the new tab");
            let url = format!("https://localhost:{port}/");
            if let Err(e) = client.goto(&url).await {
                panic!("Chromium did not start loading {url}: {e}");
            }
            open.push((*case, tab, Instant::now()));
        }
        while !open.is_empty() {
            let mut still = Vec::new();
            for (case, tab, since) in open {
                client
                    .switch_to_window(tab.clone())
                    .await
                    .expect("switching tabs");
                if let Some(said) = shown(client, case).await {
                    client.close_window().await.expect("closing the tab");
                    out.insert(case.to_owned(), said);
                } else {
                    assert!(
                        since.elapsed() < Duration::from_secs(30),
                        "Chromium showed neither {case}'s page nor an error in 30 s"
                    );
                    still.push((case, tab, since));
                }
            }
            open = still;
            if !open.is_empty() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    out
}

/// Chromium's verdict on every case folder `names` below `cases`.
pub fn verdicts(cases: &Path, names: &[&str]) -> Verdicts {
    let home = tempfile::tempdir().expect("a home for Chromium");
    let nssdb = home.path().join(".pki/nssdb");
    std::fs::create_dir_all(&nssdb).unwrap();
    let made = certutil(&nssdb, &["-N", "--empty-password"]);
    assert!(made.status.success(), "certutil -N: {made:?}");
    let mut untrusted = Vec::new();
    for name in names {
        let root = cases.join(name).join("anchors.pem");
        let added = certutil(
            &nssdb,
            &[
                "-A",
                "-n",
                &format!("certplay stacks {name}"),
                "-t",
                "C,,",
                "-i",
                root.to_str().unwrap(),
            ],
        );
        if !added.status.success() {
            // NSS cannot take it as a root: Chromium on Linux cannot be
            // made to trust it, which the load below shows.
            untrusted.push((
                *name,
                String::from_utf8_lossy(&added.stderr).trim().to_owned(),
            ));
        }
    }
    let ports: Vec<u16> = names
        .iter()
        .map(|name| serve(&cases.join(name), name))
        .collect();
    let driver = Listening::chromedriver_with_home(home.path());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    runtime.block_on(async {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("acceptInsecureCerts".into(), json!(false));
        capabilities.insert("pageLoadStrategy".into(), json!("none"));
        let profile = home.path().join("profile");
        let client = chromium_with(&driver, &profile, &[], None, capabilities).await;
        let sites: Vec<(&str, u16)> = names.iter().copied().zip(ports).collect();
        let mut out = load_all(&client, &sites).await;
        for (name, why) in untrusted {
            if let Some(said) = out.get_mut(name) {
                said.detail = format!("{} (certutil could not add the root: {why})", said.detail);
            }
        }
        let _ = client.close().await;
        eprintln!(
            "chromium: {} loads in one Chromium, with its start, in {:.1} s",
            names.len(),
            started.elapsed().as_secs_f64()
        );
        out
    })
}
