// Starts certplay's page: imports wasm-bindgen's module and instantiates the
// wasm (which runs certplay-web's main). It is a file, not the inline script
// trunk would write, so that the page's CSP needs no 'unsafe-inline' or
// per-build hash for scripts. Trunk.toml's pattern_script puts the hashed
// file names into this tag's data attributes.
const tag = document.getElementById("certplay-start");
const { default: init } = await import(tag.dataset.js);
await init({ module_or_path: tag.dataset.wasm });

// No second policy narrows connect-src after the start: the page's live
// panel talks to the certplay serve it came from (connect-src 'self' in
// index.html's policy, and nothing else).
