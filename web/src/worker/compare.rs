//! The page's compare, in the tools worker: two inputs read by
//! certplay-core and compared field by field ([`certplay_core::diff`]),
//! put in the page's words ([`Comparison`]).

use certplay_core::diff::{self, File, Side};
use certplay_core::{read, Error};

use crate::protocol::{ComparedPair, ComparedRow, Comparison};

/// `a` and `b` (name, PEM or DER) compared at `now` (Unix seconds): each
/// one's certificates in order, as `certplay diff A B` compares two files.
pub fn compare(a: (&str, &[u8]), b: (&str, &[u8]), now: i64) -> Result<Comparison, Error> {
    let side = |(name, bytes): (&str, &[u8])| -> Result<File, Error> {
        let items = read::read(name, bytes)?;
        if read::certificates(&items).is_empty() {
            return Err(Error::InvalidInput {
                field: name.to_owned(),
                reason: "no certificate in it: paste PEM certificates (-----BEGIN \
                         CERTIFICATE-----) or pick a .crt/.pem/.der file"
                    .into(),
            });
        }
        Ok(File {
            name: name.to_owned(),
            items,
        })
    };
    let diff = diff::files(&[side(a)?], &[side(b)?], now);
    Ok(Comparison {
        summary: diff.summary(),
        pairs: diff
            .pairs
            .iter()
            .map(|pair| ComparedPair {
                title: pair.to_string(),
                rows: pair
                    .differences
                    .iter()
                    .map(|d| ComparedRow {
                        field: d.name.clone(),
                        a: d.shown(Side::A),
                        b: d.shown(Side::B),
                        effects: d
                            .effects
                            .iter()
                            .map(|e| (e.severity, e.to_string()))
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
        unmatched: diff
            .others
            .iter()
            .map(ToString::to_string)
            .chain(diff.alone.iter().map(ToString::to_string))
            .collect(),
    })
}
