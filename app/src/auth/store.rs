//! The SQL of users, sessions and sign-in failures.

use chrono::{DateTime, TimeDelta, Utc};

use super::{Role, User};
use crate::store::{with_pool, with_writer, Locking, Store, StoreError};

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

/// How stale a session's last use may be before it is noted again.
const SEEN_EVERY: TimeDelta = TimeDelta::minutes(1);

/// What counting a sign-in attempt found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInAttempt {
    /// Recorded under each key, as these rows: forgotten if the password is right.
    Counted(Vec<i64>),
    /// A key has had its fill of attempts; the oldest of them was made at `oldest`.
    Refused { oldest: DateTime<Utc> },
}

/// The longest email address there can be (RFC 5321's path limit, less its brackets).
pub const MAX_EMAIL_BYTES: usize = 254;

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
        if email.len() > MAX_EMAIL_BYTES {
            return Err(StoreError::Conflict(format!(
                "an email address has at most {MAX_EMAIL_BYTES} characters"
            )));
        }
        if (new.role == Role::Customer) != new.account_id.is_some() {
            return Err(StoreError::Conflict(
                "a customer belongs to exactly one account; support and admin to none".into(),
            ));
        }
        with_writer!(self, pool => {
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

    /// Counts a sign-in attempt under each of `keys`, with the attempts each allows
    /// since `since`. When a key has had its fill, nothing is recorded and the answer
    /// says when the oldest of those attempts was made (the key reopens a window after
    /// it). Otherwise the attempt is recorded under every key, before the password is
    /// checked, so that attempts made at once are counted one after the other.
    pub async fn count_sign_in_attempt(
        &self,
        keys: &[(String, usize)],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<SignInAttempt, StoreError> {
        let names: Vec<String> = keys.iter().map(|(key, _)| format!("sign-in:{key}")).collect();
        Ok(with_writer!(self, pool => {
            let mut tx = pool.begin_locked(&names).await?;
            let mut refused = None;
            for (key, limit) in keys {
                let counted: Vec<DateTime<Utc>> = sqlx::query_scalar(
                    "SELECT failed_at FROM sign_in_failures \
                     WHERE key = $1 AND failed_at > $2 ORDER BY failed_at",
                )
                .bind(key)
                .bind(since)
                .fetch_all(&mut *tx)
                .await?;
                if counted.len() >= *limit {
                    refused = Some(counted[counted.len() - limit]);
                    break;
                }
            }
            let attempt = match refused {
                Some(oldest) => SignInAttempt::Refused { oldest },
                None => {
                    let mut ids = Vec::with_capacity(keys.len());
                    for (key, _) in keys {
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO sign_in_failures (key, failed_at) VALUES ($1, $2) \
                             RETURNING id",
                        )
                        .bind(key)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await?;
                        ids.push(id);
                    }
                    SignInAttempt::Counted(ids)
                }
            };
            tx.commit().await?;
            attempt
        }))
    }

    /// After a right password: the attempt (the rows `ids`) counts against no one,
    /// and neither do the earlier failures under `user_key` (this user, from here).
    pub async fn forget_sign_in_failures(
        &self,
        ids: &[i64],
        user_key: &str,
    ) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            for id in ids {
                sqlx::query("DELETE FROM sign_in_failures WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
                .bind(user_key)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Forgets sign-in failures from before `before`: they no longer count.
    pub async fn delete_sign_in_failures_before(
        &self,
        before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Ok(with_writer!(self, pool => {
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
        with_writer!(self, pool => {
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

    /// The user of a session that has not ended by `now`: neither past its expiry nor
    /// unused for `idle`. Its use is noted, at most once a minute (one write a minute
    /// per session, not one a request).
    pub async fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle: TimeDelta,
    ) -> Result<Option<User>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: User,
            last_seen: DateTime<Utc>,
        }
        let row: Option<Row> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT users.id, users.email, users.role, users.account_id, \
                 COALESCE(sessions.last_seen_at, sessions.created_at) AS last_seen \
                 FROM sessions JOIN users ON users.id = sessions.user_id \
                 WHERE sessions.token_hash = $1 AND sessions.expires_at > $2 \
                 AND COALESCE(sessions.last_seen_at, sessions.created_at) > $3",
            )
            .bind(token_hash)
            .bind(now)
            .bind(now - idle)
            .fetch_optional(pool)
            .await?
        });
        if row.as_ref().is_some_and(|row| now - row.last_seen > SEEN_EVERY) {
            with_writer!(self, pool => {
                sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
                    .bind(token_hash)
                    .bind(now)
                    .execute(pool)
                    .await?;
            });
        }
        Ok(row.map(|row| row.user))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Removes sessions that ended before `now`; returns how many.
    pub async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(with_writer!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
