//! Domain enums in `text` columns, by their wire names.
//!
//! The domain has no diesel (and the orphan rule forbids implementing
//! diesel's traits for its types here), so one generic newtype carries them:
//! `Wire<T>` is written with `T`'s strum name (`AsRef<str>`) and read with
//! its `FromStr`, for any wire enum, in plain, nullable (`Option<Wire<T>>`)
//! and array (`Vec<Wire<T>>`) columns alike. Queries compare with it
//! (`referrals::status.eq(Wire(Status::Active))`), row fields and results
//! carry it, and it dereferences to the enum. A name the enum does not know
//! (which the tables' CHECK constraints exclude) is a deserialisation error,
//! never a silent default.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use std::fmt::Debug;
use std::str::FromStr;

/// A domain enum stored as its wire name in a `text` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Wire<T>(pub T);

impl<T> std::ops::Deref for Wire<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Wire<T> {
    fn from(v: T) -> Self {
        Self(v)
    }
}

impl<T: AsRef<str> + Debug> ToSql<Text, Pg> for Wire<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.0.as_ref(), out)
    }
}

impl<T: FromStr> FromSql<Text, Pg> for Wire<T> {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let name = std::str::from_utf8(bytes.as_bytes())?;
        name.parse().map(Wire).map_err(|_| {
            format!(
                "`{name}` is not a {} name",
                std::any::type_name::<T>()
                    .rsplit("::")
                    .next()
                    .unwrap_or("wire")
            )
            .into()
        })
    }
}

/// Wraps every value, for `eq_any` over a set of enums.
pub fn all<T: Copy>(values: impl IntoIterator<Item = T>) -> Vec<Wire<T>> {
    values.into_iter().map(Wire).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sct_domain::WireName;
    use sct_domain::{EventType, Status};
    use std::num::NonZeroU32;

    fn read<T: FromStr>(text: &str) -> deserialize::Result<Wire<T>> {
        let text_oid = NonZeroU32::new(25).expect("oid");
        <Wire<T> as FromSql<Text, Pg>>::from_sql(PgValue::new(text.as_bytes(), &text_oid))
    }

    #[test]
    fn reads_wire_names_and_refuses_unknown_ones() {
        assert_eq!(
            read::<Status>("accepted").expect("status").0,
            Status::Accepted
        );
        assert_eq!(
            *read::<EventType>("referral.closed").expect("event"),
            EventType::ReferralClosed
        );
        let err = read::<Status>("Accepted").expect_err("case matters");
        assert_eq!(err.to_string(), "`Accepted` is not a Status name");
        assert!(read::<Status>("").is_err());
    }

    #[test]
    fn wraps_sets_for_eq_any() {
        let set = all([Status::Allocated, Status::Active]);
        assert_eq!(set, vec![Wire(Status::Allocated), Wire(Status::Active)]);
        assert_eq!(Wire::from(Status::Closed).as_str(), "closed");
    }
}
