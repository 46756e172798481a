//! Signed push notifications (Standard Webhooks): subscriptions, the delivery
//! log, replay, and the worker that delivers the outbox.

pub mod dto;
pub mod subscriptions;
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
