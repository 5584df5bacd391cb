//! What an operator watches, in Prometheus' text format at `GET /metrics`: requests by
//! route and status with their latencies, ingest, the recorder, the database pool,
//! grants in force, sign-in refusals and purged rows.
//!
//! The counters are the process's own (one set per instance: Prometheus adds them up
//! across instances); the gauges are read at each scrape.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    sync::{
        atomic::{AtomicU64, Ordering},
        LazyLock, Mutex,
    },
    time::Duration,
};

use axum::http::Method;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The process's counters.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<RequestKey, Latencies>>,
    pub ingest_batches: AtomicU64,
    pub ingest_calls: AtomicU64,
    pub recorded_calls: AtomicU64,
    pub dropped_calls: AtomicU64,
    pub sign_in_refusals: Labelled,
    pub purged_rows: Labelled,
}

/// Counters by one label's value.
#[derive(Default)]
pub struct Labelled(Mutex<BTreeMap<&'static str, u64>>);

impl Labelled {
    pub fn add(&self, label: &'static str, n: u64) {
        *self.0.lock().unwrap().entry(label).or_default() += n;
    }
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RequestKey {
    route: String,
    method: String,
    status: u16,
}

#[derive(Default)]
struct Latencies {
    /// Requests at or under each bucket's bound (not yet cumulative).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

pub fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

impl Metrics {
    /// A request answered: its route (the pattern it matched, never the path with its
    /// ids), method, status and time to the response's head.
    pub fn request(&self, route: &str, method: &Method, status: u16, took: Duration) {
        // Any method at all reaches here: those no route takes count as one, so that a
        // client cannot grow the labels without end.
        let method = match *method {
            Method::GET
            | Method::HEAD
            | Method::POST
            | Method::PUT
            | Method::PATCH
            | Method::DELETE
            | Method::OPTIONS => method.as_str(),
            _ => "OTHER",
        };
        let key = RequestKey { route: route.to_owned(), method: method.to_owned(), status };
        let mut requests = self.requests.lock().unwrap();
        let latencies = requests.entry(key).or_default();
        let seconds = took.as_secs_f64();
        if let Some(bucket) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            latencies.buckets[bucket] += 1;
        }
        latencies.count += 1;
        latencies.sum += seconds;
    }

    /// The text Prometheus scrapes: the counters, then `gauges` read just now.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        self.render_requests(&mut out);
        let counters = [
            ("apilogs_ingest_batches_total", "Ingest batches stored.", &self.ingest_batches),
            (
                "apilogs_ingest_calls_total",
                "Calls stored through the ingest API.",
                &self.ingest_calls,
            ),
            ("apilogs_recorder_calls_total", "Calls the recorder stored.", &self.recorded_calls),
            (
                "apilogs_recorder_dropped_calls_total",
                "Calls the recorder dropped because its queue was full.",
                &self.dropped_calls,
            ),
        ];
        for (name, help, counter) in counters {
            metric(&mut out, name, help, "counter");
            let _ = writeln!(out, "{name} {}", counter.load(Ordering::Relaxed));
        }
        labelled(
            &mut out,
            "apilogs_sign_in_refusals_total",
            "Sign-ins refused.",
            "reason",
            &self.sign_in_refusals,
        );
        labelled(
            &mut out,
            "apilogs_purged_rows_total",
            "Rows deleted by retention.",
            "table",
            &self.purged_rows,
        );
        gauges.render(&mut out);
        out
    }

    fn render_requests(&self, out: &mut String) {
        let requests = self.requests.lock().unwrap();
        let name = "apilogs_http_requests_total";
        metric(out, name, "HTTP requests answered.", "counter");
        for (key, latencies) in requests.iter() {
            let _ = writeln!(out, "{name}{{{}}} {}", key.labels(), latencies.count);
        }
        let name = "apilogs_http_request_duration_seconds";
        metric(out, name, "Time to answer a request (to the response's head).", "histogram");
        for (key, latencies) in requests.iter() {
            let labels = key.labels();
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(latencies.buckets) {
                cumulative += n;
                let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", latencies.count);
            let _ = writeln!(out, "{name}_sum{{{labels}}} {}", latencies.sum);
            let _ = writeln!(out, "{name}_count{{{labels}}} {}", latencies.count);
        }
    }
}

impl RequestKey {
    fn labels(&self) -> String {
        format!(
            "route=\"{}\",method=\"{}\",status=\"{}\"",
            escape(&self.route),
            escape(&self.method),
            self.status
        )
    }
}

/// What is read at each scrape.
pub struct Gauges {
    pub recorder_queue: usize,
    pub pool_size: u32,
    pub pool_idle: usize,
    pub pool_max: u32,
    pub pool_waiting: usize,
    pub grants_in_force: Option<i64>,
}

impl Gauges {
    fn render(&self, out: &mut String) {
        let gauges = [
            (
                "apilogs_recorder_queue_depth",
                "Calls waiting in the recorder's queue.",
                self.recorder_queue as i64,
            ),
            (
                "apilogs_db_connections_in_use",
                "Database connections in use.",
                i64::from(self.pool_size) - self.pool_idle as i64,
            ),
            (
                "apilogs_db_connections_idle",
                "Database connections open and idle.",
                self.pool_idle as i64,
            ),
            (
                "apilogs_db_connections_max",
                "The pool's most connections.",
                i64::from(self.pool_max),
            ),
            (
                "apilogs_db_waiting",
                "Database calls waiting for a connection (on SQLite, or for their turn to write).",
                self.pool_waiting as i64,
            ),
        ];
        for (name, help, value) in gauges {
            metric(out, name, help, "gauge");
            let _ = writeln!(out, "{name} {value}");
        }
        if let Some(grants) = self.grants_in_force {
            let name = "apilogs_support_grants_in_force";
            metric(out, name, "Accounts whose logs Customer Support may read now.", "gauge");
            let _ = writeln!(out, "{name} {grants}");
        }
    }
}

fn metric(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn labelled(out: &mut String, name: &str, help: &str, label: &str, values: &Labelled) {
    metric(out, name, help, "counter");
    for (value, n) in values.0.lock().unwrap().iter() {
        let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {n}", escape(value));
    }
}

/// A label value as the text format wants it.
fn escape(value: &str) -> String {
    value.replace('\\', r"\\").replace('"', r#"\""#).replace('\n', r"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gauges() -> Gauges {
        Gauges {
            recorder_queue: 0,
            pool_size: 1,
            pool_idle: 1,
            pool_max: 8,
            pool_waiting: 0,
            grants_in_force: None,
        }
    }

    #[test]
    fn requests_render_as_counters_and_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.request("/logs", &Method::GET, 200, Duration::from_millis(3));
        metrics.request("/logs", &Method::GET, 200, Duration::from_millis(30));
        let text = metrics.render(&gauges());
        let labels = r#"route="/logs",method="GET",status="200""#;
        for line in [
            format!("apilogs_http_requests_total{{{labels}}} 2"),
            format!(r#"apilogs_http_request_duration_seconds_bucket{{{labels},le="0.001"}} 0"#),
            format!(r#"apilogs_http_request_duration_seconds_bucket{{{labels},le="0.005"}} 1"#),
            format!(r#"apilogs_http_request_duration_seconds_bucket{{{labels},le="0.05"}} 2"#),
            format!(r#"apilogs_http_request_duration_seconds_bucket{{{labels},le="+Inf"}} 2"#),
            "apilogs_db_connections_in_use 0".to_owned(),
            "apilogs_db_waiting 0".to_owned(),
        ] {
            assert!(text.lines().any(|l| l == line), "{line} is not in\n{text}");
        }
    }

    /// A client may send any method: the labels stay bounded all the same.
    #[test]
    fn made_up_methods_count_as_one() {
        let metrics = Metrics::default();
        for name in ["FOO", "BAR", "BAZ"] {
            let method = Method::from_bytes(name.as_bytes()).unwrap();
            metrics.request("(none)", &method, 404, Duration::from_millis(1));
        }
        let text = metrics.render(&gauges());
        let line = r#"apilogs_http_requests_total{route="(none)",method="OTHER",status="404"} 3"#;
        assert!(text.lines().any(|l| l == line), "{text}");
        assert!(!text.contains("FOO"), "{text}");
    }
}
