//! School support (issue 15, item 2): a team's work with a setting that is
//! not about one referred child (whole-school approaches, staff training,
//! inclusion audits, staff coaching, cohort group work, transition work),
//! with dated sessions, agreed actions and a review. Uses the referrals
//! feature's `IndesArea` schema.

pub mod dto;
pub mod handlers;

/// Registers the school-support operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(handlers::list_school_support)
        .service(handlers::create_school_support)
        .service(handlers::get_school_support)
        .service(handlers::update_school_support)
        .service(handlers::list_school_support_sessions)
        .service(handlers::create_school_support_session)
        .service(handlers::create_school_support_action)
        .service(handlers::update_school_support_action)
        .service(handlers::review_school_support);
}
