//! Limits on password-based key derivation asked for by a file certplay
//! reads (an encrypted PKCS#8 key, a PKCS#12 file): checked before anything
//! is derived, so that a few bytes cannot make certplay (or the page) hash
//! for minutes or allocate gigabytes.

use pkcs5::pbes2;

/// The most iterations a file may ask of a key derivation. OpenSSL writes
/// 2048, Java and certplay 10,000; a million PBKDF2-SHA256 rounds take
/// about a second natively, a few in the page.
pub(crate) const MAX_ITERATIONS: u32 = 1_000_000;
/// The most memory an scrypt derivation may ask for (128·N·r bytes);
/// OpenSSL's default (N 2^14, r 8) takes 16 MiB.
const MAX_SCRYPT_MEMORY: u64 = 1 << 30;
/// The most scrypt lanes (each one more pass over that memory).
const MAX_SCRYPT_PARALLELISM: u16 = 16;

/// The key-derivation work one file may ask for in all (a PKCS#12 file's
/// MAC, every encrypted part and every encrypted key), in iterations, an
/// scrypt derivation counted as N·r·p (its 4·N·r Salsa20/8 rounds a lane
/// cost about what N·r PBKDF2 iterations do): four derivations at
/// [`MAX_ITERATIONS`], a few seconds natively. OpenSSL's files ask for
/// about 6,000, certplay's 30,000, OpenSSL's scrypt 131,072 a key.
pub(crate) const MAX_FILE_WORK: u64 = 4_000_000;

/// What is left of one file's [`MAX_FILE_WORK`]: each derivation's cost is
/// spent before it is done, so a file is refused before the work starts.
#[derive(Debug)]
pub(crate) struct Budget {
    spent: u64,
}

impl Budget {
    /// A whole budget for one file.
    pub(crate) fn new() -> Self {
        Budget { spent: 0 }
    }

    /// Spends `work` on `what` ("its MAC and 300 encrypted keys"), or
    /// refuses in words when the file's total would pass the budget.
    pub(crate) fn spend(&mut self, what: &str, work: u64) -> Result<(), String> {
        let total = self.spent.saturating_add(work);
        if total > MAX_FILE_WORK {
            return Err(format!(
                "{what} ask for {total} key-derivation iterations in all; certplay stops at \
                 {MAX_FILE_WORK} a file (scrypt counted as N·r·p) so that a file cannot keep \
                 it busy for minutes, and derived nothing"
            ));
        }
        self.spent = total;
        Ok(())
    }
}

/// What PBES2 `params` cost ([`MAX_FILE_WORK`]'s units).
pub(crate) fn pbes2_work(params: &pbes2::Parameters<'_>) -> u64 {
    match &params.kdf {
        pbes2::Kdf::Pbkdf2(pbkdf2) => u64::from(pbkdf2.iteration_count),
        pbes2::Kdf::Scrypt(scrypt) => scrypt
            .cost_parameter
            .saturating_mul(u64::from(scrypt.block_size))
            .saturating_mul(u64::from(scrypt.parallelization)),
        _ => 0,
    }
}

/// `what` (as "its encryption") asks for `iterations`: refused beyond the
/// limit.
pub(crate) fn within_limit(what: &str, iterations: u32) -> Result<(), String> {
    if iterations > MAX_ITERATIONS {
        return Err(format!(
            "{what} asks for {iterations} key-derivation iterations; certplay stops at \
             {MAX_ITERATIONS} so that a file cannot keep it busy for minutes"
        ));
    }
    Ok(())
}

/// Refuses PBES2 parameters that would take minutes or gigabytes, and an
/// scrypt cost that is not a power of two above 1 (which the scrypt crate
/// cannot take).
pub(crate) fn pbes2_within_limits(params: &pbes2::Parameters<'_>) -> Result<(), String> {
    match &params.kdf {
        pbes2::Kdf::Pbkdf2(pbkdf2) => within_limit("its encryption", pbkdf2.iteration_count),
        pbes2::Kdf::Scrypt(scrypt) => {
            let n = scrypt.cost_parameter;
            if n < 2 || !n.is_power_of_two() {
                return Err(format!(
                    "its scrypt cost N = {n} is not a power of two above 1"
                ));
            }
            let memory = n
                .checked_mul(128)
                .and_then(|m| m.checked_mul(u64::from(scrypt.block_size)));
            if scrypt.parallelization > MAX_SCRYPT_PARALLELISM
                || memory.is_none_or(|m| m > MAX_SCRYPT_MEMORY)
            {
                return Err(format!(
                    "its scrypt parameters (N {n}, r {}, p {}) ask for more than certplay \
                     allows a file (1 GiB of memory, 16 lanes)",
                    scrypt.block_size, scrypt.parallelization
                ));
            }
            Ok(())
        }
        // pkcs5 knows no other; it would not decrypt with one anyway.
        _ => Err("its key derivation is neither PBKDF2 nor scrypt".to_owned()),
    }
}
