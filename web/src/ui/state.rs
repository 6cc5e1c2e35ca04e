//! What several panels read: the set shown (and the handle the tools
//! worker keeps it under), what was revoked and signed on it, and the
//! person's own keys and CAs for the next Issue.

use std::cell::RefCell;
use std::rc::Rc;

use certplay_core::{IssuedPlan, RevocationReason};

use crate::error::Failure;
use crate::issue::OwnKey;
use crate::own_ca::OwnCas;
use crate::protocol::{Request, SetHandle};
use crate::IssuedSet;

/// The shared state; clones share it.
#[derive(Debug, Clone, Default)]
pub struct State(Rc<Shared>);

#[derive(Debug, Default)]
struct Shared {
    issued: RefCell<Option<IssuedSet>>,
    /// What the person revoked on the shown set: entry and reason.
    revoked: RefCell<Vec<(String, RevocationReason)>>,
    /// Certificates signed from CSRs with the shown set's CAs.
    signed: RefCell<Vec<SignedCert>>,
    /// Keys the person brought for the next Issue (a vector, not a map: a
    /// handful of entries, and each map type costs the page's wasm about a
    /// kilobyte).
    own_keys: RefCell<Vec<OwnKey>>,
    own_cas: OwnCas,
}

/// A certificate signed from a CSR in `#sign-csr`: a card of its own and a
/// file in the zip (`STEM.crt`).
#[derive(Debug, Clone)]
pub struct SignedCert {
    /// The file stem.
    pub stem: String,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
}

impl State {
    /// The set shown, if any.
    pub fn issued(&self) -> Option<IssuedSet> {
        self.0.issued.borrow().clone()
    }

    /// The set shown, or why there is none.
    pub fn set(&self) -> Result<IssuedSet, Failure> {
        self.issued()
            .ok_or_else(|| Failure::Browser("nothing is issued yet: press Issue".into()))
    }

    /// A new set is shown: what was revoked and signed on the old one goes.
    pub fn show(&self, set: IssuedSet) {
        *self.0.issued.borrow_mut() = Some(set);
        self.0.revoked.borrow_mut().clear();
        self.0.signed.borrow_mut().clear();
    }

    /// The handle the tools worker keeps the shown set under.
    pub fn handle(&self) -> Result<SetHandle, Failure> {
        Ok(self.set()?.handle)
    }

    /// Marks `entry` revoked (again: with this reason).
    pub fn revoke(&self, entry: &str, reason: RevocationReason) {
        let mut revoked = self.0.revoked.borrow_mut();
        revoked.retain(|(name, _)| name != entry);
        revoked.push((entry.to_owned(), reason));
    }

    /// Everything revoked on the shown set.
    pub fn revoked(&self) -> Vec<(String, RevocationReason)> {
        self.0.revoked.borrow().clone()
    }

    /// The entries revoked whose issuer is the CA entry `ca`, with why.
    pub fn revoked_by(&self, set: &IssuedPlan, ca: &str) -> Vec<(String, RevocationReason)> {
        self.0
            .revoked
            .borrow()
            .iter()
            .filter(|(name, _)| set.plan.entry(name).and_then(|e| e.issuer.as_deref()) == Some(ca))
            .map(|(name, reason)| (name.clone(), *reason))
            .collect()
    }

    /// The CRL (PEM or DER) of the CA entry `ca`, listing what was revoked.
    pub async fn crl(&self, ca: &str, der: bool) -> Result<Vec<u8>, Failure> {
        let set = self.set()?;
        let request = Request::Crl {
            set: self.handle()?,
            ca: ca.to_owned(),
            revoked: self.revoked_by(&set.issued, ca),
            der,
        };
        crate::tools::file(request).await
    }

    /// The certificates signed from CSRs.
    pub fn signed(&self) -> Vec<SignedCert> {
        self.0.signed.borrow().clone()
    }

    /// Adds a certificate signed from a CSR.
    pub fn add_signed(&self, cert: SignedCert) {
        self.0.signed.borrow_mut().push(cert);
    }

    /// The keys the person brought, for the next Issue.
    pub fn own_keys(&self) -> Vec<OwnKey> {
        self.0.own_keys.borrow().clone()
    }

    /// `entry`'s own key from now on, or none (`None`).
    pub fn set_own_key(&self, entry: &str, key: Option<OwnKey>) {
        let mut keys = self.0.own_keys.borrow_mut();
        keys.retain(|key| key.entry != entry);
        keys.extend(key);
    }

    /// The CAs the person brought ("my own CA").
    pub fn own_cas(&self) -> &OwnCas {
        &self.0.own_cas
    }
}
