//! What the lints of a whole chain say the other TLS stacks decide: the
//! verdict `certplay verify` and the page's chain check show beside
//! rustls' own.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::lint::{Lint, LintId};
use super::stacks::{Position, Stack};
use super::Certificate;

/// One lint found on one certificate of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLint {
    /// The certificate's subject, as certplay writes names.
    pub certificate: String,
    /// What was found.
    pub lint: Lint,
}

/// A stack the lints say refuses a chain, and the lints that say so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// The stack.
    pub stack: Stack,
    /// The lints that name it as refusing.
    pub because: Vec<LintId>,
}

/// What the lints of a chain's certificates say the other stacks decide:
/// every lint, and each stack that one of them says refuses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OtherStacks {
    /// The lints of the leaf, the intermediates and the anchors that issued
    /// them, in that order.
    pub lints: Vec<ChainLint>,
    /// The stacks other than rustls that a lint says refuse the chain.
    pub refused_by: Vec<Refusal>,
}

impl OtherStacks {
    /// Lints `leaf`, `intermediates` and those of `anchors` that issued one
    /// of them (a bundle of unrelated roots is left out) at `now`.
    pub fn of(
        leaf: &Certificate,
        intermediates: &[Certificate],
        anchors: &[Certificate],
        now: i64,
    ) -> Self {
        let issued = |anchor: &Certificate| {
            std::iter::once(leaf)
                .chain(intermediates)
                .any(|c| c.issuer.der == anchor.subject.der)
        };
        let trusted = |c: &Certificate| anchors.iter().any(|a| a.der == c.der);
        let mut lints = Vec::new();
        for (c, position) in std::iter::once((leaf, Position::Leaf))
            .chain(intermediates.iter().map(|c| {
                // A chain file may hold the root too: it is the anchor.
                let position = if trusted(c) {
                    Position::Anchor
                } else {
                    Position::Intermediate
                };
                (c, position)
            }))
            .chain(
                anchors
                    .iter()
                    .filter(|a| issued(a) && !intermediates.iter().any(|c| c.der == a.der))
                    .map(|a| (a, Position::Anchor)),
            )
        {
            for lint in super::lint::certificate_at(c, now, position) {
                lints.push(ChainLint {
                    certificate: c.subject.to_string(),
                    lint,
                });
            }
        }
        let refused_by = Stack::ALL
            .into_iter()
            .filter(|s| *s != Stack::Rustls)
            .filter_map(|stack| {
                let mut because: Vec<LintId> = lints
                    .iter()
                    .filter(|l| {
                        l.lint
                            .stacks
                            .as_ref()
                            .is_some_and(|s| s.refused_by.contains(&stack))
                    })
                    .map(|l| l.lint.id)
                    .collect();
                because.sort();
                because.dedup();
                (!because.is_empty()).then_some(Refusal { stack, because })
            })
            .collect();
        Self { lints, refused_by }
    }

    /// The stacks other than rustls that no lint says refuse the chain.
    pub fn accepted_by(&self) -> Vec<Stack> {
        Stack::ALL
            .into_iter()
            .filter(|s| *s != Stack::Rustls && !self.refused_by.iter().any(|r| r.stack == *s))
            .collect()
    }
}

/// `Go crypto/x509 refuses (weak-key), Python cryptography refuses
/// (weak-key, serial-not-positive); OpenSSL, Node accept as far as the
/// lints know`
impl fmt::Display for OtherStacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let refusals: Vec<String> = self
            .refused_by
            .iter()
            .map(|r| {
                let ids: Vec<&str> = r.because.iter().map(|id| id.name()).collect();
                format!("{} refuses ({})", r.stack, ids.join(", "))
            })
            .collect();
        let accepting: Vec<String> = self.accepted_by().iter().map(ToString::to_string).collect();
        if refusals.is_empty() {
            return write!(f, "no lint says {} would refuse it", accepting.join(", "));
        }
        write!(f, "{}", refusals.join("; "))?;
        if !accepting.is_empty() {
            write!(
                f,
                "; {} accept as far as the lints know",
                accepting.join(", ")
            )?;
        }
        Ok(())
    }
}
