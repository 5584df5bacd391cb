//! The authorization matrix: every server function and page that touches logs or
//! grants, for every kind of caller, in every state of the account's grant.

use app::{
    auth::Role,
    clock::Clock,
    logs::{Call, LogFilter, NewLogEntry, PageFrom},
    state::REQUEST_LIFETIME,
    support_access::{
        AccessAction, AccessDetail, Grantees, NewAccessEvent, NewAccessRequest, RequestState,
        RevokeChange, Scope, GRANT_DURATION,
    },
};
use axum::http::StatusCode;
use chrono::TimeDelta;

use super::TestApp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GrantState {
    None,
    /// No grant, and Support's request waiting.
    Requested,
    InForce,
    /// In force, answering the support agent's request: for that agent alone.
    ToTheAskingAgent,
    /// As [`GrantState::ToTheAskingAgent`], to some of the calls only: the call read is
    /// just inside the scope, another just outside it.
    Limited(Limit),
    Revoked,
    Expired,
}

/// The kinds of scope a grant may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Limit {
    TimeRange,
    ErrorsOnly,
    Endpoints,
    ChosenCalls,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    /// The customer of the account under test ("A").
    Owner,
    /// A customer of another account ("B").
    OtherCustomer,
    /// The support agent who asks for access, in the states with a request.
    Support,
    /// A second support agent.
    OtherAgent,
    Admin,
}

const CALLERS: [Caller; 6] = [
    Caller::Anonymous,
    Caller::Owner,
    Caller::OtherCustomer,
    Caller::Support,
    Caller::OtherAgent,
    Caller::Admin,
];

struct World {
    app: TestApp,
    account: i64,
    other_account: i64,
    /// A call of A: in any grant's scope.
    entry: i64,
    /// Another call of A: outside a limited grant's scope, just.
    outside: i64,
    /// The support agent's user id.
    sam: i64,
    /// A's webhook endpoint.
    webhook: i64,
    cookies: Vec<(Caller, String)>,
}

impl World {
    async fn new(state: GrantState) -> World {
        let app = TestApp::new().await;
        let (alice, account) = app.user("alice@acme.example", Role::Customer).await;
        let (_, other_account) = app.user("bob@globex.example", Role::Customer).await;
        let (sam, _) = app.user("sam@support.example", Role::Support).await;
        app.user("ada@admin.example", Role::Admin).await;
        app.user("kim@support.example", Role::Support).await;
        let (account, other_account) = (account.unwrap(), other_account.unwrap());
        let now = app.clock.now();
        let since = now - TimeDelta::hours(1);
        // The call read, and the one just outside a limited grant: a microsecond before
        // its range, a 399, an endpoint a character longer, or the next call.
        let (inside, outside) = (
            Call {
                request_id: "req_1".into(),
                request_body: Some("{\"secret\":\"input\"}".into()),
                response_body: Some("{\"secret\":\"output\"}".into()),
                endpoint: "/v1/pdf/merge".into(),
                status: 400,
                ..Call::sample(since, 1)
            },
            Call {
                request_id: "req_2".into(),
                endpoint: "/v1/pdf/merge/".into(),
                status: 399,
                ..Call::sample(since - TimeDelta::microseconds(1), 2)
            },
        );
        let calls = [NewLogEntry::new(account, inside), NewLogEntry::new(account, outside)];
        app.store.insert_log_entries(&calls).await.unwrap();
        let page = app
            .store
            .log_page(account, &Scope::EVERYTHING, &LogFilter::default(), PageFrom::Newest, 2)
            .await
            .unwrap();
        let (entry, outside) = (page.rows[0].id, page.rows[1].id);
        let scope = |limit| match limit {
            Limit::TimeRange => Scope { since: Some(since), until: Some(now), ..Scope::default() },
            Limit::ErrorsOnly => Scope { errors_only: true, ..Scope::default() },
            Limit::Endpoints => {
                Scope { endpoints: vec!["/v1/pdf/merge".into()], ..Scope::default() }
            }
            Limit::ChosenCalls => Scope {
                calls: vec![app::support_access::ChosenCall { at: since, id: entry }],
                ..Scope::default()
            },
        };

        let store = &app.store;
        let webhook = store.add_webhook_endpoint(
            account,
            "https://93.184.216.34/hooks",
            "whsec_AAAA",
            5,
            now,
        );
        let webhook = webhook.await.unwrap().unwrap().id;
        let sams_request = || NewAccessRequest {
            account_id: account,
            by: sam,
            ticket: "T-0",
            reason: "A look",
            lapses_at: now + REQUEST_LIFETIME,
        };
        match state {
            GrantState::None => {}
            GrantState::Requested => {
                store.request_access(sams_request(), now).await.unwrap();
            }
            GrantState::InForce => {
                store.grant_access(account, alice, now, now + GRANT_DURATION).await.unwrap();
            }
            GrantState::ToTheAskingAgent => {
                store.request_access(sams_request(), now).await.unwrap();
                store.grant_access(account, alice, now, now + GRANT_DURATION).await.unwrap();
            }
            GrantState::Limited(limit) => {
                store.request_access(sams_request(), now).await.unwrap();
                let (to, scope) = (Grantees::AskingAgent, scope(limit));
                let until = now + GRANT_DURATION;
                store.grant_access_to(account, alice, now, until, to, &scope).await.unwrap();
            }
            GrantState::Revoked => {
                store.grant_access(account, alice, now, now + GRANT_DURATION).await.unwrap();
                let revoked = store.revoke_access(account, alice, now).await.unwrap();
                assert!(matches!(revoked, RevokeChange::Revoked(_)));
            }
            GrantState::Expired => {
                let granted = now - GRANT_DURATION;
                store.grant_access(account, alice, granted, now).await.unwrap();
            }
        }
        let mut cookies = Vec::new();
        for (caller, email) in [
            (Caller::Owner, "alice@acme.example"),
            (Caller::OtherCustomer, "bob@globex.example"),
            (Caller::Support, "sam@support.example"),
            (Caller::OtherAgent, "kim@support.example"),
            (Caller::Admin, "ada@admin.example"),
        ] {
            cookies.push((caller, app.sign_in(email).await));
        }
        World { app, account, other_account, entry, outside, sam, webhook, cookies }
    }

    fn cookie(&self, caller: Caller) -> Option<&str> {
        self.cookies.iter().find(|(c, _)| *c == caller).map(|(_, cookie)| cookie.as_str())
    }

    async fn call(&self, caller: Caller, path: &str, form: &str) -> StatusCode {
        self.app.post_form(path, form, self.cookie(caller)).await.status()
    }

    async fn page(&self, caller: Caller, path: &str) -> StatusCode {
        self.app.get(path, self.cookie(caller)).await.status()
    }
}

/// What each caller gets, in each state. Reads by staff depend on the grant alone.
fn expected(endpoint: &str, caller: Caller, state: GrantState) -> StatusCode {
    use Caller::*;
    let granted = matches!(
        state,
        GrantState::InForce | GrantState::ToTheAskingAgent | GrantState::Limited(_)
    );
    // A grant to the agent who asked lets them read, and nobody else: not the admin.
    let staff_reads = match (state, caller) {
        (GrantState::InForce, _)
        | (GrantState::ToTheAskingAgent | GrantState::Limited(_), Support) => StatusCode::OK,
        _ => StatusCode::FORBIDDEN,
    };
    // The call outside a limited grant: refused to everyone but its customer.
    let staff_reads_outside = match state {
        GrantState::Limited(_) => StatusCode::FORBIDDEN,
        _ => staff_reads,
    };
    match (endpoint, caller) {
        // A share link opens for anyone holding it, signed in or not: this one never was.
        ("sharing/open" | "page /shared", _) => StatusCode::NOT_FOUND,
        (_, Anonymous) if endpoint.starts_with("page ") => StatusCode::SEE_OTHER,
        (_, Anonymous) => StatusCode::UNAUTHORIZED,
        // The account's logs, named by id.
        ("logs/page A" | "logs/entry A" | "logs/entry A outside" | "logs/usage A", Owner) => {
            StatusCode::OK
        }
        (
            "logs/page A" | "logs/entry A" | "logs/entry A outside" | "logs/usage A",
            OtherCustomer,
        ) => StatusCode::FORBIDDEN,
        ("logs/page A" | "logs/entry A" | "logs/usage A", Support | OtherAgent | Admin) => {
            staff_reads
        }
        ("logs/entry A outside", Support | OtherAgent | Admin) => staff_reads_outside,
        // A customer's own logs, unnamed: staff must name an account.
        ("logs/page own" | "logs/summary", Owner | OtherCustomer) => StatusCode::OK,
        ("logs/page own", Support | OtherAgent | Admin) => StatusCode::BAD_REQUEST,
        ("logs/summary", Support | OtherAgent | Admin) => StatusCode::FORBIDDEN,
        // A's call, asked for by id without naming the account: only A's customer finds it.
        ("logs/entry own", Owner) => StatusCode::OK,
        ("logs/entry own", OtherCustomer) => StatusCode::NOT_FOUND,
        ("logs/entry own", Support | OtherAgent | Admin) => StatusCode::BAD_REQUEST,
        // Grants are the customer's own business.
        ("access/status" | "access/grant" | "access/revoke", Owner | OtherCustomer) => {
            StatusCode::OK
        }
        (
            "access/status" | "access/grant" | "access/revoke" | "logs/grant_limited",
            Support | OtherAgent | Admin,
        ) => StatusCode::FORBIDDEN,
        // Requests: agents ask (one waits at a time: the admin, asking after the support
        // agent, is told one waits; while granted, both are told so); customers answer.
        ("access/request A", Owner | OtherCustomer) => StatusCode::FORBIDDEN,
        ("access/request A", Support) if !granted => StatusCode::OK,
        ("access/request A", Support | OtherAgent | Admin) => StatusCode::CONFLICT,
        ("access/decline", Owner | OtherCustomer) => StatusCode::OK,
        ("access/decline", Support | OtherAgent | Admin) => StatusCode::FORBIDDEN,
        // The access history: the account's customers, and admins (read-only); never
        // support, whatever the grant.
        ("access/history A" | "access/list A" | "access/activity A", Owner | Admin) => {
            StatusCode::OK
        }
        (
            "access/history A" | "access/list A" | "access/activity A",
            OtherCustomer | Support | OtherAgent,
        ) => StatusCode::FORBIDDEN,
        ("access/history own", Owner | OtherCustomer) => StatusCode::OK,
        ("access/history own", Support | OtherAgent) => StatusCode::FORBIDDEN,
        ("access/history own", Admin) => StatusCode::BAD_REQUEST,
        ("page /logs/access" | "page /logs/access.csv", Owner | OtherCustomer) => StatusCode::OK,
        ("page /logs/access" | "page /logs/access.csv", Support | OtherAgent | Admin) => {
            StatusCode::FORBIDDEN
        }
        ("page /support/access" | "page /support/access.csv", Admin) => StatusCode::OK,
        (
            "page /support/access" | "page /support/access.csv",
            Owner | OtherCustomer | Support | OtherAgent,
        ) => StatusCode::FORBIDDEN,
        // Webhook settings: each customer their own account's; staff none. A's endpoint,
        // named by another customer, is not found; its owner removes it last.
        (
            "webhooks/settings"
            | "webhooks/deliveries"
            | "webhooks/add"
            | "page /logs/webhooks"
            | "page /logs/webhooks/deliveries",
            Owner | OtherCustomer,
        ) => StatusCode::OK,
        (name, Owner) if name.starts_with("webhooks/") => StatusCode::OK,
        (name, OtherCustomer) if name.starts_with("webhooks/") => StatusCode::NOT_FOUND,
        (name, Support | OtherAgent | Admin) if name.starts_with("webhooks/") => {
            StatusCode::FORBIDDEN
        }
        (
            "page /logs/webhooks" | "page /logs/webhooks/deliveries",
            Support | OtherAgent | Admin,
        ) => StatusCode::FORBIDDEN,
        // Share links are the customer's own: made for their own calls only.
        ("sharing/list" | "sharing/revoke" | "page /logs/shared", Owner | OtherCustomer) => {
            StatusCode::OK
        }
        ("sharing/create A", Owner) => StatusCode::OK,
        ("sharing/create A", OtherCustomer) => StatusCode::NOT_FOUND,
        (
            "sharing/list" | "sharing/revoke" | "sharing/create A" | "page /logs/shared",
            Support | OtherAgent | Admin,
        ) => StatusCode::FORBIDDEN,
        // The console is for staff.
        ("support/accounts" | "support/account", Owner | OtherCustomer) => StatusCode::FORBIDDEN,
        ("support/accounts" | "support/account", Support | OtherAgent | Admin) => StatusCode::OK,
        // Pages: the guard decides by role; the data on them by the rules above.
        // A page takes the status its data was refused with.
        ("page /logs" | "page /logs/export", Owner | OtherCustomer) => StatusCode::OK,
        ("page /logs/entry", Owner) => StatusCode::OK,
        ("page /logs/entry", OtherCustomer) => StatusCode::NOT_FOUND,
        // The form of a limited grant is the customer's (while a grant is in force, it
        // says so instead).
        ("page /logs/grant/limited", Owner | OtherCustomer) => StatusCode::OK,
        // The call chosen is A's: B, naming it, is told it is not theirs.
        ("logs/grant_limited", Owner) => StatusCode::OK,
        ("logs/grant_limited", OtherCustomer) => StatusCode::BAD_REQUEST,
        (
            "page /logs" | "page /logs/entry" | "page /logs/export" | "page /logs/grant/limited",
            Support | OtherAgent | Admin,
        ) => StatusCode::FORBIDDEN,
        (
            "page /support"
            | "page /support/logs"
            | "page /support/entry"
            | "page /support/entry outside"
            | "page /support/export",
            Owner | OtherCustomer,
        ) => StatusCode::FORBIDDEN,
        ("page /support", Support | OtherAgent | Admin) => StatusCode::OK,
        (
            "page /support/logs" | "page /support/entry" | "page /support/export",
            Support | OtherAgent | Admin,
        ) => staff_reads,
        ("page /support/entry outside", Support | OtherAgent | Admin) => staff_reads_outside,
        _ => unreachable!("no expectation for {endpoint}"),
    }
}

async fn check_matrix(state: GrantState) {
    let world = World::new(state).await;
    let (a, entry) = (world.account, world.entry);
    let endpoints: Vec<(&str, String, String)> = vec![
        ("logs/page A", "/api/logs/page".into(), format!("account={a}")),
        ("logs/page own", "/api/logs/page".into(), String::new()),
        ("logs/entry A", "/api/logs/entry".into(), format!("account={a}&id={entry}")),
        ("logs/entry own", "/api/logs/entry".into(), format!("id={entry}")),
        (
            "logs/entry A outside",
            "/api/logs/entry".into(),
            format!("account={a}&id={}", world.outside),
        ),
        ("logs/summary", "/api/logs/summary".into(), String::new()),
        ("logs/usage A", "/api/logs/usage".into(), format!("account={a}")),
        ("access/status", "/api/support_access/status".into(), String::new()),
        ("access/decline", "/api/support_access/decline".into(), String::new()),
        (
            "access/request A",
            "/api/support_access/request".into(),
            format!("account={a}&ticket=T-1&reason=Invoices+look+wrong"),
        ),
        ("access/history A", "/api/support_access/history".into(), format!("account={a}")),
        ("access/history own", "/api/support_access/history".into(), String::new()),
        ("access/list A", "/api/support_access/list".into(), format!("account={a}")),
        (
            "access/activity A",
            "/api/support_access/activity".into(),
            format!("account={a}&grant=1"),
        ),
        ("page /logs/access", "/logs/access".into(), String::new()),
        ("page /logs/access.csv", "/logs/access.csv".into(), String::new()),
        ("page /support/access", format!("/support/accounts/{a}/access"), String::new()),
        ("page /support/access.csv", format!("/support/accounts/{a}/access.csv"), String::new()),
        ("support/accounts", "/api/support/accounts".into(), "search=".into()),
        ("support/account", "/api/support/account".into(), format!("id={a}")),
        ("webhooks/settings", "/api/webhooks/settings".into(), String::new()),
        ("webhooks/deliveries", "/api/webhooks/deliveries".into(), String::new()),
        ("webhooks/add", "/api/webhooks/add".into(), "url=https%3A%2F%2F93.184.216.34%2Fh".into()),
        ("webhooks/test A", "/api/webhooks/test".into(), format!("id={}", world.webhook)),
        ("webhooks/rotate A", "/api/webhooks/rotate".into(), format!("id={}", world.webhook)),
        ("webhooks/enable A", "/api/webhooks/enable".into(), format!("id={}", world.webhook)),
        ("page /logs/webhooks", "/logs/webhooks".into(), String::new()),
        ("page /logs/webhooks/deliveries", "/logs/webhooks/deliveries".into(), String::new()),
        ("sharing/create A", "/api/sharing/create".into(), format!("id={entry}&hours=24")),
        ("sharing/list", "/api/sharing/list".into(), String::new()),
        ("sharing/revoke", "/api/sharing/revoke".into(), "link=1".into()),
        ("sharing/open", "/api/sharing/open".into(), format!("token={}", "0".repeat(64))),
        ("page /logs/shared", "/logs/shared".into(), String::new()),
        ("page /shared", format!("/shared/{}", "0".repeat(64)), String::new()),
        ("page /logs", "/logs".into(), String::new()),
        ("page /logs/entry", format!("/logs/{entry}"), String::new()),
        ("page /logs/grant/limited", format!("/logs/grant/limited?call={entry}"), String::new()),
        ("page /support", "/support".into(), String::new()),
        ("page /support/logs", format!("/support/accounts/{a}/logs"), String::new()),
        ("page /support/entry", format!("/support/accounts/{a}/logs/{entry}"), String::new()),
        (
            "page /support/entry outside",
            format!("/support/accounts/{a}/logs/{}", world.outside),
            String::new(),
        ),
        ("page /logs/export", "/logs/export.csv".into(), String::new()),
        (
            "page /support/export",
            format!("/support/accounts/{a}/logs/export.ndjson"),
            String::new(),
        ),
        // Last: the owner's remove takes A's endpoint away.
        ("webhooks/remove A", "/api/webhooks/remove".into(), format!("id={}", world.webhook)),
    ];
    let mut wrong = Vec::new();
    for caller in CALLERS {
        for (name, path, form) in &endpoints {
            let got = match name.strip_prefix("page ") {
                Some(_) => world.page(caller, path).await,
                None => world.call(caller, path, form).await,
            };
            let want = expected(name, caller, state);
            if got != want {
                wrong.push(format!("{name} as {caller:?}: got {got}, expected {want}"));
            }
        }
    }

    // Grant and revoke: each caller's effect on account A's grant.
    let before = world.app.store.latest_grant(a).await.unwrap();
    let others = [
        Caller::Anonymous,
        Caller::OtherCustomer,
        Caller::Support,
        Caller::OtherAgent,
        Caller::Admin,
    ];
    let limited = format!("calls={entry}");
    for caller in others {
        for (name, path, form) in [
            ("access/grant", "/api/support_access/grant", ""),
            ("access/revoke", "/api/support_access/revoke", ""),
            ("logs/grant_limited", "/api/logs/grant_limited", limited.as_str()),
        ] {
            let got = world.call(caller, path, form).await;
            let want = expected(name, caller, state);
            if got != want {
                wrong.push(format!("{name} as {caller:?}: got {got}, expected {want}"));
            }
        }
    }
    let after = world.app.store.latest_grant(a).await.unwrap();
    if before != after {
        wrong.push(format!("someone else changed A's grant: {before:?} → {after:?}"));
    }
    let other = world.app.store.latest_grant(world.other_account).await.unwrap();
    if other.is_none_or(|g| g.revoked_at.is_none()) {
        wrong.push("B's own grant then revoke did not both happen".into());
    }
    for (path, form) in [
        ("/api/support_access/grant", ""),
        ("/api/support_access/revoke", ""),
        ("/api/logs/grant_limited", limited.as_str()),
    ] {
        let got = world.call(Caller::Owner, path, form).await;
        if got != StatusCode::OK {
            wrong.push(format!("{path} as Owner: got {got}"));
        }
    }
    let last = world.app.store.latest_grant(a).await.unwrap().map(|grant| grant.scope.calls);
    if last.is_none_or(|calls| calls.iter().map(|call| call.id).collect::<Vec<_>>() != [entry]) {
        wrong.push("A's limited grant is not to the call chosen".into());
    }

    // Every read by staff while in force is in A's audit trail (the page of calls, the
    // calls opened and the logs pages, by each agent); nothing else is, not a refusal.
    let events = world.app.store.access_events(a, 100).await.unwrap();
    let staff_views = events
        .iter()
        .filter(|e| matches!(e.action, AccessAction::ViewLogs | AccessAction::ViewEntry))
        .count();
    // Six by each agent the grant lets read; four under a limited grant, which refuses
    // the call outside it.
    let (want_views, want_exports) = match state {
        GrantState::InForce => (18, 3),
        GrantState::ToTheAskingAgent => (6, 1),
        GrantState::Limited(_) => (4, 1),
        _ => (0, 0),
    };
    if staff_views != want_views {
        wrong.push(format!("{staff_views} support views recorded, expected {want_views}"));
    }
    // Each export twice: when it started, and when it ended.
    for action in [AccessAction::Export, AccessAction::ExportEnd] {
        let exports = events.iter().filter(|e| e.action == action).count();
        if exports != want_exports {
            wrong.push(format!("{exports} {action:?} recorded, expected {want_exports}"));
        }
    }
    // The owner declined the request waiting before the agent asked, and the owner's grant
    // above answered the agent's; nobody else answered anything.
    let requests = world.app.store.access_requests(a, 10).await.unwrap();
    let states: Vec<(&str, RequestState)> =
        requests.iter().map(|r| (r.ticket.as_str(), r.state)).collect();
    let want: &[(&str, RequestState)] = match state {
        GrantState::InForce => &[],
        GrantState::ToTheAskingAgent | GrantState::Limited(_) => &[("T-0", RequestState::Granted)],
        GrantState::Requested => &[("T-1", RequestState::Granted), ("T-0", RequestState::Declined)],
        _ => &[("T-1", RequestState::Granted)],
    };
    if states != want {
        wrong.push(format!("requests {states:?}, expected {want:?}"));
    }
    assert!(wrong.is_empty(), "{state:?}:\n{}", wrong.join("\n"));
}

/// What the agent a limited grant lets read sees: the call inside it alone, in the
/// page, the export and the chart.
async fn check_limited_reads(limit: Limit) {
    let world = World::new(GrantState::Limited(limit)).await;
    let a = world.account;
    let sam = world.cookie(Caller::Support);
    let page = world.app.post_form("/api/logs/page", &format!("account={a}"), sam).await;
    let page = super::body(page).await;
    assert!(page.contains("req_1") && !page.contains("req_2"), "{limit:?}: {page}");
    let export = world.app.get(&format!("/support/accounts/{a}/logs/export.ndjson"), sam).await;
    let export = super::body(export).await;
    assert_eq!(export.lines().count(), 1, "{limit:?}: {export}");
    assert!(export.contains("req_1"), "{limit:?}: {export}");
    let usage = world.app.post_form("/api/logs/usage", &format!("account={a}"), sam).await;
    let usage: serde_json::Value = serde_json::from_str(&super::body(usage).await).unwrap();
    assert_eq!(usage["calls"], 1, "{limit:?}: {usage}");
    // The console says what the grant covers.
    let console = super::body(world.app.get("/support", sam).await).await;
    assert!(console.contains(": only "), "{limit:?}");
}

#[tokio::test]
async fn with_a_grant_limited_to_a_time_range() {
    check_matrix(GrantState::Limited(Limit::TimeRange)).await;
    check_limited_reads(Limit::TimeRange).await;
}

#[tokio::test]
async fn with_a_grant_limited_to_errors() {
    check_matrix(GrantState::Limited(Limit::ErrorsOnly)).await;
    check_limited_reads(Limit::ErrorsOnly).await;
}

#[tokio::test]
async fn with_a_grant_limited_to_endpoints() {
    check_matrix(GrantState::Limited(Limit::Endpoints)).await;
    check_limited_reads(Limit::Endpoints).await;
}

#[tokio::test]
async fn with_a_grant_limited_to_chosen_calls() {
    check_matrix(GrantState::Limited(Limit::ChosenCalls)).await;
    check_limited_reads(Limit::ChosenCalls).await;
}

#[tokio::test]
async fn with_a_request_waiting() {
    check_matrix(GrantState::Requested).await;
}

#[tokio::test]
async fn with_no_grant() {
    check_matrix(GrantState::None).await;
}

#[tokio::test]
async fn with_a_grant_in_force() {
    check_matrix(GrantState::InForce).await;
}

#[tokio::test]
async fn with_a_grant_to_the_agent_who_asked() {
    check_matrix(GrantState::ToTheAskingAgent).await;
}

#[tokio::test]
async fn with_a_revoked_grant() {
    check_matrix(GrantState::Revoked).await;
}

#[tokio::test]
async fn with_an_expired_grant() {
    check_matrix(GrantState::Expired).await;
}

/// The boundary on the live path: one second before expiry support reads; at expiry
/// the very next call is refused.
#[tokio::test]
async fn expiry_takes_effect_on_the_next_request() {
    let world = World::new(GrantState::InForce).await;
    let form = format!("account={}", world.account);
    world.app.clock.advance(GRANT_DURATION - TimeDelta::seconds(1));
    assert_eq!(world.call(Caller::Support, "/api/logs/page", &form).await, StatusCode::OK);
    world.app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(world.call(Caller::Support, "/api/logs/page", &form).await, StatusCode::FORBIDDEN);
}

/// The customer's history page shows what the agent opened, linked to the customer's
/// own view of the call; the API Logs page links to it.
#[tokio::test]
async fn the_history_page_shows_what_support_opened() {
    let world = World::new(GrantState::InForce).await;
    let (a, entry) = (world.account, world.entry);
    let form = format!("account={a}&id={entry}");
    assert_eq!(world.call(Caller::Support, "/api/logs/entry", &form).await, StatusCode::OK);
    let form = format!("account={a}&filter[method]=POST&filter[utc_offset]=0");
    assert_eq!(world.call(Caller::Support, "/api/logs/page", &form).await, StatusCode::OK);

    let logs = world.app.get("/logs", world.cookie(Caller::Owner)).await;
    assert!(super::body(logs).await.contains(r#"href="/logs/access""#));
    let page = world.app.get("/logs/access", world.cookie(Caller::Owner)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = super::body(page).await;
    for shown in [
        "What Customer Support has seen",
        "alice@acme.example",
        "sam@support.example",
        "Opened the call ",
        &format!(r#"href="/logs/{entry}""#),
        "req_1",
        "Opened the list of calls",
        "method POST",
        "In force",
    ] {
        assert!(html.contains(shown), "{shown} is not on the page");
    }
    let csv = world.app.get("/logs/access.csv", world.cookie(Caller::Owner)).await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = super::body(csv).await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "time,action,by,grant,call,request_id,endpoint,filter,format,calls,broken_off,ticket,\
         share_link,address,user_agent,scope"
    );
    assert_eq!(lines.len(), 4, "the grant, the call opened, the list: {csv}");
    assert!(
        lines[1].contains(",view_logs,sam@support.example,") && lines[1].contains("method POST")
    );
    assert!(lines[2].contains(&format!(",view_entry,sam@support.example,1,{entry},req_1,/v1/")));
    assert!(lines[3].contains(",grant,alice@acme.example,1,,"), "{csv}");

    // An admin reads the same history, read-only: the account's page links to it, and
    // nothing on it leads into the customer's calls.
    let world = &world;
    let admin = |path: String| async move {
        super::body(world.app.get(&path, world.cookie(Caller::Admin)).await).await
    };
    let header = admin(format!("/support/accounts/{a}/logs")).await;
    assert!(header.contains(&format!(r#"href="/support/accounts/{a}/access""#)));
    let html = admin(format!("/support/accounts/{a}/access")).await;
    assert!(html.contains("req_1") && html.contains("method POST") && html.contains("Read-only"));
    assert!(!html.contains(r#"href="/logs/"#) && !html.contains(r#"href="/logs?"#), "{html}");
    // The same rows, after the admin's own look at the account's logs page (recorded).
    let csv = admin(format!("/support/accounts/{a}/access.csv")).await;
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!((rows[0], &rows[rows.len() - 3..]), (lines[0], &lines[1..]));
    assert!(rows[1..rows.len() - 3].iter().any(|r| r.contains(",view_logs,ada@admin.example,")));
}

/// The history's download holds every event, read a page at a time.
#[tokio::test]
async fn the_history_downloads_every_event() {
    let world = World::new(GrantState::InForce).await;
    let grant = world.app.store.latest_grant(world.account).await.unwrap().unwrap();
    let start = world.app.clock.now();
    for i in 0..1_234_i64 {
        let event = NewAccessEvent {
            actor_id: None,
            account_id: world.account,
            action: AccessAction::ViewUsage,
            log_entry_id: None,
            grant_id: Some(grant.id),
            request_id: None,
            share_link_id: None,
            detail: AccessDetail { request_id: Some(format!("r{i}")), ..AccessDetail::default() },
        };
        // Two at each instant: the pages' keyset takes the id too.
        let at = start + TimeDelta::seconds(i / 2);
        world.app.store.record_access_event(event, at).await.unwrap();
    }
    let csv = world.app.get("/logs/access.csv", world.cookie(Caller::Owner)).await;
    let csv = super::body(csv).await;
    let ids: Vec<&str> = csv.lines().skip(1).filter_map(|line| line.split(',').nth(5)).collect();
    let want: Vec<String> = (0..1_234).rev().map(|i| format!("r{i}")).collect();
    assert_eq!(ids[..1_234], want, "newest first, each once");
    assert_eq!(ids.len(), 1_234 + 1, "and the grant");
}

/// A request waiting shows above the customer's table (who, which ticket, why, the
/// seed's grant link and a decline link, each with a confirmation page) and in the
/// agents' console.
#[tokio::test]
async fn a_request_waiting_shows_to_the_customer_and_in_the_console() {
    let world = World::new(GrantState::Requested).await;
    let logs = world.app.get("/logs", world.cookie(Caller::Owner)).await;
    let html = super::body(logs).await;
    for shown in [
        "sam@support.example",
        " from Customer Support asks for access to your API Logs for ticket ",
        "T-0",
        "A look",
        app::support_access::GRANT_LINK_TEXT,
        r#"href="/logs/decline""#,
    ] {
        assert!(html.contains(shown), "{shown} is not on /logs");
    }
    let confirm = world.app.get("/logs/decline", world.cookie(Caller::Owner)).await;
    let html = super::body(confirm).await;
    assert!(
        html.contains("Decline Customer Support&#x27;s request")
            || html.contains("Decline Customer Support's request"),
        "{html}"
    );
    assert!(html.contains("(ticket T-0)"));
    let confirm = world.app.get("/logs/grant", world.cookie(Caller::Owner)).await;
    assert!(super::body(confirm).await.contains("request for ticket T-0"));

    let history = world.app.get("/logs/access", world.cookie(Caller::Owner)).await;
    let html = super::body(history).await;
    for shown in ["Requests from Customer Support", "Waiting for your answer", "T-0", "A look"] {
        assert!(html.contains(shown), "{shown} is not on /logs/access");
    }

    let console = world.app.get("/support", world.cookie(Caller::Support)).await;
    let html = super::body(console).await;
    assert!(html.contains("Requested since") && html.contains("for ticket T-0"), "{html}");
}

/// A grant's activity beyond the first page is a link away, a page at a time.
#[tokio::test]
async fn older_activity_under_a_grant_pages_on() {
    let world = World::new(GrantState::InForce).await;
    let a = world.account;
    let grant = world.app.store.latest_grant(a).await.unwrap().unwrap();
    let sam = world.sam;
    let now = world.app.clock.now();
    for i in 0..55 {
        let event = app::support_access::NewAccessEvent {
            actor_id: Some(sam),
            account_id: a,
            action: AccessAction::ViewEntry,
            log_entry_id: Some(i),
            grant_id: Some(grant.id),
            request_id: None,
            share_link_id: None,
            detail: app::support_access::AccessDetail {
                request_id: Some(format!("req_page_{i:02}")),
                ..Default::default()
            },
        };
        world.app.store.record_access_event(event, now + TimeDelta::seconds(i)).await.unwrap();
    }
    let html = super::body(world.app.get("/logs/access", world.cookie(Caller::Owner)).await).await;
    assert!(html.contains("req_page_54") && html.contains("req_page_05"));
    assert!(!html.contains("req_page_04"), "the first page holds 50");
    let start = html.find("/logs/access?grant=").expect("a link to older activity");
    let href = html[start..html[start..].find('"').unwrap() + start].replace("&amp;", "&");
    let older = world.app.get(&href, world.cookie(Caller::Owner)).await;
    assert_eq!(older.status(), StatusCode::OK);
    let html = super::body(older).await;
    assert!(html.contains("req_page_04") && html.contains("req_page_00"), "{href}");
    assert!(!html.contains("req_page_05"));
}

/// The webhooks page lists the customer's endpoints, and a secret just made the one time
/// it is shown (what another tab follows live does not spend it); adding one through the
/// plain form works as with the page's script.
#[tokio::test]
async fn the_webhooks_page_shows_a_new_secret_once() {
    let world = &World::new(GrantState::None).await;
    let get = |path| async move {
        super::body(world.app.get(path, world.cookie(Caller::Owner)).await).await
    };
    let page = || get("/logs/webhooks");
    let followed = get("/logs/webhooks/deliveries").await;
    assert!(followed.contains(r#"id="deliveries""#) && !followed.contains("whsec_"));
    let first = page().await;
    for shown in ["https://93.184.216.34/hooks", "Signing secret, shown this once", "whsec_AAAA"] {
        assert!(first.contains(shown), "{shown} is not on the page");
    }
    assert!(!page().await.contains("whsec_"), "the secret is shown once");

    let form = "url=https%3A%2F%2F93.184.216.34%2Fnew";
    assert_eq!(world.call(Caller::Owner, "/api/webhooks/add", form).await, StatusCode::OK);
    let after = page().await;
    assert!(after.contains("https://93.184.216.34/new") && after.contains("whsec_"));
    let refused = world.app.post_form(
        "/api/webhooks/add",
        "url=https%3A%2F%2F10.0.0.1%2Fx",
        world.cookie(Caller::Owner),
    );
    let refused = refused.await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(super::body(refused).await.contains("public internet"));
}
