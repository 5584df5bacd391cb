//! The SQL of the outbox: notices, and the deliveries written from them.

use chrono::{DateTime, TimeDelta, Utc};

use super::{
    Attempt, Channel, Delivery, DeliveryRecord, NewDelivery, Notice, NoticeFacts, OutboxState,
};
use crate::{
    store::{with_pool, with_writer, Locking, Store, StoreError},
    support_access::store::{SELECT_EVENTS, SELECT_GRANT_RECORDS, SELECT_REQUEST},
};

const DELIVERY_COLUMNS: &str = "id, message_id, notice_id, account_id, channel, recipient, \
     topic, payload, created_at, attempts";

const RECORD_COLUMNS: &str = "id, message_id, channel, recipient, topic, created_at, attempts, \
     next_attempt_at, delivered_at, failed_at, last_error, last_status";

impl Store {
    /// `FOR UPDATE SKIP LOCKED` where several instances may claim rows at once; SQLite
    /// has one writer, whose transaction claims alone.
    fn skip_locked(&self) -> &'static str {
        match self {
            Store::Sqlite(..) => "",
            Store::Postgres(..) => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Writes the deliveries of up to `limit` notices, oldest first, with what `write`
    /// makes of each one's facts, in one transaction that marks them written: a notice
    /// is written once however many instances run this. Returns how many it wrote.
    pub async fn fan_out(
        &self,
        now: DateTime<Utc>,
        limit: i64,
        write: impl Fn(&NoticeFacts) -> Vec<NewDelivery>,
    ) -> Result<usize, StoreError> {
        let claim = format!(
            "SELECT id, topic, account_id, event_id, grant_id, endpoint_id, created_at \
             FROM notices WHERE fanned_out_at IS NULL ORDER BY id LIMIT $1{}",
            self.skip_locked()
        );
        Ok(with_writer!(self, pool => {
            // A look first, by the index of waiting notices: most rounds find none, and
            // then take no write lock (SQLite's one writer serves ingest meanwhile).
            let waiting: Option<i64> =
                sqlx::query_scalar("SELECT id FROM notices WHERE fanned_out_at IS NULL LIMIT 1")
                    .fetch_optional(pool)
                    .await?;
            if waiting.is_none() {
                return Ok(0);
            }
            let mut tx = pool.begin_locked(&[]).await?;
            let notices: Vec<Notice> =
                sqlx::query_as(&claim).bind(limit).fetch_all(&mut *tx).await?;
            for notice in &notices {
                let account_name: String =
                    sqlx::query_scalar("SELECT name FROM accounts WHERE id = $1")
                        .bind(notice.account_id)
                        .fetch_one(&mut *tx)
                        .await?;
                let customers: Vec<String> = sqlx::query_scalar(
                    "SELECT email FROM users WHERE account_id = $1 AND role = 'customer' \
                     ORDER BY id",
                )
                .bind(notice.account_id)
                .fetch_all(&mut *tx)
                .await?;
                let endpoints: Vec<i64> = match notice.endpoint_id {
                    Some(id) => vec![id],
                    None => sqlx::query_scalar(
                        "SELECT id FROM webhook_endpoints WHERE account_id = $1 \
                         AND disabled_at IS NULL ORDER BY id",
                    )
                    .bind(notice.account_id)
                    .fetch_all(&mut *tx)
                    .await?,
                };
                let event: Option<crate::support_access::AccessEvent> = match notice.event_id {
                    Some(id) => sqlx::query_as(&format!("{SELECT_EVENTS} WHERE e.id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?,
                    None => None,
                };
                let grant = match notice.grant_id {
                    Some(id) => sqlx::query_as(&format!("{SELECT_GRANT_RECORDS} WHERE g.id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?,
                    None => None,
                };
                let request = match event.as_ref().and_then(|e| e.request_id) {
                    Some(id) => sqlx::query_as(&format!("{SELECT_REQUEST} WHERE r.id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?,
                    None => None,
                };
                let facts = NoticeFacts {
                    notice: notice.clone(),
                    account_name,
                    customers,
                    endpoints,
                    event,
                    grant,
                    request,
                };
                for delivery in write(&facts) {
                    sqlx::query(
                        "INSERT INTO deliveries (message_id, notice_id, account_id, channel, \
                         recipient, topic, payload, created_at, next_attempt_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                         ON CONFLICT (message_id) DO NOTHING",
                    )
                    .bind(&delivery.message_id)
                    .bind(notice.id)
                    .bind(notice.account_id)
                    .bind(delivery.channel.as_str())
                    .bind(&delivery.recipient)
                    .bind(&notice.topic)
                    .bind(&delivery.payload)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("UPDATE notices SET fanned_out_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(notice.id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            notices.len()
        }))
    }

    /// Announces, once each, every grant in force that ends within `within` of `now`.
    pub async fn announce_endings(
        &self,
        now: DateTime<Utc>,
        within: TimeDelta,
    ) -> Result<u64, StoreError> {
        Ok(with_writer!(self, pool => {
            sqlx::query(
                "INSERT INTO notices (topic, account_id, grant_id, created_at) \
                 SELECT 'ending', g.account_id, g.id, $1 FROM support_grants g \
                 WHERE g.revoked_at IS NULL AND g.expires_at > $1 AND g.expires_at <= $2 \
                 ON CONFLICT DO NOTHING",
            )
            .bind(now)
            .bind(now + within)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// Claims up to `limit` deliveries due at `now` for an attempt, each until
    /// `leased_until`: no other instance takes them meanwhile, and if this one dies
    /// they are due again then.
    pub async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        leased_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let claim = format!(
            "UPDATE deliveries SET leased_until = $2, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM deliveries WHERE delivered_at IS NULL AND failed_at IS NULL \
             AND next_attempt_at <= $1 AND (leased_until IS NULL OR leased_until <= $1) \
             ORDER BY next_attempt_at, id LIMIT $3{}) RETURNING {DELIVERY_COLUMNS}",
            self.skip_locked()
        );
        Ok(with_writer!(self, pool => {
            // Likewise: no write unless a delivery is due.
            let due: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM deliveries WHERE delivered_at IS NULL AND failed_at IS NULL \
                 AND next_attempt_at <= $1 LIMIT 1",
            )
            .bind(now)
            .fetch_optional(pool)
            .await?;
            if due.is_none() {
                return Ok(Vec::new());
            }
            sqlx::query_as(&claim)
                .bind(now)
                .bind(leased_until)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Records how an attempt at delivery `id` went.
    pub async fn settle_delivery(
        &self,
        id: i64,
        attempt: &Attempt,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            match attempt {
                Attempt::Delivered { status } => {
                    sqlx::query(
                        "UPDATE deliveries SET delivered_at = $1, leased_until = NULL, \
                         last_status = $2, last_error = NULL WHERE id = $3",
                    )
                    .bind(now)
                    .bind(status)
                    .bind(id)
                    .execute(pool)
                    .await?;
                }
                Attempt::Failed { error, status, retry_at } => {
                    sqlx::query(
                        "UPDATE deliveries SET leased_until = NULL, last_error = $1, \
                         last_status = $2, next_attempt_at = COALESCE($3, next_attempt_at), \
                         failed_at = CASE WHEN $3 IS NULL THEN $4 END WHERE id = $5",
                    )
                    .bind(error)
                    .bind(status)
                    .bind(retry_at)
                    .bind(now)
                    .bind(id)
                    .execute(pool)
                    .await?;
                }
            }
        });
        Ok(())
    }

    /// Where the outbox stands, across all accounts.
    pub async fn outbox_state(&self) -> Result<OutboxState, StoreError> {
        Ok(with_pool!(self, pool => {
            let (notices_waiting,): (i64,) =
                sqlx::query_as("SELECT count(*) FROM notices WHERE fanned_out_at IS NULL")
                    .fetch_one(pool)
                    .await?;
            let (pending, delivered, failed): (i64, i64, i64) = sqlx::query_as(
                "SELECT \
                 count(CASE WHEN delivered_at IS NULL AND failed_at IS NULL THEN 1 END), \
                 count(delivered_at), count(failed_at) FROM deliveries",
            )
            .fetch_one(pool)
            .await?;
            OutboxState { notices_waiting, pending, delivered, failed }
        }))
    }

    /// The latest deliveries, newest first: all of them, or only those that failed.
    pub async fn recent_deliveries(
        &self,
        failed_only: bool,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let only =
            if failed_only { "WHERE failed_at IS NOT NULL OR last_error IS NOT NULL" } else { "" };
        let query =
            format!("SELECT {RECORD_COLUMNS} FROM deliveries {only} ORDER BY id DESC LIMIT $1");
        Ok(with_pool!(self, pool => {
            sqlx::query_as(&query).bind(limit).fetch_all(pool).await?
        }))
    }

    /// The latest deliveries of one account on one channel, newest first.
    pub async fn account_deliveries(
        &self,
        account_id: i64,
        channel: Channel,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(&format!(
                "SELECT {RECORD_COLUMNS} FROM deliveries WHERE account_id = $1 AND channel = $2 \
                 ORDER BY id DESC LIMIT $3"
            ))
            .bind(account_id)
            .bind(channel.as_str())
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Deletes up to `batch` notices written before `cutoff` whose deliveries are all
    /// settled, with their deliveries; returns how many went.
    pub async fn purge_notices(
        &self,
        cutoff: DateTime<Utc>,
        batch: i64,
    ) -> Result<u64, StoreError> {
        Ok(with_writer!(self, pool => {
            sqlx::query(
                "DELETE FROM notices WHERE id IN (SELECT n.id FROM notices n \
                 WHERE n.fanned_out_at IS NOT NULL AND n.created_at < $1 AND NOT EXISTS \
                 (SELECT 1 FROM deliveries d WHERE d.notice_id = n.id \
                 AND d.delivered_at IS NULL AND d.failed_at IS NULL) LIMIT $2)",
            )
            .bind(cutoff)
            .bind(batch)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }
}
