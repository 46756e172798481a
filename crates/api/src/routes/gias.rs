//! `POST /schools/import`: the council loads its register of schools from a
//! GIAS extract sent as `text/csv`; the same import as `sct import-schools`.

use super::{
    only, AppState, BadRequest, Forbidden, ServiceUnavailable, Unauthorized, Unprocessable,
};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode, FieldError, Problem};
use crate::gias::{import, ImportError, ImportOptions, ImportSummary};
use actix_web::{post, web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use sct_domain::Role;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

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
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, description = "The extract is larger than 32 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not text/csv", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
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
    let is_csv = req
        .mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.type_() == "text" && m.subtype() == "csv");
    if !is_csv {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the extract as text/csv",
        ));
    }
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
    let mut conn = state.db.conn().await?;
    let summary = import(
        &mut conn,
        &body,
        &ImportOptions { la, zones: None },
        &|_| {},
    )
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}
