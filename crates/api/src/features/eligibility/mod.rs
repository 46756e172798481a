//! Eligibility: screening without storing anything and the policy in force
//! (`check`), and the council's policy versions, "test and learn": drafts,
//! simulation and publication (`policies`). Uses the referrals feature's
//! DTOs (the same `indes`, factors and outcomes as a submission).

pub mod check;
pub mod dto;
pub mod policies;

/// Registers the eligibility operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(check::check_eligibility)
        .service(check::current_policy)
        .service(policies::list_policies)
        .service(policies::create_policy)
        .service(policies::get_policy)
        .service(policies::update_policy)
        .service(policies::simulate_policy)
        .service(policies::publish_policy);
}
