//! The public ORUK endpoints: service information, services, services at
//! locations, taxonomies and terms. Uses the community feature's programme
//! types.

use crate::features::oruk::dto::OrukAddress;
use crate::features::oruk::dto::OrukLocation;
use crate::features::oruk::dto::OrukOrganization;
use crate::features::oruk::dto::OrukSchedule;
use crate::features::oruk::dto::OrukService;
use crate::features::oruk::dto::OrukServiceAtLocation;
use crate::features::oruk::dto::OrukServiceAtLocationListed;
use crate::features::oruk::dto::OrukServiceAtLocationPage;
use crate::features::oruk::dto::OrukServiceInfo;
use crate::features::oruk::dto::OrukServicePage;
use crate::features::oruk::dto::OrukServiceSummary;
use crate::features::oruk::dto::OrukTaxonomy;
use crate::features::oruk::dto::OrukTaxonomyPage;
use crate::features::oruk::dto::OrukTaxonomyTerm;
use crate::features::oruk::dto::OrukTaxonomyTermPage;
use crate::http::docs::BadRequest;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::state::AppState;
use actix_web::get;
use actix_web::web;
use actix_web::HttpResponse;
use chrono::DateTime;
use chrono::Utc;
use sct_domain::community::ProgrammeStatus;
use sct_domain::community::ProgrammeType;
use sct_persistence::community as repo;
use sct_persistence::community::HubRow;
use sct_persistence::community::ProgrammeFilter;
use sct_persistence::community::ProgrammeView;
use sct_persistence::community::SessionRow;
use serde::Deserialize;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::IntoParams;
use uuid::Uuid;

/// The HSDS version served.
const HSDS_VERSION: &str = "3.0";
/// The council service as the one HSDS organization of the feed.
const ORGANIZATION_ID: Uuid = Uuid::from_u128(0x5c7a_0000_0000_4000_8000_0000_0000_0001);
/// The taxonomy of programme types.
const TAXONOMY_ID: Uuid = Uuid::from_u128(0x5c7a_0000_0000_4000_8000_0000_0000_0002);

fn term_id(t: ProgrammeType) -> Uuid {
    let n = match t {
        ProgrammeType::ParentingProgramme => 0x11,
        ProgrammeType::SupportGroup => 0x12,
        ProgrammeType::Workshop => 0x13,
    };
    Uuid::from_u128(0x5c7a_0000_0000_4000_8000_0000_0000_0000 | n)
}

/// Paging and filters of the feed's lists (combined with AND).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrukListParams {
    /// Page number, from 1 (default 1; at most 1,000,000).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
    /// Only services of this taxonomy term (a programme type).
    pub taxonomy_term_id: Option<Uuid>,
    /// Only services changed at or after this time (RFC 3339).
    pub modified_after: Option<DateTime<Utc>>,
    /// Only services whose name or description contains this text (case-insensitive, 1 to 200 characters).
    #[param(min_length = 1, max_length = 200, example = "parenting")]
    pub text: Option<String>,
    /// Only services at a Family Hub in this postcode district: a full postcode or its outward code (`IP24 1AA` or `IP24`). No proximity search.
    #[param(
        max_length = 10,
        pattern = "^[A-Za-z]{1,2}[0-9][0-9A-Za-z]?( ?[0-9][A-Za-z]{2})?$",
        example = "IP24"
    )]
    pub postcode: Option<String>,
}

/// The outward code of a full postcode or of an outward code alone
/// (`ip24 1aa` and `IP24` give `IP24`); `None` when it is not one.
fn outward_code(postcode: &str) -> Option<String> {
    // Postcodes are ASCII; anything else is not one (and byte offsets
    // below are then character offsets).
    if !postcode.is_ascii() {
        return None;
    }
    let up: String = postcode
        .trim()
        .to_ascii_uppercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let outward = match up.split_once(' ') {
        Some((o, _)) => o.to_owned(),
        None if up.len() > 4 => up[..up.len() - 3].to_owned(),
        None => up,
    };
    let b = outward.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    let valid = (1..=2).contains(&letters)
        && (letters + 1..=letters + 2).contains(&b.len())
        && b[letters].is_ascii_digit()
        && b[letters + 1..]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    valid.then_some(outward)
}

/// The text and postcode filters, checked.
fn search(p: &OrukListParams) -> Result<(Option<String>, Option<String>), ApiError> {
    let text = match p.text.as_deref().map(str::trim) {
        None => None,
        Some(t) if t.is_empty() || t.chars().count() > 200 => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                "text has 1 to 200 characters",
            ))
        }
        Some(t) => Some(t.to_owned()),
    };
    let outward = match p.postcode.as_deref() {
        None => None,
        Some(pc) => Some(outward_code(pc).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                "postcode is a UK postcode or its outward code, e.g. IP24 1AA or IP24",
            )
        })?),
    };
    Ok((text, outward))
}

pub(crate) fn paging(p: &OrukListParams) -> Result<(i64, i64), ApiError> {
    let page = p.page.unwrap_or(1);
    let size = p.per_page.unwrap_or(50);
    if !(1..=1_000_000).contains(&page) {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "page starts at 1",
        ));
    }
    if !(1..=200).contains(&size) {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "per_page must be between 1 and 200",
        ));
    }
    Ok((page, size))
}

pub(crate) fn public(body: impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("access-control-allow-origin", "*"))
        .insert_header(("cache-control", "public, max-age=300"))
        .json(body)
}

pub(crate) fn organization() -> OrukOrganization {
    OrukOrganization {
        id: ORGANIZATION_ID,
        name: "School & Community Teams".into(),
        description: "The council's early-help SEND teams, one per zone, with the Family Hubs."
            .into(),
    }
}

pub(crate) fn taxonomy() -> OrukTaxonomy {
    OrukTaxonomy {
        id: TAXONOMY_ID,
        name: "SCT programme types".into(),
        description: "Kinds of group offer the School & Community Teams run for families.".into(),
        uri: None,
        version: Some("1".into()),
    }
}

pub(crate) fn term(t: ProgrammeType) -> OrukTaxonomyTerm {
    OrukTaxonomyTerm {
        id: term_id(t),
        code: t.as_str().to_owned(),
        name: t.label().to_owned(),
        description: t.label().to_owned(),
        parent_id: None,
        taxonomy: "SCT programme types".into(),
        taxonomy_id: TAXONOMY_ID,
        language: "en".into(),
    }
}

pub(crate) fn location(h: &HubRow) -> OrukLocation {
    OrukLocation {
        id: h.id,
        location_type: "physical".into(),
        name: h.name.clone(),
        latitude: None,
        longitude: None,
        addresses: vec![OrukAddress {
            id: h.id,
            location_id: h.id,
            address_1: h.address.clone(),
            city: String::new(),
            state_province: String::new(),
            postal_code: h.postcode.clone(),
            country: "GB".into(),
            address_type: "physical".into(),
        }],
    }
}

pub(crate) fn service(
    v: &ProgrammeView,
    hubs: &HashMap<Uuid, HubRow>,
    sessions: &HashMap<Uuid, Vec<SessionRow>>,
) -> OrukService {
    let r = &v.row;
    let kind = ProgrammeType::parse(&r.programme_type).unwrap_or(ProgrammeType::Workshop);
    let needs = if r.needs.is_empty() {
        String::new()
    } else {
        format!("; needs: {}", r.needs.join(", "))
    };
    OrukService {
        id: r.id,
        organization_id: ORGANIZATION_ID,
        name: r.title.clone(),
        description: r.description.clone(),
        status: status(r).into(),
        minimum_age: r.age_from,
        maximum_age: r.age_to,
        eligibility_description: format!(
            "Families of children aged {} to {}{needs}",
            r.age_from, r.age_to
        ),
        application_process: "Ask your school or the School & Community Team of your zone.".into(),
        last_modified: r.updated_at,
        organization: organization(),
        service_at_locations: r
            .hub_id
            .and_then(|h| hubs.get(&h))
            .map(|h| OrukServiceAtLocation {
                id: r.id,
                service_id: r.id,
                location_id: h.id,
                location: location(h),
            })
            .into_iter()
            .collect(),
        taxonomy_terms: vec![term(kind)],
        schedules: sessions
            .get(&r.id)
            .map(|ss| {
                ss.iter()
                    .map(|s| OrukSchedule {
                        id: s.id,
                        service_id: r.id,
                        valid_from: s.session_date,
                        valid_to: s.session_date,
                        dtstart: s.session_date,
                        opens_at: s.starts_at.map(|t| t.format("%H:%M:%S").to_string()),
                        closes_at: s.ends_at.map(|t| t.format("%H:%M:%S").to_string()),
                        description: s.topic.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// A published programme at its hub; `None` without a hub.
pub(crate) fn listed(
    v: &ProgrammeView,
    hubs: &HashMap<Uuid, HubRow>,
) -> Option<OrukServiceAtLocationListed> {
    let h = v.row.hub_id.and_then(|h| hubs.get(&h))?;
    Some(OrukServiceAtLocationListed {
        id: v.row.id,
        service_id: v.row.id,
        location_id: h.id,
        service: OrukServiceSummary {
            id: v.row.id,
            name: v.row.title.clone(),
            status: status(&v.row).into(),
        },
        location: location(h),
    })
}

pub(crate) fn status(r: &sct_persistence::community::ProgrammeRow) -> &'static str {
    match ProgrammeStatus::parse(&r.status) {
        Some(s) if s.is_published() => "active",
        Some(ProgrammeStatus::Draft) => "inactive",
        _ => "defunct",
    }
}

fn type_of_term(id: Option<Uuid>) -> Result<Option<String>, ()> {
    match id {
        None => Ok(None),
        Some(id) => ProgrammeType::ALL
            .iter()
            .find(|t| term_id(**t) == id)
            .map(|t| Some(t.as_str().to_owned()))
            .ok_or(()),
    }
}

/// Service information.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "Open Referral UK service information",
    operation_id = "oruk_service_info",
    description = "Public, no key. The HSDS version, the profile and where the OpenAPI document is.",
    responses(
        (status = 200, description = "Service information", body = OrukServiceInfo),
    ),
    security(())
)]
#[get("/")]
pub async fn oruk_service_info() -> HttpResponse {
    public(OrukServiceInfo {
        version: HSDS_VERSION.into(),
        profile: "https://openreferraluk.org/".into(),
        openapi_url: "/api/v1/openapi.json".into(),
    })
}

async fn published_page(
    state: &AppState,
    p: &OrukListParams,
) -> Result<
    Option<(
        Vec<ProgrammeView>,
        i64,
        i64,
        i64,
        HashMap<Uuid, HubRow>,
        HashMap<Uuid, Vec<SessionRow>>,
    )>,
    ApiError,
> {
    let (page, size) = paging(p)?;
    let (text, outward_code) = search(p)?;
    let Ok(kind) = type_of_term(p.taxonomy_term_id) else {
        return Ok(None);
    };
    let f = ProgrammeFilter {
        published: true,
        programme_type: kind,
        modified_after: p.modified_after,
        text,
        outward_code,
        ..ProgrammeFilter::default()
    };
    let mut conn = state.db.conn().await?;
    let (rows, total) = repo::page_programmes(&mut conn, &f, (page - 1) * size, size).await?;
    let hub_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.row.hub_id).collect();
    let hubs = repo::hubs_by_id(&mut conn, &hub_ids).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.row.id).collect();
    let sessions = repo::sessions_of(&mut conn, &ids).await?;
    Ok(Some((rows, total, page, size, hubs, sessions)))
}

/// List services.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "List services (published programmes)",
    operation_id = "oruk_list_services",
    description = "Public, no key. Open and running programmes as HSDS services, paged by number in the ORUK envelope. No personal data.",
    params(OrukListParams),
    responses(
        (status = 200, description = "A page of services", body = OrukServicePage),
        (status = 400, response = BadRequest),
    ),
    security(())
)]
#[get("/services")]
pub async fn oruk_list_services(
    state: web::Data<AppState>,
    p: web::Query<OrukListParams>,
) -> Result<HttpResponse, ApiError> {
    let (page, size) = paging(&p)?;
    search(&p)?;
    let Some((rows, total, page, size, hubs, sessions)) = published_page(&state, &p).await? else {
        return Ok(public(OrukServicePage::new(Vec::new(), 0, page, size)));
    };
    let contents = rows.iter().map(|v| service(v, &hubs, &sessions)).collect();
    Ok(public(OrukServicePage::new(contents, total, page, size)))
}

/// A published programme and its hub; anything else answers 404.
async fn published_programme(
    conn: &mut sct_persistence::Connection,
    id: Uuid,
) -> Result<
    (
        repo::ProgrammeView,
        std::collections::HashMap<Uuid, repo::HubRow>,
    ),
    ApiError,
> {
    let v = repo::get_programme(conn, id).await?;
    if !ProgrammeStatus::parse(&v.row.status).is_some_and(ProgrammeStatus::is_published) {
        return Err(ApiError::not_found());
    }
    let hubs = repo::hubs_by_id(conn, &v.row.hub_id.into_iter().collect::<Vec<_>>()).await?;
    Ok((v, hubs))
}

/// Read a service.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "Read a service",
    operation_id = "oruk_get_service",
    description = "Public, no key. One published programme as an HSDS service, with its location, taxonomy term and schedules. Unpublished programmes answer 404.",
    params(("id" = Uuid, Path, description = "Service id")),
    responses(
        (status = 200, description = "The service", body = OrukService),
        (status = 404, response = NotFound),
    ),
    security(())
)]
#[get("/services/{id}")]
pub async fn oruk_get_service(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let (v, hubs) = published_programme(&mut conn, id.into_inner()).await?;
    let sessions = repo::sessions_of(&mut conn, &[v.row.id]).await?;
    Ok(public(service(&v, &hubs, &sessions)))
}

/// List services at locations.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "List services at locations",
    operation_id = "oruk_list_service_at_locations",
    description = "Public, no key. Each published programme that runs at a Family Hub, with the hub as its location. Paged over the published programmes; those without a hub are left out of a page's contents.",
    params(OrukListParams),
    responses(
        (status = 200, description = "A page of services at locations", body = OrukServiceAtLocationPage),
        (status = 400, response = BadRequest),
    ),
    security(())
)]
#[get("/service_at_locations")]
pub async fn oruk_list_service_at_locations(
    state: web::Data<AppState>,
    p: web::Query<OrukListParams>,
) -> Result<HttpResponse, ApiError> {
    let (page, size) = paging(&p)?;
    search(&p)?;
    let Some((rows, total, page, size, hubs, _)) = published_page(&state, &p).await? else {
        return Ok(public(OrukServiceAtLocationPage::new(
            Vec::new(),
            0,
            page,
            size,
        )));
    };
    let contents = rows.iter().filter_map(|v| listed(v, &hubs)).collect();
    Ok(public(OrukServiceAtLocationPage::new(
        contents, total, page, size,
    )))
}

/// Paging of the taxonomy list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrukPageParams {
    /// Page number, from 1 (default 1; at most 1,000,000).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
}

/// List taxonomies.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "List taxonomies",
    operation_id = "oruk_list_taxonomies",
    description = "Public, no key. The one taxonomy of the feed: programme types (parenting programme, support group, workshop); services carry their term in `taxonomy_terms`.",
    params(OrukPageParams),
    responses(
        (status = 200, description = "A page of taxonomies", body = OrukTaxonomyPage),
        (status = 400, response = BadRequest),
    ),
    security(())
)]
#[get("/taxonomies")]
pub async fn oruk_list_taxonomies(p: web::Query<OrukPageParams>) -> Result<HttpResponse, ApiError> {
    let params = OrukListParams {
        page: p.page,
        per_page: p.per_page,
        taxonomy_term_id: None,
        modified_after: None,
        text: None,
        postcode: None,
    };
    let (page, size) = paging(&params)?;
    let all = [taxonomy()];
    let start = usize::try_from((page - 1) * size).unwrap_or(usize::MAX);
    let contents: Vec<OrukTaxonomy> = all
        .iter()
        .skip(start)
        .take(usize::try_from(size).unwrap_or(50))
        .cloned()
        .collect();
    Ok(public(OrukTaxonomyPage::new(contents, 1, page, size)))
}

/// Read a service at a location.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "Read a service at a location",
    operation_id = "oruk_get_service_at_location",
    description = "Public, no key. One published programme that runs at a Family Hub (the id is the programme's), with a summary of the service and the hub as its location. Unpublished programmes and programmes without a hub answer 404.",
    params(("id" = Uuid, Path, description = "Service at location id")),
    responses(
        (status = 200, description = "The service at its location", body = OrukServiceAtLocationListed),
        (status = 404, response = NotFound),
    ),
    security(())
)]
#[get("/service_at_locations/{id}")]
pub async fn oruk_get_service_at_location(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let (v, hubs) = published_programme(&mut conn, id.into_inner()).await?;
    Ok(public(listed(&v, &hubs).ok_or_else(ApiError::not_found)?))
}

/// List taxonomy terms.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "List taxonomy terms",
    operation_id = "oruk_list_taxonomy_terms",
    description = "Public, no key. The terms of the feed's one taxonomy, programme types (parenting programme, support group, workshop), as HSDS taxonomy terms; `/oruk/services?taxonomy_term_id=` filters by one.",
    params(OrukPageParams),
    responses(
        (status = 200, description = "A page of taxonomy terms", body = OrukTaxonomyTermPage),
        (status = 400, response = BadRequest),
    ),
    security(())
)]
#[get("/taxonomy_terms")]
pub async fn oruk_list_taxonomy_terms(
    p: web::Query<OrukPageParams>,
) -> Result<HttpResponse, ApiError> {
    let params = OrukListParams {
        page: p.page,
        per_page: p.per_page,
        taxonomy_term_id: None,
        modified_after: None,
        text: None,
        postcode: None,
    };
    let (page, size) = paging(&params)?;
    let all: Vec<OrukTaxonomyTerm> = ProgrammeType::ALL.iter().map(|t| term(*t)).collect();
    let total = i64::try_from(all.len()).unwrap_or(0);
    let start = usize::try_from((page - 1) * size).unwrap_or(usize::MAX);
    let contents: Vec<OrukTaxonomyTerm> = all
        .into_iter()
        .skip(start)
        .take(usize::try_from(size).unwrap_or(50))
        .collect();
    Ok(public(OrukTaxonomyTermPage::new(
        contents, total, page, size,
    )))
}

/// Read a taxonomy term.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "Read a taxonomy term",
    operation_id = "oruk_get_taxonomy_term",
    description = "Public, no key. One programme type as an HSDS taxonomy term; an unknown id answers 404.",
    params(("id" = Uuid, Path, description = "Taxonomy term id")),
    responses(
        (status = 200, description = "The taxonomy term", body = OrukTaxonomyTerm),
        (status = 404, response = NotFound),
    ),
    security(())
)]
#[get("/taxonomy_terms/{id}")]
pub async fn oruk_get_taxonomy_term(id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let t = ProgrammeType::ALL
        .iter()
        .find(|t| term_id(**t) == id)
        .ok_or_else(ApiError::not_found)?;
    Ok(public(term(*t)))
}

#[cfg(test)]
mod tests {
    use super::outward_code;

    #[test]
    fn postcodes_give_their_outward_code() {
        assert_eq!(outward_code("ip24 1aa").as_deref(), Some("IP24"));
        assert_eq!(outward_code("IP241AA").as_deref(), Some("IP24"));
        assert_eq!(outward_code("NR1").as_deref(), Some("NR1"));
        assert_eq!(outward_code("EC1A 1BB").as_deref(), Some("EC1A"));
        assert_eq!(outward_code(" SW1A  2AA ").as_deref(), Some("SW1A"));
        assert_eq!(outward_code("24IP"), None);
        assert_eq!(outward_code("%"), None);
        assert_eq!(outward_code(""), None);
        // Not ASCII: refused, not sliced inside a character (found by Schemathesis).
        assert_eq!(outward_code("Cò\u{ff9ad}1\u{fffad}"), None);
        assert_eq!(outward_code("ÉC1A 1BB"), None);
    }
}
