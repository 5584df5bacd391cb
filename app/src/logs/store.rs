//! The SQL of the logs: storing calls, pages of them, body search, the export's
//! stream, usage per day, and retention.

use std::{collections::BTreeSet, time::Duration};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{
    postgres::PgRow, query_builder::Separated, sqlite::SqliteRow, Database, Encode, FromRow,
    PgPool, Postgres, QueryBuilder, Type,
};
use tokio::sync::Semaphore;

use super::rollups::{apply, count, Tallies};
use super::weeks::missing_week;
use super::{
    Call, Cursor, Field, LogEntry, LogFilter, LogPage, LogRow, Page, PageFrom, StatusClass,
};
use crate::{
    store::{like_pattern, trigrams, with_pool, with_writer, Locking, Store, StoreError},
    support_access::{ChosenCall, Scope},
};

/// A call about to be stored, as a call of `account_id`.
#[derive(Clone, Debug, PartialEq)]
pub struct NewLogEntry {
    pub account_id: i64,
    /// The API key the call was made with, if it is known.
    pub api_key_id: Option<i64>,
    pub call: Call,
}

impl NewLogEntry {
    /// A call of `account_id` made with no key the app knows.
    pub fn new(account_id: i64, call: Call) -> Self {
        NewLogEntry { account_id, api_key_id: None, call }
    }
}

/// The columns a new entry fills: its place, then the call's fields.
fn insert_columns() -> String {
    ["account_id", "api_key_id"].iter().chain(&Call::NAMES).copied().collect::<Vec<_>>().join(", ")
}

/// Binds one field of a call, as its column's type.
fn push_field<'a, DB>(row: &mut Separated<'_, 'a, DB, &'static str>, field: Field<'a>)
where
    DB: Database,
    DateTime<Utc>: Encode<'a, DB> + Type<DB>,
    &'a str: Encode<'a, DB> + Type<DB>,
    Option<&'a str>: Encode<'a, DB> + Type<DB>,
    i32: Encode<'a, DB> + Type<DB>,
    Option<i64>: Encode<'a, DB> + Type<DB>,
{
    match field {
        Field::Time(at) => row.push_bind(at),
        Field::Text(text) => row.push_bind(text),
        Field::OptionalText(text) => row.push_bind(text),
        Field::Int(n) => row.push_bind(n),
        Field::OptionalBigInt(n) => row.push_bind(n),
    };
}

/// Rows per INSERT: each binds a parameter a column, and 9,000 parameters stay well
/// under both back-ends' limits (32,766 on SQLite, 65,535 on PostgreSQL).
const INSERT_CHUNK: usize = 9_000 / (2 + Call::NAMES.len());

impl Store {
    /// Writes `entries` in one transaction: all of them or none. On PostgreSQL, a call
    /// of a week without its table yet (the jobs make them ahead) has it made first.
    pub async fn insert_log_entries(&self, entries: &[NewLogEntry]) -> Result<(), StoreError> {
        match self.write_log_entries(entries).await {
            Err(error) if missing_week(&error) => {
                let days: BTreeSet<NaiveDate> =
                    entries.iter().map(|entry| entry.call.occurred_at.date_naive()).collect();
                self.make_call_weeks(days).await?;
                self.write_log_entries(entries).await
            }
            written => written,
        }
    }

    /// Writes of calls take SQLite's write lock up front (`begin_locked`): the search
    /// index's triggers read it before they write, and a transaction that has read
    /// cannot wait for another writer, only fail.
    async fn write_log_entries(&self, entries: &[NewLogEntry]) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_locked(&[]).await?;
            let mut tallies = Tallies::new();
            for NewLogEntry { account_id, call, .. } in entries {
                count(&mut tallies, 1, (*account_id, call.occurred_at, call.status, call.credits));
            }
            for chunk in entries.chunks(INSERT_CHUNK) {
                let mut insert =
                    QueryBuilder::new(format!("INSERT INTO log_entries ({}) ", insert_columns()));
                insert.push_values(chunk, |mut row, entry| {
                    row.push_bind(entry.account_id).push_bind(entry.api_key_id);
                    for (_, field) in entry.call.fields() {
                        push_field(&mut row, field);
                    }
                });
                insert.build().execute(&mut *tx).await?;
            }
            for ((account, day), tally) in tallies {
                apply(account, day, tally).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Deletes up to `batch` of the account's calls from before `cutoff`; returns how
    /// many went. Small batches keep each transaction, and the locks it holds, short.
    pub async fn purge_log_entries(
        &self,
        account_id: i64,
        cutoff: DateTime<Utc>,
        batch: i64,
    ) -> Result<u64, StoreError> {
        Ok(with_writer!(self, pool => {
            let mut tx = pool.begin_locked(&[]).await?;
            let deleted: Vec<(DateTime<Utc>, i32, i32)> = sqlx::query_as(
                "DELETE FROM log_entries WHERE id IN (SELECT id FROM log_entries \
                 WHERE account_id = $1 AND occurred_at < $2 LIMIT $3) \
                 RETURNING occurred_at, status, credits",
            )
            .bind(account_id)
            .bind(cutoff)
            .bind(batch)
            .fetch_all(&mut *tx)
            .await?;
            let mut tallies = Tallies::new();
            for (at, status, credits) in &deleted {
                count(&mut tallies, -1, (account_id, *at, *status, *credits));
            }
            for ((account, day), tally) in tallies {
                apply(account, day, tally).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM usage_days WHERE account_id = $1 AND calls = 0")
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            deleted.len() as u64
        }))
    }
}

/// How much of an account one body search page may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchBounds {
    /// Calls a scan looks through for one page, when the index cannot answer.
    pub window: i64,
    /// Matches the index may return for one page. A term matching more is common:
    /// the scan fills a page quickly then, while sorting every match would not.
    pub matches: i64,
}

impl SearchBounds {
    pub const DEFAULT: SearchBounds = SearchBounds { window: 50_000, matches: 5_000 };
}

/// Whether the search indexes can answer for `term`: both index the trigrams of runs
/// of letters and digits (ASCII ones, whatever pg_trgm's locale), so the term needs a
/// run of three.
pub fn indexable(term: &str) -> bool {
    let mut run = 0;
    term.chars().any(|c| {
        run = if c.is_ascii_alphanumeric() { run + 1 } else { 0 };
        run == 3
    })
}

/// Both indexes look up every trigram of a term and read each one's list of calls, so a
/// term with common words in it (`results.example.com/98967f`) reads most of the index:
/// on PostgreSQL 72 ms at 10,000,000 calls, against 25 ms asked for `98967f`; on SQLite
/// 40 ms at 1,000,000, against 1.9 ms. What makes such a term rare is most often a run
/// with a digit in it (an id, an amount, a date): the index is asked for that run alone
/// when it is in at most [`PIECE_CANDIDATES`] calls, and the whole term is checked on
/// those.
/// The longest run with a digit, when the term has other runs too; `None` otherwise.
fn rare_piece(term: &str) -> Option<&str> {
    let runs: Vec<&str> =
        term.split(|c: char| !c.is_ascii_alphanumeric()).filter(|run| run.len() >= 3).collect();
    let piece = runs
        .iter()
        .filter(|run| run.bytes().any(|b| b.is_ascii_digit()))
        .max_by_key(|run| run.len())?;
    (term.trim().len() > piece.len()).then_some(*piece)
}

/// Calls a term's rare piece may be in for the index to be asked for it alone.
const PIECE_CANDIDATES: i64 = 20_000;

/// Both bodies as the one text pg_trgm's index holds (the body search's migration).
const BODIES: &str = "(COALESCE(e.request_body, '') || E'\\n' || COALESCE(e.response_body, ''))";

/// The exact body condition, written so that no index can answer it: it only checks
/// the calls the index found (for the text across both bodies, or for a piece).
fn push_exact(query: &mut QueryBuilder<'_, Postgres>, text: &str) {
    let pattern = like_pattern(text);
    query.push("(COALESCE(e.request_body, '') ILIKE ").push_bind(pattern.clone());
    query.push(" ESCAPE '\\' OR COALESCE(e.response_body, '') ILIKE ").push_bind(pattern);
    query.push(" ESCAPE '\\')");
}

/// The condition the trigram index answers: `text` somewhere in the bodies.
fn push_indexed(query: &mut QueryBuilder<'_, Postgres>, text: &str) {
    query.push(format!(" AND {BODIES} ILIKE ")).push_bind(like_pattern(text));
    query.push(" ESCAPE '\\'");
}

/// [`Store::indexed_matches`] on PostgreSQL: through a bitmap of the trigram index (the
/// planner, guessing how rare the term is, might otherwise walk the account's calls in
/// time order), for the term's rare piece when it has one in few enough calls, else
/// for the whole term.
async fn postgres_matches(
    pool: &PgPool,
    account_id: i64,
    scope: &Scope,
    filter: &LogFilter,
    term: &str,
    from: PageFrom,
    cap: i64,
) -> Result<Vec<(DateTime<Utc>, i64)>, StoreError> {
    let unsearched = LogFilter { search: None, ..filter.clone() };
    let mut tx = pool.begin().await?;
    for setting in ["enable_indexscan", "enable_seqscan"] {
        sqlx::query(&format!("SET LOCAL {setting} = off")).execute(&mut *tx).await?;
    }
    let mut found = None;
    if let Some(piece) = rare_piece(term) {
        // One bitmap: how many calls hold the piece (up to the bound), and which of
        // them hold the term.
        let mut query = QueryBuilder::new(
            "SELECT count(*), COALESCE(array_agg(occurred_at) FILTER (WHERE hit), '{}'), \
             COALESCE(array_agg(id) FILTER (WHERE hit), '{}') FROM (SELECT e.occurred_at, e.id, ",
        );
        push_exact(&mut query, term);
        query.push(" AS hit FROM log_entries e");
        push_conditions(&mut query, account_id, scope, &unsearched, " ILIKE ");
        push_indexed(&mut query, piece);
        push_keyset(&mut query, from);
        query.push(format!(" LIMIT {}) c", PIECE_CANDIDATES + 1));
        let (holding, at, id): (i64, Vec<DateTime<Utc>>, Vec<i64>) =
            query.build_query_as().fetch_one(&mut *tx).await?;
        if holding <= PIECE_CANDIDATES {
            found = Some(at.into_iter().zip(id).collect());
        }
    }
    let found = match found {
        Some(found) => found,
        None => {
            let mut query = QueryBuilder::new("SELECT e.occurred_at, e.id FROM log_entries e");
            push_conditions(&mut query, account_id, scope, &unsearched, " ILIKE ");
            push_indexed(&mut query, term);
            query.push(" AND ");
            push_exact(&mut query, term);
            push_keyset(&mut query, from);
            query.push(format!(" LIMIT {}", cap + 1));
            query.build_query_as().fetch_all(&mut *tx).await?
        }
    };
    tx.commit().await?;
    Ok(found)
}

/// Body searches that run at once in this process. Each may keep a core busy for up to
/// the statement budget, so only a few run and the rest wait their turn, holding no
/// connection: the pool and the other core stay free for everyone else.
static SEARCHES: Semaphore = Semaphore::const_new(2);
/// How long a search waits for its turn before it gives up.
const SEARCH_QUEUE: Duration = Duration::from_secs(10);

/// What a page can be made of: the table's rows, or whole entries.
pub trait PageRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
    /// Its columns, of `log_entries e` and, through [`PageRow::JOIN`], more.
    const COLUMNS: &'static str;
    const JOIN: &'static str;
    fn cursor(&self) -> Cursor;
}

impl PageRow for LogRow {
    const COLUMNS: &'static str =
        "e.id, e.occurred_at, e.method, e.endpoint, e.status, e.duration_ms, e.credits, \
         e.request_id";
    const JOIN: &'static str = "";

    fn cursor(&self) -> Cursor {
        LogRow::cursor(self)
    }
}

impl PageRow for LogEntry {
    const COLUMNS: &'static str = ENTRY_COLUMNS;
    const JOIN: &'static str = ENTRY_JOIN;

    fn cursor(&self) -> Cursor {
        Cursor { at: self.call.occurred_at, id: self.id }
    }
}

/// Everything about a call, as [`LogEntry`] holds it; `e` is `log_entries`, `k` the
/// API key joined to it by [`ENTRY_JOIN`].
const ENTRY_COLUMNS: &str = "e.*, k.prefix AS api_key_prefix";
const ENTRY_JOIN: &str = " LEFT JOIN api_keys k ON k.id = e.api_key_id";

/// Appends the conditions of an account's calls in `scope` that match `filter`, to a
/// query whose `FROM` names `log_entries` as `e`.
pub(super) fn push_conditions<'a, DB>(
    query: &mut QueryBuilder<'a, DB>,
    account_id: i64,
    scope: &Scope,
    filter: &LogFilter,
    like: &str,
) where
    DB: Database,
    i32: Encode<'a, DB> + Type<DB>,
    i64: Encode<'a, DB> + Type<DB>,
    String: Encode<'a, DB> + Type<DB>,
    DateTime<Utc>: Encode<'a, DB> + Type<DB>,
{
    query.push(" WHERE e.account_id = ").push_bind(account_id);
    push_scope(query, scope);
    if let Some(class) = filter.status {
        push_status(query, class);
    }
    if let Some(method) = &filter.method {
        query.push(" AND e.method = ").push_bind(method.clone());
    }
    if let Some(endpoint) = &filter.endpoint {
        query.push(" AND e.endpoint = ").push_bind(endpoint.clone());
    }
    if let Some(request_id) = &filter.request_id {
        query.push(" AND e.request_id = ").push_bind(request_id.clone());
    }
    if let Some(since) = filter.since {
        query.push(" AND e.occurred_at >= ").push_bind(since);
    }
    if let Some(until) = filter.until {
        query.push(" AND e.occurred_at < ").push_bind(until);
    }
    if let Some(text) = &filter.search {
        push_search(query, text, like);
    }
}

/// The calls of a class of status codes. The range is written in, not bound: the index
/// of errors (its migration) answers only a query whose condition the planner sees.
fn push_status<DB: Database>(query: &mut QueryBuilder<'_, DB>, class: StatusClass) {
    let (lowest, highest) = class.range();
    query.push(format!(" AND e.status BETWEEN {lowest} AND {highest}"));
}

/// The conditions of the calls a grant's scope covers (none for every call).
fn push_scope<'a, DB>(query: &mut QueryBuilder<'a, DB>, scope: &Scope)
where
    DB: Database,
    i32: Encode<'a, DB> + Type<DB>,
    i64: Encode<'a, DB> + Type<DB>,
    String: Encode<'a, DB> + Type<DB>,
    DateTime<Utc>: Encode<'a, DB> + Type<DB>,
{
    if let Some(since) = scope.since {
        query.push(" AND e.occurred_at >= ").push_bind(since);
    }
    if let Some(until) = scope.until {
        query.push(" AND e.occurred_at < ").push_bind(until);
    }
    if scope.errors_only {
        push_status(query, StatusClass::Errors);
    }
    if !scope.endpoints.is_empty() {
        query.push(" AND e.endpoint IN (");
        let mut endpoints = query.separated(", ");
        for endpoint in &scope.endpoints {
            endpoints.push_bind(endpoint.clone());
        }
        query.push(")");
    }
    if !scope.calls.is_empty() {
        // The calls' times and ids, as two lists: the account's index finds each time,
        // in its week's table on PostgreSQL, however many calls the account has; a row
        // with a chosen id is that chosen call, so the pairs need not be spelled out (100
        // pairs in `OR`s cost PostgreSQL 30 ms to plan).
        query.push(" AND e.occurred_at IN (");
        let mut times = query.separated(", ");
        for call in &scope.calls {
            times.push_bind(call.at);
        }
        query.push(") AND e.id IN (");
        let mut ids = query.separated(", ");
        for call in &scope.calls {
            ids.push_bind(call.id);
        }
        query.push(")");
    }
}

/// Text anywhere in the request or response body, `%` and `_` literal.
fn push_search<'a, DB>(query: &mut QueryBuilder<'a, DB>, text: &str, like: &str)
where
    DB: Database,
    String: Encode<'a, DB> + Type<DB>,
{
    let pattern = like_pattern(text);
    query.push(" AND (e.request_body").push(like).push_bind(pattern.clone());
    query.push(" ESCAPE '\\' OR e.response_body").push(like).push_bind(pattern);
    query.push(" ESCAPE '\\')");
}

/// Appends the keyset condition of a page and its order.
fn push_keyset<'a, DB>(query: &mut QueryBuilder<'a, DB>, from: PageFrom) -> &'static str
where
    DB: Database,
    i64: Encode<'a, DB> + Type<DB>,
    DateTime<Utc>: Encode<'a, DB> + Type<DB>,
{
    let (cursor, comparison, order) = match from {
        PageFrom::Newest => return "DESC",
        PageFrom::Older(cursor) => (cursor, "<", "DESC"),
        PageFrom::Newer(cursor) => (cursor, ">", "ASC"),
    };
    query.push(format!(" AND (e.occurred_at, e.id) {comparison} ("));
    query.push_bind(cursor.at).push(", ").push_bind(cursor.id).push(")");
    order
}

/// A page of `rows` read from `from` (newest first, or oldest first going newer), with
/// the cursors on: `more` when rows past them remain, `searched_to` where a search's
/// window ended.
fn page_of<R: PageRow>(
    mut rows: Vec<R>,
    more: bool,
    searched_to: Option<Cursor>,
    from: PageFrom,
) -> Page<R> {
    if matches!(from, PageFrom::Newer(_)) {
        rows.reverse();
    }
    let (first, last) = (rows.first().map(R::cursor), rows.last().map(R::cursor));
    // An empty page still leads back the way it came.
    let (newer, older) = match from {
        PageFrom::Newest => (None, last.filter(|_| more).or(searched_to)),
        PageFrom::Older(start) => (first.or(Some(start)), last.filter(|_| more).or(searched_to)),
        PageFrom::Newer(start) => (first.filter(|_| more).or(searched_to), last.or(Some(start))),
    };
    Page { rows, newer, older, searched_to: searched_to.map(|cursor| cursor.at) }
}

impl Store {
    /// One page of an account's calls in `scope` that match `filter`, newest first, by keyset on
    /// (time, id): stable however many calls share a timestamp, and as fast deep in the
    /// list as at its top.
    ///
    /// A body search asks the search index for every match past `from` when its term
    /// has three letters or digits in a row and matches at most
    /// [`SearchBounds::matches`] calls: the page is then exact however large the
    /// account. Otherwise it looks through at most [`SearchBounds::window`] calls from
    /// `from`, so that every page answers in bounded time; when the window ends before
    /// the page is full, the page says where (`searched_to`), and its cursor goes on
    /// from there.
    pub async fn log_page(
        &self,
        account_id: i64,
        scope: &Scope,
        filter: &LogFilter,
        from: PageFrom,
        size: usize,
    ) -> Result<LogPage, StoreError> {
        self.page_searching(account_id, scope, filter, from, size, SearchBounds::DEFAULT).await
    }

    /// [`Store::log_page`] of whole entries: what an export reads, page by page, so that
    /// no connection waits on the client that downloads it.
    pub async fn entry_page(
        &self,
        account_id: i64,
        scope: &Scope,
        filter: &LogFilter,
        from: PageFrom,
        size: usize,
    ) -> Result<Page<LogEntry>, StoreError> {
        self.page_searching(account_id, scope, filter, from, size, SearchBounds::DEFAULT).await
    }

    /// A page whose body search, if any, keeps within `bounds`.
    pub async fn page_searching<R: PageRow>(
        &self,
        account_id: i64,
        scope: &Scope,
        filter: &LogFilter,
        from: PageFrom,
        size: usize,
        bounds: SearchBounds,
    ) -> Result<Page<R>, StoreError> {
        let _turn = match filter.search {
            None => None,
            Some(_) => match tokio::time::timeout(SEARCH_QUEUE, SEARCHES.acquire()).await {
                Ok(Ok(permit)) => Some(permit),
                _ => return Err(StoreError::TooSlow),
            },
        };
        if let Some(term) = filter.search.as_deref().filter(|term| indexable(term)) {
            if let Some(mut matches) =
                self.indexed_matches(account_id, scope, filter, term, from, bounds.matches).await?
            {
                // Every match past `from` is known, oldest first: the page is the first
                // `size` of them in the page's order.
                if !matches!(from, PageFrom::Newer(_)) {
                    matches.reverse();
                }
                let more = matches.len() > size;
                matches.truncate(size);
                let rows = self.rows_by_id(account_id, &matches, from).await?;
                return Ok(page_of(rows, more, None, from));
            }
        }
        let limit = size as i64 + 1; // one more than shown: is there another page?
        let unsearched = LogFilter { search: None, ..filter.clone() };
        let window = bounds.window;
        let mut rows: Vec<R> = with_pool!(self, pool => {
            let mut query = QueryBuilder::new(format!("SELECT {} FROM ", R::COLUMNS));
            let order = match &filter.search {
                None => {
                    query.push("log_entries e").push(R::JOIN);
                    push_conditions(&mut query, account_id, scope, filter, self.like());
                    push_keyset(&mut query, from)
                }
                Some(text) => {
                    query.push("(SELECT e.* FROM log_entries e");
                    push_conditions(&mut query, account_id, scope, &unsearched, self.like());
                    let order = push_keyset(&mut query, from);
                    query.push(format!(
                        " ORDER BY e.occurred_at {order}, e.id {order} LIMIT {window}) e"
                    ));
                    query.push(R::JOIN).push(" WHERE TRUE");
                    push_search(&mut query, text, self.like());
                    order
                }
            };
            // The limit written in, not bound: PostgreSQL plans a statement once for
            // any parameters only when it knows the limit is small; otherwise it plans
            // every run afresh, over every partition (0.58 ms a first page at
            // 2,000,000 calls against 0.19).
            query.push(format!(" ORDER BY e.occurred_at {order}, e.id {order} LIMIT {limit}"));
            query.build_query_as().fetch_all(pool).await?
        });
        let more = rows.len() > size;
        rows.truncate(size);
        // A search that did not fill its page goes on after its window, if the window
        // was full.
        let searched_to = if filter.search.is_some() && !more {
            self.window_end(account_id, scope, &unsearched, from, window).await?
        } else {
            None
        };
        Ok(page_of(rows, more, searched_to, from))
    }

    /// Where every call past `from` that matches `filter` (whose search is `term`) is,
    /// found through the search index, oldest first; `None` when more than `cap` match.
    /// The database returns them unordered (no sort may run over a common term's
    /// millions) and they are sorted here, at most `cap` of them.
    async fn indexed_matches(
        &self,
        account_id: i64,
        scope: &Scope,
        filter: &LogFilter,
        term: &str,
        from: PageFrom,
        cap: i64,
    ) -> Result<Option<Vec<Cursor>>, StoreError> {
        let mut found: Vec<(DateTime<Utc>, i64)> = match self {
            Store::Sqlite(pool, ..) => {
                // The calls with every trigram of the term, or of its rare piece when
                // few enough calls hold that (of any account: the index is one for
                // all); the exact condition on the calls (`push_conditions`) keeps
                // the account's that hold the term itself.
                let mut asked = None;
                if let Some(piece) = rare_piece(term) {
                    let piece = trigrams::all_of(piece);
                    let (holding,): (i64,) = sqlx::query_as(
                        "SELECT count(*) FROM (SELECT 1 FROM log_search \
                         WHERE log_search MATCH $1 LIMIT $2)",
                    )
                    .bind(&piece)
                    .bind(PIECE_CANDIDATES + 1)
                    .fetch_one(pool)
                    .await?;
                    asked = (holding <= PIECE_CANDIDATES).then_some(piece);
                }
                let mut query = QueryBuilder::new(
                    "SELECT e.occurred_at, e.id FROM (SELECT rowid AS id FROM log_search \
                     WHERE log_search MATCH ",
                );
                query.push_bind(asked.unwrap_or_else(|| trigrams::all_of(term)));
                // CROSS JOIN: SQLite keeps this order, the index first.
                query.push(") m CROSS JOIN log_entries e ON e.id = m.id");
                push_conditions(&mut query, account_id, scope, filter, self.like());
                push_keyset(&mut query, from);
                query.push(format!(" LIMIT {}", cap + 1));
                query.build_query_as().fetch_all(pool).await?
            }
            Store::Postgres(pool, _) => {
                postgres_matches(pool, account_id, scope, filter, term, from, cap).await?
            }
        };
        if found.len() as i64 > cap {
            return Ok(None);
        }
        found.sort_unstable();
        Ok(Some(found.into_iter().map(|(at, id)| Cursor { at, id }).collect()))
    }

    /// The account's calls at `cursors`, in the order a page from `from` reads them.
    async fn rows_by_id<R: PageRow>(
        &self,
        account_id: i64,
        cursors: &[Cursor],
        from: PageFrom,
    ) -> Result<Vec<R>, StoreError> {
        if cursors.is_empty() {
            return Ok(Vec::new());
        }
        let order = if matches!(from, PageFrom::Newer(_)) { "ASC" } else { "DESC" };
        Ok(with_pool!(self, pool => {
            let mut query = QueryBuilder::new(format!("SELECT {} FROM log_entries e", R::COLUMNS));
            query.push(R::JOIN).push(" WHERE e.account_id = ").push_bind(account_id);
            // Each call by its time too: PostgreSQL then looks in its week's table alone.
            query.push(" AND (");
            let mut calls = query.separated(" OR ");
            for cursor in cursors {
                calls.push("(e.occurred_at = ").push_bind_unseparated(cursor.at);
                calls.push_unseparated(" AND e.id = ").push_bind_unseparated(cursor.id);
                calls.push_unseparated(")");
            }
            query.push(format!(") ORDER BY e.occurred_at {order}, e.id {order}"));
            query.build_query_as().fetch_all(pool).await?
        }))
    }

    /// The last call of a full search window of `window` calls from `from`; `None` when
    /// fewer calls than the window remain. (OFFSET here walks one bounded stretch of the
    /// index once; it does not page.)
    async fn window_end(
        &self,
        account_id: i64,
        scope: &Scope,
        filter: &LogFilter,
        from: PageFrom,
        window: i64,
    ) -> Result<Option<Cursor>, StoreError> {
        let end: Option<(DateTime<Utc>, i64)> = with_pool!(self, pool => {
            let mut query = QueryBuilder::new("SELECT e.occurred_at, e.id FROM log_entries e");
            push_conditions(&mut query, account_id, scope, filter, self.like());
            let order = push_keyset(&mut query, from);
            query.push(format!(
                " ORDER BY e.occurred_at {order}, e.id {order} LIMIT 1 OFFSET {}",
                window - 1
            ));
            query.build_query_as().fetch_optional(pool).await?
        });
        Ok(end.map(|(at, id)| Cursor { at, id }))
    }

    /// One call of the account in `scope`, with everything recorded about it.
    pub async fn log_entry(
        &self,
        account_id: i64,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<LogEntry>, StoreError> {
        Ok(with_pool!(self, pool => {
            let mut query =
                QueryBuilder::new(format!("SELECT {ENTRY_COLUMNS} FROM log_entries e{ENTRY_JOIN}"));
            query.push(" WHERE e.account_id = ").push_bind(account_id);
            push_scope(&mut query, scope);
            query.push(" AND e.id = ").push_bind(id);
            query.build_query_as().fetch_optional(pool).await?
        }))
    }
}

impl Store {
    /// The calls of `account_id` among `ids`, with their times: the calls a customer
    /// chose to share, each found to be theirs.
    pub async fn chosen_calls(
        &self,
        account_id: i64,
        ids: &[i64],
    ) -> Result<Vec<ChosenCall>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut found: Vec<(DateTime<Utc>, i64)> = with_pool!(self, pool => {
            let mut query =
                QueryBuilder::new("SELECT occurred_at, id FROM log_entries WHERE account_id = ");
            query.push_bind(account_id).push(" AND id IN (");
            let mut listed = query.separated(", ");
            for id in ids {
                listed.push_bind(*id);
            }
            query.push(")");
            query.build_query_as().fetch_all(pool).await?
        });
        found.sort_unstable();
        Ok(found.into_iter().map(|(at, id)| ChosenCall { at, id }).collect())
    }
}

/// The free-text fields of a stored call, which redaction reads: what a scrub reads
/// and writes back.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredTexts {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub endpoint: String,
    pub query: String,
    pub request_headers: String,
    pub request_body: Option<String>,
    pub response_body: Option<String>,
    pub error_message: Option<String>,
    pub user_agent: Option<String>,
}

impl Store {
    /// Up to `limit` of the account's calls after `after` (time, id), oldest first, by
    /// the account's index: each batch of a scrub costs the same however far it has got.
    pub async fn stored_texts(
        &self,
        account_id: i64,
        after: Cursor,
        limit: i64,
    ) -> Result<Vec<StoredTexts>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, occurred_at, endpoint, query, request_headers, request_body, \
                 response_body, error_message, user_agent FROM log_entries \
                 WHERE account_id = $1 AND (occurred_at, id) > ($2, $3) \
                 ORDER BY occurred_at, id LIMIT $4",
            )
            .bind(account_id)
            .bind(after.at)
            .bind(after.id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Writes calls' free-text fields back, in one transaction.
    pub async fn rewrite_texts(&self, calls: &[StoredTexts]) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            let mut tx = pool.begin_locked(&[]).await?;
            for call in calls {
                sqlx::query(
                    "UPDATE log_entries SET endpoint = $1, query = $2, request_headers = $3, \
                     request_body = $4, response_body = $5, error_message = $6, \
                     user_agent = $7 WHERE id = $8 AND occurred_at = $9",
                )
                .bind(&call.endpoint)
                .bind(&call.query)
                .bind(&call.request_headers)
                .bind(&call.request_body)
                .bind(&call.response_body)
                .bind(&call.error_message)
                .bind(&call.user_agent)
                .bind(call.id)
                // The call's time: PostgreSQL looks in its week's table alone.
                .bind(call.occurred_at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_is_narrowed_to_its_longest_run_with_a_digit() {
        assert_eq!(rare_piece("results.example.com/1e847f\""), Some("1e847f"));
        assert_eq!(rare_piece("order 4711 of cus_42"), Some("4711"));
        assert_eq!(rare_piece("4711"), None, "the term itself");
        assert_eq!(rare_piece("results.example.com"), None, "no digit");
        assert_eq!(rare_piece("a1 b2 cc"), None, "no run of three");
    }
}
