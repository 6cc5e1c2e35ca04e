//! The page in a real headless Chromium, driven over WebDriver: the
//! `certplay serve` that serves it, chromedriver, a Chromium session, and
//! what every page test does first (open the page, issue, open the lab).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::{leading_port, printed_port, temp_dir, KillOnDrop, Server, TempDir};

/// A program listening on a loopback port it was told to pick itself
/// (chromedriver, a plain static file server), killed on drop.
#[derive(Debug)]
pub struct Listening {
    _child: KillOnDrop,
    /// The port it listens on.
    pub port: u16,
}

impl Listening {
    /// Starts `program ARGS`, told by `args` to listen on port 0, and
    /// waits for the line on its standard output from which `port_in`
    /// reads the port it got (see [`printed_port`]).
    pub fn start(program: &str, args: &[&str], port_in: impl Fn(&str) -> Option<u16>) -> Self {
        let mut command = Command::new(program);
        command.args(args);
        Self::start_command(command, program, port_in)
    }

    /// [`Listening::start`] of `command` (its arguments and environment set).
    fn start_command(
        mut command: Command,
        program: &str,
        port_in: impl Fn(&str) -> Option<u16>,
    ) -> Self {
        let mut child = KillOnDrop(
            command
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot start {program}: {e} (cargo xtask test installs it)")
                }),
        );
        let port = printed_port(&mut child.0, program, port_in);
        Self {
            _child: child,
            port,
        }
    }

    /// chromedriver (`CHROMEDRIVER`, or Debian's `/usr/bin/chromedriver`).
    pub fn chromedriver() -> Self {
        Self::chromedriver_command(|_| {})
    }

    /// chromedriver with `home` as its `$HOME`, and so the Chromium it
    /// starts: Chromium on Linux reads the roots a person trusts from the
    /// NSS database in `$HOME/.pki/nssdb`.
    pub fn chromedriver_with_home(home: &Path) -> Self {
        Self::chromedriver_command(|command| {
            command.env("HOME", home);
        })
    }

    /// `chromedriver --port=0`, which prints `ChromeDriver was started
    /// successfully on port PORT.` once it listens there.
    fn chromedriver_command(set_up: impl FnOnce(&mut Command)) -> Self {
        let program =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let mut command = Command::new(&program);
        command.arg("--port=0");
        set_up(&mut command);
        Self::start_command(command, &program, |line| {
            leading_port(line.split("started successfully on port ").nth(1)?)
        })
    }
}

/// A WebDriver session with headless Chromium (`CHROMIUM`, or
/// `/usr/bin/chromium`) through `driver`, with a fresh profile in
/// `profile`, the flags every page test runs it with, and `more` (the
/// window size, ...); downloads go to `downloads` without asking, when
/// given. Close it with `client.close()`.
pub async fn chromium(
    driver: &Listening,
    profile: &Path,
    more: &[&str],
    downloads: Option<&Path>,
) -> Client {
    chromium_with(driver, profile, more, downloads, serde_json::Map::new()).await
}

/// [`chromium`] with more WebDriver capabilities (`pageLoadStrategy`, ...).
pub async fn chromium_with(
    driver: &Listening,
    profile: &Path,
    more: &[&str],
    downloads: Option<&Path>,
    mut capabilities: serde_json::Map<String, serde_json::Value>,
) -> Client {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    .iter()
    .chain(more)
    .map(|arg| (*arg).to_owned())
    .collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut options = json!({ "binary": chromium, "args": args });
    if let Some(downloads) = downloads {
        options["prefs"] = json!({
            "download.default_directory": downloads.display().to_string(),
            "download.prompt_for_download": false,
            "download.directory_upgrade": true,
            "profile.default_content_setting_values.automatic_downloads": 1,
            "safebrowsing.enabled": false,
        });
    }
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), options);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session with Chromium")
}

/// A `certplay serve --page-port 0` serving the page (and its demo set on
/// its mTLS port), in a folder of its own.
#[derive(Debug)]
pub struct Playground {
    /// The server.
    pub server: Server,
    /// `http://127.0.0.1:PAGE_PORT/`.
    pub url: String,
    _dir: TempDir,
}

impl Playground {
    /// Starts it and waits until it listens.
    pub fn start() -> Self {
        let dir = temp_dir();
        let server = Server::start(dir.path(), &["--page-port", "0"]);
        let url = format!(
            "http://127.0.0.1:{}/",
            server.page_port.expect("the playground serves the page")
        );
        Self {
            server,
            url,
            _dir: dir,
        }
    }
}

/// Opens every closed disclosure (`<details>`) around `#id`, as a person
/// does before reaching a control behind an entry's or a card's "More",
/// and returns the element.
pub async fn shown(client: &Client, id: &str) -> Element {
    client
        .execute(
            "for (let at = document.getElementById(arguments[0]); at; at = at.parentElement) { \
               if (at.tagName === 'DETAILS') at.open = true; \
             }",
            vec![json!(id)],
        )
        .await
        .unwrap_or_else(|e| panic!("opening what holds #{id}: {e}"));
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
}

/// `#id`'s text (opened as [`shown`] does).
pub async fn text(client: &Client, id: &str) -> String {
    shown(client, id)
        .await
        .text()
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
}

/// Puts `text` into the text area `#id`, as a paste would.
pub async fn paste(client: &Client, id: &str, text: &str) {
    client
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1]",
            vec![json!(id), json!(text)],
        )
        .await
        .unwrap_or_else(|e| panic!("pasting into #{id}: {e}"));
}

/// Chooses the option with `value` in the select `#id`.
pub async fn select(client: &Client, id: &str, value: &str) {
    shown(client, id)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("choosing {value} in #{id}: {e}"));
}

/// Clicks `#id` (opened as [`shown`] does).
pub async fn click(client: &Client, id: &str) {
    shown(client, id)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking #{id}: {e}"));
}

/// Waits until `#id`'s text satisfies `done` (30 s), and returns it.
pub async fn wait_for_text(client: &Client, id: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let shown = text(client, id).await;
        if done(&shown) {
            return shown;
        }
        assert!(Instant::now() < deadline, "#{id} showed only {shown:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens the page and waits until its Issue button is enabled (the wasm
/// has started); returns the button.
pub async fn open_page(client: &Client, page_url: &str) -> Element {
    client.goto(page_url).await.expect("opening the page");
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
    issue
}

/// Waits until `#result` has `data-state="done"`; fails with `#error`'s text
/// when it turns to "error", or after 120 s (RSA-4096 keys under load).
pub async fn wait_until_issued(client: &Client) {
    let deadline = Instant::now() + Duration::from_secs(120);
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
            "issuing did not finish within 120 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Presses Issue and waits until the set is issued (see
/// [`wait_until_issued`]); a set issued before does not count.
pub async fn press_issue(client: &Client) {
    client
        .execute(
            "document.getElementById('result').dataset.state = 'empty'",
            vec![],
        )
        .await
        .expect("forgetting the set before");
    click(client, "issue").await;
    wait_until_issued(client).await;
}

/// Opens the handshake lab as a person does, by its summary (its module
/// loads then); an open lab stays open.
pub async fn open_lab(client: &Client) {
    let lab = client
        .find(Locator::Id("lab-open"))
        .await
        .expect("#lab-open");
    if lab.prop("open").await.expect("#lab-open's open").as_deref() == Some("true") {
        return;
    }
    client
        .find(Locator::Css("#lab-open > summary"))
        .await
        .expect("the lab's summary")
        .click()
        .await
        .expect("opening the lab");
}

/// The playground serving the page, and a Chromium (1280×1600) driven over
/// WebDriver that downloads into `downloads` without asking. Call
/// [`Session::close`] at the end.
#[derive(Debug)]
pub struct Session {
    /// The WebDriver client.
    pub client: Client,
    /// The page's URL on the playground.
    pub page_url: String,
    /// Where Chromium saves what the page downloads.
    pub downloads: TempDir,
    _profile: TempDir,
    _driver: Listening,
    /// The `certplay serve` that serves the page, and its demo set.
    pub playground: Playground,
}

impl Session {
    /// Starts the playground, chromedriver and Chromium; opens nothing.
    pub async fn start() -> Self {
        let playground = Playground::start();
        let downloads = temp_dir();
        let profile = temp_dir();
        let driver = Listening::chromedriver();
        let client = chromium(
            &driver,
            profile.path(),
            &["--window-size=1280,1600"],
            Some(downloads.path()),
        )
        .await;
        Self {
            client,
            page_url: playground.url.clone(),
            downloads,
            _profile: profile,
            _driver: driver,
            playground,
        }
    }

    /// What most page tests do first: [`Session::start`], open the page,
    /// wait until its live panel is connected to the server that served
    /// it, press Issue and wait for the page's default set (the blog's).
    pub async fn issued() -> Self {
        Self::issued_with(None).await
    }

    /// [`Session::issued`] of the set `preset` (chosen in "Start from").
    pub async fn issued_from(preset: &str) -> Self {
        Self::issued_with(Some(preset)).await
    }

    async fn issued_with(preset: Option<&str>) -> Self {
        let session = Self::start().await;
        let client = &session.client;
        open_page(client, &session.page_url).await;
        wait_for_text(client, "live-status", |s| s.starts_with("Connected")).await;
        if let Some(preset) = preset {
            select(client, "preset", preset).await;
        }
        press_issue(client).await;
        session
    }

    /// Closes Chromium.
    pub async fn close(&self) {
        self.client
            .clone()
            .close()
            .await
            .expect("closing the browser");
    }
}
