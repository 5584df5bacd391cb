//! The store's conformance suite: every test runs on SQLite and on PostgreSQL.

use app::{
    accounts::NewApiKey,
    auth::{
        ssr::{self as auth, SignInError, FAILURE_WINDOW, MAX_FAILURES_PER_USER_AT_ADDRESS},
        NewUser, Role,
    },
    logs::{Call, LogFilter, LogRow, NewLogEntry, PageFrom, SearchBounds, StatusClass},
    sharing::{link_in_force, NewShareLink, Opening},
    state::REQUEST_LIFETIME,
    store::{Store, StoreError},
    store_conformance_tests,
    support_access::{
        in_force, is_open, AccessAction, AccessDetail, GrantChange, Grantees, NewAccessEvent,
        NewAccessRequest, RequestChange, RequestState, RevokeChange, Scope, EXTENSION_WINDOW,
        GRANT_DURATION,
    },
};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};

store_conformance_tests!(
    migrations_are_idempotent,
    calls_beyond_the_connections_are_counted_waiting_until_they_run,
    accounts_have_unique_names,
    users_have_unique_case_insensitive_emails,
    customers_need_an_account_and_staff_none,
    times_round_trip_exactly,
    sessions_end_at_their_expiry,
    sessions_end_when_left_unused,
    signing_out_ends_only_that_session,
    sign_in_checks_the_password_and_gives_one_answer_for_both_mistakes,
    sign_in_is_refused_after_repeated_failures_for_a_while,
    a_burst_of_sign_ins_gets_exactly_the_allowed_tries,
    an_email_longer_than_any_is_refused_and_not_stored,
    log_entries_are_written_all_or_nothing,
    pages_visit_every_call_once_even_with_equal_times,
    a_call_is_found_only_in_its_own_account,
    granting_twice_keeps_the_grant_in_force,
    concurrent_grants_leave_exactly_one_in_force,
    revoking_ends_the_grant_and_is_a_no_op_without_one,
    expiries_are_recorded_once_at_the_instant_they_happen,
    the_console_finds_accounts_by_name_or_email,
    each_filter_returns_exactly_the_matching_calls,
    a_scope_lets_through_exactly_its_calls_on_every_read,
    a_body_search_reads_a_bounded_window_and_goes_on_after_it,
    a_body_search_answers_from_the_index_in_step_with_every_write,
    old_calls_are_purged_in_bounded_batches,
    past_retention_whole_weeks_of_calls_go_on_postgres,
    usage_is_counted_per_utc_day,
    rollups_match_a_recount_after_writes_and_purges,
    access_events_are_append_only,
    reads_recorded_at_once_are_all_stored_and_a_refused_one_fails_alone,
    the_history_pages_through_grants_and_their_activity,
    a_request_waits_for_one_answer_or_lapses,
    concurrent_requests_leave_one_waiting,
    a_grant_is_extended_near_its_end_only_when_its_agent_asks_and_the_customer_confirms,
    a_share_link_opens_one_call_until_it_expires_or_is_revoked,
);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap() + TimeDelta::microseconds(123_456)
}

async fn customer(store: &Store, email: &str, password: &str) -> (i64, i64) {
    let account = store.create_account(&format!("Account of {email}"), t0()).await.unwrap();
    let hash = auth::hash_password(password).unwrap();
    let new =
        NewUser { email, password_hash: &hash, role: Role::Customer, account_id: Some(account.id) };
    let user = store.create_user(new, t0()).await.unwrap();
    (account.id, user.id)
}

/// `actor` read `account`'s logs, under no grant.
fn read_event(actor: i64, account: i64) -> NewAccessEvent {
    NewAccessEvent {
        actor_id: Some(actor),
        account_id: account,
        action: AccessAction::ViewLogs,
        log_entry_id: None,
        grant_id: None,
        request_id: None,
        share_link_id: None,
        detail: AccessDetail::default(),
    }
}

async fn migrations_are_idempotent(store: &Store) {
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
}

/// Store calls beyond the connections they can have are counted waiting until they
/// run. A lock taken outside holds writes back: on SQLite one writes (and waits for
/// the lock) while the others wait for their turn; on PostgreSQL they take every
/// connection and the rest wait for one.
async fn calls_beyond_the_connections_are_counted_waiting_until_they_run(store: &Store) {
    let (account, alice) = customer(store, "alice@acme.example", "pw").await;
    let (mut sqlite_lock, mut postgres_lock) = (None, None);
    match store {
        Store::Sqlite(pool, ..) => {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("UPDATE accounts SET name = name WHERE id = $1")
                .bind(account)
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlite_lock = Some(tx);
        }
        Store::Postgres(pool, _) => {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
                .bind(account)
                .execute(&mut *tx)
                .await
                .unwrap();
            postgres_lock = Some(tx);
        }
    }
    assert_eq!(store.pool_stats().waiting, 0);
    let writes: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            let event = read_event(alice, account);
            tokio::spawn(async move { store.record_access_event(event, t0()).await })
        })
        .collect();
    let started = std::time::Instant::now();
    while store.pool_stats().waiting == 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(4), "none counted waiting");
        tokio::task::yield_now().await;
    }
    if let Some(tx) = sqlite_lock {
        tx.commit().await.unwrap();
    }
    if let Some(tx) = postgres_lock {
        tx.commit().await.unwrap();
    }
    for write in writes {
        write.await.unwrap().unwrap();
    }
    assert_eq!(store.access_events(account, 100).await.unwrap().len(), 20);
    assert_eq!(store.pool_stats().waiting, 0);
}

async fn accounts_have_unique_names(store: &Store) {
    let acme = store.create_account("Acme", t0()).await.unwrap();
    assert_eq!(store.account(acme.id).await.unwrap(), Some(acme.clone()));
    assert_eq!(store.account_by_name(" Acme ").await.unwrap(), Some(acme));
    let again = store.create_account("Acme", t0()).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert!(matches!(store.create_account("  ", t0()).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.account(9_999).await.unwrap(), None);
}

async fn users_have_unique_case_insensitive_emails(store: &Store) {
    let (account_id, user_id) = customer(store, " Alice@Acme.Example ", "long password 1").await;
    let user = store.user(user_id).await.unwrap().unwrap();
    assert_eq!(user.email, "alice@acme.example");
    assert_eq!(user.account_id, Some(account_id));
    assert_eq!(user.role, Role::Customer);

    let found = store.credentials_by_email("ALICE@acme.example").await.unwrap().unwrap();
    assert_eq!(found.user, user);
    assert!(found.password_hash.starts_with("$argon2"));

    let duplicate = NewUser {
        email: "alice@ACME.example",
        password_hash: "x",
        role: Role::Customer,
        account_id: Some(account_id),
    };
    let refused = store.create_user(duplicate, t0()).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    assert_eq!(store.user_emails().await.unwrap(), vec!["alice@acme.example"]);
}

async fn customers_need_an_account_and_staff_none(store: &Store) {
    let account = store.create_account("Acme", t0()).await.unwrap();
    let cases = [
        (Role::Customer, None),
        (Role::Support, Some(account.id)),
        (Role::Admin, Some(account.id)),
    ];
    for (role, account_id) in cases {
        let new = NewUser { email: "x@y.example", password_hash: "x", role, account_id };
        let refused = store.create_user(new, t0()).await;
        assert!(matches!(refused, Err(StoreError::Conflict(_))), "{role}: {refused:?}");
    }
    assert!(store.user_emails().await.unwrap().is_empty(), "nothing was written");
    let agent = NewUser {
        email: "sam@support.example",
        password_hash: "x",
        role: Role::Support,
        account_id: None,
    };
    assert_eq!(store.create_user(agent, t0()).await.unwrap().role, Role::Support);
}

async fn times_round_trip_exactly(store: &Store) {
    let account = store.create_account("Acme", t0()).await.unwrap();
    assert_eq!(account.created_at, t0());
    assert_eq!(store.account(account.id).await.unwrap().unwrap().created_at, t0());
}

async fn sessions_end_at_their_expiry(store: &Store) {
    let (_, user_id) = customer(store, "alice@acme.example", "long password 1").await;
    let session = auth::start_session(store, user_id, t0()).await.unwrap();
    assert_eq!(session.expires_at, t0() + auth::SESSION_LIFETIME);
    // Used every few hours, it lasts until its expiry, and not a microsecond more.
    let at = |time| auth::session_user(store, &session.token, time, auth::SESSION_IDLE);
    let mut time = t0();
    while time < session.expires_at {
        assert_eq!(at(time).await.unwrap().map(|u| u.id), Some(user_id), "{time}");
        time += TimeDelta::hours(6);
    }
    let last = session.expires_at - TimeDelta::microseconds(1);
    assert_eq!(at(last).await.unwrap().map(|u| u.id), Some(user_id));
    assert_eq!(at(session.expires_at).await.unwrap(), None);
    let unknown = auth::session_user(store, "not-a-token", t0(), auth::SESSION_IDLE);
    assert_eq!(unknown.await.unwrap(), None);

    assert_eq!(store.delete_expired_sessions(last).await.unwrap(), 0);
    assert_eq!(store.delete_expired_sessions(session.expires_at).await.unwrap(), 1);
}

async fn sessions_end_when_left_unused(store: &Store) {
    let (_, user_id) = customer(store, "alice@acme.example", "long password 1").await;
    let session = auth::start_session(store, user_id, t0()).await.unwrap();
    let at = |time| auth::session_user(store, &session.token, time, auth::SESSION_IDLE);
    let used = t0() + auth::SESSION_IDLE - TimeDelta::seconds(1);
    assert!(at(used).await.unwrap().is_some(), "used just before it went idle");
    // Idle counts from that last use, not from the sign-in.
    let last_minute = used + auth::SESSION_IDLE - TimeDelta::seconds(1);
    assert!(at(last_minute).await.unwrap().is_some());
    assert_eq!(at(last_minute + auth::SESSION_IDLE).await.unwrap(), None, "left unused too long");
}

async fn signing_out_ends_only_that_session(store: &Store) {
    let (_, user_id) = customer(store, "alice@acme.example", "long password 1").await;
    let laptop = auth::start_session(store, user_id, t0()).await.unwrap();
    let phone = auth::start_session(store, user_id, t0()).await.unwrap();
    assert_ne!(laptop.token, phone.token);
    auth::end_session(store, &laptop.token).await.unwrap();
    assert_eq!(
        auth::session_user(store, &laptop.token, t0(), auth::SESSION_IDLE).await.unwrap(),
        None
    );
    assert!(auth::session_user(store, &phone.token, t0(), auth::SESSION_IDLE)
        .await
        .unwrap()
        .is_some());
}

async fn sign_in_checks_the_password_and_gives_one_answer_for_both_mistakes(store: &Store) {
    let (_, user_id) = customer(store, "alice@acme.example", "long password 1").await;
    let ip = Some("192.0.2.7".parse().unwrap());
    let wrong = auth::sign_in(store, "alice@acme.example", "wrong", ip, t0()).await;
    let unknown = auth::sign_in(store, "nobody@acme.example", "long password 1", ip, t0()).await;
    assert_eq!(wrong.err(), Some(SignInError::Invalid));
    assert_eq!(unknown.err(), Some(SignInError::Invalid));

    let (user, session) = auth::sign_in(store, "Alice@Acme.example", "long password 1", ip, t0())
        .await
        .map_err(|e| format!("{e:?}"))
        .unwrap();
    assert_eq!(user.id, user_id);
    assert_eq!(
        auth::session_user(store, &session.token, t0(), auth::SESSION_IDLE).await.unwrap(),
        Some(user)
    );
}

async fn sign_in_is_refused_after_repeated_failures_for_a_while(store: &Store) {
    customer(store, "alice@acme.example", "long password 1").await;
    let ip = Some("192.0.2.7".parse().unwrap());
    let second = TimeDelta::seconds(1);
    for i in 0..MAX_FAILURES_PER_USER_AT_ADDRESS {
        let at = t0() + second * i as i32;
        let failed = auth::sign_in(store, "alice@acme.example", "guess", ip, at).await;
        assert_eq!(failed.err(), Some(SignInError::Invalid), "attempt {i}");
    }
    // Now even the right password is refused, until the first failure leaves the window.
    let now = t0() + TimeDelta::minutes(1);
    let refused = auth::sign_in(store, "alice@acme.example", "long password 1", ip, now).await;
    let reopens = t0() + FAILURE_WINDOW;
    assert_eq!(refused.err(), Some(SignInError::Throttled { retry_after: reopens - now }));
    // Another email from another address is not affected.
    let elsewhere = Some("192.0.2.8".parse().unwrap());
    let other = auth::sign_in(store, "bob@acme.example", "x", elsewhere, now);
    assert_eq!(other.await.err(), Some(SignInError::Invalid));
    // Nor is Alice herself at another address: failures from one cannot lock her out.
    let (user, _) = auth::sign_in(store, "alice@acme.example", "long password 1", elsewhere, now)
        .await
        .map_err(|e| format!("{e:?}"))
        .unwrap();
    assert_eq!(user.email, "alice@acme.example");

    let later = reopens + second;
    let (user, _) = auth::sign_in(store, "alice@acme.example", "long password 1", ip, later)
        .await
        .map_err(|e| format!("{e:?}"))
        .unwrap();
    assert_eq!(user.email, "alice@acme.example");
}

async fn an_email_longer_than_any_is_refused_and_not_stored(store: &Store) {
    let long = format!("{}@acme.example", "a".repeat(1024 * 1024));
    let ip = Some("192.0.2.7".parse().unwrap());
    let refused = auth::sign_in(store, &long, "guess", ip, t0()).await;
    assert_eq!(refused.err(), Some(SignInError::Invalid));
    let new = NewUser { email: &long, password_hash: "x", role: Role::Support, account_id: None };
    assert!(matches!(store.create_user(new, t0()).await, Err(StoreError::Conflict(_))));
    // Nothing was recorded: there is no failure to forget.
    let later = t0() + TimeDelta::hours(1);
    assert_eq!(store.delete_sign_in_failures_before(later).await.unwrap(), 0);
}

async fn a_burst_of_sign_ins_gets_exactly_the_allowed_tries(store: &Store) {
    customer(store, "alice@acme.example", "long password 1").await;
    let ip = Some("192.0.2.7".parse().unwrap());
    let burst = (0..3 * MAX_FAILURES_PER_USER_AT_ADDRESS).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            let guess = format!("guess {i}");
            auth::sign_in(&store, "alice@acme.example", &guess, ip, t0()).await.err()
        })
    });
    let mut answers = Vec::new();
    for attempt in burst.collect::<Vec<_>>() {
        answers.push(attempt.await.unwrap());
    }
    let checked = answers.iter().filter(|a| **a == Some(SignInError::Invalid)).count();
    let refused =
        answers.iter().filter(|a| matches!(a, Some(SignInError::Throttled { .. }))).count();
    assert_eq!(
        (checked, refused),
        (MAX_FAILURES_PER_USER_AT_ADDRESS, 2 * MAX_FAILURES_PER_USER_AT_ADDRESS)
    );
}

async fn log_entries_are_written_all_or_nothing(store: &Store) {
    let (account_id, _) = customer(store, "alice@acme.example", "long password 1").await;
    let key = NewApiKey { account_id, name: "Production", prefix: "ak_live_1234", key_hash: "ab" };
    let key = store.create_api_key(key, t0()).await.unwrap();
    assert_eq!(key.prefix, "ak_live_1234");
    let entry = |i: i64| NewLogEntry {
        api_key_id: Some(key.id),
        ..NewLogEntry::new(account_id, Call::sample(t0() - TimeDelta::seconds(i), i))
    };
    let entries: Vec<NewLogEntry> = (0..1_234).map(entry).collect();
    store.insert_log_entries(&entries).await.unwrap();
    assert_eq!(store.log_entry_count(account_id).await.unwrap(), 1_234);

    // One bad row (an account that does not exist) and the whole batch is refused.
    let mut bad: Vec<NewLogEntry> = (0..600).map(entry).collect();
    bad[550].account_id = 9_999;
    assert!(store.insert_log_entries(&bad).await.is_err());
    assert_eq!(store.log_entry_count(account_id).await.unwrap(), 1_234);
    // The account's name, calls and days in one read, as /logs shows them: all 1,234
    // on t0's day (2026-11-26, 3 credits each).
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let usage = store.account_overview_rows(account_id, day(20)).await.unwrap().unwrap();
    assert_eq!((usage.name.as_str(), usage.calls), ("Account of alice@acme.example", 1_234));
    assert_eq!((usage.latest_grant, usage.latest_request), (None, None));
    let days: Vec<_> = usage.days.iter().map(|d| (d.day, d.calls, d.credits)).collect();
    assert_eq!(days, [(day(26), 1_234, 3_702)]);
    let later = store.account_overview_rows(account_id, day(27)).await.unwrap().unwrap();
    assert_eq!((later.calls, later.days.len()), (1_234, 0), "no day since, calls all told");
    assert_eq!(store.account_overview_rows(9_999, day(20)).await.unwrap(), None);
}

/// Walks the pages from `from` in one direction, returning every row seen.
async fn walk(store: &Store, account_id: i64, older: bool) -> Vec<Vec<LogRow>> {
    let mut pages = Vec::new();
    let mut from = PageFrom::Newest;
    loop {
        let page = store
            .log_page(account_id, &Scope::EVERYTHING, &LogFilter::default(), from, 50)
            .await
            .unwrap();
        let next = if older { page.older } else { page.newer };
        pages.push(page.rows);
        match next {
            Some(cursor) if older => from = PageFrom::Older(cursor),
            Some(cursor) => from = PageFrom::Newer(cursor),
            None => return pages,
        }
    }
}

async fn pages_visit_every_call_once_even_with_equal_times(store: &Store) {
    let (account_id, _) = customer(store, "alice@acme.example", "long password 1").await;
    let (other, _) = customer(store, "bob@globex.example", "long password 1").await;
    // 237 calls, ten at a time sharing one timestamp, and another account's calls.
    let calls: Vec<NewLogEntry> = (0..237)
        .map(|i| NewLogEntry::new(account_id, Call::sample(t0() - TimeDelta::seconds(i / 10), i)))
        .collect();
    store.insert_log_entries(&calls).await.unwrap();
    store.insert_log_entries(&[NewLogEntry::new(other, Call::sample(t0(), 999))]).await.unwrap();

    let pages = walk(store, account_id, true).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![50, 50, 50, 50, 37]);
    let rows: Vec<&LogRow> = pages.iter().flatten().collect();
    let mut ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let in_order =
        rows.windows(2).all(|w| (w[0].occurred_at, w[0].id) > (w[1].occurred_at, w[1].id));
    assert!(in_order, "newest first, ties by id");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 237, "every call exactly once");
    assert!(rows.iter().all(|row| row.request_id != "req_999"), "only this account");

    // And back: from the last page, newer pages retrace the same pages.
    let last = pages.last().unwrap().last().unwrap().cursor();
    let mut from = PageFrom::Older(pages[3].last().unwrap().cursor());
    let mut back = Vec::new();
    loop {
        let page = store
            .log_page(account_id, &Scope::EVERYTHING, &LogFilter::default(), from, 50)
            .await
            .unwrap();
        back.push(page.rows.iter().map(|row| row.id).collect::<Vec<_>>());
        match page.newer {
            Some(cursor) => from = PageFrom::Newer(cursor),
            None => break,
        }
    }
    back.reverse();
    let forward: Vec<Vec<i64>> =
        pages.iter().map(|page| page.iter().map(|row| row.id).collect()).collect();
    assert_eq!(back, forward);
    let beyond = store
        .log_page(account_id, &Scope::EVERYTHING, &LogFilter::default(), PageFrom::Older(last), 50)
        .await
        .unwrap();
    assert!(beyond.rows.is_empty() && beyond.older.is_none());
}

async fn a_call_is_found_only_in_its_own_account(store: &Store) {
    let (alice, _) = customer(store, "alice@acme.example", "long password 1").await;
    let (bob, _) = customer(store, "bob@globex.example", "long password 1").await;
    store.insert_log_entries(&[NewLogEntry::new(alice, Call::sample(t0(), 1))]).await.unwrap();
    let id = store
        .log_page(alice, &Scope::EVERYTHING, &LogFilter::default(), PageFrom::Newest, 50)
        .await
        .unwrap()
        .rows[0]
        .id;
    let entry = store.log_entry(alice, &Scope::EVERYTHING, id).await.unwrap().unwrap();
    assert_eq!((entry.call.request_id.as_str(), entry.call.occurred_at), ("req_1", t0()));
    assert_eq!(store.log_entry(bob, &Scope::EVERYTHING, id).await.unwrap(), None);
}

async fn granting_twice_keeps_the_grant_in_force(store: &Store) {
    let (account, user) = customer(store, "alice@acme.example", "long password 1").await;
    let expires = t0() + GRANT_DURATION;
    let GrantChange::Granted(grant) =
        store.grant_access(account, user, t0(), expires).await.unwrap()
    else {
        panic!("a first grant is granted");
    };
    assert_eq!((grant.granted_at, grant.expires_at, grant.granted_by), (t0(), expires, user));
    let later = t0() + TimeDelta::hours(1);
    let again = store.grant_access(account, user, later, later + GRANT_DURATION).await.unwrap();
    assert_eq!(again, GrantChange::AlreadyInForce(grant.clone()));
    assert_eq!(store.latest_grant(account).await.unwrap(), Some(grant));
    let events = store.access_events(account, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].action, events[0].actor_id), (AccessAction::Grant, Some(user)));
    assert_eq!(events[0].actor_email.as_deref(), Some("alice@acme.example"));
}

async fn concurrent_grants_leave_exactly_one_in_force(store: &Store) {
    let (account, user) = customer(store, "alice@acme.example", "long password 1").await;
    let grant = || store.grant_access(account, user, t0(), t0() + GRANT_DURATION);
    let results = tokio::join!(grant(), grant(), grant(), grant(), grant(), grant());
    let results = [results.0, results.1, results.2, results.3, results.4, results.5];
    let granted = results.iter().filter(|r| matches!(r, Ok(GrantChange::Granted(_)))).count();
    assert_eq!(granted, 1, "{results:?}");
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    let events = store.access_events(account, 10).await.unwrap();
    assert_eq!(events.len(), 1, "one grant, one event");
}

async fn revoking_ends_the_grant_and_is_a_no_op_without_one(store: &Store) {
    let (account, user) = customer(store, "alice@acme.example", "long password 1").await;
    assert_eq!(
        store.revoke_access(account, user, t0()).await.unwrap(),
        RevokeChange::NothingInForce
    );
    store.grant_access(account, user, t0(), t0() + GRANT_DURATION).await.unwrap();
    let at = t0() + TimeDelta::minutes(5);
    let RevokeChange::Revoked(revoked) = store.revoke_access(account, user, at).await.unwrap()
    else {
        panic!("the grant in force is revoked");
    };
    assert_eq!((revoked.revoked_at, revoked.revoked_by), (Some(at), Some(user)));
    let latest = store.latest_grant(account).await.unwrap().unwrap();
    assert!(!in_force(&latest, at));
    assert_eq!(store.revoke_access(account, user, at).await.unwrap(), RevokeChange::NothingInForce);
    let actions: Vec<AccessAction> =
        store.access_events(account, 10).await.unwrap().iter().map(|e| e.action).collect();
    assert_eq!(actions, vec![AccessAction::Revoke, AccessAction::Grant]);

    // A new grant after a revoke is a new grant.
    let GrantChange::Granted(second) =
        store.grant_access(account, user, at, at + GRANT_DURATION).await.unwrap()
    else {
        panic!("granted again");
    };
    assert_ne!(second.id, revoked.id);
}

async fn expiries_are_recorded_once_at_the_instant_they_happen(store: &Store) {
    let (account, user) = customer(store, "alice@acme.example", "long password 1").await;
    let expires = t0() + GRANT_DURATION;
    store.grant_access(account, user, t0(), expires).await.unwrap();
    let second = TimeDelta::seconds(1);
    assert_eq!(store.record_expiries(expires - second).await.unwrap(), 0);
    assert_eq!(store.record_expiries(expires).await.unwrap(), 1);
    assert_eq!(store.record_expiries(expires + second).await.unwrap(), 0, "only once");
    let events = store.access_events(account, 10).await.unwrap();
    assert_eq!(events[0].action, AccessAction::Expire);
    assert_eq!((events[0].occurred_at, events[0].actor_id), (expires, None));

    // Once expired, a grant can be given again.
    let after = expires + second;
    let again = store.grant_access(account, user, after, after + GRANT_DURATION).await.unwrap();
    assert!(matches!(again, GrantChange::Granted(_)));
}

async fn the_console_finds_accounts_by_name_or_email(store: &Store) {
    let (acme, alice) = customer(store, "alice@acme.example", "long password 1").await;
    customer(store, "bob@globex.example", "long password 1").await;
    store.grant_access(acme, alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    let names = |found: Vec<app::support::ListedAccount>| {
        found.into_iter().map(|a| a.contact_email.unwrap_or_default()).collect::<Vec<_>>()
    };
    let all = store.accounts_for_support("", 100).await.unwrap();
    assert_eq!(all.len(), 2);
    let acme_listed = all.iter().find(|a| a.id == acme).unwrap();
    assert_eq!(acme_listed.latest_grant.as_ref().map(|g| g.granted_by), Some(alice));
    assert_eq!(
        names(store.accounts_for_support("GLOBEX", 100).await.unwrap()),
        ["bob@globex.example"]
    );
    assert_eq!(
        names(store.accounts_for_support("of alice", 100).await.unwrap()),
        ["alice@acme.example"]
    );
    assert!(store.accounts_for_support("%", 100).await.unwrap().is_empty(), "% is literal");
    assert_eq!(store.accounts_for_support("", 1).await.unwrap().len(), 1);
}

async fn each_filter_returns_exactly_the_matching_calls(store: &Store) {
    let (account_id, _) = customer(store, "alice@acme.example", "long password 1").await;
    let (other, _) = customer(store, "bob@globex.example", "long password 1").await;
    let statuses = [200, 201, 400, 404, 429, 500, 503];
    let endpoints = ["/v1/pdf/merge", "/v1/pdf/split", "/v1/pdf/compress"];
    let calls: Vec<NewLogEntry> = (0..140)
        .map(|i| {
            NewLogEntry::new(
                account_id,
                Call {
                    method: if i % 4 == 0 { "GET".into() } else { "POST".into() },
                    endpoint: endpoints[i as usize % 3].into(),
                    status: statuses[i as usize % 7],
                    request_body: Some(format!(r#"{{"name":"Invoice-{i}.pdf","n":{i}}}"#)),
                    response_body: Some(if i % 10 == 0 {
                        r#"{"note":"100%_done"}"#.into()
                    } else {
                        "{}".into()
                    }),
                    ..Call::sample(t0() - TimeDelta::seconds(i / 3), i)
                },
            )
        })
        .collect();
    store.insert_log_entries(&calls).await.unwrap();
    store.insert_log_entries(&[NewLogEntry::new(other, Call::sample(t0(), 999))]).await.unwrap();

    type Matches = Box<dyn Fn(&NewLogEntry) -> bool>;
    let filters: Vec<(LogFilter, Matches)> = vec![
        (LogFilter::default(), Box::new(|_| true)),
        (
            LogFilter { status: Some(StatusClass::Success), ..LogFilter::default() },
            Box::new(|c| (200..300).contains(&c.call.status)),
        ),
        (
            LogFilter { status: Some(StatusClass::ClientError), ..LogFilter::default() },
            Box::new(|c| (400..500).contains(&c.call.status)),
        ),
        (
            LogFilter { status: Some(StatusClass::ServerError), ..LogFilter::default() },
            Box::new(|c| c.call.status >= 500),
        ),
        (
            LogFilter { status: Some(StatusClass::Errors), ..LogFilter::default() },
            Box::new(|c| c.call.status >= 400),
        ),
        (
            LogFilter { method: Some("GET".into()), ..LogFilter::default() },
            Box::new(|c| c.call.method == "GET"),
        ),
        (
            LogFilter { endpoint: Some("/v1/pdf/split".into()), ..LogFilter::default() },
            Box::new(|c| c.call.endpoint == "/v1/pdf/split"),
        ),
        (
            LogFilter { request_id: Some("req_42".into()), ..LogFilter::default() },
            Box::new(|c| c.call.request_id == "req_42"),
        ),
        (
            // Any case; `%` and `_` are literal.
            LogFilter { search: Some("INVOICE-1".into()), ..LogFilter::default() },
            Box::new(|c| c.call.request_body.as_deref().unwrap_or("").contains("Invoice-1")),
        ),
        (
            LogFilter { search: Some("100%_d".into()), ..LogFilter::default() },
            Box::new(|c| c.call.response_body.as_deref().unwrap_or("").contains("100%_d")),
        ),
        (
            // From included, until excluded.
            LogFilter {
                since: Some(t0() - TimeDelta::seconds(30)),
                until: Some(t0() - TimeDelta::seconds(10)),
                ..LogFilter::default()
            },
            Box::new(|c| {
                (t0() - TimeDelta::seconds(30)..t0() - TimeDelta::seconds(10))
                    .contains(&c.call.occurred_at)
            }),
        ),
        (
            LogFilter {
                status: Some(StatusClass::Errors),
                method: Some("POST".into()),
                endpoint: Some("/v1/pdf/merge".into()),
                ..LogFilter::default()
            },
            Box::new(|c| {
                c.call.status >= 400
                    && c.call.method == "POST"
                    && c.call.endpoint == "/v1/pdf/merge"
            }),
        ),
    ];
    for (filter, matches) in filters {
        let mut expected: Vec<String> =
            calls.iter().filter(|c| matches(c)).map(|c| c.call.request_id.clone()).collect();
        // Walk every page of the filtered view.
        let mut seen = Vec::new();
        let mut from = PageFrom::Newest;
        loop {
            let page =
                store.log_page(account_id, &Scope::EVERYTHING, &filter, from, 20).await.unwrap();
            seen.extend(page.rows.iter().map(|row| row.request_id.clone()));
            match page.older {
                Some(cursor) => from = PageFrom::Older(cursor),
                None => break,
            }
        }
        expected.sort();
        seen.sort();
        assert!(!expected.is_empty(), "{filter:?} matches something");
        assert_eq!(seen, expected, "{filter:?}");
    }
}

/// Every read under a grant's scope (pages both ways, with and without filters and
/// searches, whole entries, one call, the chart) returns the calls in the scope and
/// never one outside it.
async fn a_scope_lets_through_exactly_its_calls_on_every_read(store: &Store) {
    let (account_id, _) = customer(store, "alice@acme.example", "long password 1").await;
    let (other, _) = customer(store, "bob@globex.example", "long password 1").await;
    let statuses = [200, 201, 400, 404, 429, 500, 503];
    let endpoints = ["/v1/pdf/merge", "/v1/pdf/split", "/v1/pdf/compress"];
    let calls: Vec<NewLogEntry> = (0..120)
        .map(|i| {
            NewLogEntry::new(
                account_id,
                Call {
                    endpoint: endpoints[i as usize % 3].into(),
                    status: statuses[i as usize % 7],
                    request_body: Some(format!(r#"{{"name":"Invoice-{i}.pdf"}}"#)),
                    // Three calls a second, over two UTC days.
                    ..Call::sample(
                        t0() - TimeDelta::seconds(i / 3) - TimeDelta::hours(i % 2 * 24),
                        i,
                    )
                },
            )
        })
        .collect();
    store.insert_log_entries(&calls).await.unwrap();
    store.insert_log_entries(&[NewLogEntry::new(other, Call::sample(t0(), 999))]).await.unwrap();
    let all = walk(store, account_id, true).await.concat();
    let id_of = |request_id: &str| all.iter().find(|r| r.request_id == request_id).unwrap().id;
    let stranger = walk(store, other, true).await.concat()[0].id;

    let chosen_ids = [id_of("req_7"), id_of("req_50"), id_of("req_51"), stranger];
    let chosen = store.chosen_calls(account_id, &chosen_ids).await.unwrap();
    assert_eq!(chosen.len(), 3, "another account's call is never chosen");
    let (since, until) = (t0() - TimeDelta::seconds(30), t0() - TimeDelta::seconds(10));
    type Covers = Box<dyn Fn(&NewLogEntry) -> bool>;
    let scopes: Vec<(Scope, Covers)> = vec![
        (
            Scope { since: Some(since), until: Some(until), ..Scope::default() },
            Box::new(move |c| (since..until).contains(&c.call.occurred_at)),
        ),
        (Scope { errors_only: true, ..Scope::default() }, Box::new(|c| c.call.status >= 400)),
        (
            Scope {
                endpoints: vec!["/v1/pdf/merge".into(), "/v1/pdf/compress".into()],
                ..Scope::default()
            },
            Box::new(|c| c.call.endpoint != "/v1/pdf/split"),
        ),
        (
            Scope { calls: chosen, ..Scope::default() },
            Box::new(|c| ["req_7", "req_50", "req_51"].contains(&c.call.request_id.as_str())),
        ),
        (
            Scope {
                errors_only: true,
                endpoints: vec!["/v1/pdf/split".into()],
                ..Scope::default()
            },
            Box::new(|c| c.call.status >= 400 && c.call.endpoint == "/v1/pdf/split"),
        ),
    ];
    type Matches = Box<dyn Fn(&NewLogEntry) -> bool>;
    let filters: Vec<(LogFilter, Matches)> = vec![
        (LogFilter::default(), Box::new(|_| true)),
        (
            LogFilter { status: Some(StatusClass::ServerError), ..LogFilter::default() },
            Box::new(|c| c.call.status >= 500),
        ),
        (
            // Through the search index.
            LogFilter { search: Some("invoice-5".into()), ..LogFilter::default() },
            Box::new(|c| c.call.request_body.as_deref().unwrap_or("").contains("Invoice-5")),
        ),
        (
            // Too short for the index: the window's scan.
            LogFilter { search: Some("-1".into()), ..LogFilter::default() },
            Box::new(|c| c.call.request_body.as_deref().unwrap_or("").contains("-1")),
        ),
    ];
    let ids = |rows: &[LogRow]| rows.iter().map(|r| r.request_id.clone()).collect::<Vec<_>>();
    for (scope, covers) in &scopes {
        for (filter, matches) in &filters {
            let mut expected: Vec<String> = calls
                .iter()
                .filter(|c| covers(c) && matches(c))
                .map(|c| c.call.request_id.clone())
                .collect();
            expected.sort();
            // Older page by page, then back newer from the oldest, and as whole entries.
            let (mut older, mut newer, mut entries) = (Vec::new(), Vec::new(), Vec::new());
            let mut from = PageFrom::Newest;
            loop {
                let page = store.log_page(account_id, scope, filter, from, 7).await.unwrap();
                let whole = store.entry_page(account_id, scope, filter, from, 7).await.unwrap();
                entries.extend(whole.rows.iter().map(|e| e.call.request_id.clone()));
                older.extend(ids(&page.rows));
                match page.older {
                    Some(cursor) => from = PageFrom::Older(cursor),
                    None => break,
                }
            }
            if let Some(last) = older.last() {
                let oldest = all.iter().find(|r| &r.request_id == last).unwrap().cursor();
                newer.push(last.clone());
                let mut from = PageFrom::Newer(oldest);
                loop {
                    let page = store.log_page(account_id, scope, filter, from, 7).await.unwrap();
                    newer.extend(ids(&page.rows));
                    match page.newer {
                        Some(cursor) => from = PageFrom::Newer(cursor),
                        None => break,
                    }
                }
            }
            for seen in [&mut older, &mut newer, &mut entries] {
                seen.sort();
                assert_eq!(*seen, expected, "{scope:?} {filter:?}");
            }
        }
        for row in &all {
            let call = calls.iter().find(|c| c.call.request_id == row.request_id).unwrap();
            let entry = store.log_entry(account_id, scope, row.id).await.unwrap();
            assert_eq!(entry.is_some(), covers(call), "{scope:?} {}", row.request_id);
        }
        assert_eq!(store.log_entry(account_id, scope, stranger).await.unwrap(), None);
        let days = store
            .scoped_daily_usage(account_id, scope, t0().date_naive() - TimeDelta::days(3))
            .await
            .unwrap();
        let counted: i64 = days.iter().map(|day| day.calls).sum();
        assert_eq!(counted, calls.iter().filter(|c| covers(c)).count() as i64, "{scope:?}");
        let errors: i64 = days.iter().map(|day| day.client_errors + day.server_errors).sum();
        let expected = calls.iter().filter(|c| covers(c) && c.call.status >= 400).count();
        assert_eq!(errors, expected as i64, "{scope:?}");
        for day in &days {
            let on_day = calls
                .iter()
                .filter(|c| covers(c) && c.call.occurred_at.date_naive() == day.day)
                .count();
            assert_eq!(day.calls, on_day as i64, "{scope:?} {}", day.day);
        }
    }
}

async fn a_body_search_reads_a_bounded_window_and_goes_on_after_it(store: &Store) {
    let (account_id, _) = customer(store, "alice@acme.example", "long password 1").await;
    let needles = [3, 40, 41, 42, 97];
    // Three calls to a timestamp; a few hold the needle, a term too short for the
    // search index (no three letters or digits in a row), so the window scan answers.
    let calls: Vec<NewLogEntry> = (0..100)
        .map(|i| {
            NewLogEntry::new(
                account_id,
                Call {
                    response_body: Some(if needles.contains(&i) {
                        "a N-1 b".into()
                    } else {
                        "hay".into()
                    }),
                    ..Call::sample(t0() - TimeDelta::seconds(i / 3), i)
                },
            )
        })
        .collect();
    store.insert_log_entries(&calls).await.unwrap();
    let filter = LogFilter { search: Some("n-1".into()), ..LogFilter::default() };
    let (bounds, size) = (SearchBounds { window: 10, matches: 1_000 }, 2);
    let everything = Scope::EVERYTHING;
    let page =
        |from| store.page_searching::<LogRow>(account_id, &everything, &filter, from, size, bounds);
    let ids = |rows: &[LogRow]| rows.iter().map(|r| r.request_id.clone()).collect::<Vec<_>>();

    // The first window is calls 0 to 9: one match, and the search says where it stopped.
    let first = page(PageFrom::Newest).await.unwrap();
    assert_eq!(ids(&first.rows), ["req_3"]);
    assert_eq!(first.searched_to, Some(t0() - TimeDelta::seconds(3)));

    // Going on finds every match once, in order, however the windows fall.
    let mut pages = vec![first];
    while let Some(cursor) = pages.last().unwrap().older {
        pages.push(page(PageFrom::Older(cursor)).await.unwrap());
    }
    let found: Vec<String> = pages.iter().flat_map(|p| ids(&p.rows)).collect();
    // Newest first; 40 and 41 share a timestamp, the later id first.
    assert_eq!(found, ["req_3", "req_41", "req_40", "req_42", "req_97"]);
    assert!(pages.iter().any(|p| p.rows.is_empty()), "a window without a match");
    assert!(pages.last().unwrap().searched_to.is_none(), "the last window ran out of calls");

    // And back from the oldest page, the same pages in reverse.
    let mut back = vec![pages.last().unwrap().clone()];
    while let Some(cursor) = back.last().unwrap().newer {
        back.push(page(PageFrom::Newer(cursor)).await.unwrap());
    }
    let found_back: Vec<String> = back.iter().rev().flat_map(|p| ids(&p.rows)).collect();
    assert_eq!(found_back, found);
}

async fn a_body_search_answers_from_the_index_in_step_with_every_write(store: &Store) {
    let (account_id, _) = customer(store, "alice@acme.example", "long password 1").await;
    let (other, _) = customer(store, "bob@globex.example", "long password 1").await;
    // 300 calls, two to a timestamp; the rare term in five of them, in either body and
    // in any case. Calls 200 and older say "old words" where the others say "common".
    let needles = [0, 1, 150, 151, 299];
    let calls: Vec<NewLogEntry> = (0..300)
        .map(|i| {
            let body = |side: i64, usual: &str| match (needles.contains(&i) && i % 2 == side, i) {
                (true, _) => "id: RareTerm_7 order 4711".to_owned(),
                (false, 200..) => format!("old {usual}"),
                (false, _) => format!("common {usual}"),
            };
            NewLogEntry::new(
                account_id,
                Call {
                    request_body: Some(body(0, "words")),
                    response_body: Some(body(1, "answer")),
                    ..Call::sample(t0() - TimeDelta::seconds(i / 2), i)
                },
            )
        })
        .collect();
    store.insert_log_entries(&calls).await.unwrap();
    // `_` in the term is itself, not any character; the other account's call is theirs.
    let near =
        Call { request_body: Some("RareTermX7 order 4711".into()), ..Call::sample(t0(), 1_000) };
    let theirs = Call { request_body: Some("rareterm_7".into()), ..Call::sample(t0(), 1_001) };
    store.insert_log_entries(&[NewLogEntry::new(account_id, near)]).await.unwrap();
    store.insert_log_entries(&[NewLogEntry::new(other, theirs)]).await.unwrap();

    // A window of 10 calls could not find calls 150 and 299: the index finds all
    // five, exactly, with no window to speak of.
    let bounds = SearchBounds { window: 10, matches: 20 };
    let search = |term: &str| LogFilter { search: Some(term.into()), ..LogFilter::default() };
    let page = |filter: LogFilter, from| async move {
        store
            .page_searching::<LogRow>(account_id, &Scope::EVERYTHING, &filter, from, 2, bounds)
            .await
            .unwrap()
    };
    let walk = |filter: LogFilter| async move {
        let mut pages = vec![page(filter.clone(), PageFrom::Newest).await];
        while let Some(cursor) = pages.last().unwrap().older {
            pages.push(page(filter.clone(), PageFrom::Older(cursor)).await);
        }
        assert!(pages.iter().all(|p| p.searched_to.is_none()), "{filter:?}");
        pages
    };
    let ids = |pages: &[app::logs::LogPage]| -> Vec<String> {
        pages.iter().flat_map(|p| p.rows.iter().map(|r| r.request_id.clone())).collect()
    };
    let pages = walk(search("RARETERM_7")).await;
    // Newest first; 0 and 1 share a timestamp, the later id first.
    assert_eq!(ids(&pages), ["req_1", "req_0", "req_151", "req_150", "req_299"]);
    assert_eq!(pages.len(), 3);
    // And back from the oldest page, the same pages.
    let mut back = vec![pages.last().unwrap().clone()];
    while let Some(cursor) = back.last().unwrap().newer {
        back.push(page(search("RARETERM_7"), PageFrom::Newer(cursor)).await);
    }
    back.reverse();
    assert_eq!(ids(&back), ids(&pages));
    assert!(ids(&walk(search("rareterm%7")).await).is_empty());
    // A term with a number in it: PostgreSQL asks the index for the number alone, and
    // checks the whole term on the calls that hold it.
    assert_eq!(ids(&walk(search("Term_7 ORDER 4711")).await), ids(&pages));

    // A term in more calls than the index may return is scanned for, window by window:
    // "old" is in 100 calls, none of them among the newest 10.
    let old = page(search("old"), PageFrom::Newest).await;
    assert!(old.rows.is_empty() && old.searched_to.is_some(), "{old:?}");
    let all = store
        .log_page(account_id, &Scope::EVERYTHING, &search("old"), PageFrom::Newest, 500)
        .await
        .unwrap();
    assert_eq!(all.rows.len(), 100, "the default bounds let the index answer");

    // A scrub's rewrite is what the index finds next; a purge takes calls out of it.
    let start = app::logs::Cursor { at: t0() - TimeDelta::days(1), id: 0 };
    let mut texts = store.stored_texts(account_id, start, 400).await.unwrap();
    for call in &mut texts {
        if call.request_body.as_deref() == Some("id: RareTerm_7 order 4711") {
            call.request_body = Some("id: [redacted]".into());
        }
    }
    store.rewrite_texts(&texts).await.unwrap();
    assert_eq!(ids(&walk(search("rareterm_7")).await), ["req_1", "req_151", "req_299"]);
    assert_eq!(ids(&walk(search("redacted")).await), ["req_0", "req_150"]);
    while store.purge_log_entries(account_id, t0() - TimeDelta::seconds(50), 50).await.unwrap() > 0
    {
    }
    assert_eq!(ids(&walk(search("rareterm_7")).await), ["req_1"]);
    assert_eq!(ids(&walk(search("redacted")).await), ["req_0"]);
}

async fn old_calls_are_purged_in_bounded_batches(store: &Store) {
    let (alice, _) = customer(store, "alice@acme.example", "long password 1").await;
    let (bob, _) = customer(store, "bob@globex.example", "long password 1").await;
    let cutoff = t0() - TimeDelta::days(90);
    // Alice: 15 calls before the cutoff, 10 at or after it; Bob: 5 before.
    let at = |days: i64| cutoff + TimeDelta::days(days);
    let calls: Vec<NewLogEntry> =
        (0..25).map(|i| NewLogEntry::new(alice, Call::sample(at(i - 15), i))).collect();
    store.insert_log_entries(&calls).await.unwrap();
    let old: Vec<NewLogEntry> =
        (0..5).map(|i| NewLogEntry::new(bob, Call::sample(at(-1 - i), 100 + i))).collect();
    store.insert_log_entries(&old).await.unwrap();

    assert_eq!(store.purge_log_entries(alice, cutoff, 10).await.unwrap(), 10);
    assert_eq!(store.purge_log_entries(alice, cutoff, 10).await.unwrap(), 5);
    assert_eq!(store.purge_log_entries(alice, cutoff, 10).await.unwrap(), 0);
    assert_eq!(store.log_entry_count(alice).await.unwrap(), 10);
    let page = store
        .log_page(alice, &Scope::EVERYTHING, &LogFilter::default(), PageFrom::Newest, 50)
        .await
        .unwrap();
    assert!(page.rows.iter().all(|row| row.occurred_at >= cutoff));
    assert_eq!(store.log_entry_count(bob).await.unwrap(), 5, "another account's calls stay");
}

async fn past_retention_whole_weeks_of_calls_go_on_postgres(store: &Store) {
    let (alice, _) = customer(store, "alice@acme.example", "long password 1").await;
    let (bob, _) = customer(store, "bob@globex.example", "long password 1").await;
    // t0 is Thursday 2026-11-26 09:00 UTC: calls on the Thursdays of the weeks from
    // the 16th, the 9th (two accounts) and the 2nd.
    let weeks = |w: i64| t0() - TimeDelta::weeks(w);
    let calls: Vec<NewLogEntry> = (0..12)
        .map(|i| {
            let account = if i % 4 == 0 { bob } else { alice };
            NewLogEntry::new(account, Call::sample(weeks(1 + i / 4), i))
        })
        .collect();
    store.insert_log_entries(&calls).await.unwrap();
    // The cutoff falls in the week from the 9th: the week from the 2nd has ended, that
    // one has not.
    let cutoff = weeks(2) + TimeDelta::hours(1);
    if !store.keeps_calls_by_week() {
        assert_eq!(store.drop_call_weeks_before(cutoff).await.unwrap(), 0, "SQLite deletes rows");
        return;
    }
    assert_eq!(store.drop_call_weeks_before(cutoff).await.unwrap(), 4);
    assert_eq!(store.drop_call_weeks_before(cutoff).await.unwrap(), 0, "once");
    // Every call of the week from the 2nd and its tallies went, for both accounts; the
    // rest stay.
    let left = |account| async move {
        let all = LogFilter::default();
        let page =
            store.log_page(account, &Scope::EVERYTHING, &all, PageFrom::Newest, 50).await.unwrap();
        let usage = store.daily_usage(account, weeks(5).date_naive()).await.unwrap();
        (page.rows.len(), usage.iter().map(|u| (u.day, u.calls)).collect::<Vec<_>>())
    };
    let (d12, d19) = (weeks(2).date_naive(), weeks(1).date_naive());
    assert_eq!(left(alice).await, (6, vec![(d12, 3), (d19, 3)]));
    assert_eq!(left(bob).await, (2, vec![(d12, 1), (d19, 1)]));
    // A week without calls yet has its table made ahead; a call of a dropped week, its
    // table made again.
    store.make_call_weeks_ahead(t0(), TimeDelta::days(7)).await.unwrap();
    store.insert_log_entries(&calls[8..]).await.unwrap();
    assert_eq!(store.log_entry_count(alice).await.unwrap(), 9);
    let Store::Postgres(pool, _) = store else { unreachable!() };
    let (tables,): (Vec<String>,) = sqlx::query_as(
        "SELECT array_agg(c.relname::TEXT ORDER BY c.relname) FROM pg_inherits i \
         JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'log_entries'::regclass",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let weeks_from = ["20261102", "20261109", "20261116", "20261123", "20261130"];
    assert_eq!(tables, weeks_from.map(|monday| format!("log_entries_{monday}")));
}

async fn usage_is_counted_per_utc_day(store: &Store) {
    let (account_id, _) = customer(store, "alice@acme.example", "long password 1").await;
    let (other, _) = customer(store, "bob@globex.example", "long password 1").await;
    let hour = TimeDelta::hours(1);
    // t0 is 2026-11-26 09:00 UTC.
    let at = [t0(), t0() - hour, t0() - hour * 10, t0() - hour * 34, t0() - hour * 24 * 40];
    let calls: Vec<NewLogEntry> = at
        .iter()
        .enumerate()
        .map(|(i, at)| {
            NewLogEntry::new(
                account_id,
                Call {
                    credits: i as i32 + 1,
                    status: [200, 404, 503, 201, 500][i],
                    ..Call::sample(*at, i as i64)
                },
            )
        })
        .collect();
    store.insert_log_entries(&calls).await.unwrap();
    store.insert_log_entries(&[NewLogEntry::new(other, Call::sample(t0(), 99))]).await.unwrap();
    let since = (t0() - TimeDelta::days(30)).date_naive();
    let usage: Vec<(String, i64, i64, i64, i64)> = store
        .daily_usage(account_id, since)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.day.to_string(), d.calls, d.credits, d.client_errors, d.server_errors))
        .collect();
    assert_eq!(
        usage,
        vec![
            ("2026-11-24".to_owned(), 1, 4, 0, 0),
            ("2026-11-25".to_owned(), 1, 3, 0, 1),
            ("2026-11-26".to_owned(), 2, 3, 1, 0),
        ]
    );
    assert_eq!(store.log_entry_count(account_id).await.unwrap(), 5);
}

/// The per-day rollups stay exact as calls are written and purged in batches: they
/// always equal a count of the calls that remain.
async fn rollups_match_a_recount_after_writes_and_purges(store: &Store) {
    let (a, _) = customer(store, "alice@acme.example", "long password 1").await;
    let (b, _) = customer(store, "bob@globex.example", "long password 1").await;
    let mut kept: Vec<(i64, DateTime<Utc>, i32, i32)> = Vec::new();
    for batch in 0..3_i64 {
        let calls: Vec<NewLogEntry> = (0..120_i64)
            .map(|i| {
                let account = if i % 3 == 0 { b } else { a };
                let at = t0() - TimeDelta::hours(i * 2 + batch);
                let status = [200, 201, 400, 404, 500, 503, 302][(i % 7) as usize];
                let credits = (i % 5) as i32;
                kept.push((account, at, status, credits));
                NewLogEntry::new(
                    account,
                    Call { status, credits, ..Call::sample(at, batch * 1_000 + i) },
                )
            })
            .collect();
        store.insert_log_entries(&calls).await.unwrap();
    }
    let cutoff = t0() - TimeDelta::days(5);
    while store.purge_log_entries(a, cutoff, 7).await.unwrap() > 0 {}
    kept.retain(|(account, at, _, _)| *account != a || *at >= cutoff);
    for account in [a, b] {
        let mut want: std::collections::BTreeMap<chrono::NaiveDate, (i64, i64, i64, i64)> =
            Default::default();
        for (_, at, status, credits) in kept.iter().filter(|call| call.0 == account) {
            let day = want.entry(at.date_naive()).or_default();
            day.0 += 1;
            day.1 += i64::from(*credits);
            day.2 += i64::from((400..500).contains(status));
            day.3 += i64::from(*status >= 500);
        }
        let since = (t0() - TimeDelta::days(60)).date_naive();
        let got: std::collections::BTreeMap<_, _> = store
            .daily_usage(account, since)
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.day, (d.calls, d.credits, d.client_errors, d.server_errors)))
            .collect();
        assert_eq!(got, want, "account {account}");
        let total: i64 = want.values().map(|day| day.0).sum();
        assert_eq!(store.log_entry_count(account).await.unwrap(), total);
    }
}

/// Agents' reads recorded at once go in groups: each is stored and answered once; one
/// the database refuses (its grant does not exist) fails alone.
async fn reads_recorded_at_once_are_all_stored_and_a_refused_one_fails_alone(store: &Store) {
    let (account, alice) = customer(store, "alice@acme.example", "pw").await;
    let records: Vec<_> = (0..40_i64)
        .map(|i| {
            let event = NewAccessEvent {
                action: AccessAction::ViewEntry,
                log_entry_id: Some(i),
                grant_id: (i == 17).then_some(999_999),
                ..read_event(alice, account)
            };
            let store = store.clone();
            tokio::spawn(async move { store.record_read(event, t0()).await })
        })
        .collect();
    for (i, record) in records.into_iter().enumerate() {
        let answer = record.await.unwrap();
        assert_eq!(answer.is_err(), i == 17, "{i}: {answer:?}");
    }
    let mut stored: Vec<_> = store
        .access_events(account, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.log_entry_id.unwrap())
        .collect();
    stored.sort_unstable();
    assert_eq!(stored, (0..40).filter(|i| *i != 17).collect::<Vec<_>>());
}

async fn access_events_are_append_only(store: &Store) {
    let (account, alice) = customer(store, "alice@acme.example", "pw").await;
    store.grant_access(account, alice, t0(), t0() + GRANT_DURATION).await.unwrap();
    let old = read_event(alice, account);
    // An event from two years ago: the floor of a year no longer holds it.
    store.record_access_event(old, Utc::now() - TimeDelta::days(730)).await.unwrap();
    let exec = |sql: &'static str| async move {
        match store {
            Store::Sqlite(pool, ..) => {
                sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected())
            }
            Store::Postgres(pool, _) => {
                sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected())
            }
        }
    };
    for refused in [
        "UPDATE access_events SET action = 'revoke'",
        "UPDATE access_events SET occurred_at = occurred_at",
        "DELETE FROM access_events WHERE action = 'grant'",
    ] {
        let error = exec(refused).await.unwrap_err().to_string();
        assert!(error.contains("append-only"), "{refused}: {error}");
    }
    if matches!(store, Store::Postgres(..)) {
        let error = exec("TRUNCATE access_events").await.unwrap_err().to_string();
        assert!(error.contains("append-only"), "{error}");
    }
    assert_eq!(store.access_events(account, 10).await.unwrap().len(), 2, "nothing changed");
    // Retention may delete what is over a year old, and only that.
    let cutoff = Utc::now() - TimeDelta::days(400);
    assert_eq!(store.purge_access_events(cutoff, 10).await.unwrap(), 1);
    assert_eq!(store.purge_access_events(cutoff, 10).await.unwrap(), 0);
    let too_soon = store.purge_access_events(Utc::now(), 10).await.unwrap_err().to_string();
    assert!(too_soon.contains("append-only"), "{too_soon}");
    assert_eq!(store.access_events(account, 10).await.unwrap().len(), 1, "the grant stays");
}

async fn the_history_pages_through_grants_and_their_activity(store: &Store) {
    let (account, alice) = customer(store, "alice@acme.example", "pw").await;
    let (other, _) = customer(store, "bob@globex.example", "pw").await;
    let mut grants = Vec::new();
    for n in 0..3 {
        let at = t0() + TimeDelta::days(20 * n);
        let GrantChange::Granted(grant) =
            store.grant_access(account, alice, at, at + GRANT_DURATION).await.unwrap()
        else {
            panic!("granted");
        };
        grants.push(grant.id);
    }
    // 5 views under the last grant, two of them at the same instant; one in another account.
    for i in 0..5 {
        let event = NewAccessEvent {
            actor_id: Some(alice),
            account_id: account,
            action: AccessAction::ViewEntry,
            log_entry_id: Some(i),
            grant_id: Some(grants[2]),
            request_id: None,
            share_link_id: None,
            detail: AccessDetail {
                request_id: Some(format!("req_{i}")),
                ..AccessDetail::default()
            },
        };
        store
            .record_access_event(event, t0() + TimeDelta::days(40) + TimeDelta::minutes(i.min(3)))
            .await
            .unwrap();
    }
    let elsewhere = NewAccessEvent {
        actor_id: None,
        account_id: other,
        action: AccessAction::ViewLogs,
        log_entry_id: None,
        grant_id: Some(grants[2]),
        request_id: None,
        share_link_id: None,
        detail: AccessDetail::default(),
    };
    store.record_access_event(elsewhere, t0()).await.unwrap();

    let page = store.grants_page(account, None, 2).await.unwrap();
    assert_eq!(page.iter().map(|g| g.grant.id).collect::<Vec<_>>(), [grants[2], grants[1]]);
    assert_eq!(page[0].granted_by_email.as_deref(), Some("alice@acme.example"));
    let rest = store.grants_page(account, Some(grants[1]), 2).await.unwrap();
    assert_eq!(rest.iter().map(|g| g.grant.id).collect::<Vec<_>>(), [grants[0]]);
    assert!(store.grants_page(other, None, 10).await.unwrap().is_empty());

    // The activity, newest first, two at a time: every view once, the grant events left out.
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let events = store.grant_activity(account, grants[2], before, 2).await.unwrap();
        let Some(last) = events.last() else { break };
        before = Some((last.occurred_at, last.id));
        seen.extend(events.iter().map(|e| e.log_entry_id.unwrap()));
    }
    assert_eq!(seen, [4, 3, 2, 1, 0]);
    assert!(store.grant_activity(account, grants[0], None, 10).await.unwrap().is_empty());
}

async fn agent(store: &Store, email: &str) -> i64 {
    let new = NewUser { email, password_hash: "not used", role: Role::Support, account_id: None };
    store.create_user(new, t0()).await.unwrap().id
}

fn request<'a>(
    account_id: i64,
    by: i64,
    ticket: &'a str,
    at: DateTime<Utc>,
) -> NewAccessRequest<'a> {
    NewAccessRequest {
        account_id,
        by,
        ticket,
        reason: "The customer asked us to look",
        lapses_at: at + REQUEST_LIFETIME,
    }
}

async fn a_grant_is_extended_near_its_end_only_when_its_agent_asks_and_the_customer_confirms(
    store: &Store,
) {
    let (account, alice) = customer(store, "alice@acme.example", "pw").await;
    let sam = agent(store, "sam@support.example").await;
    let tom = agent(store, "tom@support.example").await;
    // Sam asks; Alice grants errors only, to Sam alone.
    store.request_access(request(account, sam, "T-1", t0()), t0()).await.unwrap();
    let errors = Scope { errors_only: true, ..Scope::default() };
    let (until, to) = (t0() + GRANT_DURATION, Grantees::AskingAgent);
    let change = store.grant_access_to(account, alice, t0(), until, to, &errors).await.unwrap();
    let GrantChange::Granted(first) = change else { panic!("granted: {change:?}") };

    // Before its last three days, and at any time for an agent it does not let read,
    // asking is refused as under any grant.
    let window = first.expires_at - EXTENSION_WINDOW;
    let second = TimeDelta::seconds(1);
    for (by, at) in [(sam, t0() + TimeDelta::days(1)), (sam, window - second), (tom, window)] {
        let change = store.request_access(request(account, by, "T-2", at), at).await.unwrap();
        assert!(matches!(change, RequestChange::AlreadyGranted(_)), "{change:?}");
    }
    // From then, Sam asks to extend it: the request lapses with the grant at the latest.
    let RequestChange::Requested(asked) =
        store.request_access(request(account, sam, "T-2", window), window).await.unwrap()
    else {
        panic!("Sam may ask to extend his grant");
    };
    assert_eq!((asked.extends, asked.lapses_at), (Some(first.id), first.expires_at));
    let again = store.request_access(request(account, tom, "T-3", window), window).await.unwrap();
    assert!(matches!(again, RequestChange::AlreadyOpen(_)), "one request waits at a time");

    // Alice confirms: a fresh two weeks from now, for the same calls and the same agent;
    // the first grant ends now, extended.
    let at = window + TimeDelta::hours(1);
    let until = at + GRANT_DURATION;
    // What this confirmation says of scope and agents is the extended grant's to decide.
    let (everyone, all) = (Grantees::Everyone, Scope::default());
    let change = store.grant_access_to(account, alice, at, until, everyone, &all).await;
    let GrantChange::Extended(next) = change.unwrap() else { panic!("extended") };
    assert_eq!((next.granted_at, next.expires_at), (at, until));
    assert_eq!((next.scope.clone(), next.grantee_id), (errors, Some(sam)));
    assert_eq!(next.ticket.as_deref(), Some("T-2"));
    assert_eq!(store.latest_grant(account).await.unwrap(), Some(next.clone()));
    let records = store.grants_page(account, None, 10).await.unwrap();
    let old = records.iter().find(|r| r.grant.id == first.id).unwrap();
    assert_eq!((old.grant.revoked_at, old.extended_to), (Some(at), Some(next.id)));
    assert!(!in_force(&old.grant, at));
    let answered = store.latest_request(account).await.unwrap().unwrap();
    assert_eq!((answered.id, answered.state), (asked.id, RequestState::Granted));
    let events = store.access_events(account, 10).await.unwrap();
    assert_eq!((events[0].action, events[0].grant_id), (AccessAction::Extend, Some(next.id)));
    assert_eq!(events[0].request_id, Some(asked.id));
    assert!(events.iter().all(|e| e.action != AccessAction::Revoke), "an extension is no revoke");
    // Confirming again changes nothing: no request waits.
    let change = store.grant_access(account, alice, at, until).await.unwrap();
    assert_eq!(change, GrantChange::AlreadyInForce(next.clone()));

    // Near the new grant's end Sam asks again; nobody answers, and the request lapses
    // when the grant ends: the grant ends as planned.
    let window = next.expires_at - EXTENSION_WINDOW;
    let asked = store.request_access(request(account, sam, "T-4", window), window).await;
    assert!(matches!(asked.unwrap(), RequestChange::Requested(_)));
    assert_eq!(store.record_lapses(next.expires_at).await.unwrap(), 1);
    assert!(!in_force(&store.latest_grant(account).await.unwrap().unwrap(), next.expires_at));
}

async fn a_request_waits_for_one_answer_or_lapses(store: &Store) {
    let (account, alice) = customer(store, "alice@acme.example", "pw").await;
    let sam = agent(store, "sam@support.example").await;
    let tom = agent(store, "tom@support.example").await;

    // Asked; a second agent's request finds it waiting and changes nothing.
    let RequestChange::Requested(first) =
        store.request_access(request(account, sam, "T-1", t0()), t0()).await.unwrap()
    else {
        panic!("requested");
    };
    assert_eq!((first.state, first.ticket.as_str()), (RequestState::Open, "T-1"));
    assert_eq!(first.requested_by_email.as_deref(), Some("sam@support.example"));
    assert!(is_open(&first, t0() + REQUEST_LIFETIME - TimeDelta::seconds(1)));
    assert!(!is_open(&first, t0() + REQUEST_LIFETIME));
    let again = store.request_access(request(account, tom, "T-9", t0()), t0()).await.unwrap();
    assert_eq!(again, RequestChange::AlreadyOpen(first.clone()));

    // Declined, once.
    let later = t0() + TimeDelta::hours(1);
    let declined = store.decline_request(account, alice, later).await.unwrap().unwrap();
    assert_eq!(
        (declined.id, declined.state, declined.decided_at),
        (first.id, RequestState::Declined, Some(later))
    );
    assert_eq!(store.decline_request(account, alice, later).await.unwrap(), None);
    assert_eq!(store.latest_request(account).await.unwrap().unwrap().state, RequestState::Declined);

    // Asked again, and granted: the grant answers the request and carries its ticket.
    let RequestChange::Requested(second) =
        store.request_access(request(account, tom, "T-2", later), later).await.unwrap()
    else {
        panic!("requested again");
    };
    let GrantChange::Granted(grant) =
        store.grant_access(account, alice, later, later + GRANT_DURATION).await.unwrap()
    else {
        panic!("granted");
    };
    assert_eq!(grant.ticket.as_deref(), Some("T-2"));
    let answered = store.latest_request(account).await.unwrap().unwrap();
    assert_eq!((answered.id, answered.state), (second.id, RequestState::Granted));
    // What /logs reads above its table, in one statement: the same grant and request.
    let overview = store.account_overview_rows(account, later.date_naive()).await.unwrap();
    let overview = overview.unwrap();
    assert_eq!(overview.latest_grant, Some(grant.clone()));
    assert_eq!(overview.latest_request, Some(answered.clone()));
    assert!(matches!(
        store.request_access(request(account, sam, "T-3", later), later).await.unwrap(),
        RequestChange::AlreadyGranted(_)
    ));
    // A grant without a request has no ticket.
    store.revoke_access(account, alice, later).await.unwrap();
    let GrantChange::Granted(plain) =
        store.grant_access(account, alice, later, later + GRANT_DURATION).await.unwrap()
    else {
        panic!("granted");
    };
    assert_eq!(plain.ticket, None);
    store.revoke_access(account, alice, later).await.unwrap();

    // Asked, unanswered: it lapses, recorded once, dated when it lapsed; then it can be
    // asked again, and a grant no longer answers the lapsed one.
    let RequestChange::Requested(third) =
        store.request_access(request(account, sam, "T-4", later), later).await.unwrap()
    else {
        panic!("requested a third time");
    };
    let after = third.lapses_at + TimeDelta::hours(1);
    assert!(
        matches!(
            store.request_access(request(account, tom, "T-5", after), after).await.unwrap(),
            RequestChange::Requested(_)
        ),
        "a lapsed request no longer holds the place"
    );
    assert_eq!(store.record_lapses(after).await.unwrap(), 1);
    assert_eq!(store.record_lapses(after).await.unwrap(), 0);
    let requests = store.access_requests(account, 10).await.unwrap();
    assert_eq!(
        requests.iter().map(|r| (r.ticket.as_str(), r.state)).collect::<Vec<_>>(),
        [
            ("T-5", RequestState::Open),
            ("T-4", RequestState::Lapsed),
            ("T-2", RequestState::Granted),
            ("T-1", RequestState::Declined),
        ]
    );
    assert_eq!(requests[1].decided_at, Some(third.lapses_at));

    let events = store.access_events(account, 20).await.unwrap();
    let trail: Vec<(AccessAction, Option<&str>)> =
        events.iter().rev().map(|e| (e.action, e.detail.ticket.as_deref())).collect();
    assert_eq!(
        trail,
        [
            (AccessAction::Request, Some("T-1")),
            (AccessAction::Decline, Some("T-1")),
            (AccessAction::Request, Some("T-2")),
            (AccessAction::Grant, Some("T-2")),
            (AccessAction::Revoke, None),
            (AccessAction::Grant, None),
            (AccessAction::Revoke, None),
            (AccessAction::Request, Some("T-4")),
            (AccessAction::Lapse, Some("T-4")),
            (AccessAction::Request, Some("T-5")),
        ]
    );
}

async fn concurrent_requests_leave_one_waiting(store: &Store) {
    let (account, _) = customer(store, "alice@acme.example", "pw").await;
    let sam = agent(store, "sam@support.example").await;
    let ask = || store.request_access(request(account, sam, "T-1", t0()), t0());
    let results = tokio::join!(ask(), ask(), ask(), ask(), ask(), ask());
    let results = [results.0, results.1, results.2, results.3, results.4, results.5];
    let requested = results.iter().filter(|r| matches!(r, Ok(RequestChange::Requested(_)))).count();
    assert_eq!(requested, 1, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(RequestChange::Requested(_) | RequestChange::AlreadyOpen(_)))),
        "{results:?}"
    );
    assert_eq!(store.access_requests(account, 10).await.unwrap().len(), 1);
}

async fn a_share_link_opens_one_call_until_it_expires_or_is_revoked(store: &Store) {
    let (alice, alice_user) = customer(store, "alice@acme.example", "pw").await;
    let (bob, _) = customer(store, "bob@globex.example", "pw").await;
    let calls = [
        NewLogEntry::new(alice, Call::sample(t0(), 1)),
        NewLogEntry::new(bob, Call::sample(t0(), 2)),
    ];
    store.insert_log_entries(&calls).await.unwrap();
    let newest = |account| async move {
        store
            .log_page(account, &Scope::EVERYTHING, &LogFilter::default(), PageFrom::Newest, 1)
            .await
            .unwrap()
            .rows[0]
            .id
    };
    let (mine, bobs) = (newest(alice).await, newest(bob).await);
    let hours = TimeDelta::hours;
    let new = |log_entry_id, token_hash: &str| NewShareLink {
        account_id: alice,
        log_entry_id,
        token_hash: token_hash.into(),
        created_by: alice_user,
        expires_at: t0() + hours(24),
    };
    // Another account's call, or none, cannot be shared, and nothing is written.
    assert_eq!(store.create_share_link(&new(bobs, "h0"), t0()).await.unwrap(), None);
    assert_eq!(store.create_share_link(&new(9_999, "h0"), t0()).await.unwrap(), None);
    assert!(store.share_links(alice, 10).await.unwrap().is_empty());
    assert!(store.access_events(alice, 10).await.unwrap().is_empty());

    let link = store.create_share_link(&new(mine, "h1"), t0()).await.unwrap().unwrap();
    let made = (link.log_entry_id, link.request_id.as_str(), link.created_at, link.expires_at);
    assert_eq!(made, (mine, "req_1", t0(), t0() + hours(24)));
    // Found by its hash alone, with the account's name.
    let (found, name) = store.share_link_by_hash("h1").await.unwrap().unwrap();
    assert_eq!((&found, name.as_str()), (&link, "Account of alice@acme.example"));
    assert_eq!(store.share_link_by_hash("h2").await.unwrap(), None);
    assert!(link_in_force(&found, found.expires_at - TimeDelta::seconds(1)));
    assert!(!link_in_force(&found, found.expires_at));

    // Each opening is recorded with where it came from; counted, and listed newest first.
    for i in 0..3 {
        let opening = Opening {
            address: Some(format!("203.0.113.{i}")),
            user_agent: Some("curl/8.5.0".into()),
        };
        let at = t0() + TimeDelta::minutes(i);
        assert!(store.record_opening(&link, &opening, at, 3).await.unwrap());
    }
    let listed = store.share_links(alice, 10).await.unwrap();
    let (listed_link, openings, latest) = &listed[0];
    assert_eq!((listed.len(), listed_link, *openings), (1, &link, 3));
    let addresses: Vec<_> = latest.iter().filter_map(|e| e.detail.address.clone()).collect();
    assert_eq!(addresses, ["203.0.113.2", "203.0.113.1", "203.0.113.0"]);
    assert!(latest.iter().all(|e| e.action == AccessAction::OpenShare
        && e.actor_id.is_none()
        && e.share_link_id == Some(link.id)
        && e.log_entry_id == Some(mine)
        && e.detail.user_agent.as_deref() == Some("curl/8.5.0")));
    assert!(store.share_links(bob, 10).await.unwrap().is_empty(), "Alice's links are hers");

    // Only its account revokes it, once.
    assert!(!store.revoke_share_link(bob, link.id, alice_user, t0() + hours(1)).await.unwrap());
    assert!(store.revoke_share_link(alice, link.id, alice_user, t0() + hours(1)).await.unwrap());
    assert!(!store.revoke_share_link(alice, link.id, alice_user, t0() + hours(2)).await.unwrap());
    let (revoked, _) = store.share_link_by_hash("h1").await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(t0() + hours(1)));
    assert!(!link_in_force(&revoked, t0() + hours(1)));
    // A link past its expiry has nothing left to end.
    let other = store.create_share_link(&new(mine, "h3"), t0()).await.unwrap().unwrap();
    assert!(!store.revoke_share_link(alice, other.id, alice_user, other.expires_at).await.unwrap());

    // The history holds each step of the first link, newest first.
    let events = store.access_events(alice, 20).await.unwrap();
    let steps: Vec<_> =
        events.iter().filter(|e| e.share_link_id == Some(link.id)).map(|e| e.action).collect();
    use AccessAction::{OpenShare, Share, Unshare};
    assert_eq!(steps, [Unshare, OpenShare, OpenShare, OpenShare, Share]);
    let share = events.iter().find(|e| e.action == Share && e.share_link_id == Some(link.id));
    assert_eq!(share.unwrap().actor_id, Some(alice_user));

    // A link opens at most `limit` times in an hour; an opening past it is not
    // recorded. An hour after the first, it opens again, once.
    let busy = store.create_share_link(&new(mine, "h4"), t0()).await.unwrap().unwrap();
    let opening = Opening { address: None, user_agent: None };
    let open =
        |minutes| store.record_opening(&busy, &opening, t0() + TimeDelta::minutes(minutes), 2);
    assert!(open(0).await.unwrap() && open(1).await.unwrap());
    assert!(!open(59).await.unwrap(), "the third in the hour");
    assert!(open(60).await.unwrap(), "the first is an hour old");
    assert!(!open(60).await.unwrap());
    let listed = store.share_links(alice, 10).await.unwrap();
    let (_, openings, _) = listed.iter().find(|(l, _, _)| l.id == busy.id).unwrap();
    assert_eq!(*openings, 3, "only the openings recorded");
}

/// SQLite's write-ahead log reaches the database file without a commit copying it:
/// the store's own task checkpoints it, so the writes that fill the log sync only it.
#[tokio::test]
async fn sqlite_checkpoints_its_log_in_the_background() {
    use sqlx::{Connection, SqliteConnection};
    let db = app::store::testing::TestDb::sqlite().await;
    let (account_id, _) = customer(&db.store, "alice@acme.example", "long password 1").await;
    let mut look = SqliteConnection::connect(&db.url).await.unwrap();
    let file = db.url.trim_start_matches("sqlite://").to_owned();
    // The database's size as its pages say (the log included), and its file's.
    let mut sizes = async || {
        let pages: i64 =
            sqlx::query_scalar("PRAGMA page_count").fetch_one(&mut look).await.unwrap();
        let page: i64 = sqlx::query_scalar("PRAGMA page_size").fetch_one(&mut look).await.unwrap();
        (pages * page, std::fs::metadata(&file).unwrap().len() as i64)
    };
    let (before, _) = sizes().await;

    // A few hundred pages: far fewer than a commit would checkpoint at.
    let entries: Vec<NewLogEntry> = (0..2_000)
        .map(|i| NewLogEntry::new(account_id, Call::sample(t0() - TimeDelta::seconds(i), i)))
        .collect();
    db.store.insert_log_entries(&entries).await.unwrap();
    let (grown, _) = sizes().await;
    assert!(grown > before + 100 * 4096, "{before} → {grown} bytes");
    // Fewer pages in the log than SQLite's own threshold: no commit copied them.
    let log = std::fs::metadata(format!("{file}-wal")).unwrap().len();
    assert!(log < 1_000 * 4_096, "{log} bytes of log");

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (size, in_file) = sizes().await;
        if in_file == size {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the file holds {in_file} of {size} bytes");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(db.store.log_entry_count(account_id).await.unwrap(), 2_000);
}
