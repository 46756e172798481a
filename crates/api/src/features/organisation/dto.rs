//! Request and response bodies of zones, teams, workers and schools.

use crate::http::paging::list_page;
use crate::http::wire::wire_enum;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_persistence::models::SchoolRow;
use sct_persistence::models::TeamRow;
use sct_persistence::models::WorkerRow;
use sct_persistence::models::ZoneRow;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// A zone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Zone {
    /// Zone id.
    pub id: Uuid,
    /// Zone code, unique.
    #[schema(example = "Z01")]
    pub code: String,
    /// Zone name.
    pub name: String,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<ZoneRow> for Zone {
    fn from(z: ZoneRow) -> Self {
        Self {
            id: z.id,
            code: z.code,
            name: z.name,
            version: z.version,
            created_at: z.created_at,
            updated_at: z.updated_at,
        }
    }
}

list_page! {
    /// A page of zones.
    ZonePage {
        /// Zones of this page.
        items: Zone
    }
}

/// A new zone.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "Z16", "name": "Zone 16"}))]
pub struct NewZone {
    /// Upper-case letters, digits and dashes.
    #[schema(pattern = "^[A-Z0-9][A-Z0-9-]{0,31}$")]
    pub code: String,
    /// Zone name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
}

/// Changes to a zone.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Zone 16 (Thetford)"}))]
pub struct ZoneUpdate {
    /// New zone name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
}

/// A team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Team {
    /// Team id.
    pub id: Uuid,
    /// The zone the team serves.
    pub zone_id: Uuid,
    /// Team name.
    pub name: String,
    /// Referrals route to the team from this date; before it they wait in the council's queue.
    pub operational_from: NaiveDate,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<TeamRow> for Team {
    fn from(t: TeamRow) -> Self {
        Self {
            id: t.id,
            zone_id: t.zone_id,
            name: t.name,
            operational_from: t.operational_from,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

list_page! {
    /// A page of teams.
    TeamPage {
        /// Teams of this page.
        items: Team
    }
}

/// A new team for a zone (one team per zone).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"zone_id": "0192f1c2-3d4e-7f00-8000-000000000000", "name": "SCT Zone 16", "operational_from": "2027-01-04"}))]
pub struct NewTeam {
    /// The zone the team serves (one team per zone).
    pub zone_id: Uuid,
    /// Team name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Referrals route to the team from this date.
    pub operational_from: NaiveDate,
}

/// Changes to a team.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "SCT Zone 16", "operational_from": "2027-01-04"}))]
pub struct TeamUpdate {
    /// Team name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Referrals route to the team from this date.
    pub operational_from: NaiveDate,
}

crate::http::wire::named_enum! {
    /// A worker's job in the team.
    pub enum JobRole {
        Practitioner,
        TeamManager,
    }
}

/// A worker with their caseload.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Worker {
    /// Worker id.
    pub id: Uuid,
    /// The team the worker belongs to.
    pub team_id: Uuid,
    /// The identity provider's subject of the worker's tokens.
    pub subject: String,
    /// The worker's name.
    pub name: String,
    /// Practitioner or team manager.
    pub job_role: JobRole,
    /// The most referrals the worker may carry (allocated or active).
    pub caseload_cap: i32,
    /// Referrals allocated or active now.
    pub caseload: i64,
    /// Whether the worker takes new work.
    pub active: bool,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Worker {
    /// From a row and its caseload.
    pub fn from_row(w: WorkerRow, caseload: i64) -> Self {
        Self {
            id: w.id,
            team_id: w.team_id,
            subject: w.subject,
            name: w.name,
            job_role: w.job_role.parse().unwrap_or(JobRole::Practitioner),
            caseload_cap: w.caseload_cap,
            caseload,
            active: w.active,
            version: w.version,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

list_page! {
    /// A page of workers.
    WorkerPage {
        /// Workers of this page.
        items: Worker
    }
}

/// A new worker.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"subject": "worker-z01-5", "name": "Alex Practitioner", "job_role": "practitioner", "caseload_cap": 15}))]
pub struct NewWorker {
    /// The identity provider's subject (`sub`) of the worker's tokens, unique.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub subject: String,
    /// The worker's name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Practitioner or team manager.
    pub job_role: JobRole,
    /// The most referrals the worker may carry (allocated or active).
    #[schema(minimum = 0, maximum = 200)]
    #[validate(range(min = 0, max = 200))]
    pub caseload_cap: i32,
}

/// Changes to a worker.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Alex Practitioner", "caseload_cap": 12, "active": true}))]
pub struct WorkerUpdate {
    /// The worker's name.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// The most referrals the worker may carry (allocated or active).
    #[schema(minimum = 0, maximum = 200)]
    #[validate(range(min = 0, max = 200))]
    pub caseload_cap: i32,
    /// Whether the worker takes new work.
    pub active: bool,
}

crate::http::wire::named_enum! {
    /// Status of an establishment (GIAS).
    pub enum SchoolStatus {
        Open,
        Closed,
        ProposedToOpen,
        ProposedToClose,
    }
}

impl SchoolStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// From the stored name (`open` for an unknown one).
    fn parse(s: &str) -> Self {
        s.parse().unwrap_or(Self::Open)
    }
}

wire_enum!(
    /// How a setting's identifier (`urn`) is issued: `urn`, the DfE's
    /// 6-digit URN of a GIAS school; `ofsted`, an Ofsted registration number
    /// (`EY` and 6 digits, or 6 digits for an older Ofsted URN); `local`, the
    /// council's own id (`LA-` and 1 to 20 capital letters or digits).
    IdScheme => sct_domain::IdScheme { Urn, Ofsted, Local } default = Urn
);
wire_enum!(
    /// What kind of setting: a GIAS `school`, or a provider beyond GIAS
    /// (`early_years_setting`, `childminder`, `other`).
    SettingKind => sct_domain::SettingKind { School, EarlyYearsSetting, Childminder, Other } default = School
);

/// A school or other education setting, keyed by its URN (a setting
/// identifier: see `id_scheme`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct School {
    /// The setting's identifier: a GIAS school's unique reference number
    /// (DfE, 6 digits), or for a setting beyond GIAS its Ofsted registration
    /// number (`EY123456`) or local id (`LA-CM0042`), as `id_scheme` says.
    #[schema(example = "121234")]
    pub urn: String,
    /// How `urn` is issued.
    pub id_scheme: IdScheme,
    /// What kind of setting.
    pub kind: SettingKind,
    /// Establishment name.
    pub name: String,
    /// Local authority code (3 digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub la_code: Option<String>,
    /// Establishment number within the LA (4 digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub establishment_number: Option<String>,
    /// Phase of education, as GIAS names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub phase: Option<String>,
    /// Establishment status (GIAS).
    pub status: SchoolStatus,
    /// Postcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub postcode: Option<String>,
    /// The zone whose team serves the school.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub zone_id: Option<Uuid>,
    /// From GIAS `LA (name)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub la_name: Option<String>,
    /// From GIAS `TypeOfEstablishment (name)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub type_name: Option<String>,
    /// GSS code of the district (GIAS `DistrictAdministrative (code)`).
    #[schema(example = "E07000148")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub district_code: Option<String>,
    /// Name of the district (GIAS `DistrictAdministrative (name)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub district_name: Option<String>,
    /// From GIAS `NumberOfPupils`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub pupil_count: Option<i32>,
    /// From GIAS `OpenDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub open_date: Option<NaiveDate>,
    /// From GIAS `CloseDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub close_date: Option<NaiveDate>,
    /// Set when the newest GIAS extract of the school's LA no longer lists it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub missing_from_extract_at: Option<DateTime<Utc>>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<SchoolRow> for School {
    fn from(s: SchoolRow) -> Self {
        Self {
            status: SchoolStatus::parse(&s.status),
            id_scheme: IdScheme::from_code(&s.id_scheme),
            kind: SettingKind::from_code(&s.kind),
            urn: s.urn,
            name: s.name,
            la_code: s.la_code,
            establishment_number: s.establishment_number,
            phase: s.phase,
            postcode: s.postcode,
            zone_id: s.zone_id,
            la_name: s.la_name,
            type_name: s.type_name,
            district_code: s.district_code,
            district_name: s.district_name,
            pupil_count: s.pupil_count,
            open_date: s.open_date,
            close_date: s.close_date,
            missing_from_extract_at: s.missing_from_extract_at,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

list_page! {
    /// A page of schools.
    SchoolPage {
        /// Schools of this page.
        items: School
    }
}

/// A new school, or a setting beyond GIAS (an early-years setting, a
/// childminder, another provider) with its own identifier scheme.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"urn": "121234", "name": "Example Primary School", "la_code": "926", "establishment_number": "2001", "phase": "Primary", "postcode": "NR1 1AA"}))]
pub struct NewSchool {
    /// The setting's identifier under `id_scheme`: a 6-digit URN (DfE) for a
    /// GIAS school; `EY` and 6 digits or 6 digits (Ofsted); `LA-` and 1 to 20
    /// capital letters or digits (local). Another shape is refused (422
    /// `invalid_urn`).
    #[schema(
        pattern = "^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$",
        example = "121234"
    )]
    pub urn: String,
    /// How `urn` is issued; default `urn` (a GIAS school).
    pub id_scheme: Option<IdScheme>,
    /// What kind of setting; default `school` for a URN, `early_years_setting`
    /// for the other schemes.
    pub kind: Option<SettingKind>,
    /// Establishment name.
    #[schema(min_length = 1, max_length = 300)]
    #[validate(length(min = 1, max = 300))]
    pub name: String,
    /// Local authority code (3 digits).
    #[schema(pattern = "^[0-9]{3}$")]
    pub la_code: Option<String>,
    /// Establishment number within the LA (4 digits).
    #[schema(pattern = "^[0-9]{4}$")]
    pub establishment_number: Option<String>,
    /// Phase of education, as GIAS names it; for an early-years setting or a
    /// childminder, default `early_years`.
    #[schema(max_length = 100)]
    #[validate(length(max = 100))]
    pub phase: Option<String>,
    /// Establishment status (GIAS); default open.
    pub status: Option<SchoolStatus>,
    /// Postcode.
    #[schema(max_length = 10)]
    #[validate(length(max = 10))]
    pub postcode: Option<String>,
    /// The zone whose team serves the school, if known.
    pub zone_id: Option<Uuid>,
}

/// Moves a school to a zone (null: no zone; its referrals wait for the council).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"zone_id": "0192f1c2-3d4e-7f00-8000-000000000000"}))]
pub struct SchoolZone {
    /// The new zone, or null for none.
    pub zone_id: Option<Uuid>,
}
