//! How long issuing a set takes in the browser, and how long the page's
//! thread is blocked meanwhile: medians of 31 (P-256) and 11 (RSA-2048) runs
//! for each key type and key source. Ignored by default: it takes about two
//! minutes, longer than the 20 s the runner gives a test binary, and core's
//! RSA blocks the page longer than the 5 s the runner waits for an answer
//! from it. Run it with
//!
//! WASM_BINDGEN_TEST_TIMEOUT=300 WASM_BINDGEN_TEST_DRIVER_TIMEOUT=60 \
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! cargo test -p certplay-web --target wasm32-unknown-unknown --profile wasm-release \
//!   --test timing \
//!   -- --include-ignored --nocapture

#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use certplay_core::{KeyType, Plan};
use certplay_web::{issue_using, keygen, now_ms, KeySource};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Runs a key type: P-256 is quick and noisy, RSA slow (core's RSA takes
/// seconds a set).
const RUNS: [(KeyType, usize); 2] = [(KeyType::EcdsaP256, 31), (KeyType::Rsa2048, 11)];
const SOURCES: [KeySource; 2] = [KeySource::Core, KeySource::WebCrypto];

#[wasm_bindgen_test]
#[ignore = "a measurement, not a check: run with --include-ignored --nocapture"]
async fn issuing_times() {
    console_log!("medians; blocked = longest gap between 1 ms timer ticks while issuing");
    for (key_type, runs) in RUNS {
        let params = Plan {
            key_type,
            ..Plan::default()
        };
        // (issue, keys alone, blocked) a source, the sources interleaved so
        // that the machine's ups and downs hit both alike.
        let mut times = SOURCES.map(|_| (Vec::new(), Vec::new(), Vec::new()));
        for source in SOURCES {
            // Warm up: the first use compiles and tiers up the wasm.
            issue_using(&params, source).await.unwrap();
        }
        for _ in 0..runs {
            for (source, (total, keys, blocked)) in SOURCES.iter().zip(times.iter_mut()) {
                // Let the browser (and the test runner's polling) breathe.
                next_task().await;
                let ticker = Ticker::start();
                let start = now_ms();
                let set = issue_using(&params, *source).await.unwrap();
                total.push(now_ms() - start);
                blocked.push(ticker.stop());
                assert!(set.millis > 0.0);

                next_task().await;
                let start = now_ms();
                match source {
                    // Core makes its keys while issuing: time them alone here.
                    KeySource::Core => {
                        for (_, key_type) in params.keys_needed() {
                            certplay_core::KeyPair::generate(key_type).unwrap();
                        }
                    }
                    KeySource::WebCrypto => {
                        keygen::generate(&params, *source).await.unwrap();
                    }
                }
                keys.push(now_ms() - start);
            }
        }
        for (source, (total, keys, blocked)) in SOURCES.iter().zip(times.iter_mut()) {
            let chosen = if KeySource::for_key_type(key_type) == *source {
                " (the page's choice)"
            } else {
                ""
            };
            console_log!(
                "{:<11} keys by {:<9}, {runs} runs: issue (keys + sign + read back) {:7.1} ms, \
                 keys alone {:7.1} ms, page blocked up to {:7.1} ms{chosen}",
                key_type.description(),
                format!("{source:?}"),
                median(total),
                median(keys),
                median(blocked),
            );
        }
    }
}

/// Waits for a fresh task of the event loop (`setTimeout(0)`).
async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A 1 ms interval timer that records the longest gap between its ticks:
/// how long the page's thread was busy without a break.
struct Ticker {
    id: i32,
    longest: Rc<Cell<f64>>,
    last: Rc<Cell<f64>>,
    _tick: Closure<dyn FnMut()>,
}

impl Ticker {
    fn start() -> Self {
        let longest = Rc::new(Cell::new(0.0_f64));
        let last = Rc::new(Cell::new(now_ms()));
        let tick = {
            let longest = Rc::clone(&longest);
            let last = Rc::clone(&last);
            Closure::<dyn FnMut()>::new(move || {
                let now = now_ms();
                longest.set(longest.get().max(now - last.replace(now)));
            })
        };
        let id = web_sys::window()
            .unwrap()
            .set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                1,
            )
            .unwrap();
        Self {
            id,
            longest,
            last,
            _tick: tick,
        }
    }

    /// The longest gap, including the one up to now.
    fn stop(self) -> f64 {
        web_sys::window()
            .unwrap()
            .clear_interval_with_handle(self.id);
        self.longest.get().max(now_ms() - self.last.get())
    }
}
