use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use sqlx::QueryBuilder;

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

/// What the database keeps of an API key: its SHA-256, hex. Keys are looked up by it.
pub fn api_key_hash(key: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(key.as_bytes()))
}

pub struct NewApiKey<'a> {
    pub account_id: i64,
    pub name: &'a str,
    /// The key's first characters, shown to tell keys apart.
    pub prefix: &'a str,
    /// [`api_key_hash`] of the whole key.
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

    /// `(key id, account id)` of each of `ids` that exists.
    pub async fn api_key_accounts(&self, ids: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(with_pool!(self, pool => {
            let mut query = QueryBuilder::new("SELECT id, account_id FROM api_keys WHERE id IN (");
            let mut list = query.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            query.push(")");
            query.build_query_as().fetch_all(pool).await?
        }))
    }

    /// The key whose SHA-256 (hex) is `key_hash`, unless it was revoked.
    pub async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, account_id, name, prefix, created_at FROM api_keys \
                 WHERE key_hash = $1 AND revoked_at IS NULL",
            )
            .bind(key_hash)
            .fetch_optional(pool)
            .await?
        }))
    }
}
