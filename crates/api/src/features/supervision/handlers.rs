//! Partner organisations and practice sessions (community of practice, group
//! supervision) with case discussions and actions.

use crate::features::supervision::dto::ActionDoneInput;
use crate::features::supervision::dto::Partner;
use crate::features::supervision::dto::PartnerInput;
use crate::features::supervision::dto::PartnerKind;
use crate::features::supervision::dto::PartnerPage;
use crate::features::supervision::dto::PracticeKind;
use crate::features::supervision::dto::PracticeSession;
use crate::features::supervision::dto::PracticeSessionInput;
use crate::features::supervision::dto::PracticeSessionPage;
use crate::features::supervision::dto::PracticeSessionUpdate;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::paging::keyset_page;
use crate::http::paging::list_params;
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
use sct_domain::delivery::may_set_partner_zones;
use sct_domain::DeliveryOp;
use sct_domain::Role;
use sct_domain::WireName;
use sct_domain::ZoneId;
use sct_persistence::organisation;
use sct_persistence::supervision as repo;
use sct_persistence::supervision::NewPractice;
use sct_persistence::supervision::PartnerRow;
use sct_persistence::supervision::PracticeError;
use sct_persistence::Connection;
use sct_persistence::StoreError;
use uuid::Uuid;

fn allow(caller: &Caller, op: DeliveryOp) -> Result<(), ApiError> {
    if op.permits(caller.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden(caller.role.as_str()))
    }
}

/// The zones a caller works in: every zone for la_admin, the zone of their
/// team for managers and registered practitioners, none otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZoneScope {
    All,
    Zone(Uuid),
    Nothing,
}

impl ZoneScope {
    pub(crate) fn covers(self, zone: Uuid) -> bool {
        match self {
            Self::All => true,
            Self::Zone(z) => z == zone,
            Self::Nothing => false,
        }
    }

    /// The zone a list shows when `asked` is the zone its query names:
    /// `Some(None)` every zone (la_admin asking for none), `Some(Some(z))`
    /// that zone, `None` nothing (a team role asking for another zone, or a
    /// caller with no zone).
    #[allow(clippy::option_option)] // the outer None: nothing to list
    fn listed(self, asked: Option<Uuid>) -> Option<Option<Uuid>> {
        match (self, asked) {
            (Self::All, z) => Some(z),
            (Self::Zone(own), None) => Some(Some(own)),
            (Self::Zone(own), Some(z)) if z == own => Some(Some(own)),
            _ => None,
        }
    }

    fn own(self) -> Option<ZoneId> {
        match self {
            Self::Zone(z) => Some(ZoneId(z)),
            _ => None,
        }
    }
}

pub(crate) async fn zone_scope(
    caller: &Caller,
    conn: &mut Connection,
) -> Result<ZoneScope, ApiError> {
    // A team role's team is that of its worker record (`auth::team_member`).
    let team = match caller.role {
        Role::LaAdmin => return Ok(ZoneScope::All),
        Role::TeamManager | Role::Practitioner => caller.team_id,
        _ => None,
    };
    let Some(team) = team else {
        return Ok(ZoneScope::Nothing);
    };
    Ok(match organisation::get_team(conn, team).await {
        Ok(t) => ZoneScope::Zone(t.zone_id),
        Err(StoreError::NotFound) => ZoneScope::Nothing,
        Err(e) => return Err(e.into()),
    })
}

// ---------------------------------------------------------------- partners

list_params! {
    /// Filters of the partner list.
    PartnerListParams {
        /// Only partners working in this zone (a team's members see their own zone only).
        zone_id: Option<Uuid>,
        /// Only this kind of organisation.
        kind: Option<PartnerKind>,
    }
}

/// List partners.
#[utoipa::path(
    tag = "Partners",
    summary = "List partner organisations",
    description = "Health, social care, voluntary sector and other organisations, ordered by id. A team's manager and practitioners see the partners working in their zone; la_admin sees all.",
    params(PartnerListParams),
    responses(
        (status = 200, description = "A page of partners", body = PartnerPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/partners")]
pub async fn list_partners(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<PartnerListParams>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadPartners)?;
    let p = p.into_inner();
    let (limit, n, after) = keyset_page(p.limit, p.cursor)?;
    let mut conn = state.db.conn().await?;
    let scope = zone_scope(&caller, &mut conn).await?;
    let Some(zone) = scope.listed(p.zone_id) else {
        return Ok(HttpResponse::Ok().json(PartnerPage {
            items: Vec::new(),
            next_cursor: None,
        }));
    };
    let mut rows = repo::list_partners(
        &mut conn,
        zone,
        p.kind.map(PartnerKind::as_str),
        after,
        limit + 1,
    )
    .await?;
    let next_cursor = next_page(&mut rows, n, |r| r.partner.id);
    Ok(HttpResponse::Ok().json(PartnerPage {
        items: rows.into_iter().map(Partner::from).collect(),
        next_cursor,
    }))
}

/// Read a partner.
#[utoipa::path(
    tag = "Partners",
    summary = "Read a partner organisation",
    description = "One partner with its zones. A team's members read partners of their zone (others answer 404); la_admin all.",
    params(("id" = Uuid, Path, description = "Partner id")),
    responses(
        (status = 200, description = "The partner", body = Partner, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/partners/{id}")]
pub async fn get_partner(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadPartners)?;
    let mut conn = state.db.conn().await?;
    let scope = zone_scope(&caller, &mut conn).await?;
    let v = repo::get_partner(&mut conn, id.into_inner()).await?;
    if !v.zones.iter().any(|z| scope.covers(*z)) {
        return Err(ApiError::not_found());
    }
    Ok(ok(v.partner.version, &Partner::from(v)))
}

async fn check_partner_body(
    conn: &mut Connection,
    caller: &Caller,
    scope: ZoneScope,
    before: &[Uuid],
    b: &PartnerInput,
) -> Result<Vec<Uuid>, ApiError> {
    let mut zones = b.zone_ids.clone();
    zones.sort();
    zones.dedup();
    for (i, z) in b.zone_ids.iter().enumerate() {
        if let Err(StoreError::NotFound) = organisation::get_zone(conn, *z).await {
            return Err(ApiError::validation(vec![FieldError::new(
                format!("zone_ids[{i}]"),
                "unknown_zone",
                "no such zone",
            )]));
        }
    }
    let to_ids = |zs: &[Uuid]| zs.iter().map(|z| ZoneId(*z)).collect::<Vec<_>>();
    if !may_set_partner_zones(caller.role, scope.own(), &to_ids(before), &to_ids(&zones)) {
        return Err(ApiError::validation(vec![FieldError::new(
            "zone_ids",
            "zone_not_yours",
            "a team manager adds or keeps only their own zone and leaves the others as they are",
        )]));
    }
    if b.name.trim().is_empty() {
        return Err(ApiError::validation(vec![FieldError::new(
            "name",
            "required",
            "name may not be blank",
        )]));
    }
    Ok(zones)
}

fn partner_row(b: PartnerInput, id: Uuid) -> PartnerRow {
    let now = sct_persistence::now();
    PartnerRow {
        id,
        name: b.name,
        kind: b.kind.as_str().to_owned(),
        email: b.email,
        phone: b.phone,
        address: b.address,
        website: b.website,
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

/// Add a partner.
#[utoipa::path(
    tag = "Partners",
    summary = "Add a partner organisation",
    description = "la_admin, or a team manager for a partner working in their own zone only (`zone_ids` = their zone; la_admin adds other zones). Contact details are the organisation's, not a person's.",
    request_body(content = PartnerInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The partner", body = Partner, headers(("Location" = String, description = "URL of the partner"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
    ),
)]
#[post("/partners")]
pub async fn create_partner(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<PartnerInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::WritePartners)?;
    let b = body.0;
    validate(&b)?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let scope = zone_scope(&caller, conn).await?;
            let zones = check_partner_body(conn, &caller, scope, &[], &b).await?;
            let v = repo::create_partner(conn, partner_row(b, Uuid::now_v7()), zones).await?;
            Ok(Written::created(
                format!("/api/v1/partners/{}", v.partner.id),
                v.partner.version,
                &Partner::from(v),
            ))
        })
    })
    .await
}

/// Update a partner.
#[utoipa::path(
    tag = "Partners",
    summary = "Update a partner organisation",
    description = "With If-Match: replaces every field. la_admin, or the manager of a zone the partner works in (who may not change the partner's other zones).",
    params(("id" = Uuid, Path, description = "Partner id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = PartnerInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The partner", body = Partner, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/partners/{id}")]
pub async fn update_partner(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<PartnerInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::WritePartners)?;
    let b = body.0;
    validate(&b)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let scope = zone_scope(&caller, conn).await?;
            let current = repo::get_partner(conn, id).await?;
            if !current.zones.iter().any(|z| scope.covers(*z)) {
                return Err(ApiError::not_found());
            }
            let zones = check_partner_body(conn, &caller, scope, &current.zones, &b).await?;
            let v = repo::update_partner(conn, partner_row(b, id), version, zones)
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(v.partner.version, &Partner::from(v)))
        })
    })
    .await
}

// ---------------------------------------------------------------- practice sessions

list_params! {
    /// Filters of the practice session list.
    PracticeListParams {
        /// Only this zone (a team's members see their own zone only).
        zone_id: Option<Uuid>,
        /// Only this kind of meeting.
        kind: Option<PracticeKind>,
    }
}

fn practice_error(e: PracticeError) -> ApiError {
    match e {
        PracticeError::Field {
            field,
            code,
            message,
        } => ApiError::validation(vec![FieldError::new(field, code, message)]),
        PracticeError::Store(s) => s.into(),
    }
}

fn check_themes(themes: &[String]) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    for (i, t) in themes.iter().enumerate() {
        if t.trim().is_empty() || t.chars().count() > 200 {
            errors.push(FieldError::new(
                format!("themes[{i}]"),
                "length",
                "a theme has 1 to 200 characters",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Record a practice session.
#[utoipa::path(
    tag = "Supervision",
    summary = "Record a community-of-practice or group-supervision meeting",
    description = "Kind, zone, date, facilitator (a worker of the zone's team), themes, attendees (workers, representatives of partners working in the zone, and settings' staff: a setting of the zone and the staff member's role, the name optional), the locality of the zone it was held for (optional), case discussions and actions (owner, due date). Case discussions link referrals of the zone's team only: another zone's referral answers 422 `referral_not_in_zone`. Summaries must not name the child or family; the API does not screen free text, so this rests with the practitioner. Practitioners and managers record meetings of their own zone; la_admin any.",
    request_body(content = PracticeSessionInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The practice session", body = PracticeSession, headers(("Location" = String, description = "URL of the practice session"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
    ),
)]
#[post("/practice-sessions")]
pub async fn create_practice_session(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<PracticeSessionInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::Practice)?;
    let b = body.0;
    validate(&b)?;
    check_themes(&b.themes)?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let scope = zone_scope(&caller, conn).await?;
            if !scope.covers(b.zone_id) {
                return Err(ApiError::validation(vec![FieldError::new(
                    "zone_id",
                    "zone_not_yours",
                    "record meetings of your own team's zone",
                )]));
            }
            if let Err(StoreError::NotFound) = organisation::get_zone(conn, b.zone_id).await {
                return Err(ApiError::validation(vec![FieldError::new(
                    "zone_id",
                    "unknown_zone",
                    "no such zone",
                )]));
            }
            let new = NewPractice {
                kind: b.kind.as_str().to_owned(),
                zone_id: b.zone_id,
                held_on: b.held_on,
                facilitator_id: b.facilitator_id,
                themes: b.themes,
                worker_attendees: b.attendees.worker_ids,
                partner_attendees: b
                    .attendees
                    .partners
                    .into_iter()
                    .map(|p| (p.partner_id, p.name))
                    .collect(),
                setting_attendees: b
                    .attendees
                    .settings
                    .into_iter()
                    .map(|s| (s.urn, s.role.as_str().to_owned(), s.name))
                    .collect(),
                discussions: b
                    .case_discussions
                    .into_iter()
                    .map(|d| (d.referral_id, d.summary))
                    .collect(),
                actions: b
                    .actions
                    .into_iter()
                    .map(|a| (a.description, a.owner_id, a.due_on))
                    .collect(),
                created_by: caller.subject.clone(),
                locality_id: b.locality_id,
                kept_locality: None,
            };
            let v = repo::create_practice(conn, new, sct_persistence::now())
                .await
                .map_err(practice_error)?;
            Ok(Written::created(
                format!("/api/v1/practice-sessions/{}", v.session.id),
                v.session.version,
                &PracticeSession::from(v),
            ))
        })
    })
    .await
}

/// List practice sessions.
#[utoipa::path(
    tag = "Supervision",
    summary = "List practice sessions",
    description = "Community-of-practice and group-supervision meetings, newest first (by date, then id). A team's members see their zone's; la_admin all.",
    params(PracticeListParams),
    responses(
        (status = 200, description = "A page of practice sessions", body = PracticeSessionPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/practice-sessions")]
pub async fn list_practice_sessions(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<PracticeListParams>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::Practice)?;
    let p = p.into_inner();
    let (limit, n, before) = keyset_page(p.limit, p.cursor)?;
    let mut conn = state.db.conn().await?;
    let scope = zone_scope(&caller, &mut conn).await?;
    let Some(zone) = scope.listed(p.zone_id) else {
        return Ok(HttpResponse::Ok().json(PracticeSessionPage {
            items: Vec::new(),
            next_cursor: None,
        }));
    };
    let mut rows = repo::list_practice(
        &mut conn,
        zone,
        p.kind.map(PracticeKind::as_str),
        before,
        limit + 1,
    )
    .await?;
    let next_cursor = next_page(&mut rows, n, |r| (r.session.held_on, r.session.id));
    let items: Vec<PracticeSession> = rows.into_iter().map(PracticeSession::from).collect();
    for s in &items {
        note_discussed(&req, s);
    }
    Ok(HttpResponse::Ok().json(PracticeSessionPage { items, next_cursor }))
}

/// Read a practice session.
#[utoipa::path(
    tag = "Supervision",
    summary = "Read a practice session",
    description = "A meeting with its attendees, case discussions and actions. A team's members read their zone's (others answer 404); la_admin all.",
    params(("id" = Uuid, Path, description = "Practice session id")),
    responses(
        (status = 200, description = "The practice session", body = PracticeSession, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/practice-sessions/{id}")]
pub async fn get_practice_session(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::Practice)?;
    let mut conn = state.db.conn().await?;
    let scope = zone_scope(&caller, &mut conn).await?;
    let v = repo::get_practice(&mut conn, id.into_inner()).await?;
    if !scope.covers(v.session.zone_id) {
        return Err(ApiError::not_found());
    }
    let version = v.session.version;
    let body = PracticeSession::from(v);
    note_discussed(&req, &body);
    Ok(ok(version, &body))
}

/// Names every referral a practice session discussed as a subject of the
/// request (the audit trail of who saw a child's case).
fn note_discussed(req: &HttpRequest, s: &PracticeSession) {
    for d in &s.case_discussions {
        crate::http::audit::note(req, "referral", &d.referral_id);
    }
}

/// Correct a practice session.
#[utoipa::path(
    tag = "Supervision",
    summary = "Correct a practice session",
    description = "With If-Match (428 without, 412 when stale): replaces the kind, date, facilitator, themes, attendees and case discussions, checked as when recording in the session's zone (the facilitator a worker of the zone's team, partners working in the zone, settings of the zone, a locality of the zone (a retired one only if the session already had it), case discussions linking referrals of the zone's team only: 422 `referral_not_in_zone` otherwise). The zone stays; actions are kept and change one by one. A team's members for their zone's meetings (others answer 404); la_admin any.",
    params(("id" = Uuid, Path, description = "Practice session id"), ("If-Match" = String, Header, description = "ETag of the practice session as last read")),
    request_body(content = PracticeSessionUpdate, content_type = "application/json"),
    responses(
        (status = 200, description = "The practice session", body = PracticeSession, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/practice-sessions/{id}")]
pub async fn update_practice_session(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<PracticeSessionUpdate>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::Practice)?;
    let b = body.0;
    validate(&b)?;
    check_themes(&b.themes)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let scope = zone_scope(&caller, conn).await?;
            let current = repo::get_practice(conn, id).await?;
            if !scope.covers(current.session.zone_id) {
                return Err(ApiError::not_found());
            }
            let new = NewPractice {
                kind: b.kind.as_str().to_owned(),
                zone_id: current.session.zone_id,
                held_on: b.held_on,
                facilitator_id: b.facilitator_id,
                themes: b.themes,
                worker_attendees: b.attendees.worker_ids,
                partner_attendees: b
                    .attendees
                    .partners
                    .into_iter()
                    .map(|p| (p.partner_id, p.name))
                    .collect(),
                setting_attendees: b
                    .attendees
                    .settings
                    .into_iter()
                    .map(|s| (s.urn, s.role.as_str().to_owned(), s.name))
                    .collect(),
                discussions: b
                    .case_discussions
                    .into_iter()
                    .map(|d| (d.referral_id, d.summary))
                    .collect(),
                actions: Vec::new(),
                created_by: current.session.created_by.clone(),
                locality_id: b.locality_id,
                kept_locality: current.session.locality_id,
            };
            let v = repo::update_practice(conn, id, version, new, sct_persistence::now())
                .await
                .map_err(practice_error)?
                .ok_or_else(stale)?;
            Ok(Written::ok(v.session.version, &PracticeSession::from(v)))
        })
    })
    .await
}

/// Mark an action done.
#[utoipa::path(
    tag = "Supervision",
    summary = "Mark a practice session's action done or not done",
    description = "With If-Match on the practice session (its version moves on). A team's members for their zone's meetings; la_admin any.",
    params(
        ("id" = Uuid, Path, description = "Practice session id"),
        ("action_id" = Uuid, Path, description = "Action id"),
        ("If-Match" = String, Header, description = "ETag of the practice session as last read"),
    ),
    request_body(content = ActionDoneInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The practice session", body = PracticeSession, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/practice-sessions/{id}/actions/{action_id}")]
pub async fn set_action_done(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<ActionDoneInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::Practice)?;
    let version = if_match.required()?;
    let (id, action) = path.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let scope = zone_scope(&caller, conn).await?;
            let v = repo::get_practice(conn, id).await?;
            if !scope.covers(v.session.zone_id) || !v.actions.iter().any(|a| a.id == action) {
                return Err(ApiError::not_found());
            }
            let v = repo::set_action_done(
                conn,
                id,
                action,
                version,
                body.0.done,
                sct_persistence::now(),
            )
            .await?
            .ok_or_else(stale)?;
            Ok(Written::ok(v.session.version, &PracticeSession::from(v)))
        })
    })
    .await
}
