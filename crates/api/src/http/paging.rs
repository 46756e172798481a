//! Keyset paging: the page size of a request, cursors keyed by id, and the
//! look-ahead row that tells whether a next page exists.

use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::extract::decode_cursor;
use crate::http::extract::encode_cursor;
use crate::http::extract::PageParams;
use uuid::Uuid;

pub(crate) fn page_size(p: &PageParams) -> Result<(i64, usize), ApiError> {
    let limit = p.limit()?;
    Ok((limit, usize::try_from(limit).unwrap_or(50)))
}

/// Limit, rows to show and position of a page of a list keyed by uuid.
pub(crate) fn uuid_page(
    limit: Option<i64>,
    cursor: Option<String>,
) -> Result<(i64, usize, Option<Uuid>), ApiError> {
    let page = PageParams { limit, cursor };
    let (limit, n) = page_size(&page)?;
    Ok((limit, n, uuid_cursor(&page)?))
}

/// Drops the look-ahead row of a page read with `limit + 1` and answers the
/// next page's cursor (the last shown row's id), if there is a next page.
pub(crate) fn uuid_next<T>(rows: &mut Vec<T>, n: usize, id: impl Fn(&T) -> Uuid) -> Option<String> {
    let next = (rows.len() > n).then(|| encode_cursor(&[&id(&rows[n - 1]).to_string()]));
    rows.truncate(n);
    next
}

pub(crate) fn uuid_cursor(p: &PageParams) -> Result<Option<Uuid>, ApiError> {
    p.cursor
        .as_deref()
        .map(|c| {
            let parts = decode_cursor(c, 1)?;
            Uuid::parse_str(&parts[0]).map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidCursor,
                    "the cursor is not one this API issued",
                )
            })
        })
        .transpose()
}
