//! Management information as JSON or CSV: referrals, responsiveness,
//! caseloads, outcomes, step changes, programmes, interventions, every
//! school's picture, escalations after closure, capacity by function, the waiting list's trend and the community of practice's reach
//! (la_admin; team_manager for their zone). Uses the wire enums of the
//! referrals, delivery and community features for the values its rows carry.

pub mod capacity;
pub mod columns;
pub mod common;
pub mod delivery;
pub mod escalations;
pub mod moved;
pub mod practice;
pub mod referrals;
pub mod schools;
pub mod waiting;

/// Registers the reports operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(referrals::referrals_report)
        .service(referrals::responsiveness_report)
        .service(referrals::caseloads_report)
        .service(referrals::outcomes_report)
        .service(referrals::step_changes_report)
        .service(moved::shift_left_report)
        .service(delivery::programmes_report)
        .service(delivery::interventions_report)
        .service(waiting::waiting_report)
        .service(schools::schools_report)
        .service(escalations::escalations_report)
        .service(capacity::capacity_report)
        .service(practice::practice_report);
}
