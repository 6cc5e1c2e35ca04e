// Starts certplay's page: imports wasm-bindgen's module and instantiates the
// wasm (which runs certplay-web's main). It is a file, not the inline script
// trunk would write, so that the page's CSP needs no 'unsafe-inline' or
// per-build hash for scripts. Trunk.toml's pattern_script puts the hashed
// file names into this tag's data attributes.
const tag = document.getElementById("certplay-start");
const { default: init } = await import(tag.dataset.js);
await init({ module_or_path: tag.dataset.wasm });

// The wasm is in: from now on the page needs no network at all. A second
// policy only ever narrows the first one.
const lock = document.createElement("meta");
lock.httpEquiv = "Content-Security-Policy";
lock.content = "connect-src 'none'";
document.head.append(lock);
