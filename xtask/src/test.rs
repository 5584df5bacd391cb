//! Everything `make test` checks, in order, stopping at the first failure.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    path::Path,
    process::Child,
    time::{Duration, Instant},
};

use crate::{
    build::{self, Profile},
    cmd::{self, cargo, cmd, timed},
    layers, setup, toolchain, Result,
};

/// The server side of the workspace, with the test databases and the test clock on.
const SERVER_SIDE: &str = "--package app --package server --package bench --package xtask \
                           --features app/testing,server/test-clock";

pub fn run() -> Result {
    setup::run()?;
    timed("rustfmt", || cmd::run(cargo().args(["fmt", "--all", "--check"])))?;
    layers::check()?;
    // The two sides are linted apart, so that `ssr` and `hydrate` never unify.
    timed("clippy (server side)", || {
        let args = format!("clippy {SERVER_SIDE} --all-targets -- -D warnings");
        cmd::run(cargo().args(args.split_whitespace()))
    })?;
    timed("clippy (browser side)", || {
        let args = "--package frontend --package app --features app/hydrate -- -D warnings";
        let route = toolchain::wasm_route()?;
        cmd::run(toolchain::wasm_cargo(route, "clippy").args(args.split_whitespace()))
    })?;
    timed("Rust tests", || {
        cmd::run(cargo().args(format!("test {SERVER_SIDE}").split_whitespace()))
    })?;
    build::browser_files(Profile::Release)?;
    build::check_wasm_budget()?;
    end_to_end(&[])
}

/// The ingest token of the end-to-end server.
const INGEST_TOKEN: &str = "e2e-ingest-token";

/// Starts the server on a fresh SQLite database and a free port, runs the Playwright
/// suite against it in Chromium, then Schemathesis against its ingest API. The server
/// is the one the Rust tests have just built and run (debug, with the release browser
/// bundle): building another in release mode would take longer than the whole suite.
/// With `playwright_args` (a spec file, `--grep …`), only those tests, no Schemathesis.
pub fn end_to_end(playwright_args: &[&str]) -> Result {
    let scratch = std::env::temp_dir().join(format!("apilogs-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    // A real SMTP server that keeps every email in a maildir the browser tests read.
    let (smtp, maildir) = (free_port()?, scratch.join("maildir"));
    let python = cmd::root().join(setup::PYTHON_ENV).join("bin/python");
    let smtp_server = cmd(&python)
        .args(["-m", "aiosmtpd", "-n", "-l", &smtp.to_string()])
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .spawn()
        .map_err(|e| format!("cannot start the SMTP server: {e}"))?;
    let _smtp_server = KillOnDrop(smtp_server);
    wait_until_listening(smtp)?;
    // A real webhook receiver; the browser tests check what it got with the official
    // Standard Webhooks library.
    let (hooks, hooks_log) = (free_port()?, scratch.join("webhooks.jsonl"));
    let receiver = cmd(&python)
        .arg(WEBHOOK_RECEIVER)
        .args(["serve", &hooks.port().to_string()])
        .arg(&hooks_log)
        .spawn()
        .map_err(|e| format!("cannot start the webhook receiver: {e}"))?;
    let _receiver = KillOnDrop(receiver);
    wait_until_listening(hooks)?;
    let smtp_url = format!("smtp://{smtp}");
    let (addr, server) = demo_server(
        Profile::Dev,
        &scratch,
        &[
            "--test-clock",
            // The expiry test lets two weeks pass at once: sessions must not go idle then.
            "--session-idle-hours",
            "720",
            "--ingest-token",
            INGEST_TOKEN,
            "--smtp-url",
            &smtp_url,
            "--mail-from",
            "apilogs <noreply@apilogs.test>",
            // Its webhook receiver is on this machine.
            "--allow-private-webhooks",
        ],
    )?;
    let report = scratch.join("playwright.json");
    let result = timed("Playwright tests", || {
        cmd::run(
            cmd("npx")
                .args(["playwright", "test", "--config", "end2end/playwright.config.ts"])
                .args(playwright_args)
                .env("APILOGS_BASE_URL", format!("http://{addr}"))
                .env("APILOGS_MAILDIR", &maildir)
                .env("APILOGS_WEBHOOK_URL", format!("http://{hooks}"))
                .env("APILOGS_WEBHOOK_LOG", &hooks_log)
                .env("APILOGS_PYTHON", &python)
                .env("APILOGS_WEBHOOK_RECEIVER", cmd::root().join(WEBHOOK_RECEIVER))
                .env("PLAYWRIGHT_JSON_OUTPUT_FILE", &report),
        )
    });
    let result = result.and_then(|()| match playwright_args {
        [] => timed("Schemathesis (ingest API)", || hostile_input(addr)),
        _ => Ok(()),
    });
    drop(server);
    if let Ok(json) = std::fs::read_to_string(&report) {
        let count = |key: &str| stat(&json, key).unwrap_or(0);
        println!(
            "playwright: {} passed, {} failed, {} skipped",
            count("expected") + count("flaky"),
            count("unexpected"),
            count("skipped")
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// Property-based requests made from the ingest API's own OpenAPI document, valid and
/// not: no answer may be a 5xx or one the document does not list, data it calls invalid
/// must be refused, and every body must be as it describes. All checks but one: a
/// record may be well-formed and still rightly refused, for rules no schema can state
/// (a time ahead of the server's clock is 400; an account or key that does not exist,
/// 422), so `positive_data_acceptance` cannot hold.
fn hostile_input(addr: SocketAddr) -> Result {
    let root = cmd::root();
    cmd::run(
        cmd(root.join(setup::PYTHON_ENV).join("bin/st"))
            // Its cache of crashes goes in the working folder: under target/, not the
            // repository.
            .current_dir(root.join("target"))
            .arg("run")
            .arg(format!("http://{addr}/api/openapi.json"))
            .args(["--header", &format!("Authorization: Bearer {INGEST_TOKEN}")])
            .args(["--checks", "all", "--exclude-checks", "positive_data_acceptance"])
            .args(["--max-examples", "100", "--seed", "1"])
            .args(["--generation-database", "none", "--no-color"])
            .env("SCHEMATHESIS_HOOKS", root.join("end2end/schemathesis_hooks.py")),
    )
}

/// A number from the `"stats"` of Playwright's JSON report.
fn stat(report: &str, key: &str) -> Option<u64> {
    let stats = &report[report.rfind("\"stats\"")?..];
    let value = &stats[stats.find(&format!("\"{key}\":"))? + key.len() + 3..];
    let digits: String = value.trim_start().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The built server (`profile`) on the demo data in a database under `scratch`, with
/// `args`, on a free port, once healthy; it stops when the guard is dropped.
pub(crate) fn demo_server(
    profile: Profile,
    scratch: &Path,
    args: &[&str],
) -> Result<(SocketAddr, KillOnDrop)> {
    let addr = free_port()?;
    let server = cmd(build::server_binary(profile))
        .args(["serve", "--demo"])
        .args(args)
        .env("DATABASE_URL", scratch.join("demo.db"))
        .env("APILOGS_ADDR", addr.to_string())
        .env("LEPTOS_SITE_ROOT", build::SITE_ROOT)
        .env("LEPTOS_ENV", "PROD")
        .env("APILOGS_LOG", "warn")
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let mut server = KillOnDrop(server);
    wait_until_healthy(addr, &mut server.0)?;
    Ok((addr, server))
}

pub(crate) struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map_err(|e| e.to_string())
}

/// The webhook receiver the Rust tests use too.
const WEBHOOK_RECEIVER: &str = "server/tests/support/webhook_receiver.py";

/// Waits until something listens on `addr` (a child server just started), up to 30 s.
fn wait_until_listening(addr: SocketAddr) -> Result {
    let started = Instant::now();
    while TcpStream::connect(addr).is_err() {
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("nothing listened on {addr} within 30 s"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// Polls `/healthz` until it answers 200, the server exits, or 60 s pass.
pub(crate) fn wait_until_healthy(addr: SocketAddr, server: &mut Child) -> Result {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(Some(status)) = server.try_wait() {
            return Err(format!("the server exited before it was healthy ({status})"));
        }
        if health_is_ok(addr) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("the server on {addr} was not healthy within 60 s"))
}

fn health_is_ok(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut response = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut response).is_ok()
        && response.starts_with("HTTP/1.1 200")
}

#[cfg(test)]
mod tests {
    use super::stat;

    #[test]
    fn reads_the_totals_of_a_playwright_report() {
        let report = r#"{"suites": [{"title": "stats"}], "stats": {
          "startTime": "2026-11-26T10:00:00.000Z", "duration": 30123.5,
          "expected": 17, "skipped": 1, "unexpected": 2, "flaky": 0 }}"#;
        assert_eq!(stat(report, "expected"), Some(17));
        assert_eq!(stat(report, "unexpected"), Some(2));
        assert_eq!(stat(report, "skipped"), Some(1));
        assert_eq!(stat(report, "flaky"), Some(0));
        assert_eq!(stat(report, "missing"), None);
        assert_eq!(stat("{}", "expected"), None);
    }
}
