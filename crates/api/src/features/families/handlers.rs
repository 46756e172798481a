//! Families: create, list, the family's page, change; and linking a
//! referral to a family. Who sees what is `docs/security.md`'s "Families".

use crate::features::delivery::dto::ReviewKind;
use crate::features::delivery::rules::ratings_error;
use crate::features::families::dto::Family;
use crate::features::families::dto::FamilyChange;
use crate::features::families::dto::FamilyInput;
use crate::features::families::dto::FamilyLink;
use crate::features::families::dto::FamilyListParams;
use crate::features::families::dto::FamilyPage;
use crate::features::families::dto::FamilyStatus;
use crate::features::families::dto::FamilySummary;
use crate::features::families::dto::ReferralFamily;
use crate::http::wire::WireName;
use sct_domain::delivery::family::family_final_ratings;

use crate::features::families::view::about_all;
use crate::features::families::view::family_in_view;
use crate::features::families::view::note_all;
use crate::features::families::view::page;
use crate::features::families::view::writable_family;
use crate::features::families::view::View;
use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::scope_of;
use crate::http::access::EVERY_ROLE;
use crate::http::access::STAFF;
use crate::http::audit::actor;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::RequestId;
use crate::http::paging::keyset_page;
use crate::http::paging::next_page;
use crate::http::respond::ok;
use crate::http::respond::stale;
use crate::http::state::AppState;
use crate::http::validate::check_urn_filter;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::get;
use actix_web::post;
use actix_web::put;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_persistence::families as repo;
use sct_persistence::families::FamilyFilter;
use sct_persistence::families::FamilyRow;
use sct_persistence::organisation;
use sct_persistence::referrals as referral_repo;
use sct_persistence::termly::Reach;
use sct_persistence::Connection;
use sct_persistence::StoreError;
use uuid::Uuid;

fn summary(f: &FamilyRow) -> FamilySummary {
    FamilySummary {
        id: f.id,
        zone_id: f.zone_id,
        status: FamilyStatus::parse(&f.status).unwrap_or(FamilyStatus::Open),
        version: f.version,
        created_at: f.created_at,
    }
}

async fn zone_exists(conn: &mut Connection, zone: Uuid) -> Result<(), ApiError> {
    match organisation::get_zone(conn, zone).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound) => Err(ApiError::validation(vec![FieldError::new(
            "zone_id",
            "unknown_zone",
            "no such zone",
        )])),
        Err(e) => Err(e.into()),
    }
}

/// Create a family.
#[utoipa::path(
    tag = "Families",
    summary = "Create a family",
    operation_id = "create_family",
    description = "A household the zone's team works with. la_admin names the zone; a team's manager or practitioner creates it in their zone (`zone_id` left out or their own; another answers 422 `unknown_zone`). Add its children and adults with `POST /families/{id}/members`; a referral joins it when submitted with `family_id` or linked by staff (`PUT /referrals/{id}/family`).",
    request_body(content = FamilyInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The family's page", body = Family, headers(("Location" = String, description = "URL of the family"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
    ),
)]
#[post("/families")]
pub async fn create_family(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<FamilyInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let reach = reach_of(&caller, &state.db).await?;
    let zone = match (reach, body.0.zone_id) {
        (Reach::All, Some(z)) => z,
        (Reach::Zone(own), None) => own,
        (Reach::Zone(own), Some(z)) if z == own => own,
        (Reach::All, None) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "zone_id",
                "required",
                "name the zone whose team works with the family",
            )]))
        }
        _ => {
            return Err(ApiError::validation(vec![FieldError::new(
                "zone_id",
                "unknown_zone",
                "no such zone, or not your team's",
            )]))
        }
    };
    let by = caller.subject.clone();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            zone_exists(conn, zone).await?;
            let now = sct_persistence::now();
            let f = repo::create(
                conn,
                &FamilyRow {
                    id: Uuid::now_v7(),
                    zone_id: zone,
                    status: "open".to_owned(),
                    created_by: by,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
            let (body, _) = page(conn, f, &View::All).await?;
            Ok(
                Written::created(format!("/api/v1/families/{}", body.id), body.version, &body)
                    .about("family", &body.id),
            )
        })
    })
    .await
}

/// List families.
#[utoipa::path(
    tag = "Families",
    summary = "List families",
    operation_id = "list_families",
    description = "Families by id, keyset paged. la_admin all; a team's manager and practitioners their zone's; a school (and its MIS) the families its own referrals belong to. Filters: `zone_id`, `school_urn` (a child member at the school, or a referral from it), `child_id` (the families the child is a member of: siblings are found by the family, never by names).",
    params(FamilyListParams),
    responses(
        (status = 200, description = "A page of families", body = FamilyPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/families")]
pub async fn list_families(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<FamilyListParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let p = p.into_inner();
    check_urn_filter(p.school_urn.as_deref())?;
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let mut f = FamilyFilter {
        zones: p.zone_id.map(|z| vec![z]),
        referred_by: None,
        school_urn: p.school_urn,
        child_id: p.child_id,
    };
    match reach_of(&caller, &state.db).await? {
        Reach::All => {}
        Reach::Zone(z) => {
            if p.zone_id.is_some_and(|asked| asked != z) {
                f.zones = Some(Vec::new());
            } else {
                f.zones = Some(vec![z]);
            }
        }
        Reach::Schools(urns) => f.referred_by = Some(urns),
        Reach::Nothing => f.zones = Some(Vec::new()),
    }
    let mut conn = state.db.conn().await?;
    let mut rows = repo::list(&mut conn, &f, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.id);
    Ok(HttpResponse::Ok().json(FamilyPage {
        items: rows.iter().map(summary).collect(),
        next_cursor,
    }))
}

/// Read a family's page.
#[utoipa::path(
    tag = "Families",
    summary = "Read a family's page",
    operation_id = "get_family",
    description = "The family with its members and every child's referrals across schools and zones, each as far as the caller may see: la_admin all; a team's staff of the family's zone the referrals of their zone in full and the others by id and zone only (`referrals_elsewhere`); a school (and its MIS), of a family one of its referrals belongs to, its own children and referrals only (other schools' children are not disclosed) and the adults without safe-contact notes. A child's names and date of birth (the LA's record) are shown to staff only. Anyone else answers 404. The read is audited for the family and for each child and adult shown.",
    params(("id" = Uuid, Path, description = "Family id")),
    responses(
        (status = 200, description = "The family's page", body = Family, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/families/{id}")]
pub async fn get_family(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let (f, view) = family_in_view(&mut conn, &reach, id.into_inner()).await?;
    let (body, subjects) = page(&mut conn, f, &view).await?;
    note_all(&req, &subjects);
    Ok(ok(body.version, &body))
}

/// Change a family.
#[utoipa::path(
    tag = "Families",
    summary = "Change a family",
    operation_id = "update_family",
    description = "Its zone (a move hands the family to that zone's team) and status, with If-Match (428 without, 412 when stale). Closing an open family whose plan has goals records the final rating of every current family goal (`final_ratings`, as a referral's closure rates the child's goals) as the plan's final review, in the same transaction: 422 `final_ratings_required` without them, `not_allowed` with them on a change that does not close the family, `no_goals` when the family has no plan with goals, and the review's errors when they do not rate every current goal once on the 0-10 scale. la_admin, or a manager or practitioner of the family's zone's team; anyone else answers 404 (schools and MIS clients 403). 422 `unknown_zone`.",
    params(("id" = Uuid, Path, description = "Family id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = FamilyChange, content_type = "application/json"),
    responses(
        (status = 200, description = "The family's page", body = Family, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/families/{id}")]
pub async fn update_family(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<FamilyChange>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    let id = id.into_inner();
    let reach = reach_of(&caller, &state.db).await?;
    let actor = actor(&caller, &rid);
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let before = writable_family(conn, &reach, id).await?;
            let version = if_match.required()?;
            zone_exists(conn, b.zone_id).await?;
            let closing =
                before.status == FamilyStatus::Open.as_str() && b.status == FamilyStatus::Closed;
            let has_goals = sct_persistence::family_reviews::has_goals(conn, id).await?;
            let record = family_final_ratings(closing, has_goals, b.final_ratings.is_some())
                .map_err(|e| {
                    ApiError::validation(vec![FieldError::new(
                        "final_ratings",
                        e.code(),
                        e.to_string(),
                    )])
                })?;
            let f = repo::update(conn, id, version, b.zone_id, b.status.as_str())
                .await?
                .ok_or_else(stale)?;
            if record {
                let now = sct_persistence::now();
                let ratings: Vec<(Uuid, i64)> = b
                    .final_ratings
                    .iter()
                    .flatten()
                    .map(|r| (r.goal_id, r.rating))
                    .collect();
                let kind = ReviewKind::Final.as_str();
                sct_persistence::family_reviews::rate(
                    conn,
                    id,
                    kind,
                    now.date_naive(),
                    None,
                    &ratings,
                    &actor,
                    now,
                )
                .await
                .map_err(|e| ratings_error("final_ratings", e))?;
            }
            let (body, subjects) = page(conn, f, &View::All).await?;
            Ok(about_all(Written::ok(body.version, &body), &subjects))
        })
    })
    .await
}

/// Link a referral to a family.
#[utoipa::path(
    tag = "Families",
    summary = "Link a referral to a family",
    operation_id = "link_referral_family",
    description = "Staff put a referral into a family (or move it to another): the referral's child becomes a member of the family (at the referral's school) if not one already. With If-Match on the referral (428 without, 412 when stale); its version moves on and its history says `link_family`. A referral outside the caller's scope answers 404; a family they may not reach 422 `unknown_family`. la_admin, team managers (their team's referrals) and practitioners (the referrals they work).",
    params(("id" = Uuid, Path, description = "Referral id"), ("If-Match" = String, Header, description = "The referral's ETag as last read")),
    request_body(content = FamilyLink, content_type = "application/json"),
    responses(
        (status = 200, description = "The referral's family", body = ReferralFamily, headers(("ETag" = String, description = "The referral's new version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/referrals/{id}/family")]
pub async fn link_referral_family(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<FamilyLink>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let scope = scope_of(&caller, &state.db).await?;
    let reach = reach_of(&caller, &state.db).await?;
    let family = body.0.family_id;
    let id = id.into_inner();
    let actor = actor(&caller, &rid);
    write(&state, &req, move |conn| {
        Box::pin(async move {
            referral_repo::find(conn, id, &scope).await?;
            let version = if_match.required()?;
            if writable_family(conn, &reach, family).await.is_err() {
                return Err(ApiError::validation(vec![FieldError::new(
                    "family_id",
                    "unknown_family",
                    "no such family, or not one of your zone",
                )]));
            }
            let now = sct_persistence::now();
            let (child, v) = repo::link_referral(conn, id, family, version, &actor, now)
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(
                v,
                &ReferralFamily {
                    referral_id: id,
                    family_id: family,
                    version: v,
                },
            )
            .about("family", &family)
            .about("child", &child))
        })
    })
    .await
}
