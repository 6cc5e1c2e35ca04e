//! "My own CA": a plan's root CA entry stands for a CA the person already
//! has (the blog's `ca.crt` + `ca.key`, an mkcert root). They pick its
//! certificate and key files in the editor; the tools worker reads and
//! checks them ([`Request::LoadCa`]: a CA, the key is its key, encrypted
//! PKCS#8 with its password) and keeps them, answering with a handle.
//! Issuing then signs with it ([`certplay_core::Materials`]'s `existing`,
//! in the worker: [`Request::Issue`]): its certificate is not issued again
//! and its key is never offered for download; it only signs (certificates,
//! CRLs, CSRs), in the browser.

use std::cell::RefCell;
use std::rc::Rc;

use certplay_core::{Error, Plan, PlanField};

use crate::error::Failure;
use crate::protocol::{CaHandle, LoadedCa, Reply, Request};
use crate::tools::{call, unexpected};

/// Which of the two files a pick is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaFile {
    /// The CA's certificate (PEM).
    Certificate,
    /// Its private key.
    Key,
}

/// The files picked for one entry, and what the worker made of them.
#[derive(Debug, Clone, Default)]
pub struct CaPick {
    /// The entry (file stem) the CA stands for.
    pub entry: String,
    /// The certificate file: its name and bytes.
    pub cert: Option<(String, Vec<u8>)>,
    /// The key file: its name and bytes.
    pub key: Option<(String, Vec<u8>)>,
    /// A password was typed (the key is encrypted): the command line needs
    /// one too.
    pub encrypted: bool,
    /// The CA as read and checked, or core's words why not.
    pub outcome: Option<Result<LoadedCa, String>>,
}

impl CaPick {
    /// What to show under the files: the CA as loaded with its warnings,
    /// or what is still missing. `Err` is core's reason, shown as an error.
    pub fn said(&self) -> Result<String, String> {
        match (&self.outcome, &self.cert, &self.key) {
            (Some(Ok(loaded)), _, _) => {
                let mut said = format!("Your CA: {}", loaded.summary);
                for warning in &loaded.warnings {
                    said.push_str(&format!("\nWarning: {warning}"));
                }
                Ok(said)
            }
            (Some(Err(reason)), _, _) => Err(reason.clone()),
            (None, None, None) => Ok("Pick the CA's certificate and its private key (PEM).".into()),
            (None, Some(_), None) => Ok("Now pick its private key.".into()),
            (None, None, Some(_)) => Ok("Now pick its certificate.".into()),
            (None, Some(_), Some(_)) => Ok("Reading…".into()),
        }
    }
}

/// The CAs brought, by entry; shared by the editor and the card tools.
#[derive(Debug, Clone, Default)]
pub struct OwnCas(Rc<RefCell<Vec<CaPick>>>);

impl OwnCas {
    /// The pick for `entry`, if any.
    pub fn pick(&self, entry: &str) -> Option<CaPick> {
        self.0.borrow().iter().find(|p| p.entry == entry).cloned()
    }

    /// Keeps a picked file for `entry`; what was loaded before is read
    /// again with it.
    pub fn keep_file(&self, entry: &str, which: CaFile, name: String, bytes: Vec<u8>) {
        let mut picks = self.0.borrow_mut();
        let at = match picks.iter().position(|p| p.entry == entry) {
            Some(at) => at,
            None => {
                picks.push(CaPick {
                    entry: entry.to_owned(),
                    ..CaPick::default()
                });
                picks.len().saturating_sub(1)
            }
        };
        if let Some(pick) = picks.get_mut(at) {
            let file = Some((name, bytes));
            match which {
                CaFile::Certificate => pick.cert = file,
                CaFile::Key => pick.key = file,
            }
            pick.outcome = None;
        }
    }

    /// An entry was renamed: its CA follows.
    pub fn rename(&self, old: &str, new: &str) {
        if old == new {
            return;
        }
        for pick in self.0.borrow_mut().iter_mut() {
            if pick.entry == old {
                new.clone_into(&mut pick.entry);
            }
        }
    }

    /// Reads and checks `entry`'s two files in the tools worker, with the
    /// key's `password` (empty: none), once both are picked. Returns the
    /// pick as it is now.
    pub async fn load(&self, entry: &str, password: &str) -> Result<CaPick, Failure> {
        match self.request(entry, password) {
            Some(request) => self.settle(entry, call(request).await?, !password.is_empty()),
            None => Ok(self.pick(entry).unwrap_or_else(|| CaPick {
                entry: entry.to_owned(),
                ..CaPick::default()
            })),
        }
    }

    /// What to ask the tools worker for `entry`, once both files are picked.
    pub fn request(&self, entry: &str, password: &str) -> Option<Request> {
        let pick = self.pick(entry)?;
        let ((cert_name, cert), (key_name, key)) = (pick.cert?, pick.key?);
        Some(Request::LoadCa {
            cert_name,
            cert,
            key_name,
            key,
            password: (!password.is_empty()).then(|| password.to_owned()),
        })
    }

    /// Keeps the worker's answer to [`Self::request`] for `entry`
    /// (`encrypted`: a password was given).
    pub fn settle(&self, entry: &str, reply: Reply, encrypted: bool) -> Result<CaPick, Failure> {
        let outcome = match reply {
            Reply::LoadedCa(loaded) => Ok(loaded),
            Reply::Failed(reason) => Err(reason),
            other => return Err(unexpected(&other)),
        };
        let mut picks = self.0.borrow_mut();
        let pick = picks.iter_mut().find(|p| p.entry == entry);
        let pick = pick.ok_or_else(|| Failure::Browser(format!("{entry}: its CA was dropped")))?;
        pick.outcome = Some(outcome);
        pick.encrypted = encrypted;
        Ok(pick.clone())
    }

    /// The own CAs of `plan`'s ticked entries, by the name of the entry that
    /// issues with each, and `plan` shaped for their chains: the ticked
    /// entry and those above it stand for the certificates given
    /// ([`Plan::stand_in`]: the root as the top entry, an intermediate
    /// added where the chain is longer), as the tools worker issues it.
    pub fn for_plan(&self, plan: &mut Plan) -> Result<Vec<(String, CaHandle)>, Failure> {
        let mut cas = Vec::new();
        let ticked: Vec<String> = plan
            .entries
            .iter()
            .filter(|e| e.existing)
            .map(|e| e.name.clone())
            .collect();
        for name in ticked {
            let missing = |reason: String| Error::Plan {
                entry: name.clone(),
                field: PlanField::Existing,
                reason,
            };
            match self.pick(&name).and_then(|pick| pick.outcome) {
                Some(Ok(loaded)) => {
                    let names = plan.stand_in(&name, &loaded.links).unwrap_or_default();
                    let issuing = names.into_iter().next().unwrap_or_else(|| name.clone());
                    cas.push((issuing, loaded.handle));
                }
                Some(Err(reason)) => return Err(missing(reason).into()),
                None => {
                    return Err(missing(
                        "\"my own CA\" is ticked: pick its certificate and private key files \
                         (they stay in this page), or untick it to issue a new CA"
                            .into(),
                    )
                    .into())
                }
            }
        }
        Ok(cas)
    }

    /// The key file's name and whether it is encrypted, for the command
    /// line (see [`crate::next_steps::reproduce`]).
    pub fn key_file(&self, plan: &Plan) -> (Option<String>, bool) {
        // The entry ticked may have been renamed for the chain (a plan
        // root standing for an intermediate): then the one CA loaded.
        let loaded: Vec<CaPick> = self
            .0
            .borrow()
            .iter()
            .filter(|p| matches!(p.outcome, Some(Ok(_))))
            .cloned()
            .collect();
        let pick = plan
            .entries
            .iter()
            .filter(|e| e.existing)
            .find_map(|e| self.pick(&e.name))
            .or_else(|| match loaded.as_slice() {
                [only] => Some(only.clone()),
                _ => None,
            });
        match pick {
            Some(pick) => (pick.key.map(|(name, _)| name), pick.encrypted),
            None => (None, false),
        }
    }
}
