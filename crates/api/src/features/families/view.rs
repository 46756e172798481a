//! What of a family a caller sees: the view of the caller (la_admin, the
//! zone's team, a school of one of the family's referrals), the family's
//! page and its members as seen, and the subjects of the audit rows.

use crate::features::families::dto::AdultRole;
use crate::features::families::dto::ContactMethod;
use crate::features::families::dto::Family;
use crate::features::families::dto::FamilyReferral as FamilyReferralOut;
use crate::features::families::dto::FamilyStatus;
use crate::features::families::dto::Member;
use crate::features::families::dto::MemberKind;
use crate::features::families::dto::ReferralElsewhere;
use crate::features::families::dto::Relationship;
use crate::features::families::dto::RelationshipEntry;
use crate::http::audit::note;
use crate::http::error::ApiError;
use crate::http::wire::WireName;
use crate::http::write::Written;
use actix_web::HttpRequest;
use sct_persistence::families as repo;
use sct_persistence::families::FamilyReferral;
use sct_persistence::families::FamilyRow;
use sct_persistence::families::MemberRow;
use sct_persistence::families::RelationshipRow;
use sct_persistence::termly::Reach;
use sct_persistence::Connection;
use std::collections::HashMap;
use std::collections::HashSet;
use uuid::Uuid;

/// The children and adults a family's page or member shows.
pub(crate) type Subjects = Vec<(&'static str, Uuid)>;

/// Names each subject of a read for its audit rows.
pub(crate) fn note_all(req: &HttpRequest, subjects: &Subjects) {
    for (kind, id) in subjects {
        note(req, kind, id);
    }
}

/// Names each subject of a write for its audit rows.
pub(crate) fn about_all(w: Written, subjects: &Subjects) -> Written {
    subjects.iter().fold(w, |w, (kind, id)| w.about(kind, id))
}

/// How much of a family the caller sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum View {
    /// la_admin: everything.
    All,
    /// A team's staff of the family's zone: the family, its members, its
    /// referrals in their zone in full and the others by id.
    Zone(Uuid),
    /// A school or its MIS, of a family one of its referrals belongs to:
    /// its own children and referrals, the adults without safe-contact notes.
    Schools(Vec<String>),
}

impl View {
    /// Staff see the LA's child record and adults' safe-contact notes.
    pub(crate) fn is_staff(&self) -> bool {
        !matches!(self, View::Schools(_))
    }
}

/// The family, when the caller may see it (404 otherwise).
pub(crate) async fn family_in_view(
    conn: &mut Connection,
    reach: &Reach,
    id: Uuid,
) -> Result<(FamilyRow, View), ApiError> {
    let f = repo::get(conn, id).await?;
    let view = match reach {
        Reach::All => View::All,
        Reach::Zone(z) if *z == f.zone_id => View::Zone(*z),
        Reach::Schools(urns) if repo::referred_by(conn, f.id, urns).await? => {
            View::Schools(urns.clone())
        }
        _ => return Err(ApiError::not_found()),
    };
    Ok((f, view))
}

/// The family, when the caller (staff: checked by the handler) may change
/// it (404 otherwise).
pub(crate) async fn writable_family(
    conn: &mut Connection,
    reach: &Reach,
    id: Uuid,
) -> Result<FamilyRow, ApiError> {
    match family_in_view(conn, reach, id).await? {
        (f, View::All | View::Zone(_)) => Ok(f),
        (_, View::Schools(_)) => Err(ApiError::not_found()),
    }
}

/// The family's page as `view` sees it, with the children and adults it
/// shows (the subjects of the read's or write's audit rows).
pub(crate) async fn page(
    conn: &mut Connection,
    f: FamilyRow,
    view: &View,
) -> Result<(Family, Subjects), ApiError> {
    let all = repo::referrals_of(conn, f.id).await?;
    let (members, subjects) = visible_members(conn, f.id, view, &all).await?;
    let mut referrals = Vec::new();
    let mut referrals_elsewhere = Vec::new();
    for r in all {
        let full = match view {
            View::All => true,
            View::Zone(z) => r.zone_id == Some(*z),
            View::Schools(urns) => urns.contains(&r.school_urn),
        };
        if full {
            referrals.push(FamilyReferralOut {
                id: r.id,
                reference: r.reference,
                status: r.status,
                school_urn: r.school_urn,
                zone_id: r.zone_id,
                child_id: r.child_id,
                created_at: r.created_at,
            });
        } else if matches!(view, View::Zone(_)) {
            referrals_elsewhere.push(ReferralElsewhere {
                id: r.id,
                zone_id: r.zone_id,
            });
        }
    }
    Ok((
        Family {
            id: f.id,
            zone_id: f.zone_id,
            status: FamilyStatus::parse(&f.status).unwrap_or(FamilyStatus::Open),
            members,
            referrals,
            referrals_elsewhere,
            version: f.version,
            created_at: f.created_at,
            updated_at: f.updated_at,
        },
        subjects,
    ))
}

/// The members of a family as `view` sees them (children first). For a
/// school: its own children only (a member at one of its schools, or the
/// child of one of its referrals), no child's names, no safe-contact notes.
/// Every child and adult shown is a subject of the read's audit rows.
pub(crate) async fn visible_members(
    conn: &mut Connection,
    family: Uuid,
    view: &View,
    referrals: &[FamilyReferral],
) -> Result<(Vec<Member>, Subjects), ApiError> {
    let mut subjects = Subjects::new();
    let (rows, rels) = repo::members(conn, family).await?;
    let shown: HashSet<Uuid> = rows
        .iter()
        .filter(|m| m.kind == "child")
        .filter(|m| match view {
            View::Schools(urns) => {
                m.school_urn.as_ref().is_some_and(|u| urns.contains(u))
                    || referrals
                        .iter()
                        .any(|r| Some(r.child_id) == m.child_id && urns.contains(&r.school_urn))
            }
            _ => true,
        })
        .map(|m| m.id)
        .collect();
    let names: HashMap<Uuid, repo::ChildNames> = if view.is_staff() {
        let ids: Vec<Uuid> = rows.iter().filter_map(|m| m.child_id).collect();
        repo::child_names(conn, &ids).await?.into_iter().collect()
    } else {
        HashMap::new()
    };
    let mut out: Vec<Member> = Vec::new();
    for kind in ["child", "adult"] {
        for m in rows.iter().filter(|m| m.kind == kind) {
            if kind == "child" && !shown.contains(&m.id) {
                continue;
            }
            let mine: Vec<&RelationshipRow> = rels
                .iter()
                .filter(|r| r.adult_member_id == m.id && shown.contains(&r.child_member_id))
                .collect();
            let child = m.child_id.and_then(|c| names.get(&c));
            match m.child_id {
                Some(c) if view.is_staff() => subjects.push(("child", c)),
                Some(_) => {}
                None => subjects.push(("family_member", m.id)),
            }
            out.push(member_out(m, child, &mine, view.is_staff()));
        }
    }
    Ok((out, subjects))
}

fn member_out(
    m: &MemberRow,
    child: Option<&repo::ChildNames>,
    rels: &[&RelationshipRow],
    staff: bool,
) -> Member {
    let adult = m.kind == "adult";
    Member {
        id: m.id,
        kind: if adult {
            MemberKind::Adult
        } else {
            MemberKind::Child
        },
        child_id: m.child_id,
        school_urn: m.school_urn.clone(),
        role: m.role.as_deref().and_then(AdultRole::parse),
        given_name: child.map_or_else(|| m.given_name.clone(), |c| Some(c.given_name.clone())),
        family_name: child.map_or_else(|| m.family_name.clone(), |c| Some(c.family_name.clone())),
        date_of_birth: child.map(|c| c.date_of_birth),
        phone: m.phone.clone(),
        email: m.email.clone(),
        address: m.address.clone(),
        preferred_contact_method: m
            .preferred_contact_method
            .as_deref()
            .and_then(ContactMethod::parse),
        preferred_language: m.preferred_language.clone(),
        interpreter_needed: adult.then_some(m.interpreter_needed),
        safe_contact_notes: if staff {
            m.safe_contact_notes.clone()
        } else {
            None
        },
        relationships: rels
            .iter()
            .map(|r| RelationshipEntry {
                child_member_id: r.child_member_id,
                relationship: Relationship::parse(&r.relationship).unwrap_or(Relationship::Other),
                parental_responsibility: r.parental_responsibility,
            })
            .collect(),
        anonymised_at: m.anonymised_at,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}
