//! apilogs' developer tasks. `make run`, `make test` and `make dev` call these.
//!
//! The site is built with cargo, wasm-bindgen and wasm-opt directly, into the layout
//! cargo-leptos produces (`target/site`), so nobody has to wait for cargo-leptos to
//! compile before a first run.

mod bench;
mod build;
mod cmd;
mod layers;
mod setup;
mod test;
mod toolchain;

use std::process::ExitCode;

use build::Profile;

const USAGE: &str = "\
usage: cargo xtask <task>

  setup            install what is missing (WASM std, wasm-bindgen, wasm-opt, Chromium, npm packages)
  build [--dev]    build the site into target/site (release unless --dev)
  bundle           build only the browser's files (release) and print their sizes
  run              set up, build (release) and serve on the embedded SQLite database
  test             set up, check formatting and the app's layering, clippy both sides, Rust tests,
                   Playwright tests
  e2e [args]       only the browser tests, on what is built, with args for Playwright
  layers           check that the app's store names no feature and its modules form no loop
  dev              install cargo-leptos if missing, then `cargo leptos watch`
  bench            the benchmarks, in release mode, on SQLite and PostgreSQL; they print their numbers";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["setup"] => setup::run(),
        ["build"] => setup::run().and_then(|()| build::site(Profile::Release)),
        ["build", "--dev"] => setup::run().and_then(|()| build::site(Profile::Dev)),
        ["bundle"] => setup::run().and_then(|()| build::browser_files(Profile::Release)),
        ["run"] => {
            setup::run().and_then(|()| build::site(Profile::Release)).and_then(|()| build::serve())
        }
        ["test"] => test::run(),
        ["e2e", args @ ..] => test::end_to_end(args),
        ["layers"] => layers::check(),
        ["dev"] => setup::run().and_then(|()| build::watch()),
        ["bench"] => bench::run(),
        ["help" | "--help" | "-h"] | [] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nxtask: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What a failed task reports.
pub type Result<T = ()> = std::result::Result<T, String>;
