//! The browser entry point: hydrates the islands of the server-rendered page (the
//! `#[island]` components of the `app` crate, which it exports).

// The islands' hydration functions are the app crate's exports: link it.
use app as _;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
