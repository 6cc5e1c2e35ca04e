//! The handshake lab's parity: `certplay lab` breaks the blog's set in
//! every way it knows (P-256 and RSA-2048); for every case and TLS version
//! the client offers, core's prediction (in `lab.json`), the in-memory
//! handshake (core's pure-Rust provider, the case's files), a real
//! `certplay serve` started with the case's files, real curl (exit code and
//! words) and real `openssl s_client` (verify result or alert) all end as
//! `lab.json` says; and so does the page's own handshake: the real page in
//! headless Chromium (one page load, meanwhile) issues the blog's set with
//! each key type and presses "Break it every way" with each TLS version,
//! its tools worker breaking and predicting, its lab module (wasm)
//! handshaking. Where the stacks differ by design the case says so
//! (`difference`), and the test expects exactly that difference. Any
//! disagreement fails with the whole table.

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use certplay_core::lab::{
    self, clients::Expected, crypto, CaseFile, IndexCase, IndexRun, LabIndex, Mutated, Outcome,
    Side, Verdict,
};
use certplay_core::verify::ReasonKind;
use certplay_tests::client::{run_with_input, Said};
use certplay_tests::page::{
    chromium, open_lab, open_page, press_issue, select, Listening, Playground,
};
use certplay_tests::parity::{Cell, RowKey, Table};
use certplay_tests::{certplay, stderr, stdout, temp_dir, Server};
use fantoccini::{Client, Locator};

/// The key types every case runs with.
const KEY_TYPES: [&str; 2] = ["p256", "rsa2048"];
/// Rows run at once (each starts its own server, then curl and openssl).
const WORKERS: usize = 6;

#[test]
fn every_case_ends_alike_in_the_prediction_memory_serve_curl_openssl_and_page() {
    let dir = temp_dir();
    let mut work = Vec::new();
    for key in KEY_TYPES {
        let out = certplay(
            dir.path(),
            &["lab", "--out", key, "--preset", "blog", "--key-type", key],
        );
        assert!(
            out.status.success(),
            "certplay lab --key-type {key}:\n{}{}",
            stdout(&out),
            stderr(&out)
        );
        let root = dir.path().join(key);
        let index: LabIndex = serde_json::from_slice(&fs::read(root.join("lab.json")).unwrap())
            .expect("lab.json reads back");
        let names: Vec<_> = index.cases.iter().map(|c| c.name).collect();
        assert_eq!(names, lab::Case::ALL.to_vec(), "lab.json lists every case");
        for case in &index.cases {
            for run in &case.runs {
                work.push(Row {
                    key,
                    folder: root.join(&case.dir),
                    case: case.clone(),
                    run: run.clone(),
                    port: index.port,
                    at: index.at,
                });
            }
        }
    }
    let rows = work.len();
    let predicted: Vec<(RowKey, String)> = work
        .iter()
        .map(|row| (row.key(), words(&row.run.prediction.verdict)))
        .collect();
    let queue = Mutex::new(work);
    let table = Mutex::new(Table::default());
    let page = thread::scope(|scope| {
        let page = scope.spawn(in_the_page);
        for _ in 0..WORKERS {
            scope.spawn(|| loop {
                let Some(row) = queue.lock().unwrap().pop() else {
                    return;
                };
                let cells = row.check();
                let mut table = table.lock().unwrap();
                if let Some(difference) = &row.case.difference {
                    table.note(row.case.name.name(), difference);
                }
                for (column, cell) in cells {
                    table.set(row.key(), column, cell);
                }
            });
        }
        page.join().expect("the page's column")
    });
    let mut table = table.into_inner().unwrap();
    for (key, prediction) in predicted {
        let cell = match page.iter().find(|(k, _)| *k == key) {
            Some((_, said)) => Cell::check(said.clone(), *said == prediction, prediction),
            None => Cell::check("(not in the page's table)", false, prediction),
        };
        table.set(key, "page", cell);
    }
    let text = table.render();
    println!("{text}");
    assert_eq!(table.rows().count(), rows, "every row ran:\n{text}");
    let disagreements = table.disagreements();
    assert!(
        disagreements.is_empty(),
        "the stacks disagree:\n{}\n\n{text}",
        disagreements.join("\n")
    );
}

/// The page's column: the real page (served by `certplay serve`) in
/// headless Chromium, one load: for each key type, Issue, then for each
/// TLS version "Break it every way"; each row of `#lab-table` is the page's
/// handshake of one case, in the table's words.
fn in_the_page() -> Vec<(RowKey, String)> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for WebDriver")
        .block_on(async {
            let playground = Playground::start();
            let driver = Listening::chromedriver();
            let profile = temp_dir();
            let client =
                chromium(&driver, profile.path(), &["--window-size=1280,1600"], None).await;
            let rows = break_every_way(&client, &playground.url).await;
            client.close().await.expect("closing the browser");
            rows
        })
}

async fn break_every_way(client: &Client, page_url: &str) -> Vec<(RowKey, String)> {
    open_page(client, page_url).await;
    let mut rows = Vec::new();
    for key in KEY_TYPES {
        select(client, "key-type", key).await;
        press_issue(client).await;
        open_lab(client).await;
        for (tls, offers) in [("tls13", "tls13-only"), ("tls12", "tls12-only")] {
            select(client, "lab-tls", tls).await;
            client
                .find(Locator::Id("lab-every"))
                .await
                .expect("#lab-every")
                .click()
                .await
                .expect("pressing Break it every way");
            wait(client, "every case in the page", || async move {
                attr(client, "lab-table", "data-state").await.as_deref() == Some("done")
            })
            .await;
            for row in client
                .find_all(Locator::Css("#lab-table-rows > tr"))
                .await
                .expect("the table's rows")
            {
                let case = row.attr("data-case").await.expect("data-case");
                let page = row.attr("data-page").await.expect("data-page");
                let (Some(case), Some(page)) = (case, page) else {
                    continue;
                };
                // The case about versions offers TLS 1.2 only, whatever
                // the select says: one row.
                let about_versions = case.parse::<lab::Case>().is_ok_and(|c| c.sets_versions());
                if about_versions && tls != "tls12" {
                    continue;
                }
                let key = RowKey {
                    case,
                    key: key.into(),
                    tls: offers.into(),
                };
                rows.push((key, page));
            }
        }
    }
    rows
}

async fn attr(client: &Client, id: &str, name: &str) -> Option<String> {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .attr(name)
        .await
        .unwrap_or_else(|e| panic!("#{id} {name}: {e}"))
}

/// Polls `done` until it holds (3 minutes: RSA keys for the broken copies
/// are made in the page), failing with what `#lab-error` and `#error` say.
async fn wait<F, Fut>(client: &Client, what: &str, done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(180);
    while !done().await {
        if Instant::now() > deadline {
            let mut said = String::new();
            for id in ["error", "lab-error", "lab-break-status"] {
                if let Ok(element) = client.find(Locator::Id(id)).await {
                    said.push_str(&format!("#{id}: {:?}\n", element.text().await));
                }
            }
            panic!("waited 180 s for {what}:\n{said}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One case, key type and TLS version.
struct Row {
    key: &'static str,
    folder: PathBuf,
    case: IndexCase,
    run: IndexRun,
    port: u16,
    at: i64,
}

impl Row {
    fn key(&self) -> RowKey {
        RowKey {
            case: self.case.name.name().into(),
            key: self.key.into(),
            tls: serde_json::to_value(self.run.offers)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        }
    }

    fn check(&self) -> Vec<(&'static str, Cell)> {
        let prediction = words(&self.run.prediction.verdict);
        let mut cells = vec![("prediction", Cell::agrees(prediction.clone()))];

        let broken = Mutated::from_index(&self.case, files(&self.folder))
            .expect("the case's folder holds its files")
            .offering(self.run.offers);
        let memory = in_memory(&broken, self.at);
        cells.push((
            "memory",
            Cell::check(memory.clone(), memory == prediction, prediction.clone()),
        ));

        let args: Vec<&str> = self.case.serve[2..]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .chunks(2)
            .filter(|pair| pair.first() != Some(&"--port"))
            .flatten()
            .copied()
            .chain(["--no-page"])
            .collect();
        let server = Server::start(&self.folder, &args);

        let curl = self.client(&self.run.curl, server.port, None);
        let expected = &self.run.curl_expected;
        cells.push((
            "curl",
            Cell::check(
                curl.short(expected),
                curl.matches(expected),
                expected.to_string(),
            ),
        ));

        let expected_log = self.served_kind();
        let logged = last_kind(&server.wait_for_log(" kind="));
        cells.push((
            "serve",
            Cell::check(logged.clone(), logged == expected_log, expected_log),
        ));

        let request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        let openssl = self.client(&self.run.openssl, server.port, Some(request));
        let expected = &self.run.openssl_expected;
        cells.push((
            "openssl",
            Cell::check(
                openssl.short(expected),
                openssl.matches(expected),
                expected.to_string(),
            ),
        ));
        cells
    }

    /// The kind `certplay serve` logs for curl's connection: `ok`, its
    /// reason's, or the client's refusal of its certificate (in the
    /// handshake; a name curl checks after it, then hangs up: no request).
    /// With a key that is not its certificate's, curl connects, refuses
    /// to start TLS with it, and closes without a byte.
    fn served_kind(&self) -> &'static str {
        let refused_by_curl = ReasonKind::ServerCertificateRefused.name();
        match &self.run.prediction.verdict {
            Verdict::KeyMismatch => "closed-before-hello",
            // No server to log anything.
            Verdict::ServeRefuses { .. } => "",
            Verdict::Refused {
                by: Side::Client,
                reason,
                ..
            } if reason.kind() == ReasonKind::NameMismatch => "no-request",
            Verdict::Refused {
                by: Side::Client, ..
            } => refused_by_curl,
            // The expected difference: OpenSSL refuses what rustls accepts.
            Verdict::Accepted if self.case.difference.is_some() => refused_by_curl,
            Verdict::Accepted => "ok",
            Verdict::Refused { reason, .. } => reason.kind().name(),
        }
    }

    /// Runs `argv` (curl or openssl, from lab.json) in the case's folder
    /// against the server on `port`, with `input` on its standard input.
    fn client(&self, argv: &[String], port: u16, input: Option<&str>) -> Said {
        let from = format!(":{}", self.port);
        let to = format!(":{port}");
        let mut args: Vec<String> = argv.iter().map(|a| a.replace(&from, &to)).collect();
        let program = args.remove(0);
        if program == "curl" {
            args.splice(
                0..0,
                ["--silent", "--show-error", "--max-time", "20"].map(String::from),
            );
        } else {
            args.push("-ign_eof".into());
        }
        run_with_input(&self.folder, &program, &args, input.unwrap_or(""))
    }
}

/// A client's end against what the case expects of it.
trait Judged {
    fn matches(&self, expected: &Expected) -> bool;
    fn short(&self, expected: &Expected) -> String;
}

impl Judged for Said {
    fn matches(&self, expected: &Expected) -> bool {
        self.exit
            .is_some_and(|code| expected.matches(code, &self.output))
    }

    /// `exit N: ` and the expected words it printed, else the line that
    /// best says what happened.
    fn short(&self, expected: &Expected) -> String {
        let exit = self
            .exit
            .map_or("killed".to_owned(), |c| format!("exit {c}"));
        let found = expected
            .printed
            .iter()
            .find(|p| Some(i32::from(p.exit)) == self.exit && self.output.contains(&p.words));
        let line = if let Some(printed) = found {
            printed.words.clone()
        } else {
            self.output
                .lines()
                .find(|l| {
                    l.contains("curl:")
                        || l.contains("alert")
                        || l.contains("verify error")
                        || l.contains("error")
                })
                .unwrap_or_else(|| self.output.lines().next().unwrap_or(""))
                .trim()
                .chars()
                .take(120)
                .collect()
        };
        format!("{exit}: {line}")
    }
}

/// Every file of a case's folder, as the lab wrote it.
fn files(folder: &Path) -> Vec<CaseFile> {
    let mut files = Vec::new();
    for entry in fs::read_dir(folder).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        files.push(CaseFile {
            private: name.ends_with(".key"),
            contents: fs::read_to_string(entry.path()).unwrap(),
            name,
        });
    }
    files
}

/// A verdict in the table's words (the page's table uses the same).
fn words(verdict: &Verdict) -> String {
    verdict.short()
}

/// The in-memory handshake at `at`, in the prediction's words.
fn in_memory(broken: &Mutated, at: i64) -> String {
    match lab::run(broken, &crypto::provider(), at) {
        Err(certplay_core::Error::KeyMismatch { .. }) => "key-mismatch".into(),
        Err(refusal)
            if lab::server_tls(broken, &crypto::provider(), at)
                .err()
                .as_ref()
                == Some(&refusal) =>
        {
            "serve-refuses".into()
        }
        Err(other) => format!("error: {other}"),
        Ok(transcript) => match transcript.outcome {
            Outcome::Answered { status: 200, body } if body == "Hello World\n" => "accepted".into(),
            Outcome::Answered { status, body } => format!("answered {status}: {body:?}"),
            Outcome::Refused(refused) => words(&Verdict::Refused {
                by: refused.by,
                alert: refused
                    .alert
                    .map_or(certplay_core::rustls::AlertDescription::Unknown(0), |a| a.0),
                reason: refused.reason,
            }),
        },
    }
}

/// The `kind=` of the last connection the server logged.
fn last_kind(log: &str) -> String {
    log.lines()
        .filter_map(|line| line.split(" kind=").nth(1))
        .next_back()
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("")
        .to_owned()
}

#[test]
fn certplay_lab_never_writes_over_a_file_without_force() {
    let dir = temp_dir();
    let args = ["lab", "--out", "lab", "--key-type", "p256"];
    let first = certplay(dir.path(), &args);
    assert!(first.status.success(), "{}", stderr(&first));
    let key = dir.path().join("lab/client-expired/client.key");
    let mode = fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "a key is its owner's only");
    let (index, key_before) = (
        fs::read(dir.path().join("lab/lab.json")).unwrap(),
        fs::read(&key).unwrap(),
    );

    let again = certplay(dir.path(), &args);
    assert!(!again.status.success(), "certplay lab wrote over a lab");
    let said = stderr(&again);
    assert!(
        said.contains("already holds") && said.contains("lab.json") && said.contains("--force"),
        "{said}"
    );
    assert_eq!(fs::read(dir.path().join("lab/lab.json")).unwrap(), index);
    assert_eq!(fs::read(&key).unwrap(), key_before);

    let mut forced = args.to_vec();
    forced.push("--force");
    let out = certplay(dir.path(), &forced);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(
        fs::read(&key).unwrap(),
        key_before,
        "--force makes the lab again"
    );
}

/// `certplay serve`'s arguments of a case (from lab.json, after `certplay
/// serve`) without its port, and without the page.
fn serve_args(case: &IndexCase) -> Vec<String> {
    let mut args: Vec<String> = case.serve[2..]
        .chunks(2)
        .filter(|pair| pair.first().map(String::as_str) != Some("--port"))
        .flatten()
        .cloned()
        .collect();
    args.push("--no-page".into());
    args
}

/// Where `certplay serve` refuses to start with a case's server files (the
/// as-issued case of `certplay lab`, its server's `--key` swapped for the
/// client's), the lab goes through serve's own start-up checks and says
/// so in serve's words: core's prediction and the in-memory handshake of
/// the folder's files give the very words the real `certplay serve`,
/// started with the same files in the same folder, prints before it exits;
/// curl then finds no server, as predicted. Where serve starts but warns
/// (an expired server certificate, one sent without its intermediate),
/// lab.json and the case's commands.txt carry its warnings word for word.
#[test]
fn where_serve_refuses_to_start_or_warns_the_lab_says_so_in_its_words() {
    let dir = temp_dir();
    let out = certplay(dir.path(), &["lab", "--out", "lab", "--key-type", "p256"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let root = dir.path().join("lab");
    let index: LabIndex = serde_json::from_slice(&fs::read(root.join("lab.json")).unwrap())
        .expect("lab.json reads back");
    let case = |name: lab::Case| {
        index
            .cases
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("lab.json has {name}"))
            .clone()
    };

    // A copy of the as-issued folder, the server's key swapped.
    let as_issued = case(lab::Case::AsIssued);
    let folder = dir.path().join("swapped");
    fs::create_dir(&folder).unwrap();
    for file in files(&root.join(&as_issued.dir)) {
        fs::write(folder.join(&file.name), &file.contents).unwrap();
    }
    let (_, client_key) = as_issued
        .client_files
        .identity
        .clone()
        .expect("a client key");
    fs::copy(
        folder.join(&client_key),
        folder.join(&as_issued.serve_files.key),
    )
    .unwrap();
    let broken = Mutated::from_index(&as_issued, files(&folder)).expect("the folder's files");
    let prediction = lab::predict(&broken, index.at).unwrap();
    let Verdict::ServeRefuses { words } = &prediction.verdict else {
        panic!("predicted {:?}, not serve's refusal", prediction.verdict);
    };
    assert!(
        words.contains("is not the private key of"),
        "serve's words for a swapped key: {words}"
    );
    match lab::run(&broken, &crypto::provider(), index.at) {
        Err(refusal) => assert_eq!(&refusal.to_string(), words, "in memory"),
        Ok(transcript) => panic!("a handshake in memory: {:?}", transcript.outcome),
    }
    let args = serve_args(&as_issued);
    let args: Vec<&str> = ["serve"]
        .into_iter()
        .chain(args.iter().map(String::as_str))
        .chain(["--port", "0"])
        .collect();
    let served = certplay(&folder, &args);
    assert!(!served.status.success(), "certplay serve started: {args:?}");
    assert_eq!(
        stderr(&served).trim_end(),
        format!("certplay: error: {words}"),
        "the real certplay serve, in the case's folder"
    );
    let curl = lab::clients::Clients::CHECKED.curl(&prediction);
    let port = certplay_tests::free_port().to_string();
    let argv: Vec<String> = lab::index_case(&broken, index.at, lab::clients::Clients::CHECKED)
        .unwrap()
        .runs[0]
        .curl
        .iter()
        .map(|a| a.replace(&format!(":{}", index.port), &format!(":{port}")))
        .collect();
    let said = run_with_input(&folder, &argv[0], &argv[1..], "");
    assert!(
        said.matches(&curl),
        "curl against no server: {:?} {}, expected {curl}",
        said.exit,
        said.output
    );

    let mut warned = 0;
    for case in &index.cases {
        let folder = root.join(&case.dir);
        let commands = fs::read_to_string(folder.join(lab::COMMANDS_FILE)).unwrap();
        for warning in &case.serve_warnings {
            assert!(
                commands.contains(&format!("# certplay serve warns: {warning}")),
                "{}: {commands}",
                case.name
            );
        }
        if case.serve_warnings.is_empty()
            && ![lab::Case::ServerExpired, lab::Case::AsIssued].contains(&case.name)
        {
            continue;
        }
        let args = serve_args(case);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = Server::start(&folder, &args);
        // It warns before it listens; its log is read on another thread.
        let log = match case.serve_warnings.last() {
            Some(last) => server.wait_for_log(last),
            None => server.log(),
        };
        let logged: Vec<&str> = log
            .lines()
            .filter_map(|line| line.split(" WARN ").nth(1))
            .map(str::trim)
            .collect();
        assert_eq!(
            logged, case.serve_warnings,
            "{}: what certplay serve warned of, and what lab.json says it does:\n{log}",
            case.name
        );
        warned += logged.len();
    }
    assert!(warned >= 2, "the server cases warn: {warned}");
}
