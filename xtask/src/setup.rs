//! `cargo xtask setup`: the wasm target, the Debian packages the tests
//! need (apt-get as root or through `sudo -n`), the tools.

use std::process::{Command, Stdio};

use crate::steps::{program_exists, step};
use crate::tools::install_missing_tools;
use crate::Result;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Debian packages the tests need, with a program that shows each is there.
/// `run` needs none. (No binaryen: wasm-opt is off, see Trunk.toml.)
const DEBIAN_PACKAGES: [(&str, &str); 5] = [
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("curl", "/usr/bin/curl"),
    ("openssl", "/usr/bin/openssl"),
    ("nodejs", "node"),
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
    let installs = install_missing_tools()?;
    for install in installs {
        install.wait()?;
    }
    Ok(())
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
