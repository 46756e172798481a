//! The erasure and export of an adult family member, driven by the
//! personal-data map: every `Adult` column of [`map::ADULT_TABLES`] in the
//! rows tied to the adult. The adult's rows stay (the family keeps its
//! shape: a parent or carer of whom); what identifies or reaches them goes.

use super::apply::scalar_set;
use super::map::{self, PersonalColumn, Whose};
use super::ErasureError;
use crate::audit::{self, NewAuditEvent};
use crate::schema::family_members;
use crate::{Actor, StoreResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Jsonb, Text, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::retention::ANONYMISED;
use serde_json::Value;
use uuid::Uuid;

fn about_the_adult(table: &str) -> Vec<&'static PersonalColumn> {
    map::PERSONAL
        .iter()
        .filter(|p| p.table == table && p.whose == Whose::Adult)
        .collect()
}

/// Anonymises an adult member of `family` in one transaction with its
/// audit row: `NotFound` when there is no such adult in the family,
/// `AlreadyErased` when done before. Answers when it was done.
///
/// # Errors
/// `NotFound`, `AlreadyErased`, or a storage failure.
pub async fn erase_adult(
    c: &mut AsyncPgConnection,
    family: Uuid,
    member: Uuid,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ErasureError> {
    c.transaction(async |t| {
        let found: Option<DateTime<Utc>> = family_members::table
            .filter(family_members::id.eq(member))
            .filter(family_members::family_id.eq(family))
            .filter(family_members::kind.eq("adult"))
            .for_update()
            .select(family_members::anonymised_at)
            .first(t)
            .await?;
        if let Some(at) = found {
            return Err(ErasureError::AlreadyErased(at));
        }
        for tb in map::ADULT_TABLES {
            let sets: Vec<String> = about_the_adult(tb.name)
                .into_iter()
                .filter_map(scalar_set)
                .collect();
            if sets.is_empty() {
                continue;
            }
            // `$1` the adult, `$3` the marker (`$2` and `$4` are unused
            // here: the child's UPN and stand-in UPN of a child's erasure).
            diesel::sql_query(format!(
                "UPDATE {} SET {} WHERE {}",
                tb.name,
                sets.join(", "),
                tb.link
            ))
            .bind::<SqlUuid, _>(member)
            .bind::<Text, _>("")
            .bind::<Text, _>(ANONYMISED)
            .bind::<Text, _>(ANONYMISED)
            .execute(t)
            .await?;
        }
        diesel::update(family_members::table.find(member))
            .set((
                family_members::anonymised_at.eq(now),
                family_members::updated_at.eq(now),
                family_members::version.eq(family_members::version + 1),
            ))
            .execute(t)
            .await?;
        audit::record(
            t,
            &[
                NewAuditEvent::new(
                    actor,
                    "erase_family_member",
                    Some(("family_member", member.to_string())),
                    200,
                    now,
                ),
                NewAuditEvent::new(
                    actor,
                    "erase_family_member",
                    Some(("family", family.to_string())),
                    200,
                    now,
                ),
            ],
        )
        .await?;
        Ok(now)
    })
    .await
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    k: String,
    #[diesel(sql_type = Jsonb)]
    v: Value,
}

/// Every mapped column about the adult, table by table: `(table, [(key,
/// {column: value})])`.
///
/// # Errors
/// Database failures.
pub async fn held_about_adult(
    c: &mut AsyncPgConnection,
    member: Uuid,
) -> StoreResult<Vec<(&'static str, Vec<(String, Value)>)>> {
    let mut out = Vec::new();
    for tb in map::ADULT_TABLES {
        let cols = about_the_adult(tb.name);
        if cols.is_empty() {
            continue;
        }
        let object = cols
            .iter()
            .map(|p| format!("'{0}', {0}", p.column))
            .collect::<Vec<_>>()
            .join(", ");
        let rows: Vec<Row> = diesel::sql_query(format!(
            "SELECT {k} AS k, jsonb_build_object({object}) AS v FROM {t} WHERE ({l}) ORDER BY 1",
            k = tb.key,
            t = tb.name,
            l = tb.link
        ))
        .bind::<SqlUuid, _>(member)
        .load(c)
        .await?;
        if !rows.is_empty() {
            out.push((tb.name, rows.into_iter().map(|r| (r.k, r.v)).collect()));
        }
    }
    Ok(out)
}
