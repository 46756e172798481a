//! The OpenAPI document: generated from the handlers' annotations, never
//! written by hand. `sct openapi` prints it; a test compares it with the
//! committed `openapi/openapi.json`.

use crate::features;
use crate::http::docs::{self, BearerScheme, StandardResponses};
use crate::http::error::{FieldError, Problem};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayItems, KnownFormat, Object, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{OpenApi as OpenApiDoc, RefOr};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "School & Community Teams API",
        version = "1.0.0",
        description = "System of record and open API of the School & Community Teams: early-help SEND support for children at INDES levels 3-4. Schools and their MIS refer children; the platform screens eligibility against a versioned policy, routes each referral to the team of the school's zone and follows it to closure.\n\nErrors are `application/problem+json` (RFC 9457) with a stable `code`. Lists use `limit` and an opaque `cursor`. Every single-resource read returns an `ETag`; updates and actions need `If-Match`. `Idempotency-Key` makes every `POST` that creates or changes something safe to retry (keys kept 24 hours).",
        license(name = "MIT")
    ),
    servers((url = "/", description = "This server")),
    components(
        schemas(Problem, FieldError, features::integration::dto::OAuthErrorBody),
        responses(
            docs::BadRequest, docs::Unauthorized, docs::Forbidden, docs::NotFound,
            docs::Conflict, docs::PreconditionFailed, docs::PayloadTooLarge,
            docs::UnsupportedMediaType, docs::Unprocessable, docs::PreconditionRequired,
            docs::ServiceUnavailable
        )
    ),
    tags(
        (name = "Referrals", description = "Submit, read and follow referrals"),
        (name = "Referral actions", description = "Move a referral through its lifecycle (all need If-Match)"),
        (name = "Case notes", description = "Calls, visits, emails and meetings on a case, and its chronology (staff only)"),
        (name = "Diary", description = "Planned appointments for referrals and programme sessions, completed as the sessions they became, a worker's calendar feed (iCalendar), and what is due from me (`/me/tasks`) (staff only)"),
        (name = "Eligibility", description = "Screening against the INDES policy"),
        (name = "Zones and teams", description = "Zones and the team that serves each"),
        (name = "Workers", description = "Practitioners and managers with caseload caps"),
        (name = "Schools", description = "Schools keyed by URN, and their zone"),
        (name = "Interventions", description = "The catalogue of evidence-based interventions (la_admin writes; staff read; schools read active ones)"),
        (name = "Support plans", description = "A referral's support plan: goals on the 0-10 goal-based-outcome scale, interventions chosen, versions, reviews and distance travelled"),
        (name = "Sessions", description = "Sessions delivered for referrals, individual or group, with attendance"),
        (name = "Partners", description = "Partner organisations (health, social care, voluntary sector) and the zones they work in"),
        (name = "Supervision", description = "Community-of-practice and group-supervision meetings: attendees (workers, partners' representatives, settings' staff), the locality held for, case discussions, actions"),
        (name = "Localities", description = "The local areas of a zone: named clusters of settings within one zone, kept by la_admin, which a practice session may be held for"),
        (name = "Reports", description = "Management information: referrals, responsiveness, caseloads, outcomes and step changes at closure, as JSON or CSV (la_admin; team_manager for their zone)"),
        (name = "Integration clients", description = "MIS vendors' machine credentials and the schools each may act for (la_admin)"),
        (name = "Children", description = "One record per UPN across referrals: history of changes and UPN conflicts for review (la_admin)"),
        (name = "Webhooks", description = "Signed push notifications of referral changes (Standard Webhooks) for integration clients and the council"),
        (name = "OAuth", description = "Tokens for integration clients (client credentials grant)"),
        (name = "Audit", description = "Who read or changed what: the append-only audit trail (la_admin)"),
        (name = "Data protection", description = "Subject access and erasure of a child's personal data (la_admin)"),
        (name = "Termly conversations", description = "One conversation per school per term: offered by the zone's team, booked or declined by the school, recorded when held"),
        (name = "Consultations", description = "Advice to a school about a child (by UPN) or a cohort without a referral; can become a referral in one call"),
        (name = "School support", description = "Work with a setting that is not about one referred child: whole-school approaches, staff training, inclusion audits, staff coaching, cohort group work and transition work, with dated sessions, agreed actions and a review; children counted, never named"),
        (name = "Community", description = "Family Hubs and the schools they are connected with, and group programmes: sessions, enrolments with a waiting list, attendance and completion"),
        (name = "Consents", description = "Consent as a record: who gave it, for what (SCT involvement, sharing with the school, with named partners, with the Family Hub), how it was recorded, from when and until when, and its withdrawal; a referral without consent for SCT involvement in force can only be closed or withdrawn"),
        (name = "Families", description = "Households the teams work with: children linked to the LA's child record, parents and carers with their contact details, each child's referrals across schools and zones as far as the caller may see"),
        (name = "Feedback", description = "Schools' feedback after a referral's closure, a consultation or a termly conversation: a rating and their confidence to meet the needs in mainstream"),
        (name = "Follow-ups", description = "Follow-ups 3 and 6 months after a referral's closure: whether its outcome was sustained, and the escalation outcomes then (EHC needs assessment requests, placements, suspensions and exclusions, attendance, step-ups)"),
        (name = "Open Referral UK", description = "Public, read-only directory feed (HSDS 3.0, ORUK profile): published programmes as services, Family Hubs as locations, programme types as a taxonomy. No token, no personal data"),
        (name = "Health", description = "Liveness, readiness, metrics and this document")
    ),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

/// Registers every API operation under `/api/v1` (shared by the server and
/// the document, so neither can list an operation the other lacks).
pub fn api_services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(utoipa_actix_web::scope("/api/v1").configure(features::configure));
}

/// The document, built from the same registrations the server uses.
pub fn document() -> OpenApiDoc {
    let (_, mut doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(features::system::configure_health)
        .configure(features::oruk::configure)
        .configure(api_services)
        .split_for_parts();
    StandardResponses.modify(&mut doc);
    DateBounds.modify(&mut doc);
    NoNul.modify(&mut doc);
    rules::UnstatedRules.modify(&mut doc);
    doc
}

/// Calls `f` on every object schema of the document's components, its
/// operations' parameters and request bodies, and every schema nested in
/// them (properties, map keys and values, array items, `oneOf`/`allOf`/`anyOf`).
fn each_object(doc: &mut OpenApiDoc, f: fn(&mut Object)) {
    fn walk(s: &mut RefOr<Schema>, f: fn(&mut Object)) {
        let RefOr::T(s) = s else {
            return;
        };
        match s {
            Schema::Object(o) => {
                f(o);
                o.properties.values_mut().for_each(|p| walk(p, f));
                if let Some(Schema::Object(names)) = o.property_names.as_deref_mut() {
                    f(names);
                }
                if let Some(AdditionalProperties::RefOr(v)) = o.additional_properties.as_deref_mut()
                {
                    walk(v, f);
                }
            }
            Schema::Array(a) => {
                if let ArrayItems::RefOrSchema(items) = &mut a.items {
                    walk(items, f);
                }
            }
            Schema::OneOf(x) => x.items.iter_mut().for_each(|s| walk(s, f)),
            Schema::AllOf(x) => x.items.iter_mut().for_each(|s| walk(s, f)),
            Schema::AnyOf(x) => x.items.iter_mut().for_each(|s| walk(s, f)),
            _ => {}
        }
    }
    if let Some(c) = doc.components.as_mut() {
        c.schemas.values_mut().for_each(|s| walk(s, f));
    }
    for item in doc.paths.paths.values_mut() {
        for op in docs::operations_mut(item) {
            for p in op.parameters.iter_mut().flatten() {
                if let Some(s) = p.schema.as_mut() {
                    walk(s, f);
                }
            }
            if let Some(body) = op.request_body.as_mut() {
                for c in body.content.values_mut() {
                    if let Some(s) = c.schema.as_mut() {
                        walk(s, f);
                    }
                }
            }
        }
    }
}

/// Every date and date-time of the document, in a request or a response,
/// states the bounds the server enforces (1900-01-01 to 2200-12-31) as a
/// `pattern`: JSON Schema has no minimum for a `format`. Date-times are held
/// to the years 1901 to 2199, so that no UTC offset carries one outside the
/// bounds.
struct DateBounds;

const DATE_PATTERN: &str =
    "^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";
const DATE_TIME_PATTERN: &str = "^(190[1-9]|19[1-9][0-9]|2[01][0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$";

impl Modify for DateBounds {
    fn modify(&self, doc: &mut OpenApiDoc) {
        each_object(doc, |o| match o.format {
            Some(SchemaFormat::KnownFormat(KnownFormat::Date)) => {
                o.pattern = Some(DATE_PATTERN.into());
            }
            Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)) => {
                o.pattern = Some(DATE_TIME_PATTERN.into());
            }
            _ => {}
        });
    }
}

/// No string the server takes may hold the NUL character: PostgreSQL text
/// cannot store it, so a JSON body with `\u0000` in a string answers 422
/// `nul_character` and a `%00` in the path or query 400
/// (`http/extract.rs`, `middleware/limits.rs`). Every string schema that
/// does not already narrow its characters (no `pattern`, `format` or `enum`)
/// states it as the pattern `^[^\u0000]*$`. The patterns written by hand
/// exclude NUL themselves.
struct NoNul;

/// Any string without the NUL character (ECMA-262 and Python `re` alike).
const NO_NUL_PATTERN: &str = r"^[^\u0000]*$";

impl Modify for NoNul {
    fn modify(&self, doc: &mut OpenApiDoc) {
        each_object(doc, |o| {
            let string = match &o.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(ts) => ts.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if string && o.pattern.is_none() && o.format.is_none() && o.enum_values.is_none() {
                o.pattern = Some(NO_NUL_PATTERN.into());
            }
        });
    }
}

mod rules;
#[cfg(test)]
mod typed;
#[cfg(test)]
mod urns;

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
                    || path == "/metrics"
                    // A worker's calendar feed: the path's revocable token
                    // is the credential (calendar apps send no header).
                    || path.starts_with("/api/v1/calendar/");
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

    /// Every string schema of the document refuses NUL: a format or an enum
    /// of its own, or a pattern anchored at both ends whose character
    /// classes all leave NUL out (no `.`, no `\S`/`\D`/`\W`, no negated
    /// class but those that name `\u0000`).
    #[test]
    fn every_string_schema_refuses_nul() {
        fn refuses_nul(p: &str) -> bool {
            let negated_ok = p.matches("[^").count()
                == p.matches(r"[^\u0000]").count() + p.matches(r"[^\s\u0000]").count();
            p.starts_with('^')
                && p.ends_with('$')
                && negated_ok
                && ![".", r"\S", r"\D", r"\W"]
                    .iter()
                    .any(|w| p.replace(r"\.", "").contains(w))
        }
        fn walk(v: &serde_json::Value, at: &str, n: &mut usize) {
            match v {
                serde_json::Value::Object(o) => {
                    let ty = o.get("type");
                    let string = ty.is_some_and(|t| {
                        t == "string" || t.as_array().is_some_and(|t| t.contains(&"string".into()))
                    });
                    // What the server takes: schemas, parameters, bodies
                    // (not the headers of its answers).
                    if string && !at.contains("/responses/") {
                        *n += 1;
                        let narrowed = o.contains_key("format") || o.contains_key("enum");
                        let pattern = o.get("pattern").and_then(|p| p.as_str());
                        assert!(
                            narrowed || pattern.is_some_and(refuses_nul),
                            "{at}: a string that may hold NUL ({pattern:?})"
                        );
                    }
                    for (k, v) in o {
                        walk(v, &format!("{at}/{k}"), n);
                    }
                }
                serde_json::Value::Array(a) => {
                    for (i, v) in a.iter().enumerate() {
                        walk(v, &format!("{at}/{i}"), n);
                    }
                }
                _ => {}
            }
        }
        assert!(refuses_nul(NO_NUL_PATTERN));
        assert!(!refuses_nul(r"\S"));
        assert!(!refuses_nul("^.*$"));
        let doc: serde_json::Value = serde_json::from_str(&render()).expect("json");
        let mut n = 0;
        walk(&doc, "", &mut n);
        assert!(n > 500, "only {n} string schemas seen");
    }
}

/// The date bound over the real contract (`crate::http::dates`): here, since
/// the document is built here and `http` must not use `openapi`.
#[cfg(test)]
mod date_bound_tests {
    use crate::http::dates::{DateFields, OUT_OF_RANGE};
    use crate::http::error::ErrorCode;
    use serde_json::json;

    fn fields() -> DateFields {
        DateFields::from_document(&super::document())
    }

    #[test]
    fn every_date_of_the_contract_is_found() {
        let all = fields().describe();
        for expected in [
            "POST /api/v1/referrals consent.given_on",
            "POST /api/v1/referrals child.date_of_birth",
            "POST /api/v1/referrals/{id}/sessions held_on",
            "POST /api/v1/referrals/{id}/reviews reviewed_on",
            "POST /api/v1/practice-sessions actions[].due_on",
            "GET /api/v1/referrals ?updated_since",
            "GET /api/v1/audit-events ?from",
            "GET /api/v1/reports/referrals ?to",
            "GET /oruk/services ?modified_after",
        ] {
            assert!(all.iter().any(|l| l == expected), "{expected} in {all:#?}");
        }
        // Every operation of the contract with a date, and no more: the
        // count moves when a date field is added, which is the point.
        assert!(all.len() >= 40, "{all:#?}");
    }

    #[test]
    fn bodies_name_each_field_outside_the_bound() {
        let f = fields();
        let body = json!({"held_on": "2026-01-01", "actions": [
            {"due_on": "2026-02-01"}, {"due_on": "-5000-01-01"}
        ]});
        let e = f
            .check_body("POST", "/api/v1/practice-sessions", &body)
            .expect_err("out of range");
        assert_eq!(e.code, ErrorCode::ValidationFailed);
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].field, "actions[1].due_on");
        assert_eq!(e.errors[0].code, OUT_OF_RANGE);
        let fine = json!({"held_on": "2026-01-01", "actions": []});
        assert!(f
            .check_body("POST", "/api/v1/practice-sessions", &fine)
            .is_ok());
        // Unparseable values are the deserializer's to name; other routes
        // and methods are untouched.
        let odd = json!({"held_on": "soon"});
        assert!(f
            .check_body("POST", "/api/v1/practice-sessions", &odd)
            .is_ok());
        let bad = json!({"held_on": "0000-01-01"});
        assert!(f.check_body("POST", "/api/v1/zones", &bad).is_ok());
    }

    #[test]
    fn queries_name_the_parameter() {
        let f = fields();
        let e = f
            .check_query(
                "GET",
                "/api/v1/referrals",
                "updated_since=-5000-01-01T00:00:00Z",
            )
            .expect_err("out of range");
        assert_eq!(e.code, ErrorCode::InvalidParameter);
        assert_eq!(e.errors[0].field, "updated_since");
        assert_eq!(e.errors[0].code, OUT_OF_RANGE);
        let e = f
            .check_query(
                "GET",
                "/oruk/services",
                "modified_after=%2B275760-01-01T00:00:00Z",
            )
            .expect_err("unparseable");
        assert_eq!(e.errors[0].field, "modified_after");
        assert_eq!(e.errors[0].code, "invalid_value");
        let e = f
            .check_query(
                "GET",
                "/api/v1/reports/referrals",
                "by=zone&from=0000-01-01",
            )
            .expect_err("year 0");
        assert_eq!(e.errors[0].field, "from");
        assert!(f
            .check_query(
                "GET",
                "/api/v1/referrals",
                "updated_since=2026-01-01T00:00:00Z&limit=5"
            )
            .is_ok());
    }
}
