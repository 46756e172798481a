//! Community and place: Family Hubs (and the schools they are connected
//! with) and group programmes with sessions,
//! enrolments (waiting list, promotion), attendance and completion.

pub mod attendance;
pub mod connections;
pub mod enrolments;
pub mod hubs;
pub mod programmes;
pub mod sessions;

/// Registers the community operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(hubs::list_family_hubs)
        .service(hubs::create_family_hub)
        .service(hubs::get_family_hub)
        .service(hubs::update_family_hub)
        .service(connections::list_hub_connections)
        .service(connections::create_hub_connection)
        .service(connections::get_hub_connection)
        .service(connections::update_hub_connection)
        .service(connections::hub_connections_report)
        .service(programmes::list_programmes)
        .service(programmes::create_programme)
        .service(programmes::get_programme)
        .service(programmes::update_programme)
        .service(programmes::set_programme_status)
        .service(sessions::list_programme_sessions)
        .service(sessions::create_programme_session)
        .service(sessions::get_programme_session)
        .service(sessions::update_programme_session)
        .service(enrolments::list_enrolments)
        .service(enrolments::create_enrolment)
        .service(enrolments::get_enrolment)
        .service(enrolments::cancel_enrolment)
        .service(enrolments::complete_enrolment)
        .service(attendance::get_attendance)
        .service(attendance::record_attendance);
}
