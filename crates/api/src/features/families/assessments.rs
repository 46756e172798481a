//! A family's early help assessments (issue 13, item 2): who assessed (the
//! worker of the token), when, strengths and needs by area (the children's
//! INDES areas and the family's own areas), and the family's own view.
//! Staff of the family's zone and la_admin only; schools never read them
//! (`docs/security.md`, "Families").

use crate::features::delivery::rules::not_future;
use crate::features::families::early_help_dto::Assessment;
use crate::features::families::early_help_dto::AssessmentInput;
use crate::features::families::early_help_dto::AssessmentPage;
use crate::features::families::early_help_dto::ChildAreaInput;
use crate::features::families::early_help_dto::FamilyArea;
use crate::features::families::early_help_dto::FamilyAreaInput;
use crate::features::families::view::writable_family;
use crate::features::referrals::dto::IndesArea;
use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::STAFF;
use crate::http::audit::note;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::PageParams;
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
use sct_persistence::families as family_repo;
use sct_persistence::family_assessments as repo;
use sct_persistence::family_assessments::AreaInput;
use sct_persistence::family_assessments::AssessmentRow;
use sct_persistence::family_assessments::AssessmentView;
use sct_persistence::Connection;
use std::collections::HashSet;
use uuid::Uuid;

fn out(v: AssessmentView) -> Assessment {
    let mut child_areas = Vec::new();
    let mut family_areas = Vec::new();
    for a in v.areas {
        if let Some(area) = domain::IndesArea::parse(&a.area) {
            child_areas.push(ChildAreaInput {
                child_member_id: a.child_member_id.unwrap_or_default(),
                area: IndesArea::from(area),
                needs: a.needs,
                strengths: a.strengths,
            });
        } else {
            family_areas.push(FamilyAreaInput {
                area: FamilyArea::from_code(&a.area),
                needs: a.needs,
                strengths: a.strengths,
            });
        }
    }
    let a = v.assessment;
    Assessment {
        id: a.id,
        family_id: a.family_id,
        assessed_by: a.assessed_by,
        assessed_on: a.assessed_on,
        child_areas,
        family_areas,
        family_view: a.family_view,
        version: a.version,
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

/// Checks an assessment against the family (in the write's transaction):
/// at least one area, each child area about a child member of the family,
/// each area once. Answers the areas to store.
async fn checked(
    conn: &mut Connection,
    family: Uuid,
    b: &AssessmentInput,
) -> Result<Vec<AreaInput>, ApiError> {
    validate(b)?;
    not_future("assessed_on", b.assessed_on)?;
    let mut errors = Vec::new();
    if b.child_areas.is_empty() && b.family_areas.is_empty() {
        errors.push(FieldError::new(
            "family_areas",
            "required",
            "assess at least one area (a child's or the family's)",
        ));
    }
    let (members, _) = family_repo::members(conn, family).await?;
    let children: HashSet<Uuid> = members
        .iter()
        .filter(|m| m.kind == "child")
        .map(|m| m.id)
        .collect();
    let mut seen = HashSet::new();
    for (i, a) in b.child_areas.iter().enumerate() {
        if !children.contains(&a.child_member_id) {
            errors.push(FieldError::new(
                format!("child_areas[{i}].child_member_id"),
                "not_a_member",
                "not a child member of this family",
            ));
        } else if !seen.insert((
            Some(a.child_member_id),
            domain::IndesArea::from(a.area).as_str(),
        )) {
            errors.push(FieldError::new(
                format!("child_areas[{i}].area"),
                "duplicate_area",
                "the child's area is assessed twice",
            ));
        }
    }
    for (i, a) in b.family_areas.iter().enumerate() {
        if !seen.insert((None, a.area.as_str())) {
            errors.push(FieldError::new(
                format!("family_areas[{i}].area"),
                "duplicate_area",
                "the area is assessed twice",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let child = b.child_areas.iter().map(|a| AreaInput {
        child_member_id: Some(a.child_member_id),
        area: domain::IndesArea::from(a.area).as_str().to_owned(),
        needs: a.needs.clone(),
        strengths: a.strengths.clone(),
    });
    let fam = b.family_areas.iter().map(|a| AreaInput {
        child_member_id: None,
        area: a.area.as_str().to_owned(),
        needs: a.needs.clone(),
        strengths: a.strengths.clone(),
    });
    Ok(child.chain(fam).collect())
}

/// Record an early help assessment.
#[utoipa::path(
    tag = "Families",
    summary = "Record a family's early help assessment",
    operation_id = "create_family_assessment",
    description = "Who assessed is the caller (the token's subject). Strengths and needs by area: the children's INDES areas (`child_areas`, each naming a child member of the family) and the family's areas (`family_areas`), at least one in all, each child's area and each family area once; the family's own view. 422 `not_a_member` (a child member of another family), `duplicate_area`, `required` (no area), `in_future` (`assessed_on`). Honours `Idempotency-Key`. la_admin, or a manager or practitioner of the family's zone's team; another zone's family answers 404; schools and MIS clients 403.",
    params(("id" = Uuid, Path, description = "Family id")),
    request_body(content = AssessmentInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The assessment", body = Assessment, headers(("Location" = String, description = "URL of the assessment"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[post("/families/{id}/assessments")]
pub async fn create_family_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<AssessmentInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let reach = reach_of(&caller, &state.db).await?;
    let family = id.into_inner();
    let b = body.0;
    let by = caller.subject.clone();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            writable_family(conn, &reach, family).await?;
            let areas = checked(conn, family, &b).await?;
            let now = sct_persistence::now();
            let v = repo::create(
                conn,
                &AssessmentRow {
                    id: Uuid::now_v7(),
                    family_id: family,
                    assessed_by: by,
                    assessed_on: b.assessed_on,
                    family_view: b.family_view,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                },
                areas,
            )
            .await?;
            let body = out(v);
            Ok(Written::created(
                format!("/api/v1/families/{family}/assessments/{}", body.id),
                body.version,
                &body,
            )
            .about("family", &family))
        })
    })
    .await
}

/// List a family's assessments.
#[utoipa::path(
    tag = "Families",
    summary = "List a family's early help assessments",
    operation_id = "list_family_assessments",
    description = "Oldest first, keyset paged (`limit`, default 50, at most 200; follow `next_cursor`). la_admin, or a manager or practitioner of the family's zone's team; another zone's family answers 404; schools and MIS clients 403 (an assessment is never shown to a school).",
    params(("id" = Uuid, Path, description = "Family id"), PageParams),
    responses(
        (status = 200, description = "A page of assessments", body = AssessmentPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/families/{id}/assessments")]
pub async fn list_family_assessments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    p: web::Query<PageParams>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let p = p.into_inner();
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let reach = reach_of(&caller, &state.db).await?;
    let family = id.into_inner();
    let mut conn = state.db.conn().await?;
    writable_family(&mut conn, &reach, family).await?;
    let mut rows = repo::list(&mut conn, family, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.assessment.id);
    note(&req, "family", &family);
    Ok(HttpResponse::Ok().json(AssessmentPage {
        items: rows.into_iter().map(out).collect(),
        next_cursor,
    }))
}

/// Read an assessment.
#[utoipa::path(
    tag = "Families",
    summary = "Read a family's early help assessment",
    operation_id = "get_family_assessment",
    description = "Same readers as the list; an assessment of another family answers 404.",
    params(("id" = Uuid, Path, description = "Family id"), ("assessment_id" = Uuid, Path, description = "Assessment id")),
    responses(
        (status = 200, description = "The assessment", body = Assessment, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/families/{id}/assessments/{assessment_id}")]
pub async fn get_family_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let (family, id) = path.into_inner();
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    writable_family(&mut conn, &reach, family).await?;
    let body = out(repo::get(&mut conn, family, id).await?);
    note(&req, "family", &family);
    Ok(ok(body.version, &body))
}

/// Change an assessment.
#[utoipa::path(
    tag = "Families",
    summary = "Change a family's early help assessment",
    operation_id = "update_family_assessment",
    description = "A full replacement of its date, areas and the family's view, with If-Match (428 without, 412 when stale); who assessed stays. The rules and errors of the record, and its callers.",
    params(("id" = Uuid, Path, description = "Family id"), ("assessment_id" = Uuid, Path, description = "Assessment id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = AssessmentInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The assessment", body = Assessment, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/families/{id}/assessments/{assessment_id}")]
pub async fn update_family_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<AssessmentInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let (family, id) = path.into_inner();
    let reach = reach_of(&caller, &state.db).await?;
    let b = body.0;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            writable_family(conn, &reach, family).await?;
            repo::get(conn, family, id).await?;
            let version = if_match.required()?;
            let areas = checked(conn, family, &b).await?;
            let v = repo::update(conn, id, version, b.assessed_on, b.family_view, areas)
                .await?
                .ok_or_else(stale)?;
            let body = out(v);
            Ok(Written::ok(body.version, &body).about("family", &family))
        })
    })
    .await
}
