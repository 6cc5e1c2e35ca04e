//! The whole journey in a real headless Chromium, driven over WebDriver: the
//! page served by `certplay serve`, a preset picked and edited, one button
//! pressed, the files downloaded through the browser's own download path, a
//! second `certplay serve` started with them as the page says, real curl with
//! each client's chain and key, and the page's certplay-plan.toml issued
//! again by `certplay issue --plan`. Then the artifacts the page makes in
//! its tools worker: PKCS#12 files (modern and legacy) opened by openssl and
//! presented by curl, a CRL that `certplay serve --crl` honours, DER files,
//! a CSR made and one signed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use certplay_core::read::Certificate;
use certplay_core::{read_certificates, Plan, Source};
use certplay_tests::page::{
    click, open_lab, open_page, paste, select, shown, text, wait_for_text, wait_until_issued,
    Listening, Session,
};
use certplay_tests::s_server::{curl_status, let_in, showcerts, SServer};
use certplay_tests::{
    certplay, check_p12, curl, curl_with_client_cert, curl_with_p12, issue_other_ca, leading_port,
    run, stderr, stdout, temp_dir, Server, COMPANY_PKI,
};
use fantoccini::{Client, Locator};
use serde_json::json;

const ZIP_NAME: &str = "certplay-pki.zip";
/// The files of the blog's set (what one click on Issue gives).
const BLOG_FILE_NAMES: [&str; 7] = [
    "ca.crt",
    "ca.key",
    "server.crt",
    "server.key",
    "client.crt",
    "client.key",
    "certplay-plan.toml",
];

/// What one round does in the page.
struct Round {
    /// The `#preset` value.
    preset: &'static str,
    /// Clicks on "Add a client".
    added_clients: usize,
    /// The `#key-type` value.
    key_type: &'static str,
}

/// Whether `name` (or Chromium's partial file of it) appears in `dir`
/// within `within`.
fn download_started(dir: &Path, name: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let started = std::fs::read_dir(dir)
            .expect("the download directory")
            .flatten()
            .any(|e| {
                let file = e.file_name().to_string_lossy().into_owned();
                file == name || file.ends_with(".crdownload")
            });
        if started {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Waits until every file in `names` is completely downloaded into `dir`.
/// Chromium reserves a download's name with an empty file beside its
/// `.crdownload`, and the two need not appear at once: an empty file is not
/// a download yet (taking one made openssl fail on a PKCS#12 of 0 bytes,
/// saying nothing).
fn wait_for_downloads(dir: &Path, names: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let arrived = |name: &str| std::fs::metadata(dir.join(name)).is_ok_and(|m| m.len() > 0);
    loop {
        let partial = std::fs::read_dir(dir)
            .expect("the download directory")
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"));
        if !partial && names.iter().all(|n| arrived(n)) {
            return;
        }
        let present: Vec<_> = std::fs::read_dir(dir)
            .expect("the download directory")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert!(
            Instant::now() < deadline,
            "downloads did not arrive; present: {present:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One round: pick the preset, add clients, pick the key type, issue in the
/// page, download everything, serve it, curl it with every client, issue
/// the plan again on the command line. Returns where the files went.
async fn journey(client: &Client, page_url: &str, downloads: &Path, round: &Round) -> PathBuf {
    let issue = open_page(client, page_url).await;
    let ca_cn = client
        .find(Locator::Id("entry-0-cn"))
        .await
        .expect("#entry-0-cn");
    assert_eq!(
        ca_cn.prop("value").await.expect("value").as_deref(),
        Some("my-ca")
    );

    // Edit the plan as a person would.
    select(client, "preset", round.preset).await;
    for _ in 0..round.added_clients {
        click(client, "add-client").await;
    }
    select(client, "key-type", round.key_type).await;
    issue.click().await.expect("pressing Issue");
    wait_until_issued(client).await;

    // What the page shows was read back from the certificates.
    assert_eq!(text(client, "ca-subject").await, "CN=my-ca");
    let sans = text(client, "server-sans").await;
    for san in ["localhost", "127.0.0.1", "::1"] {
        assert!(sans.contains(san), "server SANs shown: {sans}");
    }
    assert!(text(client, "client-eku").await.contains("clientAuth"));
    let serve_line = text(client, "next-serve").await;
    let curl_lines = text(client, "next-curl").await;
    let curl_lines: Vec<&str> = curl_lines.lines().collect();
    assert_eq!(curl_lines.len(), 1 + round.added_clients, "{curl_lines:?}");

    // Download every file the page offers through the browser's real
    // download path, and the zip.
    let dir = downloads.join(format!("{}-{}", round.preset, round.key_type));
    let names = download_everything(client, downloads, &dir).await;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    if round.preset == "blog" && round.added_clients == 0 {
        let mut offered: Vec<&str> = names.iter().copied().filter(|n| *n != ZIP_NAME).collect();
        offered.sort_unstable();
        let mut blog = BLOG_FILE_NAMES.to_vec();
        blog.sort_unstable();
        assert_eq!(offered, blog);
    }

    // The zip holds the same files, byte for byte.
    let zip = std::fs::File::open(dir.join(ZIP_NAME)).expect("the zip");
    let mut archive = zip::ZipArchive::new(zip).expect("a readable zip");
    assert_eq!(archive.len(), names.len() - 1);
    for name in names.iter().filter(|n| **n != ZIP_NAME) {
        let mut entry = archive
            .by_name(name)
            .unwrap_or_else(|e| panic!("{name} in the zip: {e}"));
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).expect("reading from the zip");
        assert_eq!(
            bytes,
            std::fs::read(dir.join(name)).expect("a download"),
            "{name}"
        );
    }

    // The page's inspector reads a downloaded file in its reader worker
    // (its own wasm, loaded on this first use).
    let server_pem = std::fs::read_to_string(dir.join("server.crt")).expect("server.crt");
    let server_subject = first_cert(&dir.join("server.crt")).subject.to_string();
    paste(client, "inspect-input", &server_pem).await;
    click(client, "inspect-run").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let summary = loop {
        let status = text(client, "inspect-status").await;
        if status.starts_with("pasted text:") || status.contains("did not start") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the inspector showed only {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        summary.starts_with("pasted text: 1 certificate(s)"),
        "{summary}"
    );
    let shown = text(client, "inspect-output").await;
    let common_name = server_subject.trim_start_matches("CN=");
    assert!(
        shown.contains("Subject: ") && shown.contains(common_name),
        "the inspector's text for {server_subject}:\n{shown}"
    );

    // Run the page's command (on a free port instead of 3001) and each curl.
    let server = Server::start(&dir, &without_port(&serve_line, 2));
    for line in &curl_lines {
        let mut args = without_port_url(line);
        let url = server.url();
        args.push(&url);
        let ok = curl(&dir, &args);
        assert_eq!(
            stdout(&ok),
            "Hello World\n",
            "{line}: {}\nlog:\n{}",
            stderr(&ok),
            server.log()
        );
    }
    server.wait_for_log("accepted CN=");
    let without = curl(&dir, &["--cacert", "ca.crt", &server.url()]);
    assert!(
        !without.status.success(),
        "curl without a client certificate succeeded"
    );
    server.wait_for_log("no client certificate");

    // The plan file issues the same shape on the command line.
    let cli = dir.join("cli");
    let out = certplay(
        &dir,
        &["issue", "--plan", "certplay-plan.toml", "--out", "cli"],
    );
    assert!(
        out.status.success(),
        "certplay issue --plan: {}",
        stderr(&out)
    );
    let plan = Plan::from_toml(
        &std::fs::read_to_string(dir.join("certplay-plan.toml")).expect("the plan file"),
    )
    .expect("the page's plan reads");
    for entry in &plan.entries {
        let name = format!("{}.crt", entry.name);
        let (page, again) = (first_cert(&dir.join(&name)), first_cert(&cli.join(&name)));
        assert_eq!(page.subject, again.subject, "{name}");
        assert_eq!(
            page.subject_alt_names(),
            again.subject_alt_names(),
            "{name}"
        );
        assert_eq!(
            page.extended_key_usage(),
            again.extended_key_usage(),
            "{name}"
        );
        assert_eq!(page.key_usage(), again.key_usage(), "{name}");
        assert_eq!(
            page.basic_constraints(),
            again.basic_constraints(),
            "{name}"
        );
        assert_eq!(page.public_key.kind, again.public_key.kind, "{name}");
        assert_eq!(
            page.not_after.0 - page.not_before.0,
            again.not_after.0 - again.not_before.0,
            "{name}: validity length"
        );
    }
    dir
}

/// The arguments of a shown command after its first `skip` words, without
/// `--port N`, plus `--no-page`.
fn without_port(line: &str, skip: usize) -> Vec<&str> {
    let args: Vec<&str> = line.split_whitespace().skip(skip).collect();
    let port_at = args
        .iter()
        .position(|a| *a == "--port")
        .expect("--port in the command");
    args.iter()
        .enumerate()
        .filter(|(i, _)| *i != port_at && *i != port_at + 1)
        .map(|(_, a)| *a)
        .chain(["--no-page"])
        .collect()
}

/// A shown curl line's options, without "curl" and the URL.
fn without_port_url(line: &str) -> Vec<&str> {
    let mut args: Vec<&str> = line.split_whitespace().skip(1).collect();
    assert!(
        args.pop()
            .is_some_and(|url| url.starts_with("https://localhost:")),
        "{line}"
    );
    args
}

fn first_cert(path: &Path) -> Certificate {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path.display().to_string();
    read_certificates(Source::new(&name, &bytes))
        .unwrap_or_else(|e| panic!("{e}"))
        .swap_remove(0)
        .info
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_in_the_page_download_serve_and_curl() {
    let Session {
        client,
        page_url,
        downloads,
        ..
    } = &Session::start().await;
    let rounds = [
        Round {
            preset: "intermediate",
            added_clients: 1,
            key_type: "p384",
        },
        Round {
            preset: "blog",
            added_clients: 0,
            key_type: "rsa2048",
        },
    ];
    for round in &rounds {
        journey(client, page_url, downloads.path(), round).await;
    }
    client.clone().close().await.expect("closing the browser");
}

/// The password typed for the page's PKCS#12 files.
const P12_PASSWORD: &str = "page secret 7";

/// Clicks `#button`, waits for the download `name` and moves it into `dir`
/// as `keep_as`.
async fn download(client: &Client, button: &str, downloads: &Path, name: &str, keep_as: &Path) {
    click(client, button).await;
    wait_for_downloads(downloads, &[name]);
    std::fs::rename(downloads.join(name), keep_as).expect("moving a download");
}

/// Downloads each of `names` with its own button (`#download-NAME`, dots
/// as dashes) into `dir`, one at a time: Chromium drops a download now and
/// then when a page starts many at once.
async fn download_files(client: &Client, downloads: &Path, names: &[&str], dir: &Path) {
    for name in names {
        let button = format!("download-{}", name.replace('.', "-"));
        download(client, &button, downloads, name, &dir.join(name)).await;
    }
}

/// Clicks every file the results offer (`#result button[data-file]`, one
/// at a time), then the zip, waits for all and moves them into `dir`.
/// Returns the names offered, the zip's last.
async fn download_everything(client: &Client, downloads: &Path, dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for button in client
        .find_all(Locator::Css("#result button[data-file]"))
        .await
        .expect("the download buttons")
    {
        names.push(
            button
                .attr("data-file")
                .await
                .expect("data-file")
                .expect("a file name"),
        );
        button.click().await.expect("clicking a download");
        // Chromium drops a download now and then when a page starts many
        // at once: one at a time, each complete before the next click, and
        // a click whose file never starts is made once more.
        let name = names.last().expect("a name").as_str();
        if !download_started(downloads, name, Duration::from_secs(10)) {
            button.click().await.expect("clicking a download again");
        }
        wait_for_downloads(downloads, &[name]);
    }
    click(client, "download-zip").await;
    names.push(ZIP_NAME.to_owned());
    let waited: Vec<&str> = names.iter().map(String::as_str).collect();
    wait_for_downloads(downloads, &waited);
    std::fs::create_dir_all(dir).expect("a directory for the downloads");
    for name in &names {
        std::fs::rename(downloads.join(name), dir.join(name)).expect("moving a download");
    }
    names
}

/// A card's tool finished: its status line says so, or the test fails with
/// the error shown next to it.
async fn tool_status(client: &Client, entry: &str) -> String {
    let status = format!("{entry}-tool-status");
    let error = format!("{entry}-tool-error");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let said = text(client, &status).await;
        if !said.is_empty() {
            return said;
        }
        let failed = text(client, &error).await;
        assert!(failed.is_empty(), "#{error}: {failed}");
        assert!(Instant::now() < deadline, "#{status} stayed empty");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn ok(output: &std::process::Output, what: &str) -> String {
    assert!(output.status.success(), "{what}: {}", stderr(output));
    stdout(output)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pkcs12_crl_der_and_csrs_from_the_page_work_with_openssl_curl_and_serve() {
    let session = Session::start().await;
    let (client, downloads) = (&session.client, session.downloads.path());
    let dir = temp_dir();
    let dir = dir.path();
    let issue = open_page(client, &session.page_url).await;

    // The server's key is one of the person's own: openssl's SEC1 EC key.
    // Something else pasted is refused, in words that say what it is.
    let openssl = |args: &[&str]| ok(&run(dir, "openssl", args), &args.join(" "));
    openssl(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "alice.key",
        "-out",
        "alice.csr",
        "-subj",
        "/CN=alice",
    ]);
    openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        "own.key",
    ]);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("an openssl file");
    // The key's panel is a closed <details>: open it (what a click on its
    // summary does).
    client
        .execute("document.getElementById('own-key').open = true", vec![])
        .await
        .expect("opening #own-key");
    select(client, "own-key-entry", "server").await;
    paste(client, "own-key-pem", &read("alice.csr")).await;
    click(client, "own-key-use").await;
    let refused = wait_for_text(client, "own-key-error", |t| !t.is_empty()).await;
    assert!(
        refused.contains("certificate signing request") && refused.contains("not a private key"),
        "{refused}"
    );
    paste(client, "own-key-pem", &read("own.key")).await;
    click(client, "own-key-use").await;
    let said = wait_for_text(client, "own-key-status", |t| !t.is_empty()).await;
    assert!(said.contains("server (ECDSA P-256"), "{said}");

    issue.click().await.expect("pressing Issue");
    wait_until_issued(client).await;

    // The cards say what the certificates say, read back by the worker.
    assert_eq!(text(client, "ca-issuer").await, "CN=my-ca (self-signed)");
    assert_eq!(text(client, "server-eku").await, "serverAuth");
    assert_eq!(text(client, "client-basic-constraints").await, "CA:FALSE");
    download_files(
        client,
        downloads,
        &["ca.crt", "server.crt", "server.key"],
        dir,
    )
    .await;
    let serve_line = text(client, "next-serve").await;
    assert_eq!(
        openssl(&["x509", "-in", "server.crt", "-noout", "-pubkey"]),
        openssl(&["pkey", "-in", "own.key", "-pubout"]),
        "server.crt is issued for the person's own key"
    );

    // No default password: an empty one is refused next to the button.
    click(client, "p12-client").await;
    let refused = wait_for_text(client, "client-tool-error", |t| !t.is_empty()).await;
    assert!(refused.contains("empty"), "{refused}");

    // The typed password, both encodings; openssl opens each.
    shown(client, "client-p12-password")
        .await
        .send_keys(P12_PASSWORD)
        .await
        .expect("typing the password");
    for (encoding, legacy) in [("modern", false), ("legacy", true)] {
        select(client, "client-p12-encoding", encoding).await;
        let file = format!("client-{encoding}.p12");
        download(
            client,
            "p12-client",
            downloads,
            "client.p12",
            &dir.join(&file),
        )
        .await;
        let said = tool_status(client, "client").await;
        eprintln!("page: {said}");
        assert!(
            said.starts_with(&format!("client.p12 ({encoding})")),
            "{said}"
        );
        check_p12(dir, &file, P12_PASSWORD, legacy);
    }

    // The page's serve command (on a free port) and curl with the PKCS#12.
    let serve_args = without_port(&serve_line, 2);
    let server = Server::start(dir, &serve_args);
    let answer = curl_with_p12(dir, "client-modern.p12", P12_PASSWORD, &server.url());
    assert_eq!(stdout(&answer), "Hello World\n", "{}", stderr(&answer));
    drop(server);

    // Revoke the client; the CA's CRL lists it and serve --crl refuses it.
    select(client, "client-revoke-reason", "keyCompromise").await;
    click(client, "revoke-client").await;
    let said = wait_for_text(client, "client-tool-status", |t| t.starts_with("revoked")).await;
    assert!(said.contains("ca.crl"), "{said}");
    download(client, "crl-ca", downloads, "ca.crl", &dir.join("ca.crl")).await;
    let said = tool_status(client, "ca").await;
    assert!(said.starts_with("ca.crl: 1 revoked"), "{said}");
    let crl = ok(
        &run(dir, "openssl", &["crl", "-in", "ca.crl", "-noout", "-text"]),
        "openssl crl",
    );
    assert!(crl.contains("Key Compromise"), "{crl}");
    let serve_args: Vec<&str> = serve_args.into_iter().chain(["--crl", "ca.crl"]).collect();
    let server = Server::start(dir, &serve_args);
    let refused = curl_with_p12(dir, "client-modern.p12", P12_PASSWORD, &server.url());
    assert!(
        !stdout(&refused).contains("Hello World"),
        "the revoked client was served"
    );
    server.wait_for_log("revoked: CN=my-client");
    drop(server);

    // DER files and a CSR made with the client's key.
    for (button, name, check) in [
        (
            "cert-der-client",
            "client.crt.der",
            ["x509", "-inform", "DER"],
        ),
        (
            "key-der-client",
            "client.key.der",
            ["pkey", "-inform", "DER"],
        ),
        (
            "make-csr-client",
            "client.csr",
            ["req", "-verify", "-inform"],
        ),
    ] {
        download(client, button, downloads, name, &dir.join(name)).await;
        let mut args = check.to_vec();
        if name.ends_with(".csr") {
            args.push("PEM");
        }
        args.extend(["-noout", "-in", name]);
        ok(&run(dir, "openssl", &args), name);
    }

    // Sign the CSR made by openssl above with the set's CA, as a client,
    // valid for the 45 days typed into the panel.
    paste(client, "csr-input", &read("alice.csr")).await;
    select(client, "csr-profile", "client").await;
    paste(client, "csr-days", "45").await;
    download(
        client,
        "csr-sign",
        downloads,
        "signed.crt",
        &dir.join("alice.crt"),
    )
    .await;
    let report = text(client, "csr-report").await;
    assert!(report.contains("kept    subject: CN=alice"), "{report}");
    assert!(report.contains("TLS Web Client Authentication"), "{report}");
    ok(
        &run(
            dir,
            "openssl",
            &["verify", "-CAfile", "ca.crt", "alice.crt"],
        ),
        "openssl verify alice.crt",
    );
    let dates = ok(
        &run(
            dir,
            "openssl",
            &[
                "x509",
                "-in",
                "alice.crt",
                "-noout",
                "-startdate",
                "-enddate",
            ],
        ),
        "openssl x509 -dates",
    );
    let date = |field: &str| {
        let value = dates
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .unwrap_or_else(|| panic!("no {field} in {dates}"));
        time::PrimitiveDateTime::parse(
            value.trim(),
            time::macros::format_description!(
                "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year] GMT"
            ),
        )
        .unwrap_or_else(|e| panic!("{value}: {e}"))
    };
    // 45 days from now; notBefore is an hour back for slow clocks.
    assert_eq!(
        date("notAfter=") - date("notBefore="),
        time::Duration::days(45) + time::Duration::hours(1),
        "{dates}"
    );

    // One click opens a certificate in the inspector.
    click(client, "inspect-server").await;
    let summary = wait_for_text(client, "inspect-status", |t| t.starts_with("server.crt:")).await;
    assert!(
        summary.starts_with("server.crt: 1 certificate(s)"),
        "{summary}"
    );

    session.close().await;
}

/// A plain static file server in Node (`node -e STATIC_SERVER DIR`): the
/// page served by something other than certplay serve, on a port the
/// kernel picks (it prints `listening on 127.0.0.1:PORT`).
const STATIC_SERVER: &str = r#"
const [dir] = process.argv.slice(1);
const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
const server = require("http").createServer((request, response) => {
  const name = request.url.split("?")[0] === "/" ? "/index.html" : request.url.split("?")[0];
  const file = require("path").join(dir, name);
  require("fs").readFile(file, (error, body) => {
    if (error) { response.writeHead(404); response.end("not found"); return; }
    const type = types[require("path").extname(file)] || "application/octet-stream";
    response.writeHead(200, { "content-type": type });
    response.end(body);
  });
});
server.listen(0, "127.0.0.1", () => console.log(`listening on 127.0.0.1:${server.address().port}`));
"#;

/// Issue 9: the page loads what it issued into the `certplay serve` that
/// served it (one click), curl with the downloaded client files is
/// accepted by that very server, and the live panel shows the accepted
/// connection and a refused one (no client certificate) with its reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_these_in_my_local_server_then_curl_shows_in_the_live_panel() {
    let session = Session::issued().await;
    let client = &session.client;
    let playground = &session.playground.server;
    let dir = temp_dir();
    let files = ["ca.crt", "client.crt", "client.key"];
    download_files(client, session.downloads.path(), &files, dir.path()).await;

    // Before the click, the playground trusts only its demo CA.
    let url = playground.url();
    let before = curl_with_client_cert(dir.path(), &url);
    assert!(
        !before.status.success(),
        "the page's set worked before it was loaded"
    );

    click(client, "live-load-button").await;
    let loaded = wait_for_text(client, "live-load-result", |s| {
        s.starts_with("Loaded") || s.contains("refused")
    })
    .await;
    assert!(
        loaded.starts_with("Loaded ca.crt, server.crt, server.key")
            && loaded.contains("presents CN=localhost")
            && loaded.contains("issued by CN=my-ca"),
        "{loaded}\nlog:\n{}",
        playground.log()
    );
    playground.wait_for_log("page: loaded the page's certificates");
    // The panel's curl line (core's one builder of printed commands), run
    // as printed.
    let printed = loaded
        .split("Try it: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("no curl line in: {loaded}"));
    let ran = run(
        dir.path(),
        "sh",
        &["-c", &format!("{printed} --max-time 20")],
    );
    assert_eq!(stdout(&ran), "Hello World\n", "{printed}: {}", stderr(&ran));

    let ok = curl_with_client_cert(dir.path(), &url);
    assert_eq!(
        stdout(&ok),
        "Hello World\n",
        "curl: {}\nlog:\n{}",
        stderr(&ok),
        playground.log()
    );
    wait_for_text(client, "live-events", |s| {
        s.contains("accepted (CN=my-client)")
    })
    .await;

    let without = curl(dir.path(), &["--cacert", "ca.crt", &url]);
    assert!(
        !without.status.success(),
        "curl without a client certificate succeeded"
    );
    // Newest first: the refusal, with its reason in words, on top. (The
    // curl before the load was refused too, for another reason: wait for
    // this one, not that.)
    let events = wait_for_text(client, "live-events", |s| {
        s.lines()
            .next()
            .is_some_and(|newest| newest.contains("refused (no client certificate): no client"))
    })
    .await;
    let newest = events.lines().next().unwrap_or_default();
    assert!(
        newest.contains(
            "refused (no client certificate): no client certificate: the client \
                         sent none and this server requires one"
        ),
        "{events}"
    );

    // The same page from a plain file server (not certplay serve): the
    // live panel says so instead of failing silently.
    let page_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/certplay-page");
    let dir = page_dir.display().to_string();
    let files = Listening::start("node", &["-e", STATIC_SERVER, &dir], |line| {
        leading_port(line.strip_prefix("listening on 127.0.0.1:")?)
    });
    open_page(client, &format!("http://127.0.0.1:{}/", files.port)).await;
    let status = wait_for_text(client, "live-status", |s| !s.starts_with("Connecting")).await;
    assert!(
        status
            .starts_with("this page is not served by certplay serve (GET /live/token answered 404"),
        "{status}"
    );
    session.close().await;
}

/// Issue 7: a client revoked in the page is refused by the `certplay serve`
/// that served it once "use these in my local server" sends the set (the
/// button sends the CA's CRL too); the other client is still served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_revoked_in_the_page_is_refused_by_the_live_server() {
    let session = Session::issued_from("two-clients").await;
    let client = &session.client;
    let playground = &session.playground.server;
    let dir = temp_dir();
    let files = ["ca.crt", "alice.crt", "alice.key", "bob.crt", "bob.key"];
    download_files(client, session.downloads.path(), &files, dir.path()).await;

    select(client, "alice-revoke-reason", "keyCompromise").await;
    click(client, "revoke-alice").await;
    wait_for_text(client, "alice-tool-status", |t| t.starts_with("revoked")).await;
    click(client, "live-load-button").await;
    let loaded = wait_for_text(client, "live-load-result", |s| {
        s.starts_with("Loaded") || s.contains("refused")
    })
    .await;
    assert!(
        loaded.starts_with("Loaded ca.crt, server.crt, server.key")
            && loaded.contains("checks the CRL of CN=my-ca (CRL 1 (from the page), 1 revoked)"),
        "{loaded}\nlog:\n{}",
        playground.log()
    );

    let url = playground.url();
    let refused = certplay_tests::curl_as(dir.path(), "alice", &url);
    assert!(
        !stdout(&refused).contains("Hello World"),
        "the client revoked in the page was served"
    );
    playground.wait_for_log("revoked: CN=alice");
    let events = wait_for_text(client, "live-events", |s| s.contains("(CN=alice)")).await;
    let newest = events.lines().next().unwrap_or_default();
    assert!(
        newest.contains("refused (CN=alice)") && newest.contains("revoked"),
        "{events}"
    );
    let served = certplay_tests::curl_as(dir.path(), "bob", &url);
    assert_eq!(
        stdout(&served),
        "Hello World\n",
        "bob: {}\nlog:\n{}",
        stderr(&served),
        playground.log()
    );
    session.close().await;
}

/// Upper-case hex without colons or leading zeros, as `openssl crl -text`
/// prints a serial number.
fn openssl_serial(card_serial: &str) -> String {
    card_serial
        .replace(':', "")
        .to_uppercase()
        .trim_start_matches('0')
        .to_owned()
}

/// Issue 7 on an intermediate: revoking it puts it on the root's CRL
/// (PEM and DER, read by `openssl crl` and honoured by `openssl verify
/// -crl_check_all`); its PKCS#12 carries its chain; a certificate signed
/// from a CSR gets a card (fields, DER, what signing did); and the zip
/// "with everything" holds the DER files, CRLs and a PKCS#12 per leaf.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intermediate_revocation_crl_der_ca_p12_signed_card_and_zip_with_everything() {
    let session = Session::issued_from("intermediate").await;
    let (client, downloads) = (&session.client, session.downloads.path());
    let dir = temp_dir();
    let dir = dir.path();
    let openssl = |args: &[&str]| ok(&run(dir, "openssl", args), &args.join(" "));
    let files = ["ca.crt", "intermediate.crt", "client.crt"];
    download_files(client, downloads, &files, dir).await;

    // The root CA has no revoke (nothing above it); the intermediate has.
    let root_revoke = shown(client, "revoke-ca").await;
    assert!(!root_revoke.is_displayed().await.expect("displayed?"));
    select(client, "intermediate-revoke-reason", "cACompromise").await;
    click(client, "revoke-intermediate").await;
    let said = wait_for_text(client, "intermediate-tool-status", |t| {
        t.starts_with("revoked")
    })
    .await;
    assert!(said.contains("ca.crl"), "{said}");

    // The root's CRL as PEM and as DER: the same list, read by openssl.
    download(client, "crl-ca", downloads, "ca.crl", &dir.join("ca.crl")).await;
    download(
        client,
        "crl-der-ca",
        downloads,
        "ca.crl.der",
        &dir.join("ca.crl.der"),
    )
    .await;
    let said = tool_status(client, "ca").await;
    assert!(said.starts_with("ca.crl.der: 1 revoked"), "{said}");
    let serial = openssl_serial(&text(client, "intermediate-serial").await);
    for crl in [
        openssl(&[
            "crl",
            "-inform",
            "DER",
            "-in",
            "ca.crl.der",
            "-noout",
            "-text",
        ]),
        openssl(&["crl", "-in", "ca.crl", "-noout", "-text"]),
    ] {
        assert!(
            crl.contains(&format!("Serial Number: {serial}")),
            "{serial}\n{crl}"
        );
        assert!(crl.contains("CA Compromise"), "{crl}");
    }
    download(
        client,
        "crl-intermediate",
        downloads,
        "intermediate.crl",
        &dir.join("intermediate.crl"),
    )
    .await;
    let crls = [
        std::fs::read_to_string(dir.join("ca.crl")).expect("ca.crl"),
        std::fs::read_to_string(dir.join("intermediate.crl")).expect("intermediate.crl"),
    ]
    .concat();
    std::fs::write(dir.join("crls.pem"), crls).expect("crls.pem");
    let verify = run(
        dir,
        "openssl",
        &[
            "verify",
            "-crl_check_all",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "intermediate.crt",
            "-CRLfile",
            "crls.pem",
            "client.crt",
        ],
    );
    let said = format!("{}{}", stdout(&verify), stderr(&verify));
    assert!(
        !verify.status.success() && said.contains("certificate revoked"),
        "{said}"
    );

    // The intermediate's PKCS#12: its key, its certificate and the root.
    shown(client, "intermediate-p12-password")
        .await
        .send_keys(P12_PASSWORD)
        .await
        .expect("typing the password");
    download(
        client,
        "p12-intermediate",
        downloads,
        "intermediate.p12",
        &dir.join("intermediate.p12"),
    )
    .await;
    check_p12(dir, "intermediate.p12", P12_PASSWORD, false);
    let pass = format!("pass:{P12_PASSWORD}");
    let certs = openssl(&[
        "pkcs12",
        "-in",
        "intermediate.p12",
        "-passin",
        &pass,
        "-nokeys",
    ]);
    assert_eq!(certs.matches("BEGIN CERTIFICATE").count(), 2, "{certs}");
    assert!(certs.contains("subject=CN = my-ca"), "{certs}");

    // A CSR from openssl signed by the intermediate: a card of its own.
    openssl(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "alice.key",
        "-out",
        "alice.csr",
        "-subj",
        "/CN=alice",
        "-addext",
        "subjectAltName=DNS:alice.test",
    ]);
    let csr = std::fs::read_to_string(dir.join("alice.csr")).expect("alice.csr");
    paste(client, "csr-input", &csr).await;
    select(client, "csr-ca", "intermediate").await;
    select(client, "csr-profile", "client").await;
    download(
        client,
        "csr-sign",
        downloads,
        "signed.crt",
        &dir.join("alice.crt"),
    )
    .await;
    wait_for_text(client, "signed-subject", |t| t == "CN=alice").await;
    let issuer = text(client, "intermediate-subject").await;
    assert_eq!(text(client, "signed-issuer").await, issuer);
    assert!(text(client, "signed-sans").await.contains("alice.test"));
    let card = text(client, "card-signed").await;
    assert!(card.contains("kept    subject: CN=alice"), "{card}");
    download(
        client,
        "cert-der-signed",
        downloads,
        "signed.crt.der",
        &dir.join("signed.crt.der"),
    )
    .await;
    assert_eq!(
        openssl(&[
            "x509",
            "-inform",
            "DER",
            "-in",
            "signed.crt.der",
            "-noout",
            "-pubkey"
        ]),
        openssl(&["pkey", "-in", "alice.key", "-pubout"]),
    );

    // The zip with everything: no default password, then the typed one.
    click(client, "zip-everything").await;
    click(client, "download-zip").await;
    let refused = wait_for_text(client, "zip-error", |t| !t.is_empty()).await;
    assert!(refused.contains("empty"), "{refused}");
    client
        .find(Locator::Id("zip-p12-password"))
        .await
        .expect("#zip-p12-password")
        .send_keys(P12_PASSWORD)
        .await
        .expect("typing the password");
    download(
        client,
        "download-zip",
        downloads,
        ZIP_NAME,
        &dir.join(ZIP_NAME),
    )
    .await;
    let zip = std::fs::File::open(dir.join(ZIP_NAME)).expect("the zip");
    let mut archive = zip::ZipArchive::new(zip).expect("a readable zip");
    let mut names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    names.sort();
    for name in [
        "ca.crt.der",
        "ca.key.der",
        "ca.crl",
        "ca.crl.der",
        "intermediate.crl.der",
        "intermediate.key.der",
        "server.p12",
        "client.p12",
        "client.crt.der",
        "signed.crt",
        "signed.crt.der",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
    }
    assert!(!names
        .iter()
        .any(|n| n == "ca.p12" || n == "intermediate.p12"));
    for name in ["client.p12", "ca.crl.der"] {
        let mut entry = archive.by_name(name).expect("in the zip");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).expect("reading the zip");
        std::fs::write(dir.join(format!("zipped-{name}")), bytes).expect("writing");
    }
    check_p12(dir, "zipped-client.p12", P12_PASSWORD, false);
    let crl = openssl(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        "zipped-ca.crl.der",
        "-noout",
        "-text",
    ]);
    assert!(crl.contains(&format!("Serial Number: {serial}")), "{crl}");
    session.close().await;
}

/// Issue 7: an encrypted PKCS#8 key from openssl imports in the page with
/// its password (the tools worker decrypts it), and the certificate issued
/// next carries that key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encrypted_pkcs8_key_imports_in_the_page_with_its_password() {
    let session = Session::start().await;
    let (client, downloads) = (&session.client, session.downloads.path());
    let dir = temp_dir();
    let dir = dir.path();
    let openssl = |args: &[&str]| ok(&run(dir, "openssl", args), &args.join(" "));
    openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-aes-256-cbc",
        "-pass",
        "pass:key secret",
        "-out",
        "enc.key",
    ]);
    let key = std::fs::read_to_string(dir.join("enc.key")).expect("enc.key");
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    let issue = open_page(client, &session.page_url).await;
    client
        .execute("document.getElementById('own-key').open = true", vec![])
        .await
        .expect("opening #own-key");
    select(client, "own-key-entry", "client").await;
    paste(client, "own-key-pem", &key).await;
    let password = client
        .find(Locator::Id("own-key-password"))
        .await
        .expect("#own-key-password");
    for (typed, error) in [
        ("", "give its password"),
        ("wrong", "the password does not decrypt this key"),
    ] {
        password.clear().await.expect("clearing the password");
        if !typed.is_empty() {
            password.send_keys(typed).await.expect("typing");
        }
        // Each attempt starts from an empty error slot.
        client
            .execute(
                "document.getElementById('own-key-error').textContent = ''",
                vec![],
            )
            .await
            .expect("clearing #own-key-error");
        click(client, "own-key-use").await;
        let refused = wait_for_text(client, "own-key-error", |t| !t.is_empty()).await;
        assert!(refused.contains(error), "{typed:?}: {refused}");
    }
    password.clear().await.expect("clearing the password");
    password.send_keys("key secret").await.expect("typing");
    click(client, "own-key-use").await;
    let said = wait_for_text(client, "own-key-status", |t| !t.is_empty()).await;
    assert!(said.contains("client (ECDSA P-256"), "{said}");

    issue.click().await.expect("pressing Issue");
    wait_until_issued(client).await;
    download(
        client,
        "download-client-crt",
        downloads,
        "client.crt",
        &dir.join("client.crt"),
    )
    .await;
    assert_eq!(
        openssl(&["x509", "-in", "client.crt", "-noout", "-pubkey"]),
        openssl(&[
            "pkey",
            "-in",
            "enc.key",
            "-passin",
            "pass:key secret",
            "-pubout"
        ]),
        "client.crt is issued for the decrypted key"
    );
    session.close().await;
}

/// Picks the file at `path` with the inspector's file input and waits until
/// it is read (the status names it).
async fn inspect_file(client: &Client, path: &Path) -> String {
    client
        .find(Locator::Id("inspect-file"))
        .await
        .expect("#inspect-file")
        .send_keys(&path.display().to_string())
        .await
        .expect("picking a file");
    let name = path.file_name().expect("a file name").to_string_lossy();
    wait_for_text(client, "inspect-status", |s| {
        s.starts_with(&format!("{name}:"))
    })
    .await
}

/// Types `password` into the inspector's PKCS#12 field and presses Open;
/// returns the status once the file was read again.
async fn open_p12(client: &Client, password: &str) -> String {
    let field = client
        .find(Locator::Id("inspect-password"))
        .await
        .expect("#inspect-password");
    field.clear().await.expect("clearing the password");
    field
        .send_keys(password)
        .await
        .expect("typing the password");
    // The status says "reading…" until the worker answers.
    client
        .execute(
            "document.getElementById('inspect-status').textContent = ''",
            vec![],
        )
        .await
        .expect("clearing the status");
    click(client, "inspect-open").await;
    wait_for_text(client, "inspect-status", |s| s.contains(".p12:")).await
}

/// Issue 8 in the page: a PKCS#12 file made by `certplay p12` is picked in
/// the inspector, which asks for its password; a wrong one is said to be
/// wrong, the right one shows the key (never its secret) and the
/// certificates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspector_opens_a_pkcs12_file_with_its_password() {
    let session = Session::start().await;
    let client = &session.client;
    let dir = temp_dir();
    let dir = dir.path();
    certplay_tests::issue_into(dir, certplay_core::KeyType::EcdsaP256);
    ok(
        &certplay_tests::make_p12(dir, "client.p12", &["--password", P12_PASSWORD]),
        "certplay p12",
    );
    open_page(client, &session.page_url).await;

    let closed = inspect_file(client, &dir.join("client.p12")).await;
    assert!(
        closed.starts_with("client.p12: a PKCS#12 file; ") && closed.contains("give its password"),
        "{closed}"
    );
    let field = client
        .find(Locator::Id("inspect-password"))
        .await
        .expect("#inspect-password");
    assert!(
        field.is_displayed().await.expect("displayed?"),
        "no password field"
    );

    let wrong = open_p12(client, "not the password").await;
    assert!(wrong.contains("the password is wrong"), "{wrong}");
    assert!(!text(client, "inspect-output")
        .await
        .contains("CN = my-client"));

    let opened = open_p12(client, P12_PASSWORD).await;
    assert!(
        opened.starts_with("client.p12: 2 certificate(s), 0 CSR(s), 1 key(s)"),
        "{opened}"
    );
    let shown = text(client, "inspect-output").await;
    for expected in [
        "Subject: CN = my-client",
        "Subject: CN = my-ca",
        "Type: ECDSA P-256",
        "Public key SHA-256",
        "matches the certificate CN=my-client",
    ] {
        assert!(shown.contains(expected), "{expected:?} not in:\n{shown}");
    }
    assert!(!shown.contains("PRIVATE KEY-----"), "{shown}");
    // The structured view: the key and each certificate, field by field,
    // with its lints (none: certplay's own are lint-clean).
    let structured = text(client, "inspect-structured").await;
    for expected in [
        "Private key (the secret is not shown)",
        "PKCS#8",
        "Certificate: CN=my-client",
        "Extended key usage",
        "id-kp-clientAuth",
        "Basic constraints",
        "CA:TRUE",
        "Authority key identifier",
        "SHA-256 fingerprint",
        "no lints",
    ] {
        assert!(
            structured.contains(expected),
            "{expected:?} not in:\n{structured}"
        );
    }
    assert!(
        !field.is_displayed().await.expect("displayed?"),
        "the password field stayed after opening"
    );
    session.close().await;
}

/// Chooses exactly the options of the multiple select `#id` whose text
/// starts with one of `prefixes` (what ctrl-clicks do).
async fn choose_only(client: &Client, id: &str, prefixes: &[&str]) {
    client
        .execute(
            "const [id, prefixes] = arguments;
             for (const o of document.getElementById(id).options) {
               o.selected = prefixes.some(p => o.text.startsWith(p));
             }",
            vec![json!(id), json!(prefixes)],
        )
        .await
        .unwrap_or_else(|e| panic!("choosing in #{id}: {e}"));
}

/// Presses "Check the chain" and returns the verdict once it is there.
async fn check_chain(client: &Client) -> String {
    client
        .execute(
            "document.getElementById('check-verdict').textContent = ''",
            vec![],
        )
        .await
        .expect("clearing the verdict");
    click(client, "check-run").await;
    wait_for_text(client, "check-verdict", |s| {
        !s.is_empty() && s != "checking…"
    })
    .await
}

/// Issue 8 in the page: the chain check. The issued server certificate is
/// valid for localhost against the page's CA, refused for other.test with
/// its SANs named, and refused against another CA with the same name
/// (read in the inspector) with both key identifiers named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_check_in_the_page_says_why() {
    let session = Session::issued().await;
    let client = &session.client;
    let dir = temp_dir();
    download(
        client,
        "download-server-crt",
        session.downloads.path(),
        "server.crt",
        &dir.path().join("server.crt"),
    )
    .await;
    let server = first_cert(&dir.path().join("server.crt"));

    // Defaults: the issued server against the issued CA, as a server; no
    // lint says another stack would refuse it.
    let verdict = check_chain(client).await;
    assert!(verdict.starts_with("valid: CN=localhost"), "{verdict}");
    let others = wait_for_text(client, "check-others", |s| !s.is_empty()).await;
    assert!(
        others.starts_with("Other stacks: no lint says OpenSSL, OpenSSL -x509_strict, curl, Go"),
        "{others}"
    );

    paste(client, "check-host", "other.test").await;
    let verdict = check_chain(client).await;
    assert!(
        verdict.starts_with("refused: ")
            && verdict.contains("other.test")
            && verdict.contains("DNS:localhost")
            && verdict.contains("IP Address:127.0.0.1"),
        "{verdict}"
    );
    assert!(!verdict.contains("--ca"), "{verdict}");
    paste(client, "check-host", "localhost").await;

    // A chosen time: after notAfter the certificate is expired; a time the
    // browser cannot read is said to be one.
    paste(client, "check-at", "2100-01-01T00:00:00Z").await;
    let verdict = check_chain(client).await;
    assert!(
        verdict.starts_with("refused: expired: CN=localhost expired at"),
        "{verdict}"
    );
    // Then the CA is a trust anchor past its notAfter: rustls does not check
    // an anchor's dates, the other stacks do, and the page says which.
    let others = wait_for_text(client, "check-others", |s| !s.is_empty()).await;
    assert!(
        others.contains("curl refuses (trust-anchor-outside-validity)")
            && others.contains("Go crypto/x509 refuses (trust-anchor-outside-validity)")
            && others.contains("Node refuses (trust-anchor-outside-validity)")
            && others.contains("Chrome, Edge (Chromium) refuses (trust-anchor-outside-validity)")
            && others.contains("CN=my-ca: Error trust-anchor-outside-validity"),
        "{others}"
    );
    paste(client, "check-at", "next tuesday").await;
    let verdict = check_chain(client).await;
    assert!(verdict.contains("not a date and time"), "{verdict}");
    let others = text(client, "check-others").await;
    assert!(
        others.is_empty(),
        "the last chain's other stacks stayed: {others}"
    );
    paste(client, "check-at", "").await;

    // Another set's CA, also named my-ca, read in the inspector and chosen
    // as the only anchor.
    let other = certplay_tests::issue_other_ca("my-ca", certplay_core::KeyType::EcdsaP256);
    let other_ca = first_cert(&other.path().join("ca.crt"));
    paste(
        client,
        "inspect-input",
        &std::fs::read_to_string(other.path().join("ca.crt")).expect("the other ca.crt"),
    )
    .await;
    click(client, "inspect-run").await;
    wait_for_text(client, "inspect-status", |s| s.starts_with("pasted text:")).await;
    choose_only(client, "check-anchors", &["read 1: CN=my-ca"]).await;
    let verdict = check_chain(client).await;
    let aki = server.authority_key_id().expect("an AKI").to_string();
    let ski = other_ca.subject_key_id().expect("an SKI").to_string();
    assert!(
        verdict.starts_with("refused: issued by a different CA with the same name")
            && verdict.contains(&aki)
            && verdict.contains(&ski),
        "{verdict} (AKI {aki}, other SKI {ski})"
    );
    assert!(!verdict.contains("--ca"), "{verdict}");
    session.close().await;
}

/// The blog's `openssl x509 -req` without -extfile makes X.509 v1: made so
/// here, a v1 root and a v1 intermediate, read in the inspector. The
/// chain check says what each stack does with them where they are: rustls
/// takes the v1 root and only OpenSSL -x509_strict and Python refuse it
/// (tests/tests/stacks.rs checks those claims against every stack); a v1
/// intermediate is no CA for anyone, rustls' words name it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_check_says_what_other_stacks_do_with_a_v1_root_and_a_v1_intermediate() {
    let session = Session::start().await;
    let client = &session.client;
    open_page(client, &session.page_url).await;
    let dir = temp_dir();
    let dir = dir.path();
    certplay_tests::sh(
        dir,
        "key() { openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
           -keyout $1.key -subj \"/CN=$2\" -out $1.csr 2>/dev/null; }
         printf 'subjectAltName=DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > leaf.ext
         key root 'v1 root' && key inter 'v1 intermediate' && key a localhost && key b localhost
         openssl x509 -req -in root.csr -signkey root.key -days 30 -out root.crt 2>/dev/null
         openssl x509 -req -in inter.csr -CA root.crt -CAkey root.key -set_serial 2 -days 30 \
           -out inter.crt 2>/dev/null
         openssl x509 -req -in a.csr -CA root.crt -CAkey root.key -set_serial 3 -days 30 \
           -extfile leaf.ext -out a.crt 2>/dev/null
         openssl x509 -req -in b.csr -CA inter.crt -CAkey inter.key -set_serial 4 -days 30 \
           -extfile leaf.ext -out b.crt 2>/dev/null
         openssl x509 -in root.crt -noout -text | grep -q 'Version: 1 (0x0)'
         openssl x509 -in inter.crt -noout -text | grep -q 'Version: 1 (0x0)'",
    );
    let pems = |files: &[&str]| -> String {
        files
            .iter()
            .map(|f| std::fs::read_to_string(dir.join(f)).expect("a made certificate"))
            .collect()
    };
    // Each chain read on its own: the chain check offers every other
    // certificate read as an intermediate, and lints each.
    let read_and_check = |files: &'static [&'static str], leaf: &'static str| {
        let bundle = pems(files);
        async move {
            paste(client, "inspect-input", &bundle).await;
            click(client, "inspect-run").await;
            wait_for_text(client, "inspect-status", |s| s.starts_with("pasted text:")).await;
            choose_only(client, "check-leaf", &[leaf]).await;
            choose_only(client, "check-anchors", &["read 1: CN=v1 root"]).await;
            let verdict = check_chain(client).await;
            let others = wait_for_text(client, "check-others", |s| !s.is_empty()).await;
            (verdict, others)
        }
    };

    let (verdict, others) = read_and_check(&["root.crt", "a.crt"], "read 2: CN=localhost").await;
    assert!(verdict.starts_with("valid: CN=localhost"), "{verdict}");
    assert!(
        // (The leaf has no authorityKeyIdentifier: the v1 root has no key
        // identifier to name; its own lint says what that does.)
        others.starts_with("Other stacks: OpenSSL -x509_strict refuses (x509-v1")
            && others.contains("; Python cryptography refuses (x509-v1")
            && others.contains(
                "; OpenSSL, curl, Go crypto/x509, Node, Chrome, Edge (Chromium) accept as far \
                 as the lints know"
            )
            && others.contains(
                "CN=v1 root: Warning x509-v1: X.509 v1: no extensions; OpenSSL -x509_strict \
                 and Python take as a root only a v3 certificate with basicConstraints CA:TRUE"
            ),
        "{others}"
    );

    let (verdict, others) =
        read_and_check(&["root.crt", "inter.crt", "b.crt"], "read 3: CN=localhost").await;
    assert!(
        verdict.starts_with("refused: X.509 v1 certificate: CN=v1 intermediate is v1"),
        "{verdict}"
    );
    assert!(
        others.contains("OpenSSL refuses (x509-v1)")
            && others.contains("curl refuses (x509-v1)")
            && others.contains("Chrome, Edge (Chromium) refuses (x509-v1)")
            && !others.contains("accept as far as the lints know")
            && others.contains(
                "CN=v1 intermediate: Error x509-v1: X.509 v1: no extensions, so no \
                 basicConstraints CA:TRUE: no stack takes it as a CA"
            ),
        "{others}"
    );
    session.close().await;
}

/// Sends `path` to the file input `#id` (a person picking the file).
async fn pick_file(client: &Client, id: &str, path: &Path) {
    shown(client, id)
        .await
        .send_keys(&path.display().to_string())
        .await
        .unwrap_or_else(|e| panic!("picking {} in #{id}: {e}", path.display()));
}

/// Waits until "my own CA" of entry 0 has answered: its status says
/// "Your CA: ..." (returned as `Ok`) or its error slot has core's words
/// (`Err`). Clears both first, so that an earlier answer does not count.
async fn own_ca_answer(
    client: &Client,
    act: impl std::future::Future<Output = ()>,
) -> Result<String, String> {
    client
        .execute(
            "document.getElementById('entry-0-own-ca-status').textContent = '';
             document.getElementById('entry-0-existing-error').textContent = '';",
            vec![],
        )
        .await
        .expect("clearing the own CA's status");
    act.await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let error = text(client, "entry-0-existing-error").await;
        if !error.is_empty() {
            return Err(error);
        }
        let status = text(client, "entry-0-own-ca-status").await;
        if status.starts_with("Your CA: ") {
            return Ok(status);
        }
        assert!(
            Instant::now() < deadline,
            "my own CA answered only {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The first hex line below an `openssl x509 -ext NAME` heading, without
/// OpenSSL's `keyid:` prefix.
fn key_id(dir: &Path, cert: &str, extension: &str) -> String {
    let text = ok(
        &run(
            dir,
            "openssl",
            &["x509", "-in", cert, "-noout", "-ext", extension],
        ),
        cert,
    );
    text.lines()
        .nth(1)
        .unwrap_or_default()
        .trim()
        .trim_start_matches("keyid:")
        .to_owned()
}

/// A CA made on the command line (`certplay issue`), its key encrypted by
/// openssl, brought into the page as "my own CA": refused in core's words
/// while the files are wrong, then the page issues the server and client
/// with it. The downloads do not include its key (nor does the zip); the
/// leaves verify with openssl against the ORIGINAL ca.crt and carry its key
/// id; certplay serves them and curl gets Hello World; the CA's CRL from its
/// card verifies against it; and the page's own command line issues the
/// same plan from the same CA.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_own_ca_from_the_command_line_signs_what_the_page_issues() {
    let session = Session::start().await;
    let (client, downloads) = (&session.client, session.downloads.path());
    let dir = temp_dir();
    let dir = dir.path();
    let made = certplay(dir, &["issue", "--out", "mine"]);
    assert!(made.status.success(), "certplay issue: {}", stderr(&made));
    let mine = dir.join("mine");
    let openssl = |args: &[&str]| ok(&run(dir, "openssl", args), &args.join(" "));
    openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        "mine/ca.key",
        "-out",
        "ca-enc.key",
        "-passout",
        "pass:ca secret",
    ]);
    let issue = open_page(client, &session.page_url).await;
    click(client, "entry-0-existing").await;

    // Wrong first, in core's words: the encrypted key wants its password,
    // the right one; a leaf is not a CA.
    let refused = own_ca_answer(client, async {
        pick_file(client, "entry-0-own-ca-key", &dir.join("ca-enc.key")).await;
        pick_file(client, "entry-0-own-ca-cert", &mine.join("server.crt")).await;
    })
    .await
    .expect_err("an encrypted key without its password");
    assert!(refused.contains("give its password"), "{refused}");
    let password = shown(client, "entry-0-own-ca-password").await;
    let type_password = |typed: &'static str| {
        let password = password.clone();
        async move {
            password.clear().await.expect("clearing the password");
            password.send_keys(typed).await.expect("typing");
            client
                .execute(
                    "document.getElementById('entry-0-own-ca-password')
                       .dispatchEvent(new Event('change', {bubbles: true}))",
                    vec![],
                )
                .await
                .expect("the password's change event");
        }
    };
    let refused = own_ca_answer(client, type_password("wrong"))
        .await
        .expect_err("a wrong password");
    assert!(
        refused.contains("the password does not decrypt this key"),
        "{refused}"
    );
    let refused = own_ca_answer(client, type_password("ca secret"))
        .await
        .expect_err("a server certificate is no CA");
    assert!(refused.contains("is not a CA certificate"), "{refused}");
    let loaded = own_ca_answer(
        client,
        pick_file(client, "entry-0-own-ca-cert", &mine.join("ca.crt")),
    )
    .await
    .expect("the CA and its key");
    assert!(
        loaded.starts_with("Your CA: CN=my-ca, ECDSA P-256, valid from "),
        "{loaded}"
    );

    issue.click().await.expect("pressing Issue");
    wait_until_issued(client).await;
    assert_eq!(text(client, "ca-subject").await, "CN=my-ca");
    assert!(
        client.find(Locator::Id("download-ca-key")).await.is_err(),
        "the page offers the person's own CA key again"
    );
    let reproduce = text(client, "reproduce").await;
    assert_eq!(
        reproduce,
        "certplay issue --plan certplay-plan.toml --ca-cert ca.crt --ca-key ca-enc.key \
         --ca-key-pass env:CA_KEY_PASS --out pki"
    );

    // Every file offered, and the zip.
    let got = dir.join("page");
    let mut offered = download_everything(client, downloads, &got).await;
    assert_eq!(offered.pop().as_deref(), Some(ZIP_NAME));
    offered.sort_unstable();
    assert_eq!(
        offered,
        [
            "ca.crt",
            "certplay-plan.toml",
            "client.crt",
            "client.key",
            "server.crt",
            "server.key"
        ]
    );
    let zip = std::fs::File::open(got.join(ZIP_NAME)).expect("the zip");
    let archive = zip::ZipArchive::new(zip).expect("a readable zip");
    let mut zipped: Vec<&str> = archive.file_names().collect();
    zipped.sort_unstable();
    assert_eq!(zipped, offered, "the zip holds what the page offers");

    // The CA is the original, not a new one; the leaves chain to it.
    assert_eq!(
        first_cert(&got.join("ca.crt")).der,
        first_cert(&mine.join("ca.crt")).der
    );
    let verified = openssl(&[
        "verify",
        "-CAfile",
        "mine/ca.crt",
        "page/server.crt",
        "page/client.crt",
    ]);
    assert_eq!(verified, "page/server.crt: OK\npage/client.crt: OK\n");
    let ca_key_id = key_id(dir, "mine/ca.crt", "subjectKeyIdentifier");
    assert!(!ca_key_id.is_empty());
    for leaf in ["page/server.crt", "page/client.crt"] {
        assert_eq!(
            key_id(dir, leaf, "authorityKeyIdentifier"),
            ca_key_id,
            "{leaf}"
        );
    }

    // The page's commands work with its files.
    let serve_line = text(client, "next-serve").await;
    let curl_line = text(client, "next-curl").await;
    let server = Server::start(&got, &without_port(&serve_line, 2));
    let mut args = without_port_url(&curl_line);
    let url = server.url();
    args.push(&url);
    let answer = curl(&got, &args);
    assert_eq!(
        stdout(&answer),
        "Hello World\n",
        "{curl_line}: {}\nlog:\n{}",
        stderr(&answer),
        server.log()
    );

    // The CA's CRL, signed in the page with the person's key.
    download(client, "crl-ca", downloads, "ca.crl", &got.join("ca.crl")).await;
    tool_status(client, "ca").await;
    let crl = run(
        dir,
        "openssl",
        &[
            "crl",
            "-in",
            "page/ca.crl",
            "-CAfile",
            "mine/ca.crt",
            "-noout",
        ],
    );
    assert!(
        crl.status.success() && stderr(&crl).contains("verify OK"),
        "{}",
        stderr(&crl)
    );

    // The page's command line issues the same plan from the same CA.
    std::fs::copy(dir.join("ca-enc.key"), got.join("ca-enc.key")).expect("the key beside");
    let words: Vec<&str> = reproduce.split_whitespace().skip(1).collect();
    let again = Command::new(certplay_tests::certplay_bin())
        .args(&words)
        .current_dir(&got)
        .env("CA_KEY_PASS", "ca secret")
        .output()
        .expect("running certplay issue");
    assert!(again.status.success(), "{reproduce}: {}", stderr(&again));
    assert!(!got.join("pki/ca.key").exists());
    let verified = openssl(&[
        "verify",
        "-CAfile",
        "mine/ca.crt",
        "page/pki/server.crt",
        "page/pki/client.crt",
    ]);
    assert_eq!(
        verified,
        "page/pki/server.crt: OK\npage/pki/client.crt: OK\n"
    );
    session.close().await;
}

/// The names of every resource the page fetched so far (the page's own
/// resource timing: scripts, wasm, the workers' scripts).
async fn fetched(client: &Client) -> Vec<String> {
    let names = client
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name);",
            vec![],
        )
        .await
        .expect("the page's resource timing");
    serde_json::from_value(names).expect("a list of URLs")
}

/// The `data-message` of each message `#lab-transcript` shows, with its
/// sender: `client ClientHello`.
async fn lab_messages(client: &Client) -> Vec<String> {
    let items = client
        .find_all(Locator::Css("#lab-transcript > li"))
        .await
        .expect("the transcript's items");
    let mut names = Vec::new();
    for item in items {
        let from = item.attr("data-from").await.expect("data-from");
        let name = item.attr("data-message").await.expect("data-message");
        names.push(format!(
            "{} {}",
            from.unwrap_or_default(),
            name.unwrap_or_default()
        ));
    }
    names
}

/// Runs the lab's handshake and waits for its verdict; returns the
/// verdict's text. (The click's handler sets the status to "Running" before
/// the click returns, so "Done" is this run's.)
async fn run_lab(client: &Client) -> String {
    click(client, "lab-run").await;
    let status = wait_for_text(client, "lab-status", |s| !s.starts_with("Running")).await;
    assert!(
        status.starts_with("Done in"),
        "{status}: {}",
        text(client, "lab-error").await
    );
    text(client, "lab-verdict").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handshake_lab_loads_when_opened_and_shows_each_message() {
    let session = Session::issued().await;
    let client = &session.client;
    let lab_files = |names: &[String]| {
        names
            .iter()
            .filter(|n| n.contains("certplay-lab"))
            .cloned()
            .collect::<Vec<_>>()
    };
    let before = fetched(client).await;
    assert!(
        before.iter().any(|n| n.contains("certplay-web")),
        "the page's own wasm is listed: {before:?}"
    );
    assert_eq!(
        lab_files(&before),
        Vec::<String>::new(),
        "loaded before the lab was opened"
    );

    open_lab(client).await;
    select(client, "lab-tls", "tls13").await;
    let verdict = run_lab(client).await;
    assert!(verdict.contains("Hello World"), "{verdict}");
    let shown = client
        .find(Locator::Id("lab-verdict"))
        .await
        .expect("#lab-verdict");
    assert_eq!(
        shown
            .attr("data-result")
            .await
            .expect("data-result")
            .as_deref(),
        Some("answered")
    );
    assert!(
        !lab_files(&fetched(client).await).is_empty(),
        "opening the lab loads its module"
    );
    let messages = lab_messages(client).await;
    for expected in [
        "client ClientHello",
        "server ServerHello",
        "server CertificateRequest",
        "client Certificate",
        "client CertificateVerify",
        "client Finished",
        "client HTTP request",
        "server HTTP response",
    ] {
        assert!(
            messages.iter().any(|m| m == expected),
            "{expected} in {messages:?}"
        );
    }
    assert_eq!(
        messages.first().map(String::as_str),
        Some("client ClientHello")
    );
    let transcript = text(client, "lab-transcript").await;
    assert!(
        transcript.contains("server name (SNI)\nlocalhost"),
        "{transcript}"
    );
    assert!(transcript.contains("CN=my-ca"), "{transcript}");

    // TLS 1.2: its own messages, and a key log Wireshark reads.
    select(client, "lab-tls", "tls12").await;
    let verdict = run_lab(client).await;
    assert!(verdict.contains("Hello World"), "{verdict}");
    let messages = lab_messages(client).await;
    assert!(
        messages.iter().any(|m| m == "server ServerHelloDone"),
        "{messages:?}"
    );
    let dir = temp_dir();
    download(
        client,
        "lab-keylog",
        session.downloads.path(),
        "lab-keylog.txt",
        &dir.path().join("keylog.txt"),
    )
    .await;
    let keylog = std::fs::read_to_string(dir.path().join("keylog.txt")).expect("the key log");
    assert!(
        keylog.lines().any(|l| l.starts_with("CLIENT_RANDOM ")),
        "{keylog}"
    );
    download(
        client,
        "lab-export-json",
        session.downloads.path(),
        "lab-transcript.json",
        &dir.path().join("transcript.json"),
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("transcript.json")).expect("the JSON"),
    )
    .expect("JSON");
    assert_eq!(json["outcome"]["result"], "answered", "{json}");
    assert_eq!(json["version"]["name"], "TLSv1_2", "{json}");
    assert_eq!(
        json["messages"][0]["body"]["message"], "client-hello",
        "{json}"
    );
    assert_eq!(json["messages"][0]["from"], "client", "{json}");
    // The same transcript as text, as the page shows it.
    download(
        client,
        "lab-export-text",
        session.downloads.path(),
        "lab-transcript.txt",
        &dir.path().join("transcript.txt"),
    )
    .await;
    let text_export = std::fs::read_to_string(dir.path().join("transcript.txt")).expect("the text");
    assert!(
        text_export.contains("client -> ClientHello\n"),
        "{text_export}"
    );
    assert!(
        text_export.contains("server -> ServerHelloDone\n"),
        "{text_export}"
    );
    assert!(
        text_export.trim_end().ends_with("Hello World"),
        "{text_export}"
    );

    // Eight hundred days on, the blog's server certificate has expired:
    // the client refuses it with the alert curl would report.
    select(client, "lab-clock", "in-days").await;
    paste(client, "lab-days", "800").await;
    select(client, "lab-tls", "both").await;
    let verdict = run_lab(client).await;
    assert_eq!(
        shown
            .attr("data-result")
            .await
            .expect("data-result")
            .as_deref(),
        Some("refused"),
        "{verdict}"
    );
    assert_eq!(
        shown
            .attr("data-alert")
            .await
            .expect("data-alert")
            .as_deref(),
        Some("certificate_expired"),
        "{verdict}"
    );
    assert!(verdict.contains("expired"), "{verdict}");
    // Its JSON export is typed: who refused, the alert and the reason by
    // their ids, with the reason's facts (the words are the text export's).
    download(
        client,
        "lab-export-json",
        session.downloads.path(),
        "lab-transcript.json",
        &dir.path().join("refused.json"),
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("refused.json")).expect("the JSON"),
    )
    .expect("JSON");
    let outcome = &json["outcome"];
    assert_eq!(outcome["result"], "refused", "{json}");
    assert_eq!(outcome["by"], "client", "{json}");
    assert_eq!(outcome["alert"], "certificate_expired", "{json}");
    // The reason by its id (core's `Reason`), with its facts.
    let expired = &outcome["reason"]["expired"];
    assert!(expired["not_after"].is_string(), "{json}");
    assert_eq!(expired["at"], json["at"], "{json}");
    assert_eq!(
        outcome["server_log"]["server-certificate-refused"]["alert"], "certificate_expired",
        "{json}"
    );
    session.close().await;
}

/// A break-it button as a person uses it: the blog's set broken with a
/// client certificate from another CA; the page shows core's prediction
/// beside its own handshake (both: the server refuses with unknown_ca),
/// the fix, and the case's files as a zip whose serve and curl lines, run
/// as the page prints them, end as the page says curl will (exit code and
/// words); the set itself still says Hello World.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_break_it_button_shows_the_case_side_by_side_and_its_files_reproduce_it() {
    let session = Session::issued().await;
    let client = &session.client;
    open_lab(client).await;
    let buttons = client
        .find_all(Locator::Css("#lab-cases > button[data-case]"))
        .await
        .expect("the break-it buttons");
    assert_eq!(buttons.len(), 18, "one button per case");
    select(client, "lab-tls", "tls13").await;
    click(client, "lab-case-client-from-other-ca").await;
    let status = wait_for_text(client, "lab-break-status", |s| {
        s.starts_with("client-from-other-ca:")
    })
    .await;
    assert!(status.contains("ends as predicted"), "{status}");
    let view = shown(client, "lab-case").await;
    assert_eq!(
        view.attr("data-agrees")
            .await
            .expect("data-agrees")
            .as_deref(),
        Some("yes")
    );
    let short = |id: &'static str| async move {
        shown(client, id)
            .await
            .attr("data-short")
            .await
            .expect("data-short")
            .unwrap_or_default()
    };
    let predicted = short("lab-case-prediction").await;
    assert_eq!(predicted, "refused by server: unknown_ca (unknown-issuer)");
    assert_eq!(short("lab-case-verdict").await, predicted);
    assert!(
        text(client, "lab-case-fix")
            .await
            .contains("CA the server trusts"),
        "{}",
        text(client, "lab-case-fix").await
    );
    let serve_line = text(client, "lab-case-serve").await;
    let curl_line = text(client, "lab-case-curl").await;
    let expected = text(client, "lab-case-curl-expected").await;
    assert!(expected.contains("curl 7.88.1"), "{expected}");

    let dir = temp_dir();
    let zip_name = "lab-client-from-other-ca.zip";
    download(
        client,
        "lab-case-files",
        session.downloads.path(),
        zip_name,
        &dir.path().join(zip_name),
    )
    .await;
    let zip = std::fs::File::open(dir.path().join(zip_name)).expect("the zip");
    zip::ZipArchive::new(zip)
        .expect("a readable zip")
        .extract(dir.path())
        .expect("unzipping");
    let folder = dir.path().join("client-from-other-ca");
    let commands = std::fs::read_to_string(folder.join("commands.txt")).expect("commands.txt");
    assert!(commands.contains(&curl_line), "{commands}");

    // The page's lines, as printed, in the case's folder.
    let words: Vec<&str> = serve_line.split_whitespace().collect();
    assert_eq!(
        words.get(..2),
        Some(&["certplay", "serve"][..]),
        "{serve_line}"
    );
    let mut args: Vec<&str> = Vec::new();
    let mut rest = words[2..].iter();
    while let Some(word) = rest.next() {
        if *word == "--port" {
            rest.next();
        } else {
            args.push(word);
        }
    }
    args.push("--no-page");
    let server = Server::start(&folder, &args);
    let curl_args: Vec<String> = curl_line
        .split_whitespace()
        .skip(1)
        .map(|a| a.replace(":3001", &format!(":{}", server.port)))
        .collect();
    let curl_args: Vec<&str> = curl_args.iter().map(String::as_str).collect();
    let out = curl(&folder, &curl_args);
    let code = out.status.code().expect("curl exited");
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        expected.contains(&format!("exit {code}: ")),
        "curl exited {code} ({said}); the page said: {expected}"
    );
    let log = server.wait_for_log(" kind=");
    assert!(log.contains("kind=unknown-issuer"), "{log}");

    // Where `certplay serve` warns as it starts with a case's files, the
    // case says so in its words; where it does not, nothing is said.
    let warnings = client
        .find(Locator::Id("lab-case-serve-warnings"))
        .await
        .expect("#lab-case-serve-warnings");
    assert!(
        warnings.attr("hidden").await.expect("hidden").is_some(),
        "client-from-other-ca: serve warns of nothing"
    );
    click(client, "lab-case-server-expired").await;
    wait_for_text(client, "lab-break-status", |s| {
        s.starts_with("server-expired:")
    })
    .await;
    let warned = text(client, "lab-case-serve-warnings").await;
    assert!(
        warned.starts_with("certplay serve warns: ")
            && warned.contains("(CN=localhost) expired at"),
        "{warned}"
    );

    // The set itself stays as it was.
    let verdict = run_lab(client).await;
    assert!(verdict.contains("Hello World"), "{verdict}");
    session.close().await;
}

/// "Ask my local server": a broken case goes to the `certplay serve` that
/// served the page (its keys with it, as the button says), which runs it on
/// a second listener; its verdict shows beside the prediction in the lab
/// and in the live panel, the listener's log line is in the server's log,
/// and the server's own listener still refuses what it refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_my_local_server_shows_the_running_servers_verdict_beside_the_prediction() {
    let session = Session::issued().await;
    let client = &session.client;
    let playground = &session.playground.server;
    open_lab(client).await;
    for (case, expected) in [
        (
            "client-expired",
            "refused by server: certificate_expired (expired)",
        ),
        (
            "server-for-other-name",
            "refused by client: bad_certificate (name-mismatch)",
        ),
    ] {
        click(client, &format!("lab-case-{case}")).await;
        wait_for_text(client, "lab-break-status", |s| {
            s.starts_with(&format!("{case}:"))
        })
        .await;
        // The button says that the keys go to the server.
        let ask = text(client, "lab-case-ask").await;
        assert!(ask.contains("sends these keys"), "{ask}");
        click(client, "lab-case-ask").await;
        let said = wait_for_text(client, "lab-case-server", |s| {
            s.starts_with("As predicted") || s.starts_with("NOT") || s.contains("did not run")
        })
        .await;
        let column = shown(client, "lab-case-server").await;
        let attr = |name: &'static str| {
            let column = column.clone();
            async move { column.attr(name).await.expect(name).unwrap_or_default() }
        };
        assert_eq!(attr("data-short").await, expected, "{said}");
        assert_eq!(attr("data-agrees").await, "yes", "{said}");
        let predicted = shown(client, "lab-case-prediction")
            .await
            .attr("data-short")
            .await
            .expect("data-short")
            .unwrap_or_default();
        assert_eq!(predicted, expected);
        let live = wait_for_text(client, "live-lab", |s| s.contains(case)).await;
        assert!(
            live.contains("second listener") && live.contains("Its log: c1 "),
            "{live}"
        );
        let log_line = said
            .split("Its log: ")
            .nth(1)
            .expect("the log line")
            .lines()
            .next()
            .expect("one line")
            .to_owned();
        let log = playground.wait_for_log(&format!("lab case {case} on 127.0.0.1:"));
        assert!(log.contains(&log_line), "{log_line}\n{log}");
    }
    // The lab's clock moved 800 days on, where the blog's set has expired:
    // asked at that clock, the server says what the prediction says (at
    // its own clock it would accept), and both the page and the server's
    // words name the clock.
    select(client, "lab-clock", "in-days").await;
    paste(client, "lab-days", "800").await;
    click(client, "lab-case-as-issued").await;
    wait_for_text(client, "lab-break-status", |s| s.starts_with("as-issued:")).await;
    let not_asked = text(client, "lab-case-server").await;
    assert!(
        not_asked.contains("It checks validity at the lab's clock, "),
        "{not_asked}"
    );
    click(client, "lab-case-ask").await;
    let said = wait_for_text(client, "lab-case-server", |s| {
        s.starts_with("As predicted") || s.starts_with("NOT") || s.contains("did not run")
    })
    .await;
    assert!(
        said.starts_with("As predicted: refused by the client")
            && said.contains(", at the lab's clock "),
        "{said}"
    );
    let column = shown(client, "lab-case-server").await;
    let short = column
        .attr("data-short")
        .await
        .expect("data-short")
        .unwrap_or_default();
    assert!(short.contains("(expired)"), "{short}: {said}");
    let live = wait_for_text(client, "live-lab", |s| s.contains("as-issued")).await;
    assert!(live.contains(", at the lab's clock "), "{live}");
    playground.wait_for_log("lab case as-issued on 127.0.0.1:");

    // Asking ran the cases on listeners of their own: the playground's
    // own material was never replaced.
    assert!(
        !playground
            .log()
            .contains("page: loaded the page's certificates"),
        "asking loaded nothing"
    );
    session.close().await;
}

/// A company's intermediate (made by openssl: pathlen 0, names limited to
/// localhost and loopback) with its root, brought into the page as "my own
/// CA" (issue 29): a key that is not the intermediate's is refused in
/// core's words; with its key, the page issues the server and client under
/// it, offers chain files holding leaf and intermediate and the root as
/// ca.crt (no CA key), openssl verifies each leaf up to the root, and the
/// page's serve and curl lines get Hello World.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intermediate_with_its_chain_signs_what_the_page_issues() {
    let session = Session::start().await;
    let (client, downloads) = (&session.client, session.downloads.path());
    let dir = temp_dir();
    let dir = dir.path();
    ok(
        &run(dir, "sh", &["-ec", COMPANY_PKI]),
        "openssl's company PKI",
    );
    let issue = open_page(client, &session.page_url).await;
    click(client, "entry-0-existing").await;

    let refused = own_ca_answer(client, async {
        pick_file(client, "entry-0-own-ca-key", &dir.join("other.key")).await;
        pick_file(client, "entry-0-own-ca-cert", &dir.join("chain.pem")).await;
    })
    .await
    .expect_err("a key of nothing given");
    assert!(
        refused.contains("is not the private key of")
            && refused.contains("Example Corp Issuing CA"),
        "{refused}"
    );
    let loaded = own_ca_answer(
        client,
        pick_file(client, "entry-0-own-ca-key", &dir.join("inter.key")),
    )
    .await
    .expect("the intermediate, its root and its key");
    assert!(
        loaded.contains("Example Corp Issuing CA") && loaded.contains("up to the root"),
        "{loaded}"
    );

    issue.click().await.expect("pressing Issue");
    wait_until_issued(client).await;
    let got = dir.join("page");
    let mut offered = download_everything(client, downloads, &got).await;
    assert_eq!(offered.pop().as_deref(), Some(ZIP_NAME));
    for wanted in [
        "ca.crt",
        "intermediate.crt",
        "server-chain.crt",
        "client-chain.crt",
    ] {
        assert!(
            offered.iter().any(|f| f == wanted),
            "{wanted} in {offered:?}"
        );
    }
    assert!(
        !offered
            .iter()
            .any(|f| f == "ca.key" || f == "intermediate.key"),
        "{offered:?}"
    );
    assert_eq!(
        first_cert(&got.join("ca.crt")).der,
        first_cert(&dir.join("root.crt")).der
    );
    for leaf in ["server", "client"] {
        let chain = format!("page/{leaf}-chain.crt");
        let verified = ok(
            &run(
                dir,
                "openssl",
                &[
                    "verify",
                    "-CAfile",
                    "root.crt",
                    "-untrusted",
                    &chain,
                    &format!("page/{leaf}.crt"),
                ],
            ),
            leaf,
        );
        assert!(verified.ends_with(": OK\n"), "{leaf}: {verified}");
    }

    // The page's commands work with its files.
    let serve_line = text(client, "next-serve").await;
    let curl_line = text(client, "next-curl").await;
    assert!(serve_line.contains("server-chain.crt"), "{serve_line}");
    let server = Server::start(&got, &without_port(&serve_line, 2));
    let mut args = without_port_url(&curl_line);
    let url = server.url();
    args.push(&url);
    let answer = curl(&got, &args);
    assert_eq!(
        stdout(&answer),
        "Hello World\n",
        "{curl_line}: {}\nlog:\n{}",
        stderr(&answer),
        server.log()
    );
    drop(server);
    // The root was given: no note about what to trust.
    let note = client
        .find(Locator::Id("next-anchor"))
        .await
        .expect("#next-anchor");
    assert!(note.attr("hidden").await.expect("hidden").is_some());

    // "Reproduce on the command line", run as printed where the page's
    // files were downloaded, beside the person's key: an equivalent set,
    // each leaf verified by openssl and certplay up to the root.
    let reproduce = text(client, "reproduce").await;
    assert!(
        reproduce.contains("--ca-cert ca.crt")
            && reproduce.contains("--ca-cert intermediate.crt")
            && reproduce.contains("--ca-key inter.key")
            && reproduce.ends_with(" --out pki"),
        "{reproduce}"
    );
    std::fs::copy(dir.join("inter.key"), got.join("inter.key")).expect("the key beside");
    let bin = certplay_tests::certplay_bin();
    let path = format!(
        "{}:{}",
        bin.parent().expect("the binary's folder").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let reissued = Command::new("sh")
        .args(["-c", &reproduce])
        .current_dir(&got)
        .env("PATH", path)
        .stdin(Stdio::null())
        .output()
        .expect("running the printed command");
    let said = ok(&reissued, &reproduce);
    let again = got.join("pki");
    assert_eq!(
        first_cert(&again.join("intermediate.crt")).der,
        first_cert(&dir.join("inter.crt")).der,
        "{said}"
    );
    for leaf in ["server", "client"] {
        let chain = format!("{leaf}-chain.crt");
        let verified = ok(
            &run(
                &again,
                "openssl",
                &[
                    "verify",
                    "-CAfile",
                    "ca.crt",
                    "-untrusted",
                    &chain,
                    &format!("{leaf}.crt"),
                ],
            ),
            leaf,
        );
        assert!(verified.ends_with(": OK\n"), "{leaf}: {verified}");
        let mut args = vec!["verify", "--ca", "ca.crt", "--purpose", leaf];
        if leaf == "server" {
            args.extend(["--host", "localhost"]);
        }
        args.push(&chain);
        let checked = certplay(&again, &args);
        assert!(
            checked.status.success(),
            "certplay verify {leaf}: {}{}",
            stdout(&checked),
            stderr(&checked)
        );
    }

    // The intermediate alone (its root not given): the page says which of
    // its files servers and clients must trust, in core's words.
    let issue = open_page(client, &session.page_url).await;
    click(client, "entry-0-existing").await;
    let loaded = own_ca_answer(client, async {
        pick_file(client, "entry-0-own-ca-key", &dir.join("inter.key")).await;
        pick_file(client, "entry-0-own-ca-cert", &dir.join("inter.crt")).await;
    })
    .await
    .expect("the intermediate and its key");
    assert!(loaded.contains("root not given"), "{loaded}");
    issue.click().await.expect("pressing Issue");
    wait_until_issued(client).await;
    let note = text(client, "next-anchor").await;
    assert!(
        note.contains("was not given")
            && note.contains("intermediate.crt is what servers and clients must trust")
            && note.contains("Example Corp Issuing CA"),
        "{note}"
    );
    let serve_line = text(client, "next-serve").await;
    assert!(serve_line.contains("--ca intermediate.crt"), "{serve_line}");
    let reproduce = text(client, "reproduce").await;
    assert!(
        reproduce.ends_with("--ca-cert intermediate.crt --ca-key inter.key --out pki"),
        "{reproduce}"
    );
}

/// `openssl s_client -showcerts` output pasted whole into the inspector
/// (issue 25, item 3), captured here from a real `openssl s_server -Verify
/// 1 -verify_return_error` given the page's own server files: when it trusts the page's CA, the
/// page says its issued client would likely be accepted; when it trusts
/// another CA, that it would likely be refused and why, in core's words.
/// curl with the same client agrees each time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s_client_output_in_the_inspector_says_whether_the_issued_client_gets_in() {
    let session = Session::issued().await;
    let (client, downloads) = (&session.client, session.downloads.path());
    let dir = temp_dir();
    let dir = dir.path();
    download_files(
        client,
        downloads,
        &[
            "ca.crt",
            "server.crt",
            "server.key",
            "client.crt",
            "client.key",
        ],
        dir,
    )
    .await;
    let other = issue_other_ca("Some Other CA", certplay_core::KeyType::EcdsaP256);
    for (trusted, accepted) in [
        (dir.join("ca.crt"), true),
        (other.path().join("ca.crt"), false),
    ] {
        let trusted = trusted.display().to_string();
        let server = SServer::start(
            dir,
            &["-Verify", "1", "-verify_return_error", "-CAfile", &trusted],
        );
        let captured = showcerts(dir, server.port, &[]);
        let pasted = stdout(&captured);
        assert!(
            pasted.contains("Acceptable client certificate CA names"),
            "{pasted}{}",
            stderr(&captured)
        );
        paste(client, "inspect-input", &pasted).await;
        client
            .execute(
                "document.getElementById('inspect-server').textContent = ''",
                vec![],
            )
            .await
            .expect("clearing the last prediction");
        click(client, "inspect-run").await;
        let said = wait_for_text(client, "inspect-server", |t| t.contains("(client.crt)")).await;
        let answer = curl_status(dir, server.port, "client.crt", "client.key");
        assert_eq!(let_in(&answer), accepted, "curl: {}", stderr(&answer));
        if accepted {
            assert!(
                said.contains("the server asks for a client certificate; CA names it lists (1):")
                    && said.contains("CN=my-ca"),
                "{said}"
            );
            assert!(
                said.contains(
                    "with the client certificate CN=my-client (client.crt): likely accepted"
                ),
                "{said}"
            );
        } else {
            assert!(
                said.contains("(client.crt): likely refused")
                    && said.contains("not from a CA it asked for")
                    && said.contains("CN=Some Other CA"),
                "{said}"
            );
        }
    }
}

/// The compare's tables as data: per pair of certificates, each row's
/// field, A's and B's values, and its effects (`severity words`).
async fn compared(client: &Client) -> serde_json::Value {
    client
        .execute(
            "return [...document.querySelectorAll('#compare-result table')].map(t => \
               [...t.querySelectorAll('tr[data-field]')].map(r => ({ \
                 field: r.dataset.field, a: r.children[1].textContent, \
                 b: r.children[2].textContent, \
                 effects: [...r.nextElementSibling.querySelectorAll('li')] \
                   .map(li => li.dataset.severity + ' ' + li.textContent) })))",
            vec![],
        )
        .await
        .expect("reading the compare's tables")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_puts_the_blogs_openssl_set_beside_certplays_field_by_field() {
    let session = Session::start().await;
    let client = &session.client;
    open_page(client, &session.page_url).await;

    click(client, "compare-blog").await;
    let summary = wait_for_text(client, "compare-status", |s| s.contains("compared")).await;
    assert!(
        summary.starts_with("3 certificate pair(s) compared: ")
            && summary.contains("refused by a TLS stack"),
        "{summary}"
    );
    // A holds the blog's openssl-made certificates: v1 server and client.
    let a: String = client
        .execute("return document.getElementById('compare-a').value", vec![])
        .await
        .expect("#compare-a")
        .as_str()
        .expect("text")
        .to_owned();
    let blocks = certplay_core::read::read("a.pem", a.as_bytes()).unwrap();
    let versions: Vec<u8> = certplay_core::read::certificates(&blocks)
        .iter()
        .map(|c| c.version)
        .collect();
    assert_eq!(versions, [3, 1, 1], "{a}");
    // Made when the button was pressed, as the blog's commands would be
    // now: valid from now for 365 days, whatever the date.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for c in certplay_core::read::certificates(&blocks) {
        assert!(
            (now - 600..=now + 60).contains(&c.not_before.0)
                && c.not_after.0 - c.not_before.0 == 365 * 86_400,
            "{}: {:?} to {:?}",
            c.subject,
            c.not_before,
            c.not_after
        );
    }

    let pairs = compared(client).await;
    let pairs = pairs.as_array().expect("tables");
    assert_eq!(pairs.len(), 3, "{pairs:#?}");
    let row = |pair: usize, field: &str| {
        pairs[pair]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["field"] == field)
            .unwrap_or_else(|| panic!("no {field} in pair {pair}: {:#}", pairs[pair]))
            .clone()
    };
    let effects = |r: &serde_json::Value| -> Vec<String> {
        r["effects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_owned())
            .collect()
    };
    // The server certificate (second in each set).
    let version = row(1, "version");
    assert_eq!(
        (version["a"].as_str(), version["b"].as_str()),
        (Some("v1"), Some("v3"))
    );
    assert!(
        effects(&version)
            .iter()
            .any(|e| e.starts_with("error A: Error x509-v1: ") && e.contains("rustls")),
        "{version:#}"
    );
    let san = row(1, "subjectAltName");
    assert_eq!(san["a"], "(absent)");
    assert!(
        san["b"].as_str().unwrap().contains("DNS:localhost"),
        "{san:#}"
    );
    assert!(
        effects(&san)
            .iter()
            .any(|e| e.starts_with("error A: ") && e.contains("CN=localhost")),
        "{san:#}"
    );
    let eku = row(2, "extKeyUsage");
    assert_eq!(eku["a"], "(absent)");
    assert!(
        eku["b"]
            .as_str()
            .unwrap()
            .contains("TLS Web Client Authentication"),
        "{eku:#}"
    );
    let key_usage = row(0, "keyUsage");
    assert!(
        effects(&key_usage)
            .iter()
            .any(|e| e.starts_with("warning A: ") && e.contains("-x509_strict")),
        "{key_usage:#}"
    );
    for pair in pairs {
        for r in pair.as_array().unwrap() {
            assert!(!effects(r).is_empty(), "no effect: {r:#}");
        }
    }

    // Two pasted certificates: the same one twice is the same.
    let end = a.find("-----END CERTIFICATE-----").expect("a PEM block") + 25;
    let blog_ca = &a[..end];
    paste(client, "compare-a", blog_ca).await;
    paste(client, "compare-b", blog_ca).await;
    click(client, "compare-run").await;
    let same = wait_for_text(client, "compare-status", |s| s.contains("the same")).await;
    assert_eq!(same, "1 certificate pair(s) compared: the same");
    // Something that is no certificate says so.
    paste(client, "compare-b", "not a certificate").await;
    click(client, "compare-run").await;
    let refused = wait_for_text(client, "compare-status", |s| s.contains("PEM")).await;
    assert!(refused.contains('B'), "{refused}");
    session.close().await;
}
