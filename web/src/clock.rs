//! Time as the browser measures it, on the page and in its worker alike.

/// `performance.now()` of this thread's global (the window's or the
/// worker's): milliseconds with sub-millisecond resolution; 0 where there
/// is none (natively).
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        js_sys::Reflect::get(&js_sys::global(), &"performance".into())
            .ok()
            .and_then(|value| value.dyn_into::<web_sys::Performance>().ok())
            .map_or(0.0, |performance| performance.now())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// Milliseconds as a whole number, formatted by the browser: Rust's float
/// formatting would add 5 KB to the page for this.
pub fn whole_ms(millis: f64) -> String {
    String::from(
        js_sys::Number::from(millis)
            .to_fixed(0)
            .unwrap_or_else(|_| "?".into()),
    )
}
