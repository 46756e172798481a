//! Paths that moved, answered with a permanent redirect for one release and
//! marked deprecated in the document (Rust's `#[deprecated]`, which utoipa
//! reads; the route's registration names the handler, hence the allow).
#![allow(deprecated)]

use crate::features::reports::common::ReportParams;
use crate::http::auth::Caller;
use actix_web::get;
use actix_web::HttpRequest;
use actix_web::HttpResponse;

/// The old path of the step changes report.
#[utoipa::path(
    tag = "Reports",
    summary = "Deprecated: moved to /reports/step-changes",
    description = "Deprecated: this report is now `/reports/step-changes` (it counts closures stepped down against stepped up; it never measured a shift of spend). Answers a caller with a valid token 308 Permanent Redirect to the new path with the same query string; the new path decides what the caller may read (la_admin, team_manager for their zone). Kept for one release, then removed.",
    params(ReportParams),
    responses(
        (status = 308, description = "Moved permanently to `/api/v1/reports/step-changes`, query string kept", headers(("Location" = String, description = "The new path with the same query string"))),
    ),
)]
#[get("/reports/shift-left")]
#[deprecated = "use /reports/step-changes"]
pub async fn shift_left_report(_caller: Caller, req: HttpRequest) -> HttpResponse {
    let query = req.query_string();
    let location = if query.is_empty() {
        "/api/v1/reports/step-changes".to_owned()
    } else {
        format!("/api/v1/reports/step-changes?{query}")
    };
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}
