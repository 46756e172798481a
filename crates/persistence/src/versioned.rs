//! Optimistic concurrency on versioned rows: `If-Match` as SQL.
//!
//! Every versioned table has an integer `version` that each change moves on
//! by one; a change names the version it was made against
//! ([`sct_domain::VersionMatch`]: the versions of an `If-Match` list, or `*`)
//! and is refused when the row has moved on since. The check is part of the
//! `UPDATE`'s own `WHERE`, so no second writer can slip in between a read of
//! the version and the write.
//!
//! These are macros, not functions, because diesel's tables are distinct
//! types: one generic function over "a table with `id`, `version` and
//! `updated_at`" needs more trait bounds than the statement it builds.

/// `column = ANY(<versions>) OR <is_any>`: the filter of a versioned change.
/// `$column` is the version column; `$expected` a `VersionMatch` (evaluated
/// once).
macro_rules! version_matches {
    ($column:expr, $expected:expr) => {{
        let expected: &sct_domain::VersionMatch = &$expected;
        $column.eq_any(expected.versions()).or(
            diesel::IntoSql::into_sql::<diesel::sql_types::Bool>(expected.is_any()),
        )
    }};
}
pub(crate) use version_matches;

/// `UPDATE $table SET <changes>, updated_at = $at, version = version + 1
/// WHERE id = $id AND <version matches> RETURNING <$row>`: the changed row,
/// or `None` when there is no such row or its version moved on. Awaits the
/// statement and gives diesel's `QueryResult<Option<$row>>`.
macro_rules! update_versioned {
    ($conn:expr, $table:ident, $id:expr, $expected:expr, $at:expr, $row:ty, ($($change:expr),+ $(,)?)) => {
        diesel::update(
            $table::table
                .find($id)
                .filter($crate::versioned::version_matches!($table::version, $expected)),
        )
        .set((
            $($change,)+
            $table::updated_at.eq($at),
            $table::version.eq($table::version + 1),
        ))
        .returning(<$row>::as_returning())
        .get_result::<$row>($conn)
        .await
        .optional()
    };
}
pub(crate) use update_versioned;
