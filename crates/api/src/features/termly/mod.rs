//! Termly conversations: one per school per term, offered by the zone team,
//! booked or declined by the school, recorded when held; and their coverage
//! report.

pub mod dto;
pub mod handlers;

/// Registers the termly operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(handlers::list_termly_conversations)
        .service(handlers::offer_termly_conversations)
        .service(handlers::create_termly_conversation)
        .service(handlers::get_termly_conversation)
        .service(handlers::schedule_termly_conversation)
        .service(handlers::decline_termly_conversation)
        .service(handlers::hold_termly_conversation)
        .service(handlers::reoffer_termly_conversation)
        .service(handlers::link_termly_conversation_referral)
        .service(handlers::termly_coverage_report);
}
