//! The access history as a CSV download, `/logs/access.csv`: the page guard lets only
//! customers reach it, and the history's own rule gives them their account's.

use app::{auth::ssr::GuardedUser, error::AppError, logs::history_csv, state::AppState};
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
    Extension, Router,
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/logs/access.csv", get(download))
}

async fn download(State(state): State<AppState>, user: Option<Extension<GuardedUser>>) -> Response {
    let Some(Extension(GuardedUser(Some(user)))) = user else {
        return refusal(AppError::Unauthenticated);
    };
    let now = state.clock.now();
    match history_csv(state, user, None).await {
        Ok(csv) => {
            let filename = format!("apilogs-access-history-{}.csv", now.format("%Y%m%d-%H%M%S"));
            let disposition = format!("attachment; filename=\"{filename}\"");
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                csv,
            )
                .into_response()
        }
        Err(error) => refusal(error),
    }
}

fn refusal(error: AppError) -> Response {
    (error.status(), error.to_string()).into_response()
}
