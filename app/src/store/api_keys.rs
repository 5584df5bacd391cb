use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{with_pool, Store, StoreError};

/// An account's API key as the app shows it: never the key, only its prefix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ApiKey {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
}

pub struct NewApiKey<'a> {
    pub account_id: i64,
    pub name: &'a str,
    /// The key's first characters, shown to tell keys apart.
    pub prefix: &'a str,
    /// SHA-256 of the whole key, hex.
    pub key_hash: &'a str,
}

impl Store {
    pub async fn create_api_key(
        &self,
        new: NewApiKey<'_>,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, StoreError> {
        with_pool!(self, pool => {
            sqlx::query_as(
                "INSERT INTO api_keys (account_id, name, prefix, key_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 RETURNING id, account_id, name, prefix, created_at",
            )
            .bind(new.account_id)
            .bind(new.name)
            .bind(new.prefix)
            .bind(new.key_hash)
            .bind(now)
            .fetch_one(pool)
            .await
        })
        .map_err(|e| StoreError::conflict_or(e, || "that API key exists already".into()))
    }
}
