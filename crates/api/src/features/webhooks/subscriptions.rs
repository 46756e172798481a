//! Webhook subscriptions (Standard Webhooks): create (the secret is shown
//! once), list, read, update, delete; a subscription's deliveries with every
//! attempt, and replay of one delivery.
//!
//! Who may subscribe: a registered integration client (a token from
//! `POST /oauth/token`), whose subscriptions belong to it and only ever hear
//! about referrals of the schools it may act for (checked when the event is
//! fanned out and again when it is delivered); and la_admin, whose council
//! subscriptions hear about every school and who may read and manage every
//! subscription (support); and a team's manager, whose subscriptions belong
//! to the team and hear about the team's referrals and its zone. Other
//! roles: 403. Another client's or team's subscription answers 404.

use crate::features::webhooks::dto::NewWebhookSubscription;
use crate::features::webhooks::dto::WebhookDelivery;
use crate::features::webhooks::dto::WebhookDeliveryPage;
use crate::features::webhooks::dto::WebhookEventType;
use crate::features::webhooks::dto::WebhookSubscription;
use crate::features::webhooks::dto::WebhookSubscriptionPage;
use crate::features::webhooks::dto::WebhookSubscriptionUpdate;
use crate::features::webhooks::worker::check_url;
use crate::features::webhooks::worker::generate_secret;
use crate::features::webhooks::worker::UrlRefusal;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::PageParams;
use crate::http::paging::cursor_key;
use crate::http::paging::next_page;
use crate::http::paging::page_size;
use crate::http::respond::ok;
use crate::http::respond::stale;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::delete;
use actix_web::get;
use actix_web::post;
use actix_web::put;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_domain::EventType;
use sct_domain::Role;
use sct_domain::Subscriber;
use sct_domain::WireName;
use sct_persistence::webhooks as wh;
use sct_persistence::webhooks::Owner;
use sct_persistence::webhooks::SubscriptionChange;
use sct_persistence::webhooks::SubscriptionRow;
use uuid::Uuid;

/// The caller's view of subscriptions, or 403.
pub(crate) fn owner(caller: &Caller) -> Result<Owner, ApiError> {
    match (caller.role, caller.client_version) {
        (Role::LaAdmin, _) => Ok(Owner::Council),
        (Role::Integration, Some(_)) => Uuid::parse_str(&caller.subject)
            .map(Owner::Client)
            .map_err(|_| ApiError::forbidden(caller.role.as_str())),
        (Role::Integration, None) => Err(ApiError::new(
            ErrorCode::ForbiddenForRole,
            "only registered integration clients (tokens from POST /api/v1/oauth/token) may subscribe to webhooks",
        )),
        // A manager holds the team's subscriptions (not their own).
        (Role::TeamManager, _) => caller
            .team_id
            .map(Owner::Team)
            .ok_or_else(|| ApiError::forbidden(caller.role.as_str())),
        (role, _) => Err(ApiError::forbidden(role.as_str())),
    }
}

/// 403 when the owner may not hear one of the event types.
fn check_events(owner: Owner, events: &[WebhookEventType]) -> Result<(), ApiError> {
    let who = match owner {
        Owner::Council => Subscriber::Council,
        Owner::Client(_) => Subscriber::Client,
        Owner::Team(_) => Subscriber::Team,
    };
    match events
        .iter()
        .map(|e| EventType::from(*e))
        .find(|e| !e.may_subscribe(who))
    {
        Some(e) => Err(ApiError::new(
            ErrorCode::ForbiddenForRole,
            format!("an integration client may not subscribe to {e}: it is an event for staff"),
        )),
        None => Ok(()),
    }
}

async fn checked_url(state: &AppState, url: &str) -> Result<String, ApiError> {
    check_url(url.trim(), state.webhooks.allow_private)
        .await
        .map(|u| u.to_string())
        .map_err(|why| {
            if let UrlRefusal::Address { host, address, why } = &why {
                log::info!(target: "webhooks", "refused a webhook URL: {host} resolves to {address} ({why})");
            }
            ApiError::validation(vec![FieldError::new(
                "url",
                "url_not_allowed",
                why.to_string(),
            )])
        })
}

fn event_names(events: &[WebhookEventType]) -> Vec<String> {
    let mut names: Vec<String> = events
        .iter()
        .map(|e| EventType::from(*e).as_str().to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Subscribe to webhook events.
#[utoipa::path(
    tag = "Webhooks",
    summary = "Subscribe to webhook events",
    description = "Registered integration clients, team managers (for their team) and la_admin. Events are POSTed to `url` as Standard Webhooks: JSON `{type, timestamp, data}` with headers `webhook-id` (the same on retries), `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with the base64-decoded part of the secret after `whsec_`). The answer carries the `secret` once. A client's subscription only hears about referrals of the schools the client may act for; a team's hears about the referrals routed to the team and the termly conversations, consultations and programmes of its zone (a referral waiting in the triage queue, with no team yet, is heard by council subscriptions only); a council (la_admin) subscription hears about every school. The staff events `review.due`, `follow_up.due`, `termly_conversation.offered` and `enrolment.promoted` are for teams and la_admin: an integration client subscribing to one answers 403 `forbidden_for_role`. `data` carries identifiers, status and timestamps, never a child's name or date of birth. Deliveries of one referral keep their order; failures are retried with exponential backoff, and a subscription is disabled after repeated consecutive failures. The URL must be http(s) and resolve only to public addresses (422 `validation_failed` on `url` otherwise; development allows loopback).",
    request_body(content = NewWebhookSubscription, content_type = "application/json"),
    responses(
        (status = 201, description = "The subscription with its secret, shown once", body = WebhookSubscription, headers(("ETag" = String, description = "Version tag"), ("Location" = String, description = "The subscription's URL"))),
        (status = 403, response = Forbidden),
    ),
)]
#[post("/webhook-subscriptions")]
pub async fn create_subscription(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NewWebhookSubscription>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let owner = owner(&caller)?;
    let b = body.0;
    validate(&b)?;
    check_events(owner, &b.events)?;
    let url = checked_url(&state, &b.url).await?;
    let secret = generate_secret().map_err(|e| {
        log::error!("cannot make a webhook secret: {e}");
        ApiError::new(ErrorCode::Internal, "an internal error occurred")
    })?;
    let now = sct_persistence::now();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let row = wh::create_subscription(
                conn,
                &SubscriptionRow {
                    id: Uuid::now_v7(),
                    client_id: match owner {
                        Owner::Client(c) => Some(c),
                        Owner::Council | Owner::Team(_) => None,
                    },
                    team_id: match owner {
                        Owner::Team(t) => Some(t),
                        Owner::Council | Owner::Client(_) => None,
                    },
                    created_by: caller.subject.clone(),
                    url,
                    events: event_names(&b.events),
                    secret: secret.clone(),
                    active: true,
                    disabled_at: None,
                    disabled_reason: None,
                    consecutive_failures: 0,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                },
            )
            .await?;
            let location = format!("/api/v1/webhook-subscriptions/{}", row.id);
            let version = row.version;
            let body = WebhookSubscription {
                secret: Some(secret),
                ..WebhookSubscription::from(row)
            };
            Ok(Written::created(location, version, &body))
        })
    })
    .await
}

/// List webhook subscriptions.
#[utoipa::path(
    tag = "Webhooks",
    summary = "List webhook subscriptions",
    description = "A registered integration client sees its own subscriptions, a team manager the team's; la_admin sees every one. In creation order; secrets are never listed.",
    params(PageParams),
    responses(
        (status = 200, description = "A page of subscriptions", body = WebhookSubscriptionPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/webhook-subscriptions")]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let owner = owner(&caller)?;
    let (limit, n) = page_size(&p)?;
    let after = cursor_key(p.cursor.as_deref())?;
    let mut conn = state.db.conn().await?;
    let mut rows = wh::list_subscriptions(&mut conn, owner, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.id);
    Ok(HttpResponse::Ok().json(WebhookSubscriptionPage {
        items: rows.into_iter().map(WebhookSubscription::from).collect(),
        next_cursor,
    }))
}

/// Read a webhook subscription.
#[utoipa::path(
    tag = "Webhooks",
    summary = "Read a webhook subscription",
    description = "The owner (or la_admin) reads the subscription, without its secret: whether it is active, why it was disabled, and its failures since the last success.",
    params(("id" = Uuid, Path, description = "The subscription's id")),
    responses(
        (status = 200, description = "The subscription", body = WebhookSubscription, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/webhook-subscriptions/{id}")]
pub async fn get_subscription(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let owner = owner(&caller)?;
    let mut conn = state.db.conn().await?;
    let row = wh::get_subscription(&mut conn, id.into_inner(), owner).await?;
    Ok(ok(row.version, &WebhookSubscription::from(row)))
}

/// Update a webhook subscription.
#[utoipa::path(
    tag = "Webhooks",
    summary = "Update a webhook subscription",
    description = "The owner (or la_admin), with If-Match. Replaces the URL (same rules as on creation), the event types (403 `forbidden_for_role` for an event the owner may not hear, as on creation) and the active flag. `active: true` re-enables a subscription the platform disabled after repeated failures; its pending deliveries then resume. Events that happen while a subscription is inactive are not delivered to it.",
    params(("id" = Uuid, Path, description = "The subscription's id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = WebhookSubscriptionUpdate, content_type = "application/json"),
    responses(
        (status = 200, description = "The subscription", body = WebhookSubscription, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/webhook-subscriptions/{id}")]
pub async fn update_subscription(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<WebhookSubscriptionUpdate>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let owner = owner(&caller)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    let b = body.0;
    validate(&b)?;
    check_events(owner, &b.events)?;
    // Resolving the host may take a while: not inside the transaction.
    let url = checked_url(&state, &b.url).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            wh::get_subscription(conn, id, owner).await?;
            let events = event_names(&b.events);
            let row = wh::update_subscription(
                conn,
                id,
                version,
                &SubscriptionChange {
                    url: &url,
                    events: &events,
                    active: b.active,
                    now: sct_persistence::now(),
                },
            )
            .await?
            .ok_or_else(stale)?;
            Ok(Written::ok(row.version, &WebhookSubscription::from(row)))
        })
    })
    .await
}

/// Delete a webhook subscription.
#[utoipa::path(
    tag = "Webhooks",
    summary = "Delete a webhook subscription",
    description = "The owner (or la_admin), with If-Match. Deletes the subscription with its deliveries and their attempts; nothing more is sent to it.",
    params(("id" = Uuid, Path, description = "The subscription's id"), ("If-Match" = String, Header, description = "ETag as last read")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[delete("/webhook-subscriptions/{id}")]
pub async fn delete_subscription(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let owner = owner(&caller)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            wh::get_subscription(conn, id, owner).await?;
            if !wh::delete_subscription(conn, id, version).await? {
                return Err(stale());
            }
            Ok(Written::no_content())
        })
    })
    .await
}

/// List a subscription's deliveries.
#[utoipa::path(
    tag = "Webhooks",
    summary = "List the deliveries of a webhook subscription",
    description = "The owner (or la_admin). One delivery per event sent to the subscription, in event order, each with its status and every attempt (time, HTTP status or error, duration).",
    params(("id" = Uuid, Path, description = "The subscription's id"), PageParams),
    responses(
        (status = 200, description = "A page of deliveries", body = WebhookDeliveryPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/webhook-subscriptions/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    p: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let owner = owner(&caller)?;
    let (limit, n) = page_size(&p)?;
    let after: Option<i64> = cursor_key(p.cursor.as_deref())?;
    let id = id.into_inner();
    let mut conn = state.db.conn().await?;
    wh::get_subscription(&mut conn, id, owner).await?;
    let mut rows = wh::list_deliveries(&mut conn, id, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.delivery.event_seq);
    Ok(HttpResponse::Ok().json(WebhookDeliveryPage {
        items: rows.into_iter().map(WebhookDelivery::from).collect(),
        next_cursor,
    }))
}

/// Replay a delivery.
#[utoipa::path(
    tag = "Webhooks",
    summary = "Replay a webhook delivery",
    description = "The owner (or la_admin). Queues the delivery again at once with a fresh retry budget and the same `webhook-id`, whatever its status (a receiver that de-duplicates by `webhook-id` sees it once). A disabled subscription answers 409 `subscription_disabled`: re-enable it first.",
    params(("id" = Uuid, Path, description = "The subscription's id"), ("delivery_id" = Uuid, Path, description = "The delivery's id")),
    responses(
        (status = 202, description = "The delivery, queued", body = WebhookDelivery),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/webhook-subscriptions/{id}/deliveries/{delivery_id}/replay")]
pub async fn replay_delivery(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let owner = owner(&caller)?;
    let (id, delivery) = path.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let sub = wh::get_subscription(conn, id, owner).await?;
            wh::get_delivery(conn, id, delivery).await?;
            if !sub.active {
                return Err(ApiError::new(
                    ErrorCode::SubscriptionDisabled,
                    "the subscription is disabled: re-enable it (PUT with active: true) before replaying",
                ));
            }
            let view = wh::replay_delivery(conn, id, delivery, sct_persistence::now()).await?;
            Ok(Written::json(
                actix_web::http::StatusCode::ACCEPTED,
                &WebhookDelivery::from(view),
            ))
        })
    })
    .await
}
