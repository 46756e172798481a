//! Service delivery for a referral: the interventions catalogue, the support
//! plan (goals, versions), sessions (individual and group) and reviews.
//! Reviews check the INDES levels they record with the referrals feature's
//! check (`referrals::corrections::reassessed_levels`).

pub mod dto;
pub mod interventions;
pub mod plans;
pub mod reviews;
pub mod rules;
pub mod sessions;

/// Registers the delivery operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(interventions::list_interventions)
        .service(interventions::create_intervention)
        .service(interventions::get_intervention)
        .service(interventions::update_intervention)
        .service(plans::get_plan)
        .service(plans::put_plan)
        .service(plans::plan_versions)
        .service(sessions::record_session)
        .service(sessions::list_sessions)
        .service(sessions::record_group_session)
        .service(sessions::get_session)
        .service(sessions::update_session)
        .service(reviews::record_review)
        .service(reviews::list_reviews)
        .service(reviews::get_review)
        .service(reviews::update_review);
}
