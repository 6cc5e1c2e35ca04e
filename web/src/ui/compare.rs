//! The inspector's compare: two inputs side by side (paste or pick a
//! file), compared field by field in the tools worker by certplay-core's
//! `diff` ([`crate::worker`]), each difference with what it does. One
//! button puts the blog's set, made in the worker at that moment as the
//! blog's seven openssl commands make it (certplay-core's
//! `blog_openssl_set`; tests/tests/diff.rs checks it against openssl),
//! beside the same plan issued by certplay, then compares them.

use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlInputElement, HtmlTextAreaElement};

use super::{Event, Panel};
use crate::dom::{by_id, document, file_bytes, on, set_text};
use crate::error::Failure;
use crate::protocol::{Comparison, Der, KeySource, Reply, Request};

/// The compare panel.
#[derive(Debug)]
pub struct Compare;

impl Compare {
    /// Wires `#compare`: Compare reads both text areas, a picked file
    /// replaces its side's text, the blog button fills both sides.
    pub fn mount() -> Result<(Rc<dyn Panel>, Vec<EventListener>), Failure> {
        let mut listeners = vec![
            on(&by_id::<Element>("compare-run")?, "click", |_| {
                spawn_local(async { report(run().await) });
            }),
            on(&by_id::<Element>("compare-blog")?, "click", |_| {
                spawn_local(async { report(blog().await) });
            }),
        ];
        for side in ["a", "b"] {
            let picker = by_id::<HtmlInputElement>(&format!("compare-{side}-file"))?;
            let picked = picker.clone();
            listeners.push(on(&picker, "change", move |_| {
                if let Some(file) = picked.files().and_then(|files| files.get(0)) {
                    spawn_local(async move { report(load(side, file).await) });
                }
            }));
        }
        Ok((Rc::new(Self), listeners))
    }
}

impl Panel for Compare {
    fn on(&self, _event: &Event) -> Result<(), Failure> {
        Ok(())
    }
}

/// A picked file into its side's text area (a DER file as PEM).
async fn load(side: &str, file: web_sys::File) -> Result<(), Failure> {
    let bytes = file_bytes(&file).await?;
    let area = by_id::<HtmlTextAreaElement>(&format!("compare-{side}"))?;
    match String::from_utf8(bytes) {
        Ok(text) => area.set_value(&text),
        // DER: shown as PEM, which reads back to the same certificate.
        Err(e) => area.set_value(&pem_of(&e.into_bytes())?),
    }
    set_text(
        "compare-status",
        &format!("{}: {} read", side.to_uppercase(), file.name()),
    )
}

/// DER bytes as a CERTIFICATE PEM block (the worker reads PEM or DER; the
/// text area holds text), base64 by the browser's own `btoa`.
fn pem_of(der: &[u8]) -> Result<String, Failure> {
    let binary: String = der.iter().map(|b| char::from(*b)).collect();
    let base64 = crate::dom::window()?
        .btoa(&binary)
        .map_err(Failure::from_js)?;
    let lines: Vec<&str> = base64
        .as_bytes()
        .chunks(64)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    Ok(format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    ))
}

/// Compares what the two text areas hold.
async fn run() -> Result<(), Failure> {
    let a = by_id::<HtmlTextAreaElement>("compare-a")?.value();
    let b = by_id::<HtmlTextAreaElement>("compare-b")?.value();
    compare(("A", a), ("B", b)).await
}

async fn compare(a: (&str, String), b: (&str, String)) -> Result<(), Failure> {
    set_text("compare-status", "comparing…")?;
    by_id::<Element>("compare-result")?.set_text_content(None);
    let request = Request::Compare {
        a: (a.0.to_owned(), Der(a.1.into_bytes())),
        b: (b.0.to_owned(), Der(b.1.into_bytes())),
        now: time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    let comparison = match crate::tools::call(request).await? {
        Reply::Compared(comparison) => comparison,
        other => return Err(crate::tools::unexpected(&other)),
    };
    show(&comparison)?;
    set_text("compare-status", &comparison.summary)
}

/// The blog's set in A, the same plan issued here in B, compared.
async fn blog() -> Result<(), Failure> {
    set_text(
        "compare-status",
        "making the blog's set as its openssl commands do…",
    )?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let blog = match crate::tools::call(Request::BlogOpensslSet { now }).await? {
        Reply::BlogOpensslSet(files) => files,
        other => return Err(crate::tools::unexpected(&other)),
    };
    let a = named(blog.iter().map(|(name, pem)| (name.as_str(), pem.as_str())));
    by_id::<HtmlTextAreaElement>("compare-a")?.set_value(&a);
    set_text("compare-status", "issuing the blog's plan with certplay…")?;
    let request = Request::Issue {
        plan: certplay_core::Plan::default(),
        own_keys: Vec::new(),
        own_cas: Vec::new(),
        source: Some(KeySource::for_plan(&certplay_core::Plan::default())),
    };
    let entries = match crate::tools::call(request).await? {
        Reply::Issued { entries, .. } => entries,
        other => return Err(crate::tools::unexpected(&other)),
    };
    let files: Vec<(String, String)> = entries
        .into_iter()
        .map(|e| (format!("{}.crt", e.name), e.cert_pem))
        .collect();
    let b = named(
        files
            .iter()
            .map(|(name, pem)| (name.as_str(), pem.as_str())),
    );
    by_id::<HtmlTextAreaElement>("compare-b")?.set_value(&b);
    compare(("the blog's set (openssl)", a), ("certplay's set", b)).await
}

/// PEM blocks, each after a line with its file name (text around PEM
/// blocks is ignored when read).
fn named<'a>(files: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    files
        .map(|(name, pem)| format!("{name}\n{}", pem.trim_end()))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The comparison as tables: per pair of certificates, a row per field
/// that differs (A's and B's values) and its effects below it, as text.
fn show(comparison: &Comparison) -> Result<(), Failure> {
    let document = document()?;
    let add = |parent: &Element, tag: &str, text: Option<&str>| -> Result<Element, Failure> {
        let element = document.create_element(tag).map_err(Failure::from_js)?;
        element.set_text_content(text);
        parent.append_child(&element).map_err(Failure::from_js)?;
        Ok(element)
    };
    let result = by_id::<Element>("compare-result")?;
    result.set_text_content(None);
    for pair in &comparison.pairs {
        add(&result, "h3", Some(&pair.title))?;
        if pair.rows.is_empty() {
            add(&result, "p", Some("the same"))?;
            continue;
        }
        let table = add(&result, "table", None)?;
        let head = add(&table, "tr", None)?;
        for title in ["field", "A", "B"] {
            add(&head, "th", Some(title))?;
        }
        for row in &pair.rows {
            let tr = add(&table, "tr", None)?;
            tr.set_attribute("data-field", &row.field)
                .map_err(Failure::from_js)?;
            add(&tr, "th", Some(&row.field))?;
            add(&tr, "td", Some(&row.a))?;
            add(&tr, "td", Some(&row.b))?;
            let effects = add(&table, "tr", None)?;
            effects
                .set_attribute("data-effects", &row.field)
                .map_err(Failure::from_js)?;
            let cell = add(&effects, "td", None)?;
            cell.set_attribute("colspan", "3")
                .map_err(Failure::from_js)?;
            let list = add(&cell, "ul", None)?;
            for (severity, words) in &row.effects {
                add(&list, "li", Some(words))?
                    .set_attribute("data-severity", &severity.to_string().to_lowercase())
                    .map_err(Failure::from_js)?;
            }
        }
    }
    if !comparison.unmatched.is_empty() {
        let list = add(&result, "ul", None)?;
        for line in &comparison.unmatched {
            add(&list, "li", Some(line))?;
        }
    }
    Ok(())
}

fn report(result: Result<(), Failure>) {
    if let Err(failure) = result {
        let _ = set_text("compare-status", &failure.to_string());
    }
}
