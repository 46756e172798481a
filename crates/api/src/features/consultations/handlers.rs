//! Consultations: list, read, record, change, and turn into a referral.
//! Who sees what: la_admin all, the zone's team theirs, schools their own
//! school's (never advice to a family without their school).

use crate::features::consultations::dto::Consultation;
use crate::features::consultations::dto::ConsultationContent;
use crate::features::consultations::dto::ConsultationListParams;
use crate::features::consultations::dto::ConsultationPage;
use crate::features::consultations::dto::ConsultationSubject;
use crate::features::consultations::dto::NewConsultation;
use crate::features::referrals::dto::Referral;
use crate::features::referrals::dto::ReferralSubmission;
use crate::features::referrals::handlers::prepare;
use crate::features::referrals::handlers::referral_written;
use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::school_in_reach;
use crate::http::access::STAFF;
use crate::http::audit::actor;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::RequestId;
use crate::http::paging::keyset_page;
use crate::http::paging::next_page;
use crate::http::respond::ok;
use crate::http::respond::stale;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::get;
use actix_web::post;
use actix_web::put;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_domain as domain;
use sct_domain::WireName;
use sct_persistence::consultations as repo;
use sct_persistence::consultations::ConsultationChange;
use sct_persistence::consultations::ConsultationFilter;
use sct_persistence::consultations::ConsultationRow;
use sct_persistence::consultations::ConvertError;
use sct_persistence::organisation;
use sct_persistence::policy;
use sct_persistence::referrals::SubmitError;
use sct_persistence::termly as termly_repo;
use sct_persistence::termly::Reach;
use sct_persistence::StoreError;
use uuid::Uuid;

/// The zone of a family the caller reaches (staff: of their zone; la_admin:
/// any), or 422 `unknown_family`.
async fn family_in_reach(
    conn: &mut sct_persistence::Connection,
    reach: &Reach,
    id: Uuid,
) -> Result<Uuid, ApiError> {
    let unknown = || {
        ApiError::validation(vec![FieldError::new(
            "family_id",
            "unknown_family",
            "no such family in a zone you work",
        )])
    };
    match sct_persistence::families::get(conn, id).await {
        Ok(f) => match reach {
            Reach::All => Ok(f.zone_id),
            Reach::Zone(z) if *z == f.zone_id => Ok(f.zone_id),
            _ => Err(unknown()),
        },
        Err(StoreError::NotFound) => Err(unknown()),
        Err(e) => Err(e.into()),
    }
}

/// Checks the content and turns it into the stored fields.
async fn checked(
    c: ConsultationContent,
    school_urn: Option<&str>,
    family: Option<Uuid>,
    reach: &Reach,
    conn: &mut sct_persistence::Connection,
) -> Result<ConsultationChange, ApiError> {
    let mut errors = Vec::new();
    match (c.subject, family, school_urn) {
        (ConsultationSubject::Family, None, _) => errors.push(FieldError::new(
            "family_id",
            "required",
            "advice to a family names the family",
        )),
        (ConsultationSubject::Child | ConsultationSubject::Cohort, Some(_), _) => {
            errors.push(FieldError::new(
                "subject",
                "family_consultation",
                "a consultation with a family has the subject family",
            ));
        }
        (ConsultationSubject::Child | ConsultationSubject::Cohort, None, None) => {
            errors.push(FieldError::new(
                "school_urn",
                "required",
                "advice about a child or a cohort names the school",
            ));
        }
        _ => {}
    }
    if c.held_on > sct_persistence::now().date_naive() {
        errors.push(FieldError::new(
            "held_on",
            "in_future",
            "advice cannot be given in the future",
        ));
    }
    let upn = match (c.subject, c.upn) {
        (ConsultationSubject::Cohort, Some(_)) => {
            errors.push(FieldError::new(
                "upn",
                "upn_with_cohort",
                "a cohort consultation identifies no child",
            ));
            None
        }
        (_, Some(u)) => match domain::Upn::parse(&u) {
            Ok(u) => Some(u.as_str().to_owned()),
            Err(e) => {
                errors.push(FieldError::new("upn", e.code(), e.to_string()));
                None
            }
        },
        (_, None) => None,
    };
    let mut areas: Vec<String> = Vec::new();
    for (i, a) in c.indes_areas.iter().enumerate() {
        let name = domain::IndesArea::from(*a).as_str().to_owned();
        if areas.contains(&name) {
            errors.push(FieldError::new(
                format!("indes_areas[{i}]"),
                "duplicate_area",
                "each area at most once",
            ));
        }
        areas.push(name);
    }
    if let Some(conv) = c.termly_conversation_id {
        match termly_repo::get_row(conn, conv, reach).await {
            Ok(row) if Some(row.school_urn.as_str()) == school_urn => {}
            Ok(_) | Err(StoreError::NotFound) => errors.push(FieldError::new(
                "termly_conversation_id",
                "unknown_termly_conversation",
                "no such termly conversation of this school",
            )),
            Err(e) => return Err(e.into()),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(ConsultationChange {
        held_on: c.held_on,
        topic: c.topic,
        subject: c.subject.as_str().to_owned(),
        upn,
        cohort: c.cohort,
        indes_areas: areas,
        advice: c.advice,
        follow_up: c.follow_up,
        termly_conversation_id: c.termly_conversation_id,
    })
}

/// List consultations.
#[utoipa::path(
    tag = "Consultations",
    summary = "List consultations",
    operation_id = "list_consultations",
    description = "Consultations in the caller's reach: la_admin all, the zone's team theirs, schools their own.",
    params(ConsultationListParams),
    responses(
        (status = 200, description = "A page of consultations", body = ConsultationPage),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/consultations")]
pub async fn list_consultations(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<ConsultationListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    crate::http::validate::check_urn_filter(p.school_urn.as_deref())?;
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let reach = reach_of(&caller, &state.db).await?;
    let f = ConsultationFilter {
        school_urn: p.school_urn,
        termly_conversation_id: p.termly_conversation_id,
    };
    let mut conn = state.db.conn().await?;
    let mut rows = repo::list(&mut conn, &reach, &f, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.id);
    let items: Vec<Consultation> = rows.into_iter().map(Consultation::from).collect();
    note_children(&req, &mut conn, &items).await?;
    Ok(HttpResponse::Ok().json(ConsultationPage { items, next_cursor }))
}

/// Read a consultation.
#[utoipa::path(
    tag = "Consultations",
    summary = "Read a consultation",
    operation_id = "get_consultation",
    description = "One consultation in the caller's reach; otherwise 404.",
    params(("id" = Uuid, Path, description = "Consultation id")),
    responses(
        (status = 200, description = "The consultation", body = Consultation, headers(("ETag" = String, description = "Version tag"))),
        (status = 404, response = NotFound),
    ),
)]
#[get("/consultations/{id}")]
pub async fn get_consultation(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let r = repo::get(&mut conn, id.into_inner(), &reach).await?;
    let version = r.version;
    let body = Consultation::from(r);
    note_children(&req, &mut conn, std::slice::from_ref(&body)).await?;
    Ok(ok(version, &body))
}

/// Names the children (by their UPN's record) and referrals of the
/// consultations read as subjects of the request, so that the audit trail
/// and the subject access export find them.
async fn note_children(
    req: &HttpRequest,
    conn: &mut sct_persistence::Connection,
    items: &[Consultation],
) -> Result<(), ApiError> {
    let upns: Vec<String> = items.iter().filter_map(|c| c.upn.clone()).collect();
    for child in sct_persistence::children::ids_by_upn(conn, &upns).await? {
        crate::http::audit::note(req, "child", &child);
    }
    for r in items.iter().filter_map(|c| c.referral_id) {
        crate::http::audit::note(req, "referral", &r);
    }
    for f in items.iter().filter_map(|c| c.family_id) {
        crate::http::audit::note(req, "family", &f);
    }
    Ok(())
}

/// Record a consultation.
#[utoipa::path(
    tag = "Consultations",
    summary = "Record a consultation",
    operation_id = "create_consultation",
    description = "The team of the school's zone, or la_admin. No child names: identify a child by UPN only, or describe a cohort. Advice to a family (issue 13, item 4): `subject: family` with `family_id` (a family of the caller's zone; la_admin any), with or without `school_urn`; the family's zone's team gave it. Existing clients are unchanged: `child` and `cohort` consultations name their school as before. Advice to a family without a school is not shown to any school and sends no `consultation.recorded` webhook (a school's event).",
    request_body(content = NewConsultation, content_type = "application/json"),
    responses(
        (status = 201, description = "The consultation", body = Consultation, headers(("Location" = String, description = "URL of the consultation"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
    ),
)]
#[post("/consultations")]
pub async fn create_consultation(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NewConsultation>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    let reach = reach_of(&caller, &state.db).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let (urn, family, content) = b.content();
            let school = match urn {
                None => None,
                Some(urn) => match organisation::get_school(conn, &urn).await {
                    Ok(s) if school_in_reach(&reach, &s.urn, s.zone_id) && s.zone_id.is_some() => {
                        Some(s)
                    }
                    Ok(_) | Err(StoreError::NotFound) => {
                        return Err(ApiError::validation(vec![FieldError::new(
                            "school_urn",
                            "unknown_school",
                            "no such school in a zone you work",
                        )]))
                    }
                    Err(e) => return Err(e.into()),
                },
            };
            let family_zone = match family {
                None => None,
                Some(f) => Some(family_in_reach(conn, &reach, f).await?),
            };
            let c = checked(
                content,
                school.as_ref().map(|s| s.urn.as_str()),
                family,
                &reach,
                conn,
            )
            .await?;
            // The family's zone's team advises a family; a school's zone's
            // team the school.
            let zone = family_zone
                .or_else(|| school.as_ref().and_then(|s| s.zone_id))
                .unwrap_or_default();
            let now = sct_persistence::now();
            let row = ConsultationRow {
                id: Uuid::now_v7(),
                school_urn: school.map(|s| s.urn),
                family_id: family,
                zone_id: zone,
                held_on: c.held_on,
                topic: c.topic,
                subject: c.subject,
                upn: c.upn,
                cohort: c.cohort,
                indes_areas: c.indes_areas,
                advice: c.advice,
                follow_up: c.follow_up,
                termly_conversation_id: c.termly_conversation_id,
                referral_id: None,
                recorded_by: caller.subject.clone(),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            let r = repo::create(conn, &row).await?;
            Ok(Written::created(
                format!("/api/v1/consultations/{}", r.id),
                r.version,
                &Consultation::from(r),
            ))
        })
    })
    .await
}

/// Change a consultation.
#[utoipa::path(
    tag = "Consultations",
    summary = "Change a consultation",
    operation_id = "update_consultation",
    description = "The zone's team or la_admin, with If-Match. The whole content is replaced; the school, the family and the referral link stay (a family consultation keeps the subject `family`).",
    params(("id" = Uuid, Path, description = "Consultation id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = ConsultationContent, content_type = "application/json"),
    responses(
        (status = 200, description = "The consultation", body = Consultation, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/consultations/{id}")]
pub async fn update_consultation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ConsultationContent>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    let reach = reach_of(&caller, &state.db).await?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let current = repo::get(conn, id, &reach).await?;
            let version = if_match.required()?;
            let c = checked(
                b,
                current.school_urn.as_deref(),
                current.family_id,
                &reach,
                conn,
            )
            .await?;
            let r = repo::update(conn, id, version, &c, sct_persistence::now())
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(r.version, &Consultation::from(r)))
        })
    })
    .await
}

/// Turn a consultation into a referral.
#[utoipa::path(
    tag = "Consultations",
    summary = "Turn a consultation into a referral",
    operation_id = "refer_consultation",
    description = "The zone's team or la_admin, with If-Match on the consultation. The body is a referral submission (family consent required) for the consultation's school (422 `school_mismatch`; advice to a family without a school cannot become a referral this way); a child consultation's UPN must match. In one transaction the referral is screened, routed and recorded exactly as `POST /referrals` does, the consultation links to it, and the consultation's termly conversation (if any) lists it. A consultation becomes at most one referral (409 `already_exists`). Answers the referral.",
    params(("id" = Uuid, Path, description = "Consultation id"), ("If-Match" = String, Header, description = "ETag of the consultation as last read")),
    request_body(content = ReferralSubmission, content_type = "application/json"),
    responses(
        (status = 201, description = "The referral", body = Referral, headers(("Location" = String, description = "URL of the referral"), ("ETag" = String, description = "Version tag of the referral"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/consultations/{id}/referral")]
pub async fn refer_consultation(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ReferralSubmission>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    crate::features::referrals::source::check_submission(
        &state,
        &caller,
        &b.school_urn,
        b.family_id,
    )
    .await?;
    let reach = reach_of(&caller, &state.db).await?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let current = repo::get(conn, id, &reach).await?;
            let version = if_match.required()?;
            let mut errors = Vec::new();
            if current.school_urn.as_deref() != Some(b.school_urn.as_str()) {
                errors.push(FieldError::new(
                    "school_urn",
                    "school_mismatch",
                    "the referral must be for the consultation's school",
                ));
            }
            if current.upn.as_deref().is_some_and(|u| u != b.child.upn) {
                errors.push(FieldError::new(
                    "child.upn",
                    "upn_mismatch",
                    "the child is not the one the consultation identified",
                ));
            }
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            let policy = policy::active(conn).await?;
            let now = sct_persistence::now();
            let new = prepare(b, &caller, &policy, now.date_naive())?;
            let (_, view) = repo::convert(conn, id, version, new, &actor(&caller, &rid), now)
                .await
                .map_err(|e| match e {
                    ConvertError::Stale => stale(),
                    ConvertError::AlreadyReferred(r) => ApiError::new(
                        ErrorCode::AlreadyExists,
                        format!("the consultation already became referral {r}"),
                    ),
                    ConvertError::Submit(SubmitError::UnknownSchool) => {
                        ApiError::validation(vec![FieldError::new(
                            "school_urn",
                            "unknown_school",
                            "no such school",
                        )])
                    }
                    ConvertError::Submit(SubmitError::SchoolClosed) => ApiError::new(
                        ErrorCode::SchoolClosed,
                        "the school is recorded as closed in GIAS: it takes no new referrals",
                    ),
                    ConvertError::Submit(SubmitError::Duplicate {
                        existing,
                        reference,
                    }) => ApiError {
                        existing: Some((existing, reference.clone())),
                        ..ApiError::new(
                            ErrorCode::DuplicateExternalReference,
                            format!(
                                "the school already sent this external reference as {reference}"
                            ),
                        )
                    },
                    ConvertError::Submit(SubmitError::Store(s)) => s.into(),
                })?;
            Ok(referral_written(
                actix_web::http::StatusCode::CREATED,
                &view,
            ))
        })
    })
    .await
}
