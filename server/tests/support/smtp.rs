//! A real SMTP server for the tests: aiosmtpd (installed by set-up under
//! target/python), run as a child process that keeps every message in a maildir.

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub struct SmtpServer {
    child: Option<Child>,
    pub addr: SocketAddr,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

/// A message as the server received it.
#[derive(Debug)]
pub struct Received {
    /// The envelope's recipient.
    pub to: String,
    pub subject: String,
    pub message_id: String,
    /// The whole message, quoted-printable soft breaks undone.
    pub raw: String,
}

impl SmtpServer {
    /// The server on a free port, listening once this returns.
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], port)))
    }

    pub fn start_on(addr: SocketAddr) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("maildir");
        let python = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/python/bin/python");
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &addr.to_string()])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start aiosmtpd ({python}; `cargo xtask setup` installs it): {e}")
            });
        let server = SmtpServer { child: Some(child), addr, maildir, _dir: dir };
        let start = Instant::now();
        while TcpStream::connect(addr).is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "aiosmtpd did not listen on {addr}");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message received so far, by recipient then subject.
    pub fn received(&self) -> Vec<Received> {
        let Ok(files) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut messages: Vec<Received> = files
            .map(|file| {
                let raw = std::fs::read_to_string(file.unwrap().path()).unwrap();
                let raw = raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
                // The head, with folded lines unfolded.
                let mut head: Vec<String> = Vec::new();
                for line in raw.lines().take_while(|line| !line.is_empty()) {
                    match head.last_mut() {
                        Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
                        _ => head.push(line.to_owned()),
                    }
                }
                let header = |name: &str| {
                    head.iter()
                        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
                        .unwrap_or_default()
                        .to_owned()
                };
                Received {
                    to: header("X-RcptTo"),
                    subject: header("Subject"),
                    message_id: header("Message-ID"),
                    raw: raw.clone(),
                }
            })
            .collect();
        messages.sort_by(|a, b| (&a.to, &a.subject).cmp(&(&b.to, &b.subject)));
        messages
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
