//! A family's members: children (linked to the LA's child record) and
//! adults (role, contact details, preferred contact and language,
//! interpreter need, safe-contact notes, relationship to each child member),
//! with the erasure and the export of an adult's personal data.

use crate::features::data_protection::{DataCategory, DataSubject, HeldColumn, HeldRow, HeldTable};
use crate::features::families::dto::AdultErased;
use crate::features::families::dto::AdultExport;
use crate::features::families::dto::Member;
use crate::features::families::dto::MemberInput;
use crate::features::families::dto::MemberKind;
use crate::features::families::dto::MemberList;
use crate::features::families::dto::RelationshipEntry;
use crate::features::families::view::about_all;
use crate::features::families::view::family_in_view;
use crate::features::families::view::note_all;
use crate::features::families::view::visible_members;
use crate::features::families::view::writable_family;
use crate::features::families::view::Subjects;
use crate::features::families::view::View;
use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::EVERY_ROLE;
use crate::http::audit::actor;
use crate::http::auth::Caller;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::RequestId;
use crate::http::respond::ok;
use crate::http::respond::stale;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::wire::WireName;
use crate::http::write::write;
use crate::http::write::write_with_own_audit;
use crate::http::write::Written;
use actix_web::delete;
use actix_web::get;
use actix_web::post;
use actix_web::put;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_domain::Role;
use sct_persistence::data_protection::adults;
use sct_persistence::data_protection::ErasureError;
use sct_persistence::families as repo;
use sct_persistence::families::MemberChange;
use sct_persistence::families::MemberRow;
use sct_persistence::families::RelationshipRow;
use sct_persistence::organisation;
use sct_persistence::Connection;
use sct_persistence::StoreError;
use std::collections::HashSet;
use uuid::Uuid;

/// Whether `s` is a phone number: digits, spaces, `+` (first only), `-`,
/// `(` and `)`, with 7 to 15 digits.
fn is_phone(s: &str) -> bool {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && s.char_indices().all(|(i, c)| {
            c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0)
        })
}

/// Whether `s` is an email address: one `@`, a local part, a dotted domain,
/// no spaces.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

fn err(field: &str, code: &str, message: &str) -> FieldError {
    FieldError::new(field.to_owned(), code, message)
}

/// Checks a member's body against the family (in the write's transaction):
/// the change to write and the adult's relationships. `current` is the
/// member being changed, if any.
async fn checked(
    conn: &mut Connection,
    family: Uuid,
    b: &MemberInput,
    current: Option<&MemberRow>,
) -> Result<(MemberChange, Vec<RelationshipEntry>), ApiError> {
    validate(b)?;
    let mut errors = Vec::new();
    if let Some(cur) = current {
        if cur.kind != b.kind.as_str() {
            errors.push(err("kind", "kind_change", "a member's kind cannot change"));
        }
        if b.child_id.is_some() && b.child_id != cur.child_id {
            errors.push(err(
                "child_id",
                "child_change",
                "a child member's child cannot change; add the other child instead",
            ));
        }
    }
    let adult_fields = [
        ("role", b.role.is_some()),
        ("given_name", b.given_name.is_some()),
        ("family_name", b.family_name.is_some()),
        ("phone", b.phone.is_some()),
        ("email", b.email.is_some()),
        ("address", b.address.is_some()),
        (
            "preferred_contact_method",
            b.preferred_contact_method.is_some(),
        ),
        ("preferred_language", b.preferred_language.is_some()),
        ("interpreter_needed", b.interpreter_needed.is_some()),
        ("safe_contact_notes", b.safe_contact_notes.is_some()),
        ("relationships", !b.relationships.is_empty()),
    ];
    match b.kind {
        MemberKind::Child => {
            for (f, given) in adult_fields {
                if given {
                    errors.push(err(f, "not_for_child", "only an adult member has this"));
                }
            }
            match (b.child_id, current) {
                (None, None) => errors.push(err(
                    "child_id",
                    "required",
                    "name the LA's child record (`child.id` of a referral)",
                )),
                (Some(c), None) if repo::child_names(conn, &[c]).await?.is_empty() => {
                    errors.push(err("child_id", "unknown_child", "no such child"));
                }
                _ => {}
            }
            if let Some(u) = &b.school_urn {
                match organisation::get_school(conn, u).await {
                    Ok(_) => {}
                    Err(StoreError::NotFound) => {
                        errors.push(err("school_urn", "unknown_school", "no such school"));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        MemberKind::Adult => {
            if b.child_id.is_some() || b.school_urn.is_some() {
                errors.push(err(
                    "child_id",
                    "not_for_adult",
                    "only a child member has a child record and a school",
                ));
            }
            for (f, given) in [
                ("role", b.role.is_some()),
                ("given_name", b.given_name.is_some()),
                ("family_name", b.family_name.is_some()),
            ] {
                if !given {
                    errors.push(err(f, "required", "an adult member needs it"));
                }
            }
            if b.phone.as_deref().is_some_and(|p| !is_phone(p)) {
                errors.push(err(
                    "phone",
                    "invalid_phone",
                    "not a phone number: digits, spaces, +, - and brackets, 7 to 15 digits",
                ));
            }
            if b.email.as_deref().is_some_and(|e| !is_email(e)) {
                errors.push(err("email", "invalid_email", "not an email address"));
            }
            let (rows, _) = repo::members(conn, family).await?;
            let children: HashSet<Uuid> = rows
                .iter()
                .filter(|m| m.kind == "child")
                .map(|m| m.id)
                .collect();
            let mut seen = HashSet::new();
            for (i, r) in b.relationships.iter().enumerate() {
                if !children.contains(&r.child_member_id) {
                    errors.push(err(
                        &format!("relationships[{i}].child_member_id"),
                        "not_a_member",
                        "not a child member of this family",
                    ));
                } else if !seen.insert(r.child_member_id) {
                    errors.push(err(
                        &format!("relationships[{i}].child_member_id"),
                        "duplicate",
                        "one relationship per child",
                    ));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let trim = |s: &Option<String>| s.as_ref().map(|v| v.trim().to_owned());
    Ok((
        MemberChange {
            school_urn: b.school_urn.clone(),
            role: b.role.map(|r| r.as_str().to_owned()),
            given_name: trim(&b.given_name),
            family_name: trim(&b.family_name),
            phone: trim(&b.phone),
            email: trim(&b.email),
            address: trim(&b.address),
            preferred_contact_method: b.preferred_contact_method.map(|c| c.as_str().to_owned()),
            preferred_language: trim(&b.preferred_language),
            interpreter_needed: b.interpreter_needed.unwrap_or(false),
            safe_contact_notes: b.safe_contact_notes.clone(),
        },
        b.relationships.clone(),
    ))
}

fn relationship_rows(adult: Uuid, rels: &[RelationshipEntry]) -> Vec<RelationshipRow> {
    rels.iter()
        .map(|r| RelationshipRow {
            adult_member_id: adult,
            child_member_id: r.child_member_id,
            relationship: r.relationship.as_str().to_owned(),
            parental_responsibility: r.parental_responsibility,
        })
        .collect()
}

/// 409 when the member is in the family already: the same child, or an
/// adult of the same names (not erased).
fn added_twice(rows: &[MemberRow], b: &MemberInput, except: Option<Uuid>) -> Result<(), ApiError> {
    let same = |a: &Option<String>, z: &Option<String>| {
        a.as_deref().map(|s| s.trim().to_lowercase())
            == z.as_deref().map(|s| s.trim().to_lowercase())
    };
    let twice = rows
        .iter()
        .filter(|m| Some(m.id) != except)
        .any(|m| match b.kind {
            MemberKind::Child => m.child_id.is_some() && m.child_id == b.child_id,
            MemberKind::Adult => {
                m.kind == "adult"
                    && m.anonymised_at.is_none()
                    && same(&m.given_name, &b.given_name)
                    && same(&m.family_name, &b.family_name)
            }
        });
    if twice {
        return Err(ApiError::new(
            ErrorCode::AlreadyExists,
            "the member is in the family already; change that member instead",
        ));
    }
    Ok(())
}

/// One member as `view` sees it, with the subject it shows.
async fn one_member(
    conn: &mut Connection,
    family: Uuid,
    id: Uuid,
    view: &View,
) -> Result<(Member, Subjects), ApiError> {
    let refs = repo::referrals_of(conn, family).await?;
    let (members, subjects) = visible_members(conn, family, view, &refs).await?;
    let m = members
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(ApiError::not_found)?;
    let mine = subjects
        .into_iter()
        .filter(|(k, s)| *s == id || (*k == "child" && Some(*s) == m.child_id))
        .collect();
    Ok((m, mine))
}

/// Add a member to a family.
#[utoipa::path(
    tag = "Families",
    summary = "Add a child or an adult to a family",
    operation_id = "add_family_member",
    description = "A child (`kind: child`): the LA's child record (`child_id`, as `child.id` of a referral) and the school or setting they attend. An adult (`kind: adult`): role (parent, carer, other), names, phone, email, address, preferred contact method and language, interpreter need, safe-contact notes (what must never be disclosed to whom: staff only), and their relationship to each child member with parental responsibility. la_admin, or a manager or practitioner of the family's zone's team; another zone's family answers 404. 422: `not_a_member` (a relationship to a child who is not a member), `invalid_phone`, `invalid_email`, `unknown_child`, `unknown_school`, `required`, `not_for_child`, `not_for_adult`. 409 `already_exists` when the child (or an adult of the same names) is a member already.",
    params(("id" = Uuid, Path, description = "Family id")),
    request_body(content = MemberInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The member", body = Member, headers(("Location" = String, description = "URL of the member"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/families/{id}/members")]
pub async fn add_family_member(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<MemberInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, crate::http::access::STAFF)?;
    let b = body.0;
    let family = id.into_inner();
    let reach = reach_of(&caller, &state.db).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            writable_family(conn, &reach, family).await?;
            let (c, rels) = checked(conn, family, &b, None).await?;
            let (rows, _) = repo::members(conn, family).await?;
            added_twice(&rows, &b, None)?;
            let now = sct_persistence::now();
            let row = MemberRow {
                id: Uuid::now_v7(),
                family_id: family,
                kind: b.kind.as_str().to_owned(),
                child_id: b.child_id,
                school_urn: c.school_urn,
                role: c.role,
                given_name: c.given_name,
                family_name: c.family_name,
                phone: c.phone,
                email: c.email,
                address: c.address,
                preferred_contact_method: c.preferred_contact_method,
                preferred_language: c.preferred_language,
                interpreter_needed: c.interpreter_needed,
                safe_contact_notes: c.safe_contact_notes,
                version: 1,
                created_at: now,
                updated_at: now,
                anonymised_at: None,
            };
            let m = repo::add_member(conn, &row, &relationship_rows(row.id, &rels)).await?;
            let (out, subjects) = one_member(conn, family, m.id, &View::All).await?;
            let w = Written::created(
                format!("/api/v1/families/{family}/members/{}", m.id),
                m.version,
                &out,
            )
            .about("family_member", &m.id)
            .about("family", &family);
            Ok(about_all(w, &subjects))
        })
    })
    .await
}

/// List a family's members.
#[utoipa::path(
    tag = "Families",
    summary = "List a family's members",
    operation_id = "list_family_members",
    description = "The members the caller may see, as on the family's page (children first). Readers as for the family's page.",
    params(("id" = Uuid, Path, description = "Family id")),
    responses(
        (status = 200, description = "The members", body = MemberList),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/families/{id}/members")]
pub async fn list_family_members(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let (f, view) = family_in_view(&mut conn, &reach, id.into_inner()).await?;
    let refs = repo::referrals_of(&mut conn, f.id).await?;
    let (items, subjects) = visible_members(&mut conn, f.id, &view, &refs).await?;
    note_all(&req, &subjects);
    Ok(HttpResponse::Ok().json(MemberList { items }))
}

/// Read a family member.
#[utoipa::path(
    tag = "Families",
    summary = "Read a family member",
    operation_id = "get_family_member",
    description = "One member, as on the family's page; one the caller may not see answers 404.",
    params(("id" = Uuid, Path, description = "Family id"), ("member_id" = Uuid, Path, description = "Member id")),
    responses(
        (status = 200, description = "The member", body = Member, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/families/{id}/members/{member_id}")]
pub async fn get_family_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, EVERY_ROLE)?;
    let (family, member) = path.into_inner();
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let (f, view) = family_in_view(&mut conn, &reach, family).await?;
    let (m, subjects) = one_member(&mut conn, f.id, member, &view).await?;
    note_all(&req, &subjects);
    Ok(ok(m.version, &m))
}

/// Change a family member.
#[utoipa::path(
    tag = "Families",
    summary = "Change a family member",
    operation_id = "update_family_member",
    description = "Replaces what the member records (an adult's relationships too), with If-Match on the member (428 without, 412 when stale). Its kind and child cannot change. Writers and refusals as for adding one.",
    params(("id" = Uuid, Path, description = "Family id"), ("member_id" = Uuid, Path, description = "Member id"), ("If-Match" = String, Header, description = "The member's ETag as last read")),
    request_body(content = MemberInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The member", body = Member, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[put("/families/{id}/members/{member_id}")]
pub async fn update_family_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<MemberInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, crate::http::access::STAFF)?;
    let (family, member) = path.into_inner();
    let b = body.0;
    let reach = reach_of(&caller, &state.db).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            writable_family(conn, &reach, family).await?;
            let current = repo::member(conn, family, member).await?;
            let version = if_match.required()?;
            let (c, rels) = checked(conn, family, &b, Some(&current)).await?;
            let (rows, _) = repo::members(conn, family).await?;
            added_twice(&rows, &b, Some(member))?;
            let m =
                repo::update_member(conn, member, version, &c, &relationship_rows(member, &rels))
                    .await?
                    .ok_or_else(stale)?;
            let (out, subjects) = one_member(conn, family, m.id, &View::All).await?;
            Ok(about_all(Written::ok(m.version, &out), &subjects).about("family", &family))
        })
    })
    .await
}

/// Remove a family member.
#[utoipa::path(
    tag = "Families",
    summary = "Remove a family member",
    operation_id = "remove_family_member",
    description = "Removes the member and every relationship naming them, with If-Match on the member (428 without, 412 when stale). A child's referrals stay linked to the family. Writers as for adding one.",
    params(("id" = Uuid, Path, description = "Family id"), ("member_id" = Uuid, Path, description = "Member id"), ("If-Match" = String, Header, description = "The member's ETag as last read")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[delete("/families/{id}/members/{member_id}")]
pub async fn remove_family_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, crate::http::access::STAFF)?;
    let (family, member) = path.into_inner();
    let reach = reach_of(&caller, &state.db).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            writable_family(conn, &reach, family).await?;
            repo::member(conn, family, member).await?;
            let version = if_match.required()?;
            if !repo::remove_member(conn, member, version).await? {
                return Err(stale());
            }
            Ok(Written::no_content())
        })
    })
    .await
}

/// Erase an adult family member's personal data.
#[utoipa::path(
    tag = "Data protection",
    summary = "Erase an adult family member's personal data",
    operation_id = "erase_family_member",
    description = "Anonymises every column of the personal-data map about the adult (docs/data-protection.md): names, phone, email, address, preferred language and safe-contact notes `[anonymised]`, preferred contact method cleared; their role, interpreter need and relationships stay (the family keeps its shape). One transaction with its audit rows. 409 `already_erased` when done before; 404 when the family has no such adult. la_admin only.",
    params(("id" = Uuid, Path, description = "Family id"), ("member_id" = Uuid, Path, description = "The adult member's id")),
    responses(
        (status = 200, description = "Erased", body = AdultErased),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/families/{id}/members/{member_id}/erase")]
pub async fn erase_family_member(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    path: web::Path<(Uuid, Uuid)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, &[Role::LaAdmin])?;
    let (family, member) = path.into_inner();
    let actor = actor(&caller, &rid);
    write_with_own_audit(&state, &req, move |conn| {
        Box::pin(async move {
            let at = adults::erase_adult(conn, family, member, &actor, sct_persistence::now())
                .await
                .map_err(|e| match e {
                    ErasureError::AlreadyErased(at) => ApiError::new(
                        ErrorCode::AlreadyErased,
                        format!("the adult's personal data was erased at {at}"),
                    ),
                    ErasureError::Store(s) => s.into(),
                    _ => ApiError::not_found(),
                })?;
            Ok(Written::json(
                actix_web::http::StatusCode::OK,
                &AdultErased {
                    member_id: member,
                    anonymised_at: at,
                },
            ))
        })
    })
    .await
}

/// Export an adult family member's personal data.
#[utoipa::path(
    tag = "Data protection",
    summary = "Export what is held about an adult family member",
    operation_id = "export_family_member",
    description = "Subject access: every column of the personal-data map about the adult, table by table (their member record and their relationships). 404 when the family has no such adult. la_admin only; the read is audited.",
    params(("id" = Uuid, Path, description = "Family id"), ("member_id" = Uuid, Path, description = "The adult member's id")),
    responses(
        (status = 200, description = "What is held", body = AdultExport),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/families/{id}/members/{member_id}/export")]
pub async fn export_family_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, &[Role::LaAdmin])?;
    let (family, member) = path.into_inner();
    let mut conn = state.db.conn().await?;
    let m = repo::member(&mut conn, family, member).await?;
    if m.kind != "adult" {
        return Err(ApiError::not_found());
    }
    let held = adults::held_about_adult(&mut conn, member).await?;
    let held = held
        .into_iter()
        .map(|(table, rows)| HeldTable {
            table: table.to_owned(),
            columns: sct_persistence::data_protection::map::PERSONAL
                .iter()
                .filter(|p| p.table == table)
                .map(|p| HeldColumn {
                    column: p.column.to_owned(),
                    whose: DataSubject::from(p.whose),
                    category: DataCategory::from(p.category),
                })
                .collect(),
            truncated: false,
            rows: rows
                .into_iter()
                .map(|(key, values)| HeldRow {
                    key,
                    values: match values {
                        serde_json::Value::Object(m) => {
                            m.into_iter().filter(|(_, v)| !v.is_null()).collect()
                        }
                        _ => std::collections::BTreeMap::new(),
                    },
                })
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(AdultExport {
        member_id: member,
        held,
    }))
}
