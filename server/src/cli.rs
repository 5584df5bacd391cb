//! Command line and configuration. Every option can also be set by environment variable.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "apilogs",
    version,
    about = "API call logs for an API vendor's customers"
)]
pub struct Cli {
    /// `postgres://…` for PostgreSQL; otherwise a SQLite file (`sqlite://path` or a
    /// plain path), created on first use.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://apilogs.db",
        global = true
    )]
    pub database_url: String,

    /// Log filter, in `tracing` syntax (e.g. `info` or `server=debug,info`).
    #[arg(long, env = "APILOGS_LOG", default_value = "info", global = true)]
    pub log: String,

    #[command(flatten)]
    pub serve: ServeArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand, Default)]
pub enum Command {
    /// Serve the web app (the default).
    #[default]
    Serve,
    /// Bring the database schema up to date, then exit.
    Migrate,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(
        long,
        env = "APILOGS_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,
}
