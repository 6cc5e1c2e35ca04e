//! What the Issue button runs: check the plan here (a form error appears
//! at once, next to its field), then ask the tools worker to issue it:
//! keys and signing run there, so the page's thread never signs, and the
//! page's wasm carries no signing code. The worker keeps the set (the card
//! tools name it by its handle) and reads its certificates back for the
//! cards.

use certplay_core::{IssuedPlan, KeyType, Plan};
use time::OffsetDateTime;

use crate::error::Failure;
use crate::protocol::{CaHandle, Card, Der, KeySource, Reply, Request, SetHandle};

/// An issued plan, as the page shows it.
#[derive(Debug, Clone)]
pub struct IssuedSet {
    /// The certificates and keys (an own CA's key stays in the worker).
    pub issued: IssuedPlan,
    /// The handle the tools worker keeps the set under.
    pub handle: SetHandle,
    /// What the worker read of each certificate, in plan order.
    pub cards: Vec<Card>,
    /// Where the keys came from.
    pub key_source: KeySource,
    /// Microseconds from the first key to the last certificate signed.
    pub micros: u64,
}

/// A key the person brought for an entry (read by the worker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnKey {
    /// The entry it is for.
    pub entry: String,
    /// The key, PKCS#8 DER.
    pub der: Der,
    /// Its type: the entry's from now on.
    pub key_type: KeyType,
}

/// What to issue: a plan and what the person brought for it.
#[derive(Debug, Clone, Default)]
pub struct Issuing {
    /// The plan.
    pub plan: Plan,
    /// The person's own keys, by entry (their key type replaces the entry's).
    pub own_keys: Vec<OwnKey>,
    /// The person's own CAs for the entries marked existing ("my own CA",
    /// kept by the tools worker under its handle: not issued again, it
    /// signs what names it as issuer).
    pub own_cas: Vec<(String, CaHandle)>,
    /// Where the other keys come from; `None`: the worker's choice
    /// ([`KeySource::for_plan`]), as the Issue button has it.
    pub source: Option<KeySource>,
}

/// Issues `plan` as the Issue button does, without own keys or CAs.
pub async fn issue(plan: &Plan) -> Result<IssuedSet, Failure> {
    issue_with_progress(
        Issuing {
            plan: plan.clone(),
            ..Issuing::default()
        },
        |_, _| (),
    )
    .await
}

/// [`issue`] with the keys from `source` (for tests and measurements).
pub async fn issue_using(plan: &Plan, source: KeySource) -> Result<IssuedSet, Failure> {
    issue_with_progress(
        Issuing {
            plan: plan.clone(),
            source: Some(source),
            ..Issuing::default()
        },
        |_, _| (),
    )
    .await
}

/// Checks `issuing.plan` (with the own keys' types), then has the tools
/// worker issue it, calling `progress(done, of)` each time WebCrypto has
/// made a key there (what the page shows in `#status`).
pub async fn issue_with_progress(
    issuing: Issuing,
    progress: impl Fn(u32, u32) + 'static,
) -> Result<IssuedSet, Failure> {
    let Issuing {
        mut plan,
        own_keys,
        own_cas,
        source,
    } = issuing;
    for key in &own_keys {
        let name = &key.entry;
        let entry = plan.entries.iter_mut().find(|e| e.name == *name);
        let entry = entry.ok_or_else(|| {
            Failure::Browser(format!(
                "your own key for {name:?}: the plan has no entry {name:?} (renamed?); use the key again for the entry's new name"
            ))
        })?;
        entry.key_type = Some(key.key_type);
    }
    let warnings = plan.check(OffsetDateTime::now_utc())?;
    let request = Request::Issue {
        plan: plan.clone(),
        own_keys: own_keys.into_iter().map(|k| (k.entry, k.der)).collect(),
        own_cas,
        source,
    };
    match crate::tools::call_with_progress(request, progress).await? {
        Reply::Issued {
            set,
            entries,
            issued_at,
            cards,
            source,
            micros,
        } => Ok(IssuedSet {
            issued: IssuedPlan {
                plan,
                entries,
                issued_at: OffsetDateTime::from_unix_timestamp(issued_at)
                    .map_err(|e| Failure::Browser(format!("the issuing time: {e}")))?,
                warnings,
            },
            handle: set,
            cards,
            key_source: source,
            micros,
        }),
        other => Err(crate::tools::unexpected(&other)),
    }
}
