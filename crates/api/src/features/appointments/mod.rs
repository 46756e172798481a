//! The diary (issue 16, item 2): planned appointments for a referral or a
//! programme session, completed by recording the session they became, and
//! a worker's calendar feed (iCalendar) under a revocable token.

pub mod calendar;
pub mod dto;
pub mod handlers;

/// Registers the diary's operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(handlers::create_appointment)
        .service(handlers::list_appointments)
        .service(handlers::get_appointment)
        .service(handlers::update_appointment)
        .service(handlers::cancel_appointment)
        .service(handlers::complete_appointment)
        .service(calendar::create_calendar_token)
        .service(calendar::list_calendar_tokens)
        .service(calendar::revoke_calendar_token)
        .service(calendar::calendar_feed);
}
