//! The public ORUK endpoints: service information, services, services at
//! locations, taxonomies, terms and organizations. Uses the community
//! feature's programmes, hubs and sessions (see `map`).

use crate::features::oruk::dto::OrukOrganization;
use crate::features::oruk::dto::OrukOrganizationPage;
use crate::features::oruk::dto::OrukService;
use crate::features::oruk::dto::OrukServiceAtLocationListed;
use crate::features::oruk::dto::OrukServiceAtLocationPage;
use crate::features::oruk::dto::OrukServiceInfo;
use crate::features::oruk::dto::OrukServicePage;
use crate::features::oruk::dto::OrukTaxonomy;
use crate::features::oruk::dto::OrukTaxonomyPage;
use crate::features::oruk::dto::OrukTaxonomyTerm;
use crate::features::oruk::dto::OrukTaxonomyTermPage;
use crate::features::oruk::map;
use crate::features::oruk::params::ignored;
use crate::features::oruk::params::matches;
use crate::features::oruk::params::paging;
use crate::features::oruk::params::postcode;
use crate::features::oruk::params::search_text;
use crate::features::oruk::params::OrukListParams;
use crate::features::oruk::params::OrukOrganizationItemParams;
use crate::features::oruk::params::OrukOrganizationParams;
use crate::features::oruk::params::OrukTaxonomyParams;
use crate::features::oruk::params::OrukTermParams;
use crate::http::docs::BadRequest;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use actix_web::get;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_domain::community::ProgrammeStatus;
use sct_domain::community::ProgrammeType;
use sct_domain::WireName;
use sct_persistence::community as repo;
use sct_persistence::community::HubRow;
use sct_persistence::community::ProgrammeFilter;
use sct_persistence::community::ProgrammeView;
use sct_persistence::community::SessionRow;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// The HSDS version served.
const HSDS_VERSION: &str = "3.0";

/// A 200 of the public feed, cacheable for five minutes (the
/// `Access-Control-Allow-Origin: *` of every ORUK answer is set by
/// `middleware::headers::oruk_any_origin`).
pub(crate) fn public(body: impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=300"))
        .json(body)
}

/// One page of a list held in memory, and its total.
fn page_of<T>(all: Vec<T>, page: i64, size: i64) -> (Vec<T>, i64) {
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let start = usize::try_from((page - 1) * size).unwrap_or(usize::MAX);
    let contents = all
        .into_iter()
        .skip(start)
        .take(usize::try_from(size).unwrap_or(50))
        .collect();
    (contents, total)
}

/// The service's public base URL: `SCT_PUBLIC_URL`, else the request's
/// scheme and `Host` (forwarding headers are not trusted for it).
fn base_url(state: &AppState, req: &HttpRequest) -> String {
    if let Some(u) = &state.public_url {
        return u.clone();
    }
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if req.app_config().secure() {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

fn service_info(state: &AppState, req: &HttpRequest) -> HttpResponse {
    public(OrukServiceInfo {
        version: HSDS_VERSION.into(),
        profile: "https://openreferraluk.org/".into(),
        openapi_url: format!("{}/api/v1/openapi.json", base_url(state, req)),
    })
}

/// Service information.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "Open Referral UK service information",
    operation_id = "oruk_service_info",
    description = "Public, no key. The HSDS version (`3.0`), the profile and the absolute URL of the OpenAPI document (built from `SCT_PUBLIC_URL`, else the request's host). `GET /oruk` answers the same. Every ORUK answer, errors included, carries `Access-Control-Allow-Origin: *`.",
    responses(
        (status = 200, description = "Service information", body = OrukServiceInfo),
    ),
    security(())
)]
#[get("/")]
pub async fn oruk_service_info(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    service_info(&state, &req)
}

/// `GET /oruk` (no slash): the same as `GET /oruk/`.
pub async fn oruk_service_info_no_slash(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> HttpResponse {
    service_info(&state, &req)
}

/// A page of published programmes, with their hubs and sessions.
struct Published {
    rows: Vec<ProgrammeView>,
    total: i64,
    hubs: HashMap<Uuid, HubRow>,
    sessions: HashMap<Uuid, Vec<SessionRow>>,
}

/// The published programmes of a page; `at_hub`: only those at a hub (the
/// services at locations). Parameters are checked before any filter that
/// matches nothing answers an empty page.
async fn published_page(
    state: &AppState,
    p: &OrukListParams,
    page: i64,
    size: i64,
    at_hub: bool,
) -> Result<Published, ApiError> {
    let search = search_text("search", p.search.as_deref())?;
    ignored("format", p.format.as_deref())?;
    let text = search_text("text", p.text.as_deref())?;
    let outward_code = postcode(p)?;
    ignored("proximity", p.proximity.as_deref())?;
    let kind = match p.taxonomy_term_id.as_deref() {
        None => None,
        Some(id) => map::type_of_term(id).map(|t| t.as_str().to_owned()),
    };
    let none = (p.taxonomy_term_id.is_some() && kind.is_none())
        || p.taxonomy_id
            .as_deref()
            .is_some_and(|id| !map::is_id(id, map::TAXONOMY_ID))
        || p.organization_id
            .as_deref()
            .is_some_and(|id| !map::is_id(id, map::ORGANIZATION_ID));
    if none {
        return Ok(Published {
            rows: Vec::new(),
            total: 0,
            hubs: HashMap::new(),
            sessions: HashMap::new(),
        });
    }
    let f = ProgrammeFilter {
        published: true,
        programme_type: kind,
        modified_after: p.modified_after,
        text: search.or(text),
        outward_code,
        at_hub,
        ..ProgrammeFilter::default()
    };
    let mut conn = state.db.conn().await?;
    let (rows, total) = repo::page_programmes(&mut conn, &f, (page - 1) * size, size).await?;
    let hub_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.row.hub_id).collect();
    let hubs = repo::hubs_by_id(&mut conn, &hub_ids).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.row.id).collect();
    let sessions = if at_hub || !p.full.unwrap_or(false) {
        HashMap::new()
    } else {
        repo::sessions_of(&mut conn, &ids).await?
    };
    Ok(Published {
        rows,
        total,
        hubs,
        sessions,
    })
}

/// List services.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "List services (published programmes)",
    operation_id = "oruk_list_services",
    description = "Public, no key. Open and running programmes as HSDS services, paged by number in the ORUK envelope (`size` is the number of items on the page). Items hold the one-to-one fields (and the organization), as ORUK's list schema describes; `full=true` nests each fully, as `/oruk/services/{id}` does. Takes the standard ORUK parameters: `search`, `taxonomy_term_id`, `taxonomy_id`, `organization_id`, `modified_after` and `full` are honoured; `minimal`, `format` and `proximity` are accepted and ignored (see each). No personal data.",
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
    let (page, size) = paging(p.page, p.per_page)?;
    let found = published_page(&state, &p, page, size, false).await?;
    let contents = found
        .rows
        .iter()
        .map(|v| map::service(v, &found.hubs, &found.sessions, p.full.unwrap_or(false)))
        .collect();
    Ok(public(OrukServicePage::new(
        contents,
        found.total,
        page,
        size,
    )))
}

/// A published programme and its hub; anything else answers 404.
async fn published_programme(
    conn: &mut sct_persistence::Connection,
    id: Uuid,
) -> Result<(ProgrammeView, HashMap<Uuid, HubRow>), ApiError> {
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
    description = "Public, no key. One published programme as an HSDS service, with its location, its programme type (a taxonomy term linked through `attributes`) and its schedules. Unpublished programmes answer 404.",
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
    Ok(public(map::service(&v, &hubs, &sessions, true)))
}

/// List services at locations.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "List services at locations",
    operation_id = "oruk_list_service_at_locations",
    description = "Public, no key. Each published programme that runs at a Family Hub, with the hub as its location (its address with `full=true`); programmes without a hub are not counted. Takes the parameters of `/oruk/services`, `postcode` and `proximity` (ignored: no coordinates are recorded).",
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
    let (page, size) = paging(p.page, p.per_page)?;
    let found = published_page(&state, &p, page, size, true).await?;
    let contents = found
        .rows
        .iter()
        .filter_map(|v| map::listed(v, &found.hubs, p.full.unwrap_or(false)))
        .collect();
    Ok(public(OrukServiceAtLocationPage::new(
        contents,
        found.total,
        page,
        size,
    )))
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
    Ok(public(
        map::listed(&v, &hubs, true).ok_or_else(ApiError::not_found)?,
    ))
}

/// List taxonomies.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "List taxonomies",
    operation_id = "oruk_list_taxonomies",
    description = "Public, no key. The one taxonomy of the feed: programme types (parenting programme, support group, workshop); services carry their term in `attributes`. `search` filters; `format` is ignored.",
    params(OrukTaxonomyParams),
    responses(
        (status = 200, description = "A page of taxonomies", body = OrukTaxonomyPage),
        (status = 400, response = BadRequest),
    ),
    security(())
)]
#[get("/taxonomies")]
pub async fn oruk_list_taxonomies(
    p: web::Query<OrukTaxonomyParams>,
) -> Result<HttpResponse, ApiError> {
    let (page, size) = paging(p.page, p.per_page)?;
    let search = search_text("search", p.search.as_deref())?;
    ignored("format", p.format.as_deref())?;
    let all: Vec<OrukTaxonomy> = [map::taxonomy()]
        .into_iter()
        .filter(|t| matches(search.as_deref(), &[&t.name, &t.description]))
        .collect();
    let (contents, total) = page_of(all, page, size);
    Ok(public(OrukTaxonomyPage::new(contents, total, page, size)))
}

/// Read a taxonomy.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "Read a taxonomy",
    operation_id = "oruk_get_taxonomy",
    description = "Public, no key. The feed's one taxonomy, programme types; any other id answers 404.",
    params(("id" = Uuid, Path, description = "Taxonomy id")),
    responses(
        (status = 200, description = "The taxonomy", body = OrukTaxonomy),
        (status = 404, response = NotFound),
    ),
    security(())
)]
#[get("/taxonomies/{id}")]
pub async fn oruk_get_taxonomy(id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    if id.into_inner() != map::TAXONOMY_ID {
        return Err(ApiError::not_found());
    }
    Ok(public(map::taxonomy()))
}

/// List taxonomy terms.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "List taxonomy terms",
    operation_id = "oruk_list_taxonomy_terms",
    description = "Public, no key. The terms of the feed's one taxonomy, programme types (parenting programme, support group, workshop), as HSDS taxonomy terms; `/oruk/services?taxonomy_term_id=` filters by one. `search`, `taxonomy_id`, `top_only` and `parent_id` filter (the taxonomy is flat: every term is top-level and none has children); `format` is ignored.",
    params(OrukTermParams),
    responses(
        (status = 200, description = "A page of taxonomy terms", body = OrukTaxonomyTermPage),
        (status = 400, response = BadRequest),
    ),
    security(())
)]
#[get("/taxonomy_terms")]
pub async fn oruk_list_taxonomy_terms(
    p: web::Query<OrukTermParams>,
) -> Result<HttpResponse, ApiError> {
    let (page, size) = paging(p.page, p.per_page)?;
    let search = search_text("search", p.search.as_deref())?;
    ignored("format", p.format.as_deref())?;
    let none = p.parent_id.is_some()
        || p.taxonomy_id
            .as_deref()
            .is_some_and(|id| !map::is_id(id, map::TAXONOMY_ID));
    let all: Vec<OrukTaxonomyTerm> = ProgrammeType::ALL
        .iter()
        .map(|t| map::term(*t))
        .filter(|t| !none && matches(search.as_deref(), &[&t.code, &t.name, &t.description]))
        .collect();
    let (contents, total) = page_of(all, page, size);
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
    let t = map::type_of_term(&id.into_inner().to_string()).ok_or_else(ApiError::not_found)?;
    Ok(public(map::term(t)))
}

/// List organizations.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "List organizations",
    operation_id = "oruk_list_organizations",
    description = "Public, no key. The one organization of the feed: the council's School & Community Teams service, which provides every service. `search` filters; `full`, `full_service` and `format` are accepted and ignored (see each).",
    params(OrukOrganizationParams),
    responses(
        (status = 200, description = "A page of organizations", body = OrukOrganizationPage),
        (status = 400, response = BadRequest),
    ),
    security(())
)]
#[get("/organizations")]
pub async fn oruk_list_organizations(
    p: web::Query<OrukOrganizationParams>,
) -> Result<HttpResponse, ApiError> {
    let (page, size) = paging(p.page, p.per_page)?;
    let search = search_text("search", p.search.as_deref())?;
    ignored("format", p.format.as_deref())?;
    let all: Vec<OrukOrganization> = [map::organization()]
        .into_iter()
        .filter(|o| matches(search.as_deref(), &[&o.name, &o.description]))
        .collect();
    let (contents, total) = page_of(all, page, size);
    Ok(public(OrukOrganizationPage::new(
        contents, total, page, size,
    )))
}

/// Read an organization.
#[utoipa::path(
    tag = "Open Referral UK",
    summary = "Read an organization",
    operation_id = "oruk_get_organization",
    description = "Public, no key. The council's School & Community Teams service as the HSDS organization; any other id answers 404. `full_service` is accepted and ignored: `/oruk/services?organization_id=` lists its services.",
    params(("id" = Uuid, Path, description = "Organization id"), OrukOrganizationItemParams),
    responses(
        (status = 200, description = "The organization", body = OrukOrganization),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    ),
    security(())
)]
#[get("/organizations/{id}")]
pub async fn oruk_get_organization(
    id: web::Path<Uuid>,
    _p: web::Query<OrukOrganizationItemParams>,
) -> Result<HttpResponse, ApiError> {
    if id.into_inner() != map::ORGANIZATION_ID {
        return Err(ApiError::not_found());
    }
    Ok(public(map::organization()))
}
