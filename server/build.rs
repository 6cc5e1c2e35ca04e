//! Embeds the built page (trunk's output) into the `certplay` binary, so that
//! `certplay serve` serves it from any directory. Without a built page the
//! server still builds and serves a short notice instead.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    println!("cargo:rerun-if-env-changed=CERTPLAY_PAGE_DIR");
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let page_dir = env::var_os("CERTPLAY_PAGE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("../target/certplay-page"));
    // An existing directory is watched as a whole; create it so that cargo
    // watches it even before the first `trunk build` fills it.
    let _ = fs::create_dir_all(&page_dir);
    println!("cargo:rerun-if-changed={}", page_dir.display());

    let mut files = Vec::new();
    collect(&page_dir, &page_dir, &mut files);
    files.sort();
    let mut code = String::from("/// The built page: (path below the page root, contents).\n");
    code.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        writeln!(code, "    ({name:?}, include_bytes!({path:?})),").expect("writing to a String");
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("page.rs");
    fs::write(out, code).expect("writing OUT_DIR/page.rs");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative.to_string_lossy().replace('\\', "/");
            let absolute = path.canonicalize().unwrap_or(path.clone());
            files.push((name, absolute.to_string_lossy().into_owned()));
        }
    }
}
