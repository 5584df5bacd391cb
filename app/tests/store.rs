//! The store's conformance suite: every test runs on SQLite and on PostgreSQL.

use app::{
    auth::{
        ssr::{self as auth, SignInError, FAILURE_WINDOW, MAX_FAILURES_PER_EMAIL},
        Role,
    },
    store::{NewApiKey, NewLogEntry, NewUser, Store, StoreError},
    store_conformance_tests,
};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};

store_conformance_tests!(
    migrations_are_idempotent,
    accounts_have_unique_names,
    users_have_unique_case_insensitive_emails,
    customers_need_an_account_and_staff_none,
    times_round_trip_exactly,
    sessions_end_at_their_expiry,
    signing_out_ends_only_that_session,
    sign_in_checks_the_password_and_gives_one_answer_for_both_mistakes,
    sign_in_is_refused_after_repeated_failures_for_a_while,
    log_entries_are_written_all_or_nothing,
);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap() + TimeDelta::microseconds(123_456)
}

async fn customer(store: &Store, email: &str, password: &str) -> (i64, i64) {
    let account = store
        .create_account(&format!("Account of {email}"), t0())
        .await
        .unwrap();
    let hash = auth::hash_password(password).unwrap();
    let new = NewUser {
        email,
        password_hash: &hash,
        role: Role::Customer,
        account_id: Some(account.id),
    };
    let user = store.create_user(new, t0()).await.unwrap();
    (account.id, user.id)
}

async fn migrations_are_idempotent(store: &Store) {
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
}

async fn accounts_have_unique_names(store: &Store) {
    let acme = store.create_account("Acme", t0()).await.unwrap();
    assert_eq!(store.account(acme.id).await.unwrap(), Some(acme.clone()));
    assert_eq!(store.account_by_name(" Acme ").await.unwrap(), Some(acme));
    let again = store.create_account("Acme", t0()).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert!(matches!(
        store.create_account("  ", t0()).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.account(9_999).await.unwrap(), None);
}

async fn users_have_unique_case_insensitive_emails(store: &Store) {
    let (account_id, user_id) = customer(store, " Alice@Acme.Example ", "long password 1").await;
    let user = store.user(user_id).await.unwrap().unwrap();
    assert_eq!(user.email, "alice@acme.example");
    assert_eq!(user.account_id, Some(account_id));
    assert_eq!(user.role, Role::Customer);

    let found = store
        .credentials_by_email("ALICE@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.user, user);
    assert!(found.password_hash.starts_with("$argon2"));

    let duplicate = NewUser {
        email: "alice@ACME.example",
        password_hash: "x",
        role: Role::Customer,
        account_id: Some(account_id),
    };
    let refused = store.create_user(duplicate, t0()).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(
        store.user_emails().await.unwrap(),
        vec!["alice@acme.example"]
    );
}

async fn customers_need_an_account_and_staff_none(store: &Store) {
    let account = store.create_account("Acme", t0()).await.unwrap();
    let cases = [
        (Role::Customer, None),
        (Role::Support, Some(account.id)),
        (Role::Admin, Some(account.id)),
    ];
    for (role, account_id) in cases {
        let new = NewUser {
            email: "x@y.example",
            password_hash: "x",
            role,
            account_id,
        };
        let refused = store.create_user(new, t0()).await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{role}: {refused:?}"
        );
    }
    assert!(
        store.user_emails().await.unwrap().is_empty(),
        "nothing was written"
    );
    let agent = NewUser {
        email: "sam@support.example",
        password_hash: "x",
        role: Role::Support,
        account_id: None,
    };
    assert_eq!(
        store.create_user(agent, t0()).await.unwrap().role,
        Role::Support
    );
}

async fn times_round_trip_exactly(store: &Store) {
    let account = store.create_account("Acme", t0()).await.unwrap();
    assert_eq!(account.created_at, t0());
    assert_eq!(
        store.account(account.id).await.unwrap().unwrap().created_at,
        t0()
    );
}

async fn sessions_end_at_their_expiry(store: &Store) {
    let (_, user_id) = customer(store, "alice@acme.example", "long password 1").await;
    let session = auth::start_session(store, user_id, t0()).await.unwrap();
    assert_eq!(session.expires_at, t0() + auth::SESSION_LIFETIME);
    let at = |time| auth::session_user(store, &session.token, time);

    assert_eq!(at(t0()).await.unwrap().map(|u| u.id), Some(user_id));
    let last = session.expires_at - TimeDelta::microseconds(1);
    assert_eq!(at(last).await.unwrap().map(|u| u.id), Some(user_id));
    assert_eq!(at(session.expires_at).await.unwrap(), None);
    assert_eq!(
        auth::session_user(store, "not-a-token", t0())
            .await
            .unwrap(),
        None
    );

    assert_eq!(store.delete_expired_sessions(last).await.unwrap(), 0);
    assert_eq!(
        store
            .delete_expired_sessions(session.expires_at)
            .await
            .unwrap(),
        1
    );
}

async fn signing_out_ends_only_that_session(store: &Store) {
    let (_, user_id) = customer(store, "alice@acme.example", "long password 1").await;
    let laptop = auth::start_session(store, user_id, t0()).await.unwrap();
    let phone = auth::start_session(store, user_id, t0()).await.unwrap();
    assert_ne!(laptop.token, phone.token);
    auth::end_session(store, &laptop.token).await.unwrap();
    assert_eq!(
        auth::session_user(store, &laptop.token, t0())
            .await
            .unwrap(),
        None
    );
    assert!(auth::session_user(store, &phone.token, t0())
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
        auth::session_user(store, &session.token, t0())
            .await
            .unwrap(),
        Some(user)
    );
}

async fn sign_in_is_refused_after_repeated_failures_for_a_while(store: &Store) {
    customer(store, "alice@acme.example", "long password 1").await;
    let ip = Some("192.0.2.7".parse().unwrap());
    let second = TimeDelta::seconds(1);
    for i in 0..MAX_FAILURES_PER_EMAIL {
        let at = t0() + second * i as i32;
        let failed = auth::sign_in(store, "alice@acme.example", "guess", ip, at).await;
        assert_eq!(failed.err(), Some(SignInError::Invalid), "attempt {i}");
    }
    // Now even the right password is refused, until the first failure leaves the window.
    let now = t0() + TimeDelta::minutes(1);
    let refused = auth::sign_in(store, "alice@acme.example", "long password 1", ip, now).await;
    let reopens = t0() + FAILURE_WINDOW;
    assert_eq!(
        refused.err(),
        Some(SignInError::Throttled {
            retry_after: reopens - now
        })
    );
    // Another email from another address is not affected.
    let other = auth::sign_in(
        store,
        "bob@acme.example",
        "x",
        Some("192.0.2.8".parse().unwrap()),
        now,
    );
    assert_eq!(other.await.err(), Some(SignInError::Invalid));

    let later = reopens + second;
    let (user, _) = auth::sign_in(store, "alice@acme.example", "long password 1", ip, later)
        .await
        .map_err(|e| format!("{e:?}"))
        .unwrap();
    assert_eq!(user.email, "alice@acme.example");
}

async fn log_entries_are_written_all_or_nothing(store: &Store) {
    let (account_id, _) = customer(store, "alice@acme.example", "long password 1").await;
    let key = NewApiKey {
        account_id,
        name: "Production",
        prefix: "ak_live_1234",
        key_hash: "ab",
    };
    let key = store.create_api_key(key, t0()).await.unwrap();
    assert_eq!(key.prefix, "ak_live_1234");
    let entry = |i: i64| NewLogEntry {
        account_id,
        api_key_id: Some(key.id),
        occurred_at: t0() - TimeDelta::seconds(i),
        request_id: format!("req_{i}"),
        method: "POST".into(),
        endpoint: "/v1/pdf/convert/to/text".into(),
        query: String::new(),
        status: 200,
        duration_ms: 420,
        credits: 3,
        request_headers: "{}".into(),
        request_body: Some("{}".into()),
        response_body: Some("{}".into()),
        error_message: None,
        client_ip: Some("203.0.113.9".into()),
        user_agent: Some("curl/8.5.0".into()),
    };
    let entries: Vec<NewLogEntry> = (0..1_234).map(entry).collect();
    store.insert_log_entries(&entries).await.unwrap();
    assert_eq!(store.log_entry_count(account_id).await.unwrap(), 1_234);

    // One bad row (an account that does not exist) and the whole batch is refused.
    let mut bad: Vec<NewLogEntry> = (0..600).map(entry).collect();
    bad[550].account_id = 9_999;
    assert!(store.insert_log_entries(&bad).await.is_err());
    assert_eq!(store.log_entry_count(account_id).await.unwrap(), 1_234);
}
