//! The whole journey in a real headless Chromium, driven over WebDriver: the
//! page served by `certplay serve`, the form filled, one button pressed, the
//! files downloaded through the browser's own download path, a second
//! `certplay serve` started with them as the page says, and real curl.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use certplay_tests::{curl, curl_with_client_cert, stderr, stdout, temp_dir, Server};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const ZIP_NAME: &str = "certplay-pki.zip";
/// The files the page offers one by one: the blog's six and the plan.
const BLOG_FILE_NAMES: [&str; 7] = [
    "ca.crt",
    "ca.key",
    "server.crt",
    "server.key",
    "client.crt",
    "client.key",
    "certplay-plan.toml",
];

/// chromedriver on a free loopback port, killed on drop.
struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let program =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {program}: {e} (cargo xtask test installs it)")
            });
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, port }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &ChromeDriver, downloads: &Path, profile: &Path) -> Client {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1600",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": {
                "download.default_directory": downloads.display().to_string(),
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
                "profile.default_content_setting_values.automatic_downloads": 1,
                "safebrowsing.enabled": false,
            },
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object literal")
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session with Chromium")
}

async fn text(client: &Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .text()
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
}

/// Waits until `#result` has `data-state="done"`; fails with `#error`'s text
/// when it turns to "error".
async fn wait_until_issued(client: &Client) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let result = client.find(Locator::Id("result")).await.expect("#result");
        match result
            .attr("data-state")
            .await
            .expect("data-state")
            .as_deref()
        {
            Some("done") => return,
            Some("error") => panic!("the page showed an error: {}", text(client, "error").await),
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "issuing did not finish within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until every file in `names` is completely downloaded into `dir`.
fn wait_for_downloads(dir: &Path, names: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let partial = std::fs::read_dir(dir)
            .expect("the download directory")
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"));
        if !partial && names.iter().all(|n| dir.join(n).exists()) {
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

/// One round: issue `key_type` in the page, download everything, serve it,
/// curl it. Returns where the files went.
async fn journey(client: &Client, page_url: &str, downloads: &Path, key_type: &str) -> PathBuf {
    client.goto(page_url).await.expect("opening the page");
    // The button is enabled once the wasm has started.
    let deadline = Instant::now() + Duration::from_secs(30);
    let issue = client.find(Locator::Id("issue")).await.expect("#issue");
    while !issue.is_enabled().await.expect("#issue enabled?") {
        assert!(
            Instant::now() < deadline,
            "the page never became ready: {}",
            text(client, "status").await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ca_cn = client.find(Locator::Id("ca-cn")).await.expect("#ca-cn");
    assert_eq!(
        ca_cn.prop("value").await.expect("value").as_deref(),
        Some("my-ca")
    );

    // Fill the form as a person would: a client name of our own, the key type.
    let client_cn = client
        .find(Locator::Id("client-cn"))
        .await
        .expect("#client-cn");
    client_cn.clear().await.expect("clearing");
    client_cn
        .send_keys(&format!("browser-{key_type}"))
        .await
        .expect("typing");
    client
        .find(Locator::Id("key-type"))
        .await
        .expect("#key-type")
        .select_by_value(key_type)
        .await
        .expect("choosing the key type");
    issue.click().await.expect("pressing Issue");
    wait_until_issued(client).await;

    // What the page shows was read back from the certificates.
    assert_eq!(text(client, "ca-subject").await, "CN=my-ca");
    assert_eq!(
        text(client, "client-subject").await,
        format!("CN=browser-{key_type}")
    );
    let sans = text(client, "server-sans").await;
    for san in ["localhost", "127.0.0.1", "::1"] {
        assert!(sans.contains(san), "server SANs shown: {sans}");
    }
    assert!(text(client, "client-eku").await.contains("clientAuth"));
    let serve_line = text(client, "next-serve").await;
    assert_eq!(
        serve_line,
        "certplay serve --ca ca.crt --cert server.crt --key server.key --port 3001"
    );
    assert_eq!(
        text(client, "next-curl").await,
        "curl --cacert ca.crt --cert client.crt --key client.key https://localhost:3001"
    );

    // Download every file through the browser's real download path.
    let names: Vec<&str> = BLOG_FILE_NAMES.iter().copied().chain([ZIP_NAME]).collect();
    for name in &names {
        let id = if *name == ZIP_NAME {
            "download-zip".to_owned()
        } else {
            format!("download-{}", name.replace('.', "-"))
        };
        client
            .find(Locator::Id(&id))
            .await
            .unwrap_or_else(|e| panic!("#{id}: {e}"))
            .click()
            .await
            .expect("clicking a download");
    }
    wait_for_downloads(downloads, &names);
    let round = downloads.join(key_type);
    std::fs::create_dir_all(&round).expect("a directory for this round");
    for name in &names {
        std::fs::rename(downloads.join(name), round.join(name)).expect("moving a download");
    }

    // The zip holds the same files (the blog's six and the plan), byte for byte.
    let zip = std::fs::File::open(round.join(ZIP_NAME)).expect("the zip");
    let mut archive = zip::ZipArchive::new(zip).expect("a readable zip");
    assert_eq!(archive.len(), BLOG_FILE_NAMES.len());
    for name in BLOG_FILE_NAMES {
        let mut entry = archive
            .by_name(name)
            .unwrap_or_else(|e| panic!("{name} in the zip: {e}"));
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).expect("reading from the zip");
        assert_eq!(
            bytes,
            std::fs::read(round.join(name)).expect("a download"),
            "{name}"
        );
    }

    // Run the page's command (on a free port instead of 3001) and curl.
    let args: Vec<&str> = serve_line
        .split_whitespace()
        .skip(2) // "certplay serve"
        .collect();
    let port_at = args
        .iter()
        .position(|a| *a == "--port")
        .expect("--port in the command");
    let args: Vec<&str> = args
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != port_at && *i != port_at + 1)
        .map(|(_, a)| *a)
        .chain(["--no-page"])
        .collect();
    let server = Server::start(&round, &args);
    let ok = curl_with_client_cert(&round, &server.url());
    assert_eq!(
        stdout(&ok),
        "Hello World\n",
        "curl: {}\nlog:\n{}",
        stderr(&ok),
        server.log()
    );
    server.wait_for_log(&format!("accepted CN=browser-{key_type}"));
    let without = curl(&round, &["--cacert", "ca.crt", &server.url()]);
    assert!(
        !without.status.success(),
        "curl without a client certificate succeeded"
    );
    server.wait_for_log("no client certificate");
    round
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_in_the_page_download_serve_and_curl() {
    let playground_dir = temp_dir();
    let playground = Server::start(playground_dir.path(), &["--page-port", "0"]);
    let page_url = format!(
        "http://127.0.0.1:{}/",
        playground
            .page_port
            .expect("the playground serves the page")
    );
    let downloads = temp_dir();
    let profile = temp_dir();
    let driver = ChromeDriver::start();
    let client = browser(&driver, downloads.path(), profile.path()).await;
    for key_type in ["p256", "rsa2048"] {
        journey(&client, &page_url, downloads.path(), key_type).await;
    }
    client.close().await.expect("closing the browser");
}
