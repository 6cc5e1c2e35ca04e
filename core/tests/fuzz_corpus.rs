//! Replays the fuzz corpus (`core/fuzz/corpus/*`, minimised after the
//! recorded runs) and every crash ever found (`core/fuzz/regressions/`)
//! through what the fuzz targets run, as a stable test without nightly.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

#[path = "../fuzz/targets.rs"]
mod targets;

fn files(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .collect()
}

#[test]
fn the_fuzz_corpus_and_every_crash_replay_without_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for data in files(&fuzz.join("corpus/read"))
        .iter()
        .chain(&files(&fuzz.join("regressions")))
    {
        targets::read(data);
        count += 1;
    }
    for data in files(&fuzz.join("corpus/verify"))
        .iter()
        .chain(&files(&fuzz.join("regressions")))
    {
        targets::verify(data);
        count += 1;
    }
    assert!(count > 10, "the corpus is missing ({count} inputs)");
}
