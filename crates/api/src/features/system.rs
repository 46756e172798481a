//! Liveness, readiness, metrics and the OpenAPI document.

use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::state::AppState;
use actix_web::get;
use actix_web::web;
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

/// Liveness or readiness.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when live or ready.
    #[schema(value_type = HealthStatus)]
    pub status: String,
}

/// The only status a health answer with 200 carries.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
enum HealthStatus {
    Ok,
}

/// Process liveness.
#[utoipa::path(
    tag = "Health",
    summary = "Liveness",
    description = "The process is up. No authentication.",
    responses((status = 200, description = "Up", body = Health)),
    security(())
)]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// Readiness.
#[utoipa::path(
    tag = "Health",
    summary = "Readiness",
    description = "The database answers and every migration is applied. No authentication.",
    responses(
        (status = 200, description = "Ready", body = Health),
    ),
    security(())
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match state.db.ready().await {
        Ok(true) => Ok(HttpResponse::Ok().json(Health {
            status: "ok".into(),
        })),
        Ok(false) => Err(ApiError::new(
            ErrorCode::DatabaseUnavailable,
            "migrations are not applied",
        )),
        Err(e) => {
            log::warn!("readiness check failed: {e}");
            Err(ApiError::new(
                ErrorCode::DatabaseUnavailable,
                "the database is unavailable",
            ))
        }
    }
}

/// The OpenAPI document as served (the same bytes as openapi/openapi.json).
#[utoipa::path(
    tag = "Health",
    summary = "OpenAPI document",
    description = "This API's OpenAPI 3.1 document. No authentication.",
    responses((status = 200, description = "The document", content_type = "application/json", body = Object)),
    security(())
)]
#[get("/openapi.json")]
pub async fn openapi_json(doc: web::Data<crate::http::state::Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}

/// Prometheus metrics.
#[utoipa::path(
    tag = "Health",
    summary = "Prometheus metrics",
    description = "Metrics in the Prometheus text exposition format: `sct_http_requests_total` and the `sct_http_request_duration_seconds` histogram by method, route pattern and status; the database pool (`sct_db_pool_connections_in_use`, `_idle`, `_max`, `sct_db_pool_waiting`); `sct_database_up`; `sct_referrals` by status; and the sizes of the audit trail's group-commit inserts (`sct_audit_batch_requests`, `sct_audit_batch_rows` histograms). Labels never carry identifiers or personal data. No authentication, like the health endpoints: restrict it to the scraper at the network edge in production.",
    responses((status = 200, description = "The metrics", content_type = "text/plain; version=0.0.4", body = String,
        example = "# TYPE sct_referrals gauge\nsct_referrals{status=\"submitted\"} 4\n")),
    security(())
)]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    registry: web::Data<crate::http::metrics::Metrics>,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(registry.scrape(&state.db).await)
}

/// Registers the system operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(openapi_json);
}

/// Registers the health endpoints, outside `/api/v1`.
pub fn configure_health(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(live).service(ready).service(metrics);
}
