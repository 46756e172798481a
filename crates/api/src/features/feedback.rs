//! Schools' feedback (issue 14, item 7): after a referral's closure, a
//! consultation or a held termly conversation, the school (or its MIS) rates
//! the work 1-5 and answers "how confident are you now to meet this child's
//! or these children's needs in mainstream?" 1-5, with an optional comment.
//! One answer per school per item. The zone's team and la_admin read them.

use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::EVERY_ROLE;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use crate::http::extract::JsonBody;
use crate::http::paging::keyset_page;
use crate::http::paging::list_page;
use crate::http::paging::list_params;
use crate::http::paging::next_page;
use crate::http::state::AppState;
use crate::http::validate::check_urn_filter;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::get;
use actix_web::post;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use chrono::DateTime;
use chrono::Utc;
use sct_domain::feedback::may_give;
use sct_domain::feedback::score;
use sct_domain::feedback::FeedbackAbout;
use sct_domain::feedback::FeedbackError;
use sct_domain::Role;
use sct_persistence::feedback as repo;
use sct_persistence::feedback::FeedbackFilter;
use sct_persistence::feedback::FeedbackRow;
use sct_persistence::Wire;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Who gives feedback: a school and its MIS.
const GIVERS: &[Role] = &[Role::School, Role::Integration];

/// What a school gives feedback on (the schema of `sct_domain::feedback::FeedbackAbout`).
#[derive(ToSchema)]
#[schema(as = FeedbackAbout)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FeedbackAboutSchema {
    /// A referral of the school, once closed.
    Referral,
    /// A consultation the team held with the school.
    Consultation,
    /// The school's termly conversation, once held.
    TermlyConversation,
}

/// A school's feedback on one item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Feedback {
    /// Feedback id.
    pub id: Uuid,
    /// The school that gave it.
    #[schema(example = "100001")]
    pub school_urn: String,
    /// The zone of the item.
    pub zone_id: Uuid,
    /// What it is about.
    #[schema(value_type = FeedbackAboutSchema)]
    pub about: FeedbackAbout,
    /// The referral, consultation or termly conversation.
    pub item_id: Uuid,
    /// How the school rates the work, 1 (poor) to 5 (excellent).
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i16,
    /// How confident the school now is to meet the needs in mainstream, 1 (not at all) to 5 (fully).
    #[schema(minimum = 1, maximum = 5)]
    pub confidence: i16,
    /// The school's comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub comment: Option<String>,
    /// When it was given.
    pub created_at: DateTime<Utc>,
}

impl From<FeedbackRow> for Feedback {
    fn from(r: FeedbackRow) -> Self {
        Self {
            id: r.id,
            school_urn: r.school_urn,
            zone_id: r.zone_id,
            about: r.about.0,
            item_id: r.item_id,
            rating: r.rating,
            confidence: r.confidence,
            comment: r.comment,
            created_at: r.created_at,
        }
    }
}

list_page! {
    /// A page of feedback, newest first.
    FeedbackPage {
        /// The answers.
        items: Feedback
    }
}

/// A school's answer about one item.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"about": "referral", "item_id": "0190c3a0-0000-7000-8000-000000000001", "rating": 5, "confidence": 4, "comment": "The team's advice helped us plan support in class."}))]
pub struct FeedbackInput {
    /// What it is about.
    #[schema(value_type = FeedbackAboutSchema)]
    pub about: FeedbackAbout,
    /// The referral, consultation or termly conversation: one of the caller's school's.
    pub item_id: Uuid,
    /// How the school rates the work, 1 (poor) to 5 (excellent).
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i16,
    /// How confident are you now to meet this child's or these children's needs in mainstream? 1 (not at all) to 5 (fully).
    #[schema(minimum = 1, maximum = 5)]
    pub confidence: i16,
    /// A comment, 1 to 2000 characters (no names needed).
    #[schema(min_length = 1, max_length = 2000)]
    pub comment: Option<String>,
}

fn checked(b: &FeedbackInput) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    for (field, n) in [("rating", b.rating), ("confidence", b.confidence)] {
        if score(n).is_err() {
            errors.push(FieldError::new(
                field,
                "off_scale",
                FeedbackError::OffScale.to_string(),
            ));
        }
    }
    if b.comment
        .as_deref()
        .is_some_and(|c| c.trim().is_empty() || c.chars().count() > 2000)
    {
        errors.push(FieldError::new(
            "comment",
            "length",
            "a comment has 1 to 2000 characters",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Give feedback.
#[utoipa::path(
    tag = "Feedback",
    summary = "Give feedback on a closed referral, a consultation or a termly conversation",
    operation_id = "create_feedback",
    description = "The school (or its MIS) of the item rates the work and its confidence to meet the needs in mainstream, each 1-5, with an optional comment. An item of another school, or none, answers 404; a referral not yet closed or a conversation not yet held 409 `feedback_not_due`; a second answer of the school about the item 409 `already_exists`; a score outside 1-5 422 `off_scale`. Feedback cannot be changed. Schools and integration clients only.",
    request_body(content = FeedbackInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The feedback", body = Feedback, headers(("Location" = String, description = "URL of the feedback"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/feedback")]
pub async fn create_feedback(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<FeedbackInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, GIVERS)?;
    let b = body.0;
    checked(&b)?;
    let schools = caller.schools.clone();
    let by = caller.subject.clone();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let item = repo::item(conn, b.about, b.item_id).await?;
            let involved = item
                .as_ref()
                .is_some_and(|i| schools.contains(&i.school_urn));
            let finished = item.as_ref().is_some_and(|i| i.finished);
            match may_give(involved, finished) {
                Err(FeedbackError::NotDue) => {
                    return Err(ApiError::new(
                        ErrorCode::FeedbackNotDue,
                        FeedbackError::NotDue.to_string(),
                    ))
                }
                Err(_) => return Err(ApiError::not_found()),
                Ok(()) => {}
            }
            let Some(item) = item else {
                return Err(ApiError::not_found());
            };
            if repo::exists(conn, &item.school_urn, b.about, b.item_id).await? {
                return Err(ApiError::new(
                    ErrorCode::AlreadyExists,
                    "the school has given feedback on this item already",
                ));
            }
            let f = repo::create(
                conn,
                &FeedbackRow {
                    id: Uuid::now_v7(),
                    school_urn: item.school_urn,
                    zone_id: item.zone_id,
                    about: Wire(b.about),
                    item_id: b.item_id,
                    rating: b.rating,
                    confidence: b.confidence,
                    comment: b.comment.map(|c| c.trim().to_owned()),
                    given_by: by,
                    created_at: sct_persistence::now(),
                },
            )
            .await?;
            let w = Written::json(
                actix_web::http::StatusCode::CREATED,
                &Feedback::from(f.clone()),
            )
            .header("location", format!("/api/v1/feedback/{}", f.id))
            .about("school", &f.school_urn);
            Ok(match f.about.0 {
                FeedbackAbout::Referral => w.about("referral", &f.item_id),
                _ => w,
            })
        })
    })
    .await
}

list_params! {
    /// Filters of the feedback list.
    FeedbackListParams {
        /// Only this school's (its URN: a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`).
        #[param(pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$")]
        school_urn: Option<String>,
        /// Only feedback about this kind of item.
        #[param(value_type = Option<FeedbackAboutSchema>)]
        about: Option<FeedbackAbout>,
    }
}

/// List feedback.
#[utoipa::path(
    tag = "Feedback",
    summary = "List schools' feedback",
    operation_id = "list_feedback",
    description = "Newest first. la_admin all; a team's manager and practitioners their zone's; a school (and its MIS) its own.",
    params(FeedbackListParams),
    responses(
        (status = 200, description = "A page of feedback", body = FeedbackPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/feedback")]
pub async fn list_feedback(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<FeedbackListParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let p = p.into_inner();
    check_urn_filter(p.school_urn.as_deref())?;
    let (limit, n, before) = keyset_page(p.limit, p.cursor)?;
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let f = FeedbackFilter {
        school_urn: p.school_urn,
        about: p.about,
    };
    let mut rows = repo::list(&mut conn, &reach, &f, before, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.id);
    Ok(HttpResponse::Ok().json(FeedbackPage {
        items: rows.into_iter().map(Feedback::from).collect(),
        next_cursor,
    }))
}

/// Read feedback.
#[utoipa::path(
    tag = "Feedback",
    summary = "Read one school's feedback",
    operation_id = "get_feedback",
    description = "Readers as for the list; feedback outside the caller's reach answers 404.",
    params(("id" = Uuid, Path, description = "Feedback id")),
    responses(
        (status = 200, description = "The feedback", body = Feedback),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/feedback/{id}")]
pub async fn get_feedback(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let f = repo::get(&mut conn, &reach, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Feedback::from(f)))
}

/// Registers the feedback operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(list_feedback)
        .service(create_feedback)
        .service(get_feedback);
}
