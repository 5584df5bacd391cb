//! A real HTTP receiver of webhooks for the tests (`webhook_receiver.py`, beside this
//! file), run as a child process; what it received is checked with the official
//! Standard Webhooks library, not our code.

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

const PYTHON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/python/bin/python");
const RECEIVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/webhook_receiver.py");

pub struct Receiver {
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Receiver {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("received.jsonl");
        let child = Command::new(PYTHON)
            .arg(RECEIVER)
            .args(["serve", &port.to_string()])
            .arg(&log)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the receiver (`cargo xtask setup`): {e}"));
        let started = Instant::now();
        while TcpStream::connect(addr).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "the receiver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Receiver { child, addr, log, _dir: dir }
    }

    /// `http://<addr><path>`
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// How many requests came in, verified or not.
    pub fn count(&self) -> usize {
        std::fs::read_to_string(&self.log).map_or(0, |log| log.lines().count())
    }

    /// The requests to `path` (all, if `None`), each verified by the Standard Webhooks
    /// library with `secret`: (webhook-id, payload). Panics if any does not verify.
    pub fn verified(&self, secret: &str, path: Option<&str>) -> Vec<(String, Value)> {
        self.verify(secret, path).unwrap_or_else(|why| panic!("{why}"))
    }

    /// [`Receiver::verified`], or why not every request verifies.
    pub fn verify(&self, secret: &str, path: Option<&str>) -> Result<Vec<(String, Value)>, String> {
        if self.count() == 0 {
            return Ok(Vec::new());
        }
        let output = Command::new(PYTHON)
            .arg(RECEIVER)
            .args(["verify", secret])
            .arg(&self.log)
            .args(path)
            .output()
            .unwrap();
        if !output.status.success() {
            return Err(format!(
                "a request did not verify: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let verified: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
        Ok(verified
            .into_iter()
            .map(|request| (request["id"].as_str().unwrap().to_owned(), request["payload"].clone()))
            .collect())
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
