//! `make bench`: the benchmarks, in release mode, each printing its numbers.

use crate::{
    build::{self, Profile},
    cmd::{self, cargo, cmd, timed},
    test::demo_server,
    Result,
};

/// Pages of the logs through the store, ingest through the server, whole pages over
/// HTTP, then Lighthouse on the pages people open most.
pub fn run() -> Result {
    let release = ["--release", "--package"];
    cmd::run(cargo().arg("build").args(release).args(["server", "--bin", "apilogs"]))?;
    build::browser_files(Profile::Release)?;
    for bin in ["log-pages", "ingest", "pages"] {
        timed(bin, || cmd::run(cargo().arg("run").args(release).args(["bench", "--bin", bin])))?;
    }
    timed("Lighthouse", lighthouse)
}

/// Lighthouse against the release server on a fresh SQLite database with the demo data.
fn lighthouse() -> Result {
    let scratch = std::env::temp_dir().join(format!("apilogs-lighthouse-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let (addr, server) = demo_server(Profile::Release, &scratch, &[])?;
    let result = cmd::run(cmd("node").arg("bench/lighthouse.mjs").arg(format!("http://{addr}")));
    drop(server);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}
