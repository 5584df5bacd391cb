//! The apilogs binary, started for a test on a port of its own.

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    process::{Child, ChildStdout, Command},
};

pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// `apilogs serve` on `database_url` and a free port, with `args`, once healthy.
    pub async fn start(database_url: &str, args: &[&str]) -> Server {
        Self::start_on(free_port(), database_url, args).await
    }

    pub async fn start_on(port: u16, database_url: &str, args: &[&str]) -> Server {
        Self::launch(port, database_url, "error", args, Stdio::null()).await
    }

    /// [`Server::start`] logging at `log` (a filter) to its standard output, which the
    /// test reads.
    pub async fn start_logging(
        database_url: &str,
        log: &str,
        args: &[&str],
    ) -> (Server, ChildStdout) {
        let mut server = Self::launch(free_port(), database_url, log, args, Stdio::piped()).await;
        let output = server.child.stdout.take().expect("a piped output");
        (server, output)
    }

    async fn launch(
        port: u16,
        database_url: &str,
        log: &str,
        args: &[&str],
        stdout: Stdio,
    ) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_apilogs"))
            .args(["serve", "--database-url", database_url])
            .args(["--addr", &format!("127.0.0.1:{port}"), "--log", log])
            .args(args)
            .stdout(stdout)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let started = Instant::now();
        while !healthy(port).await {
            assert!(started.elapsed() < Duration::from_secs(30), "the server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Server { child, port }
    }

    /// SIGTERM, as an orchestrator stops a server; the exit status, once it exits.
    pub fn terminate(mut self) -> impl std::future::Future<Output = std::process::ExitStatus> {
        let pid = self.child.id().expect("the server runs").to_string();
        let sent = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        async move { self.child.wait().await.unwrap() }
    }

    /// SIGKILL: the process ends on the spot, nothing flushed, nothing closed.
    pub async fn kill(mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One HTTP/1.1 request (its head's first line and headers, CRLF-separated, and a body)
/// on its own connection; the status code, or `None` when the connection failed.
pub async fn status(port: u16, head: &str, body: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    let request = format!(
        "{head}\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok()?;
    let status_line = String::from_utf8_lossy(&response).lines().next()?.to_owned();
    status_line.split(' ').nth(1)?.parse().ok()
}

/// One request on its own connection; the whole answer (head and body) as text.
pub async fn exchange(port: u16, head: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let request = format!(
        "{head}\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// Signs in through the form; the session cookie (`name=value`).
pub async fn sign_in(port: u16, email: &str, password: &str) -> String {
    let form = format!("email={}&password={password}", email.replace('@', "%40"));
    let head = "POST /signin HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded";
    let answer = exchange(port, head, &form).await;
    answer
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie").then(|| value.trim().to_owned())
        })
        .and_then(|cookie| cookie.split(';').next().map(str::to_owned))
        .unwrap_or_else(|| panic!("{email} could not sign in: {answer}"))
}

pub async fn healthy(port: u16) -> bool {
    status(port, "GET /healthz HTTP/1.1", "").await == Some(200)
}

/// Moves a `--test-clock` server's clock on.
pub async fn advance_clock(port: u16, seconds: u32) {
    let head = "POST /test/clock HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded";
    let moved = status(port, head, &format!("advance_seconds={seconds}")).await;
    assert_eq!(moved, Some(200), "the test clock did not move");
}
