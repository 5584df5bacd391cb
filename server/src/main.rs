//! The apilogs server binary: serves the app, and administers its database.

mod cli;
mod http;

use std::process::ExitCode;

use app::store::Store;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(&cli.log))
        .init();
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
    match cli.command.unwrap_or_default() {
        Command::Serve => http::serve(store, cli.serve).await,
        Command::Migrate => {
            println!("{} database is up to date", store.backend());
            Ok(())
        }
    }
}
