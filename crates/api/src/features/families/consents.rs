//! A family's consents: every consent of the family's referrals the caller
//! sees in full on the family's page. Uses the consents feature's DTOs.

use crate::features::consents::dto::consent_out;
use crate::features::consents::dto::FamilyConsents;
use crate::features::families::view::family_in_view;
use crate::features::families::view::View;
use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::EVERY_ROLE;
use crate::http::auth::Caller;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use actix_web::get;
use actix_web::web;
use actix_web::HttpResponse;
use sct_persistence::consents as consent_repo;
use sct_persistence::families as repo;
use uuid::Uuid;

/// List a family's consents.
#[utoipa::path(
    tag = "Consents",
    summary = "List a family's consents",
    operation_id = "list_family_consents",
    description = "Every consent of the family's referrals, oldest first, as far as the caller sees those referrals on the family's page: la_admin all; a team's staff of the family's zone those of the referrals in their zone; a school (and its MIS), of a family one of its referrals belongs to, those of its own referrals, without the staff-only fields (the adult who gave it, the partners, the notes, who recorded it). Anyone else answers 404. Consents are recorded on a referral (`POST /referrals/{id}/consents`).",
    params(("id" = Uuid, Path, description = "Family id")),
    responses(
        (status = 200, description = "The consents", body = FamilyConsents),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/families/{id}/consents")]
pub async fn list_family_consents(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let (f, view) = family_in_view(&mut conn, &reach, id.into_inner()).await?;
    let referrals: Vec<Uuid> = repo::referrals_of(&mut conn, f.id)
        .await?
        .into_iter()
        .filter(|r| match &view {
            View::All => true,
            View::Zone(z) => r.zone_id == Some(*z),
            View::Schools(urns) => urns.contains(&r.school_urn),
        })
        .map(|r| r.id)
        .collect();
    let rows = consent_repo::of_referrals(&mut conn, &referrals).await?;
    let today = sct_persistence::now().date_naive();
    Ok(HttpResponse::Ok().json(FamilyConsents {
        items: rows
            .iter()
            .map(|r| consent_out(r, view.is_staff(), today))
            .collect(),
    }))
}
