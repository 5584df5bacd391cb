//! The SQL of webhook endpoints.

use chrono::{DateTime, Utc};

use super::{Endpoint, DISABLE_AFTER};
use crate::store::{with_pool, with_writer, Locking, Store, StoreError};

const ENDPOINT_COLUMNS: &str = "id, url, created_at, failed_attempts, disabled_at, disabled_reason";

/// What a delivery needs of its endpoint.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Target {
    pub url: String,
    pub secret: String,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl Store {
    pub async fn webhook_endpoints(&self, account_id: i64) -> Result<Vec<Endpoint>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(&format!(
                "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE account_id = $1 ORDER BY id"
            ))
            .bind(account_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The secrets of the account's endpoints not shown yet, by endpoint, marked shown.
    pub async fn reveal_webhook_secrets(
        &self,
        account_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(with_writer!(self, pool => {
            sqlx::query_as(
                "UPDATE webhook_endpoints SET secret_shown_at = $1 \
                 WHERE account_id = $2 AND secret_shown_at IS NULL RETURNING id, secret",
            )
            .bind(now)
            .bind(account_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Adds an endpoint, unless the account has `max` already (then `None`).
    pub async fn add_webhook_endpoint(
        &self,
        account_id: i64,
        url: &str,
        secret: &str,
        max: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<Endpoint>, StoreError> {
        Ok(with_writer!(self, pool => {
            // Under the account's lock: two adds at once cannot both pass the limit.
            let mut tx = pool.begin_locked(&[format!("account:{account_id}")]).await?;
            let added = sqlx::query_as(&format!(
                "INSERT INTO webhook_endpoints (account_id, url, secret, created_at) \
                 SELECT $1, $2, $3, $4 WHERE (SELECT count(*) FROM webhook_endpoints \
                 WHERE account_id = $1) < $5 RETURNING {ENDPOINT_COLUMNS}"
            ))
            .bind(account_id)
            .bind(url)
            .bind(secret)
            .bind(now)
            .bind(max)
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            added
        }))
    }

    /// Gives the account's endpoint `id` a new secret, to be shown once.
    pub async fn rotate_webhook_secret(
        &self,
        account_id: i64,
        id: i64,
        secret: &str,
    ) -> Result<Option<Endpoint>, StoreError> {
        Ok(with_writer!(self, pool => {
            sqlx::query_as(&format!(
                "UPDATE webhook_endpoints SET secret = $1, secret_shown_at = NULL \
                 WHERE account_id = $2 AND id = $3 RETURNING {ENDPOINT_COLUMNS}"
            ))
            .bind(secret)
            .bind(account_id)
            .bind(id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Enables the account's endpoint `id` again, its failures forgotten.
    pub async fn enable_webhook_endpoint(
        &self,
        account_id: i64,
        id: i64,
    ) -> Result<Option<Endpoint>, StoreError> {
        Ok(with_writer!(self, pool => {
            sqlx::query_as(&format!(
                "UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL, \
                 failed_attempts = 0 WHERE account_id = $1 AND id = $2 RETURNING {ENDPOINT_COLUMNS}"
            ))
            .bind(account_id)
            .bind(id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Removes the account's endpoint `id`; whether it was there.
    pub async fn remove_webhook_endpoint(
        &self,
        account_id: i64,
        id: i64,
    ) -> Result<bool, StoreError> {
        Ok(with_writer!(self, pool => {
            sqlx::query("DELETE FROM webhook_endpoints WHERE account_id = $1 AND id = $2")
                .bind(account_id)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
                == 1
        }))
    }

    /// A test event for the account's endpoint `id`; whether the endpoint is there.
    pub async fn announce_webhook_test(
        &self,
        account_id: i64,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(with_writer!(self, pool => {
            sqlx::query(
                "INSERT INTO notices (topic, account_id, endpoint_id, created_at) \
                 SELECT 'test', account_id, id, $1 FROM webhook_endpoints \
                 WHERE account_id = $2 AND id = $3",
            )
            .bind(now)
            .bind(account_id)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
                == 1
        }))
    }

    /// Where a delivery to endpoint `id` goes, and how it is signed; `None` once removed.
    pub async fn webhook_target(&self, id: i64) -> Result<Option<Target>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT url, secret, disabled_at FROM webhook_endpoints WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Counts an attempt at endpoint `id`: a success forgets its failures; a failure
    /// that makes [`DISABLE_AFTER`] in a row disables it, saying why.
    pub async fn webhook_attempted(
        &self,
        id: i64,
        failure: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            match failure {
                None => {
                    sqlx::query("UPDATE webhook_endpoints SET failed_attempts = 0 WHERE id = $1")
                        .bind(id)
                        .execute(pool)
                        .await?;
                }
                Some(error) => {
                    let reason = format!(
                        "{DISABLE_AFTER} attempts in a row failed; the last: {error}"
                    );
                    sqlx::query(
                        "UPDATE webhook_endpoints SET failed_attempts = failed_attempts + 1, \
                         disabled_at = CASE WHEN disabled_at IS NULL \
                         AND failed_attempts + 1 >= $1 THEN $2 ELSE disabled_at END, \
                         disabled_reason = CASE WHEN disabled_at IS NULL \
                         AND failed_attempts + 1 >= $1 THEN $3 ELSE disabled_reason END \
                         WHERE id = $4",
                    )
                    .bind(DISABLE_AFTER)
                    .bind(now)
                    .bind(reason)
                    .bind(id)
                    .execute(pool)
                    .await?;
                }
            }
        });
        Ok(())
    }
}
