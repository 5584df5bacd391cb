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
mod recorder;
mod users;

use std::{process::ExitCode, sync::Arc};

use app::{
    clock::{Clock, OffsetClock, SystemClock},
    state::AppState,
    store::Store,
};
use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command, UserCommand};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt().with_env_filter(EnvFilter::new(&cli.log)).init();
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
            let test_clock = cli.serve.test_clock.then(|| Arc::new(OffsetClock::default()));
            let clock: Arc<dyn Clock> = match &test_clock {
                Some(test_clock) => {
                    eprintln!(
                        "WARNING: --test-clock is on: POST /test/clock moves this server's clock"
                    );
                    test_clock.clone()
                }
                None => clock,
            };
            let retention = chrono::TimeDelta::days(i64::from(cli.serve.ingest.retention_days));
            jobs::spawn(store.clone(), clock.clone(), retention);
            let ingest = cli.serve.ingest.settings();
            let tokens = cli.serve.ingest.ingest_token.clone();
            let api_url = cli.serve.api_url.unwrap_or_else(|| format!("http://{}", cli.serve.addr));
            let state = AppState {
                leptos_options,
                store,
                clock,
                secure_cookies: cli.serve.secure_cookies,
                api_url,
            };
            http::serve(state, ingest, &tokens, cli.serve.addr, test_clock).await
        }
        Command::Migrate => {
            say!("The {} database is up to date.", store.backend());
            Ok(())
        }
        Command::User(UserCommand::Add { email, role, account }) => {
            users::add(&store, clock.now(), &email, role, account.as_deref()).await
        }
        Command::Demo => demo::load(&store, clock.now()).await,
    }
}
