//! What the Issue button runs: check the plan, make the keys, issue it.
//! What the certificates say is read back from their DER by the tools
//! worker (see [`crate::tools`]), not here: the page's wasm stays small.

use certplay_core::{IssuedPlan, KeyPair, KeyType, Plan};
use time::OffsetDateTime;

use crate::error::Failure;
use crate::keygen::{self, KeySource};
use crate::protocol::{CaHandle, Card, Reply, Request, SetHandle};

/// An issued plan, and how it was made.
#[derive(Debug, Clone)]
pub struct IssuedSet {
    /// The certificates and keys.
    pub issued: IssuedPlan,
    /// The key type the set was issued with.
    pub key_type: KeyType,
    /// Where the keys came from.
    pub key_source: KeySource,
    /// Milliseconds from the first key to the last certificate signed.
    pub millis: f64,
    /// Issued in the tools worker (with an own CA): the worker keeps the
    /// set under this handle, and read its certificates for the cards.
    pub kept: Option<(SetHandle, Vec<Card>)>,
}

/// Issues `plan`, with keys from where the page makes them
/// ([`KeySource::for_plan`]). The plan is checked before any key work, so a
/// form error appears at once.
pub async fn issue(plan: &Plan) -> Result<IssuedSet, Failure> {
    issue_using(plan, KeySource::for_plan(plan)).await
}

/// [`issue`] with the keys from `source` (for tests and measurements).
pub async fn issue_using(plan: &Plan, source: KeySource) -> Result<IssuedSet, Failure> {
    issue_with_progress(plan.clone(), source, |_| (), Vec::new(), Vec::new()).await
}

/// [`issue_using`], calling `progress(done)` each time WebCrypto has made
/// a key (what the page shows in `#status`), with the person's `own` keys
/// for some entries (their key type replaces the entry's) and their
/// `existing` CAs for the entries marked existing ("my own CA", kept by
/// the tools worker under its handle: not issued again, it signs what
/// names it as issuer; the tools worker signs then, see [`Request::Issue`]).
pub async fn issue_with_progress(
    mut plan: Plan,
    source: KeySource,
    progress: impl Fn(usize) + 'static,
    own: Vec<(String, KeyPair)>,
    existing: Vec<(String, CaHandle)>,
) -> Result<IssuedSet, Failure> {
    for (name, key) in &own {
        let entry = plan.entries.iter_mut().find(|e| e.name == *name);
        let entry = entry.ok_or_else(|| {
            Failure::Browser(format!(
                "your own key for {name:?}: the plan has no entry {name:?} (renamed?); use the key again for the entry's new name"
            ))
        })?;
        entry.key_type = Some(key.key_type());
    }
    let plan = &plan;
    let warnings = plan.check(OffsetDateTime::now_utc())?;
    let start = now_ms();
    let mut materials = keygen::generate_with_progress(plan, source, progress).await?;
    for (name, key) in own {
        materials.keys.insert(name, key);
    }
    let (issued, kept) = if existing.is_empty() {
        (plan.issue_with(materials, OffsetDateTime::now_utc())?, None)
    } else {
        let keys = materials
            .keys
            .into_iter()
            .map(|(name, key)| Ok((name, key.to_pkcs8_pem()?)))
            .collect::<Result<_, certplay_core::Error>>()?;
        let request = Request::Issue {
            plan: plan.clone(),
            keys,
            own_cas: existing,
        };
        match crate::tools::call(request).await? {
            Reply::Issued {
                set,
                entries,
                issued_at,
                cards,
            } => (
                IssuedPlan {
                    plan: plan.clone(),
                    entries,
                    issued_at: OffsetDateTime::from_unix_timestamp(issued_at)
                        .map_err(|e| Failure::Browser(format!("the issuing time: {e}")))?,
                    warnings,
                },
                Some((set, cards)),
            ),
            other => return Err(crate::tools::unexpected(&other)),
        }
    };
    Ok(IssuedSet {
        issued,
        key_type: plan.key_type,
        key_source: source,
        millis: now_ms() - start,
        kept,
    })
}

/// `performance.now()`: milliseconds with sub-millisecond resolution; 0
/// where there is no `performance` (natively, in a worker without it).
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|window| window.performance())
            .map_or(0.0, |performance| performance.now())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// Milliseconds as a whole number, formatted by the browser: Rust's float
/// formatting would add 5 KB to the page for this.
pub fn whole_ms(millis: f64) -> String {
    String::from(
        js_sys::Number::from(millis)
            .to_fixed(0)
            .unwrap_or_else(|_| "?".into()),
    )
}
