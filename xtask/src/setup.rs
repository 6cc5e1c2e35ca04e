//! `cargo xtask setup`: the wasm target, the Debian packages the tests
//! need (apt-get as root or through `sudo -n`), the tools.

use std::process::{Command, Stdio};

use crate::steps::{program_exists, root, step};
use crate::tools::install_missing_tools;
use crate::Result;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Debian packages the tests need, with a file that shows each is there.
/// `run` needs none. (No binaryen: wasm-opt is off, see Trunk.toml.) The
/// tests fail, never skip, without one of these: `--no-install-recommends`
/// leaves out what is not named, so `ca-certificates` (the bundle
/// core/tests/openssl_corpus.rs reads) is named.
const DEBIAN_PACKAGES: [(&str, &str); 11] = [
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("curl", "/usr/bin/curl"),
    ("openssl", "/usr/bin/openssl"),
    ("nodejs", "node"),
    ("ca-certificates", "/etc/ssl/certs/ca-certificates.crt"),
    ("python3", "python3"),
    // tests/tests/connect.rs starts its own, with its own config and prefix.
    ("nginx", "/usr/sbin/nginx"),
    ("npm", "npm"),
    // tests/tests/stacks.rs builds a small crypto/x509 program (standard
    // library only, its cache under target/, no network).
    ("golang-go", "go"),
    // certutil: tests/tests/stacks.rs makes Chromium trust each case's root
    // through the NSS database in its $HOME, as Chrome on Linux reads it.
    ("libnss3-tools", "certutil"),
];

/// Installs what the test command needs that is missing, and only that.
pub fn setup() -> Result {
    ensure_wasm_target()?;
    let packages: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|(_, program)| !program_exists(program))
        .map(|(name, _)| *name)
        .collect();
    if !packages.is_empty() {
        apt_install(&packages)?;
    }
    ensure_python_cryptography()?;
    let installs = install_missing_tools()?;
    for install in installs {
        install.wait()?;
    }
    install_axe()
}

/// axe-core, the accessibility audit the browser tests inject into the
/// page (tests/tests/page_ux.rs; never shipped in the page): `npm ci` of
/// tests/axe's lock file, once.
fn install_axe() -> Result {
    let folder = root().join("tests/axe");
    if folder.join("node_modules/axe-core/axe.min.js").exists() {
        return Ok(());
    }
    step(
        "npm ci in tests/axe (axe-core for the page's accessibility audit; seconds, once)",
        Command::new("npm")
            .args([
                "ci",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--prefer-offline",
            ])
            .current_dir(folder),
    )
}

pub fn ensure_wasm_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup: {e} (certplay needs Rust installed with rustup)"))?;
    if String::from_utf8_lossy(&installed.stdout).contains(WASM_TARGET) {
        return Ok(());
    }
    step(
        "rustup target add wasm32-unknown-unknown (the page's compile target; about 20 s, once)",
        Command::new("rustup").args(["target", "add", WASM_TARGET]),
    )
}

/// Python's `cryptography` module, 43 or later (its X.509 verifier), for
/// the `python3` on PATH, the one the tests run (tests/tests/artifacts_p12.rs
/// reads certplay's PKCS#12 files with it, tests/tests/stacks.rs asks its
/// verifier): from PyPI through that python's own pip. Debian's package
/// (38) has no verifier; Debian's own python3 is marked externally
/// managed, so pip is told to install beside it for this user.
fn ensure_python_cryptography() -> Result {
    let python = |code: &str| Command::new("python3").args(["-c", code]).output();
    let imports =
        || python("import cryptography.x509.verification").is_ok_and(|o| o.status.success());
    if imports() {
        return Ok(());
    }
    let prefix = python("import sys; print(sys.prefix)")
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let mut pip = Command::new("python3");
    pip.args(["-m", "pip", "install", "--quiet", "cryptography>=43"]);
    if prefix == "/usr" {
        if !python("import pip").is_ok_and(|o| o.status.success()) {
            apt_install(&["python3-pip"])?;
        }
        pip.args(["--user", "--break-system-packages"]);
    }
    step(
        "python3 -m pip install 'cryptography>=43' (the p12 tests read certplay's files with \
         it; the stacks test asks its X.509 verifier)",
        &mut pip,
    )?;
    if imports() {
        Ok(())
    } else {
        Err(format!(
            "python3 (prefix {prefix}) still cannot import cryptography.x509.verification \
             (cryptography 43 or later): install it for that python (python3 -m pip install \
             'cryptography>=43')"
        ))
    }
}

/// `apt-get install` as root, or through `sudo -n` (never a password
/// prompt in the middle of a build); otherwise the exact command to run.
fn apt_install(packages: &[&str]) -> Result {
    let list = packages.join(" ");
    let by_hand = format!(
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {list}"
    );
    if !program_exists("apt-get") {
        return Err(format!(
            "the tests need {list}, and this system has no apt-get: install them with its \
             package manager, then run this command again"
        ));
    }
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let sudo_works = root_user
        || Command::new("sudo")
            .args(["-n", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !sudo_works {
        return Err(format!(
            "the tests need the Debian packages {list}; installing them needs root, and \
             `sudo -n` cannot run without a password here. Run this yourself, then this \
             command again:\n  sudo apt-get update && {by_hand}"
        ));
    }
    // sudo drops the environment: pass DEBIAN_FRONTEND through `env`.
    let apt = |args: &[&str]| {
        let mut command = if root_user {
            Command::new("env")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.args(["-n", "env"]);
            sudo
        };
        command
            .args(["DEBIAN_FRONTEND=noninteractive", "apt-get"])
            .args(args);
        command
    };
    println!("xtask: the tests need the Debian packages {list} (about 1 to 3 min, once)");
    step("apt-get update", apt(&["update"]))?;
    step(
        &format!("apt-get install {list}"),
        apt(&["install", "-y", "--no-install-recommends"]).args(packages),
    )
    .map_err(|e| format!("{e}; to install by hand: {by_hand}"))
}
