//! The actix-web application: state, middleware, error handlers, Swagger UI
//! and the fallback that answers unknown routes and methods in problem+json.

use crate::config::IntegrationSettings;
use crate::config::WebhookSettings;
use crate::http::auth::JwtKeys;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::metrics::Metrics;
use crate::http::state::AppState;
use crate::http::state::Document;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::web;
use actix_web::App;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::HttpServer;
use sct_persistence::Db;
use std::net::TcpListener;
use std::sync::Arc;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::Config;
use utoipa_swagger_ui::SwaggerUi;

/// Everything a server needs, built once.
pub struct AppContext {
    pub db: Db,
    /// A hot standby's pool for reports and the audit list (`SCT_DATABASE_READ_URL`).
    pub read_db: Option<Db>,
    pub keys: JwtKeys,
    pub cors_origins: Vec<String>,
    /// Default threshold of the responsiveness report (`SCT_REPORT_WAITING_DAYS`).
    pub waiting_days: u32,
    pub integration: IntegrationSettings,
    /// Years a child's records are kept after their last referral ended.
    pub retention_closed_years: u32,
    /// URL rules of webhook subscriptions (the worker is started by `sct serve`).
    pub webhooks: WebhookSettings,
    /// Rate and time limits, and whether to send HSTS.
    pub limits: crate::config::LimitSettings,
    /// The public base URL (`SCT_PUBLIC_URL`), if configured.
    pub public_url: Option<String>,
    /// When a closure's follow-ups fall due (`SCT_FOLLOW_UP_MONTHS`).
    pub follow_ups: sct_domain::escalation::FollowUpSchedule,
}

/// Path patterns and their methods, from the OpenAPI document, to tell an
/// unknown path (404) from a known path with the wrong method (405).
#[derive(Debug, Clone, Default)]
pub struct RouteTable(Vec<(Vec<String>, Vec<String>)>);

impl RouteTable {
    fn from_document(doc: &utoipa::openapi::OpenApi) -> Self {
        let mut routes = Vec::new();
        for (path, item) in &doc.paths.paths {
            let segments = path.split('/').map(str::to_owned).collect();
            let mut methods = Vec::new();
            let ops = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ];
            for (m, present) in ops {
                if present {
                    methods.push(m.to_owned());
                }
            }
            routes.push((segments, methods));
        }
        Self(routes)
    }

    /// The methods of the path's most specific patterns: a literal segment
    /// beats a template (`/schools/import` is not `/schools/{urn}`), as in
    /// the router.
    fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let segs: Vec<&str> = path.split('/').collect();
        let mut found: Option<(usize, Vec<String>)> = None;
        for (pattern, methods) in &self.0 {
            let matches = pattern.len() == segs.len()
                && pattern
                    .iter()
                    .zip(&segs)
                    .all(|(p, s)| (p.starts_with('{') && !s.is_empty()) || p == s);
            if !matches {
                continue;
            }
            let templated = pattern.iter().filter(|p| p.starts_with('{')).count();
            match &mut found {
                Some((best, ms)) if *best == templated => ms.extend(methods.iter().cloned()),
                Some((best, _)) if *best < templated => {}
                _ => found = Some((templated, methods.clone())),
            }
        }
        found.map(|(_, ms)| ms)
    }
}

pub(crate) async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    match table.allowed(req.path()) {
        Some(methods) if !methods.iter().any(|m| m == req.method().as_str()) => Err(ApiError {
            allow: methods,
            ..ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("{} is not allowed here", req.method()),
            )
        }),
        _ => Err(ApiError::new(ErrorCode::NotFound, "no such route")),
    }
}

/// Starts the HTTP server on a bound listener (port 0 in tests).
///
/// # Errors
/// When the listener cannot be used.
pub fn server(ctx: AppContext, listener: TcpListener, workers: usize) -> std::io::Result<Server> {
    server_with(ctx, listener, workers, |_| {})
}

/// As `server`, with extra routes registered after the API's (tests add
/// routes of their own this way; `sct serve` adds none).
///
/// # Errors
/// When the listener cannot be used.
pub fn server_with(
    ctx: AppContext,
    listener: TcpListener,
    workers: usize,
    extra: fn(&mut web::ServiceConfig),
) -> std::io::Result<Server> {
    let doc = crate::openapi::document();
    let rendered = web::Data::new(Document(crate::openapi::render()));
    let table = web::Data::new(RouteTable::from_document(&doc));
    let operations = web::Data::new(crate::http::audit::Operations::from_document(&doc));
    let dates = web::Data::new(crate::http::dates::DateFields::from_document(&doc));
    let metrics = web::Data::new(Metrics::new());
    let audit =
        crate::http::audit_writer::AuditWriter::start(ctx.db.clone(), metrics.audit_batches());
    let state = web::Data::new(AppState {
        db: ctx.db,
        audit,
        waiting_days: ctx.waiting_days,
        integration: ctx.integration,
        retention_closed_years: ctx.retention_closed_years,
        webhooks: ctx.webhooks,
        policy: crate::http::state::ActivePolicy::default(),
        public_url: ctx.public_url,
        follow_ups: ctx.follow_ups,
        read_db: ctx.read_db,
    });
    let keys = web::Data::new(ctx.keys);
    let origins = Arc::new(ctx.cors_origins);
    let hsts = ctx.limits.hsts;
    let limiter = crate::middleware::limits::Limiter::new(ctx.limits);
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let pruned = Arc::downgrade(&limiter);
        rt.spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_mins(1));
            loop {
                tick.tick().await;
                match pruned.upgrade() {
                    Some(l) => l.prune(),
                    None => break,
                }
            }
        });
    }
    let limiter = web::Data::new(limiter);
    let server = HttpServer::new(move || {
        let swagger = SwaggerUi::new("/swagger-ui/{_:.*}").config(
            Config::new(["/api/v1/openapi.json"])
                .validator_url("none")
                .persist_authorization(true)
                .try_it_out_enabled(true),
        );
        App::new()
            .into_utoipa_app()
            .app_data(state.clone())
            .app_data(keys.clone())
            .app_data(rendered.clone())
            .app_data(table.clone())
            .app_data(metrics.clone())
            .app_data(operations.clone())
            .app_data(limiter.clone())
            .app_data(dates.clone())
            .app_data(web::JsonConfig::default().error_handler(|e, _| {
                ApiError::new(ErrorCode::MalformedJson, e.to_string()).into()
            }))
            .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::not_found().into()))
            .app_data(web::QueryConfig::default().error_handler(|e, _| {
                ApiError::new(ErrorCode::InvalidParameter, e.to_string()).into()
            }))
            .configure(crate::features::system::configure_health)
            .configure(crate::features::oruk::configure)
            .configure(crate::openapi::api_services)
            .split_for_parts()
            .0
            .configure(extra)
            .service(web::redirect("/swagger-ui", "/swagger-ui/"))
            .service(swagger)
            .default_service(web::to(fallback))
            // Innermost: the request id is set and the route is matched.
            .wrap(from_fn(crate::middleware::dates::check_query))
            .wrap(from_fn(crate::middleware::audit::record))
            .wrap(crate::middleware::headers::cors(&origins))
            .wrap(from_fn(crate::middleware::limits::enforce))
            // A panic below is answered 500 with the request id (set by
            // `observe`) and the security headers.
            .wrap(from_fn(crate::middleware::panics::catch))
            .wrap(crate::middleware::headers::security_headers(hsts))
            // Every ORUK response, errors and 429s included, says any origin may read it.
            .wrap(from_fn(crate::middleware::headers::oruk_any_origin))
            .wrap(from_fn(crate::middleware::observe::observe))
    })
    // Answers go out at once, not held back by Nagle's algorithm waiting for
    // the client's delayed ACK (actix-web leaves TCP_NODELAY unset).
    .tcp_nodelay(true)
    .client_request_timeout(std::time::Duration::from_secs(10))
    .client_disconnect_timeout(std::time::Duration::from_secs(5))
    .workers(workers)
    .listen(listener)?
    .run();
    Ok(server)
}
