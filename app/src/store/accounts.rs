use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{with_pool, Store, StoreError};

/// One of the vendor's customers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

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
        with_pool!(self, pool => {
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

    pub async fn account_by_name(&self, name: &str) -> Result<Option<Account>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT id, name, created_at FROM accounts WHERE name = $1")
                .bind(name.trim())
                .fetch_optional(pool)
                .await?
        }))
    }
}
