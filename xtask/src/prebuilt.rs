//! The tools' own release binaries, instead of compiling them.
//!
//! trunk and wasm-bindgen publish a binary archive for each release on
//! GitHub, with its SHA-256 in a file beside it. Compiling the two from
//! source was 670 of the first run's 1,317 CPU seconds on a 2-core machine
//! (docs/BUILDING.md, "First run"); downloaded, the page was served after 333 s
//! instead of 670. Where the download fails (no network, no release for
//! this system, a checksum or version that does not match), nothing is
//! installed and xtask compiles the tool as before.
//!
//! The published SHA-256 comes from the same place as the archive: it
//! catches a damaged or cut download, not a compromised release. That is
//! the trust trunk itself gives GitHub when it downloads wasm-bindgen.
//! `CERTPLAY_PREBUILT_TOOLS=off` always compiles from source.

use std::{
    env, fs,
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

/// Where a tool's release archives are, under the download base.
#[derive(Debug)]
pub struct Release {
    /// The archive's path under the base, with `{version}` and `{target}`.
    pub asset: &'static str,
    /// Appended to the archive's URL: the file that holds its SHA-256.
    pub checksum_suffix: &'static str,
    /// `(std::env::consts::OS, ARCH, the target in the archive's name)`.
    pub targets: &'static [(&'static str, &'static str, &'static str)],
}

/// The base URL downloads come from, or None when they are turned off.
/// `CERTPLAY_PREBUILT_TOOLS`: unset for GitHub, `off`, or another base (a
/// mirror of GitHub's paths, `https://` or `file://`).
pub fn base() -> Option<String> {
    match env::var("CERTPLAY_PREBUILT_TOOLS") {
        Err(_) => Some("https://github.com".to_owned()),
        Ok(value) if value.is_empty() => Some("https://github.com".to_owned()),
        Ok(value) if value == "off" || value == "0" || value == "no" => None,
        Ok(value) => Some(value.trim_end_matches('/').to_owned()),
    }
}

/// What the tool is, for the download: its name, version and binaries
/// (the first is the one whose `--version` is checked).
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub bins: &'a [&'a str],
    pub release: &'a Release,
}

/// Downloads the release archive of `wanted` from `base` into `work` (made
/// afresh and removed after), checks its SHA-256 against the published one
/// and the main binary's `--version`, then puts the binaries into `bin_dir`.
/// On error nothing is in `bin_dir` that was not there before; the error
/// says why, in a line.
pub fn install(
    base: &str,
    wanted: Wanted<'_>,
    bin_dir: &Path,
    work: &Path,
) -> Result<(String, f64), String> {
    let started = Instant::now();
    let (os, arch) = (env::consts::OS, env::consts::ARCH);
    let target = wanted
        .release
        .targets
        .iter()
        .find(|(o, a, _)| *o == os && *a == arch)
        .map(|(_, _, target)| *target)
        .ok_or_else(|| format!("{} publishes no binary for {os} on {arch}", wanted.name))?;
    let asset = wanted
        .release
        .asset
        .replace("{version}", wanted.version)
        .replace("{target}", target);
    let url = format!("{base}/{asset}");
    let _ = fs::remove_dir_all(work);
    let result = fetch_and_check(&url, wanted, work)
        .and_then(|found| put_in_place(wanted.bins, &found, bin_dir));
    let _ = fs::remove_dir_all(work);
    result.map(|()| (url, started.elapsed().as_secs_f64()))
}

/// The archive at `url` downloaded and unpacked into `work`, its SHA-256
/// and its main binary's `--version` checked: the binaries' paths there.
fn fetch_and_check(url: &str, wanted: Wanted<'_>, work: &Path) -> Result<Vec<PathBuf>, String> {
    let unpacked = work.join("unpacked");
    fs::create_dir_all(&unpacked).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let archive = work.join("archive.tar.gz");
    let sum_file = work.join("archive.sha256");
    let sum_url = format!("{url}{}", wanted.release.checksum_suffix);
    download(url, &archive, &sum_url, &sum_file)?;
    let published = fs::read_to_string(&sum_file)
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_ascii_lowercase))
        .filter(|sum| sum.len() == 64 && sum.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| format!("{sum_url} holds no SHA-256"))?;
    let actual = sha256(&archive)?;
    if actual != published {
        return Err(format!(
            "{url} does not match its published SHA-256 ({actual}, published {published})"
        ));
    }
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(&unpacked))
    .map_err(|e| format!("cannot unpack {url}: {e}"))?;
    let found = wanted
        .bins
        .iter()
        .map(|bin| find(&unpacked, bin).ok_or_else(|| format!("{url} has no `{bin}` in it")))
        .collect::<Result<Vec<_>, _>>()?;
    let expected = format!("{} {}", wanted.bins[0], wanted.version);
    let said = Command::new(&found[0])
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .map_err(|e| format!("the downloaded `{}` does not run here: {e}", wanted.bins[0]))?;
    if said != expected {
        return Err(format!(
            "the downloaded `{}` says {said:?}, not {expected:?}",
            wanted.bins[0]
        ));
    }
    Ok(found)
}

/// Both files with one curl: https only (when the base is https), a few
/// seconds to connect, so that a machine without the network falls back
/// to compiling at once.
fn download(url: &str, to: &Path, sum_url: &str, sum_to: &Path) -> Result<(), String> {
    let mut curl = Command::new("curl");
    curl.args(["--fail", "--silent", "--show-error", "--location"])
        .args(["--connect-timeout", "5", "--max-time", "300"]);
    if url.starts_with("https://") {
        curl.args(["--proto", "=https", "--proto-redir", "=https", "--tlsv1.2"]);
    }
    curl.arg("--output").arg(to).arg(url);
    curl.arg("--output").arg(sum_to).arg(sum_url);
    run(&mut curl).map_err(|e| format!("cannot download {url}: {e}"))
}

/// The file's SHA-256 in lowercase hex, by coreutils' `sha256sum` (or
/// `shasum -a 256` where there is none, as on macOS).
fn sha256(file: &Path) -> Result<String, String> {
    let output = Command::new("sha256sum")
        .arg(file)
        .output()
        .or_else(|_| {
            Command::new("shasum")
                .args(["-a", "256"])
                .arg(file)
                .output()
        })
        .map_err(|e| format!("cannot compute a SHA-256 (no sha256sum or shasum): {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .filter(|_| output.status.success())
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| format!("sha256sum {} failed", file.display()))
}

/// `bin` at the top of `dir` or one directory down (wasm-bindgen's
/// archives hold a `wasm-bindgen-VERSION-TARGET/` directory).
fn find(dir: &Path, bin: &str) -> Option<PathBuf> {
    let top = dir.join(bin);
    if top.is_file() {
        return Some(top);
    }
    fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path().join(bin))
        .find(|path| path.is_file())
}

/// Copies each binary next to its place in `bin_dir`, then renames it into
/// place: a binary is there whole or not at all. The copy is a new file
/// (`create_new`), so a link left at its name is not followed. When a
/// copy fails, the ones already placed are left (they are checked,
/// working binaries).
pub fn put_in_place(bins: &[&str], found: &[PathBuf], bin_dir: &Path) -> Result<(), String> {
    fs::create_dir_all(bin_dir).map_err(|e| format!("cannot create {}: {e}", bin_dir.display()))?;
    for (bin, from) in bins.iter().zip(found) {
        let to = bin_dir.join(bin);
        let partial = bin_dir.join(format!(".{bin}.xtask-download"));
        let _ = fs::remove_file(&partial);
        copy_new(from, &partial)
            .and_then(|()| fs::rename(&partial, &to))
            .map_err(|e| {
                let _ = fs::remove_file(&partial);
                format!("cannot put {bin} into {}: {e}", bin_dir.display())
            })?;
    }
    Ok(())
}

/// `from` copied into a new, executable file `to`.
fn copy_new(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o755);
    }
    let mut file = options.open(to)?;
    std::io::copy(&mut fs::File::open(from)?, &mut file)?;
    file.sync_all()
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| {
        format!(
            "cannot start {}: {e}",
            command.get_program().to_string_lossy()
        )
    })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
    Err(last.unwrap_or("failed").trim().to_owned())
}

#[cfg(all(test, unix))]
mod tests {
    //! Against a mirror on disk (`file://`, which curl reads as it reads
    //! https), laid out as the two projects lay out their releases, with
    //! the real trunk and wasm-bindgen that `cargo xtask test` installed.
    use super::*;

    const TRUNK: Release = Release {
        asset: "trunk-rs/trunk/releases/download/v{version}/trunk-{target}.tar.gz",
        checksum_suffix: ".sha256",
        targets: &[(env::consts::OS, env::consts::ARCH, "this-target")],
    };
    const TRUNK_0_21_14: Wanted<'static> = Wanted {
        name: "trunk",
        version: "0.21.14",
        bins: &["trunk"],
        release: &TRUNK,
    };
    const WASM_BINDGEN: Release = Release {
        asset: "wasm-bindgen/wasm-bindgen/releases/download/{version}/wasm-bindgen-{version}-{target}.tar.gz",
        checksum_suffix: ".sha256sum",
        targets: &[(env::consts::OS, env::consts::ARCH, "this-target")],
    };

    /// A fresh directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = env::temp_dir().join(format!("xtask-prebuilt-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The installed program `bin`, which must say `version`.
    fn installed(bin: &str, version: &str) -> PathBuf {
        let path = crate::steps::cargo_bin(bin);
        let said = Command::new(&path).arg("--version").output();
        let said = said.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
        assert_eq!(
            said.as_deref().ok(),
            Some(format!("{bin} {version}").as_str()),
            "{bin} {version} must be installed (cargo xtask test installs it)"
        );
        path
    }

    /// Puts `files` (name in the archive, source) into a .tar.gz at the
    /// release's place under `mirror`, with its checksum file; returns the
    /// archive's path.
    fn publish(
        mirror: &Path,
        release: &Release,
        version: &str,
        files: &[(&str, &Path)],
    ) -> PathBuf {
        let asset = release
            .asset
            .replace("{version}", version)
            .replace("{target}", "this-target");
        let archive = mirror.join(&asset);
        fs::create_dir_all(archive.parent().unwrap()).unwrap();
        let staging = mirror.join("staging");
        let _ = fs::remove_dir_all(&staging);
        for (name, from) in files {
            let to = staging.join(name);
            fs::create_dir_all(to.parent().unwrap()).unwrap();
            fs::copy(from, &to).unwrap();
        }
        let top: Vec<String> = fs::read_dir(&staging)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let status = Command::new("tar")
            .arg("-czf")
            .arg(&archive)
            .arg("-C")
            .arg(&staging)
            .args(&top)
            .status()
            .unwrap();
        assert!(status.success());
        let sum = sha256(&archive).unwrap();
        // wasm-bindgen's file is `sha256sum`'s line; trunk's the hash alone.
        let line = if release.checksum_suffix == ".sha256sum" {
            format!(
                "{sum}  gh-release/{}\n",
                archive.file_name().unwrap().to_string_lossy()
            )
        } else {
            format!("{sum}\n")
        };
        fs::write(
            format!("{}{}", archive.display(), release.checksum_suffix),
            line,
        )
        .unwrap();
        archive
    }

    fn base(mirror: &Path) -> String {
        format!("file://{}", mirror.display())
    }

    fn says(program: &Path) -> String {
        let output = Command::new(program).arg("--version").output().unwrap();
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    #[test]
    fn release_archives_of_both_layouts_are_checked_and_installed() {
        let dir = scratch("ok");
        let mirror = dir.join("mirror");
        let bin_dir = dir.join("bin");
        let trunk = installed("trunk", "0.21.14");
        publish(&mirror, &TRUNK, "0.21.14", &[("trunk", &trunk)]);
        let bindgen = installed("wasm-bindgen", "0.2.129");
        let runner = installed("wasm-bindgen-test-runner", "0.2.129");
        let folder = "wasm-bindgen-0.2.129-this-target";
        publish(
            &mirror,
            &WASM_BINDGEN,
            "0.2.129",
            &[
                (&format!("{folder}/wasm-bindgen"), &bindgen),
                (&format!("{folder}/wasm-bindgen-test-runner"), &runner),
            ],
        );

        let wanted = TRUNK_0_21_14;
        // A link left where the copy is made is replaced, not followed.
        let precious = dir.join("precious");
        fs::write(&precious, "mine").unwrap();
        fs::create_dir_all(&bin_dir).unwrap();
        std::os::unix::fs::symlink(&precious, bin_dir.join(".trunk.xtask-download")).unwrap();
        let (url, _) = install(&base(&mirror), wanted, &bin_dir, &dir.join("work")).unwrap();
        assert_eq!(fs::read_to_string(&precious).unwrap(), "mine");
        assert!(url.ends_with("/v0.21.14/trunk-this-target.tar.gz"), "{url}");
        assert_eq!(says(&bin_dir.join("trunk")), "trunk 0.21.14");

        let wanted = Wanted {
            name: "wasm-bindgen-cli",
            version: "0.2.129",
            bins: &["wasm-bindgen", "wasm-bindgen-test-runner"],
            release: &WASM_BINDGEN,
        };
        install(&base(&mirror), wanted, &bin_dir, &dir.join("work")).unwrap();
        assert_eq!(says(&bin_dir.join("wasm-bindgen")), "wasm-bindgen 0.2.129");
        assert_eq!(
            says(&bin_dir.join("wasm-bindgen-test-runner")),
            "wasm-bindgen-test-runner 0.2.129"
        );
        // Nothing else is left behind: no partial files, no work directory.
        let mut names: Vec<_> = fs::read_dir(&bin_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["trunk", "wasm-bindgen", "wasm-bindgen-test-runner"]);
        assert!(!dir.join("work").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_download_that_does_not_match_its_checksum_installs_nothing() {
        let dir = scratch("checksum");
        let mirror = dir.join("mirror");
        let bin_dir = dir.join("bin");
        let notes = dir.join("notes");
        fs::write(&notes, "anything: the checksum is checked first").unwrap();
        let archive = publish(&mirror, &TRUNK, "0.21.14", &[("trunk", &notes)]);
        // The archive cut short, as a broken download would leave it.
        let bytes = fs::read(&archive).unwrap();
        fs::write(&archive, &bytes[..bytes.len() / 2]).unwrap();

        let wanted = TRUNK_0_21_14;
        let error = install(&base(&mirror), wanted, &bin_dir, &dir.join("work")).unwrap_err();
        assert!(
            error.contains("does not match its published SHA-256"),
            "{error}"
        );
        assert!(!bin_dir.join("trunk").exists());
        assert!(!dir.join("work").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_binary_that_is_not_the_pinned_version_is_not_installed() {
        let dir = scratch("version");
        let mirror = dir.join("mirror");
        let bin_dir = dir.join("bin");
        // The real wasm-bindgen 0.2.129, published as if it were 0.2.128.
        let bindgen = installed("wasm-bindgen", "0.2.129");
        publish(&mirror, &TRUNK, "0.2.128", &[("wasm-bindgen", &bindgen)]);

        let wanted = Wanted {
            name: "wasm-bindgen-cli",
            version: "0.2.128",
            bins: &["wasm-bindgen"],
            release: &TRUNK,
        };
        let error = install(&base(&mirror), wanted, &bin_dir, &dir.join("work")).unwrap_err();
        assert_eq!(
            error,
            r#"the downloaded `wasm-bindgen` says "wasm-bindgen 0.2.129", not "wasm-bindgen 0.2.128""#
        );
        assert!(!bin_dir.join("wasm-bindgen").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_archive_without_the_binary_or_a_missing_release_is_a_clear_error() {
        let dir = scratch("missing");
        let mirror = dir.join("mirror");
        let bin_dir = dir.join("bin");
        let readme = dir.join("README.md");
        fs::write(&readme, "not a program").unwrap();
        publish(&mirror, &TRUNK, "0.21.14", &[("README.md", &readme)]);

        let wanted = TRUNK_0_21_14;
        let error = install(&base(&mirror), wanted, &bin_dir, &dir.join("work")).unwrap_err();
        assert!(
            error.ends_with("trunk-this-target.tar.gz has no `trunk` in it"),
            "{error}"
        );

        // No such release at all: curl's own words, at once.
        let wanted = Wanted {
            version: "9.9.9",
            ..wanted
        };
        let error = install(&base(&mirror), wanted, &bin_dir, &dir.join("work")).unwrap_err();
        assert!(error.starts_with("cannot download file://"), "{error}");
        assert!(error.contains("v9.9.9/trunk-this-target.tar.gz"), "{error}");

        // No release for this system: said without trying.
        let elsewhere = Release {
            targets: &[("plan9", "mips", "mips-plan9")],
            ..TRUNK
        };
        let wanted = Wanted {
            release: &elsewhere,
            ..wanted
        };
        let error = install(&base(&mirror), wanted, &bin_dir, &dir.join("work")).unwrap_err();
        assert_eq!(
            error,
            format!(
                "trunk publishes no binary for {} on {}",
                env::consts::OS,
                env::consts::ARCH
            )
        );
        assert!(!bin_dir.exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
