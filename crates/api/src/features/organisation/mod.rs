//! The council's organisation that routes every referral: zones, teams,
//! workers with caseload caps, schools keyed by URN (a setting identifier:
//! settings beyond GIAS too), the GIAS import and the settings import.

pub mod dto;
pub mod gias;
pub mod schools;
pub mod settings_import;
pub mod workers;
pub mod zones;

/// Registers the organisation operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(zones::list_zones)
        .service(zones::create_zone)
        .service(zones::get_zone)
        .service(zones::update_zone)
        .service(zones::list_teams)
        .service(zones::create_team)
        .service(zones::get_team)
        .service(zones::update_team)
        .service(workers::list_workers)
        .service(workers::create_worker)
        .service(workers::get_worker)
        .service(workers::update_worker)
        .service(schools::list_schools)
        .service(gias::import_schools)
        .service(settings_import::import_settings)
        .service(schools::create_school)
        .service(schools::get_school)
        .service(schools::set_school_zone);
}
