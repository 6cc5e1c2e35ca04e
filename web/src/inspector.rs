//! The inspector: paste, drop or pick any PEM or DER (certificates, chains,
//! CSRs, keys, CRLs) and read it the way `openssl x509 -text` shows it, with
//! lints. Everything is read by certplay-core inside the page; nothing is
//! uploaded.

use certplay_core::read::{self, lint, text, Item};
use gloo_events::EventListener;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Element, HtmlInputElement, HtmlTextAreaElement};

use crate::dom::{by_id, on, set_text};
use crate::Failure;

/// What the inspector shows for some input: the text view and the lints,
/// one line each, or why nothing could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The openssl-like text of everything read.
    pub text: String,
    /// `severity id: message [rule] fix: ...`, one a line.
    pub lints: Vec<String>,
    /// A one-line summary for the status line.
    pub summary: String,
}

/// Reads `bytes` (named `name` in messages) at `now` (Unix seconds).
pub fn inspect(name: &str, bytes: &[u8], now: i64) -> Inspection {
    match read::read(name, bytes) {
        Err(e) => Inspection {
            text: String::new(),
            lints: Vec::new(),
            summary: e.to_string(),
        },
        Ok(items) => {
            let mut lints = Vec::new();
            for item in &items {
                if let Item::Certificate(c) = item {
                    for l in lint::certificate(c, now) {
                        lints.push(format!(
                            "{:?} {} ({}): {} [{}] fix: {}",
                            l.severity, l.id, c.subject, l.message, l.rule, l.fix
                        ));
                    }
                }
            }
            let count = |f: fn(&Item) -> bool| items.iter().filter(|i| f(i)).count();
            let summary = format!(
                "{name}: {} certificate(s), {} CSR(s), {} key(s), {} CRL(s), {} unreadable block(s); {} lint(s)",
                count(|i| matches!(i, Item::Certificate(_))),
                count(|i| matches!(i, Item::Csr(_))),
                count(|i| matches!(i, Item::PrivateKey(_) | Item::PublicKey(_))),
                count(|i| matches!(i, Item::Crl(_))),
                count(|i| matches!(i, Item::Unreadable { .. })),
                lints.len()
            );
            Inspection {
                text: text::items(&items),
                lints,
                summary,
            }
        }
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn show(name: &str, bytes: &[u8]) -> Result<(), Failure> {
    set_text("inspect-status", "reading…")?;
    let inspection = crate::reader::inspect(name, bytes, now()).await?;
    set_text("inspect-status", &inspection.summary)?;
    set_text("inspect-output", &inspection.text)?;
    set_text("inspect-lints", &inspection.lints.join("\n"))?;
    by_id::<Element>("inspect-lints")?
        .toggle_attribute_with_force("hidden", inspection.lints.is_empty())
        .map_err(Failure::from_js)?;
    Ok(())
}

/// Opens `text` (named `name`) in the inspector: into its text area, read,
/// and scrolled into view (a card's Inspect button).
pub async fn open(name: &str, text: &str) -> Result<(), Failure> {
    by_id::<HtmlTextAreaElement>("inspect-input")?.set_value(text);
    by_id::<Element>("inspector")?.scroll_into_view();
    show(name, text.as_bytes()).await
}

fn report(result: Result<(), Failure>) {
    if let Err(failure) = result {
        let _ = set_text("inspect-status", &failure.to_string());
    }
}

async fn show_file(file: web_sys::File) -> Result<(), Failure> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(Failure::from_js)?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    show(&file.name(), &bytes).await
}

/// Wires `#inspector`: the Inspect button reads the text area, a picked or
/// dropped file is read as it is (PEM or DER).
pub fn mount() -> Result<Vec<EventListener>, Failure> {
    let input = by_id::<HtmlTextAreaElement>("inspect-input")?;
    let mut listeners = Vec::new();
    let pasted = input.clone();
    listeners.push(on(&by_id::<Element>("inspect-run")?, "click", move |_| {
        let text = pasted.value();
        spawn_local(async move { report(show("pasted text", text.as_bytes()).await) });
    }));
    let picker = by_id::<HtmlInputElement>("inspect-file")?;
    let picked = picker.clone();
    listeners.push(on(&picker, "change", move |_| {
        if let Some(file) = picked.files().and_then(|files| files.get(0)) {
            spawn_local(async move { report(show_file(file).await) });
        }
    }));
    listeners.push(on(&input, "dragover", |event| event.prevent_default()));
    listeners.push(on(&input, "drop", |event| {
        event.prevent_default();
        if let Some(file) = crate::dom::dropped_file(event) {
            spawn_local(async move { report(show_file(file).await) });
        }
    }));
    Ok(listeners)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_ca_is_shown_without_lints() {
        let issued = certplay_core::Plan::default().issue().unwrap();
        let ca = issued.entry("ca").unwrap();
        let now = read::Certificate::from_der(&ca.cert_der)
            .unwrap()
            .not_before
            .0
            + 60;
        let shown = inspect("ca.crt", ca.cert_pem.as_bytes(), now);
        assert!(shown.text.contains("Subject: CN = my-ca"), "{}", shown.text);
        assert!(shown.lints.is_empty(), "{:?}", shown.lints);
        assert!(
            shown.summary.starts_with("ca.crt: 1 certificate(s)"),
            "{}",
            shown.summary
        );
        let garbage = inspect("x", b"garbage", now);
        assert!(
            garbage.summary.contains("neither PEM"),
            "{}",
            garbage.summary
        );
    }
}
