//! A school's view of what the team did with it in a term (issue 15, item
//! 3): the term's conversation and its actions, consultations, the school's
//! referrals by status, school support, programmes its families were enrolled on (counts),
//! and the feedback waiting for it; JSON, or CSV one line per item. Uses the
//! termly feature's `TermlyConversation` and `Term`, the feedback feature's
//! `FeedbackAbout` schema, the school-support feature's `SupportKind` and
//! `ReviewOutcome` schemas and the reports' CSV answer.

use crate::features::reports::common::respond;
use crate::features::termly::dto::Term;
use crate::features::termly::dto::TermlyConversation;
use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::school_in_reach;
use crate::http::access::EVERY_ROLE;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::state::AppState;
use actix_web::get;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain::termly::AcademicYear;
use sct_domain::WireName;
use sct_persistence::organisation;
use sct_persistence::school_activity as repo;
use sct_persistence::termly;
use sct_persistence::termly::Reach;
use serde::Deserialize;
use serde::Serialize;
use serde_json::json;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa::ToSchema;
use uuid::Uuid;

/// The term asked for.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityParams {
    /// Academic year (`YYYY/YY`).
    #[param(pattern = "^[0-9]{4}/[0-9]{2}$", example = "2026/27")]
    pub academic_year: String,
    /// Term.
    pub term: Term,
}

/// A consultation of the term (its subject's identity is not shown here).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityConsultation {
    /// Consultation id.
    pub id: Uuid,
    /// When it was held.
    pub held_on: NaiveDate,
    /// Its topic.
    pub topic: String,
    /// Whom the advice was about.
    #[schema(value_type = crate::features::consultations::dto::ConsultationSubject)]
    pub subject: String,
}

/// How many of the term's referrals have a status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusCount {
    /// The status.
    #[schema(value_type = crate::features::referrals::dto::ReferralStatus)]
    pub status: String,
    /// How many.
    pub count: i64,
}

/// One of the school's referrals open at some time in the term.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityReferral {
    /// Referral id.
    pub id: Uuid,
    /// Its status now.
    #[schema(value_type = crate::features::referrals::dto::ReferralStatus)]
    pub status: String,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
}

/// The school's referrals of the term.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityReferrals {
    /// Counts by status now, of every referral submitted by the term's end and not ended before its start.
    pub by_status: Vec<StatusCount>,
    /// Those referrals, oldest first (at most 500).
    pub items: Vec<ActivityReferral>,
}

/// A programme the school's families were enrolled on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityProgramme {
    /// Programme id.
    pub programme_id: Uuid,
    /// Its title.
    pub title: String,
    /// Enrolments (not cancelled) linked to the school's referrals.
    pub enrolments: i64,
}

/// An item finished in the term that waits for the school's feedback (`POST /feedback`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingFeedback {
    /// What the feedback would be about.
    #[schema(value_type = crate::features::feedback::FeedbackAboutSchema)]
    pub about: String,
    /// The item.
    pub item_id: Uuid,
    /// When it was closed or held.
    pub finished_on: NaiveDate,
}

/// A piece of school support that ran in the term (`/school-support`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivitySupport {
    /// Record id.
    pub id: Uuid,
    /// What kind of work.
    #[schema(value_type = crate::features::school_support::dto::SupportKind)]
    pub kind: String,
    /// Its title.
    pub title: String,
    /// When it starts.
    pub starts_on: NaiveDate,
    /// When it ends, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub ends_on: Option<NaiveDate>,
    /// Its sessions held in the term.
    pub sessions: i64,
    /// Their minutes in all.
    pub total_minutes: i64,
    /// Children counted at them in all (referred or not; a child at two sessions counts twice).
    pub children_counted: i64,
    /// The review's outcome, once reviewed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, value_type = Option<crate::features::school_support::dto::ReviewOutcome>)]
    pub review_outcome: Option<String>,
}

/// What the team did with a school in a term.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchoolActivity {
    /// The school's URN.
    #[schema(example = "100001")]
    pub school_urn: String,
    /// Its name.
    pub school_name: String,
    /// The academic year.
    #[schema(example = "2026/27")]
    pub academic_year: String,
    /// The term.
    pub term: Term,
    /// The first day counted (autumn from 1 September, spring from 1 January, summer from 1 April).
    pub from: NaiveDate,
    /// The last day counted (31 December, 31 March, 31 August).
    pub to: NaiveDate,
    /// The term's conversation, if one was offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub termly_conversation: Option<TermlyConversation>,
    /// Consultations held in the term (at most 500).
    pub consultations: Vec<ActivityConsultation>,
    /// The school's referrals.
    pub referrals: ActivityReferrals,
    /// School support that ran in the term (started by its end, not ended or reviewed before its start), with its sessions in the term (at most 500).
    pub school_support: Vec<ActivitySupport>,
    /// Programmes running in the term with the school's families enrolled (at most 500).
    pub programmes: Vec<ActivityProgramme>,
    /// Items finished in the term without the school's feedback (at most 500).
    pub feedback_waiting: Vec<WaitingFeedback>,
    /// When the view was computed.
    pub generated_at: DateTime<Utc>,
}

/// The CSV lines: one per item, with the section it belongs to.
const COLUMNS: [&str; 7] = ["section", "kind", "id", "status", "date", "title", "count"];

fn lines(a: &SchoolActivity) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(c) = &a.termly_conversation {
        out.push(
            json!({"section": "termly_conversation", "id": c.id, "status": c.status,
            "date": c.held_on.or(c.scheduled_for), "count": c.children_discussed}),
        );
    }
    for c in &a.consultations {
        out.push(json!({"section": "consultation", "kind": c.subject, "id": c.id, "date": c.held_on, "title": c.topic}));
    }
    for s in &a.school_support {
        out.push(json!({"section": "school_support", "kind": s.kind, "id": s.id, "status": s.review_outcome,
            "date": s.starts_on, "title": s.title, "count": s.sessions}));
    }
    for s in &a.referrals.by_status {
        out.push(json!({"section": "referrals_by_status", "status": s.status, "count": s.count}));
    }
    for r in &a.referrals.items {
        out.push(json!({"section": "referral", "id": r.id, "status": r.status, "date": r.submitted_at.date_naive()}));
    }
    for p in &a.programmes {
        out.push(json!({"section": "programme", "id": p.programme_id, "title": p.title, "count": p.enrolments}));
    }
    for w in &a.feedback_waiting {
        out.push(json!({"section": "feedback_waiting", "kind": w.about, "id": w.item_id, "date": w.finished_on}));
    }
    out
}

/// A school's term.
#[utoipa::path(
    tag = "Schools",
    summary = "What the team did with a school in a term",
    operation_id = "school_activity",
    description = "In one answer, for the term: the conversation and its actions, consultations, the school's referrals by status (with ids), school support (kind, sessions and minutes in the term, review outcome), programmes its families were enrolled on (counts), and the items waiting for its feedback. The term's days: autumn 1 September to 31 December, spring 1 January to 31 March, summer 1 April to 31 August (term dates differ between schools). The school itself and its MIS, the zone's team, la_admin; another school answers 404. CSV with `Accept: text/csv`: one line per item, columns `section,kind,id,status,date,title,count` (a `school_support` line: its kind, id, review outcome, start, title and sessions in the term).",
    params(("urn" = String, Path, description = "The school's URN: a setting identifier (a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`)", pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$", example = "100001"), ActivityParams),
    responses(
        (status = 200, description = "The school's term, as JSON or CSV", content(
            (SchoolActivity = "application/json"),
            (String = "text/csv", example = "section,kind,id,status,date,title,count\r\nreferrals_by_status,,,active,,,2\r\n")
        ), headers(("Vary" = String, description = "Accept: the media type follows the Accept header"))),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/schools/{urn}/activity")]
pub async fn school_activity(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    urn: web::Path<String>,
    p: web::Query<ActivityParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let urn = urn.into_inner();
    let p = p.into_inner();
    let year = AcademicYear::parse(&p.academic_year)
        .map_err(|e| ApiError::new(ErrorCode::InvalidParameter, format!("academic_year: {e}")))?;
    let (from, to) = p.term.domain().window(year);
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let school = match organisation::get_school(&mut conn, &urn).await {
        Ok(s) if school_in_reach(&reach, &s.urn, s.zone_id) => s,
        Ok(_) => return Err(ApiError::not_found()),
        Err(e) => return Err(e.into()),
    };
    let academic_year = year.as_string();
    let conversation = match repo::conversation(
        &mut conn,
        &urn,
        &academic_year,
        p.term.domain().as_str(),
    )
    .await?
    {
        Some(row) => Some(TermlyConversation::from(
            termly::get(&mut conn, row.id, &Reach::All).await?,
        )),
        None => None,
    };
    let consultations = repo::consultations(&mut conn, &urn, from, to).await?;
    let referrals = repo::referrals(&mut conn, &urn, from, to).await?;
    let support = repo::school_support(&mut conn, &urn, from, to).await?;
    let programmes = repo::programmes(&mut conn, &urn, from, to).await?;
    let waiting = repo::feedback_waiting(&mut conn, &urn, from, to).await?;
    let mut by_status: Vec<StatusCount> = Vec::new();
    for r in &referrals {
        if !by_status.iter().any(|s| s.status == r.status) {
            by_status.push(StatusCount {
                status: r.status.clone(),
                count: r.of_status,
            });
        }
    }
    by_status.sort_by(|a, b| a.status.cmp(&b.status));
    let activity = SchoolActivity {
        school_urn: school.urn,
        school_name: school.name,
        academic_year,
        term: p.term,
        from,
        to,
        termly_conversation: conversation,
        consultations: consultations
            .into_iter()
            .map(|c| ActivityConsultation {
                id: c.id,
                held_on: c.held_on,
                topic: c.topic,
                subject: c.subject,
            })
            .collect(),
        referrals: ActivityReferrals {
            by_status,
            items: referrals
                .into_iter()
                .map(|r| ActivityReferral {
                    id: r.id,
                    status: r.status,
                    submitted_at: r.submitted_at,
                })
                .collect(),
        },
        school_support: support
            .into_iter()
            .map(|s| ActivitySupport {
                id: s.id,
                kind: s.kind,
                title: s.title,
                starts_on: s.starts_on,
                ends_on: s.ends_on,
                sessions: s.sessions,
                total_minutes: s.minutes,
                children_counted: s.children_seen,
                review_outcome: s.review_outcome,
            })
            .collect(),
        programmes: programmes
            .into_iter()
            .map(|p| ActivityProgramme {
                programme_id: p.programme_id,
                title: p.title,
                enrolments: p.enrolments,
            })
            .collect(),
        feedback_waiting: waiting
            .into_iter()
            .map(|w| WaitingFeedback {
                about: w.about,
                item_id: w.item_id,
                finished_on: w.finished_on,
            })
            .collect(),
        generated_at: sct_persistence::now(),
    };
    let rows = lines(&activity);
    Ok(respond(&req, "school-activity", &activity, &COLUMNS, &rows))
}

/// Registers the school activity view.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(school_activity);
}
