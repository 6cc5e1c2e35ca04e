//! trunk's entry point: mounts the page of `index.html` (see
//! [`certplay_web::start`]).

fn main() {
    #[cfg(target_arch = "wasm32")]
    certplay_web::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!(
        "certplay-web is the page: build it with `trunk build --release` and open it in a browser"
    );
}
