//! The GIAS import: reads the DfE's register of establishments (every field
//! quoted, UTF-8 or Windows-1252, DD-MM-YYYY dates), picks columns by their
//! exact header names, keeps one LA when asked, assigns zones from a
//! `URN,zone_code` map and upserts by URN in one transaction. Both
//! `sct import-schools` and `POST /schools/import` call [`import`].

use crate::http::access::only;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::docs::Unprocessable;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use crate::http::error::Problem;
use crate::http::extract::BodyDigest;
use crate::http::state::AppState;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::post;
use actix_web::web;
use actix_web::HttpMessage;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use futures_util::StreamExt;
use sct_domain::IdScheme;
use sct_domain::Role;
use sct_domain::SettingId;
use sct_persistence::schools_import as si;
use sct_persistence::schools_import::GiasSchool;
use sct_persistence::schools_import::Upserted;
use sct_persistence::Connection;
use sct_persistence::StoreError;
use serde::Deserialize;
use serde::Serialize;
use sha2::Digest;
use sha2::Sha256;
use std::collections::HashMap;
use thiserror::Error;
use utoipa::IntoParams;
use utoipa::ToSchema;
use uuid::Uuid;

/// The columns an import reads, by exact header name.
pub const REQUIRED_COLUMNS: [&str; 11] = [
    "URN",
    "LA (code)",
    "LA (name)",
    "EstablishmentNumber",
    "EstablishmentName",
    "TypeOfEstablishment (name)",
    "EstablishmentStatus (name)",
    "PhaseOfEducation (name)",
    "Postcode",
    "DistrictAdministrative (name)",
    "NumberOfPupils",
];

/// Read when present.
const OPTIONAL_COLUMNS: [&str; 3] = ["DistrictAdministrative (code)", "OpenDate", "CloseDate"];

/// Why an import was refused as a whole (nothing is written).
#[derive(Debug, Error)]
pub enum ImportError {
    #[error("the extract has no column {0:?}")]
    MissingColumn(String),
    #[error("line {line}: {message}")]
    Malformed { line: u64, message: String },
    #[error("the zone map is invalid: {0}")]
    ZoneMap(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A row left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SkippedRow {
    /// Row in the file, the header being row 1.
    pub line: u64,
    /// The row's URN, when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub urn: Option<String>,
    /// Why the row was left out.
    #[schema(example = "wrong LA: 873")]
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportSummary {
    /// Data rows read (the header excluded).
    pub read: usize,
    /// Schools new to the register.
    pub inserted: usize,
    /// Schools whose details changed.
    pub updated: usize,
    /// Schools already up to date.
    pub unchanged: usize,
    /// Rows left out, with the reason.
    pub skipped: Vec<SkippedRow>,
    /// Schools of the imported LA(s) that this extract no longer lists,
    /// newly marked with `missing_from_extract_at`.
    pub marked_missing: usize,
}

/// Choices of one import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Keep only rows of this LA code (e.g. `926`).
    pub la: Option<String>,
    /// URN -> zone code, from the map file.
    pub zones: Option<HashMap<String, String>>,
}

/// Decodes the file: UTF-8 (with or without BOM) if it is valid, else each
/// byte as Windows-1252.
pub fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.strip_prefix('\u{feff}').unwrap_or(s).to_owned(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    }
}

/// One Windows-1252 byte as a character (0x80-0x9F differ from latin-1;
/// the five undefined bytes map to their C1 control like latin-1).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{8D}',
        '\u{017D}', '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}',
        '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}',
        '\u{9D}', '\u{017E}', '\u{0178}',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Parses a `URN,zone_code` map (a header line is allowed).
///
/// # Errors
/// `ZoneMap` for a line that is not two fields.
pub fn parse_zone_map(bytes: &[u8]) -> Result<HashMap<String, String>, ImportError> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut map = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ImportError::ZoneMap(e.to_string()))?;
        let (Some(urn), Some(code)) = (record.get(0), record.get(1)) else {
            return Err(ImportError::ZoneMap(format!(
                "line {}: expected URN,zone_code",
                i + 1
            )));
        };
        if i == 0 && SettingId::parse_in(IdScheme::Urn, urn).is_err() {
            continue;
        }
        map.insert(urn.to_owned(), code.to_owned());
    }
    Ok(map)
}

/// The status of a GIAS `EstablishmentStatus (name)` (the settings import
/// reads the same names).
pub(crate) fn status_of(name: &str) -> Option<&'static str> {
    match name.trim() {
        "Open" => Some("open"),
        "Closed" => Some("closed"),
        "Open, but proposed to close" => Some("proposed_to_close"),
        "Proposed to open" => Some("proposed_to_open"),
        _ => None,
    }
}

pub(crate) fn text(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

pub(crate) fn date(v: &str) -> Result<Option<chrono::NaiveDate>, String> {
    match text(v) {
        None => Ok(None),
        Some(d) => chrono::NaiveDate::parse_from_str(&d, "%d-%m-%Y")
            .map(Some)
            .map_err(|_| format!("bad date {d:?}: expected DD-MM-YYYY")),
    }
}

/// The columns of a CSV file's header row, found by exact name (trimmed).
pub(crate) struct Columns(HashMap<&'static str, usize>);

impl Columns {
    /// The record's field in the named column; empty when the file has no
    /// such (optional) column or the record is short.
    pub(crate) fn field<'r>(&self, record: &'r csv::StringRecord, name: &str) -> &'r str {
        self.0
            .get(name)
            .and_then(|&i| record.get(i))
            .unwrap_or_default()
    }
}

/// Opens a decoded CSV file with a header row: its columns (every one of
/// `required` must be there, `optional` ones may be) and its records with
/// their row numbers, the header being row 1 as a spreadsheet shows it
/// (the imported files' fields hold no line breaks, so rows are lines).
pub(crate) fn csv_table<'t>(
    text: &'t str,
    required: &[&'static str],
    optional: &[&'static str],
) -> Result<(Columns, Records<'t>), ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Malformed {
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let mut index = HashMap::new();
    for &name in required {
        index.insert(
            name,
            column(name).ok_or_else(|| ImportError::MissingColumn(name.to_owned()))?,
        );
    }
    for &name in optional {
        if let Some(i) = column(name) {
            index.insert(name, i);
        }
    }
    let records = Records {
        inner: reader.into_records(),
        line: 1,
    };
    Ok((Columns(index), records))
}

/// The records of a CSV file with their row numbers, the header being row 1.
pub(crate) struct Records<'t> {
    inner: csv::StringRecordsIntoIter<&'t [u8]>,
    line: u64,
}

impl Iterator for Records<'_> {
    type Item = Result<(u64, csv::StringRecord), ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = self.inner.next()?;
        self.line += 1;
        let line = self.line;
        Some(
            record
                .map(|r| (line, r))
                .map_err(|e| ImportError::Malformed {
                    line,
                    message: e.to_string(),
                }),
        )
    }
}

/// The rows of the extract that will be written, with the skipped ones.
#[derive(Debug, Default)]
struct Parsed {
    read: usize,
    rows: Vec<(u64, GiasSchool)>,
    skipped: Vec<SkippedRow>,
}

fn parse(bytes: &[u8], la: Option<&str>) -> Result<Parsed, ImportError> {
    let decoded = decode(bytes);
    let (columns, records) = csv_table(&decoded, &REQUIRED_COLUMNS, &OPTIONAL_COLUMNS)?;
    let mut parsed = Parsed::default();
    for next in records {
        let (line, record) = next?;
        parsed.read += 1;
        let field = |name: &str| columns.field(&record, name);
        let urn = field("URN").trim().to_owned();
        let mut skip = |reason: String, urn: Option<String>| {
            parsed.skipped.push(SkippedRow { line, urn, reason });
        };
        if SettingId::parse_in(IdScheme::Urn, &urn).is_err() {
            skip(format!("bad URN {urn:?}"), None);
            continue;
        }
        let la_code = field("LA (code)").trim().to_owned();
        if la.is_some_and(|la| la != la_code) {
            skip(format!("wrong LA: {la_code}"), Some(urn));
            continue;
        }
        if la_code.len() != 3 || !la_code.bytes().all(|b| b.is_ascii_digit()) {
            skip(format!("bad LA code {la_code:?}"), Some(urn));
            continue;
        }
        let Some(name) = text(field("EstablishmentName")) else {
            skip("no EstablishmentName".into(), Some(urn));
            continue;
        };
        let Some(status) = status_of(field("EstablishmentStatus (name)")) else {
            skip(
                format!("unknown status {:?}", field("EstablishmentStatus (name)")),
                Some(urn),
            );
            continue;
        };
        let pupils = match text(field("NumberOfPupils")) {
            None => None,
            Some(n) => match n.parse::<i32>() {
                Ok(n) if n >= 0 => Some(n),
                _ => {
                    skip(format!("bad NumberOfPupils {n:?}"), Some(urn));
                    continue;
                }
            },
        };
        let (open_date, close_date) = match (date(field("OpenDate")), date(field("CloseDate"))) {
            (Ok(o), Ok(c)) => (o, c),
            (Err(e), _) | (_, Err(e)) => {
                skip(e, Some(urn));
                continue;
            }
        };
        let establishment_number = text(field("EstablishmentNumber"))
            .filter(|n| n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()));
        parsed.rows.push((
            line,
            GiasSchool {
                urn,
                name,
                la_code: Some(la_code),
                la_name: text(field("LA (name)")),
                establishment_number,
                type_name: text(field("TypeOfEstablishment (name)")),
                phase: text(field("PhaseOfEducation (name)")),
                status: status.to_owned(),
                postcode: text(field("Postcode")),
                district_code: text(field("DistrictAdministrative (code)")),
                district_name: text(field("DistrictAdministrative (name)")),
                pupil_count: pupils,
                open_date,
                close_date,
            },
        ));
    }
    Ok(parsed)
}

/// Imports an extract: parses it, resolves zones, then upserts every kept
/// row and marks the missing schools of the LA(s) it covers, all in one
/// transaction. `progress` is called once per row written.
///
/// # Errors
/// `MissingColumn` or `Malformed` before anything is written; `Store` when
/// the database refuses (nothing is written then either).
pub async fn import(
    conn: &mut Connection,
    bytes: &[u8],
    options: &ImportOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportSummary, ImportError> {
    let mut parsed = parse(bytes, options.la.as_deref())?;
    let zones = si::zone_ids_by_code(conn).await?;
    let mut rows: Vec<(GiasSchool, Option<Uuid>)> = Vec::with_capacity(parsed.rows.len());
    for (line, school) in std::mem::take(&mut parsed.rows) {
        let zone = match options.zones.as_ref().and_then(|m| m.get(&school.urn)) {
            None => None,
            Some(code) => {
                let Some(id) = zones.get(code) else {
                    parsed.skipped.push(SkippedRow {
                        line,
                        urn: Some(school.urn.clone()),
                        reason: format!("unknown zone code {code:?}"),
                    });
                    continue;
                };
                Some(*id)
            }
        };
        rows.push((school, zone));
    }
    let mut la_codes: Vec<String> = match &options.la {
        Some(la) => vec![la.clone()],
        None => rows.iter().filter_map(|(s, _)| s.la_code.clone()).collect(),
    };
    la_codes.sort();
    la_codes.dedup();
    let listed: Vec<String> = rows.iter().map(|(s, _)| s.urn.clone()).collect();
    let (outcomes, marked_missing) = si::apply(conn, &rows, &la_codes, &listed, progress).await?;
    let count = |o: Upserted| outcomes.iter().filter(|x| **x == o).count();
    parsed.skipped.sort_by_key(|s| s.line);
    Ok(ImportSummary {
        read: parsed.read,
        inserted: count(Upserted::Inserted),
        updated: count(Upserted::Updated),
        unchanged: count(Upserted::Unchanged),
        skipped: parsed.skipped,
        marked_missing,
    })
}

/// A GIAS extract: CSV with every field quoted, columns picked by their
/// exact header names (UTF-8 or Windows-1252).
#[derive(ToSchema)]
#[schema(value_type = String, example = "\"URN\",\"LA (code)\",\"LA (name)\",\"EstablishmentNumber\",\"EstablishmentName\",\"TypeOfEstablishment (name)\",\"EstablishmentStatus (name)\",\"PhaseOfEducation (name)\",\"Postcode\",\"DistrictAdministrative (code)\",\"DistrictAdministrative (name)\",\"Easting\",\"Northing\",\"NumberOfPupils\"\n\"121234\",\"926\",\"Norfolk\",\"2001\",\"Example Primary School\",\"Community school\",\"Open\",\"Primary\",\"NR1 1AA\",\"E07000148\",\"Norwich\",\"623000\",\"308000\",\"210\"\n")]
#[allow(dead_code, reason = "describes the body for the OpenAPI document only")]
pub struct GiasExtract(String);

/// Largest extract accepted (the whole of England is about 60 MB; one LA's
/// extract is far smaller).
pub const MAX_CSV_BYTES: usize = 32 * 1024 * 1024;

/// Options of an import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Keep only the rows of this LA code; the schools of that LA the
    /// extract does not list are marked missing.
    #[param(pattern = "^[0-9]{3}$", example = "926")]
    pub la: Option<String>,
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::MissingColumn(column) => ApiError::validation(vec![FieldError::new(
                column.clone(),
                "missing_column",
                format!("the extract has no column {column:?}"),
            )]),
            ImportError::Malformed { line, message } => {
                ApiError::validation(vec![FieldError::new(
                    format!("line {line}"),
                    "malformed_csv",
                    message,
                )])
            }
            ImportError::ZoneMap(message) => {
                ApiError::validation(vec![FieldError::new("zones", "invalid_zone_map", message)])
            }
            ImportError::Store(e) => e.into(),
        }
    }
}

/// Refuses a body that is not `text/csv` (415).
///
/// # Errors
/// `UnsupportedMediaType`.
pub(crate) fn require_csv(req: &HttpRequest) -> Result<(), ApiError> {
    let is_csv = req
        .mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.type_() == "text" && m.subtype() == "csv");
    if is_csv {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the extract as text/csv",
        ))
    }
}

/// Reads a CSV body of at most [`MAX_CSV_BYTES`] and records its digest as
/// the idempotency fingerprint.
///
/// # Errors
/// `PayloadTooLarge`.
pub(crate) async fn read_csv(
    req: &HttpRequest,
    payload: &mut web::Payload,
) -> Result<web::BytesMut, ApiError> {
    let too_large = || {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the extract may be at most {MAX_CSV_BYTES} bytes"),
        )
    };
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| too_large())?;
        if body.len() + chunk.len() > MAX_CSV_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    // The idempotency fingerprint covers the extract.
    req.extensions_mut()
        .insert(BodyDigest(Sha256::digest(&body).into()));
    Ok(body)
}

/// Import schools from a GIAS extract.
#[utoipa::path(
    tag = "Schools",
    summary = "Import schools from a GIAS extract",
    description = "la_admin only. The body is a GIAS establishments extract as `text/csv` (every field quoted, UTF-8 or Windows-1252, DD-MM-YYYY dates); columns are picked by their exact header names (`URN`, `LA (code)`, `LA (name)`, `EstablishmentNumber`, `EstablishmentName`, `TypeOfEstablishment (name)`, `EstablishmentStatus (name)`, `PhaseOfEducation (name)`, `Postcode`, `DistrictAdministrative (name)`, `NumberOfPupils`; `DistrictAdministrative (code)`, `OpenDate` and `CloseDate` when present). Schools are upserted by URN in one transaction; zones are kept (assign them with `sct import-schools --zones` or `PUT /schools/{urn}/zone`). Schools of the imported LA(s) that the extract no longer lists get `missing_from_extract_at`. Rows with a bad URN, another LA or an unknown status are skipped and listed. Importing the same file again changes nothing.",
    params(ImportParams),
    request_body(content = GiasExtract, content_type = "text/csv", description = "The GIAS extract"),
    responses(
        (status = 200, description = "What the import did", body = ImportSummary),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 413, description = "The extract is larger than 32 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not text/csv", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    ),
)]
#[post("/schools/import")]
pub async fn import_schools(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<ImportParams>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    only(&caller, &[Role::LaAdmin])?;
    require_csv(&req)?;
    let la = params.into_inner().la;
    if la
        .as_deref()
        .is_some_and(|la| la.len() != 3 || !la.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "la must be a three-digit LA code",
        ));
    }
    let body = read_csv(&req, &mut payload).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let summary = import(conn, &body, &ImportOptions { la, zones: None }, &|_| {}).await?;
            Ok(Written::json(actix_web::http::StatusCode::OK, &summary))
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_and_windows_1252_bytes_decode() {
        assert_eq!(
            decode(b"St Mary\x92s \xe9cole"),
            "St Mary\u{2019}s \u{e9}cole"
        );
        assert_eq!(decode("\u{feff}Caf\u{e9}".as_bytes()), "Caf\u{e9}");
    }

    #[test]
    fn statuses_map_and_others_are_refused() {
        assert_eq!(
            status_of("Open, but proposed to close"),
            Some("proposed_to_close")
        );
        assert_eq!(status_of("Proposed to open"), Some("proposed_to_open"));
        assert_eq!(status_of("Merged"), None);
    }

    #[test]
    fn a_missing_column_is_named() {
        let err = parse(b"\"URN\",\"LA (code)\"\n\"100000\",\"926\"\n", None).expect_err("missing");
        assert!(matches!(err, ImportError::MissingColumn(c) if c == "LA (name)"));
    }

    #[test]
    fn the_zone_map_allows_a_header() {
        let map = parse_zone_map(b"URN,zone_code\n100001,Z01\n").expect("map");
        assert_eq!(map.get("100001").map(String::as_str), Some("Z01"));
        assert_eq!(map.len(), 1);
    }
}
