//! The settings import: registers settings beyond GIAS (early-years
//! settings, childminders, other providers) from a CSV file with the rules
//! of the GIAS import: UTF-8 or Windows-1252, columns picked by their exact
//! header names, bad rows skipped and listed with the reason, upserted by
//! identifier in one transaction, a re-run changing nothing. A GIAS school
//! is never touched: it comes from the GIAS extract.

use crate::features::organisation::gias::csv_table;
use crate::features::organisation::gias::decode;
use crate::features::organisation::gias::read_csv;
use crate::features::organisation::gias::require_csv;
use crate::features::organisation::gias::status_of;
use crate::features::organisation::gias::text;
use crate::features::organisation::gias::ImportError;
use crate::features::organisation::gias::SkippedRow;
use crate::http::access::only;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::docs::Unprocessable;
use crate::http::error::ApiError;
use crate::http::error::Problem;
use crate::http::state::AppState;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::post;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_domain::IdScheme;
use sct_domain::Role;
use sct_domain::SettingId;
use sct_domain::SettingKind;
use sct_domain::WireName;
use sct_domain::EARLY_YEARS_PHASE;
use sct_persistence::schools_import::zone_ids_by_code;
use sct_persistence::schools_import::Upserted;
use sct_persistence::settings_import as si;
use sct_persistence::settings_import::ImportedSetting;
use sct_persistence::Connection;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The columns a settings file must have, by exact header name.
pub const REQUIRED_COLUMNS: [&str; 5] = ["Identifier", "Scheme", "Kind", "Name", "Status"];

/// Read when present.
const OPTIONAL_COLUMNS: [&str; 3] = ["Phase", "Postcode", "Zone"];

/// What a settings import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct SettingsImportSummary {
    /// Data rows read (the header excluded).
    pub read: usize,
    /// Settings new to the register.
    pub inserted: usize,
    /// Settings whose details changed.
    pub updated: usize,
    /// Settings already up to date.
    pub unchanged: usize,
    /// Rows left out, with the reason.
    pub skipped: Vec<SkippedRow>,
}

/// A settings file: CSV with a header row; columns by exact name.
#[derive(ToSchema)]
#[schema(value_type = String, example = "Identifier,Scheme,Kind,Name,Status,Phase,Postcode,Zone\nEY123456,ofsted,early_years_setting,Little Acorns Pre-School,Open,,NR1 2AB,Z01\n512345,ofsted,childminder,Childminder 512345,Open,,,Z01\nLA-TOTS01,local,other,Tots Playgroup,Proposed to open,,,Z02\n")]
#[allow(dead_code, reason = "describes the body for the OpenAPI document only")]
pub struct SettingsFile(String);

const MAX_NAME: usize = 300;
const MAX_PHASE: usize = 100;
const MAX_POSTCODE: usize = 10;

/// One kept row: its line, the setting and the zone code it names.
type Kept = (u64, ImportedSetting, Option<String>);

fn parse(bytes: &[u8]) -> Result<(usize, Vec<Kept>, Vec<SkippedRow>), ImportError> {
    let decoded = decode(bytes);
    let (columns, records) = csv_table(&decoded, &REQUIRED_COLUMNS, &OPTIONAL_COLUMNS)?;
    let mut read = 0;
    let mut kept: Vec<Kept> = Vec::new();
    let mut skipped = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for next in records {
        let (line, record) = next?;
        read += 1;
        let field = |name: &str| columns.field(&record, name);
        match row(&field) {
            Ok((setting, zone)) => {
                if let Some(first) = seen.get(&setting.urn) {
                    skipped.push(SkippedRow {
                        line,
                        urn: Some(setting.urn),
                        reason: format!("the identifier repeats line {first}"),
                    });
                } else {
                    seen.insert(setting.urn.clone(), line);
                    kept.push((line, setting, zone));
                }
            }
            Err((reason, urn)) => skipped.push(SkippedRow { line, urn, reason }),
        }
    }
    Ok((read, kept, skipped))
}

/// A row as a setting and its zone code, or why it is skipped (with its
/// identifier when it has a valid one).
fn row<'a>(
    field: &impl Fn(&str) -> &'a str,
) -> Result<(ImportedSetting, Option<String>), (String, Option<String>)> {
    let raw_scheme = field("Scheme").trim();
    let scheme = IdScheme::parse(raw_scheme).ok_or_else(|| {
        (
            format!("unknown scheme {raw_scheme:?}: use ofsted or local"),
            None,
        )
    })?;
    if scheme == IdScheme::Urn {
        return Err((
            "a GIAS URN: import it from the GIAS extract (POST /schools/import)".into(),
            None,
        ));
    }
    let raw_id = field("Identifier");
    let id = SettingId::parse_in(scheme, raw_id)
        .map_err(|e| (format!("bad identifier {:?}: {e}", raw_id.trim()), None))?;
    let urn = Some(id.as_str().to_owned());
    let raw_kind = field("Kind").trim();
    let kind = match SettingKind::parse(raw_kind) {
        Some(SettingKind::School) => {
            return Err((
                "a school: import it from the GIAS extract (POST /schools/import)".into(),
                urn,
            ))
        }
        Some(k) => k,
        None => {
            return Err((
                format!("unknown kind {raw_kind:?}: use early_years_setting, childminder or other"),
                urn,
            ))
        }
    };
    let Some(name) = text(field("Name")) else {
        return Err(("no Name".into(), urn));
    };
    if name.chars().count() > MAX_NAME {
        return Err((format!("Name longer than {MAX_NAME} characters"), urn));
    }
    let Some(status) = status_of(field("Status")) else {
        return Err((format!("unknown status {:?}", field("Status")), urn));
    };
    let phase = text(field("Phase")).or_else(|| {
        matches!(
            kind,
            SettingKind::EarlyYearsSetting | SettingKind::Childminder
        )
        .then(|| EARLY_YEARS_PHASE.to_owned())
    });
    if phase
        .as_ref()
        .is_some_and(|p| p.chars().count() > MAX_PHASE)
    {
        return Err((format!("Phase longer than {MAX_PHASE} characters"), urn));
    }
    let postcode = text(field("Postcode"));
    if postcode
        .as_ref()
        .is_some_and(|p| p.chars().count() > MAX_POSTCODE)
    {
        return Err((
            format!("Postcode longer than {MAX_POSTCODE} characters"),
            urn,
        ));
    }
    Ok((
        ImportedSetting {
            urn: id.as_str().to_owned(),
            id_scheme: scheme.as_str().to_owned(),
            kind: kind.as_str().to_owned(),
            name,
            phase,
            status: status.to_owned(),
            postcode,
        },
        text(field("Zone")),
    ))
}

/// Imports a settings file: parses it, resolves zone codes, then upserts
/// every kept row in one transaction.
///
/// # Errors
/// `MissingColumn` or `Malformed` before anything is written; `Store` when
/// the database refuses (nothing is written then either).
pub async fn import(
    conn: &mut Connection,
    bytes: &[u8],
) -> Result<SettingsImportSummary, ImportError> {
    let (read, kept, mut skipped) = parse(bytes)?;
    let zones = zone_ids_by_code(conn).await?;
    let mut lines = Vec::with_capacity(kept.len());
    let mut rows: Vec<(ImportedSetting, Option<Uuid>)> = Vec::with_capacity(kept.len());
    for (line, setting, code) in kept {
        let zone = match code {
            None => None,
            Some(code) => {
                let Some(id) = zones.get(&code) else {
                    skipped.push(SkippedRow {
                        line,
                        urn: Some(setting.urn),
                        reason: format!("unknown zone code {code:?}"),
                    });
                    continue;
                };
                Some(*id)
            }
        };
        lines.push(line);
        rows.push((setting, zone));
    }
    let outcomes = si::apply(conn, &rows).await?;
    let mut summary = SettingsImportSummary {
        read,
        ..SettingsImportSummary::default()
    };
    for ((line, (setting, _)), outcome) in lines.into_iter().zip(rows).zip(outcomes) {
        match outcome {
            Some(Upserted::Inserted) => summary.inserted += 1,
            Some(Upserted::Updated) => summary.updated += 1,
            Some(Upserted::Unchanged) => summary.unchanged += 1,
            None => skipped.push(SkippedRow {
                line,
                urn: Some(setting.urn),
                reason: "already a GIAS school: the GIAS extract keeps it".into(),
            }),
        }
    }
    skipped.sort_by_key(|s| s.line);
    summary.skipped = skipped;
    Ok(summary)
}

/// Import settings beyond GIAS from a CSV file.
#[utoipa::path(
    tag = "Schools",
    summary = "Import early-years settings, childminders and other providers",
    description = "la_admin only. Registers settings that GIAS does not list, with the rules of the GIAS import (`POST /schools/import`). The body is `text/csv` (UTF-8 or Windows-1252) with a header row; columns are picked by their exact header names: `Identifier`, `Scheme` (`ofsted`: `EY` and 6 digits, or 6 digits for an older Ofsted URN; `local`: `LA-` and 1 to 20 capital letters or digits), `Kind` (`early_years_setting`, `childminder`, `other`), `Name`, `Status` (GIAS names: `Open`, `Closed`, `Open, but proposed to close`, `Proposed to open`); `Phase` (default `early_years` for an early-years setting or a childminder), `Postcode` and `Zone` (a zone code; empty keeps the setting's zone) when present. Settings are upserted by identifier in one transaction and then read, referred for and reported on as schools are (`/schools/{urn}`). Rows with an identifier that does not fit its scheme, the scheme `urn` or the kind `school` (GIAS schools come from the GIAS import), an unknown kind, status or zone code, no name, an identifier repeated in the file, or the identifier of a GIAS school already registered are skipped and listed. Importing the same file again changes nothing. A missing column (`missing_column`) or a row that does not parse (`malformed_csv`) refuses the whole file (422).",
    request_body(content = SettingsFile, content_type = "text/csv", description = "The settings file"),
    responses(
        (status = 200, description = "What the import did", body = SettingsImportSummary),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 413, description = "The file is larger than 32 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not text/csv", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    ),
)]
#[post("/settings/import")]
pub async fn import_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    only(&caller, &[Role::LaAdmin])?;
    require_csv(&req)?;
    let body = read_csv(&req, &mut payload).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let summary = import(conn, &body).await?;
            Ok(Written::json(actix_web::http::StatusCode::OK, &summary))
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(csv: &str) -> (usize, Vec<Kept>, Vec<SkippedRow>) {
        parse(csv.as_bytes()).expect("parses")
    }

    #[test]
    fn rows_are_kept_or_skipped_with_a_reason() {
        let (read, kept, skipped) = parsed(
            "Identifier,Scheme,Kind,Name,Status\n\
             EY123456,ofsted,early_years_setting,Acorns,Open\n\
             LA-ab1,local,other,Bad id,Open\n\
             121234,urn,school,A school,Open\n\
             LA-CM1,local,school,Not a school,Open\n\
             LA-CM2,local,childminder,,Open\n\
             LA-CM3,local,childminder,Minder,Merged\n\
             EY123456,ofsted,childminder,Again,Open\n\
             512345,ofsted,childminder,Older URN,Closed\n",
        );
        assert_eq!(read, 8);
        let ids: Vec<(&str, Option<&str>)> = kept
            .iter()
            .map(|(_, s, _)| (s.urn.as_str(), s.phase.as_deref()))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("EY123456", Some("early_years")),
                ("512345", Some("early_years"))
            ]
        );
        let lines: Vec<u64> = skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7, 8]);
        assert!(skipped[0].reason.starts_with("bad identifier \"LA-ab1\""));
        assert_eq!(skipped[0].urn, None);
        assert_eq!(skipped[5].reason, "the identifier repeats line 2");
    }

    #[test]
    fn a_missing_column_is_named() {
        let err =
            parse(b"Identifier,Scheme,Kind,Name\nEY123456,ofsted,other,X\n").expect_err("missing");
        assert!(matches!(err, ImportError::MissingColumn(c) if c == "Status"));
    }
}
