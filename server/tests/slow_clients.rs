//! Clients that send a request's head a byte at a time (slowloris) stop no one else, and
//! are dropped once they take longer than the server's header-read time.

mod support;

use std::time::{Duration, Instant};

use support::server::Server;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Connections the attack holds open.
const SLOW_CLIENTS: usize = 200;

async fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await.ok()?;
    Some(response)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_attack_stops_no_one_and_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("slow.db").display());
    let server = Server::start(&url, &[]).await;
    let port = server.port;

    // Each slow client sends its request's head one byte a second, and never ends it.
    let slow: Vec<_> = (0..SLOW_CLIENTS)
        .map(|_| {
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
                let head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ";
                let opened = Instant::now();
                for byte in head.iter().chain(std::iter::repeat(&b'a')) {
                    if stream.write_all(&[*byte]).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if opened.elapsed() > Duration::from_secs(30) {
                        return None;
                    }
                }
                Some(opened.elapsed())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Meanwhile everyone else is served at once.
    let mut took = Vec::new();
    for _ in 0..5 {
        let at = Instant::now();
        let response = get(port, "/healthz").await.expect("an answer");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        took.push(at.elapsed());
    }
    println!("/healthz beside {SLOW_CLIENTS} slow clients: {took:?}");
    assert!(took.iter().all(|took| *took < Duration::from_secs(2)), "{took:?}");

    // And the slow clients are cut off after the header-read time (10 s), not served.
    for client in slow {
        let cut_after = client.await.unwrap().expect("the server dropped the slow client");
        assert!(cut_after < Duration::from_secs(20), "{cut_after:?}");
    }
}
