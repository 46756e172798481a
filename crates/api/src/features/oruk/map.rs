//! From the community feature's records to the feed's HSDS shapes: the one
//! organization, the one taxonomy and its terms, hubs as locations,
//! programmes as services. No personal data: enrolments and attendance are
//! never read.

use crate::features::oruk::dto::OrukAddress;
use crate::features::oruk::dto::OrukAttribute;
use crate::features::oruk::dto::OrukLocation;
use crate::features::oruk::dto::OrukOrganization;
use crate::features::oruk::dto::OrukPlaceType;
use crate::features::oruk::dto::OrukSchedule;
use crate::features::oruk::dto::OrukService;
use crate::features::oruk::dto::OrukServiceAtLocation;
use crate::features::oruk::dto::OrukServiceAtLocationListed;
use crate::features::oruk::dto::OrukServiceStatus;
use crate::features::oruk::dto::OrukServiceSummary;
use crate::features::oruk::dto::OrukTaxonomy;
use crate::features::oruk::dto::OrukTaxonomyTerm;
use sct_domain::community::ProgrammeStatus;
use sct_domain::community::ProgrammeType;
use sct_domain::WireName;
use sct_persistence::community::HubRow;
use sct_persistence::community::ProgrammeRow;
use sct_persistence::community::ProgrammeView;
use sct_persistence::community::SessionRow;
use std::collections::HashMap;
use uuid::Uuid;

/// The council service as the one HSDS organization of the feed.
pub(crate) const ORGANIZATION_ID: Uuid = Uuid::from_u128(0x5c7a_0000_0000_4000_8000_0000_0000_0001);
/// The taxonomy of programme types.
pub(crate) const TAXONOMY_ID: Uuid = Uuid::from_u128(0x5c7a_0000_0000_4000_8000_0000_0000_0002);
/// XORed with a service's id to give the id of its programme-type attribute:
/// zero in the version and variant bits, so the result is a UUID of the
/// same version, stable and distinct from every service id.
const ATTRIBUTE_SALT: u128 = 0x0000_0000_a77e_0000_0000_0000_0000_0001;
/// The name of the taxonomy.
const TAXONOMY_NAME: &str = "SCT programme types";
/// `state_province` of every address: the hub's county is not recorded, and
/// every Family Hub of the council is in England.
const NATION: &str = "England";

/// The id of a programme type's term.
pub(crate) fn term_id(t: ProgrammeType) -> Uuid {
    let n = match t {
        ProgrammeType::ParentingProgramme => 0x11,
        ProgrammeType::SupportGroup => 0x12,
        ProgrammeType::Workshop => 0x13,
    };
    Uuid::from_u128(0x5c7a_0000_0000_4000_8000_0000_0000_0000 | n)
}

/// The programme type of a term id; `None` for any other text.
pub(crate) fn type_of_term(id: &str) -> Option<ProgrammeType> {
    let id = Uuid::parse_str(id.trim()).ok()?;
    ProgrammeType::ALL
        .iter()
        .copied()
        .find(|t| term_id(*t) == id)
}

/// Whether `id` is the id `ours` (any other text, not a UUID too, is not).
pub(crate) fn is_id(id: &str, ours: Uuid) -> bool {
    Uuid::parse_str(id.trim()).is_ok_and(|u| u == ours)
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
        name: TAXONOMY_NAME.into(),
        description: "Kinds of group offer the School & Community Teams run for families.".into(),
        version: "1".into(),
    }
}

pub(crate) fn term(t: ProgrammeType) -> OrukTaxonomyTerm {
    OrukTaxonomyTerm {
        id: term_id(t),
        code: t.as_str().to_owned(),
        term: t.as_str().to_owned(),
        name: t.label().to_owned(),
        description: t.label().to_owned(),
        taxonomy: TAXONOMY_NAME.into(),
        taxonomy_id: TAXONOMY_ID,
        language: "en".into(),
    }
}

/// The first line(s) and the town of a hub's one-line address: split at its
/// last comma; an address of one part is both (a required field is never
/// empty).
fn split_address(address: &str) -> (String, String) {
    let address = address.trim();
    match address.rsplit_once(',') {
        Some((first, town)) if !first.trim().is_empty() && !town.trim().is_empty() => {
            (first.trim().to_owned(), town.trim().to_owned())
        }
        _ => (address.to_owned(), address.to_owned()),
    }
}

/// A hub as a location; `full`: with its address (list items hold the
/// one-to-one fields only).
pub(crate) fn location(h: &HubRow, full: bool) -> OrukLocation {
    let (address_1, city) = split_address(&h.address);
    OrukLocation {
        id: h.id,
        location_type: OrukPlaceType::Physical,
        name: h.name.clone(),
        addresses: full.then(|| {
            vec![OrukAddress {
                id: h.id,
                location_id: h.id,
                address_1,
                city,
                state_province: NATION.into(),
                postal_code: h.postcode.clone(),
                country: "GB".into(),
                address_type: OrukPlaceType::Physical,
            }]
        }),
    }
}

pub(crate) fn status(r: &ProgrammeRow) -> OrukServiceStatus {
    match ProgrammeStatus::parse(&r.status) {
        Some(s) if s.is_published() => OrukServiceStatus::Active,
        Some(ProgrammeStatus::Draft) => OrukServiceStatus::Inactive,
        _ => OrukServiceStatus::Defunct,
    }
}

fn schedule(service_id: Uuid, s: &SessionRow) -> OrukSchedule {
    OrukSchedule {
        id: s.id,
        service_id,
        valid_from: s.session_date,
        valid_to: s.session_date,
        dtstart: s.session_date,
        opens_at: s.starts_at.map(|t| t.format("%H:%M:%S").to_string()),
        closes_at: s.ends_at.map(|t| t.format("%H:%M:%S").to_string()),
        description: s.topic.clone().filter(|t| !t.trim().is_empty()),
    }
}

/// A programme as a service; `full`: fully nested (its location, attribute
/// and schedules), as items are; list items hold the one-to-one fields only.
pub(crate) fn service(
    v: &ProgrammeView,
    hubs: &HashMap<Uuid, HubRow>,
    sessions: &HashMap<Uuid, Vec<SessionRow>>,
    full: bool,
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
        status: status(r),
        minimum_age: r.age_from,
        maximum_age: r.age_to,
        eligibility_description: format!(
            "Families of children aged {} to {}{needs}",
            r.age_from, r.age_to
        ),
        application_process: "Ask your school or the School & Community Team of your zone.".into(),
        last_modified: r.updated_at,
        organization: organization(),
        service_at_locations: full.then(|| {
            r.hub_id
                .and_then(|h| hubs.get(&h))
                .map(|h| OrukServiceAtLocation {
                    id: r.id,
                    service_id: r.id,
                    location_id: h.id,
                    location: location(h, true),
                })
                .into_iter()
                .collect()
        }),
        attributes: full.then(|| {
            vec![OrukAttribute {
                id: Uuid::from_u128(r.id.as_u128() ^ ATTRIBUTE_SALT),
                link_id: r.id,
                taxonomy_term_id: term_id(kind),
                link_type: "programme_type".into(),
                link_entity: "service".into(),
                taxonomy_term: term(kind),
            }]
        }),
        schedules: full.then(|| {
            sessions
                .get(&r.id)
                .map(|ss| ss.iter().map(|s| schedule(r.id, s)).collect())
                .unwrap_or_default()
        }),
    }
}

/// A published programme at its hub; `None` without a hub. `full`: the
/// location with its address.
pub(crate) fn listed(
    v: &ProgrammeView,
    hubs: &HashMap<Uuid, HubRow>,
    full: bool,
) -> Option<OrukServiceAtLocationListed> {
    let h = v.row.hub_id.and_then(|h| hubs.get(&h))?;
    Some(OrukServiceAtLocationListed {
        id: v.row.id,
        service_id: v.row.id,
        location_id: h.id,
        service: OrukServiceSummary {
            id: v.row.id,
            name: v.row.title.clone(),
            status: status(&v.row),
        },
        location: location(h, full),
    })
}

#[cfg(test)]
mod tests {
    use super::split_address;

    #[test]
    fn an_address_splits_at_its_last_comma() {
        let s = |a: &str| split_address(a);
        assert_eq!(
            s("2 Market Place, Dereham"),
            ("2 Market Place".into(), "Dereham".into())
        );
        assert_eq!(
            s("Unit 4, Mill Lane, Thetford "),
            ("Unit 4, Mill Lane".into(), "Thetford".into())
        );
        assert_eq!(
            s("1 Example Street"),
            ("1 Example Street".into(), "1 Example Street".into())
        );
        assert_eq!(s("Dereham,"), ("Dereham,".into(), "Dereham,".into()));
    }
}
