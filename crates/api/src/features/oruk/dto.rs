//! The HSDS 3.0 / ORUK shapes the feed serves, and its page envelope.
//!
//! Optional fields are left out when there is no value (never `null`): the
//! official schemas allow only a value where they allow a field.

use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// What the feed is (`GET /oruk/`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukServiceInfo {
    /// The HSDS version (`3.0`: the ORUK validator picks the 3.0 rules by it).
    #[schema(example = "3.0")]
    pub version: String,
    /// The profile the feed follows (absolute URL).
    #[schema(format = "uri")]
    pub profile: String,
    /// Where the OpenAPI document is (absolute URL, from `SCT_PUBLIC_URL` or
    /// else the request's host).
    #[schema(format = "uri", example = "https://sct.example/api/v1/openapi.json")]
    pub openapi_url: String,
}

/// The organization that provides the services: the council's School &
/// Community Teams service.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukOrganization {
    /// Identifier.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
}

/// A taxonomy (HSDS `taxonomy`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukTaxonomy {
    /// Identifier.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Version.
    pub version: String,
}

/// A term of the taxonomy (HSDS `taxonomy_term`). The taxonomy is flat: no
/// term has a parent, so `parent_id` is never sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukTaxonomyTerm {
    /// Identifier.
    pub id: Uuid,
    /// Code of the term in its taxonomy (HSDS).
    pub code: String,
    /// The term itself (ORUK; the same as `code`).
    pub term: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Name of the taxonomy.
    pub taxonomy: String,
    /// The taxonomy.
    pub taxonomy_id: Uuid,
    /// Language of the term.
    pub language: String,
}

/// What a taxonomy term says about the entity it is linked to (HSDS
/// `attribute`): here, a service's programme type.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukAttribute {
    /// Identifier.
    pub id: Uuid,
    /// The service.
    pub link_id: Uuid,
    /// The term.
    pub taxonomy_term_id: Uuid,
    /// What the term describes: `programme_type`.
    pub link_type: String,
    /// The table of `link_id`: `service`.
    pub link_entity: String,
    /// The term.
    pub taxonomy_term: OrukTaxonomyTerm,
}

/// ORUK's fixed values of a service's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum OrukServiceStatus {
    /// Open or running.
    #[serde(rename = "active")]
    Active,
    /// Not yet published.
    #[serde(rename = "inactive")]
    Inactive,
    /// Finished or cancelled.
    #[serde(rename = "defunct")]
    Defunct,
    /// Paused (not used by the feed today).
    #[serde(rename = "temporarily closed")]
    TemporarilyClosed,
}

/// ORUK's fixed values of a location's or address's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrukPlaceType {
    /// A place to visit (every Family Hub).
    Physical,
    /// A postal address.
    Postal,
    /// Online.
    Virtual,
}

/// A postal address of a location (HSDS `address`). Every required field has
/// a value.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukAddress {
    /// Identifier.
    pub id: Uuid,
    /// The location.
    pub location_id: Uuid,
    /// The address before its last comma-separated part (the whole address
    /// when it has one part).
    pub address_1: String,
    /// The address's last comma-separated part (the whole address when it
    /// has one part).
    pub city: String,
    /// The nation: `England` (the hub's county is not recorded).
    pub state_province: String,
    /// Postcode.
    pub postal_code: String,
    /// ISO 3166-1 country code.
    pub country: String,
    /// `physical`.
    pub address_type: OrukPlaceType,
}

/// A Family Hub as a location (HSDS `location`). No coordinates are
/// recorded, so `latitude` and `longitude` are never sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukLocation {
    /// Identifier (the hub's id).
    pub id: Uuid,
    /// `physical`.
    pub location_type: OrukPlaceType,
    /// Name.
    pub name: String,
    /// Addresses (in items, and in lists with `full=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub addresses: Option<Vec<OrukAddress>>,
}

/// A dated session as a schedule (HSDS `schedule`; one-off, no recurrence).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukSchedule {
    /// Identifier (the session's id).
    pub id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// First day it applies.
    pub valid_from: NaiveDate,
    /// Last day it applies.
    pub valid_to: NaiveDate,
    /// The date of the session (iCalendar DTSTART).
    pub dtstart: NaiveDate,
    /// Opening time (local, `HH:MM:SS`); left out when not set.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub opens_at: Option<String>,
    /// Closing time (local); left out when not set.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub closes_at: Option<String>,
    /// What the session is about; left out when not set.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub description: Option<String>,
}

/// A service delivered at a location (HSDS `service_at_location`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukServiceAtLocation {
    /// Identifier (a programme runs at one hub, so this is the programme's id).
    pub id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// The location.
    pub location_id: Uuid,
    /// The location.
    pub location: OrukLocation,
}

/// A service at a location, listed with a summary of the service.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukServiceAtLocationListed {
    /// Identifier (the programme's id).
    pub id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// The location.
    pub location_id: Uuid,
    /// The service, summarised.
    pub service: OrukServiceSummary,
    /// The location.
    pub location: OrukLocation,
}

/// A service named in a service-at-location list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukServiceSummary {
    /// Identifier.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Status.
    pub status: OrukServiceStatus,
}

/// A programme as a service (HSDS `service`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukService {
    /// Identifier (the programme's id).
    pub id: Uuid,
    /// The organization that provides it.
    pub organization_id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// `active` for an open or running programme.
    pub status: OrukServiceStatus,
    /// Youngest age served.
    pub minimum_age: i32,
    /// Oldest age served.
    pub maximum_age: i32,
    /// Who it is for (HSDS).
    pub eligibility_description: String,
    /// How to join (HSDS).
    pub application_process: String,
    /// When it last changed.
    pub last_modified: DateTime<Utc>,
    /// The organization.
    pub organization: OrukOrganization,
    /// Where it runs (in items, and in lists with `full=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub service_at_locations: Option<Vec<OrukServiceAtLocation>>,
    /// Its programme type, as a term linked through an attribute (in items,
    /// and in lists with `full=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub attributes: Option<Vec<OrukAttribute>>,
    /// Its dated sessions (in items, and in lists with `full=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub schedules: Option<Vec<OrukSchedule>>,
}

macro_rules! oruk_page {
    ($name:ident, $item:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, " in the Open Referral UK envelope.")]
        #[derive(Debug, Clone, Serialize, ToSchema)]
        pub struct $name {
            /// Items over all pages (the pages hold exactly these).
            pub total_items: i64,
            /// Pages (at least 1: an empty list has one empty page).
            pub total_pages: i64,
            /// This page's number (from 1).
            pub page_number: i64,
            /// Items on this page.
            pub size: i64,
            /// Whether this is the first page.
            pub first_page: bool,
            /// Whether this is the last page.
            pub last_page: bool,
            /// Whether this page is empty.
            pub empty: bool,
            /// The items.
            pub contents: Vec<$item>,
        }

        impl $name {
            pub(crate) fn new(
                contents: Vec<$item>,
                total_items: i64,
                page: i64,
                per_page: i64,
            ) -> Self {
                let total_pages = ((total_items + per_page - 1) / per_page).max(1);
                Self {
                    total_items,
                    total_pages,
                    page_number: page,
                    size: i64::try_from(contents.len()).unwrap_or(i64::MAX),
                    first_page: page == 1,
                    last_page: page >= total_pages,
                    empty: contents.is_empty(),
                    contents,
                }
            }
        }
    };
}

oruk_page!(OrukServicePage, OrukService, "services");
oruk_page!(
    OrukServiceAtLocationPage,
    OrukServiceAtLocationListed,
    "services at locations"
);
oruk_page!(OrukTaxonomyPage, OrukTaxonomy, "taxonomies");
oruk_page!(OrukTaxonomyTermPage, OrukTaxonomyTerm, "taxonomy terms");
oruk_page!(OrukOrganizationPage, OrukOrganization, "organizations");
