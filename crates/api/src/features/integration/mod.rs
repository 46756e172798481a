//! MIS vendors' machine credentials (integration clients) and the OAuth 2.0
//! client-credentials token endpoint.

pub mod clients;
pub mod credentials;
pub mod dto;
pub mod oauth;

/// Registers the integration operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(clients::register_client)
        .service(clients::list_clients)
        .service(clients::get_client)
        .service(clients::set_client_schools)
        .service(clients::rotate_client_secret)
        .service(clients::expire_previous_client_secret)
        .service(clients::revoke_client)
        .service(oauth::issue_token);
}
