//! Signed push notifications (Standard Webhooks): subscriptions, the delivery
//! log, replay, the worker that delivers the outbox, and the scheduled
//! sweep that emits the `.due` events.

pub mod dto;
pub mod subscriptions;
pub mod sweep;
pub mod worker;

/// Registers the webhooks operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(subscriptions::create_subscription)
        .service(subscriptions::list_subscriptions)
        .service(subscriptions::get_subscription)
        .service(subscriptions::update_subscription)
        .service(subscriptions::delete_subscription)
        .service(subscriptions::list_deliveries)
        .service(subscriptions::replay_delivery);
}
