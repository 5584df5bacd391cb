//! The WebAssembly toolchain. The ordinary route is rustup's prebuilt standard library
//! for `wasm32-unknown-unknown`. Where rustup cannot download it, Debian's Rust
//! (`rustc-web`, with the standard library's source) builds std for wasm32 itself.

use std::{path::Path, process::Command};

use crate::{
    cmd::{self, cargo, cmd},
    Result,
};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Debian's Rust toolchain for the fallback route, with its linker, clippy and rustfmt.
pub const DEBIAN_RUST: [&str; 6] =
    ["rustc-web", "cargo-web", "rust-web-src", "lld-22", "rust-web-clippy", "rustfmt-web"];

/// lld-22's WebAssembly linker.
const DEBIAN_WASM_LD: &str = "/usr/lib/llvm-22/bin/wasm-ld";

/// Where the browser bundle's intermediate build lives (the same as cargo-leptos).
pub const WASM_TARGET_DIR: &str = "target/front";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WasmRoute {
    /// rustup's toolchain with its `wasm32-unknown-unknown` target installed.
    Rustup,
    /// Debian's `/usr/bin/cargo`, building std for wasm32 from `rust-web-src`.
    DebianBuildStd,
}

pub fn rustup_has_wasm_target() -> bool {
    cmd::output(cmd("rustup").args(["target", "list", "--installed"]))
        .is_some_and(|installed| installed.lines().any(|line| line.trim() == WASM_TARGET))
}

pub fn debian_rust_ready() -> bool {
    Path::new("/usr/bin/cargo").exists()
        && Path::new("/usr/bin/clippy-driver").exists()
        && Path::new(DEBIAN_WASM_LD).exists()
        && Path::new("/usr/lib/rustlib/src/rust/library").exists()
}

/// The route asked for in `APILOGS_WASM_ROUTE` (`rustup` or `debian`), to use or
/// test one route on a machine that could take either.
pub fn requested_route() -> Result<Option<WasmRoute>> {
    match std::env::var("APILOGS_WASM_ROUTE").as_deref() {
        Err(_) | Ok("") => Ok(None),
        Ok("rustup") => Ok(Some(WasmRoute::Rustup)),
        Ok("debian") => Ok(Some(WasmRoute::DebianBuildStd)),
        Ok(other) => Err(format!("APILOGS_WASM_ROUTE is {other:?}: use rustup or debian")),
    }
}

/// The route this machine is set up for; `cargo xtask setup` prepares one.
pub fn wasm_route() -> Result<WasmRoute> {
    if let Some(route) = requested_route()? {
        return Ok(route);
    }
    if rustup_has_wasm_target() {
        Ok(WasmRoute::Rustup)
    } else if debian_rust_ready() {
        Ok(WasmRoute::DebianBuildStd)
    } else {
        Err("no WebAssembly toolchain: run `cargo xtask setup`".into())
    }
}

/// `cargo <subcommand>` for the wasm32 target on `route`, in its own target directory.
pub fn wasm_cargo(route: WasmRoute, subcommand: &str) -> Command {
    let mut command = match route {
        WasmRoute::Rustup => cargo(),
        WasmRoute::DebianBuildStd => {
            let mut debian = cmd("/usr/bin/cargo");
            let path = std::env::var("PATH").unwrap_or_default();
            debian
                .env("PATH", format!("/usr/bin:{path}"))
                // build-std is unstable; this is Debian's stable 1.96 compiler.
                .env("RUSTC_BOOTSTRAP", "1")
                // Debian ships no `rust-lld`: link with lld-22's wasm-ld (named so that
                // rustc knows its flavour).
                .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", DEBIAN_WASM_LD)
                .env_remove("RUSTC")
                .env_remove("RUSTDOC")
                .env_remove("RUSTC_WRAPPER")
                .env_remove("RUSTC_WORKSPACE_WRAPPER");
            debian
        }
    };
    command.arg(subcommand).args(["--target", WASM_TARGET, "--target-dir", WASM_TARGET_DIR]);
    if route == WasmRoute::DebianBuildStd {
        command.arg("-Zbuild-std=std,panic_abort");
    }
    command
}
