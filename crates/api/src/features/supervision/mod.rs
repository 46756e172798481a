//! Advice and supervision: partner organisations and practice sessions
//! (community of practice, group supervision) with case discussions and
//! actions; localities (the "local areas" of a zone a meeting may be held
//! for). Uses the school-support feature's `StaffRole` for settings' staff.

pub mod dto;
pub mod handlers;
pub mod localities;

/// Registers the supervision operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(handlers::list_partners)
        .service(handlers::create_partner)
        .service(handlers::get_partner)
        .service(handlers::update_partner)
        .service(handlers::list_practice_sessions)
        .service(handlers::create_practice_session)
        .service(handlers::get_practice_session)
        .service(handlers::update_practice_session)
        .service(handlers::set_action_done)
        .service(localities::list_localities)
        .service(localities::create_locality)
        .service(localities::get_locality)
        .service(localities::update_locality);
}
