//! The features of the API, one module each: its handlers, its DTOs, its
//! error translation and the `configure` that registers its routes (and so
//! its OpenAPI paths). Features import `http`, the domain and persistence;
//! a feature that uses another's DTOs says so in its `//!`.

pub mod appointments;
pub mod audit_log;
pub mod child_lookup;
pub mod children;
pub mod community;
pub mod consents;
pub mod consultations;
pub mod data_protection;
pub mod delivery;
pub mod eligibility;
pub mod families;
pub mod feedback;
pub mod follow_ups;
pub mod integration;
pub mod organisation;
pub mod oruk;
pub mod referrals;
pub mod reports;
pub mod school_activity;
pub mod school_support;
pub mod supervision;
pub mod system;
pub mod tasks;
pub mod termly;
pub mod webhooks;

/// Registers every operation under `/api/v1`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    referrals::configure(cfg);
    appointments::configure(cfg);
    tasks::configure(cfg);
    eligibility::configure(cfg);
    system::configure(cfg);
    organisation::configure(cfg);
    reports::configure(cfg);
    integration::configure(cfg);
    audit_log::configure(cfg);
    data_protection::configure(cfg);
    webhooks::configure(cfg);
    children::configure(cfg);
    child_lookup::configure(cfg);
    delivery::configure(cfg);
    supervision::configure(cfg);
    termly::configure(cfg);
    consultations::configure(cfg);
    community::configure(cfg);
    feedback::configure(cfg);
    follow_ups::configure(cfg);
    school_activity::configure(cfg);
    school_support::configure(cfg);
    families::configure(cfg);
    consents::configure(cfg);
}
