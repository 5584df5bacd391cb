//! Command line and configuration. Every option can also be set by environment variable.

use std::net::SocketAddr;

use app::auth::Role;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "apilogs", version, about = "API call logs for an API vendor's customers")]
pub struct Cli {
    /// `postgres://…` for PostgreSQL; otherwise a SQLite file (`sqlite://path` or a
    /// plain path), created on first use.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://apilogs.db", global = true)]
    pub database_url: String,

    /// Log filter, in `tracing` syntax (e.g. `info` or `server=debug,info`). At `info`,
    /// a line per request (target `access`).
    #[arg(long, env = "APILOGS_LOG", default_value = "info", global = true)]
    pub log: String,

    /// `text` for people, `json` (one object a line) for log collectors.
    #[arg(long, env = "APILOGS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    #[command(flatten)]
    pub serve: ServeArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand, Default)]
pub enum Command {
    /// Serve the web app (the default).
    #[default]
    Serve,
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Load the demo accounts, users and API calls into an empty database.
    Demo,
    /// Say where the outbox stands: notices not yet written out, deliveries pending,
    /// delivered and given up, and the latest that failed, with their last error.
    Outbox,
    /// Apply the current redaction rules (with the `--redact-…` and `--keep-…` options)
    /// again to calls already stored, in batches, and say how many values went.
    Scrub {
        /// Only this account's calls.
        #[arg(long)]
        account: Option<i64>,
        /// Only calls at or after this time: RFC 3339 (`2026-11-20T09:00:00Z`) or a
        /// date (`2026-11-20`, midnight UTC).
        #[arg(long, value_parser = parse_time)]
        since: Option<DateTime<Utc>>,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "APILOGS_ADDR", default_value = "127.0.0.1:3000", global = true)]
    pub addr: SocketAddr,

    /// Mark cookies `Secure`: set this when the app is served over HTTPS.
    #[arg(long, env = "APILOGS_SECURE_COOKIES", global = true)]
    pub secure_cookies: bool,

    /// The reverse proxies (addresses or networks such as 10.0.0.0/8, comma-separated)
    /// whose `X-Forwarded-For` names the client. None: the address that connected is
    /// the client's.
    #[arg(long, env = "APILOGS_TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    pub trusted_proxy: Vec<crate::http::client::Network>,

    /// Hours a session may go unused before it ends (it ends 30 days after sign-in in
    /// any case).
    #[arg(long, env = "APILOGS_SESSION_IDLE_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u16).range(1..=720), global = true)]
    pub session_idle_hours: u16,

    /// The public base URL of the API whose calls are logged, as "Copy as cURL" writes
    /// it. Default: this server's own address, where its demo API answers.
    #[arg(long, env = "APILOGS_API_URL", global = true)]
    pub api_url: Option<String>,

    /// FOR END-TO-END TESTS ONLY: let `POST /test/clock` move the server's clock
    /// forward. Only builds with the `test-clock` feature have it.
    #[cfg(feature = "test-clock")]
    #[arg(long, env = "APILOGS_TEST_CLOCK", global = true)]
    pub test_clock: bool,

    /// Days the access history (every grant, and what Support opened under it) is kept;
    /// at least a year, which the database itself enforces.
    #[arg(long, env = "APILOGS_ACCESS_HISTORY_DAYS", default_value_t = 400, value_parser = clap::value_parser!(u32).range(365..), global = true)]
    pub access_history_days: u32,

    /// Days Support's request for access waits for the customer's answer before it
    /// lapses.
    #[arg(long, env = "APILOGS_ACCESS_REQUEST_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=90), global = true)]
    pub access_request_days: u32,

    /// Load the demo data first if the database has no users yet.
    #[arg(long, env = "APILOGS_DEMO", global = true)]
    pub demo: bool,

    /// Also serve `GET /metrics` (Prometheus) here, to whoever reaches this address; on
    /// the main port it is answered to this machine only.
    #[arg(long, env = "APILOGS_METRICS_ADDR", global = true)]
    pub metrics_addr: Option<SocketAddr>,

    /// On SIGTERM, seconds `/healthz` answers 503 (so a load balancer stops sending
    /// requests here) while everything else is still served, before the server stops
    /// taking connections. Ctrl-C stops at once.
    #[arg(long, env = "APILOGS_SHUTDOWN_DELAY", default_value_t = 5, value_parser = clap::value_parser!(u16).range(0..=300), global = true)]
    pub shutdown_delay: u16,

    /// Seconds from the signal to stop by which the process exits, whatever is still
    /// under way (requests, calls being stored).
    #[arg(long, env = "APILOGS_SHUTDOWN_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u16).range(1..=3600), global = true)]
    pub shutdown_timeout: u16,

    #[command(flatten)]
    pub ingest: IngestArgs,

    #[command(flatten)]
    pub notices: NoticeArgs,
}

/// Who hears about support access, and how.
#[derive(Debug, Args)]
pub struct NoticeArgs {
    /// The app's address as its users reach it, for the links in emails
    /// (`https://logs.example.com`). Default: `http://` and `--addr`.
    #[arg(long, env = "APILOGS_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// The SMTP server that sends the emails about support access: `smtp://host:port`
    /// (STARTTLS when offered; add `?tls=required` to insist), `smtps://host:port` (TLS),
    /// with `user:password@` to sign in. None: no email is sent.
    #[arg(long, env = "APILOGS_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,

    /// The emails' sender: `apilogs <noreply@example.com>`. Required with `--smtp-url`.
    #[arg(long, env = "APILOGS_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,

    /// FOR TESTS ONLY: let webhook endpoints be on loopback and private addresses, over
    /// plain HTTP. Without it, webhooks go only to HTTPS URLs on the public internet.
    #[arg(long, env = "APILOGS_ALLOW_PRIVATE_WEBHOOKS", global = true)]
    pub allow_private_webhooks: bool,
}

/// How calls come in, what is kept of them, and for how long.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Tokens the gateway sends to `POST /api/v1/logs` (`Authorization: Bearer …`),
    /// comma-separated so one can be rotated out. None: ingest is off.
    #[arg(long, env = "APILOGS_INGEST_TOKEN", value_delimiter = ',', global = true)]
    pub ingest_token: Vec<String>,

    /// Headers whose values are redacted whole, besides the defaults (comma-separated;
    /// the defaults: authorization, proxy-authorization, x-api-key, cookie, set-cookie,
    /// x-auth-token, and any header whose name is secret by the key words).
    #[arg(long, env = "APILOGS_REDACT_HEADERS", value_delimiter = ',', global = true)]
    pub redact_headers: Vec<String>,

    /// Headers stored in clear even though they are defaults or their names are secret
    /// (comma-separated, e.g. `idempotency-key`). Their values are still scanned.
    #[arg(long, env = "APILOGS_KEEP_HEADERS", value_delimiter = ',', global = true)]
    pub keep_headers: Vec<String>,

    /// Words that make a JSON key, form field, query parameter, XML element or
    /// attribute, multipart part or header secret wherever they occur in its name,
    /// besides the defaults (comma-separated).
    #[arg(long, env = "APILOGS_REDACT_KEYS", value_delimiter = ',', global = true)]
    pub redact_keys: Vec<String>,

    /// Default key words that no longer make a name secret (comma-separated; each one of
    /// the defaults the README lists, e.g. `key` to keep `{"key": …}` in clear).
    #[arg(long, env = "APILOGS_KEEP_KEYS", value_delimiter = ',', global = true)]
    pub keep_keys: Vec<String>,

    /// Bodies longer than this are stored cut, with their full size.
    #[arg(long, env = "APILOGS_MAX_BODY_BYTES", default_value_t = 65_536, global = true)]
    pub max_body_bytes: usize,

    /// Records one ingest batch may hold (413 beyond).
    #[arg(long, env = "APILOGS_MAX_BATCH_RECORDS", default_value_t = 5_000, global = true)]
    pub max_batch_records: usize,

    /// Bytes one ingest request may hold (413 beyond).
    #[arg(long, env = "APILOGS_MAX_REQUEST_BYTES", default_value_t = 33_554_432, global = true)]
    pub max_request_bytes: usize,

    /// Calls older than this many days are deleted.
    #[arg(long, env = "APILOGS_RETENTION_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub retention_days: u32,
}

impl IngestArgs {
    /// The redaction rules: the defaults with the lists' changes.
    pub fn redactor(&self) -> anyhow::Result<crate::redact::Redactor> {
        let lists = crate::redact::Lists {
            add_headers: self.redact_headers.clone(),
            keep_headers: self.keep_headers.clone(),
            add_keys: self.redact_keys.clone(),
            keep_keys: self.keep_keys.clone(),
        };
        crate::redact::Redactor::new(&lists).map_err(anyhow::Error::msg)
    }

    pub fn settings(&self) -> anyhow::Result<crate::ingest::IngestSettings> {
        Ok(crate::ingest::IngestSettings {
            redactor: self.redactor()?,
            max_body_bytes: self.max_body_bytes,
            max_batch_records: self.max_batch_records,
            max_request_bytes: self.max_request_bytes,
            retention: chrono::TimeDelta::days(self.retention_days.into()),
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is read from standard input (one line), or asked for
    /// when standard input is a terminal.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The customer's account, by id or by name (created when no account has the
        /// name). Required for customers, refused for the other roles.
        #[arg(long)]
        account: Option<String>,
    },
}

fn parse_role(value: &str) -> Result<Role, String> {
    value.parse()
}

fn parse_time(value: &str) -> Result<DateTime<Utc>, String> {
    let value = value.trim();
    DateTime::parse_from_rfc3339(value)
        .map(|at| at.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map(|day| day.and_time(NaiveTime::MIN).and_utc())
        })
        .map_err(|_| format!("{value:?} is neither an RFC 3339 time nor a date (YYYY-MM-DD)"))
}
