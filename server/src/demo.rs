//! Demo data: two customer accounts with several thousand realistic calls each over
//! the last 60 days, and two support agents. Loaded only into a database without users.

use anyhow::bail;
use app::{
    accounts::{api_key_hash, NewApiKey},
    auth::{ssr::hash_password, NewUser, Role},
    logs::{Call, NewLogEntry},
    store::Store,
};
use chrono::{DateTime, TimeDelta, Utc};
use rand::{rngs::StdRng, seq::IndexedRandom, Rng, SeedableRng};

pub const PASSWORD: &str = "apilogs-demo";
/// (account name, customer email, seed of its calls, its "Production" API key for the
/// demo API). The keys are public: they open nothing but the demo.
pub const CUSTOMERS: [(&str, &str, u64, &str); 2] = [
    ("Acme Documents", "alice@acme.example", 1, "ak_live_demo_acme_7f3a9c2e5b1d4f60"),
    ("Globex Legal", "bob@globex.example", 2, "ak_live_demo_globex_2c8e4a6f0d9b1e37"),
];
/// The support agents: two, so that a grant to one agent alone can be seen refusing the
/// other.
pub const SUPPORT_EMAILS: [&str; 2] =
    ["sam@support.apilogs.example", "kim@support.apilogs.example"];
pub const CALLS_PER_ACCOUNT: usize = 5_000;
const DAYS: i64 = 60;

fn demo_emails() -> Vec<&'static str> {
    CUSTOMERS.iter().map(|c| c.1).chain(SUPPORT_EMAILS).collect()
}

/// `apilogs demo`: loads the demo, or refuses on a database with other users.
pub async fn load(store: &Store, now: DateTime<Utc>) -> anyhow::Result<()> {
    let emails = store.user_emails().await?;
    if emails.is_empty() {
        insert(store, now).await?;
        print_credentials();
    } else if emails.iter().all(|e| demo_emails().contains(&e.as_str())) {
        say!("The demo data is loaded already.");
        print_credentials();
    } else {
        bail!(
            "this database has users of its own ({} of them); the demo data only loads into \
             a database without users",
            emails.len()
        );
    }
    Ok(())
}

/// `serve --demo`: loads the demo into a database without users; leaves any other
/// database as it is.
pub async fn load_if_empty(store: &Store, now: DateTime<Utc>) -> anyhow::Result<()> {
    let emails = store.user_emails().await?;
    if emails.is_empty() {
        insert(store, now).await?;
    } else if !emails.iter().all(|e| demo_emails().contains(&e.as_str())) {
        say!("This database has users of its own: no demo data.");
        return Ok(());
    }
    print_credentials();
    Ok(())
}

fn print_credentials() {
    say!("Demo sign-ins (password {PASSWORD:?} for each):");
    for (account, email, _, key) in CUSTOMERS {
        say!("  customer of {account:<16} {email}   (demo API key {key})");
    }
    for email in SUPPORT_EMAILS {
        say!("  support agent                {email}");
    }
}

async fn insert(store: &Store, now: DateTime<Utc>) -> anyhow::Result<()> {
    let password_hash = hash_password(PASSWORD).map_err(|e| anyhow::anyhow!("{e}"))?;
    for (name, email, seed, demo_key) in CUSTOMERS {
        let account = store.create_account(name, now - TimeDelta::days(DAYS + 30)).await?;
        let new_user = NewUser {
            email,
            password_hash: &password_hash,
            role: Role::Customer,
            account_id: Some(account.id),
        };
        store.create_user(new_user, now).await?;
        let mut keys = Vec::new();
        for key_name in ["Production", "Staging"] {
            let key = match key_name {
                "Production" => demo_key.to_owned(),
                _ => format!("ak_live_{}", hex::encode(rand::random::<[u8; 20]>())),
            };
            let new_key = NewApiKey {
                account_id: account.id,
                name: key_name,
                prefix: &key[..12],
                key_hash: &api_key_hash(&key),
            };
            keys.push(store.create_api_key(new_key, now - TimeDelta::days(DAYS)).await?.id);
        }
        let calls = calls(account.id, &keys, now, CALLS_PER_ACCOUNT, seed);
        store.insert_log_entries(&calls).await?;
    }
    for email in SUPPORT_EMAILS {
        let agent =
            NewUser { email, password_hash: &password_hash, role: Role::Support, account_id: None };
        store.create_user(agent, now).await?;
    }
    Ok(())
}

/// A document-conversion API's endpoints: (method, path, credits per page, typical ms).
pub const ENDPOINTS: [(&str, &str, i32, i32); 10] = [
    ("POST", "/v1/pdf/convert/to/text", 1, 420),
    ("POST", "/v1/pdf/convert/to/html", 2, 900),
    ("POST", "/v1/html/convert/to/pdf", 2, 1_600),
    ("POST", "/v1/image/convert/to/pdf", 1, 650),
    ("POST", "/v1/pdf/merge", 1, 800),
    ("POST", "/v1/pdf/split", 1, 500),
    ("POST", "/v1/pdf/compress", 3, 2_200),
    ("POST", "/v1/pdf/add/watermark", 1, 700),
    ("GET", "/v1/pdf/info", 0, 120),
    ("GET", "/v1/account/credits", 0, 40),
];

const USER_AGENTS: [&str; 5] = [
    "python-requests/2.32.3",
    "axios/1.7.7",
    "curl/8.5.0",
    "PostmanRuntime/7.42.0",
    "Go-http-client/2.0",
];

const FILES: [&str; 6] = [
    "invoices/INV-2026-0412.pdf",
    "contracts/msa-v3-signed.pdf",
    "reports/q3-board-pack.pdf",
    "scans/receipt-8812.jpg",
    "statements/2026-10.pdf",
    "forms/w9-filled.pdf",
];

/// `count` calls for `account_id`, spread over the last 60 days before `now`.
/// Deterministic for a seed.
pub fn calls(
    account_id: i64,
    api_keys: &[i64],
    now: DateTime<Utc>,
    count: usize,
    seed: u64,
) -> Vec<NewLogEntry> {
    let mut rng = StdRng::seed_from_u64(seed);
    let host = format!("files.account{account_id}.example");
    (0..count)
        .map(|_| {
            let (method, endpoint, credits_per_page, typical_ms) = *ENDPOINTS.choose(&mut rng).unwrap_or(&ENDPOINTS[0]);
            let ago = TimeDelta::milliseconds(rng.random_range(0..DAYS * 86_400_000));
            let occurred_at = now - ago;
            let roll = rng.random_range(0..100);
            let status = match roll {
                0..=87 => 200,
                88..=92 => 400,
                93..=94 => 401,
                95..=97 => 429,
                _ => 500,
            };
            let pages = rng.random_range(1..=24);
            let file = *FILES.choose(&mut rng).unwrap_or(&FILES[0]);
            let url = format!("https://{host}/{file}");
            let duration_ms = match status {
                401 | 429 => rng.random_range(3..25),
                _ => (typical_ms as f64 * rng.random_range(0.4..2.5) * (1.0 + pages as f64 / 12.0)) as i32,
            };
            let credits = if status == 200 { credits_per_page * pages } else { 0 };
            let request_id = format!("req_{}", hex::encode(rng.random::<[u8; 12]>()));
            let request_body = (method == "POST").then(|| {
                format!(
                    r#"{{"url":"{url}","pages":"1-{pages}","async":false,"name":"{}"}}"#,
                    file.rsplit('/').next().unwrap_or(file).replace(".pdf", ".out")
                )
            });
            let (response_body, error_message) = match status {
                200 => (
                    format!(
                        r#"{{"error":false,"status":200,"url":"https://pdf-temp-files.s3.amazonaws.com/{}/result","pageCount":{pages},"credits":{credits},"remainingCredits":{},"duration":{duration_ms}}}"#,
                        hex::encode(rng.random::<[u8; 8]>()),
                        rng.random_range(5_000..90_000)
                    ),
                    None,
                ),
                400 => error_body(400, "Invalid or unreachable file URL: the server answered 404"),
                401 => error_body(401, "API key is invalid or has been revoked"),
                429 => error_body(429, "Too many requests: limit is 10 requests per second"),
                _ => error_body(500, "Internal error while converting the document; try again"),
            };
            let user_agent = *USER_AGENTS.choose(&mut rng).unwrap_or(&USER_AGENTS[0]);
            NewLogEntry {
                account_id,
                api_key_id: api_keys.choose(&mut rng).copied(),
                call: Call {
                    occurred_at,
                    request_id,
                    method: method.into(),
                    endpoint: endpoint.into(),
                    query: if method == "GET" { format!("url={url}") } else { String::new() },
                    status,
                    duration_ms,
                    credits,
                    request_headers: format!(
                        r#"{{"content-type":"application/json","x-api-key":"[REDACTED]","user-agent":"{user_agent}"}}"#
                    ),
                    request_body,
                    response_body: Some(response_body),
                    request_body_full_size: None,
                    response_body_full_size: None,
                    error_message,
                    client_ip: Some(format!("203.0.113.{}", rng.random_range(1..255))),
                    user_agent: Some(user_agent.into()),
                },
            }
        })
        .collect()
}

fn error_body(status: i32, message: &str) -> (String, Option<String>) {
    (
        format!(r#"{{"error":true,"status":{status},"message":"{message}"}}"#),
        Some(message.to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_realistic_and_reproducible() {
        let now = Utc::now();
        let calls = calls(7, &[1, 2], now, 2_000, 42);
        assert_eq!(calls.len(), 2_000);
        assert_eq!(calls, super::calls(7, &[1, 2], now, 2_000, 42));
        let ok = calls.iter().filter(|c| c.call.status == 200).count();
        assert!((1_600..1_900).contains(&ok), "mostly 200s, got {ok}");
        for status in [400, 401, 429, 500] {
            assert!(calls.iter().any(|c| c.call.status == status), "some {status}");
        }
        for call in &calls {
            assert!(
                call.call.occurred_at <= now && call.call.occurred_at > now - TimeDelta::days(DAYS)
            );
            assert_eq!(call.call.status == 200, call.call.error_message.is_none());
            assert!(call.call.status == 200 || call.call.credits == 0);
            assert!(call.call.request_id.starts_with("req_"));
            assert!(!call.call.request_headers.contains("ak_live_"), "no API key in the logs");
        }
    }
}
