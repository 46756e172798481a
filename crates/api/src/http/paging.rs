//! Keyset paging, the one helper of every list: the page size of a request,
//! the position a cursor names (a typed key of one or more parts), and the
//! look-ahead row that tells whether a next page exists.
//!
//! A list reads `limit + 1` rows after the key of [`keyset_page`] and hands
//! them to [`next_page`], which drops the look-ahead row and answers the
//! cursor of the next page, made of the last shown row's key. A key is any
//! [`CursorKey`]: a uuid, a day, a timestamp, a number or a text, or a tuple
//! of them (a day and an id, say), each part written as text into the opaque
//! cursor and read back by the same type.

use crate::http::error::ApiError;
pub(crate) use crate::http::extract::bad_cursor;
use crate::http::extract::decode_cursor;
use crate::http::extract::encode_cursor;
use crate::http::extract::PageParams;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use uuid::Uuid;

pub(crate) fn page_size(p: &PageParams) -> Result<(i64, usize), ApiError> {
    let limit = p.limit()?;
    Ok((limit, usize::try_from(limit).unwrap_or(50)))
}

/// One part of a cursor's key.
pub(crate) trait CursorPart: Sized {
    fn write(&self) -> String;
    fn read(part: &str) -> Option<Self>;
}

/// Parts written with `Display` and read with `FromStr` (a day as
/// `%Y-%m-%d`, a uuid hyphenated).
macro_rules! display_part {
    ($($t:ty),*) => {$(
        impl CursorPart for $t {
            fn write(&self) -> String {
                self.to_string()
            }
            fn read(part: &str) -> Option<Self> {
                part.parse().ok()
            }
        }
    )*};
}
display_part!(Uuid, NaiveDate, i32, i64, String);

/// A timestamp as RFC 3339 with microseconds (its `Display` is not).
impl CursorPart for DateTime<Utc> {
    fn write(&self) -> String {
        self.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }
    fn read(part: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(part)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// The key a list is ordered by, as its cursor carries it.
pub(crate) trait CursorKey: Sized {
    /// How many parts the cursor has.
    const PARTS: usize;
    fn write(&self) -> Vec<String>;
    fn read(parts: &[String]) -> Option<Self>;
}

macro_rules! single_part_key {
    ($($t:ty),*) => {$(
        impl CursorKey for $t {
            const PARTS: usize = 1;
            fn write(&self) -> Vec<String> {
                vec![CursorPart::write(self)]
            }
            fn read(parts: &[String]) -> Option<Self> {
                <$t as CursorPart>::read(&parts[0])
            }
        }
    )*};
}
single_part_key!(Uuid, NaiveDate, DateTime<Utc>, i32, i64, String);

macro_rules! tuple_key {
    ($n:literal: $($t:ident $i:tt),*) => {
        impl<$($t: CursorPart),*> CursorKey for ($($t,)*) {
            const PARTS: usize = $n;
            fn write(&self) -> Vec<String> {
                vec![$(self.$i.write()),*]
            }
            fn read(parts: &[String]) -> Option<Self> {
                Some(($($t::read(&parts[$i])?,)*))
            }
        }
    };
}
tuple_key!(2: A 0, B 1);
tuple_key!(3: A 0, B 1, C 2);
tuple_key!(4: A 0, B 1, C 2, D 3);

/// The key a request's cursor names, if it has one.
///
/// # Errors
/// `InvalidCursor` when the cursor does not decode into a `K`.
pub(crate) fn cursor_key<K: CursorKey>(cursor: Option<&str>) -> Result<Option<K>, ApiError> {
    cursor
        .map(|c| K::read(&decode_cursor(c, K::PARTS)?).ok_or_else(bad_cursor))
        .transpose()
}

/// The position of a list of versions (1, 2, ...), if the cursor names one.
///
/// # Errors
/// `InvalidCursor`, for a version below 1 too.
pub(crate) fn version_cursor(cursor: Option<&str>) -> Result<Option<i32>, ApiError> {
    match cursor_key::<i32>(cursor)? {
        Some(v) if v < 1 => Err(bad_cursor()),
        after => Ok(after),
    }
}

/// Limit, rows to show and position of a page of a list keyed by `K`.
///
/// # Errors
/// `InvalidParameter` for a limit outside 1..=200, `InvalidCursor`.
pub(crate) fn keyset_page<K: CursorKey>(
    limit: Option<i64>,
    cursor: Option<String>,
) -> Result<(i64, usize, Option<K>), ApiError> {
    let page = PageParams { limit, cursor };
    let (limit, n) = page_size(&page)?;
    Ok((limit, n, cursor_key(page.cursor.as_deref())?))
}

/// Drops the look-ahead row of a page read with `limit + 1` and answers the
/// next page's cursor (the last shown row's key), if there is a next page.
pub(crate) fn next_page<T, K: CursorKey>(
    rows: &mut Vec<T>,
    n: usize,
    key: impl Fn(&T) -> K,
) -> Option<String> {
    let next = (rows.len() > n).then(|| encode_cursor(&key(&rows[n - 1]).write()));
    rows.truncate(n);
    next
}

/// Declares the page type of a keyset list: its `items` and the cursor of
/// the next page, absent on the last. The doc comments become the schema's
/// descriptions.
///
/// ```ignore
/// list_page! {
///     /// A page of sessions.
///     ProgrammeSessionPage {
///         /// The sessions, by date.
///         items: ProgrammeSession
///     }
/// }
/// ```
macro_rules! list_page {
    ($(#[$meta:meta])* $page:ident { $(#[$items:meta])* items: $item:ty }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, ::serde::Serialize, ::utoipa::ToSchema)]
        pub struct $page {
            $(#[$items])*
            pub items: Vec<$item>,
            /// Cursor of the next page; absent on the last page.
            #[serde(skip_serializing_if = "Option::is_none")]
            #[schema(nullable = false)]
            pub next_cursor: Option<String>,
        }
    };
}
pub(crate) use list_page;

/// Declares the query parameters of a keyset list: its own filters, then
/// `limit` (1 to 200, default 50) and `cursor`. Unknown parameters are
/// refused. The doc comments become the parameters' descriptions.
///
/// ```ignore
/// list_params! {
///     /// Filters of the hub list.
///     HubListParams {
///         /// Only this zone's hubs.
///         zone_id: Option<Uuid>,
///     }
/// }
/// ```
macro_rules! list_params {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, ::serde::Deserialize, ::utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Items per page (1 to 200, default 50).
            #[param(minimum = 1, maximum = 200)]
            pub limit: Option<i64>,
            /// Opaque cursor from the previous page.
            #[param(max_length = 512)]
            pub cursor: Option<String>,
        }
    };
}
pub(crate) use list_params;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::error::ErrorCode;

    fn round_trip<K: CursorKey + PartialEq + std::fmt::Debug + Clone>(key: K) {
        let mut rows = vec![key.clone(), key.clone()];
        let cursor = next_page(&mut rows, 1, Clone::clone).expect("a next page");
        assert_eq!(rows.len(), 1);
        assert_eq!(cursor_key::<K>(Some(&cursor)).expect("decodes"), Some(key));
    }

    #[test]
    fn keys_of_every_kind_read_back_as_written() {
        let id = Uuid::from_u128(7);
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).expect("day");
        let at = DateTime::parse_from_rfc3339("2026-12-03T10:11:12.123456Z")
            .expect("at")
            .with_timezone(&Utc);
        round_trip(id);
        round_trip(day);
        round_trip(at);
        round_trip(42_i32);
        round_trip(-3_i64);
        round_trip("100001".to_owned());
        round_trip((day, id));
        round_trip((day, at, id));
        round_trip((day, "kind".to_owned(), id, 3_i32));
    }

    #[test]
    fn no_next_page_when_the_look_ahead_row_is_missing() {
        let mut rows = vec![Uuid::from_u128(1)];
        assert_eq!(next_page(&mut rows, 1, |r| *r), None);
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn a_cursor_of_another_shape_is_refused() {
        let two = encode_cursor(&["2026-12-03", &Uuid::from_u128(1).to_string()]);
        let err = cursor_key::<Uuid>(Some(&two)).expect_err("two parts for one");
        assert_eq!(err.code, ErrorCode::InvalidCursor);
        let swapped = encode_cursor(&[&Uuid::from_u128(1).to_string(), "2026-12-03"]);
        assert!(cursor_key::<(NaiveDate, Uuid)>(Some(&swapped)).is_err());
        assert!(cursor_key::<i32>(Some("not base64!")).is_err());
        assert_eq!(cursor_key::<Uuid>(None).expect("no cursor"), None);
        let zero = encode_cursor(&["0"]);
        assert!(version_cursor(Some(&zero)).is_err());
        let two = encode_cursor(&["2"]);
        assert_eq!(version_cursor(Some(&two)).expect("a version"), Some(2));
    }
}
