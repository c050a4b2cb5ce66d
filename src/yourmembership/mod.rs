//! YourMembership REST API (stub until the YourMembership issue lands).

use axum::Router;

use crate::state::AppState;

/// Whether a path belongs to YourMembership: `/Ams` and below, in any case (ServiceStack).
pub fn claims(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower == "/ams" || lower.starts_with("/ams/")
}

pub fn router(_state: AppState) -> Router<AppState> {
    Router::new()
}
