//! The SQL of the outbox: notices, and the deliveries written from them.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::QueryBuilder;

use super::{
    Attempt, Channel, Delivery, DeliveryRecord, NewDelivery, Notice, NoticeFacts, OutboxState,
};
use crate::{
    store::{with_pool, with_writer, Locking, Store, StoreError},
    support_access::{
        store::{SELECT_EVENTS, SELECT_GRANT_RECORDS, SELECT_REQUEST},
        AccessEvent, AccessRequest, GrantRecord,
    },
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
            // What the notices are about, a statement per kind for the whole batch (each
            // of a support agent's reads is a notice: statements per notice held the one
            // writer while the agent's next reads waited to be recorded).
            let accounts = ids(notices.iter().map(|n| Some(n.account_id)));
            let names: HashMap<i64, String> =
                in_ids("SELECT id, name FROM accounts WHERE id", &accounts)
                    .build_query_as()
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .collect();
            let mut customers: HashMap<i64, Vec<String>> = HashMap::new();
            let mut query = in_ids(
                "SELECT account_id, email FROM users WHERE role = 'customer' AND account_id",
                &accounts,
            );
            query.push(" ORDER BY id");
            let rows: Vec<(i64, String)> = query.build_query_as().fetch_all(&mut *tx).await?;
            for (account, email) in rows {
                customers.entry(account).or_default().push(email);
            }
            let mut endpoints: HashMap<i64, Vec<i64>> = HashMap::new();
            let mut query = in_ids(
                "SELECT account_id, id FROM webhook_endpoints WHERE disabled_at IS NULL \
                 AND account_id",
                &accounts,
            );
            query.push(" ORDER BY id");
            let rows: Vec<(i64, i64)> = query.build_query_as().fetch_all(&mut *tx).await?;
            for (account, id) in rows {
                endpoints.entry(account).or_default().push(id);
            }
            let wanted = ids(notices.iter().map(|n| n.event_id));
            let events: Vec<AccessEvent> = in_ids(&format!("{SELECT_EVENTS} WHERE e.id"), &wanted)
                .build_query_as()
                .fetch_all(&mut *tx)
                .await?;
            let events: HashMap<i64, AccessEvent> =
                events.into_iter().map(|event| (event.id, event)).collect();
            let wanted = ids(notices.iter().map(|n| n.grant_id));
            let grants: Vec<GrantRecord> =
                in_ids(&format!("{SELECT_GRANT_RECORDS} WHERE g.id"), &wanted)
                    .build_query_as()
                    .fetch_all(&mut *tx)
                    .await?;
            let grants: HashMap<i64, GrantRecord> =
                grants.into_iter().map(|record| (record.grant.id, record)).collect();
            let wanted = ids(events.values().map(|e| e.request_id));
            let requests: Vec<AccessRequest> =
                in_ids(&format!("{SELECT_REQUEST} WHERE r.id"), &wanted)
                    .build_query_as()
                    .fetch_all(&mut *tx)
                    .await?;
            let requests: HashMap<i64, AccessRequest> =
                requests.into_iter().map(|request| (request.id, request)).collect();
            for notice in &notices {
                let account = notice.account_id;
                let event = notice.event_id.and_then(|id| events.get(&id)).cloned();
                let request = event.as_ref().and_then(|e| e.request_id);
                let facts = NoticeFacts {
                    notice: notice.clone(),
                    account_name: names.get(&account).cloned().ok_or(sqlx::Error::RowNotFound)?,
                    customers: customers.get(&account).cloned().unwrap_or_default(),
                    endpoints: match notice.endpoint_id {
                        Some(id) => vec![id],
                        None => endpoints.get(&account).cloned().unwrap_or_default(),
                    },
                    event,
                    grant: notice.grant_id.and_then(|id| grants.get(&id)).cloned(),
                    request: request.and_then(|id| requests.get(&id)).cloned(),
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
            }
            let written = ids(notices.iter().map(|n| Some(n.id)));
            let mut query = QueryBuilder::new("UPDATE notices SET fanned_out_at = ");
            query.push_bind(now).push(" WHERE id");
            push_in(&mut query, &written);
            query.build().execute(&mut *tx).await?;
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

/// The distinct ids among `ids`.
fn ids(ids: impl Iterator<Item = Option<i64>>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.flatten().collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// `head IN (ids…)`, `head` ending in the column.
fn in_ids<'q, DB>(head: &str, ids: &[i64]) -> QueryBuilder<'q, DB>
where
    DB: sqlx::Database,
    i64: 'q + sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut query = QueryBuilder::new(head);
    push_in(&mut query, ids);
    query
}

/// ` IN (ids…)`; an empty list (which SQL does not allow) matches nothing.
fn push_in<'q, DB>(query: &mut QueryBuilder<'q, DB>, ids: &[i64])
where
    DB: sqlx::Database,
    i64: 'q + sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    if ids.is_empty() {
        query.push(" IN (NULL)");
        return;
    }
    query.push(" IN (");
    let mut list = query.separated(", ");
    for &id in ids {
        list.push_bind(id);
    }
    list.push_unseparated(")");
}
