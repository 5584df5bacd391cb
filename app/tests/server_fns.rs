//! The plain functions behind the server functions, called as the guard calls them (the
//! app's state and the caller), without HTTP, on SQLite and on PostgreSQL.

use std::sync::Arc;

use app::{
    auth::{NewUser, Role, User},
    clock::ManualClock,
    error::AppError,
    logs::{self, Call, LogFilter, NewLogEntry},
    state::{self, AppState},
    store::Store,
    store_conformance_tests, support,
    support_access::{
        self, AccessAction, AccessDetail, AccessStatus, Grantees, RequestState, Scope,
        GRANT_DURATION,
    },
};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};

store_conformance_tests!(
    grant_and_revoke_answer_with_the_status_they_made,
    support_reads_only_while_a_grant_is_in_force_and_is_recorded,
    a_customer_reads_only_their_own_account,
    the_console_answers_one_account,
    the_history_shows_each_grant_with_what_support_opened_under_it,
    support_asks_and_the_customer_answers,
);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap()
}

struct World {
    state: AppState,
    clock: ManualClock,
    alice: User,
    acme: i64,
    bob: User,
    globex: i64,
    sam: User,
}

impl World {
    /// `customer` grants Support access to every call of their account.
    async fn grant(&self, customer: &User, grantees: Grantees) -> Result<AccessStatus, AppError> {
        support_access::ssr::grant(self.state.clone(), customer.clone(), grantees, Scope::default())
            .await
    }
}

async fn user(store: &Store, email: &str, role: Role, account_id: Option<i64>) -> User {
    let new = NewUser { email, password_hash: "not used", role, account_id };
    store.create_user(new, t0()).await.unwrap()
}

/// Two customers with five calls each, and a support agent.
async fn world(store: &Store) -> World {
    let acme = store.create_account("Acme", t0()).await.unwrap().id;
    let globex = store.create_account("Globex", t0()).await.unwrap().id;
    for account in [acme, globex] {
        let calls: Vec<NewLogEntry> = (0..5)
            .map(|i| NewLogEntry::new(account, Call::sample(t0() - TimeDelta::minutes(i), i)))
            .collect();
        store.insert_log_entries(&calls).await.unwrap();
    }
    let clock = ManualClock::at(t0());
    let state = AppState::for_tests(store.clone(), Arc::new(clock.clone()));
    World {
        alice: user(store, "alice@acme.example", Role::Customer, Some(acme)).await,
        bob: user(store, "bob@globex.example", Role::Customer, Some(globex)).await,
        sam: user(store, "sam@support.example", Role::Support, None).await,
        state,
        clock,
        acme,
        globex,
    }
}

async fn grant_and_revoke_answer_with_the_status_they_made(store: &Store) {
    let w = world(store).await;
    let status = support_access::ssr::status(w.state.clone(), w.alice.clone()).await.unwrap();
    assert_eq!((status.grant, status.now), (None, t0()));

    let granted = w.grant(&w.alice, Grantees::AskingAgent).await.unwrap();
    let grant = granted.grant.clone().expect("a grant in force");
    assert_eq!((grant.granted_at, grant.expires_at), (t0(), t0() + GRANT_DURATION));
    assert_eq!(granted.now, t0());
    // What the grant answered is what the page reads next.
    let read = support_access::ssr::status(w.state.clone(), w.alice.clone()).await.unwrap();
    assert_eq!(read, granted);

    // Granting again an hour later keeps the grant in force, and says so.
    w.clock.advance(TimeDelta::hours(1));
    let again = w.grant(&w.alice, Grantees::AskingAgent).await.unwrap();
    assert_eq!(again.grant, Some(grant));
    assert_eq!(again.now, t0() + TimeDelta::hours(1));

    let revoked = support_access::ssr::revoke(w.state.clone(), w.alice.clone()).await.unwrap();
    assert_eq!(revoked.grant, None);
    let read = support_access::ssr::status(w.state.clone(), w.alice.clone()).await.unwrap();
    assert_eq!(read, revoked);
    // Bob's account was never touched.
    let bobs = support_access::ssr::status(w.state.clone(), w.bob.clone()).await.unwrap();
    assert_eq!(bobs.grant, None);
}

async fn support_reads_only_while_a_grant_is_in_force_and_is_recorded(store: &Store) {
    let w = world(store).await;
    let page = |user: User| {
        logs::ssr::page(w.state.clone(), user, Some(w.acme), LogFilter::default(), None, None)
    };
    assert_eq!(page(w.sam.clone()).await.unwrap_err(), AppError::AccessNotGranted);

    w.grant(&w.alice, Grantees::AskingAgent).await.unwrap();
    let shown = page(w.sam.clone()).await.unwrap();
    assert_eq!(shown.rows.len(), 5);
    let detail = logs::ssr::entry(w.state.clone(), w.sam.clone(), Some(w.acme), shown.rows[0].id)
        .await
        .unwrap();
    assert_eq!(detail.entry.call.request_id, "req_0");
    assert!(detail.curl.starts_with("curl -X POST 'https://api.example.com/v1/pdf/"));
    // Another account's call is not found through this account.
    let globex_page =
        logs::ssr::page(w.state.clone(), w.bob.clone(), None, LogFilter::default(), None, None)
            .await
            .unwrap();
    let elsewhere =
        logs::ssr::entry(w.state.clone(), w.sam.clone(), Some(w.acme), globex_page.rows[0].id);
    assert_eq!(elsewhere.await.unwrap_err(), AppError::NotFound);

    let usage = logs::ssr::usage(w.state.clone(), w.sam.clone(), Some(w.acme)).await.unwrap();
    assert_eq!(usage.calls, 5);
    let events = store.access_events(w.acme, 10).await.unwrap();
    let actions: Vec<AccessAction> = events.iter().map(|e| e.action).collect();
    let expected = [
        AccessAction::ViewUsage,
        AccessAction::ViewEntry,
        AccessAction::ViewLogs,
        AccessAction::Grant,
    ];
    assert_eq!(actions, expected);
    assert_eq!(events[1].log_entry_id, Some(shown.rows[0].id));
    assert!(events[..3].iter().all(|e| e.actor_id == Some(w.sam.id)));

    // The second the grant ends, so does the reading.
    w.clock.advance(GRANT_DURATION);
    assert_eq!(page(w.sam.clone()).await.unwrap_err(), AppError::AccessNotGranted);
    let usage = logs::ssr::usage(w.state.clone(), w.sam.clone(), Some(w.acme)).await;
    assert_eq!(usage.unwrap_err(), AppError::AccessNotGranted);
}

async fn a_customer_reads_only_their_own_account(store: &Store) {
    let w = world(store).await;
    let own = logs::ssr::summary(w.state.clone(), w.alice.clone()).await.unwrap();
    assert_eq!((own.account_name.as_str(), own.calls), ("Acme", 5));
    let named = logs::ssr::page(
        w.state.clone(),
        w.alice.clone(),
        Some(w.acme),
        LogFilter::default(),
        None,
        None,
    );
    assert_eq!(named.await.unwrap().rows.len(), 5);
    let other = logs::ssr::page(
        w.state.clone(),
        w.alice.clone(),
        Some(w.globex),
        LogFilter::default(),
        None,
        None,
    );
    assert_eq!(other.await.unwrap_err(), AppError::Forbidden);
    let bad_cursor = logs::ssr::page(
        w.state.clone(),
        w.alice.clone(),
        None,
        LogFilter::default(),
        Some("soon".into()),
        None,
    );
    assert!(matches!(bad_cursor.await.unwrap_err(), AppError::Invalid(_)));
    // A customer's own reading is not an access event.
    assert!(store.access_events(w.acme, 10).await.unwrap().is_empty());
}

async fn the_console_answers_one_account(store: &Store) {
    let w = world(store).await;
    w.grant(&w.bob, Grantees::AskingAgent).await.unwrap();
    let globex = support::ssr::account(w.state.clone(), w.sam.clone(), w.globex).await.unwrap();
    assert_eq!(globex.account.name, "Globex");
    assert_eq!(globex.account.grant.map(|g| g.expires_at), Some(t0() + GRANT_DURATION));
    let acme = support::ssr::account(w.state.clone(), w.sam.clone(), w.acme).await.unwrap();
    assert_eq!((acme.account.name.as_str(), acme.account.grant), ("Acme", None));
    // The access history is for admins: the header links to it for them alone.
    assert!(!acme.history);
    let admin = user(store, "ada@apilogs.example", Role::Admin, None).await;
    assert!(support::ssr::account(w.state.clone(), admin, w.acme).await.unwrap().history);
    let missing = support::ssr::account(w.state.clone(), w.sam.clone(), 9_999).await;
    assert_eq!(missing.unwrap_err(), AppError::NotFound);
}

async fn the_history_shows_each_grant_with_what_support_opened_under_it(store: &Store) {
    let w = world(store).await;
    let admin = user(store, "ada@apilogs.example", Role::Admin, None).await;
    let history = |user: User, account: Option<i64>| {
        support_access::ssr::history(w.state.clone(), user, account, None)
    };
    assert!(history(w.alice.clone(), None).await.unwrap().grants.is_empty());

    // A first grant, revoked after Sam filtered the list and opened a call.
    w.grant(&w.alice, Grantees::AskingAgent).await.unwrap();
    let filter = LogFilter { method: Some("POST".into()), ..LogFilter::default() };
    let page = logs::ssr::page(w.state.clone(), w.sam.clone(), Some(w.acme), filter, None, None);
    let opened = page.await.unwrap().rows[0].id;
    logs::ssr::entry(w.state.clone(), w.sam.clone(), Some(w.acme), opened).await.unwrap();
    w.clock.advance(TimeDelta::hours(1));
    support_access::ssr::revoke(w.state.clone(), w.alice.clone()).await.unwrap();
    // A second grant that runs out, Sam having looked at the usage chart.
    w.clock.advance(TimeDelta::hours(1));
    w.grant(&w.alice, Grantees::AskingAgent).await.unwrap();
    logs::ssr::usage(w.state.clone(), w.sam.clone(), Some(w.acme)).await.unwrap();
    w.clock.advance(GRANT_DURATION);

    let page = history(w.alice.clone(), None).await.unwrap();
    assert_eq!(page.grants.len(), 2);
    let (latest, latest_activity) = &page.grants[0];
    assert_eq!(latest.grant.granted_at, t0() + TimeDelta::hours(2));
    assert_eq!(latest.granted_by_email.as_deref(), Some("alice@acme.example"));
    assert_eq!(latest.grant.revoked_at, None, "it ran out");
    let actions: Vec<AccessAction> = latest_activity.events.iter().map(|e| e.action).collect();
    assert_eq!(actions, [AccessAction::ViewUsage]);

    let (first, activity) = &page.grants[1];
    assert_eq!(first.revoked_by_email.as_deref(), Some("alice@acme.example"));
    assert_eq!(first.grant.revoked_at, Some(t0() + TimeDelta::hours(1)));
    let events = &activity.events;
    assert_eq!(
        events.iter().map(|e| e.action).collect::<Vec<_>>(),
        [AccessAction::ViewEntry, AccessAction::ViewLogs]
    );
    assert!(events.iter().all(|e| e.actor_email.as_deref() == Some("sam@support.example")));
    assert_eq!(events[0].log_entry_id, Some(opened));
    assert_eq!(
        events[0].detail,
        AccessDetail {
            request_id: Some("req_0".into()),
            endpoint: Some("/v1/pdf/convert/to/text".into()),
            ..AccessDetail::default()
        }
    );
    assert_eq!(events[1].detail.filter.as_deref(), Some("method=POST"));

    // Who may read it: the account's customers, and admins naming the account.
    assert_eq!(history(admin.clone(), Some(w.acme)).await.unwrap(), page);
    assert!(matches!(history(admin, None).await.unwrap_err(), AppError::Invalid(_)));
    assert_eq!(history(w.sam.clone(), Some(w.acme)).await.unwrap_err(), AppError::Forbidden);
    assert_eq!(history(w.bob.clone(), Some(w.acme)).await.unwrap_err(), AppError::Forbidden);
    assert!(history(w.bob.clone(), None).await.unwrap().grants.is_empty(), "Bob's own");
    let list = support_access::ssr::list(w.state.clone(), w.sam.clone(), Some(w.acme), None);
    assert_eq!(list.await.unwrap_err(), AppError::Forbidden);
    let activity = support_access::ssr::activity(
        w.state.clone(),
        w.bob.clone(),
        Some(w.acme),
        first.grant.id,
        None,
    );
    assert_eq!(activity.await.unwrap_err(), AppError::Forbidden);
    // Bob naming Acme's grant through his own account sees nothing of it.
    let activity =
        support_access::ssr::activity(w.state.clone(), w.bob.clone(), None, first.grant.id, None);
    assert!(activity.await.unwrap().events.is_empty());
}

async fn support_asks_and_the_customer_answers(store: &Store) {
    let w = world(store).await;
    let tom = user(store, "tom@support.example", Role::Support, None).await;
    let ask = |agent: User, ticket: &str, reason: &str| {
        support_access::ssr::request(w.state.clone(), agent, w.acme, ticket.into(), reason.into())
    };
    let status = |customer: User| support_access::ssr::status(w.state.clone(), customer);

    // What a request must carry.
    for (ticket, reason) in [("", "why"), (" ", "why"), ("T-1", ""), ("T\n1", "why")] {
        assert!(matches!(ask(w.sam.clone(), ticket, reason).await, Err(AppError::Invalid(_))));
    }
    let long = "x".repeat(support_access::MAX_REASON_CHARS + 1);
    assert!(matches!(ask(w.sam.clone(), "T-1", &long).await, Err(AppError::Invalid(_))));
    let nowhere =
        support_access::ssr::request(w.state.clone(), w.sam.clone(), 999, "T".into(), "r".into());
    assert_eq!(nowhere.await.unwrap_err(), AppError::NotFound);
    assert!(store.latest_request(w.acme).await.unwrap().is_none(), "nothing asked");

    // Sam asks; Tom is told who asked, for which ticket; Alice sees it, Bob does not.
    let asked = ask(w.sam.clone(), " T-1 ", "Invoice totals look wrong").await.unwrap();
    assert_eq!(
        (asked.ticket.as_str(), asked.reason.as_str()),
        ("T-1", "Invoice totals look wrong")
    );
    assert_eq!(asked.lapses_at, t0() + state::REQUEST_LIFETIME);
    let AppError::Conflict(why) = ask(tom.clone(), "T-2", "Me too").await.unwrap_err() else {
        panic!("a conflict");
    };
    assert!(why.contains("sam@support.example") && why.contains("T-1"), "{why}");
    assert_eq!(status(w.alice.clone()).await.unwrap().request, Some(asked.clone()));
    assert_eq!(status(w.bob.clone()).await.unwrap().request, None);

    // Alice declines; Bob's decline never touches Acme.
    support_access::ssr::decline(w.state.clone(), w.bob.clone()).await.unwrap();
    assert_eq!(status(w.alice.clone()).await.unwrap().request, Some(asked));
    let declined = support_access::ssr::decline(w.state.clone(), w.alice.clone()).await.unwrap();
    assert_eq!((declined.grant, declined.request), (None, None));
    let console = support::ssr::account(w.state.clone(), w.sam.clone(), w.acme).await.unwrap();
    assert_eq!(console.account.request.map(|r| r.state), Some(RequestState::Declined));

    // Tom asks; Alice's grant answers him, and names his ticket.
    ask(tom.clone(), "T-2", "Another look").await.unwrap();
    let granted = w.grant(&w.alice, Grantees::AskingAgent).await.unwrap();
    assert_eq!(granted.grant.as_ref().unwrap().ticket.as_deref(), Some("T-2"));
    let console = support::ssr::account(w.state.clone(), w.sam.clone(), w.acme).await.unwrap();
    assert_eq!((console.account.grant.is_some(), console.account.request), (true, None));
    assert!(matches!(ask(w.sam.clone(), "T-3", "Again").await, Err(AppError::Conflict(_))));

    // The grant answered Tom's request: Tom alone reads; Sam gets the refusal he would
    // get with no grant at all, on every read.
    let grant = granted.grant.clone().unwrap();
    assert_eq!(
        (grant.grantee_id, grant.grantee_email.as_deref()),
        (Some(tom.id), Some("tom@support.example"))
    );
    let page = |agent: User| {
        logs::ssr::page(w.state.clone(), agent, Some(w.acme), LogFilter::default(), None, None)
    };
    assert_eq!(page(tom.clone()).await.unwrap().rows.len(), 5);
    assert!(matches!(page(w.sam.clone()).await, Err(AppError::AccessNotGranted)));
    let id = page(tom.clone()).await.unwrap().rows[0].id;
    let entry = logs::ssr::entry(w.state.clone(), w.sam.clone(), Some(w.acme), id).await;
    assert!(matches!(entry, Err(AppError::AccessNotGranted)));
    let usage = logs::ssr::usage(w.state.clone(), w.sam.clone(), Some(w.acme)).await;
    assert!(matches!(usage, Err(AppError::AccessNotGranted)));

    // Widened when granted: all of Support reads.
    support_access::ssr::revoke(w.state.clone(), w.alice.clone()).await.unwrap();
    ask(tom.clone(), "T-4", "Once more").await.unwrap();
    let everyone = w.grant(&w.alice, Grantees::Everyone);
    let grant = everyone.await.unwrap().grant.unwrap();
    assert_eq!((grant.ticket.as_deref(), grant.grantee_id), (Some("T-4"), None));
    assert_eq!(page(w.sam.clone()).await.unwrap().rows.len(), 5);
    assert_eq!(page(tom.clone()).await.unwrap().rows.len(), 5);
}
