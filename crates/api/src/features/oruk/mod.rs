//! The public Open Referral UK (HSDS 3.0) feed: published programmes as
//! services, Family Hubs as locations, programme types as a taxonomy. No
//! token, no personal data.

pub mod dto;
pub mod handlers;

/// Registers the public feed under `/oruk`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    use handlers as k;
    cfg.service(
        utoipa_actix_web::scope("/oruk")
            .service(k::oruk_service_info)
            .service(k::oruk_list_services)
            .service(k::oruk_get_service)
            .service(k::oruk_list_service_at_locations)
            .service(k::oruk_get_service_at_location)
            .service(k::oruk_list_taxonomies)
            .service(k::oruk_list_taxonomy_terms)
            .service(k::oruk_get_taxonomy_term),
    );
}
