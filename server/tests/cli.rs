//! The command line as a shell script uses it.

use std::process::{Command, Stdio};

/// `apilogs demo | head -0`: the reader is gone before the demo sign-ins are printed.
/// The data is loaded all the same, and the command ends without a panic.
#[test]
fn the_demo_loads_for_a_reader_that_stops_early() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("demo.db");
    let mut demo = Command::new(env!("CARGO_BIN_EXE_apilogs"))
        .arg("demo")
        .env("DATABASE_URL", &database)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(demo.stdout.take());
    let output = demo.wait_with_output().unwrap();
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}: {errors}", output.status);
    assert!(!errors.contains("panicked"), "{errors}");

    let again = Command::new(env!("CARGO_BIN_EXE_apilogs"))
        .arg("demo")
        .env("DATABASE_URL", &database)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(said.starts_with("The demo data is loaded already."), "{said}");
}

/// `apilogs scrub`: it reads every call, and a second run finds nothing left; the
/// redaction options are checked before anything is read.
#[test]
fn scrub_reads_every_call_and_refuses_what_it_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("scrub.db");
    let apilogs = |args: &[&str]| run(&database, args);
    assert!(apilogs(&["demo"]).0);
    for _ in 0..2 {
        let (ok, said) = apilogs(&["scrub", "--since", "2000-01-01"]);
        assert!(ok, "{said}");
        assert!(said.contains("Scrubbed 10000 calls of 2 accounts: "), "{said}");
    }
    let (ok, said) = apilogs(&["scrub"]);
    assert!(ok && said.contains(": 0 values redacted in 0 calls."), "scrubbed already: {said}");

    let (ok, said) = apilogs(&["scrub", "--account", "999"]);
    assert!(!ok && said.contains("no account has id 999"), "{said}");
    let (ok, said) = apilogs(&["scrub", "--since", "last week"]);
    assert!(!ok && said.contains("neither an RFC 3339 time nor a date"), "{said}");
    let (ok, said) = apilogs(&["scrub", "--keep-keys", "colour"]);
    assert!(!ok && said.contains("not a default redacted key word"), "{said}");
}

/// `apilogs outbox` says where the outbox stands, and lists what failed with its error;
/// `--smtp-url` without `--mail-from` is refused at start.
#[test]
fn the_outbox_says_what_waits_and_what_failed() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("outbox.db");
    let apilogs = |args: &[&str]| run(&database, args);
    let (ok, said) = apilogs(&["outbox"]);
    assert!(ok, "{said}");
    assert!(
        said.contains("notices waiting: 0\ndeliveries pending: 0, delivered: 0, given up: 0"),
        "{said}"
    );
    let (ok, said) = apilogs(&["serve", "--smtp-url", "smtp://127.0.0.1:1"]);
    assert!(!ok && said.contains("--smtp-url needs --mail-from"), "{said}");
}

/// `apilogs <args>` on `database`: whether it succeeded, and all it said.
fn run(database: &std::path::Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_apilogs"))
        .args(args)
        .env("DATABASE_URL", database)
        .env("APILOGS_LOG", "warn")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.success(), said + &String::from_utf8_lossy(&output.stderr))
}
