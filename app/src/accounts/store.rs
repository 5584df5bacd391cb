//! The SQL of accounts and API keys.

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

use super::{Account, ApiKey};
use crate::store::{with_pool, with_writer, Store, StoreError};

impl Store {
    pub async fn create_account(
        &self,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Conflict("an account needs a name".into()));
        }
        with_writer!(self, pool => {
            sqlx::query_as(
                "INSERT INTO accounts (name, created_at) VALUES ($1, $2) \
                 RETURNING id, name, created_at",
            )
            .bind(name)
            .bind(now)
            .fetch_one(pool)
            .await
        })
        .map_err(|e| StoreError::conflict_or(e, || format!("an account named {name:?} exists")))
    }

    pub async fn account(&self, id: i64) -> Result<Option<Account>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT id, name, created_at FROM accounts WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Which of `ids` are accounts.
    pub async fn existing_accounts(&self, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(with_pool!(self, pool => {
            let mut query = QueryBuilder::new("SELECT id FROM accounts WHERE id IN (");
            let mut list = query.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            query.push(")");
            query.build_query_scalar().fetch_all(pool).await?
        }))
    }

    /// Every account's id, for jobs that go through them all.
    pub async fn account_ids(&self) -> Result<Vec<i64>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM accounts ORDER BY id").fetch_all(pool).await?
        }))
    }

    pub async fn account_by_name(&self, name: &str) -> Result<Option<Account>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT id, name, created_at FROM accounts WHERE name = $1")
                .bind(name.trim())
                .fetch_optional(pool)
                .await?
        }))
    }
}

pub struct NewApiKey<'a> {
    pub account_id: i64,
    pub name: &'a str,
    /// The key's first characters, shown to tell keys apart.
    pub prefix: &'a str,
    /// [`super::api_key_hash`] of the whole key.
    pub key_hash: &'a str,
}

impl Store {
    pub async fn create_api_key(
        &self,
        new: NewApiKey<'_>,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, StoreError> {
        with_writer!(self, pool => {
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
