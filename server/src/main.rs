//! The apilogs server binary: serves the app, and administers its database.

/// `println!` for what the command line says, which a closed pipe (`apilogs demo | head`)
/// does not turn into a panic: what is said after the reader has gone goes nowhere.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod cli;
mod demo;
mod demo_api;
mod http;
mod ingest;
mod jobs;
mod metrics;
mod notices;
mod quota;
mod recorder;
mod redact;
mod scrub;
mod users;

use std::{process::ExitCode, sync::Arc};

use app::{
    clock::{Clock, SystemClock},
    state::AppState,
    store::Store,
};
use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command, LogFormat, UserCommand};

/// Pages render in many small allocations across threads, where glibc's malloc spent
/// a third of a page's time (measured with `perf`; see the README's benchmarks).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt().with_env_filter(EnvFilter::new(&cli.log));
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let store = Store::connect(&cli.database_url).await?;
    store.migrate().await?;
    let clock = Arc::new(SystemClock);
    match cli.command.unwrap_or_default() {
        Command::Serve => {
            if cli.serve.demo {
                demo::load_if_empty(&store, clock.now()).await?;
            }
            let mut leptos_options = leptos::config::get_configuration(None)?.leptos_options;
            leptos_options.site_addr = cli.serve.addr;
            http::caching::use_published_bundle(&mut leptos_options);
            let clock: Arc<dyn Clock> = clock;
            // Only in builds for end-to-end tests: `make run`'s has no test clock at all.
            #[cfg(feature = "test-clock")]
            let (clock, test_routes) = http::test_clock::from_flag(cli.serve.test_clock, clock);
            #[cfg(not(feature = "test-clock"))]
            let test_routes = axum::Router::new();
            let days = |days: u32| chrono::TimeDelta::days(i64::from(days));
            let retention = jobs::Retention {
                calls: days(cli.serve.ingest.retention_days),
                access_history: days(cli.serve.access_history_days),
            };
            jobs::spawn(store.clone(), clock.clone(), retention);
            let public_url = cli.serve.notices.public_url.clone();
            let public_url = public_url.unwrap_or_else(|| format!("http://{}", cli.serve.addr));
            let mailer = match (&cli.serve.notices.smtp_url, &cli.serve.notices.mail_from) {
                (Some(smtp), Some(from)) => Some(notices::Mailer::new(smtp, from, &public_url)?),
                (Some(_), None) => anyhow::bail!("--smtp-url needs --mail-from, the sender"),
                (None, _) => {
                    tracing::info!("no --smtp-url: no email about support access is sent");
                    None
                }
            };
            let public_url = public_url.trim_end_matches('/').to_owned();
            let allow_private_webhooks = cli.serve.notices.allow_private_webhooks;
            if allow_private_webhooks {
                tracing::warn!("--allow-private-webhooks is on: webhooks may go to this network");
            }
            let webhooks = notices::Webhooks::new(allow_private_webhooks)?;
            notices::spawn(
                store.clone(),
                clock.clone(),
                Arc::new(notices::Notices { public_url, mailer, webhooks }),
            );
            let serving = http::Serving {
                addr: cli.serve.addr,
                ingest: cli.serve.ingest.settings()?,
                ingest_tokens: cli.serve.ingest.ingest_token.clone(),
                proxies: http::client::TrustedProxies(cli.serve.trusted_proxy.clone()),
                test_routes,
                metrics_addr: cli.serve.metrics_addr,
                shutdown: http::Shutdown {
                    delay: std::time::Duration::from_secs(cli.serve.shutdown_delay.into()),
                    deadline: std::time::Duration::from_secs(cli.serve.shutdown_timeout.into()),
                },
            };
            let api_url = cli.serve.api_url.unwrap_or_else(|| format!("http://{}", cli.serve.addr));
            let state = AppState {
                leptos_options,
                store,
                clock,
                secure_cookies: cli.serve.secure_cookies,
                session_idle: chrono::TimeDelta::hours(cli.serve.session_idle_hours.into()),
                api_url,
                request_lifetime: days(cli.serve.access_request_days),
                allow_private_webhooks,
            };
            http::serve(state, serving).await
        }
        Command::Migrate => {
            say!("The {} database is up to date.", store.backend());
            Ok(())
        }
        Command::User(UserCommand::Add { email, role, account }) => {
            users::add(&store, clock.now(), &email, role, account.as_deref()).await
        }
        Command::Demo => demo::load(&store, clock.now()).await,
        Command::Outbox => notices::report(&store).await,
        Command::Scrub { account, since } => {
            let redactor = cli.serve.ingest.redactor()?;
            scrub::run(&store, &redactor, account, since).await
        }
    }
}
