//! SmarterU API v2 (stub until the SmarterU issue lands).

use axum::Router;

use crate::state::AppState;

/// Whether a path belongs to SmarterU: `/apiv2` and below.
pub fn claims(path: &str) -> bool {
    path == "/apiv2" || path.starts_with("/apiv2/")
}

pub fn router(_state: AppState) -> Router<AppState> {
    Router::new()
}
