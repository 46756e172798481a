//! Families (issue 13, item 1): a household in a zone, its members (children
//! linked to the LA's child record, adults with their contact details), each
//! adult's relationship to each child member, and the referrals of the
//! family. Who may see what is decided by the API; this module stores and
//! reads.

use crate::schema::{children, families, family_members, member_relationships, referrals};
use crate::versioned::{update_versioned, version_matches};
use crate::{Actor, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::VersionMatch;
use sct_domain::WireName;
use uuid::Uuid;

/// A family.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = families)]
pub struct FamilyRow {
    pub id: Uuid,
    pub zone_id: Uuid,
    pub status: String,
    pub created_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A member of a family: a child (`child_id`) or an adult.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = family_members)]
pub struct MemberRow {
    pub id: Uuid,
    pub family_id: Uuid,
    pub kind: String,
    pub child_id: Option<Uuid>,
    pub school_urn: Option<String>,
    pub role: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub preferred_contact_method: Option<String>,
    pub preferred_language: Option<String>,
    pub interpreter_needed: bool,
    pub safe_contact_notes: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub anonymised_at: Option<DateTime<Utc>>,
}

/// What a change of a member writes (its kind and child stay).
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = family_members, treat_none_as_null = true)]
pub struct MemberChange {
    pub school_urn: Option<String>,
    pub role: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub preferred_contact_method: Option<String>,
    pub preferred_language: Option<String>,
    pub interpreter_needed: bool,
    pub safe_contact_notes: Option<String>,
}

/// An adult's relationship to a child member.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = member_relationships)]
pub struct RelationshipRow {
    pub adult_member_id: Uuid,
    pub child_member_id: Uuid,
    pub relationship: String,
    pub parental_responsibility: bool,
}

/// The names of a child member as the LA records them (for staff).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildNames {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: chrono::NaiveDate,
}

/// A referral of the family, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct FamilyReferral {
    pub id: Uuid,
    pub reference: String,
    pub status: String,
    pub school_urn: String,
    pub zone_id: Option<Uuid>,
    pub child_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// Filters of the family list.
#[derive(Debug, Clone, Default)]
pub struct FamilyFilter {
    /// Only families of these zones (a team's staff: their zone).
    pub zones: Option<Vec<Uuid>>,
    /// Only families with a referral from one of these schools (a school).
    pub referred_by: Option<Vec<String>>,
    /// Only families with a child at this school (member or referral).
    pub school_urn: Option<String>,
    /// Only families with this child as a member.
    pub child_id: Option<Uuid>,
}

/// Creates a family.
///
/// # Errors
/// Database failures.
pub async fn create(conn: &mut AsyncPgConnection, row: &FamilyRow) -> StoreResult<FamilyRow> {
    Ok(diesel::insert_into(families::table)
        .values(row)
        .returning(FamilyRow::as_returning())
        .get_result(conn)
        .await?)
}

/// One family.
///
/// # Errors
/// `NotFound`.
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> StoreResult<FamilyRow> {
    Ok(families::table
        .find(id)
        .select(FamilyRow::as_select())
        .first(conn)
        .await?)
}

/// Families in id order after `after`, as filtered.
///
/// # Errors
/// Database failures.
pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &FamilyFilter,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<FamilyRow>> {
    let mut q = families::table.into_boxed();
    if let Some(z) = &f.zones {
        q = q.filter(families::zone_id.eq_any(z.clone()));
    }
    if let Some(urns) = &f.referred_by {
        q = q.filter(
            families::id.nullable().eq_any(
                referrals::table
                    .filter(referrals::school_urn.eq_any(urns.clone()))
                    .filter(referrals::family_id.is_not_null())
                    .select(referrals::family_id),
            ),
        );
    }
    if let Some(urn) = &f.school_urn {
        q = q.filter(
            families::id
                .eq_any(
                    family_members::table
                        .filter(family_members::school_urn.eq(urn.clone()))
                        .select(family_members::family_id),
                )
                .or(families::id.nullable().eq_any(
                    referrals::table
                        .filter(referrals::school_urn.eq(urn.clone()))
                        .filter(referrals::family_id.is_not_null())
                        .select(referrals::family_id),
                )),
        );
    }
    if let Some(child) = f.child_id {
        q = q.filter(
            families::id.eq_any(
                family_members::table
                    .filter(family_members::child_id.eq(child))
                    .select(family_members::family_id),
            ),
        );
    }
    if let Some(a) = after {
        q = q.filter(families::id.gt(a));
    }
    Ok(q.order(families::id.asc())
        .limit(limit)
        .select(FamilyRow::as_select())
        .load(conn)
        .await?)
}

/// Changes a family's zone and status if its version matches.
///
/// # Errors
/// Database failures; `Ok(None)` when the version moved.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected: VersionMatch,
    zone_id: Uuid,
    status: &str,
) -> StoreResult<Option<FamilyRow>> {
    Ok(update_versioned!(
        conn,
        families,
        id,
        expected,
        crate::now(),
        FamilyRow,
        (families::zone_id.eq(zone_id), families::status.eq(status),)
    )?)
}

/// Whether a family holds a referral from one of `schools`.
///
/// # Errors
/// Database failures.
pub async fn referred_by(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    schools: &[String],
) -> StoreResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        referrals::table
            .filter(referrals::family_id.eq(family))
            .filter(referrals::school_urn.eq_any(schools.to_vec())),
    ))
    .get_result(conn)
    .await?)
}

/// The members of a family in id order, with the adults' relationships.
///
/// # Errors
/// Database failures.
pub async fn members(
    conn: &mut AsyncPgConnection,
    family: Uuid,
) -> StoreResult<(Vec<MemberRow>, Vec<RelationshipRow>)> {
    let rows: Vec<MemberRow> = family_members::table
        .filter(family_members::family_id.eq(family))
        .order(family_members::id.asc())
        .select(MemberRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let rels: Vec<RelationshipRow> = member_relationships::table
        .filter(member_relationships::adult_member_id.eq_any(ids))
        .order((
            member_relationships::adult_member_id,
            member_relationships::child_member_id,
        ))
        .select(RelationshipRow::as_select())
        .load(conn)
        .await?;
    Ok((rows, rels))
}

/// One member of a family.
///
/// # Errors
/// `NotFound`.
pub async fn member(
    conn: &mut AsyncPgConnection,
    family: Uuid,
    id: Uuid,
) -> StoreResult<MemberRow> {
    Ok(family_members::table
        .filter(family_members::family_id.eq(family))
        .filter(family_members::id.eq(id))
        .select(MemberRow::as_select())
        .first(conn)
        .await?)
}

/// The LA's names of the child members (staff only see them).
///
/// # Errors
/// Database failures.
pub async fn child_names(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> StoreResult<Vec<(Uuid, ChildNames)>> {
    let rows: Vec<(Uuid, String, String, chrono::NaiveDate)> = children::table
        .filter(children::id.eq_any(ids.to_vec()))
        .select((
            children::id,
            children::given_name,
            children::family_name,
            children::date_of_birth,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, g, f, d)| {
            (
                id,
                ChildNames {
                    given_name: g,
                    family_name: f,
                    date_of_birth: d,
                },
            )
        })
        .collect())
}

/// Adds a member with the adult's relationships.
///
/// # Errors
/// `Constraint` (unique) when the child is a member already.
pub async fn add_member(
    conn: &mut AsyncPgConnection,
    row: &MemberRow,
    rels: &[RelationshipRow],
) -> StoreResult<MemberRow> {
    let m = diesel::insert_into(family_members::table)
        .values(row)
        .returning(MemberRow::as_returning())
        .get_result(conn)
        .await?;
    if !rels.is_empty() {
        diesel::insert_into(member_relationships::table)
            .values(rels)
            .execute(conn)
            .await?;
    }
    Ok(m)
}

/// Changes a member (and replaces an adult's relationships) if its version
/// matches.
///
/// # Errors
/// Database failures; `Ok(None)` when the version moved.
pub async fn update_member(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected: VersionMatch,
    change: &MemberChange,
    rels: &[RelationshipRow],
) -> StoreResult<Option<MemberRow>> {
    let Some(m) = update_versioned!(
        conn,
        family_members,
        id,
        expected,
        crate::now(),
        MemberRow,
        (change,)
    )?
    else {
        return Ok(None);
    };
    if m.kind == "adult" {
        diesel::delete(
            member_relationships::table.filter(member_relationships::adult_member_id.eq(id)),
        )
        .execute(conn)
        .await?;
        if !rels.is_empty() {
            diesel::insert_into(member_relationships::table)
                .values(rels)
                .execute(conn)
                .await?;
        }
    }
    Ok(Some(m))
}

/// Removes a member (and the relationships naming it) if its version
/// matches: `false` when the version moved.
///
/// # Errors
/// Database failures.
pub async fn remove_member(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected: VersionMatch,
) -> StoreResult<bool> {
    let n = diesel::delete(
        family_members::table
            .find(id)
            .filter(version_matches!(family_members::version, expected)),
    )
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Makes the child a member of the family (at `school`) unless they are one.
///
/// # Errors
/// Database failures.
pub async fn join_child(
    conn: &AsyncPgConnection,
    family: Uuid,
    child: Uuid,
    school: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut c = conn;
    diesel::insert_into(family_members::table)
        .values((
            family_members::id.eq(Uuid::now_v7()),
            family_members::family_id.eq(family),
            family_members::kind.eq("child"),
            family_members::child_id.eq(child),
            family_members::school_urn.eq(school),
            family_members::created_at.eq(now),
            family_members::updated_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(&mut c)
        .await?;
    Ok(())
}

/// The referrals of the family: linked to it, or of its child members.
///
/// # Errors
/// Database failures.
pub async fn referrals_of(
    conn: &mut AsyncPgConnection,
    family: Uuid,
) -> StoreResult<Vec<FamilyReferral>> {
    let kids = family_members::table
        .filter(family_members::family_id.eq(family))
        .filter(family_members::child_id.is_not_null())
        .select(family_members::child_id.assume_not_null());
    Ok(referrals::table
        .filter(
            referrals::family_id
                .eq(family)
                .or(referrals::child_id.eq_any(kids)),
        )
        .order(referrals::id.asc())
        .select((
            referrals::id,
            referrals::reference,
            referrals::status,
            referrals::school_urn,
            referrals::zone_id,
            referrals::child_id,
            referrals::created_at,
        ))
        .load(conn)
        .await?)
}

/// Links a referral to a family (the child becomes a member) if the
/// referral's version matches; its version moves on and its history says
/// so. `Ok(None)` when the version moved.
///
/// # Errors
/// `NotFound`; database failures.
pub async fn link_referral(
    conn: &mut AsyncPgConnection,
    referral: Uuid,
    family: Uuid,
    expected: VersionMatch,
    actor: &Actor,
    now: DateTime<Utc>,
) -> StoreResult<Option<(Uuid, i32)>> {
    let row: Option<(Uuid, String, String, i32)> = diesel::update(
        referrals::table
            .find(referral)
            .filter(version_matches!(referrals::version, expected)),
    )
    .set((
        referrals::family_id.eq(family),
        referrals::updated_at.eq(now),
        referrals::version.eq(referrals::version + 1),
    ))
    .returning((
        referrals::child_id,
        referrals::school_urn,
        referrals::status,
        referrals::version,
    ))
    .get_result(conn)
    .await
    .optional()?;
    let Some((child, school, status, version)) = row else {
        return Ok(None);
    };
    join_child(conn, family, child, Some(&school), now).await?;
    let status = sct_domain::Status::parse(&status).ok_or(StoreError::NotFound)?;
    diesel::insert_into(crate::schema::referral_history::table)
        .values(&crate::models::NewHistoryRow {
            referral_id: referral,
            at: now,
            actor: actor.subject.clone(),
            actor_role: actor.role.clone(),
            action: "link_family".to_owned(),
            from_status: Some(crate::Wire(status)),
            to_status: crate::Wire(status),
            reason: None,
            details: serde_json::json!({ "family_id": family }),
            request_id: actor.request_id.clone(),
        })
        .execute(conn)
        .await?;
    Ok(Some((child, version)))
}

/// The family and zone of an adult member (`None` for a child member or an
/// unknown id).
///
/// # Errors
/// Database failures.
pub async fn adult_family(
    conn: &mut AsyncPgConnection,
    member: Uuid,
) -> StoreResult<Option<(Uuid, Uuid)>> {
    Ok(family_members::table
        .inner_join(families::table)
        .filter(family_members::id.eq(member))
        .filter(family_members::kind.eq("adult"))
        .select((families::id, families::zone_id))
        .first(conn)
        .await
        .optional()?)
}

/// The families of a referral: the one it belongs to and those its child
/// is a member of.
///
/// # Errors
/// Database failures.
pub async fn referral_families(
    conn: &mut AsyncPgConnection,
    referral: Uuid,
) -> StoreResult<Vec<Uuid>> {
    let Some((family, child)) = referrals::table
        .find(referral)
        .select((referrals::family_id, referrals::child_id))
        .first::<(Option<Uuid>, Uuid)>(conn)
        .await
        .optional()?
    else {
        return Ok(Vec::new());
    };
    let mut out: Vec<Uuid> = family_members::table
        .filter(family_members::child_id.eq(child))
        .select(family_members::family_id)
        .load(conn)
        .await?;
    out.extend(family);
    Ok(out)
}
