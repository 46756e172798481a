//! The public Open Referral UK (HSDS 3.0) feed: published programmes as
//! services, Family Hubs as locations, programme types as a taxonomy, the
//! council's School & Community Teams service as the organization. No
//! token, no personal data. Checked against the official ORUK 3.0 and HSDS
//! 3.0 schemas by `tests/e2e/oruk_conformance.rs`.

pub mod dto;
pub mod handlers;
pub mod map;
pub mod params;

/// Registers the public feed under `/oruk` (and `GET /oruk` without the
/// slash, undocumented: the same as `/oruk/`).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    use handlers as k;
    cfg.service(
        utoipa_actix_web::scope("/oruk")
            .route("", actix_web::web::get().to(k::oruk_service_info_no_slash))
            .service(k::oruk_service_info)
            .service(k::oruk_list_services)
            .service(k::oruk_get_service)
            .service(k::oruk_list_service_at_locations)
            .service(k::oruk_get_service_at_location)
            .service(k::oruk_list_taxonomies)
            .service(k::oruk_get_taxonomy)
            .service(k::oruk_list_taxonomy_terms)
            .service(k::oruk_get_taxonomy_term)
            .service(k::oruk_list_organizations)
            .service(k::oruk_get_organization),
    );
}
