//! README.md, run as written: every `sh` block, in order, with the real
//! `certplay` of this workspace, real curl and real openssl, compared with
//! what the README says they do. A README edit that breaks a command breaks
//! this test.
//!
//! The rules (docs/ARCHITECTURE.md, "How README.md is tested", says them in short):
//!
//! - Every `sh` block runs, except one whose last non-blank line before it
//!   is an HTML comment starting `<!-- build step` or `<!-- install step`
//!   (the quick start and the install: they build, which the test command
//!   does itself).
//! - Each heading starts an example in a fresh empty folder; the blocks
//!   under it run there, in order, sharing that folder.
//! - Each command (a line; a line ending in `\` goes on on the next; lines
//!   starting with `#` are comments) runs on its own with `sh -c`, with the
//!   folder of this workspace's `certplay` first on PATH. It must exit 0,
//!   unless its comment says `exits N` (or `exits N or M`).
//! - A command ending in `&` runs in the background: the next command waits
//!   until it has printed a line starting with `curl` (what `certplay
//!   serve` prints last once it listens). It runs until the example ends,
//!   then gets SIGTERM (SIGKILL after 10 s), by its process id.
//! - Ports: a number of four or five digits after `:`, `--port ` or
//!   `--page-port ` in a command is a port, replaced by a free one (the same
//!   number by the same free port within an example); `certplay serve`
//!   without `--port` gets the free port of 3000, and without `--page-port`
//!   or `--no-page` the one of 8080.
//! - A `text` block right after an `sh` block (nothing but blank lines
//!   between) lists lines that the block prints: its commands' standard
//!   output and error, and the output of the background commands of the
//!   example. Each listed line must be printed (in any order, among other
//!   lines, each by a different line); in a listed line `…` stands for any
//!   text, and a timestamp (`2026-12-07T02:53:11.545974Z`) and a port (any
//!   number after `:`) match any.
//!
//! `CERTPLAY_README=FILE` runs another copy of the README (to see this test
//! fail on a broken one).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use certplay_tests::{certplay_bin, free_port, free_port_run, temp_dir};

/// How long one foreground command may run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a background command may take to print its curl line.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a listed line may take to appear (a server logs a connection
/// after curl has its answer).
const LINE_TIMEOUT: Duration = Duration::from_secs(20);

#[test]
fn every_command_of_the_readme_does_what_the_readme_says() {
    let path = std::env::var_os("CERTPLAY_README").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"),
        PathBuf::from,
    );
    let readme = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let name = path.display().to_string();
    let blocks = parse(&readme);
    let run = blocks.iter().filter(|b| !b.skipped).count();
    assert!(
        run >= 5,
        "{name}: only {run} sh block(s) to run; the README test needs its examples"
    );
    let mut examples: BTreeMap<usize, Vec<&Block>> = BTreeMap::new();
    for block in blocks.iter().filter(|b| !b.skipped) {
        examples.entry(block.section).or_default().push(block);
    }
    for blocks in examples.values() {
        Example::new(&name).run(blocks);
    }
}

/// One `sh` block of the README.
#[derive(Debug)]
struct Block {
    /// The heading it is under (0 before the first).
    section: usize,
    /// Marked as a build or install step: not run.
    skipped: bool,
    /// Its commands, with the README line each starts on.
    commands: Vec<(usize, String)>,
    /// The lines of the `text` block right after it, with the README line
    /// of that block.
    shown: Option<(usize, Vec<String>)>,
}

/// Reads the `sh` blocks (and the `text` blocks after them) of `readme`.
fn parse(readme: &str) -> Vec<Block> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut blocks: Vec<Block> = Vec::new();
    let mut section = 0;
    // The last non-blank line outside a fence, and the sh block whose
    // closing fence it was, if it was one.
    let mut previous = "";
    let mut after_sh: Option<usize> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let Some(info) = trimmed.strip_prefix("```") else {
            if !trimmed.is_empty() {
                if trimmed.starts_with('#') {
                    section += 1;
                }
                previous = trimmed;
                after_sh = None;
            }
            i += 1;
            continue;
        };
        let indent = line.len() - trimmed.len();
        let opening = i + 1;
        let mut body = Vec::new();
        i += 1;
        while i < lines.len() && !lines[i].trim_start().starts_with("```") {
            let text = lines[i];
            let cut = text.len() - text.trim_start().len();
            body.push((i + 1, &text[cut.min(indent)..]));
            i += 1;
        }
        i += 1; // the closing fence
        match info.trim() {
            "sh" => {
                let skipped = previous.starts_with("<!-- build step")
                    || previous.starts_with("<!-- install step");
                blocks.push(Block {
                    section,
                    skipped,
                    commands: commands(&body),
                    shown: None,
                });
                after_sh = Some(blocks.len() - 1);
            }
            "text" => {
                if let Some(block) = after_sh.and_then(|b| blocks.get_mut(b)) {
                    let shown = body
                        .iter()
                        .map(|(_, l)| l.trim_end().to_owned())
                        .filter(|l| !l.is_empty())
                        .collect();
                    block.shown = Some((opening, shown));
                }
                after_sh = None;
            }
            _ => after_sh = None,
        }
        previous = "```";
    }
    blocks
}

/// The commands of a block's lines: continuations joined, comment lines
/// and blank lines left out.
fn commands(body: &[(usize, &str)]) -> Vec<(usize, String)> {
    let mut commands = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for &(number, line) in body {
        let (start, mut text) = match pending.take() {
            Some((start, text)) => (start, text),
            None => {
                let trimmed = line.trim();
                if trimmed.is_empty() || trimmed.starts_with('#') {
                    continue;
                }
                (number, String::new())
            }
        };
        match line.trim_end().strip_suffix('\\') {
            Some(part) => {
                text.push_str(part);
                pending = Some((start, text));
            }
            None => {
                text.push_str(line.trim_end());
                commands.push((start, text.trim().to_owned()));
            }
        }
    }
    if let Some((start, text)) = pending {
        commands.push((start, text.trim().to_owned()));
    }
    commands
}

/// Splits a command at its comment (a `#` at the start of a word, outside
/// quotes, as sh reads it): the code, and the comment's text.
fn split_comment(command: &str) -> (&str, &str) {
    let mut quote = None;
    let mut previous = ' ';
    for (at, c) in command.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => {
                return (command[..at].trim_end(), &command[at + 1..]);
            }
            _ => {}
        }
        previous = c;
    }
    (command.trim_end(), "")
}

/// The exit codes a command's comment allows: `exits N` or `exits N or M`;
/// 0 when it says none.
fn expected_exits(comment: &str) -> Vec<i32> {
    let Some((_, after)) = comment.split_once("exits ") else {
        return vec![0];
    };
    let mut codes = Vec::new();
    for word in after.split_whitespace() {
        match word.trim_end_matches([',', ';', ')', '.']).parse() {
            Ok(code) => codes.push(code),
            Err(_) if word == "or" => {}
            Err(_) => break,
        }
    }
    assert!(!codes.is_empty(), "`exits` without a number in {comment:?}");
    codes
}

/// Lines printed by one source (a foreground command or a background one),
/// filled by reader threads.
type Lines = Arc<Mutex<Vec<String>>>;

/// Reads `from` into `into`, a line at a time (`\n` or `\r`: curl's
/// progress meter redraws with `\r`).
fn pump(mut from: impl Read + Send + 'static, into: Lines) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut partial = Vec::new();
        let mut buffer = [0u8; 4096];
        let push = |bytes: &[u8]| {
            let line = String::from_utf8_lossy(bytes).into_owned();
            into.lock().expect("lines lock").push(line);
        };
        loop {
            let n = match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            for &byte in &buffer[..n] {
                if byte == b'\n' || byte == b'\r' {
                    push(&partial);
                    partial.clear();
                } else {
                    partial.push(byte);
                }
            }
        }
        if !partial.is_empty() {
            push(&partial);
        }
    })
}

/// A command started with `&`.
#[derive(Debug)]
struct Background {
    line: usize,
    command: String,
    child: Child,
    output: Lines,
}

/// One heading's examples: a fresh folder, its own free ports, and the
/// background commands it started (stopped when it ends, also when a
/// check fails).
#[derive(Debug)]
struct Example {
    readme: String,
    dir: certplay_tests::TempDir,
    ports: BTreeMap<u16, u16>,
    background: Vec<Background>,
    path: std::ffi::OsString,
}

impl Example {
    fn new(readme: &str) -> Self {
        let bin = certplay_bin();
        let bin_dir = bin.parent().expect("the binary is in a folder").to_owned();
        let mut paths = vec![bin_dir];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        Self {
            readme: readme.to_owned(),
            dir: temp_dir(),
            ports: BTreeMap::new(),
            background: Vec::new(),
            path: std::env::join_paths(paths).expect("a PATH"),
        }
    }

    fn run(mut self, blocks: &[&Block]) {
        for block in blocks {
            let mut printed: Vec<Lines> = Vec::new();
            for (line, command) in &block.commands {
                printed.push(self.command(*line, command));
            }
            if let Some((line, shown)) = &block.shown {
                self.compare(*line, shown, &printed);
            }
        }
    }

    /// Runs one command; returns what it printed (nothing yet for a
    /// background command: its output is the example's).
    fn command(&mut self, line: usize, command: &str) -> Lines {
        let (code, comment) = split_comment(command);
        let (code, background) = match code.strip_suffix('&') {
            Some(code) if !code.ends_with('&') => (code.trim_end(), true),
            _ => (code, false),
        };
        let code = self.with_free_ports(code);
        let output = Lines::default();
        if background {
            let mut child = self
                .sh(&format!("exec {code}"))
                .spawn()
                .unwrap_or_else(|e| panic!("{}:{line}: cannot start sh: {e}", self.readme));
            pump(child.stdout.take().expect("piped"), output.clone());
            pump(child.stderr.take().expect("piped"), output.clone());
            self.background.push(Background {
                line,
                command: code.clone(),
                child,
                output: output.clone(),
            });
            self.wait_until_started();
            return Lines::default();
        }
        let mut child = self
            .sh(&code)
            .spawn()
            .unwrap_or_else(|e| panic!("{}:{line}: cannot start sh: {e}", self.readme));
        let readers = [
            pump(child.stdout.take().expect("piped"), output.clone()),
            pump(child.stderr.take().expect("piped"), output.clone()),
        ];
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("waiting for sh") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{}:{line}: `{code}` still ran after {COMMAND_TIMEOUT:?}",
                    self.readme
                );
            }
            thread::sleep(Duration::from_millis(20));
        };
        for reader in readers {
            let _ = reader.join();
        }
        let allowed = expected_exits(comment);
        let got = status.code().unwrap_or(-1);
        if !allowed.contains(&got) {
            panic!(
                "{}:{line}: `{code}` exited {got}; the README says {}\n--- it printed:\n{}{}",
                self.readme,
                allowed
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(" or "),
                output.lock().expect("lines lock").join("\n"),
                self.background_output(),
            );
        }
        output
    }

    /// `sh -c CODE` in the example's folder, as a user's shell would run it.
    fn sh(&self, code: &str) -> Command {
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(code)
            .current_dir(self.dir.path())
            .env("PATH", &self.path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // What a user's fresh shell has: certplay's default log level, curl
        // straight to loopback.
        for variable in [
            "RUST_LOG",
            "http_proxy",
            "https_proxy",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ] {
            sh.env_remove(variable);
        }
        sh
    }

    /// Waits until the newest background command has printed its curl
    /// line; fails if it exits first.
    fn wait_until_started(&mut self) {
        let readme = self.readme.clone();
        let Some(started) = self.background.last_mut() else {
            return;
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let ready = started
                .output
                .lock()
                .expect("lines lock")
                .iter()
                .any(|l| l.trim_start().starts_with("curl"));
            if ready {
                return;
            }
            if let Some(status) = started.child.try_wait().expect("waiting") {
                // Its readers may still be copying its last words.
                thread::sleep(Duration::from_millis(200));
                panic!(
                    "{readme}:{}: `{}` exited ({status}) instead of running in the background; it printed:\n{}",
                    started.line,
                    started.command,
                    started.output.lock().expect("lines lock").join("\n")
                );
            }
            assert!(
                Instant::now() < deadline,
                "{readme}:{}: `{}` printed no curl line within {START_TIMEOUT:?}; it printed:\n{}",
                started.line,
                started.command,
                started.output.lock().expect("lines lock").join("\n")
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// `code` with the README's fixed ports replaced by this example's free
    /// ones.
    fn with_free_ports(&mut self, code: &str) -> String {
        if code.contains("serve --broken") {
            self.reserve_broken_run(code);
        }
        let mut out = String::with_capacity(code.len() + 40);
        let chars: Vec<char> = code.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let starts_number = c.is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit());
            if starts_number {
                let end = (i..chars.len())
                    .find(|&j| !chars[j].is_ascii_digit())
                    .unwrap_or(chars.len());
                let digits: String = chars[i..end].iter().collect();
                let port_like = (4..=5).contains(&digits.len())
                    && (out.ends_with(':')
                        || out.ends_with("--port ")
                        || out.ends_with("--page-port ")
                        || out.ends_with("--port=")
                        || out.ends_with("--page-port="));
                match digits.parse::<u16>() {
                    Ok(fixed) if port_like => out.push_str(&self.free(fixed).to_string()),
                    _ => out.push_str(&digits),
                }
                i = end;
                continue;
            }
            out.push(c);
            i += 1;
        }
        if out.starts_with("certplay serve") {
            if !out.contains("--port") {
                let port = self.free(3000);
                out.push_str(&format!(" --port {port}"));
            }
            if !out.contains("--page-port") && !out.contains("--no-page") {
                let port = self.free(8080);
                out.push_str(&format!(" --page-port {port}"));
            }
        }
        out
    }

    /// `certplay serve --broken --port P` listens on P and the ports after
    /// it, one per endpoint: `P + k` stands for a run of free ports'
    /// `base + k`, not for a free port each.
    fn reserve_broken_run(&mut self, code: &str) {
        let count = certplay_server::broken::Endpoint::ALL.len() as u16;
        let fixed = code
            .split("--port")
            .nth(1)
            .and_then(|rest| {
                rest.trim_start_matches([' ', '='])
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
            })
            .and_then(|digits| digits.parse::<u16>().ok());
        let Some(fixed) = fixed.filter(|&port| port != 0 && !self.ports.contains_key(&port)) else {
            return;
        };
        let base = free_port_run(count);
        for k in 0..count {
            if let Some(port) = fixed.checked_add(k) {
                self.ports.insert(port, base + k);
            }
        }
    }

    /// The free port that stands for `fixed` in this example.
    fn free(&mut self, fixed: u16) -> u16 {
        *self.ports.entry(fixed).or_insert_with(free_port)
    }

    /// Checks that every line of `shown` (the text block at README line
    /// `line`) was printed, by the block's commands (`printed`) or the
    /// example's background commands; waits for the latter.
    fn compare(&self, line: usize, shown: &[String], printed: &[Lines]) {
        let sources: Vec<Lines> = printed
            .iter()
            .cloned()
            .chain(self.background.iter().map(|b| b.output.clone()))
            .collect();
        let mut used: BTreeSet<(usize, usize)> = BTreeSet::new();
        for expected in shown {
            let deadline = Instant::now() + LINE_TIMEOUT;
            loop {
                let found = sources.iter().enumerate().find_map(|(s, lines)| {
                    let lines = lines.lock().expect("lines lock");
                    lines
                        .iter()
                        .enumerate()
                        .find(|(i, l)| !used.contains(&(s, *i)) && line_matches(expected, l))
                        .map(|(i, _)| (s, i))
                });
                if let Some(key) = found {
                    used.insert(key);
                    break;
                }
                if Instant::now() > deadline {
                    let all: Vec<String> = sources
                        .iter()
                        .flat_map(|s| s.lock().expect("lines lock").clone())
                        .collect();
                    panic!(
                        "{}:{line}: the README shows a line nothing printed:\n  {expected}\n--- what was printed:\n{}",
                        self.readme,
                        all.join("\n")
                    );
                }
                thread::sleep(Duration::from_millis(50));
            }
        }
    }

    fn background_output(&self) -> String {
        self.background
            .iter()
            .map(|b| {
                format!(
                    "\n--- `{}` (background) printed:\n{}",
                    b.command,
                    b.output.lock().expect("lines lock").join("\n")
                )
            })
            .collect()
    }
}

impl Drop for Example {
    /// Stops the example's background commands by process id: SIGTERM,
    /// then SIGKILL after 10 s.
    fn drop(&mut self) {
        for background in &mut self.background {
            let child = &mut background.child;
            if let Ok(Some(_)) = child.try_wait() {
                continue;
            }
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether a printed line is what the README shows: `…` matches any text;
/// timestamps and ports match any (see [`normalize`]).
fn line_matches(shown: &str, printed: &str) -> bool {
    let shown = normalize(shown.trim_end());
    let printed = normalize(printed.trim_end());
    let parts: Vec<&str> = shown.split('…').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        // No `…`: the whole line.
        return shown == printed;
    };
    let Some(mut rest) = printed.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// `line` with every RFC 3339 UTC timestamp (`2026-12-07T02:53:11.545974Z`)
/// as `<time>` and every number after a colon as `<port>`.
fn normalize(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some(len) = timestamp_at(&chars[i..]) {
            out.push_str("<time>");
            i += len;
            continue;
        }
        if chars[i] == ':' && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            out.push_str(":<port>");
            i += 1;
            while chars.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The length of the timestamp `dddd-dd-ddTdd:dd:dd[.d+]Z` at the start of
/// `chars`, if there is one.
fn timestamp_at(chars: &[char]) -> Option<usize> {
    let shape = "dddd-dd-ddTdd:dd:dd";
    let fits = shape.chars().enumerate().all(|(i, s)| {
        chars
            .get(i)
            .is_some_and(|&c| if s == 'd' { c.is_ascii_digit() } else { c == s })
    });
    if !fits {
        return None;
    }
    let mut len = shape.len();
    if chars.get(len) == Some(&'.') {
        len += 1;
        while chars.get(len).is_some_and(char::is_ascii_digit) {
            len += 1;
        }
    }
    (chars.get(len) == Some(&'Z')).then_some(len + 1)
}

#[test]
fn the_rules_read_the_readme_as_stated() {
    let readme = "# a\n\n<!-- build step -->\n```sh\ncargo xtask run\n```\n\n## b\n\n```sh\n\
                  certplay issue   # fine\ncurl http://localhost:3000 \\\n  --max-time 5  # exits 7 or 56\n\
                  ```\n\n```text\nHello World\n```\n";
    let blocks = parse(readme);
    assert_eq!(blocks.len(), 2);
    assert!(blocks[0].skipped);
    assert_eq!(blocks[1].section, 2);
    assert_eq!(blocks[1].commands.len(), 2);
    assert_eq!(
        blocks[1].commands[1],
        (
            12,
            "curl http://localhost:3000   --max-time 5  # exits 7 or 56".to_owned()
        )
    );
    assert_eq!(blocks[1].shown, Some((16, vec!["Hello World".to_owned()])));
    let (code, comment) = split_comment(&blocks[1].commands[1].1);
    assert_eq!(code, "curl http://localhost:3000   --max-time 5");
    assert_eq!(expected_exits(comment), vec![7, 56]);
    assert_eq!(expected_exits(" fine"), vec![0]);
    assert_eq!(split_comment("echo 'a # b' # c"), ("echo 'a # b'", " c"));

    let mut example = Example::new("README");
    let free = example.with_free_ports("certplay serve --ca ca.crt");
    assert!(
        free.contains("--port ") && free.contains("--page-port "),
        "{free}"
    );
    let curl = example.with_free_ports("curl https://localhost:3000 --resolve x:3000:127.0.0.1");
    let port = example.free(3000).to_string();
    assert_eq!(
        curl,
        format!("curl https://localhost:{port} --resolve x:{port}:127.0.0.1")
    );
    assert_eq!(example.with_free_ports("sleep 1000"), "sleep 1000");

    // `serve --broken` listens on a run of ports from `--port`: the README's
    // 4430 and 4431 stand for two consecutive free ports, below the range
    // the kernel gives outgoing connections.
    let broken = example.with_free_ports("certplay serve --broken --port 4430 &");
    let base: u16 = broken
        .split("--port ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("no --port in {broken:?}"));
    assert!(base < 32768, "{broken}");
    assert_eq!(
        example.with_free_ports("curl https://localhost:4431"),
        format!("curl https://localhost:{}", base + 1)
    );

    assert!(line_matches(
        "2026-12-07T02:53:11.545974Z  INFO c1 127.0.0.1:57798 accepted … conn=c1 reason=ok",
        "2027-01-01T00:00:00.1Z  INFO c1 127.0.0.1:4 accepted CN=x [h2] conn=c1 reason=ok"
    ));
    assert!(!line_matches(
        "… conn=c1 reason=ok",
        "2027-01-01T00:00:00Z  INFO c1 conn=c2 reason=ok"
    ));
    assert!(line_matches("issued in … ms", "issued in 12 ms"));
    assert!(!line_matches("issued in … ms", "issued in 12 s"));
    assert!(!line_matches("Hello World", "Hello World!"));
}
