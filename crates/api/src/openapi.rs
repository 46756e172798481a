//! The OpenAPI document: generated from the handlers' annotations, never
//! written by hand. `sct openapi` prints it; a test compares it with the
//! committed `openapi/openapi.json`.

use crate::error::{FieldError, Problem};
use crate::routes;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

/// The rendered document, shared with the handler that serves it.
pub struct Document(pub String);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "School & Community Teams API",
        version = "1.0.0",
        description = "System of record and open API of the School & Community Teams: early-help SEND support for children at INDES levels 3-4. Schools and their MIS refer children; the platform screens eligibility against a versioned policy, routes each referral to the team of the school's zone and follows it to closure.\n\nErrors are `application/problem+json` (RFC 9457) with a stable `code`. Lists use `limit` and an opaque `cursor`. Every single-resource read returns an `ETag`; updates and actions need `If-Match`. `Idempotency-Key` makes `POST /referrals` safe to retry (keys kept 24 hours).",
        license(name = "MIT")
    ),
    servers((url = "/", description = "This server")),
    components(
        schemas(Problem, FieldError, crate::dto::OAuthErrorBody),
        responses(
            routes::BadRequest, routes::Unauthorized, routes::Forbidden, routes::NotFound,
            routes::Conflict, routes::PreconditionFailed, routes::PayloadTooLarge,
            routes::UnsupportedMediaType, routes::Unprocessable, routes::PreconditionRequired,
            routes::ServiceUnavailable
        )
    ),
    tags(
        (name = "Referrals", description = "Submit, read and follow referrals"),
        (name = "Referral actions", description = "Move a referral through its lifecycle (all need If-Match)"),
        (name = "Eligibility", description = "Screening against the INDES policy"),
        (name = "Zones and teams", description = "Zones and the team that serves each"),
        (name = "Workers", description = "Practitioners and managers with caseload caps"),
        (name = "Schools", description = "Schools keyed by URN, and their zone"),
        (name = "Interventions", description = "The catalogue of evidence-based interventions (la_admin writes; staff read; schools read active ones)"),
        (name = "Support plans", description = "A referral's support plan: goals on the 0-10 goal-based-outcome scale, interventions chosen, versions, reviews and distance travelled"),
        (name = "Sessions", description = "Sessions delivered for referrals, individual or group, with attendance"),
        (name = "Partners", description = "Partner organisations (health, social care, voluntary sector) and the zones they work in"),
        (name = "Supervision", description = "Community-of-practice and group-supervision meetings: attendees, case discussions, actions"),
        (name = "Reports", description = "Management information: referrals, responsiveness, caseloads, outcomes and shift left, as JSON or CSV (la_admin; team_manager for their zone)"),
        (name = "Integration clients", description = "MIS vendors' machine credentials and the schools each may act for (la_admin)"),
        (name = "Children", description = "One record per UPN across referrals: history of changes and UPN conflicts for review (la_admin)"),
        (name = "Webhooks", description = "Signed push notifications of referral changes (Standard Webhooks) for integration clients and the council"),
        (name = "OAuth", description = "Tokens for integration clients (client credentials grant)"),
        (name = "Audit", description = "Who read or changed what: the append-only audit trail (la_admin)"),
        (name = "Data protection", description = "Subject access and erasure of a child's personal data (la_admin)"),
        (name = "Termly conversations", description = "One conversation per school per term: offered by the zone's team, booked or declined by the school, recorded when held"),
        (name = "Consultations", description = "Advice to a school about a child (by UPN) or a cohort without a referral; can become a referral in one call"),
        (name = "Community", description = "Family Hubs and group programmes: sessions, enrolments with a waiting list, attendance and completion"),
        (name = "Open Referral UK", description = "Public, read-only directory feed (HSDS 3.0, ORUK profile): published programmes as services, Family Hubs as locations, programme types as a taxonomy. No token, no personal data"),
        (name = "Health", description = "Liveness, readiness, metrics and this document")
    ),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

/// Adds 429 (rate limited) and 503 (database unavailable or request timed
/// out), both with `Retry-After`, to every operation: the middleware answers
/// them for any route, so no handler lists them itself. Applied to the
/// finished document, after every operation is registered.
struct Throttling;

impl Modify for Throttling {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let retry_after = || {
            HeaderBuilder::new()
                .schema(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer)
                        .minimum(Some(1)),
                )
                .description(Some("Seconds to wait before retrying"))
                .build()
        };
        let problem = |desc: &str| {
            ResponseBuilder::new()
                .description(desc)
                .header("Retry-After", retry_after())
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.responses.insert(
            "TooManyRequests".into(),
            problem("Too many requests from this client; retry after Retry-After seconds").into(),
        );
        components.responses.insert(
            "ServiceUnavailable".into(),
            problem("The database is unavailable or the request took too long; retry after Retry-After seconds").into(),
        );
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                for (status, name) in [("429", "TooManyRequests"), ("503", "ServiceUnavailable")] {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| Ref::from_response_name(name).into());
                }
            }
        }
    }
}

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT from the council's identity provider, `POST /api/v1/oauth/token` for integration clients, or `sct token` in development.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Registers every API operation under `/api/v1` (shared by the server and
/// the document, so neither can list an operation the other lacks).
pub fn api_services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(utoipa_actix_web::scope("/api/v1").configure(api_operations));
}

fn api_operations(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    use routes::{
        audit as au, catalogue as c, child_conflicts as cc, children as ch, community as cm,
        consultations as cs, delivery as d, gias as g, integration as i, oauth as o,
        referrals as r, reports as rep, supervision as sv, system as s, termly as t, webhooks as w,
    };
    cfg.service(r::submit_referral)
        .service(r::list_referrals)
        .service(r::get_referral)
        .service(r::referral_history)
        .service(r::accept_referral)
        .service(r::decline_referral)
        .service(r::redirect_referral)
        .service(r::allocate_referral)
        .service(r::start_referral)
        .service(r::close_referral)
        .service(r::withdraw_referral)
        .service(r::reopen_referral)
        .service(s::check_eligibility)
        .service(s::current_policy)
        .service(s::openapi_json)
        .service(c::list_zones)
        .service(c::create_zone)
        .service(c::get_zone)
        .service(c::update_zone)
        .service(c::list_teams)
        .service(c::create_team)
        .service(c::get_team)
        .service(c::update_team)
        .service(c::list_workers)
        .service(c::create_worker)
        .service(c::get_worker)
        .service(c::update_worker)
        .service(c::list_schools)
        .service(g::import_schools)
        .service(c::create_school)
        .service(c::get_school)
        .service(c::set_school_zone)
        .service(rep::referrals_report)
        .service(rep::responsiveness_report)
        .service(rep::caseloads_report)
        .service(rep::outcomes_report)
        .service(rep::shift_left_report)
        .service(rep::programmes_report)
        .service(rep::interventions_report)
        .service(i::register_client)
        .service(i::list_clients)
        .service(i::get_client)
        .service(i::set_client_schools)
        .service(i::rotate_client_secret)
        .service(i::revoke_client)
        .service(o::issue_token)
        .service(au::list_audit_events)
        .service(ch::export_child)
        .service(ch::erase_child)
        .service(w::create_subscription)
        .service(w::list_subscriptions)
        .service(w::get_subscription)
        .service(w::update_subscription)
        .service(w::delete_subscription)
        .service(w::list_deliveries)
        .service(w::replay_delivery)
        .service(cc::list_conflicts)
        .service(cc::get_conflict)
        .service(cc::resolve_conflict)
        .service(cc::child_history)
        .service(d::list_interventions)
        .service(d::create_intervention)
        .service(d::get_intervention)
        .service(d::update_intervention)
        .service(d::get_plan)
        .service(d::put_plan)
        .service(d::plan_versions)
        .service(d::record_session)
        .service(d::list_sessions)
        .service(d::record_group_session)
        .service(d::get_session)
        .service(d::update_session)
        .service(d::record_review)
        .service(d::list_reviews)
        .service(d::get_review)
        .service(d::update_review)
        .service(sv::list_partners)
        .service(sv::create_partner)
        .service(sv::get_partner)
        .service(sv::update_partner)
        .service(sv::list_practice_sessions)
        .service(sv::create_practice_session)
        .service(sv::get_practice_session)
        .service(sv::update_practice_session)
        .service(sv::set_action_done)
        .service(t::list_termly_conversations)
        .service(t::offer_termly_conversations)
        .service(t::create_termly_conversation)
        .service(t::get_termly_conversation)
        .service(t::schedule_termly_conversation)
        .service(t::decline_termly_conversation)
        .service(t::hold_termly_conversation)
        .service(t::reoffer_termly_conversation)
        .service(t::link_termly_conversation_referral)
        .service(t::termly_coverage_report)
        .service(cs::list_consultations)
        .service(cs::create_consultation)
        .service(cs::get_consultation)
        .service(cs::update_consultation)
        .service(cs::refer_consultation)
        .service(cm::list_family_hubs)
        .service(cm::create_family_hub)
        .service(cm::get_family_hub)
        .service(cm::update_family_hub)
        .service(cm::list_programmes)
        .service(cm::create_programme)
        .service(cm::get_programme)
        .service(cm::update_programme)
        .service(cm::set_programme_status)
        .service(cm::list_programme_sessions)
        .service(cm::create_programme_session)
        .service(cm::get_programme_session)
        .service(cm::update_programme_session)
        .service(cm::list_enrolments)
        .service(cm::create_enrolment)
        .service(cm::get_enrolment)
        .service(cm::cancel_enrolment)
        .service(cm::complete_enrolment)
        .service(cm::get_attendance)
        .service(cm::record_attendance);
}

/// The public Open Referral UK feed, outside `/api/v1` (no token).
pub fn oruk_services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    use routes::oruk as k;
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

/// Health endpoints, outside `/api/v1`.
pub fn health_services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(routes::system::live)
        .service(routes::system::ready)
        .service(routes::system::metrics);
}

/// The document, built from the same registrations the server uses.
pub fn document() -> OpenApiDoc {
    let (_, mut doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(health_services)
        .configure(oruk_services)
        .configure(api_services)
        .split_for_parts();
    Throttling.modify(&mut doc);
    doc
}

/// The document as pretty JSON with a trailing newline.
pub fn render() -> String {
    let mut s = document().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed() -> String {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json");
        std::fs::read_to_string(&path).unwrap_or_default()
    }

    #[test]
    fn the_committed_contract_is_what_the_code_serves() {
        assert!(
            committed() == render(),
            "openapi/openapi.json differs from the code: run `make openapi` and review the diff"
        );
    }

    #[test]
    fn every_operation_is_documented_secured_and_lists_its_errors() {
        let doc: serde_json::Value = serde_json::from_str(&render()).expect("json");
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().expect("paths");
        assert!(paths.len() >= 20);
        let mut ids = std::collections::HashSet::new();
        for (path, item) in paths {
            for (method, op) in item.as_object().expect("item") {
                let name = format!("{method} {path}");
                for key in [
                    "summary",
                    "description",
                    "operationId",
                    "tags",
                    "security",
                    "responses",
                ] {
                    assert!(op.get(key).is_some(), "{name} lacks {key}");
                }
                assert!(
                    ids.insert(op["operationId"].as_str().unwrap_or_default().to_owned()),
                    "{name}: duplicate operationId"
                );
                let responses = op["responses"].as_object().expect("responses");
                for (status, r) in responses {
                    let described = r.get("description").is_some() || r.get("$ref").is_some();
                    assert!(described, "{name} {status} has no description");
                }
                // The token endpoint answers in OAuth's error format
                // (RFC 6749 section 5.2): every refusal of its form is a 400
                // `invalid_request`, and a bad client a 401.
                let oauth = path.ends_with("/oauth/token");
                if oauth {
                    for s in ["200", "400", "401"] {
                        assert!(responses.contains_key(s), "{name} lacks {s}");
                    }
                }
                let public = oauth
                    || path.starts_with("/health")
                    || path.starts_with("/oruk")
                    || path.ends_with("/openapi.json")
                    || path == "/metrics";
                if public {
                    assert_eq!(
                        op["security"],
                        serde_json::json!([{}]),
                        "{name} should be public"
                    );
                } else {
                    assert_eq!(
                        op["security"],
                        serde_json::json!([{"bearer": []}]),
                        "{name} needs the bearer scheme"
                    );
                    assert!(responses.contains_key("401"), "{name} lacks 401");
                }
                for s in ["429", "503"] {
                    assert!(responses.contains_key(s), "{name} lacks {s}");
                }
                let body = op.get("requestBody").is_some();
                if body && !oauth {
                    for s in ["400", "413", "415", "422"] {
                        assert!(
                            responses.contains_key(s),
                            "{name} takes a body but lacks {s}"
                        );
                    }
                }
                if op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == "If-Match"))
                {
                    for s in ["412", "428"] {
                        assert!(
                            responses.contains_key(s),
                            "{name} takes If-Match but lacks {s}"
                        );
                    }
                }
            }
        }
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    }
}
