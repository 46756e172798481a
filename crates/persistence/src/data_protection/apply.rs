//! The personal-data map applied: anonymising every mapped column of the
//! rows linked to one child, and reading them all for the subject access
//! export. Nothing here names a table or column: it all comes from
//! [`super::map`].

use super::map::{self, PersonalColumn, Treatment, Whose};
use crate::models::ChildRow;
use crate::StoreResult;
use diesel::sql_types::{Jsonb, Text, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::retention::{anonymised_upn, ANONYMISED};
use serde_json::Value;
use uuid::Uuid;

/// At most this many rows of one table in a subject access export; the
/// table says `truncated` when there were more (docs/data-protection.md).
pub const EXPORT_ROWS_PER_TABLE: i64 = 500;

/// The columns of `table` about the child or the child's family, in map
/// order.
fn about_the_family(table: &str) -> Vec<&'static PersonalColumn> {
    map::PERSONAL
        .iter()
        .filter(|p| p.table == table && matches!(p.whose, Whose::Child | Whose::Adult))
        .collect()
}

/// The SQL that sets a column under a scalar treatment (`$3` is the
/// `[anonymised]` marker, `$4` the stand-in UPN), or `None`.
pub(super) fn scalar_set(p: &PersonalColumn) -> Option<String> {
    let c = p.column;
    Some(match p.treatment {
        Treatment::Redact => format!("{c} = CASE WHEN {c} IS NULL THEN NULL ELSE $3 END"),
        Treatment::Clear => format!("{c} = NULL"),
        Treatment::Upn => format!("{c} = CASE WHEN {c} IS NULL THEN NULL ELSE $4 END"),
        // 1 September that starts the cohort's school year, as
        // `sct_domain::retention::anonymised_date_of_birth`.
        Treatment::BirthDate => format!(
            "{c} = make_date(CASE WHEN extract(month FROM {c}) >= 9 \
             THEN extract(year FROM {c})::int ELSE extract(year FROM {c})::int - 1 END, 9, 1)"
        ),
        Treatment::JsonValues
        | Treatment::JsonKeys { .. }
        | Treatment::DeleteRowsNaming
        | Treatment::Kept(_) => return None,
    })
}

/// Every leaf of a JSON value replaced by the marker (nulls stay null).
fn redact_leaves(v: &mut Value) {
    match v {
        Value::Null => {}
        Value::Array(items) => items.iter_mut().for_each(redact_leaves),
        Value::Object(m) => m.values_mut().for_each(redact_leaves),
        leaf => *leaf = Value::String(ANONYMISED.to_owned()),
    }
}

/// The values of `keys`, at any depth, redacted (or nulled when `clear`).
fn redact_keys(v: &mut Value, keys: &[&str], clear: bool) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| redact_keys(i, keys, clear)),
        Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                if keys.contains(&k.as_str()) {
                    if clear {
                        *val = Value::Null;
                    } else if !val.is_null() {
                        redact_leaves(val);
                    }
                } else {
                    redact_keys(val, keys, clear);
                }
            }
        }
        _ => {}
    }
}

#[derive(QueryableByName)]
struct KeyedJson {
    #[diesel(sql_type = Text)]
    k: String,
    #[diesel(sql_type = Jsonb)]
    v: Value,
}

/// Anonymises, table by table as the map says, every row linked to the
/// child, inside the caller's transaction. `child` is the record as read
/// before (its UPN finds the rows that name it).
pub(super) async fn anonymise(
    c: &mut AsyncPgConnection,
    child: &ChildRow,
    referral_ids: &[Uuid],
) -> StoreResult<()> {
    let stand_in = anonymised_upn(child.id.as_u128());
    for t in map::TABLES {
        let cols = about_the_family(t.name);
        let sets: Vec<String> = cols.iter().filter_map(|p| scalar_set(p)).collect();
        if !sets.is_empty() {
            diesel::sql_query(format!(
                "UPDATE {} SET {} WHERE {}",
                t.name,
                sets.join(", "),
                t.link
            ))
            .bind::<SqlUuid, _>(child.id)
            .bind::<Text, _>(&child.upn)
            .bind::<Text, _>(ANONYMISED)
            .bind::<Text, _>(&stand_in)
            .execute(c)
            .await?;
        }
        for p in &cols {
            match p.treatment {
                Treatment::JsonValues | Treatment::JsonKeys { .. } => {}
                Treatment::DeleteRowsNaming => {
                    delete_rows_naming(c, p, child, referral_ids).await?;
                    continue;
                }
                _ => continue,
            }
            // Locked, so that each row keeps its ctid until it is written.
            let rows: Vec<KeyedJson> = diesel::sql_query(format!(
                "SELECT ctid::text AS k, {c} AS v FROM {t} WHERE ({l}) AND {c} IS NOT NULL FOR UPDATE",
                c = p.column,
                t = t.name,
                l = t.link
            ))
            .bind::<SqlUuid, _>(child.id)
            .bind::<Text, _>(&child.upn)
            .load(c)
            .await?;
            for mut row in rows {
                match p.treatment {
                    Treatment::JsonKeys { keys, clear } => redact_keys(&mut row.v, keys, clear),
                    _ => redact_leaves(&mut row.v),
                }
                diesel::sql_query(format!(
                    "UPDATE {} SET {} = $2 WHERE ctid = $1::tid",
                    t.name, p.column
                ))
                .bind::<Text, _>(&row.k)
                .bind::<Jsonb, _>(&row.v)
                .execute(c)
                .await?;
            }
        }
    }
    Ok(())
}

/// Deletes the rows whose column (bytes or text) names the child, its UPN
/// or one of its referrals: stored answers of writes.
async fn delete_rows_naming(
    c: &mut AsyncPgConnection,
    p: &PersonalColumn,
    child: &ChildRow,
    referral_ids: &[Uuid],
) -> StoreResult<()> {
    let mut needles: Vec<String> = referral_ids.iter().map(ToString::to_string).collect();
    needles.push(child.id.to_string());
    needles.push(child.upn.clone());
    diesel::sql_query(format!(
        "DELETE FROM {t} WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) n \
         WHERE position(convert_to(n, 'UTF8') in {c}) > 0)",
        t = p.table,
        c = p.column
    ))
    .bind::<diesel::sql_types::Array<Text>, _>(&needles)
    .execute(c)
    .await?;
    Ok(())
}

/// The rows of one table held about a child, as the export shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldTable {
    pub table: &'static str,
    /// The mapped columns shown, with whose and category.
    pub columns: Vec<&'static PersonalColumn>,
    /// `(row key, {column: value})`, at most [`EXPORT_ROWS_PER_TABLE`].
    pub rows: Vec<(String, Value)>,
    /// More rows were held than shown.
    pub truncated: bool,
}

#[derive(QueryableByName)]
struct ExportRow {
    #[diesel(sql_type = Text)]
    k: String,
    #[diesel(sql_type = Jsonb)]
    v: Value,
}

/// Every mapped column about the child or their family, table by table,
/// in the rows linked to the child.
pub(super) async fn held(
    c: &mut AsyncPgConnection,
    child: &ChildRow,
) -> StoreResult<Vec<HeldTable>> {
    let mut out = Vec::new();
    for t in map::TABLES {
        let cols: Vec<&'static PersonalColumn> = about_the_family(t.name)
            .into_iter()
            .filter(|p| p.treatment != Treatment::DeleteRowsNaming)
            .collect();
        if cols.is_empty() {
            continue;
        }
        let object = cols
            .iter()
            .map(|p| format!("'{0}', {0}", p.column))
            .collect::<Vec<_>>()
            .join(", ");
        let mut rows: Vec<ExportRow> = diesel::sql_query(format!(
            "SELECT {k} AS k, jsonb_build_object({object}) AS v FROM {t} \
             WHERE ({l}) ORDER BY 1 LIMIT $3",
            k = t.key,
            t = t.name,
            l = t.link
        ))
        .bind::<SqlUuid, _>(child.id)
        .bind::<Text, _>(&child.upn)
        .bind::<diesel::sql_types::BigInt, _>(EXPORT_ROWS_PER_TABLE + 1)
        .load(c)
        .await?;
        let truncated = rows.len() > usize::try_from(EXPORT_ROWS_PER_TABLE).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(EXPORT_ROWS_PER_TABLE).unwrap_or(0));
        if rows.is_empty() {
            continue;
        }
        out.push(HeldTable {
            table: t.name,
            columns: cols,
            rows: rows.into_iter().map(|r| (r.k, r.v)).collect(),
            truncated,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_treatments_keep_the_shape() {
        let mut v = json!({"given_name": {"from": "Sam", "to": "Samuel"}, "n": null});
        redact_leaves(&mut v);
        assert_eq!(
            v,
            json!({"given_name": {"from": ANONYMISED, "to": ANONYMISED}, "n": null})
        );
        let mut d = json!({"goals": [{"id": 1, "description": "Read with Sam"}], "external_reference": "X"});
        redact_keys(&mut d, &["description"], false);
        assert_eq!(d["goals"][0], json!({"id": 1, "description": ANONYMISED}));
        redact_keys(&mut d, &["external_reference"], true);
        assert_eq!(d["external_reference"], Value::Null);
    }
}
