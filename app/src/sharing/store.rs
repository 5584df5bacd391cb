//! The SQL of share links.

use chrono::{DateTime, TimeDelta, Utc};

use super::{ShareLink, OPENINGS_SHOWN};
use crate::{
    store::{with_pool, with_writer, Locking, Store, StoreError},
    support_access::{
        store::{insert_event, SELECT_EVENTS},
        AccessAction, AccessDetail, AccessEvent, NewAccessEvent,
    },
};

const LINK_COLUMNS: &str = "id, account_id, log_entry_id, request_id, method, endpoint, \
     created_by, created_at, expires_at, revoked_at";

/// A link about to be made, for a call of `account_id`.
pub struct NewShareLink {
    pub account_id: i64,
    pub log_entry_id: i64,
    /// The SHA-256 of its token, in hex.
    pub token_hash: String,
    pub created_by: i64,
    pub expires_at: DateTime<Utc>,
}

/// Who opened a link: what the request said of itself.
#[derive(Clone, Debug, Default)]
pub struct Opening {
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

/// The access event of `action` on `link`, by `actor` (`None`: someone holding it).
fn link_event(link: &ShareLink, action: AccessAction, actor: Option<i64>) -> NewAccessEvent {
    NewAccessEvent {
        actor_id: actor,
        account_id: link.account_id,
        action,
        log_entry_id: Some(link.log_entry_id),
        grant_id: None,
        request_id: None,
        share_link_id: Some(link.id),
        detail: AccessDetail {
            request_id: Some(link.request_id.clone()),
            endpoint: Some(link.endpoint.clone()),
            ..AccessDetail::default()
        },
    }
}

impl Store {
    /// Makes a link to the account's call `new.log_entry_id`, with its event, in one
    /// transaction; `None` when the account has no such call.
    pub async fn create_share_link(
        &self,
        new: &NewShareLink,
        now: DateTime<Utc>,
    ) -> Result<Option<ShareLink>, StoreError> {
        Ok(with_writer!(self, pool => {
            let mut tx = pool.begin_locked(&[format!("account:{}", new.account_id)]).await?;
            let call: Option<(String, String, String)> = sqlx::query_as(
                "SELECT request_id, method, endpoint FROM log_entries \
                 WHERE account_id = $1 AND id = $2",
            )
            .bind(new.account_id)
            .bind(new.log_entry_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((request_id, method, endpoint)) = call else {
                tx.rollback().await?;
                return Ok(None);
            };
            let link: ShareLink = sqlx::query_as(&format!(
                "INSERT INTO share_links (account_id, log_entry_id, request_id, method, \
                 endpoint, token_hash, created_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {LINK_COLUMNS}"
            ))
            .bind(new.account_id)
            .bind(new.log_entry_id)
            .bind(request_id)
            .bind(method)
            .bind(endpoint)
            .bind(&new.token_hash)
            .bind(new.created_by)
            .bind(now)
            .bind(new.expires_at)
            .fetch_one(&mut *tx)
            .await?;
            let event = link_event(&link, AccessAction::Share, Some(new.created_by));
            insert_event(&event, now).execute(&mut *tx).await?;
            tx.commit().await?;
            Some(link)
        }))
    }

    /// Ends the account's link `id` now, with its event, if it is still in force;
    /// whether it did.
    pub async fn revoke_share_link(
        &self,
        account_id: i64,
        id: i64,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(with_writer!(self, pool => {
            let mut tx = pool.begin_locked(&[format!("account:{account_id}")]).await?;
            let link: Option<ShareLink> = sqlx::query_as(&format!(
                "UPDATE share_links SET revoked_at = $1, revoked_by = $2 \
                 WHERE id = $3 AND account_id = $4 AND revoked_at IS NULL AND expires_at > $1 \
                 RETURNING {LINK_COLUMNS}"
            ))
            .bind(now)
            .bind(by)
            .bind(id)
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(link) = &link {
                insert_event(&link_event(link, AccessAction::Unshare, Some(by)), now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            link.is_some()
        }))
    }

    /// The link whose token hashes to `token_hash`, with its account's name, in force
    /// or not.
    pub async fn share_link_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ShareLink, String)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            link: ShareLink,
            account_name: String,
        }
        let row: Option<Row> = with_pool!(self, pool => {
            sqlx::query_as(&format!(
                "SELECT {LINK_COLUMNS}, (SELECT name FROM accounts a WHERE a.id = account_id) \
                 AS account_name FROM share_links WHERE token_hash = $1"
            ))
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|row| (row.link, row.account_name)))
    }

    /// Records that someone holding `link` opened it, unless it was opened `limit`
    /// times in the hour before `now` already: whether it was recorded. Openings of
    /// one link are counted and recorded one after another (the link's lock).
    pub async fn record_opening(
        &self,
        link: &ShareLink,
        opening: &Opening,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<bool, StoreError> {
        let mut event = link_event(link, AccessAction::OpenShare, None);
        event.detail.address = opening.address.clone();
        event.detail.user_agent = opening.user_agent.clone();
        Ok(with_writer!(self, pool => {
            let mut tx = pool.begin_locked(&[format!("share-link:{}", link.id)]).await?;
            // At most `limit` read, by the index of a link's events.
            let recent: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM (SELECT 1 FROM access_events WHERE share_link_id = $1 \
                 AND action = $2 AND occurred_at > $3 LIMIT $4) recent",
            )
            .bind(link.id)
            .bind(AccessAction::OpenShare.as_str())
            .bind(now - TimeDelta::hours(1))
            .bind(limit)
            .fetch_one(&mut *tx)
            .await?;
            let allowed = recent < limit;
            if allowed {
                insert_event(&event, now).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            allowed
        }))
    }

    /// The account's latest `limit` links, newest first, each with how often it was
    /// opened and its latest openings, newest first.
    pub async fn share_links(
        &self,
        account_id: i64,
        limit: i64,
    ) -> Result<Vec<(ShareLink, i64, Vec<AccessEvent>)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            link: ShareLink,
            openings: i64,
        }
        let opened = AccessAction::OpenShare.as_str();
        let (rows, mut events): (Vec<Row>, Vec<AccessEvent>) = with_pool!(self, pool => {
            let rows: Vec<Row> = sqlx::query_as(&format!(
                "SELECT {LINK_COLUMNS}, (SELECT count(*) FROM access_events e \
                 WHERE e.share_link_id = l.id AND e.action = $2) AS openings \
                 FROM share_links l WHERE account_id = $1 ORDER BY id DESC LIMIT $3"
            ))
            .bind(account_id)
            .bind(opened)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            // Each link's latest openings, by the index of a link's events.
            let mut events = Vec::new();
            for row in &rows {
                let latest: Vec<AccessEvent> = sqlx::query_as(&format!(
                    "{SELECT_EVENTS} WHERE e.share_link_id = $1 AND e.action = $2 \
                     ORDER BY e.occurred_at DESC, e.id DESC LIMIT $3"
                ))
                .bind(row.link.id)
                .bind(opened)
                .bind(OPENINGS_SHOWN as i64)
                .fetch_all(pool)
                .await?;
                events.extend(latest);
            }
            (rows, events)
        });
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = row.link.id;
                let mine = events.extract_if(.., |e| e.share_link_id == Some(id)).collect();
                (row.link, row.openings, mine)
            })
            .collect())
    }
}
