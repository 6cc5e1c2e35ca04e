//! Driving the page as a person does, written once for both kinds of
//! browser test: the native ones drive Chromium over WebDriver
//! (`tests/tests/browser.rs`), the wasm ones click the page they run in
//! (`web/tests/page.rs`, which includes this file). Each implements the
//! few primitives of [`Drive`]; the steps a person takes (press Issue and
//! wait for the result, wait for a text) are written here.

/// How long a step may take before the test fails: generous, because a
/// debug build on a busy machine is slow, and no timing is asserted.
pub const DEADLINE_MS: u64 = 60_000;
/// How often a waiting step looks again.
pub const POLL_MS: u64 = 100;

/// The primitives a browser test needs from its browser.
#[allow(async_fn_in_trait)] // used by tests only, never across threads
pub trait Drive {
    /// Clicks the element `#id`.
    async fn click(&self, id: &str);
    /// The text of `#id`.
    async fn text(&self, id: &str) -> String;
    /// An attribute of `#id`.
    async fn attribute(&self, id: &str, name: &str) -> Option<String>;
    /// Chooses `value` in the select `#id`, as a person does (its change
    /// event fires).
    async fn select(&self, id: &str, value: &str);
    /// Waits `ms` milliseconds.
    async fn pause(&self, ms: u64);

    /// `#result`'s state: `empty`, `busy`, `done` or `error`.
    async fn state(&self) -> String {
        self.attribute("result", "data-state")
            .await
            .unwrap_or_default()
    }

    /// Presses Issue and waits until the page is no longer busy; returns
    /// `Ok(())` when it shows the results, `Err` with `#error`'s words
    /// when it refused.
    async fn issue(&self) -> Result<(), String> {
        self.click("issue").await;
        let mut waited = 0;
        loop {
            // The handler starts its work as a task of its own: let it begin.
            self.pause(POLL_MS).await;
            match self.state().await.as_str() {
                "done" => return Ok(()),
                "error" => return Err(self.text("error").await),
                state => assert!(
                    waited < DEADLINE_MS,
                    "issuing did not finish within {DEADLINE_MS} ms (#result is {state:?})"
                ),
            }
            waited += POLL_MS;
        }
    }

    /// Waits until `#id`'s text satisfies `done`, and returns it.
    async fn wait_for_text(&self, id: &str, done: impl Fn(&str) -> bool) -> String {
        let mut waited = 0;
        loop {
            let shown = self.text(id).await;
            if done(&shown) {
                return shown;
            }
            assert!(waited < DEADLINE_MS, "#{id} showed only {shown:?}");
            self.pause(POLL_MS).await;
            waited += POLL_MS;
        }
    }
}
