//! Referrals: submission (screening, routing, idempotent retries), reads,
//! lists for MIS delta sync and caseloads, history, the lifecycle actions,
//! co-workers, corrections and the INDES reassessment, case notes and the
//! chronology.

pub mod actions;
pub mod co_workers;
pub mod corrections;
pub mod dto;
pub mod handlers;
pub mod history;
pub mod indes;
pub mod list;
pub mod notes;
pub mod source;

/// Registers the referrals operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(handlers::submit_referral)
        .service(list::list_referrals)
        .service(handlers::get_referral)
        .service(corrections::correct_referral)
        .service(handlers::referral_history)
        .service(handlers::accept_referral)
        .service(handlers::decline_referral)
        .service(handlers::redirect_referral)
        .service(handlers::allocate_referral)
        .service(handlers::start_referral)
        .service(handlers::close_referral)
        .service(handlers::withdraw_referral)
        .service(handlers::reopen_referral)
        .service(co_workers::add_co_worker)
        .service(co_workers::remove_co_worker)
        .service(notes::create_note)
        .service(notes::list_notes)
        .service(notes::get_note)
        .service(notes::referral_chronology);
}
