//! The HTTP layer end to end, in process: health, the page guard, sign-in, sign-out
//! and the server functions' 401/403, exports.

mod authorization;
mod export;
mod ingest;
mod limited_grants;
mod protect;
mod redaction;
mod search;
mod sharing;

use std::{net::SocketAddr, sync::Arc};

use app::{
    auth::{ssr::hash_password, NewUser, Role},
    clock::ManualClock,
    logs::{Call, NewLogEntry},
    state::AppState,
    store::{testing::TestDb, Store},
};
use axum::{
    body::Body,
    extract::connect_info::MockConnectInfo,
    http::{header, Request, Response, StatusCode},
    Router,
};
use chrono::Utc;
use tower::ServiceExt;

use super::{client::TrustedProxies, ingest::IngestState, router};
use crate::{ingest::IngestSettings, recorder::Recorder};

const PASSWORD: &str = "long password 1";
const INGEST_TOKEN: &str = "test-ingest-token";
/// The address every test request comes from: a trusted reverse proxy.
const PROXY: &str = "192.0.2.1";

struct TestApp {
    router: Router,
    _db: TestDb,
    store: Store,
    clock: ManualClock,
}

impl TestApp {
    async fn new() -> TestApp {
        let db = TestDb::sqlite().await;
        let store = db.store.clone();
        let clock = ManualClock::at(Utc::now());
        let state = AppState::for_tests(store.clone(), Arc::new(clock.clone()));
        let ingest = Arc::new(IngestSettings {
            max_batch_records: 100,
            max_request_bytes: 256 * 1024,
            ..IngestSettings::default()
        });
        let (recorder, _) = Recorder::spawn(store.clone(), state.clock.clone(), ingest.clone());
        let ingest =
            IngestState::new(store.clone(), state.clock.clone(), ingest, &[INGEST_TOKEN.into()]);
        let proxies = TrustedProxies(vec![PROXY.parse().unwrap()]);
        let router = router(state, ingest, recorder, proxies, Default::default())
            .layer(MockConnectInfo(SocketAddr::from(([192, 0, 2, 1], 5000))));
        TestApp { router, _db: db, store, clock }
    }

    /// Adds a user, a customer with an account of their own; returns the user's id and
    /// the account's.
    async fn user(&self, email: &str, role: Role) -> (i64, Option<i64>) {
        let account_id = match role {
            Role::Customer => Some(self.store.create_account(email, Utc::now()).await.unwrap().id),
            _ => None,
        };
        let hash = hash_password(PASSWORD).unwrap();
        let new = NewUser { email, password_hash: &hash, role, account_id };
        (self.store.create_user(new, Utc::now()).await.unwrap().id, account_id)
    }

    fn clock_arc(&self) -> Arc<dyn app::clock::Clock> {
        Arc::new(self.clock.clone())
    }

    async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.router.clone().oneshot(request).await.unwrap()
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Response<Body> {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    async fn post_form(&self, path: &str, form: &str, cookie: Option<&str>) -> Response<Body> {
        let mut request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(form.to_owned())).unwrap()).await
    }

    /// Signs in and returns the `name=value` of the session cookie.
    async fn sign_in(&self, email: &str) -> String {
        let response =
            self.post_form("/signin", &format!("email={email}&password={PASSWORD}"), None).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        set_cookie(&response).split(';').next().unwrap().to_owned()
    }
}

fn location(response: &Response<Body>) -> &str {
    response.headers()[header::LOCATION].to_str().unwrap()
}

fn set_cookie(response: &Response<Body>) -> &str {
    response.headers()[header::SET_COOKIE].to_str().unwrap()
}

async fn body(response: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn healthz_is_ok_while_the_database_answers_and_503_when_not() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    app.store.close().await;
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_protected_page_sends_strangers_to_sign_in_and_back() {
    let app = TestApp::new().await;
    let response = app.get("/logs?x=1", None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/signin?notice=session&next=%2Flogs%3Fx%3D1");

    let response = app.get("/logs", Some("apilogs_session=forged")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_in_sets_a_safe_cookie_and_opens_the_customer_pages() {
    let app = TestApp::new().await;
    app.user("alice@acme.example", Role::Customer).await;
    let form = format!("email=alice%40acme.example&password={PASSWORD}&next=%2Flogs%3Fpage%3D2");
    let response = app.post_form("/signin", &form, None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/logs?page=2");
    let cookie = set_cookie(&response);
    assert!(cookie.starts_with("apilogs_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "not Secure unless configured: {cookie}");
    let secure = app::auth::ssr::session_cookie(
        &app::auth::ssr::Session { token: "t".into(), expires_at: Utc::now() },
        true,
    );
    assert!(secure.starts_with("__Host-apilogs_session=t; Path=/;"), "{secure}");
    assert!(secure.ends_with("; Secure") && !secure.contains("Domain"), "{secure}");

    let session = cookie.split(';').next().unwrap();
    let page = app.get("/logs", Some(session)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let app = TestApp::new().await;
    app.user("alice@acme.example", Role::Customer).await;
    for next in ["https%3A%2F%2Fevil.example", "%2F%2Fevil.example", "%2F%5Cevil.example"] {
        let form = format!("email=alice%40acme.example&password={PASSWORD}&next={next}");
        let response = app.post_form("/signin", &form, None).await;
        assert_eq!(location(&response), "/logs", "next={next}");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = TestApp::new().await;
    app.user("alice@acme.example", Role::Customer).await;
    let wrong = app.post_form("/signin", "email=alice%40acme.example&password=nope", None).await;
    let unknown = app.post_form("/signin", "email=eve%40acme.example&password=nope", None).await;
    assert_eq!(location(&wrong), "/signin?error=invalid&email=alice%40acme.example");
    assert_eq!(location(&unknown), "/signin?error=invalid&email=eve%40acme.example");
    assert!(!wrong.headers().contains_key(header::SET_COOKIE));
    let empty = app.post_form("/signin", "email=&password=", None).await;
    assert_eq!(location(&empty), "/signin?error=missing&email=");
}

#[tokio::test]
async fn repeated_failures_are_refused_for_a_while() {
    let app = TestApp::new().await;
    app.user("alice@acme.example", Role::Customer).await;
    for _ in 0..5 {
        app.post_form("/signin", "email=alice%40acme.example&password=nope", None).await;
    }
    let form = format!("email=alice%40acme.example&password={PASSWORD}");
    let refused = app.post_form("/signin", &form, None).await;
    assert_eq!(location(&refused), "/signin?error=throttled&email=alice%40acme.example&retry=15");
    assert!(!refused.headers().contains_key(header::SET_COOKIE));
}

#[tokio::test]
async fn failures_from_one_address_do_not_lock_the_user_out_at_another() {
    let app = TestApp::new().await;
    app.user("alice@acme.example", Role::Customer).await;
    // Behind the trusted proxy, each client is the address it forwarded for.
    let sign_in = |from: &'static str, password: &str| {
        let form = format!("email=alice%40acme.example&password={password}");
        let request = Request::post("/signin")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-forwarded-for", from)
            .body(Body::from(form))
            .unwrap();
        app.send(request)
    };
    for _ in 0..5 {
        let failed = sign_in("198.51.100.7", "guess").await;
        assert!(location(&failed).starts_with("/signin?error=invalid"));
    }
    let attacker = sign_in("198.51.100.7", "long%20password%201").await;
    assert!(location(&attacker).starts_with("/signin?error=throttled"), "{}", location(&attacker));
    // A client behind the proxy that claims Alice's address is not believed: only
    // what the trusted proxy itself saw counts.
    for _ in 0..5 {
        sign_in("203.0.113.5, 192.0.2.99", "guess").await;
    }
    let alice = sign_in("203.0.113.5", "long%20password%201").await;
    assert_eq!(location(&alice), "/logs", "Alice, from her own address, signs in");
}

#[tokio::test]
async fn signing_in_again_renews_the_session_and_signing_out_ends_it() {
    let app = TestApp::new().await;
    app.user("alice@acme.example", Role::Customer).await;
    let first = app.sign_in("alice@acme.example").await;
    let form = format!("email=alice%40acme.example&password={PASSWORD}");
    let again = app.post_form("/signin", &form, Some(&first)).await;
    let second = set_cookie(&again).split(';').next().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(app.get("/logs", Some(&first)).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get("/logs", Some(&second)).await.status(), StatusCode::OK);

    let out = app.post_form("/signout", "", Some(&second)).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/signin?notice=signed-out");
    assert!(set_cookie(&out).contains("Max-Age=0"));
    assert_eq!(app.get("/logs", Some(&second)).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn another_role_gets_403_on_pages_and_server_functions() {
    let app = TestApp::new().await;
    app.user("sam@support.example", Role::Support).await;
    let agent = app.sign_in("sam@support.example").await;
    let page = app.get("/logs", Some(&agent)).await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(body(page).await.contains("You do not have access to this page"));

    let call = app.post_form("/api/logs/summary", "", Some(&agent)).await;
    assert_eq!(call.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn server_functions_answer_401_without_a_session() {
    let app = TestApp::new().await;
    let call = app.post_form("/api/logs/summary", "", None).await;
    assert_eq!(call.status(), StatusCode::UNAUTHORIZED);
    let text = body(call).await;
    assert!(text.contains("Unauthenticated"), "{text}");

    // Asking who is signed in is allowed: the answer is nobody.
    let who = app.post_form("/api/current_user", "", None).await;
    assert_eq!(who.status(), StatusCode::OK);
    assert_eq!(body(who).await, "null");
}

#[tokio::test]
async fn a_customer_reads_their_own_account_summary() {
    let app = TestApp::new().await;
    app.user("alice@acme.example", Role::Customer).await;
    let alice = app.sign_in("alice@acme.example").await;
    let call = app.post_form("/api/logs/summary", "", Some(&alice)).await;
    assert_eq!(call.status(), StatusCode::OK);
    let text = body(call).await;
    assert!(text.contains(r#""account_name":"alice@acme.example""#), "{text}");
}

#[tokio::test]
async fn bad_input_is_a_400_naming_it_on_pages_and_server_functions() {
    let app = TestApp::new().await;
    app.user("alice@acme.example", Role::Customer).await;
    let alice = app.sign_in("alice@acme.example").await;
    let page = app.get("/logs?to=%2B262142-12-31", Some(&alice)).await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(body(page).await.contains("is outside the years 1970 to 9999"));

    let call = app.post_form("/api/logs/page", "filter[search]=x", Some(&alice)).await;
    assert_eq!(call.status(), StatusCode::BAD_REQUEST);
    assert!(body(call).await.contains("The request is malformed"));
}

/// Pages, server-function answers and downloads go compressed to a client that accepts
/// it (brotli first, else gzip), and as they are to one that does not.
#[tokio::test]
async fn answers_are_compressed_for_clients_that_accept_it() {
    use std::io::Read;

    let app = TestApp::new().await;
    let (_, account) = app.user("alice@acme.example", Role::Customer).await;
    let calls: Vec<NewLogEntry> =
        (0..200).map(|i| NewLogEntry::new(account.unwrap(), Call::sample(Utc::now(), i))).collect();
    app.store.insert_log_entries(&calls).await.unwrap();
    let cookie = app.sign_in("alice@acme.example").await;
    let fetch = |method: &str, path: &str, encoding: Option<&str>| {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(encoding) = encoding {
            request = request.header(header::ACCEPT_ENCODING, encoding);
        }
        let request = request.body(Body::empty()).unwrap();
        async {
            let response = app.send(request).await;
            let encoding = response
                .headers()
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap().to_owned());
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            (encoding, bytes.to_vec())
        }
    };
    for (method, path) in
        [("GET", "/logs"), ("POST", "/api/logs/page"), ("GET", "/logs/export.csv")]
    {
        let (plain_encoding, plain) = fetch(method, path, None).await;
        assert_eq!(plain_encoding, None, "{path}");
        let (encoding, br) = fetch(method, path, Some("gzip, deflate, br")).await;
        assert_eq!(encoding.as_deref(), Some("br"), "{path}");
        let mut unpacked = Vec::new();
        brotli_decompressor::Decompressor::new(&br[..], 4096).read_to_end(&mut unpacked).unwrap();
        assert!(br.len() * 3 < plain.len(), "{path}: {} bytes of {}", br.len(), plain.len());
        let (encoding, gz) = fetch(method, path, Some("gzip")).await;
        assert_eq!(encoding.as_deref(), Some("gzip"), "{path}");
        let mut ungzipped = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut ungzipped).unwrap();
        // A page carries a fresh nonce each time; the rest is the same.
        if path != "/logs" {
            assert_eq!((&unpacked, &ungzipped), (&plain, &plain), "{path}");
        } else {
            assert_eq!(unpacked.len(), plain.len());
        }
    }
}

/// Many readers at once, several times the pool's connections, each page reading
/// several parts (the agent's view: its calls, its chart, the account's header, each
/// recorded): every page is answered. A part whose read starts and is then left waiting
/// while another part renders must not hold a connection the other needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_several_parts_are_all_answered_under_many_readers_at_once() {
    use app::support_access::GRANT_DURATION;

    let app = Arc::new(TestApp::new().await);
    let (alice, account) = app.user("alice@acme.example", Role::Customer).await;
    let account = account.unwrap();
    app.user("sam@support.example", Role::Support).await;
    let calls: Vec<NewLogEntry> =
        (0..200).map(|i| NewLogEntry::new(account, Call::sample(Utc::now(), i))).collect();
    app.store.insert_log_entries(&calls).await.unwrap();
    let now = Utc::now();
    app.store.grant_access(account, alice, now, now + GRANT_DURATION).await.unwrap();
    let customer = app.sign_in("alice@acme.example").await;
    let agent = app.sign_in("sam@support.example").await;

    let agents_view = format!("/support/accounts/{account}/logs");
    let readers: Vec<_> = (0..48)
        .map(|i| {
            let (app, cookie, path) = match i % 2 {
                0 => (app.clone(), agent.clone(), agents_view.clone()),
                _ => (app.clone(), customer.clone(), "/logs".to_owned()),
            };
            tokio::spawn(async move { (app.get(&path, Some(&cookie)).await.status(), path) })
        })
        .collect();
    let answered = async {
        for reader in readers {
            let (status, path) = reader.await.unwrap();
            assert_eq!(status, StatusCode::OK, "{path}");
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), answered)
        .await
        .expect("every page answered within 20 s");
}
