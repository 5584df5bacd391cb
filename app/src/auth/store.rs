//! The SQL of users, sessions and sign-in failures.

use chrono::{DateTime, Utc};

use super::{Role, User};
use crate::store::{with_pool, Store, StoreError};

pub struct NewUser<'a> {
    pub email: &'a str,
    /// An argon2 PHC string, never the password itself.
    pub password_hash: &'a str,
    pub role: Role,
    /// Required for customers, absent for staff.
    pub account_id: Option<i64>,
}

/// A user with their password hash, for checking a sign-in. Deliberately not
/// `Serialize`: it never leaves the server.
#[derive(sqlx::FromRow)]
pub struct Credentials {
    #[sqlx(flatten)]
    pub user: User,
    pub password_hash: String,
}

/// Emails are compared and stored lower-case, without surrounding space.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Store {
    pub async fn create_user(
        &self,
        new: NewUser<'_>,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let email = normalize_email(new.email);
        if (new.role == Role::Customer) != new.account_id.is_some() {
            return Err(StoreError::Conflict(
                "a customer belongs to exactly one account; support and admin to none".into(),
            ));
        }
        with_pool!(self, pool => {
            sqlx::query_as(
                "INSERT INTO users (email, password_hash, role, account_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id, email, role, account_id",
            )
            .bind(&email)
            .bind(new.password_hash)
            .bind(new.role.as_str())
            .bind(new.account_id)
            .bind(now)
            .fetch_one(pool)
            .await
        })
        .map_err(|e| StoreError::conflict_or(e, || format!("a user with email {email} exists")))
    }

    pub async fn credentials_by_email(
        &self,
        email: &str,
    ) -> Result<Option<Credentials>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, email, role, account_id, password_hash FROM users WHERE email = $1",
            )
            .bind(normalize_email(email))
            .fetch_optional(pool)
            .await?
        }))
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT id, email, role, account_id FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Every user's email, in order.
    pub async fn user_emails(&self) -> Result<Vec<String>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar("SELECT email FROM users ORDER BY email")
                .fetch_all(pool)
                .await?
        }))
    }

    /// Records a failed sign-in under each of `keys` (the email, the client address).
    pub async fn record_sign_in_failure(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for key in keys {
                sqlx::query("INSERT INTO sign_in_failures (key, failed_at) VALUES ($1, $2)")
                    .bind(key)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The failures recorded under `key` since `since`, oldest first.
    pub async fn sign_in_failures_since(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT failed_at FROM sign_in_failures \
                 WHERE key = $1 AND failed_at > $2 ORDER BY failed_at",
            )
            .bind(key)
            .bind(since)
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn clear_sign_in_failures(&self, key: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
                .bind(key)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Forgets sign-in failures from before `before`: they no longer count.
    pub async fn delete_sign_in_failures_before(
        &self,
        before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query("DELETE FROM sign_in_failures WHERE failed_at <= $1")
                .bind(before)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    /// Stores a session under the hash of its token (the token itself is only in the
    /// user's cookie).
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The user of a session that has not ended by `now`.
    pub async fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT users.id, users.email, users.role, users.account_id \
                 FROM sessions JOIN users ON users.id = sessions.user_id \
                 WHERE sessions.token_hash = $1 AND sessions.expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Removes sessions that ended before `now`; returns how many.
    pub async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
