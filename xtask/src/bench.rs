//! `cargo xtask bench`: issuing natively against the blog's openssl
//! commands, `inspect` against openssl, issuing in headless Chromium.

use std::env;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::builds::{build_page, server_build};
use crate::setup::WASM_TARGET;
use crate::steps::{cargo, root, step};
use crate::test::{wasm_test_env, LAB, LAB_AND_PAGE};
use crate::Result;

/// Times issuing a set natively for every key type against the blog's
/// seven openssl commands, in one run, and prints medians; then `inspect`
/// against openssl, issuing in headless Chromium, and the page's heartbeat
/// while it issues.
pub fn bench() -> Result {
    step("build certplay (release)", server_build())?;
    let bin = root().join("target/release/certplay");
    let dir = env::temp_dir().join(format!("certplay-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let runs = 21;
    let mut rows = Vec::new();
    // Every key type the page offers, natively: the figures the in-page
    // ones (web/tests/timing.rs, below) are set beside. RSA-4096 sets take
    // seconds: fewer runs.
    for key_type in ["p256", "p384", "ed25519", "rsa2048", "rsa3072", "rsa4096"] {
        let key_runs = if key_type == "rsa4096" { 7 } else { runs };
        let median = median_of(key_runs, || {
            let mut command = Command::new(&bin);
            command
                .args(["issue", "--force", "--key-type", key_type, "--out"])
                .arg(&dir);
            command
        })?;
        let what = if key_runs == runs {
            format!("certplay issue --key-type {key_type}")
        } else {
            format!("certplay issue --key-type {key_type} ({key_runs} runs)")
        };
        rows.push((what, median));
    }
    let blog = include_str!("../../tests/blog-commands.sh");
    let median = median_of(runs, || {
        let mut command = Command::new("sh");
        command.args(["-c", blog]).current_dir(&dir);
        command
    })?;
    rows.push(("the blog's 7 openssl commands (RSA-2048)".into(), median));
    let _ = std::fs::remove_dir_all(&dir);
    let baseline = median;
    println!("\nmedian wall time of {runs} runs (ratio to the blog's commands):");
    for (what, time) in rows {
        println!(
            "  {what:<45} {:>8.1} ms  {:>6.3}x",
            time * 1e3,
            time / baseline
        );
    }
    inspect_throughput(&bin)?;
    connect_report(&bin)?;
    // The same sets issued in headless Chromium by the page's own code
    // (web/tests/timing.rs prints its medians).
    step(
        "issuing in headless Chromium (web/tests/timing.rs)",
        wasm_test_env(cargo(&[
            "test",
            "-p",
            "certplay-web",
            "--target",
            WASM_TARGET,
            "--profile",
            "wasm-release",
            // Core's own RSA keys, measured beside WebCrypto's (the
            // page's wasm goes without them).
            "--features",
            "certplay-web/rsa-keygen",
            "--test",
            "timing",
            "--",
            "--include-ignored",
            "--nocapture",
        ]))
        .env("WASM_BINDGEN_TEST_TIMEOUT", "300"),
    )?;
    // The page itself, with its tools worker, in headless Chromium: how
    // long its thread went without a task while issuing, per key type, and
    // while "Break it every way" runs every case of the lab
    // (tests/tests/page_ux.rs prints the figures). The test command's
    // packages and features, so that the `certplay` binary it runs is built
    // as `cargo xtask test` builds it (tests/src/lib.rs `certplay_bin`).
    build_page()?;
    step(
        "the page's heartbeat while issuing and breaking it every way (tests/tests/page_ux.rs)",
        cargo(&[
            "test",
            "--workspace",
            "--features",
            LAB_AND_PAGE,
            "--test",
            "page_ux",
            "--",
            "--ignored",
            "--nocapture",
            "heartbeat",
        ])
        .env("CHROMEDRIVER", "/usr/bin/chromedriver"),
    )?;
    lab_handshakes()
}

/// The part of a test's output line from `tag` on: libtest prints `test
/// NAME ... ` before a test's first output on the same line with
/// `--nocapture` when tests run one at a time.
fn tagged<'a>(line: &'a str, tag: &str) -> Option<&'a str> {
    line.find(tag).map(|at| &line[at..])
}

/// The lab's in-memory mTLS handshake (core/tests/lab_timing.rs): natively
/// with core's pure-Rust provider and with ring, and in headless Chromium
/// with core's provider as the page ships it (wasm-release); medians and
/// the ratios wasm/native and core/ring.
pub fn lab_handshakes() -> Result {
    let native = captured(
        "lab handshakes natively (core/tests/lab_timing.rs, --release)",
        cargo(&[
            "test",
            "-p",
            "certplay-core",
            "--release",
            "--features",
            LAB,
            "--test",
            "lab_timing",
            "--",
            "--ignored",
            "--nocapture",
            // One measurement at a time: two would share the cores.
            "--test-threads",
            "1",
        ]),
    )?;
    let mut in_page = wasm_test_env(cargo(&[
        "test",
        "-p",
        "certplay-core",
        "--target",
        WASM_TARGET,
        "--profile",
        "wasm-release",
        "--features",
        LAB,
        "--test",
        "lab_timing",
        "--",
        "--include-ignored",
        "--nocapture",
    ]));
    in_page.env("WASM_BINDGEN_TEST_TIMEOUT", "300");
    let in_page = captured(
        "lab handshakes in headless Chromium (core/tests/lab_timing.rs, wasm-release)",
        in_page,
    )?;
    // `lab-handshake KEY TLS PROVIDER median_ms=M min_ms=F runs=N`
    let medians = |output: &str| -> Vec<(String, String, f64, f64)> {
        output
            .lines()
            .filter_map(|line| {
                let mut words = tagged(line, "lab-handshake ")?.split_whitespace();
                words.next()?;
                let case = format!("{} {}", words.next()?, words.next()?);
                let provider = words.next()?.to_owned();
                let median = words.next()?.strip_prefix("median_ms=")?.parse().ok()?;
                let fastest = words.next()?.strip_prefix("min_ms=")?.parse().ok()?;
                Some((case, provider, median, fastest))
            })
            .collect()
    };
    let (native_text, in_page_text) = (native, in_page);
    let (native, in_page) = (medians(&native_text), medians(&in_page_text));
    let find = |rows: &[(String, String, f64, f64)], case: &str, provider: &str| {
        rows.iter()
            .find(|(c, p, _, _)| c == case && p == provider)
            .map(|(_, _, median, fastest)| (*median, *fastest))
    };
    println!(
        "\nfull mTLS handshake + GET / in memory, median (fastest) ms; core's pure-Rust \
         provider in the page and natively, ring natively; ratios of medians:"
    );
    println!(
        "  {:<14} {:>16} {:>16} {:>12} {:>16} {:>10}",
        "case", "wasm", "native", "wasm/native", "ring", "core/ring"
    );
    let cell = |v: Option<(f64, f64)>| {
        v.map_or_else(|| "-".to_owned(), |(m, f)| format!("{m:.2} ({f:.2})"))
    };
    let ratio = |a: Option<(f64, f64)>, b: Option<(f64, f64)>| {
        a.zip(b).map_or_else(
            || "-".to_owned(),
            |((a, _), (b, _))| format!("{:.1}x", a / b),
        )
    };
    for (case, _, _, _) in native.iter().filter(|(_, p, _, _)| p == "core") {
        let wasm = find(&in_page, case, "core");
        let ours = find(&native, case, "core");
        let ring = find(&native, case, "ring");
        println!(
            "  {case:<14} {:>16} {:>16} {:>12} {:>16} {:>10}",
            cell(wasm),
            cell(ours),
            ratio(wasm, ours),
            cell(ring),
            ratio(ours, ring)
        );
    }
    // `lab-every-case KEY PROVIDER total_ms=T mutate_ms=M predict_ms=P
    // handshake_ms=H cases=N`
    let every = |output: &str| -> Option<Vec<f64>> {
        let line = output
            .lines()
            .find_map(|line| tagged(line, "lab-every-case "))?;
        line.split_whitespace()
            .filter_map(|word| word.split_once('='))
            .map(|(_, value)| value.parse().ok())
            .collect()
    };
    let (native, in_page) = (every(&native_text), every(&in_page_text));
    println!(
        "\nevery case of the blog's P-256 set made, predicted and handshaken (TLS 1.3), \
         median of 5 rounds, ms (the issue's goal in the page: 2,000 ms in all):"
    );
    println!(
        "  {:<10} {:>10} {:>10} {:>10} {:>10} {:>6}",
        "where", "total", "make", "predict", "handshake", "cases"
    );
    for (name, row) in [("wasm", &in_page), ("native", &native)] {
        match row.as_deref() {
            Some([total, make, predict, handshake, cases]) => println!(
                "  {name:<10} {total:>10.1} {make:>10.1} {predict:>10.1} {handshake:>10.1} {cases:>6}"
            ),
            _ => println!("  {name:<10} (no lab-every-case line)"),
        }
    }
    if let (Some([wasm, ..]), Some([native, ..])) = (in_page.as_deref(), native.as_deref()) {
        println!("  wasm/native: {:.1}x", wasm / native);
    }
    Ok(())
}

/// Runs `command` as a step and returns what it printed (stdout), which is
/// also shown.
fn captured(name: &str, mut command: Command) -> Result<String> {
    println!("xtask: == {name}");
    let started = Instant::now();
    let output = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("{name}: cannot start: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    print!("{stdout}");
    println!("xtask: == {name}: {:.1?}", started.elapsed());
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(format!("{name}: failed ({})", output.status))
    }
}

/// `certplay inspect` against openssl's text view of the same certificates
/// (`storeutl -text`: what `x509 -text` prints, for every certificate of one
/// file), over Debian's CA bundle ten times over, one process each.
fn inspect_throughput(bin: &Path) -> Result {
    const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
    const COPIES: usize = 10;
    let Ok(bundle) = std::fs::read(BUNDLE) else {
        println!("\n(no {BUNDLE}: inspect throughput not measured; it comes with ca-certificates)");
        return Ok(());
    };
    let count = String::from_utf8_lossy(&bundle)
        .matches("-----BEGIN CERTIFICATE-----")
        .count()
        * COPIES;
    let file = env::temp_dir().join(format!("certplay-inspect-{}.pem", std::process::id()));
    std::fs::write(&file, bundle.repeat(COPIES)).map_err(|e| e.to_string())?;
    let runs = 11;
    let ours = median_of(runs, || {
        let mut command = Command::new(bin);
        command.arg("inspect").arg(&file);
        command
    });
    let openssl = median_of(runs, || {
        let mut command = Command::new("openssl");
        command
            .args(["storeutl", "-noout", "-text", "-certs"])
            .arg(&file);
        command
    });
    let _ = std::fs::remove_file(&file);
    let (ours, openssl) = (ours?, openssl?);
    let certificates = f64::from(u32::try_from(count).unwrap_or(u32::MAX));
    println!(
        "\ntext view of {count} certificates (Debian's bundle x{COPIES}), median of {runs} runs \
         (ratio to openssl):"
    );
    for (what, time) in [
        ("certplay inspect", ours),
        ("openssl storeutl -noout -text -certs", openssl),
    ] {
        println!(
            "  {what:<45} {:>8.1} ms  {:>8.0} certificates/s  {:>6.3}x",
            time * 1e3,
            certificates / time,
            time / openssl
        );
    }
    Ok(())
}

/// `certplay connect`'s whole report with a client certificate (TLS 1.3
/// and 1.2 tried without one, then once with it) against `openssl
/// s_client` doing one handshake with the same certificate, both against
/// one `certplay serve` on loopback. Budget: at most 3x.
fn connect_report(bin: &Path) -> Result {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let dir = env::temp_dir().join(format!("certplay-connect-{}", std::process::id()));
    let issued = Command::new(bin)
        .args(["issue", "--out"])
        .arg(&dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !issued.status.success() {
        return Err(String::from_utf8_lossy(&issued.stderr).into_owned());
    }
    let mut server = Command::new(bin)
        .args([
            "serve",
            "--ca",
            "ca.crt",
            "--cert",
            "server.crt",
            "--key",
            "server.key",
        ])
        .args(["--port", "0", "--no-page"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let stdout = server.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let port = lines
        .by_ref()
        .map_while(std::result::Result::ok)
        .find_map(|line| {
            let rest = line.split("mTLS server on https://localhost:").nth(1)?;
            rest.split_whitespace().next()?.parse::<u16>().ok()
        });
    // Keep reading, so that the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let measured = port
        .ok_or_else(|| "certplay serve printed no port".to_owned())
        .and_then(|port| {
            let target = format!("localhost:{port}");
            let runs = 21;
            let client = ["--cert", "client.crt", "--key", "client.key"];
            let ours = median_of(runs, || {
                let mut command = Command::new(bin);
                command
                    .args(["connect", &target, "--ca", "ca.crt"])
                    .args(client)
                    .current_dir(&dir);
                command
            })?;
            let openssl = median_of(runs, || {
                let mut command = Command::new("openssl");
                command
                    .args(["s_client", "-connect", &target, "-CAfile", "ca.crt"])
                    .args(["-cert", "client.crt", "-key", "client.key"])
                    .current_dir(&dir);
                command
            })?;
            Ok((runs, ours, openssl))
        });
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let (runs, ours, openssl) = measured?;
    println!(
        "\nconnect's whole report with a client certificate, median of {runs} runs (ratio to \
         openssl s_client's one handshake; budget 3x):"
    );
    for (what, time) in [
        ("certplay connect --cert --key", ours),
        ("openssl s_client -cert -key", openssl),
    ] {
        println!(
            "  {what:<45} {:>8.1} ms  {:>6.3}x",
            time * 1e3,
            time / openssl
        );
    }
    Ok(())
}

fn median_of(runs: usize, mut command: impl FnMut() -> Command) -> Result<f64> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let output = command().output().map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times.get(runs / 2).copied().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::tagged;

    #[test]
    fn a_figure_after_libtests_test_name_on_the_same_line_is_read() {
        let line = "test handshake_times ... lab-handshake p256 tls13 core median_ms=1.760";
        assert_eq!(
            tagged(line, "lab-handshake "),
            Some("lab-handshake p256 tls13 core median_ms=1.760")
        );
        assert_eq!(
            tagged("lab-every-case p256", "lab-every-case "),
            Some("lab-every-case p256")
        );
        assert_eq!(tagged("test result: ok.", "lab-handshake "), None);
    }
}
