//! index.html's Content-Security-Policy matches index.html: its one
//! `<style>` is allowed by hash, and nothing inline can run.

#![cfg(not(target_arch = "wasm32"))]

use base64::Engine as _;
use sha2::{Digest, Sha256};

const INDEX_HTML: &str = include_str!("../../index.html");
const START_JS: &str = include_str!("../start.js");

/// The text between the first `open` and the next `close` after it.
fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).expect("open marker present") + open.len();
    let len = text[start..].find(close).expect("close marker present");
    &text[start..start + len]
}

fn policy() -> &'static str {
    let meta = between(INDEX_HTML, "http-equiv=\"Content-Security-Policy\"", "/>");
    between(meta, "content=\"", "\"")
}

#[test]
fn the_style_element_is_allowed_by_its_hash() {
    assert_eq!(INDEX_HTML.matches("<style>").count(), 1);
    let css = between(INDEX_HTML, "<style>", "</style>");
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(css.as_bytes()));
    let source = format!("'sha256-{hash}'");
    assert!(
        policy().contains(&format!("style-src {source}")),
        "index.html's <style> changed: put style-src {source} into its CSP"
    );
}

#[test]
fn the_policy_allows_only_what_the_page_needs() {
    let policy = policy();
    for directive in [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval';",
        "connect-src 'self';",
        "base-uri 'none'",
        "form-action 'none'",
    ] {
        assert!(
            policy.contains(directive),
            "{directive:?} missing: {policy}"
        );
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    // Scripts come from files only: no inline <script> in the markup.
    assert!(
        !INDEX_HTML.contains("<script"),
        "inline script in index.html"
    );
    assert!(
        !INDEX_HTML.contains(" style=\""),
        "style attribute in index.html"
    );
}

/// The live panel (web/src/live.rs) talks to the `certplay serve` that
/// served the page, on purpose: connect-src is exactly 'self' (no other
/// host, no scheme such as https: or ws:), and start.js no longer narrows
/// it to 'none' once the wasm is in.
#[test]
fn connections_go_only_to_the_pages_own_origin() {
    let connect: Vec<&str> = policy()
        .split(';')
        .map(str::trim)
        .filter(|d| d.starts_with("connect-src"))
        .collect();
    assert_eq!(connect, ["connect-src 'self'"], "{}", policy());
    assert!(
        !START_JS.contains("Content-Security-Policy"),
        "start.js adds a policy; a connect-src 'none' would cut the live panel off"
    );
}
