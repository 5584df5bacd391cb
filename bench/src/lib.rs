//! What the benchmarks share: realistic calls, fresh databases, the release server run
//! on one, and a plain HTTP/1.1 client that times whole answers.

use std::{path::PathBuf, process::Stdio, str::FromStr, time::Duration};

use app::{
    logs::{Call, NewLogEntry},
    store::{testing::postgres_schema, Store},
};
use chrono::{DateTime, Utc};
use sqlx::{postgres::PgConnectOptions, ConnectOptions, Connection};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
    process::{Child, Command},
};

pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The `i`-th call of an account, made at `occurred_at`: a PDF API's, 12 % of them
/// errors (4xx and 5xx), with bodies of a realistic size and shape.
pub fn realistic_call(account_id: i64, i: i64, occurred_at: DateTime<Utc>) -> NewLogEntry {
    let status = match i % 100 {
        0..=4 => 400,
        5..=7 => 429,
        8..=11 => 500,
        _ => 200,
    };
    let call = Call {
        request_id: format!("req_{account_id}_{i:09}"),
        method: if i % 5 == 0 { "GET".into() } else { "POST".into() },
        endpoint: ["/v1/pdf/merge", "/v1/pdf/split", "/v1/pdf/convert/to/text"][i as usize % 3]
            .into(),
        status,
        duration_ms: 40 + (i % 700) as i32,
        credits: if status == 200 { 1 + (i % 24) as i32 } else { 0 },
        request_headers: r#"{"content-type":"application/json","x-api-key":"[REDACTED]"}"#.into(),
        request_body: Some(format!(
            r#"{{"url":"https://files.example.com/invoices/{i}.pdf","pages":"1-{}","async":false}}"#,
            1 + i % 24
        )),
        response_body: Some(format!(
            r#"{{"error":{},"status":{status},"url":"https://results.example.com/{i:x}","pageCount":{}}}"#,
            status != 200,
            1 + i % 24
        )),
        error_message: (status != 200).then(|| "The file could not be converted".into()),
        client_ip: Some("203.0.113.7".into()),
        user_agent: Some("bench/1.0".into()),
        ..Call::sample(occurred_at, i)
    };
    NewLogEntry::new(account_id, call)
}

/// `VACUUM ANALYZE`, as the databases' own maintenance (autovacuum on PostgreSQL) would
/// after a large load: statistics for the planner, and on PostgreSQL the GIN indexes'
/// pending lists merged (unmerged, every search reads them whole: a body search at
/// 10,000,000 calls took 0.7 s before and a few ms after).
pub async fn analyze(store: &Store) {
    match store {
        Store::Sqlite(pool, ..) => sqlx::query("ANALYZE").execute(pool).await.map(drop),
        Store::Postgres(pool, _) => {
            async {
                // One connection, free of the statement budget; VACUUM runs on its own.
                let mut connection = pool.acquire().await?;
                for statement in
                    ["SET statement_timeout = 0", "VACUUM ANALYZE", "RESET statement_timeout"]
                {
                    sqlx::query(statement).execute(&mut *connection).await?;
                }
                Ok(())
            }
            .await
        }
    }
    .unwrap();
}

/// Removes the body search's index, and what keeps it: the insert ceiling without it.
pub async fn without_search_index(store: &Store) {
    match store {
        Store::Sqlite(pool, ..) => sqlx::raw_sql(
            "DROP TRIGGER log_search_insert; DROP TRIGGER log_search_delete; \
             DROP TRIGGER log_search_update; DROP TABLE log_search;",
        )
        .execute(pool)
        .await
        .map(drop),
        Store::Postgres(pool, _) => {
            sqlx::raw_sql("DROP INDEX log_entries_bodies_trgm").execute(pool).await.map(drop)
        }
    }
    .unwrap();
}

/// The bytes of the calls (their table or tables, with their other indexes) and of the
/// body search's index.
pub async fn calls_and_search_bytes(store: &Store) -> (i64, i64) {
    match store {
        Store::Sqlite(pool, ..) => sqlx::query_as(
            "SELECT CAST(SUM(CASE WHEN name LIKE 'log_search%' THEN 0 ELSE pgsize END) AS INTEGER), \
             CAST(SUM(CASE WHEN name LIKE 'log_search%' THEN pgsize ELSE 0 END) AS INTEGER) \
             FROM dbstat WHERE name LIKE 'log_%' OR name LIKE 'sqlite_autoindex_log_%'",
        )
        .fetch_one(pool)
        .await,
        // The partitions' GIN indexes are the search's; the rest is the calls'.
        Store::Postgres(pool, _) => sqlx::query_as(
            "SELECT CAST(SUM(pg_total_relation_size(p.inhrelid)) - SUM(g.bytes) AS BIGINT), \
             CAST(SUM(g.bytes) AS BIGINT) FROM pg_inherits p, LATERAL (SELECT \
             COALESCE(SUM(pg_relation_size(i.indexrelid)), 0) AS bytes FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam \
             WHERE i.indrelid = p.inhrelid AND am.amname = 'gin') g \
             WHERE p.inhparent = 'log_entries'::regclass",
        )
        .fetch_one(pool)
        .await,
    }
    .unwrap()
}

/// The median of `values`.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[derive(Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// A fresh database with the schema: a SQLite file, or a PostgreSQL schema of its own
/// (`APILOGS_TEST_POSTGRES_URL`, default `postgres://127.0.0.1:5432/test`).
pub struct Database {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(PgConnectOptions, String)>,
}

impl Database {
    pub async fn new(backend: Backend) -> Database {
        let database = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                Database { url, _dir: Some(dir), postgres: None }
            }
            Backend::Postgres => {
                let base = std::env::var("APILOGS_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://127.0.0.1:5432/test".into());
                let options = PgConnectOptions::from_str(&base).unwrap();
                let mut admin = options.connect().await.expect("PostgreSQL");
                let (schema, search_path) = postgres_schema(&mut admin, "bench").await;
                admin.close().await.unwrap();
                let separator = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{separator}options[search_path]={search_path}");
                Database { url, _dir: None, postgres: Some((options, schema)) }
            }
        };
        database.store().await.migrate().await.unwrap();
        database
    }

    pub async fn store(&self) -> Store {
        Store::connect(&self.url).await.unwrap()
    }

    pub async fn drop(self) {
        if let Some((options, schema)) = self.postgres {
            let mut admin = options.connect().await.unwrap();
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&mut admin)
                .await
                .unwrap();
            admin.close().await.unwrap();
        }
    }
}

/// The release server (`cargo xtask bench` builds it) serving the database at `url`.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    pub async fn start(url: &str, args: &[&str]) -> Server {
        let binary = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/apilogs");
        assert!(binary.exists(), "{} is missing: run `cargo xtask bench`", binary.display());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(binary)
            .args(["serve", "--database-url", url, "--addr", &format!("127.0.0.1:{port}")])
            .args(["--log", "warn"])
            .args(args)
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        for _ in 0..300 {
            if Client::open(port).await.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Server { child, port }
    }

    pub async fn stop(mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }
}

/// An answer, read whole.
pub struct Answer {
    pub status: u16,
    /// The `Set-Cookie` header's first `name=value`, if any.
    pub cookie: Option<String>,
    pub body: Vec<u8>,
}

/// An HTTP/1.1 client on one kept-alive connection: a request at a time, answers read
/// whole (with a length or chunked).
pub struct Client {
    stream: BufReader<TcpStream>,
}

impl Client {
    pub async fn open(port: u16) -> Option<Client> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
        stream.set_nodelay(true).ok()?;
        Some(Client { stream: BufReader::new(stream) })
    }

    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Answer {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let stream = self.stream.get_mut();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body.as_bytes()).await.unwrap();
        let mut line = String::new();
        self.stream.read_line(&mut line).await.unwrap();
        let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let (mut length, mut chunked, mut cookie) = (0, false, None);
        loop {
            line.clear();
            self.stream.read_line(&mut line).await.unwrap();
            if line == "\r\n" {
                break;
            }
            let Some((name, value)) = line.split_once(':') else { continue };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            } else if name.eq_ignore_ascii_case("set-cookie") && cookie.is_none() {
                cookie = value.split(';').next().map(str::to_owned);
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.stream.read_line(&mut line).await.unwrap();
                let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
                let start = body.len();
                body.resize(start + size + 2, 0);
                self.stream.read_exact(&mut body[start..]).await.unwrap();
                body.truncate(start + size);
                if size == 0 {
                    break;
                }
            }
        } else {
            body.resize(length, 0);
            self.stream.read_exact(&mut body).await.unwrap();
        }
        Answer { status, cookie, body }
    }
}
