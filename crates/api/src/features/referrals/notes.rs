//! Case notes of a referral (calls, visits, emails, meetings beyond
//! sessions) and the case's chronology (issue 16, item 3). Staff only:
//! schools and their MIS never read notes (403). A note on a referral
//! outside the caller's scope answers 404; `restricted` notes show only to
//! the allocated worker, co-workers, team managers and la_admin.

use crate::http::access::scope_of;
use crate::http::access::STAFF;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::FieldError;
use crate::http::extract::JsonBody;
use crate::http::paging::bad_cursor;
use crate::http::paging::keyset_page;
use crate::http::paging::list_page;
use crate::http::paging::list_params;
use crate::http::paging::next_page;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::wire::wire_enum;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::get;
use actix_web::post;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain::caseload;
use sct_domain::WireName;
use sct_persistence::case_notes as repo;
use sct_persistence::case_notes::ChronologyRow;
use sct_persistence::case_notes::NewNote;
use sct_persistence::case_notes::NoteRow;
use sct_persistence::case_notes::Reader;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

wire_enum!(
    /// What a note records: a phone `call`, a home or school `visit`, an `email`, a `meeting` with partners, or `other` contact.
    NoteKind => caseload::NoteKind { Call, Visit, Email, Meeting, Other } default = Other
);
wire_enum!(
    /// Who reads a note: `team`, everyone who may read the referral; `restricted`, only the allocated worker, co-workers, team managers and la_admin.
    NoteVisibility => caseload::NoteVisibility { Team, Restricted } default = Restricted
);
wire_enum!(
    /// The kind of a chronology entry. Follow-ups will be a further kind: ignore a kind you do not know.
    ChronologyKind => caseload::ChronologyKind { StatusChange, Consent, Session, Review, Note, Appointment } default = Note
);

/// A case note to record.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "call", "occurred_on": "2026-01-12", "text": "Called mum: the morning routine chart is helping; agreed a home visit next week.", "visibility": "team"}))]
pub struct CaseNoteBody {
    /// What the note records.
    pub kind: NoteKind,
    /// The day of the contact (not in the future).
    pub occurred_on: NaiveDate,
    /// What happened (1 to 8000 characters).
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub text: String,
    /// `team` (default) or `restricted`.
    #[serde(default)]
    pub visibility: Option<NoteVisibility>,
}

/// A case note.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseNote {
    /// Note id.
    pub id: Uuid,
    /// The referral it is about.
    pub referral_id: Uuid,
    /// What the note records.
    pub kind: NoteKind,
    /// The day of the contact.
    pub occurred_on: NaiveDate,
    /// What happened.
    pub text: String,
    /// Who reads it.
    pub visibility: NoteVisibility,
    /// The worker who wrote it, when a worker did.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub author_worker_id: Option<Uuid>,
    /// Subject of the author's token.
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl From<&NoteRow> for CaseNote {
    fn from(n: &NoteRow) -> Self {
        Self {
            id: n.id,
            referral_id: n.referral_id,
            kind: NoteKind::from_code(&n.kind),
            occurred_on: n.occurred_on,
            text: n.text.clone(),
            visibility: NoteVisibility::from_code(&n.visibility),
            author_worker_id: n.author_worker_id,
            recorded_by: n.recorded_by.clone(),
            recorded_at: n.recorded_at,
        }
    }
}

list_page! {
    /// A page of case notes, newest first.
    CaseNotePage {
        /// The notes, newest first.
        items: CaseNote
    }
}

/// One entry of a case's chronology.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChronologyEntry {
    /// What kind of entry it is.
    pub kind: ChronologyKind,
    /// The id of the record: the history entry's number for a status change, the referral's id for its consent, else the session's, review's, note's or appointment's id.
    pub entry_id: String,
    /// The day it happened (a status change: its UTC day; an appointment: the UTC day it starts).
    pub on: NaiveDate,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The action of a status change, who consented (`parent_carer`, `young_person`), the attendance of a session, the kind of a review or note, the status of an appointment (`planned`, `cancelled`, `completed`).
    pub detail: String,
    /// A status change's status before (absent for the submission).
    #[schema(value_type = Option<crate::features::referrals::dto::ReferralStatus>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub from_status: Option<String>,
    /// A status change's status after.
    #[schema(value_type = Option<crate::features::referrals::dto::ReferralStatus>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub to_status: Option<String>,
    /// The reason of a status change, the notes of a session or review, the text of a note.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub text: Option<String>,
    /// A note's visibility.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub visibility: Option<NoteVisibility>,
    /// Who recorded it (subject of their token).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub recorded_by: Option<String>,
}

impl From<ChronologyRow> for ChronologyEntry {
    fn from(r: ChronologyRow) -> Self {
        Self {
            kind: ChronologyKind::from_code(&r.kind),
            entry_id: r.entry_id,
            on: r.on_day,
            recorded_at: r.at,
            detail: r.detail,
            from_status: r.from_status,
            to_status: r.to_status,
            text: r.text,
            visibility: r.visibility.as_deref().map(NoteVisibility::from_code),
            recorded_by: r.recorded_by,
        }
    }
}

list_page! {
    /// A page of a chronology, newest first.
    ChronologyPage {
        /// The entries, newest first.
        items: ChronologyEntry
    }
}

list_params! {
    /// Paging of the notes and the chronology.
    PageQuery {
    }
}

fn reader(caller: &Caller) -> Reader {
    Reader {
        role: caller.role,
        worker: caller.worker_id,
    }
}

/// Record a case note.
#[utoipa::path(
    tag = "Case notes",
    summary = "Record a case note",
    description = "A call, visit, email, meeting or other contact on a referral, dated the day it happened (not in the future: 422 `in_future`). `visibility`: `team` (default), read by everyone who may read the referral's notes, or `restricted`, read only by the allocated worker, co-workers, team managers and la_admin. Staff only: la_admin, the referral's team manager and the practitioners who work it; schools and integration clients get 403. A referral outside the caller's scope answers 404. Notes are kept as written (no change or deletion); an erasure of the child anonymises their text, a subject access export includes them.",
    params(("id" = Uuid, Path, description = "Referral id")),
    request_body(content = CaseNoteBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The note", body = CaseNote, headers(("Location" = String, description = "URL of the note"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[post("/referrals/{id}/notes")]
pub async fn create_note(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<CaseNoteBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let b = body.0;
    validate(&b)?;
    if b.occurred_on > sct_persistence::now().date_naive() {
        return Err(ApiError::validation(vec![FieldError::new(
            "occurred_on",
            "in_future",
            "the date may not be in the future",
        )]));
    }
    let id = id.into_inner();
    let scope = scope_of(&caller, &state.db).await?;
    let note = NewNote {
        kind: caseload::NoteKind::from(b.kind).as_str().to_owned(),
        occurred_on: b.occurred_on,
        text: b.text,
        visibility: caseload::NoteVisibility::from(b.visibility.unwrap_or(NoteVisibility::Team))
            .as_str()
            .to_owned(),
        author_worker_id: caller.worker_id,
    };
    let subject = caller.subject.clone();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let row =
                repo::create(conn, id, &scope, note, &subject, sct_persistence::now()).await?;
            Ok(Written::created(
                format!("/api/v1/referrals/{id}/notes/{}", row.id),
                1,
                &CaseNote::from(&row),
            )
            .about("referral", &id))
        })
    })
    .await
}

/// List a referral's case notes.
#[utoipa::path(
    tag = "Case notes",
    summary = "List a referral's case notes",
    description = "The notes the caller may read, newest first (by the day of the contact, then when recorded). Restricted notes show only to the allocated worker, co-workers, team managers and la_admin. Staff only (403 for schools and integration clients); 404 outside the caller's scope. Every read is audited.",
    params(("id" = Uuid, Path, description = "Referral id"), PageQuery),
    responses(
        (status = 200, description = "A page of notes", body = CaseNotePage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/referrals/{id}/notes")]
pub async fn list_notes(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let q = q.into_inner();
    let (limit, n, after) = keyset_page(q.limit, q.cursor)?;
    let scope = scope_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let mut rows = repo::list(
        &mut conn,
        id.into_inner(),
        &scope,
        reader(&caller),
        after,
        limit + 1,
    )
    .await?;
    let next_cursor = next_page(&mut rows, n, |r| (r.occurred_on, r.recorded_at, r.id));
    Ok(HttpResponse::Ok().json(CaseNotePage {
        items: rows.iter().map(CaseNote::from).collect(),
        next_cursor,
    }))
}

/// Read a case note.
#[utoipa::path(
    tag = "Case notes",
    summary = "Read a case note",
    description = "One note, to whoever may list it: 404 when the referral is outside the caller's scope, the note is not one of its notes, or it is restricted and the caller is not the allocated worker, a co-worker, a team manager or la_admin. Staff only (403 for schools and integration clients).",
    params(("id" = Uuid, Path, description = "Referral id"), ("note_id" = Uuid, Path, description = "Note id")),
    responses(
        (status = 200, description = "The note", body = CaseNote, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/referrals/{id}/notes/{note_id}")]
pub async fn get_note(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let (id, note) = path.into_inner();
    let scope = scope_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let row = repo::get(&mut conn, id, note, &scope, reader(&caller)).await?;
    Ok(crate::http::respond::ok(1, &CaseNote::from(&row)))
}

/// A referral's chronology.
#[utoipa::path(
    tag = "Case notes",
    summary = "Read a case's chronology",
    description = "Everything that happened on the case, newest first: status changes (the history), the consent recorded with the referral, sessions delivered, plan reviews, case notes (restricted ones only for the allocated worker, co-workers, team managers and la_admin) and appointments (planned, cancelled or completed), ordered by the day it happened, then when it was recorded; keyset-paged. Entry kinds will grow (follow-ups): clients must ignore a `kind` they do not know. Staff only (403 for schools and integration clients); 404 outside the caller's scope. Every read is audited.",
    params(("id" = Uuid, Path, description = "Referral id"), PageQuery),
    responses(
        (status = 200, description = "A page of the chronology", body = ChronologyPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/referrals/{id}/chronology")]
pub async fn referral_chronology(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let q = q.into_inner();
    let (limit, n, after) =
        keyset_page::<(NaiveDate, DateTime<Utc>, String, String)>(q.limit, q.cursor)?;
    if after
        .as_ref()
        .is_some_and(|a| caseload::ChronologyKind::parse(&a.2).is_none() || a.3.is_empty())
    {
        return Err(bad_cursor());
    }
    let scope = scope_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let mut rows = repo::chronology(
        &mut conn,
        id.into_inner(),
        &scope,
        reader(&caller),
        after,
        limit + 1,
    )
    .await?;
    let next_cursor = next_page(&mut rows, n, |r| {
        (r.on_day, r.at, r.kind.clone(), r.entry_id.clone())
    });
    Ok(HttpResponse::Ok().json(ChronologyPage {
        items: rows.into_iter().map(ChronologyEntry::from).collect(),
        next_cursor,
    }))
}
