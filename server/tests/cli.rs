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
