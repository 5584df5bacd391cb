//! Builds the site into the layout cargo-leptos produces, with cargo, wasm-bindgen and
//! wasm-opt directly:
//!
//! ```text
//! target/release/apilogs      the server (target/debug/ for --dev)
//! target/site/pkg/apilogs.<hash>.js    the JS glue; .wasm the app, .css the styles
//! target/site/bundle.txt               the bundle's versioned name, `apilogs.<hash>`
//! target/site/…               app/public's files
//! ```
//!
//! A release build also writes `.br` and `.gz` beside each bundle file, which the
//! server sends to browsers that accept them.
//!
//! Each step after cargo's runs only when its inputs changed since it last ran, so a
//! build with nothing to do takes seconds.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use crate::{
    cmd::{self, cargo, cmd, root, timed},
    toolchain::{self, WASM_TARGET, WASM_TARGET_DIR},
    Result,
};

/// The most WebAssembly a browser may have to fetch, brotli-compressed (issue 15).
const WASM_BROTLI_BUDGET: u64 = 150_000;

/// The bundle's name; `.cargo/config.toml` gives leptos the same one.
const OUTPUT_NAME: &str = "apilogs";
pub const SITE_ROOT: &str = "target/site";
/// Where the bundle is made before it is published under its versioned name.
const BUNDLE_DIR: &str = "target/front/bundle";
/// Names the bundle the server links: `apilogs.<hash of its files>`.
const BUNDLE_NAME_FILE: &str = "bundle.txt";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Dev,
    Release,
}

impl Profile {
    /// The server's cargo profile and its output folder under target/.
    fn server(self) -> (&'static str, &'static str) {
        match self {
            Profile::Dev => ("dev", "debug"),
            Profile::Release => ("release", "release"),
        }
    }

    /// The browser bundle's cargo profile (and output folder).
    fn wasm(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Release => "wasm-release",
        }
    }
}

pub fn server_binary(profile: Profile) -> PathBuf {
    root().join("target").join(profile.server().1).join(OUTPUT_NAME)
}

/// The server and the browser's files.
pub fn site(profile: Profile) -> Result {
    timed("server build", || cmd::run(cargo().args(server_build(profile))))?;
    browser_files(profile)
}

/// The server as `make run` builds it: default features only, so no test clock.
fn server_build(profile: Profile) -> [&'static str; 5] {
    ["build", "--package", "server", "--profile", profile.server().0]
}

/// What the server sends the browser: the bundle, the styles and the public files.
pub fn browser_files(profile: Profile) -> Result {
    let pkg = root().join(SITE_ROOT).join("pkg");
    let bundle = root().join(BUNDLE_DIR);
    for dir in [&pkg, &bundle] {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    timed("browser bundle", || wasm_bundle(profile, &bundle))?;
    copy(&root().join("style/main.css"), &bundle.join(format!("{OUTPUT_NAME}.css")))?;
    publish(&bundle, &pkg)?;
    copy_dir(&root().join("app/public"), &root().join(SITE_ROOT))?;
    match profile {
        Profile::Release => timed("compression", || precompress(&pkg)),
        // The server would send a release build's compressed files in their place.
        Profile::Dev => remove_compressed(&pkg),
    }
}

/// Puts the bundle's files in `pkg` under a name that changes with their content
/// (`apilogs.<hash>.js`, `.wasm`, `.css`), so browsers may keep them for good and a new
/// build is never mixed with an old one; names it in `bundle.txt` for the server;
/// removes what earlier builds left.
fn publish(bundle: &Path, pkg: &Path) -> Result {
    use sha2::{Digest, Sha256};

    let extensions = ["js", "wasm", "css"];
    let mut hash = Sha256::new();
    for extension in extensions {
        let file = bundle.join(format!("{OUTPUT_NAME}.{extension}"));
        hash.update(fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?);
    }
    let name = format!("{OUTPUT_NAME}.{}", &hex::encode(hash.finalize())[..16]);
    for extension in extensions {
        let file = format!("{OUTPUT_NAME}.{extension}");
        copy(&bundle.join(file), &pkg.join(format!("{name}.{extension}")))?;
    }
    for file in files_in(pkg)? {
        let file_name = file.file_name().unwrap_or_default().to_string_lossy();
        if !file_name.starts_with(&format!("{name}.")) {
            fs::remove_file(&file).map_err(|e| format!("cannot remove {}: {e}", file.display()))?;
        }
    }
    let name_file = root().join(SITE_ROOT).join(BUNDLE_NAME_FILE);
    fs::write(&name_file, &name).map_err(|e| format!("cannot write {}: {e}", name_file.display()))
}

/// The published bundle's versioned name.
fn bundle_name() -> Result<String> {
    let name_file = root().join(SITE_ROOT).join(BUNDLE_NAME_FILE);
    let name = fs::read_to_string(&name_file)
        .map_err(|e| format!("cannot read {}: {e}", name_file.display()))?;
    Ok(name.trim().to_owned())
}

/// Fails when the release WASM, as browsers get it (brotli), is over its budget.
pub fn check_wasm_budget() -> Result {
    let compressed = root().join(SITE_ROOT).join("pkg").join(format!("{}.wasm.br", bundle_name()?));
    let size = fs::metadata(&compressed)
        .map_err(|e| format!("cannot read {}: {e}", compressed.display()))?
        .len();
    println!("the WASM bundle is {size} bytes brotli (budget {WASM_BROTLI_BUDGET})");
    if size > WASM_BROTLI_BUDGET {
        return Err(format!(
            "the WASM bundle is {size} bytes brotli, over its budget of {WASM_BROTLI_BUDGET}"
        ));
    }
    Ok(())
}

/// Compiles the frontend crate to wasm32, generates its JS glue, and (release) shrinks it,
/// into `out`. The last two steps are skipped when cargo's output is the one they last
/// ran on.
fn wasm_bundle(profile: Profile, out: &Path) -> Result {
    let route = toolchain::wasm_route()?;
    let mut build = toolchain::wasm_cargo(route, "build");
    build.args(["--package", "frontend", "--lib", "--profile", profile.wasm()]);
    if profile == Profile::Release {
        // No panic locations and no `Debug` formatting in the browser's build: the
        // bundle's largest strings and much of its formatting code. (Unstable flags, so
        // the compiler is told to allow them, as for Debian's build-std.)
        build.env("RUSTC_BOOTSTRAP", "1").env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            "-Zlocation-detail=none -Zfmt-debug=none",
        );
    }
    cmd::run(&mut build)?;
    let cargo_output = root()
        .join(WASM_TARGET_DIR)
        .join(WASM_TARGET)
        .join(match profile.wasm() {
            "dev" => "debug",
            other => other,
        })
        .join("frontend.wasm");
    let wasm = out.join(format!("{OUTPUT_NAME}.wasm"));
    let stamp = out.join(".bundled-from");
    let input = format!("{} {}\n", profile.wasm(), fingerprint(&cargo_output)?);
    let outputs = [&wasm, &out.join(format!("{OUTPUT_NAME}.js"))];
    if outputs.iter().all(|output| output.exists())
        && fs::read_to_string(&stamp).is_ok_and(|done| done == input)
    {
        println!("the browser bundle is up to date");
        return Ok(());
    }
    let _ = fs::remove_file(&stamp);
    cmd::run(
        cmd("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--out-name", OUTPUT_NAME, "--out-dir"])
            .arg(out)
            .arg(cargo_output),
    )?;
    // leptos links `<name>.wasm` when LEPTOS_OUTPUT_NAME was set at compile time.
    fs::rename(out.join(format!("{OUTPUT_NAME}_bg.wasm")), &wasm).map_err(|e| e.to_string())?;
    if profile == Profile::Release {
        // Binaryen from npm: Debian's (108) emits a module that fails at hydration.
        // The features are those rustc enables by default for wasm32.
        cmd::run(
            cmd(root().join("node_modules/.bin/wasm-opt"))
                .args([
                    "-Oz",
                    "--enable-bulk-memory",
                    "--enable-nontrapping-float-to-int",
                    "--enable-sign-ext",
                    "--enable-mutable-globals",
                    "--enable-reference-types",
                    "--enable-multivalue",
                    "-o",
                ])
                .arg(&wasm)
                .arg(&wasm),
        )?;
    }
    fs::write(&stamp, input).map_err(|e| e.to_string())
}

/// What tells one build of a file from another: its size and modification time.
fn fingerprint(file: &Path) -> Result<String> {
    let metadata =
        fs::metadata(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let modified = metadata.modified().map_err(|e| e.to_string())?;
    let since_epoch = modified.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Ok(format!("{} bytes, modified {} ns", metadata.len(), since_epoch.as_nanos()))
}

fn is_compressed(file: &Path) -> bool {
    file.extension().is_some_and(|ext| ext == "br" || ext == "gz")
}

fn remove_compressed(pkg: &Path) -> Result {
    for file in files_in(pkg)?.into_iter().filter(|file| is_compressed(file)) {
        fs::remove_file(&file).map_err(|e| format!("cannot remove {}: {e}", file.display()))?;
    }
    Ok(())
}

/// The files (not folders, not hidden) in `dir`, by name.
fn files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.is_file())
        .filter(|path| !path.file_name().unwrap_or_default().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    Ok(files)
}

/// Copies `from` to `to` unless `to` holds the same bytes already, so that what is
/// made from `to` sees it unchanged.
fn copy(from: &Path, to: &Path) -> Result {
    let bytes = fs::read(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    if fs::read(to).is_ok_and(|there| there == bytes) {
        return Ok(());
    }
    fs::write(to, bytes).map_err(|e| format!("cannot write {}: {e}", to.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    let entries = fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            copy_dir(&entry.path(), &target)?;
        } else {
            copy(&entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Writes `<file>.br` and `<file>.gz` beside each bundle file that changed since they
/// were written, and prints the sizes.
fn precompress(pkg: &Path) -> Result {
    for file in files_in(pkg)?.into_iter().filter(|file| !is_compressed(file)) {
        let with_ext = |ext: &str| PathBuf::from(format!("{}.{ext}", file.display()));
        if [with_ext("br"), with_ext("gz")].iter().all(|done| is_newer(done, &file)) {
            continue;
        }
        let raw = fs::read(&file).map_err(|e| e.to_string())?;
        let mut br = Vec::new();
        let params =
            brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
        brotli::BrotliCompress(&mut raw.as_slice(), &mut br, &params).map_err(|e| e.to_string())?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&raw).map_err(|e| e.to_string())?;
        let gz = gz.finish().map_err(|e| e.to_string())?;
        println!(
            "{:<34} {:>9} bytes raw {:>9} brotli {:>9} gzip",
            file.file_name().unwrap_or_default().to_string_lossy(),
            raw.len(),
            br.len(),
            gz.len()
        );
        fs::write(with_ext("br"), br).map_err(|e| e.to_string())?;
        fs::write(with_ext("gz"), gz).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Whether `made` exists and was written after `source` last changed.
fn is_newer(made: &Path, source: &Path) -> bool {
    let modified = |path: &Path| fs::metadata(path).and_then(|m| m.modified()).ok();
    matches!((modified(made), modified(source)), (Some(made), Some(source)) if made >= source)
}

/// Serves the release build from the workspace root, on the embedded database unless
/// DATABASE_URL says otherwise, with the demo data if the database has no users.
pub fn serve() -> Result {
    cmd::run(
        cmd(server_binary(Profile::Release))
            .args(["serve", "--demo"])
            .env("LEPTOS_SITE_ROOT", SITE_ROOT)
            .env("LEPTOS_ENV", "PROD"),
    )
}

/// `cargo leptos watch`, installing cargo-leptos first if needed (about 30 minutes
/// of compiling, once).
pub fn watch() -> Result {
    if cmd::output(cmd("cargo-leptos").arg("--version")).is_none() {
        cmd::run(
            cargo()
                .args(["install", "cargo-leptos", "--locked"])
                .env("CARGO_PROFILE_RELEASE_LTO", "false")
                .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
                .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1"),
        )?;
    }
    let node_bin = root().join("node_modules/.bin");
    let path = std::env::var("PATH").unwrap_or_default();
    // cargo-leptos finds wasm-opt on PATH instead of downloading it.
    cmd::run(
        cargo().args(["leptos", "watch"]).env("PATH", format!("{}:{path}", node_bin.display())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_that_make_run_builds_has_no_test_features() {
        for profile in [Profile::Dev, Profile::Release] {
            let args = server_build(profile);
            assert!(!args.iter().any(|arg| arg.contains("feature")), "{args:?}");
        }
        let manifest = fs::read_to_string(root().join("server/Cargo.toml")).unwrap();
        let features = manifest.split("[features]").nth(1).unwrap().split("\n[").next().unwrap();
        assert!(!features.contains("default"), "no default features: {features}");
    }
}
