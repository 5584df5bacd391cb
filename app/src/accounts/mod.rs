//! The vendor's customer accounts and their API keys. Nothing here is shown in the
//! browser yet: ingest, the demo API, the command line and the other features' server
//! code read them.

mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use store::NewApiKey;

/// One of the vendor's customers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// An account's API key as the app shows it: never the key, only its prefix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ApiKey {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
}

/// What the database keeps of an API key: its SHA-256, hex. Keys are looked up by it.
pub fn api_key_hash(key: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(key.as_bytes()))
}
