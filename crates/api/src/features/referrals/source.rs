//! Other routes in (issue 13, item 5): where a referral came from (a school,
//! or a practitioner on behalf of a family: a Family Hub, a health visitor,
//! a parent or carer asking directly), and the family a submission names.
//! A school or MIS client refers as the school; staff may name another
//! source. The child still belongs to the school or setting of the
//! referral's `school_urn`.

use crate::http::access::reach_of;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::error::FieldError;
use crate::http::state::AppState;
use sct_domain::Role;
use sct_persistence::families;
use sct_persistence::organisation;
use sct_persistence::termly::Reach;
use sct_persistence::StoreError;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

crate::http::wire::named_enum! {
    /// Who referred.
    pub enum SourceType {
        /// The child's school or setting (the default; the only one for schools).
        School,
        /// A Family Hub's practitioner.
        FamilyHub,
        /// A health visitor.
        HealthVisitor,
        /// A parent or carer asking directly.
        ParentCarer,
        /// Children's social care.
        SocialCare,
        /// Another health professional.
        Health,
        /// Anyone else.
        Other,
    }
}

impl SourceType {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// From the stored name (`school` for anything unknown).
    pub fn parse(s: &str) -> Self {
        s.parse().unwrap_or(SourceType::School)
    }
}

/// Where a referral came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"type": "health_visitor", "organisation": "Norfolk Healthy Child Programme"}))]
pub struct ReferralSource {
    /// Who referred.
    #[serde(rename = "type")]
    pub kind: SourceType,
    /// The referring organisation (a Family Hub, a health service), when not the school.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 200,
        example = "Norfolk Healthy Child Programme"
    )]
    #[validate(length(min = 1, max = 200))]
    pub organisation: Option<String>,
}

impl ReferralSource {
    /// As stored on a referral.
    pub fn stored(kind: &str, organisation: Option<&str>) -> Self {
        Self {
            kind: SourceType::parse(kind),
            organisation: organisation.map(str::to_owned),
        }
    }
}

/// The source a caller may submit: a school or MIS client refers as the
/// school (422 `source_not_school` otherwise); staff name any (default: the
/// school).
///
/// # Errors
/// 422 naming `source`.
pub(crate) fn source_for(
    caller: &Caller,
    source: Option<ReferralSource>,
) -> Result<(String, Option<String>), ApiError> {
    let s = source.unwrap_or(ReferralSource {
        kind: SourceType::School,
        organisation: None,
    });
    if caller.role.acts_for_schools() && (s.kind != SourceType::School || s.organisation.is_some())
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "source",
            "source_not_school",
            "a school or its MIS refers as the school; another source is for staff to record",
        )]));
    }
    Ok((s.kind.as_str().to_owned(), s.organisation))
}

/// The checks of a submission that need the database: a team's staff refer
/// for a school of their zone; the family named must be one the caller
/// reaches (la_admin any; a team's staff their zone's; a school the family
/// of one of its own referrals), else 422 `unknown_family` (its existence
/// is not disclosed).
///
/// # Errors
/// 422 naming the field.
pub(crate) async fn check_submission(
    state: &AppState,
    caller: &Caller,
    school_urn: &str,
    family_id: Option<Uuid>,
) -> Result<(), ApiError> {
    let reach = reach_of(caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let mut errors = Vec::new();
    if caller.role.belongs_to_team() {
        let in_zone = match (
            organisation::get_school(&mut conn, school_urn).await,
            &reach,
        ) {
            (Ok(s), Reach::Zone(z)) => s.zone_id == Some(*z),
            (Err(StoreError::NotFound) | Ok(_), _) => false,
            (Err(e), _) => return Err(e.into()),
        };
        if !in_zone {
            errors.push(FieldError::new(
                "school_urn",
                "unknown_school",
                "the school is unknown or not in your team's zone",
            ));
        }
    }
    if let Some(f) = family_id {
        let reached = match families::get(&mut conn, f).await {
            Ok(fam) => match (&reach, caller.role) {
                (_, Role::LaAdmin) => true,
                (Reach::Zone(z), _) => fam.zone_id == *z,
                (Reach::Schools(urns), _) => families::referred_by(&mut conn, f, urns).await?,
                _ => false,
            },
            Err(StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if !reached {
            errors.push(FieldError::new(
                "family_id",
                "unknown_family",
                "no such family, or not one you may refer into",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}
