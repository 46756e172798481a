//! Corrections of recorded sessions and reviews.

use super::interventions::get_intervention;
use super::plans::{field, status_of, DeliveryError};
use super::reviews::{ReviewRow, ReviewView};
use super::sessions::{get_session, Participant, SessionView};
use crate::schema::{
    delivery_sessions, plan_goals, plan_reviews, review_ratings, session_attendance,
};
use crate::scope::{lock_in_scope, Scope};
use crate::versioned::version_matches;
use crate::{Actor, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::delivery::{
    check_ratings, may_correct_review, may_correct_session, may_record_delivery, same_participants,
};
use sct_domain::ReviewKind;
use sct_domain::WireName;
use uuid::Uuid;

/// A correction of a recorded session: its shared fields and the
/// attendance of every referral it covered.
#[derive(Debug, Clone)]
pub struct SessionCorrection {
    pub held_on: NaiveDate,
    pub intervention_id: Option<Uuid>,
    pub duration_minutes: i32,
    pub notes: Option<String>,
    pub participants: Vec<Participant>,
}

/// Corrects a recorded session if its version matches. Every referral it
/// covered is locked and must be in scope and still active (the rule of
/// recording it); the correction names exactly those referrals.
pub async fn correct_session(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    scope: &Scope,
    expected_version: sct_domain::VersionMatch,
    fix: SessionCorrection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<SessionView, DeliveryError> {
    conn.transaction(async |c| {
        let current = get_session(c, id).await?;
        // A practitioner corrects a session when they work every referral
        // it covered: each is checked under its lock below.
        let match_scope = match scope {
            Scope::All | Scope::Worker(_) => true,
            Scope::Team(t) => *t == current.session.team_id,
            Scope::Schools(_) => false,
        };
        if !match_scope {
            return Err(DeliveryError::NotFound);
        }
        let covered: Vec<Uuid> = current.attendance.iter().map(|a| a.referral_id).collect();
        let mut statuses = Vec::new();
        for r in &covered {
            let row = lock_in_scope(c, *r, scope).await?;
            statuses.push(status_of(&row.status)?);
        }
        if !may_correct_session(&statuses) {
            let closed = statuses
                .iter()
                .find(|s| !may_record_delivery(**s))
                .map_or("closed", |s| s.as_str());
            return Err(DeliveryError::NotOpen(
                closed,
                "a session is corrected while every referral it covered is active",
            ));
        }
        let given: Vec<Uuid> = fix.participants.iter().map(|p| p.referral_id).collect();
        if !same_participants(&covered, &given) {
            return Err(field(
                "participants".into(),
                "participants_changed",
                "name exactly the referrals the session covered, each once",
            ));
        }
        if let Some(i) = fix.intervention_id {
            match get_intervention(c, i).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => {
                    return Err(field(
                        "intervention_id".into(),
                        "unknown_intervention",
                        "no such intervention in the catalogue",
                    ))
                }
                Err(e) => return Err(e.into()),
            }
        }
        let n = diesel::update(delivery_sessions::table.find(id).filter(version_matches!(
            delivery_sessions::version,
            expected_version
        )))
        .set((
            delivery_sessions::held_on.eq(fix.held_on),
            delivery_sessions::intervention_id.eq(fix.intervention_id),
            delivery_sessions::duration_minutes.eq(fix.duration_minutes),
            delivery_sessions::notes.eq(fix.notes),
            delivery_sessions::version.eq(delivery_sessions::version + 1),
            delivery_sessions::updated_at.eq(now),
            delivery_sessions::updated_by.eq(&actor.subject),
        ))
        .execute(c)
        .await?;
        if n == 0 {
            return Err(DeliveryError::VersionMismatch {
                current: current.session.version,
            });
        }
        for p in fix.participants {
            diesel::update(
                session_attendance::table
                    .filter(session_attendance::session_id.eq(id))
                    .filter(session_attendance::referral_id.eq(p.referral_id)),
            )
            .set((
                session_attendance::status.eq(p.status),
                session_attendance::child_attended.eq(p.child),
                session_attendance::parent_carer_attended.eq(p.parent_carer),
                session_attendance::school_staff_attended.eq(p.school_staff),
                session_attendance::held_on.eq(fix.held_on),
            ))
            .execute(c)
            .await?;
        }
        Ok(get_session(c, id).await?)
    })
    .await
}

/// One review of a referral with its ratings (the caller checked the
/// referral's scope).
pub async fn get_review(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    id: Uuid,
) -> StoreResult<ReviewView> {
    let review: ReviewRow = plan_reviews::table
        .find(id)
        .filter(plan_reviews::referral_id.eq(referral))
        .select(ReviewRow::as_select())
        .first(c)
        .await?;
    let ratings: Vec<(Uuid, i16, i16)> = review_ratings::table
        .inner_join(plan_goals::table)
        .filter(review_ratings::review_id.eq(id))
        .order(plan_goals::position.asc())
        .select((
            review_ratings::goal_id,
            review_ratings::rating,
            plan_goals::baseline,
        ))
        .load(c)
        .await?;
    Ok(ReviewView { review, ratings })
}

/// Re-rates the goals of an interim review if its version matches: the
/// referral is locked, in scope and active, and the review rates again
/// exactly the goals it rated. The plan's latest ratings and distance
/// travelled follow.
#[allow(clippy::too_many_arguments)]
pub async fn correct_review(
    conn: &mut AsyncPgConnection,
    referral: Uuid,
    id: Uuid,
    scope: &Scope,
    expected_version: sct_domain::VersionMatch,
    reviewed_on: NaiveDate,
    notes: Option<String>,
    ratings: Vec<(Uuid, i64)>,
    indes: Option<Vec<(String, i16)>>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReviewView, DeliveryError> {
    conn.transaction(async |c| {
        let row = lock_in_scope(c, referral, scope).await?;
        let status = status_of(&row.status)?;
        let current = get_review(c, referral, id).await?;
        let kind = ReviewKind::parse(&current.review.kind).unwrap_or(ReviewKind::Final);
        if !may_correct_review(kind, status) {
            return Err(DeliveryError::NotOpen(
                status.as_str(),
                "an interim review is corrected while the referral is active; the final review stands",
            ));
        }
        let rated: Vec<Uuid> = current.ratings.iter().map(|r| r.0).collect();
        check_ratings(&rated, &ratings).map_err(DeliveryError::Ratings)?;
        let n = diesel::update(
            plan_reviews::table
                .find(id)
                .filter(version_matches!(plan_reviews::version, expected_version)),
        )
        .set((
            plan_reviews::reviewed_on.eq(reviewed_on),
            plan_reviews::notes.eq(notes),
            plan_reviews::version.eq(plan_reviews::version + 1),
            plan_reviews::updated_at.eq(now),
            plan_reviews::updated_by.eq(&actor.subject),
        ))
        .execute(c)
        .await?;
        if n == 0 {
            return Err(DeliveryError::VersionMismatch {
                current: current.review.version,
            });
        }
        for (goal, rating) in &ratings {
            diesel::update(
                review_ratings::table
                    .filter(review_ratings::review_id.eq(id))
                    .filter(review_ratings::goal_id.eq(*goal)),
            )
            .set(review_ratings::rating.eq(i16::try_from(*rating).unwrap_or(0)))
            .execute(c)
            .await?;
        }
        crate::referrals::reassessment::correct_with_review(
            c,
            referral,
            id,
            reviewed_on,
            indes.as_deref(),
            actor,
            now,
        )
        .await?;
        Ok(get_review(c, referral, id).await?)
    })
    .await
}
