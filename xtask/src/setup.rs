//! Installs whatever this machine lacks to build and test apilogs. Every step checks
//! first, so a set-up machine gets through in seconds. Nothing prebuilt is downloaded
//! but from the package registries (Debian, crates.io, npm); rustup's own standard
//! library for wasm32 is used where rustup can fetch it.

use std::{fs, path::Path, time::Duration};

use crate::{
    cmd::{self, cargo, cmd, root, timed},
    toolchain::{self, WasmRoute, WASM_TARGET},
    Result,
};

pub fn run() -> Result {
    timed("set-up", || {
        wasm_std()?;
        apt(&["chromium"])?;
        wasm_bindgen()?;
        npm_packages()?;
        python_tools()
    })
}

/// The Python tools the tests run, from PyPI at these versions, in a virtual
/// environment of their own under target/: Schemathesis (pointed at the ingest API's
/// OpenAPI document), aiosmtpd (the SMTP server the email tests send to) and the
/// Standard Webhooks library (which checks our webhooks' signatures).
const PYTHON_TOOLS: [&str; 3] =
    ["schemathesis==4.32.5", "aiosmtpd==1.4.6", "standardwebhooks==1.1.0"];
pub const PYTHON_ENV: &str = "target/python";

fn python_tools() -> Result {
    let pip = root().join(PYTHON_ENV).join("bin/pip");
    let installed = cmd::output(cmd(&pip).args(["freeze", "--all"])).unwrap_or_default();
    let installed: Vec<&str> = installed.lines().map(str::trim).collect();
    if PYTHON_TOOLS.iter().all(|tool| installed.contains(tool)) {
        return Ok(());
    }
    let python = ["python3", "/usr/bin/python3"]
        .into_iter()
        .find(|python| cmd::output(cmd(python).args(["-c", "import venv"])).is_some())
        .map_or_else(|| apt(&["python3-venv"]).map(|()| "python3"), Ok)?;
    cmd::run(cmd(python).args(["-m", "venv", PYTHON_ENV]))?;
    cmd::run(cmd(pip).args(["install", "--quiet"]).args(PYTHON_TOOLS))
}

/// The standard library for wasm32: rustup's where it can be fetched, else Debian's
/// Rust, which builds it from source at build time.
fn wasm_std() -> Result {
    if toolchain::requested_route()? == Some(WasmRoute::DebianBuildStd) {
        return apt(&toolchain::DEBIAN_RUST);
    }
    if toolchain::rustup_has_wasm_target() || toolchain::debian_rust_ready() {
        return Ok(());
    }
    // rustup hangs, rather than fails, on a machine with no route to its server.
    let rustup = cmd::run_with_timeout(
        cmd("rustup").args(["target", "add", WASM_TARGET]),
        Duration::from_secs(90),
    );
    match rustup {
        Ok(()) if toolchain::rustup_has_wasm_target() => Ok(()),
        _ => {
            println!("rustup cannot install {WASM_TARGET}; using Debian's Rust to build std");
            apt(&toolchain::DEBIAN_RUST)
        }
    }
}

fn apt_installed(package: &str) -> bool {
    cmd::output(cmd("dpkg-query").args(["-W", "-f", "${db:Status-Status}", package]))
        .is_some_and(|status| status == "installed")
}

/// Installs the Debian packages not yet installed (as root, or through sudo).
fn apt(packages: &[&str]) -> Result {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !apt_installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = cmd::output(cmd("id").arg("-u")).is_some_and(|id| id.trim() == "0");
    let apt_get = |args: &[&str]| {
        let mut command = if is_root { cmd("apt-get") } else { cmd("sudo") };
        if !is_root {
            command.arg("apt-get");
        }
        command.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        cmd::run(&mut command)
    };
    let install = [&["install", "-y", "--no-install-recommends"][..], &missing].concat();
    // Package lists on a fresh machine may be stale: refresh them only when needed.
    apt_get(&install).or_else(|_| apt_get(&["update"]).and_then(|()| apt_get(&install)))
}

/// The version of a package in Cargo.lock.
fn locked_version(package: &str) -> Result<String> {
    let lock = fs::read_to_string(root().join("Cargo.lock")).map_err(|e| e.to_string())?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"") {
            if let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = ")) {
                return Ok(version.trim_matches('"').to_owned());
            }
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// wasm-bindgen's CLI must be exactly the version of the library in Cargo.lock.
fn wasm_bindgen() -> Result {
    let version = locked_version("wasm-bindgen")?;
    let installed = cmd::output(cmd("wasm-bindgen").arg("--version"));
    if installed.is_some_and(|out| out.trim() == format!("wasm-bindgen {version}")) {
        return Ok(());
    }
    // Not `--locked`: one of its locked dependencies is gone from the registry.
    // A lighter release profile halves the compile time; the tool stays fast enough.
    cmd::run(
        cargo()
            .args(["install", "wasm-bindgen-cli", "--force", "--version", &version])
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1"),
    )
}

/// Playwright and binaryen's wasm-opt, as locked in package-lock.json.
fn npm_packages() -> Result {
    let root = root();
    let stamp = root.join("node_modules/.package-lock.json");
    if is_newer(&stamp, &root.join("package-lock.json")) {
        return Ok(());
    }
    if cmd::output(cmd("npm").arg("--version")).is_none() {
        apt(&["nodejs", "npm"])?;
    }
    cmd::run(cmd("npm").args(["ci", "--no-audit", "--no-fund"]))
}

/// Whether `path` exists and was modified after `than`.
fn is_newer(path: &Path, than: &Path) -> bool {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(path), modified(than)), (Some(a), Some(b)) if a >= b)
}
