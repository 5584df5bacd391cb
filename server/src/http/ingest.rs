//! `POST /api/v1/logs`: batches of call records from the API vendor's gateway, as a
//! JSON array or NDJSON, authenticated by an ingest token. A batch is stored whole or
//! not at all, and answered only once it is committed. `GET /api/openapi.json`
//! describes it.

use std::sync::Arc;

use app::{clock::Clock, store::Store};
use axum::{
    body::{Body, Bytes},
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{OpenApi, ToSchema};

use crate::{
    ingest::{prepare_batch, BatchError, CallRecord, IngestError, IngestSettings},
    metrics::{self, METRICS},
};

#[derive(Clone)]
pub struct IngestState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<IngestSettings>,
    /// SHA-256 of each accepted token: compared digest to digest, so the comparison
    /// takes as long whatever the caller sent.
    pub token_digests: Arc<Vec<[u8; 32]>>,
}

impl IngestState {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        settings: Arc<IngestSettings>,
        tokens: &[String],
    ) -> Self {
        let token_digests = tokens
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(|t| Sha256::digest(t.as_bytes()).into())
            .collect();
        IngestState { store, clock, settings, token_digests: Arc::new(token_digests) }
    }
}

pub fn routes<S>(state: IngestState) -> Router<S> {
    Router::new()
        .route("/api/v1/logs", post(post_logs))
        .route("/api/openapi.json", get(openapi))
        .with_state(state)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "apilogs ingest API", description = "Records of an API's calls, sent in batches."),
    paths(post_logs),
    components(schemas(CallRecord, IngestError, Stored)),
    modifiers(&BearerToken)
)]
pub struct ApiDoc;

struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            schema::{
                AllOfBuilder, AnyOfBuilder, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder,
                Schema, SchemaFormat, Type,
            },
            security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
            Ref, RefOr,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "ingest_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // What serde's derive cannot say: a record names its account, its key, or both
        // (as integers), and a JSON batch holds one record or more.
        let schemas = &mut components.schemas;
        if let Some(RefOr::T(Schema::Object(record))) = schemas.get_mut("CallRecord") {
            let format =
                |format| ObjectBuilder::new().schema_type(Type::String).format(Some(format));
            let address = OneOfBuilder::new()
                .item(format(SchemaFormat::KnownFormat(KnownFormat::Ipv4)))
                .item(format(SchemaFormat::KnownFormat(KnownFormat::Ipv6)))
                .item(ObjectBuilder::new().schema_type(Type::Null));
            record.properties.insert("client_ip".into(), address.into());
            if let Some(RefOr::T(Schema::Object(headers))) =
                record.properties.get_mut("request_headers")
            {
                headers.max_properties = Some(100);
            }
        }
        let post = openapi.paths.paths.get_mut("/api/v1/logs").and_then(|p| p.post.as_mut());
        let Some(body) = post.and_then(|post| post.request_body.as_mut()) else {
            return;
        };
        let names = |field: &str| {
            ObjectBuilder::new()
                .property(field, ObjectBuilder::new().schema_type(Type::Integer))
                .required(field)
        };
        let record = || {
            let owner = AnyOfBuilder::new().item(names("account_id")).item(names("api_key_id"));
            AllOfBuilder::new().item(Ref::from_schema_name("CallRecord")).item(owner)
        };
        if let Some(json) = body.content.get_mut("application/json") {
            json.schema = Some(ArrayBuilder::new().items(record()).min_items(Some(1)).into());
        }
        if let Some(ndjson) = body.content.get_mut("application/x-ndjson") {
            ndjson.schema = Some(record().into());
        }
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The answer to a stored batch.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Stored {
    /// Records stored, all of the batch.
    pub stored: usize,
}

/// Store a batch of call records.
///
/// The body is a JSON array of records (`application/json`) or one record per line
/// (`application/x-ndjson`). Secrets in headers, bodies and queries are redacted and
/// long bodies cut before anything is stored. The batch is stored whole or not at all;
/// the answer comes once it is committed.
#[utoipa::path(
    post,
    path = "/api/v1/logs",
    request_body(
        content(
            (Vec<CallRecord> = "application/json"),
            (CallRecord = "application/x-ndjson")
        )
    ),
    responses(
        (status = 200, description = "Stored, all of it", body = Stored),
        (status = 400, description = "Malformed JSON, or a record breaks a rule; nothing stored", body = IngestError),
        (status = 401, description = "No ingest token, or a wrong one", body = IngestError),
        (status = 413, description = "Over the request size or records a batch may hold", body = IngestError),
        (status = 415, description = "Neither JSON nor NDJSON", body = IngestError),
        (status = 422, description = "A record names an account or API key that does not exist", body = IngestError),
        (status = 503, description = "Ingest is off: the server has no token", body = IngestError),
    ),
    security(("ingest_token" = []))
)]
pub async fn post_logs(
    State(state): State<IngestState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(refusal) = unauthorized(&state, &headers) {
        return refusal;
    }
    let ndjson = match content_type(&headers) {
        Some("application/json") => false,
        Some("application/x-ndjson" | "application/jsonl") => true,
        other => {
            let got = other.unwrap_or("none");
            return answer(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                IngestError::batch(format!(
                    "content type {got}: send application/json (an array) or application/x-ndjson"
                )),
            );
        }
    };
    let limit = state.settings.max_request_bytes;
    let bytes: Bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let error = IngestError::batch(format!("the request is over {limit} bytes"));
            return answer(StatusCode::PAYLOAD_TOO_LARGE, error);
        }
    };
    let records = match parse(&bytes, ndjson) {
        Ok(records) => records,
        Err(error) => return answer(StatusCode::BAD_REQUEST, error),
    };
    let now = state.clock.now();
    let entries = match prepare_batch(&state.store, records, &state.settings, now).await {
        Ok(entries) => entries,
        Err(BatchError::Invalid(error)) => return answer(StatusCode::BAD_REQUEST, error),
        Err(BatchError::TooLarge(error)) => return answer(StatusCode::PAYLOAD_TOO_LARGE, error),
        Err(BatchError::Unknown(error)) => return answer(StatusCode::UNPROCESSABLE_ENTITY, error),
        Err(BatchError::Store(error)) => return failed(&error),
        Err(BatchError::Crashed(error)) => return failed(&error),
    };
    match state.store.insert_log_entries(&entries).await {
        Ok(()) => {
            metrics::add(&METRICS.ingest_batches, 1);
            metrics::add(&METRICS.ingest_calls, entries.len() as u64);
            (StatusCode::OK, Json(Stored { stored: entries.len() })).into_response()
        }
        Err(error) => failed(&error),
    }
}

fn failed(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(%error, "ingest: could not store a batch");
    let error = IngestError::batch("the batch could not be stored; nothing was; try again");
    answer(StatusCode::INTERNAL_SERVER_ERROR, error)
}

fn answer(status: StatusCode, error: IngestError) -> Response {
    let mut response = (status, Json(error)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, "Bearer".parse().expect("a header value"));
    }
    response
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or("").trim())
}

/// The refusal of a request without a valid ingest token; `None` for a valid one.
fn unauthorized(state: &IngestState, headers: &HeaderMap) -> Option<Response> {
    if state.token_digests.is_empty() {
        let error = IngestError::batch("ingest is off: start the server with --ingest-token");
        return Some(answer(StatusCode::SERVICE_UNAVAILABLE, error));
    }
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|token| <[u8; 32]>::from(Sha256::digest(token.trim().as_bytes())));
    let error = match sent {
        Some(digest) if state.token_digests.contains(&digest) => return None,
        Some(_) => "the ingest token is wrong",
        None => "send the ingest token as Authorization: Bearer <token>",
    };
    Some(answer(StatusCode::UNAUTHORIZED, IngestError::batch(error)))
}

/// The records of a body, or what is wrong with it: where the JSON breaks, or which
/// record and field do not fit.
pub fn parse(bytes: &[u8], ndjson: bool) -> Result<Vec<CallRecord>, IngestError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        IngestError::batch(format!("the body is not UTF-8 (at byte {})", e.valid_up_to()))
    })?;
    if ndjson {
        return text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .enumerate()
            .map(|(record, (line, json))| {
                let mut parser = serde_json::Deserializer::from_str(json);
                serde_path_to_error::deserialize(&mut parser).map_err(|error| {
                    let inner = error.inner();
                    if inner.is_syntax() || inner.is_eof() {
                        IngestError {
                            error: format!("malformed JSON on line {}: {inner}", line + 1),
                            record: Some(record),
                            field: None,
                        }
                    } else {
                        record_error(record, error.path().to_string(), &inner.to_string())
                    }
                })
            })
            .collect();
    }
    // Straight into records; serde_path_to_error says where a record does not fit
    // (`[3].status`).
    let mut parser = serde_json::Deserializer::from_str(text);
    let records: Vec<CallRecord> =
        serde_path_to_error::deserialize(&mut parser).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return IngestError::batch(format!("malformed JSON: {inner}"));
            }
            match path.strip_prefix('[').and_then(|rest| rest.split_once(']')) {
                Some((index, field)) if index.parse::<usize>().is_ok() => {
                    let field = field.trim_start_matches('.').to_owned();
                    record_error(index.parse().unwrap_or_default(), field, &inner.to_string())
                }
                _ => IngestError::batch(format!("expected a JSON array of records: {inner}")),
            }
        })?;
    parser.end().map_err(|error| IngestError::batch(format!("malformed JSON: {error}")))?;
    Ok(records)
}

/// A record's field error. serde names a missing or unknown field in its message, not
/// its path.
fn record_error(record: usize, path: String, message: &str) -> IngestError {
    let named = message.split('`').nth(1).filter(|_| message.contains("field `"));
    let field = match (path.as_str(), named) {
        ("." | "", Some(name)) => name.to_owned(),
        (".", None) | ("", None) => String::new(),
        (path, _) => path.to_owned(),
    };
    IngestError {
        error: format!("record {record}: {message}"),
        record: Some(record),
        field: (!field.is_empty()).then_some(field),
    }
}
