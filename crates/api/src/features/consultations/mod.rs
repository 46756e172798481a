//! Consultations: advice a team gives a school about a child or a cohort,
//! or a family with or without a school (issue 13, item 4), without a
//! referral. No child names: a child is identified by UPN only. One call
//! turns a consultation into a referral through the ordinary submission
//! path (screening, routing, allocation queue, history).
//! Uses the referrals feature: its submission DTOs, `prepare` (parse and
//! screen) and `referral_written`, so that a consultation becomes a referral
//! exactly as a school's submission does.

pub mod dto;
pub mod handlers;

/// Registers the consultations operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(handlers::list_consultations)
        .service(handlers::create_consultation)
        .service(handlers::get_consultation)
        .service(handlers::update_consultation)
        .service(handlers::refer_consultation);
}
