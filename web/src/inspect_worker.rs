//! trunk's Web Worker entry point (`data-type="worker"` in index.html): the
//! inspector's reader, which the page starts the first time something is
//! inspected (see [`certplay_web::reader`]).

fn main() {
    #[cfg(target_arch = "wasm32")]
    certplay_web::reader::serve();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("certplay-inspect is the page's reader worker: trunk builds it with the page");
}
