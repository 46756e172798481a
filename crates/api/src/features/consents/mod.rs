//! Consent as a record (issue 13, item 3): a referral's consents, recorded
//! and withdrawn by staff in scope, read by its school. While no consent for
//! SCT involvement is in force, a referral can only be closed or withdrawn
//! (enforced in persistence where every write locks the referral: see
//! `sct_persistence::consents`). A family's consents are listed by the
//! families feature with this feature's DTOs.

pub mod dto;
pub mod handlers;

/// Registers the consent operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(handlers::record_consent)
        .service(handlers::list_referral_consents)
        .service(handlers::get_referral_consent)
        .service(handlers::withdraw_consent);
}
