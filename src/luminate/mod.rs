//! Luminate Online Constituent API (stub until the Luminate issue lands).

use axum::Router;

use crate::state::AppState;

/// Whether a path belongs to Luminate: `/site/{Servlet}` or `/{org}/site/{Servlet}`.
pub fn claims(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(segments.as_slice(), ["site", s] | [_, "site", s] if !s.is_empty())
}

pub fn router(_state: AppState) -> Router<AppState> {
    Router::new()
}
