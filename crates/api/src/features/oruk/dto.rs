//! The HSDS 3.0 / ORUK shapes the feed serves, and its page envelope.

use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// What the feed is (`GET /oruk/`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukServiceInfo {
    /// The HSDS version.
    #[schema(example = "3.0")]
    pub version: String,
    /// The profile the feed follows.
    pub profile: String,
    /// Where the OpenAPI document is.
    pub openapi_url: String,
}

/// The organization that provides the services.
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
    /// URI of the taxonomy.
    pub uri: Option<String>,
    /// Version.
    pub version: Option<String>,
}

/// A term of the taxonomy (HSDS `taxonomy_term`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukTaxonomyTerm {
    /// Identifier.
    pub id: Uuid,
    /// Code of the term in its taxonomy.
    pub code: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Parent term (none: the taxonomy is flat).
    pub parent_id: Option<Uuid>,
    /// Name of the taxonomy.
    pub taxonomy: String,
    /// The taxonomy.
    pub taxonomy_id: Uuid,
    /// Language of the term.
    pub language: String,
}

/// A postal address of a location (HSDS `address`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukAddress {
    /// Identifier.
    pub id: Uuid,
    /// The location.
    pub location_id: Uuid,
    /// First line of the address.
    pub address_1: String,
    /// City (not recorded separately: empty).
    pub city: String,
    /// County or region (not recorded separately: empty).
    pub state_province: String,
    /// Postcode.
    pub postal_code: String,
    /// ISO 3166-1 country code.
    pub country: String,
    /// `physical`.
    pub address_type: String,
}

/// A Family Hub as a location (HSDS `location`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrukLocation {
    /// Identifier (the hub's id).
    pub id: Uuid,
    /// `physical`.
    pub location_type: String,
    /// Name.
    pub name: String,
    /// Latitude (not recorded).
    pub latitude: Option<f64>,
    /// Longitude (not recorded).
    pub longitude: Option<f64>,
    /// Addresses.
    pub addresses: Vec<OrukAddress>,
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
    /// Opening time (local, `HH:MM:SS`).
    pub opens_at: Option<String>,
    /// Closing time (local).
    pub closes_at: Option<String>,
    /// What the session is about.
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
    pub status: String,
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
    #[schema(example = "active")]
    pub status: String,
    /// Youngest age served.
    pub minimum_age: i32,
    /// Oldest age served.
    pub maximum_age: i32,
    /// Who it is for.
    pub eligibility_description: String,
    /// How to join.
    pub application_process: String,
    /// When it last changed.
    pub last_modified: DateTime<Utc>,
    /// The organization.
    pub organization: OrukOrganization,
    /// Where it runs.
    pub service_at_locations: Vec<OrukServiceAtLocation>,
    /// Its programme type.
    pub taxonomy_terms: Vec<OrukTaxonomyTerm>,
    /// Its dated sessions.
    pub schedules: Vec<OrukSchedule>,
}

macro_rules! oruk_page {
    ($name:ident, $item:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, " in the Open Referral UK envelope.")]
        #[derive(Debug, Clone, Serialize, ToSchema)]
        pub struct $name {
            /// Items over all pages.
            pub total_items: i64,
            /// Pages.
            pub total_pages: i64,
            /// This page's number (from 1).
            pub page_number: i64,
            /// Items per page.
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
                size: i64,
            ) -> Self {
                let total_pages = (total_items + size - 1) / size;
                Self {
                    total_items,
                    total_pages,
                    page_number: page,
                    size,
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
