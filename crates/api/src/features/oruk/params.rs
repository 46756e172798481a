//! The query parameters of the feed: the standard ORUK ones (as the ORUK 3.0
//! OpenAPI lists them per endpoint), honoured where the data allows and
//! otherwise accepted and ignored for a stated reason, plus the feed's own
//! `text` (an older name of `search`) and `postcode`.

use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use chrono::DateTime;
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

/// Paging and filters of `/services` and `/service_at_locations` (combined
/// with AND).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrukListParams {
    /// Page number, from 1 (default 1; at most 1,000,000).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
    /// Only services whose name or description contains this text (case-insensitive, 1 to 200 characters).
    #[param(min_length = 1, max_length = 200, example = "parenting")]
    pub search: Option<String>,
    /// The same as `search` (the feed's older name for it); with both, `search` applies.
    #[param(min_length = 1, max_length = 200, example = "parenting")]
    pub text: Option<String>,
    /// Only services of this taxonomy term (a programme type); an unknown id matches nothing.
    pub taxonomy_term_id: Option<String>,
    /// Only services with a term of this taxonomy: the feed has one, so its id matches every service and any other id none.
    pub taxonomy_id: Option<String>,
    /// Only services of this organization: the feed has one, so its id matches every service and any other id none.
    pub organization_id: Option<String>,
    /// Only services changed at or after this time (RFC 3339).
    pub modified_after: Option<DateTime<Utc>>,
    /// Accepted and ignored: the list items are already small, and ORUK's list schema requires `name` and `status`, which a minimal item would leave out.
    pub minimal: Option<bool>,
    /// `true`: each item fully nested, as the item endpoints send it (a service's locations with their addresses, attributes and schedules; a location's addresses). Default: the one-to-one fields only, as ORUK's list schemas describe.
    pub full: Option<bool>,
    /// Accepted and ignored: the feed answers JSON pages only (no `ndjson` stream).
    #[param(max_length = 20)]
    pub format: Option<String>,
    /// Only services at a Family Hub in this postcode district: a full postcode or its outward code (`IP24 1AA` or `IP24`).
    #[param(
        max_length = 10,
        pattern = "^[A-Za-z]{1,2}[0-9][0-9A-Za-z]?( ?[0-9][A-Za-z]{2})?$",
        example = "IP24"
    )]
    pub postcode: Option<String>,
    /// Accepted and ignored: no coordinates are recorded, so there is no proximity search; `postcode` matches the district.
    #[param(max_length = 20)]
    pub proximity: Option<String>,
}

/// Paging and search of `/taxonomies`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrukTaxonomyParams {
    /// Page number, from 1 (default 1; at most 1,000,000).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
    /// Only taxonomies whose name or description contains this text (case-insensitive).
    #[param(min_length = 1, max_length = 200)]
    pub search: Option<String>,
    /// Accepted and ignored: the feed answers JSON pages only.
    #[param(max_length = 20)]
    pub format: Option<String>,
}

/// Paging and filters of `/taxonomy_terms`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrukTermParams {
    /// Page number, from 1 (default 1; at most 1,000,000).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
    /// Only terms whose code, name or description contains this text (case-insensitive).
    #[param(min_length = 1, max_length = 200)]
    pub search: Option<String>,
    /// Accepted and ignored: the feed answers JSON pages only.
    #[param(max_length = 20)]
    pub format: Option<String>,
    /// Only terms of this taxonomy (the feed has one: any other id matches nothing).
    pub taxonomy_id: Option<String>,
    /// Only terms without children: the taxonomy is flat, so every term.
    pub top_only: Option<bool>,
    /// Only children of this term: the taxonomy is flat, so none.
    pub parent_id: Option<String>,
}

/// Paging and search of `/organizations`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrukOrganizationParams {
    /// Page number, from 1 (default 1; at most 1,000,000).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
    /// Only organizations whose name or description contains this text (case-insensitive).
    #[param(min_length = 1, max_length = 200)]
    pub search: Option<String>,
    /// Accepted and ignored: the feed answers JSON pages only.
    #[param(max_length = 20)]
    pub format: Option<String>,
    /// Accepted and ignored: an organization is sent without its services (neither schema defines that array); `/oruk/services?organization_id=` lists them.
    pub full_service: Option<bool>,
    /// Accepted and ignored: the organization has no nested records to add.
    pub full: Option<bool>,
}

/// Options of `/organizations/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrukOrganizationItemParams {
    /// Accepted and ignored: an organization is sent without its services (neither schema defines that array); `/oruk/services?organization_id=` lists them.
    pub full_service: Option<bool>,
}

/// The page number and items per page, checked.
pub(crate) fn paging(page: Option<i64>, per_page: Option<i64>) -> Result<(i64, i64), ApiError> {
    let page = page.unwrap_or(1);
    let size = per_page.unwrap_or(50);
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

/// A search text, checked and trimmed.
pub(crate) fn search_text(name: &str, t: Option<&str>) -> Result<Option<String>, ApiError> {
    match t.map(str::trim) {
        None => Ok(None),
        Some(t) if t.is_empty() || t.chars().count() > 200 => Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("{name} has 1 to 200 characters"),
        )),
        Some(t) => Ok(Some(t.to_owned())),
    }
}

/// An accepted-and-ignored text parameter, checked against the bound the
/// contract states (at most 20 characters).
pub(crate) fn ignored(name: &str, v: Option<&str>) -> Result<(), ApiError> {
    if v.is_some_and(|v| v.chars().count() > 20) {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("{name} has at most 20 characters"),
        ));
    }
    Ok(())
}

/// Whether `text` (lower case) is in one of `fields`, case-insensitively.
pub(crate) fn matches(text: Option<&str>, fields: &[&str]) -> bool {
    text.is_none_or(|t| {
        let t = t.to_lowercase();
        fields.iter().any(|f| f.to_lowercase().contains(&t))
    })
}

/// The outward code of a full postcode or of an outward code alone
/// (`ip24 1aa` and `IP24` give `IP24`); `None` when it is not one.
pub(crate) fn outward_code(postcode: &str) -> Option<String> {
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

/// The postcode filter, checked.
pub(crate) fn postcode(p: &OrukListParams) -> Result<Option<String>, ApiError> {
    match p.postcode.as_deref() {
        None => Ok(None),
        Some(pc) => Ok(Some(outward_code(pc).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                "postcode is a UK postcode or its outward code, e.g. IP24 1AA or IP24",
            )
        })?)),
    }
}

#[cfg(test)]
mod tests {
    use super::matches;
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

    #[test]
    fn search_matches_any_field_ignoring_case() {
        assert!(matches(None, &["x"]));
        assert!(matches(Some("PROG"), &["a", "Programme types"]));
        assert!(!matches(Some("zzz"), &["a", "b"]));
    }
}
