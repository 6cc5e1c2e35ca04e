//! trunk's Web Worker entry point for the handshake lab (`data-type="worker"`
//! in index.html, built with the `lab` feature): the page starts it only
//! when the lab is opened (see [`certplay_web::lab`]).

fn main() {
    #[cfg(target_arch = "wasm32")]
    certplay_web::lab::serve();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("certplay-lab is the page's handshake lab: trunk builds it with the page");
}
