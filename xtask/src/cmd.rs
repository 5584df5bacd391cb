//! Running programs: each command is echoed before it runs, and a failure names it.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use crate::Result;

/// The workspace root: tasks run there, whatever the caller's directory.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

pub fn cmd(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root());
    command
}

/// The cargo that runs this task, so that every build uses one toolchain.
pub fn cargo() -> Command {
    cmd(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn describe(command: &Command) -> String {
    let mut line = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

/// Runs `command` in the foreground; an exit code other than 0 is an error.
pub fn run(command: &mut Command) -> Result {
    let line = describe(command);
    println!("$ {line}");
    let status = command.status().map_err(|error| format!("cannot start `{line}`: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{line}` failed ({status})"))
    }
}

/// Runs `command` quietly and returns its standard output, or `None` if it could not
/// run or failed. For probes such as `tool --version`.
pub fn output(command: &mut Command) -> Option<String> {
    let output = command.stderr(Stdio::null()).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs `command`, giving up (and killing it) after `limit`. For network steps that may
/// hang rather than fail on a machine without a route to the server.
pub fn run_with_timeout(command: &mut Command, limit: Duration) -> Result {
    let line = describe(command);
    println!("$ {line}   (at most {} s)", limit.as_secs());
    let mut child = command.spawn().map_err(|error| format!("cannot start `{line}`: {error}"))?;
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|error| error.to_string())? {
            return if status.success() {
                Ok(())
            } else {
                Err(format!("`{line}` failed ({status})"))
            };
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("`{line}` did not finish within {} s", limit.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Prints how long a step took, so that slow steps are easy to spot in CI logs.
pub fn timed<T>(step: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    let started = Instant::now();
    let result = work();
    println!("--- {step}: {:.1} s", started.elapsed().as_secs_f64());
    result
}
