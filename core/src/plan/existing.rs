//! A chain of CAs a person already has (an issuing CA, often an
//! intermediate under a company's root, and the certificates above it) put
//! into a plan: one `existing` entry per given certificate, the issuing CA
//! signing what the plan issues, the ones above it certificate-only.

use serde::{Deserialize, Serialize};

use super::{Entry, Plan, Profile};

/// One certificate of a given chain, as the plan needs to know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenLink {
    /// Self-signed: a root (the trust anchor's own certificate).
    pub root: bool,
    /// Its common name (or whole subject), for the entry's subject.
    pub common_name: String,
}

/// The words for a set issued under a given chain whose root was not
/// given: `file` (holding the topmost certificate given, `subject`, issued
/// by `issuer`) is what servers and clients must trust. Facts only: each
/// front end adds how to give the root.
pub fn trust_note(file: &str, subject: &str, issuer: &str) -> String {
    format!(
        "the root above {subject} ({file}, issued by {issuer}) was not given, so {file} is what \
         servers and clients must trust (the trust anchor; openssl needs -partial_chain to \
         accept a CA that is not a root)"
    )
}

impl Plan {
    /// The topmost certificate of a given chain when it is not a root (an
    /// existing entry with no issuer that is not a root CA): what servers
    /// and clients must trust in the root's place.
    pub fn unrooted_anchor(&self) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.existing && e.issuer.is_none() && e.profile != Profile::RootCa)
    }

    /// Where a given chain of `links` (the issuing CA first, then the
    /// certificates above it, nearest first) goes when the person did not
    /// say: the CA that signs the plan's leaves when the chain stops below
    /// a root, else the entry as deep under the first root as the chain is
    /// long (the root given stands for the plan's root, `ca.crt`).
    pub fn chain_place(&self, links: usize, root_given: bool) -> Option<String> {
        if let Some(lowest) = self.lowest_existing() {
            return Some(lowest);
        }
        let mut at = self.entries.iter().find(|e| e.profile == Profile::RootCa)?;
        let depth = if root_given {
            links.saturating_sub(1)
        } else {
            links
        };
        for _ in 0..depth {
            let mut children = self
                .entries
                .iter()
                .filter(|e| e.profile.is_ca() && e.issuer.as_deref() == Some(at.name.as_str()));
            match (children.next(), children.next()) {
                (Some(only), None) => at = only,
                _ => break,
            }
        }
        Some(at.name.clone())
    }

    /// The existing entry that no other existing entry names as issuer:
    /// where a plan written with a given chain put its issuing CA.
    fn lowest_existing(&self) -> Option<String> {
        self.entries
            .iter()
            .filter(|e| e.existing)
            .find(|e| {
                !self
                    .entries
                    .iter()
                    .any(|o| o.existing && o.issuer.as_deref() == Some(e.name.as_str()))
            })
            .map(|e| e.name.clone())
    }

    /// Makes the entry `at` and the entries above it stand for a given
    /// chain of `links` (the issuing CA first, nearest first): each becomes
    /// `existing`, a root CA when its certificate is self-signed, else an
    /// intermediate CA. When the chain is longer than the plan's, entries
    /// named `intermediate` (`intermediate-2`, ...) are added below the
    /// plan's top, so that a given root keeps the top's name (`ca`); when it
    /// is shorter, the topmost given certificate has no issuer in the plan
    /// (it is what servers must trust) and the entries above it that
    /// nothing else names as issuer are dropped. Returns the entries' names
    /// in the order of `links`; `None` when `at` is not an entry or no
    /// link is given.
    pub fn stand_in(&mut self, at: &str, links: &[GivenLink]) -> Option<Vec<String>> {
        if links.is_empty() {
            return None;
        }
        let entry = self.entry(at)?;
        // The plan's path, the issuing entry first.
        let mut path: Vec<String> = std::iter::once(entry)
            .chain(self.issuers_of(entry))
            .map(|e| e.name.clone())
            .collect();
        if links.len() > path.len() {
            let top = path.pop()?;
            let mut inserted = Vec::new();
            for _ in path.len().saturating_add(1)..links.len() {
                inserted.push(self.free_name("intermediate", &inserted));
            }
            self.insert_below(&top, path.last().cloned(), &inserted)?;
            // Bottom-up, as `links`.
            path.extend(inserted.into_iter().rev());
            path.push(top);
        }
        let cut: Vec<String> = path.split_off(links.len());
        // `ca.crt` is a root in every certplay set: a plan root that now
        // stands for an intermediate (its root not given) is renamed, also
        // when it was already marked existing (the page's "My own CA").
        if let (Some(top), Some(link)) = (path.last_mut(), links.last()) {
            let plan_root = self
                .entry(top)
                .is_some_and(|e| e.profile == Profile::RootCa);
            if plan_root && !link.root {
                let name = self.free_name("intermediate", &[]);
                self.rename(top, &name);
                *top = name;
            }
        }
        for (at, (name, link)) in path.iter().zip(links).enumerate() {
            let issuer = path.get(at.saturating_add(1)).map(String::as_str);
            let profile = if link.root {
                Profile::RootCa
            } else {
                Profile::IntermediateCa
            };
            let entry = self.entries.iter_mut().find(|e| &e.name == name)?;
            *entry = Entry {
                existing: true,
                ..super::preset::entry(name, profile, issuer, &link.common_name)
            };
        }
        // Entries above the topmost given certificate did not sign it.
        for name in cut {
            if !self
                .entries
                .iter()
                .any(|e| e.issuer.as_deref() == Some(name.as_str()))
            {
                self.entries.retain(|e| e.name != name);
            }
        }
        Some(path)
    }

    /// Adds `inserted` (top-down) right below the entry `top`, each signing
    /// the next; `below` (the plan's entry under `top` on the path) moves
    /// under the lowest of them, or, when `top` was itself the issuing
    /// entry, everything `top` signed does.
    fn insert_below(
        &mut self,
        top: &str,
        below: Option<String>,
        inserted: &[String],
    ) -> Option<()> {
        let at_top = self.entries.iter().position(|e| e.name == top)?;
        let mut issuer = top.to_owned();
        for (offset, name) in inserted.iter().enumerate() {
            let entry = super::preset::entry(name, Profile::IntermediateCa, Some(&issuer), name);
            self.entries
                .insert(at_top.saturating_add(1).saturating_add(offset), entry);
            issuer.clone_from(name);
        }
        for entry in &mut self.entries {
            let moves = match &below {
                Some(below) => &entry.name == below,
                None => entry.issuer.as_deref() == Some(top) && !inserted.contains(&entry.name),
            };
            if moves {
                entry.issuer = Some(issuer.clone());
            }
        }
        Some(())
    }

    /// `base`, or `base-2`, `base-3`, ...: a name no entry has (nor `taken`).
    fn free_name(&self, base: &str, taken: &[String]) -> String {
        let free = |name: &String| self.entry(name).is_none() && !taken.contains(name);
        std::iter::once(base.to_owned())
            .chain((2..).map(|n: u32| format!("{base}-{n}")))
            .find(free)
            .unwrap_or_else(|| base.to_owned())
    }

    /// Renames the entry `old` to `new`, and every mention of it as issuer.
    fn rename(&mut self, old: &str, new: &str) {
        for entry in &mut self.entries {
            if entry.name == old {
                new.clone_into(&mut entry.name);
            }
            if entry.issuer.as_deref() == Some(old) {
                entry.issuer = Some(new.to_owned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Preset;

    fn link(root: bool, common_name: &str) -> GivenLink {
        GivenLink {
            root,
            common_name: common_name.into(),
        }
    }

    fn shape(plan: &Plan) -> Vec<(String, Profile, Option<String>, bool)> {
        plan.entries
            .iter()
            .map(|e| (e.name.clone(), e.profile, e.issuer.clone(), e.existing))
            .collect()
    }

    fn put(plan: &mut Plan, links: &[GivenLink]) -> Vec<String> {
        let at = plan
            .chain_place(links.len(), links.last().is_some_and(|l| l.root))
            .unwrap();
        plan.stand_in(&at, links).unwrap()
    }

    #[test]
    fn a_root_and_intermediate_keep_the_root_as_ca_and_sign_the_leaves_below() {
        let mut plan = Plan::default();
        let links = [link(false, "Issuing"), link(true, "Root")];
        assert_eq!(put(&mut plan, &links), ["intermediate", "ca"]);
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            shape(&plan),
            [
                ("ca".into(), Profile::RootCa, None, true),
                (
                    "intermediate".into(),
                    Profile::IntermediateCa,
                    s("ca"),
                    true
                ),
                ("server".into(), Profile::Server, s("intermediate"), false),
                ("client".into(), Profile::Client, s("intermediate"), false),
            ]
        );
        assert_eq!(
            plan.entry("intermediate").unwrap().subject.common_name,
            "Issuing"
        );
        plan.check(time::OffsetDateTime::now_utc()).unwrap();
        // Replayed (--plan with the same chain): the same plan.
        let again = plan.clone();
        assert_eq!(put(&mut plan, &links), ["intermediate", "ca"]);
        assert_eq!(plan, again);
        // The intermediate preset: its own entries stand for the chain.
        let mut preset = Preset::Intermediate.plan();
        assert_eq!(put(&mut preset, &links), ["intermediate", "ca"]);
        assert_eq!(shape(&preset), shape(&again));
    }

    #[test]
    fn without_the_root_the_topmost_given_has_no_issuer_and_is_not_named_ca() {
        let mut plan = Plan::default();
        assert_eq!(put(&mut plan, &[link(false, "Issuing")]), ["intermediate"]);
        assert!(plan.entry("ca").is_none());
        let top = plan.entry("intermediate").unwrap();
        assert_eq!((top.issuer.as_deref(), top.existing), (None, true));
        plan.check(time::OffsetDateTime::now_utc()).unwrap();
        let mut preset = Preset::Intermediate.plan();
        assert_eq!(
            put(&mut preset, &[link(false, "Issuing")]),
            ["intermediate"]
        );
        assert!(preset.entry("ca").is_none(), "{:?}", shape(&preset));
        // The page ticks "My own CA" on the root entry first.
        let mut ticked = Plan::default();
        ticked.use_existing_root();
        assert_eq!(
            ticked.stand_in("ca", &[link(false, "Issuing")]),
            Some(vec!["intermediate".to_owned()])
        );
        assert!(ticked.entry("ca").is_none(), "{:?}", shape(&ticked));
    }

    #[test]
    fn a_longer_chain_adds_intermediates_under_the_root() {
        let mut plan = Plan::default();
        let links = [
            link(false, "Issuing"),
            link(false, "Policy"),
            link(true, "Root"),
        ];
        assert_eq!(
            put(&mut plan, &links),
            ["intermediate-2", "intermediate", "ca"]
        );
        let issuer = |name: &str| plan.entry(name).unwrap().issuer.clone();
        assert_eq!(issuer("intermediate").as_deref(), Some("ca"));
        assert_eq!(issuer("intermediate-2").as_deref(), Some("intermediate"));
        assert_eq!(issuer("server").as_deref(), Some("intermediate-2"));
        plan.check(time::OffsetDateTime::now_utc()).unwrap();
    }
}
