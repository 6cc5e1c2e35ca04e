//! trunk's Web Worker entry point (`data-type="worker"` in index.html): the
//! tools worker, which the page starts when Issue is pressed or something
//! is inspected (see [`certplay_web::worker`]).

fn main() {
    #[cfg(target_arch = "wasm32")]
    certplay_web::worker::serve();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("certplay-inspect is the page's tools worker: trunk builds it with the page");
}
