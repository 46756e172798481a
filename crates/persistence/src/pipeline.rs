//! Statements sent together on one connection.
//!
//! diesel-async pipelines the statements of futures joined on one
//! connection: each is sent without waiting for the answers of those before
//! it. Inside a transaction, once one of them fails the server refuses
//! every later one with "current transaction is aborted", which says
//! nothing of the cause. `futures_util::try_join!` answers with whichever
//! error it polls first, so a failed audit insert (the database is refusing
//! writes: 503) could come back as an aborted history insert (a bug: 500),
//! depending on how the answers happened to arrive. [`pipelined!`] waits for
//! every answer and returns the first error that is a cause.

use crate::StoreError;
use diesel::result::Error as DieselError;

/// Joins futures run on one connection, like `futures_util::try_join!`,
/// but waits for all of them and fails with the first error that is not
/// the server refusing a statement after an earlier one failed.
macro_rules! pipelined {
    ($($fut:expr),+ $(,)?) => {
        $crate::pipeline::Settle::settle(futures_util::join!($($fut),+))
    };
}
pub(crate) use pipelined;

const ABORTED: &str = "current transaction is aborted";

impl StoreError {
    /// The server refused the statement only because an earlier one of the
    /// same transaction failed (SQLSTATE 25P02).
    #[must_use]
    pub fn is_aborted_transaction(&self) -> bool {
        matches!(self, StoreError::Database(DieselError::DatabaseError(_, info))
            if info.message().starts_with(ABORTED))
    }
}

/// The error of a pipeline: the first cause, else the first error.
fn first_cause(errors: impl IntoIterator<Item = StoreError>) -> StoreError {
    let mut first = None;
    for e in errors {
        if !e.is_aborted_transaction() {
            return e;
        }
        first.get_or_insert(e);
    }
    first.unwrap_or_else(|| StoreError::Unavailable("a pipelined statement failed".into()))
}

/// The results of joined futures, settled into one.
pub(crate) trait Settle {
    type Output;
    fn settle(self) -> Result<Self::Output, StoreError>;
}

macro_rules! settle_tuple {
    ($($t:ident $e:ident $r:ident),+) => {
        impl<$($t, $e: Into<StoreError>),+> Settle for ($(Result<$t, $e>,)+) {
            type Output = ($($t,)+);
            fn settle(self) -> Result<Self::Output, StoreError> {
                match self {
                    ($(Ok($r),)+) => Ok(($($r,)+)),
                    ($($r,)+) => Err(first_cause(
                        [$($r.err().map(Into::into)),+].into_iter().flatten(),
                    )),
                }
            }
        }
    };
}

settle_tuple!(A EA a, B EB b);
settle_tuple!(A EA a, B EB b, C EC c);
settle_tuple!(A EA a, B EB b, C EC c, D ED d);
settle_tuple!(A EA a, B EB b, C EC c, D ED d, E EE e);
settle_tuple!(A EA a, B EB b, C EC c, D ED d, E EE e, F EF f);
settle_tuple!(A EA a, B EB b, C EC c, D ED d, E EE e, F EF f, G EG g);
settle_tuple!(A EA a, B EB b, C EC c, D ED d, E EE e, F EF f, G EG g, H EH h);

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::DatabaseErrorKind;

    fn server(message: &str) -> DieselError {
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_owned()))
    }

    fn aborted() -> DieselError {
        server("current transaction is aborted, commands ignored until end of transaction block")
    }

    #[test]
    fn all_answers_ok_give_all_values() {
        let r: (Result<i32, StoreError>, Result<&str, DieselError>) = (Ok(1), Ok("x"));
        assert!(matches!(r.settle(), Ok((1, "x"))));
    }

    #[test]
    fn the_cause_wins_over_statements_refused_after_it() {
        // The aborted statement comes first in the join, the cause later.
        let r: (
            Result<(), DieselError>,
            Result<(), StoreError>,
            Result<(), DieselError>,
        ) = (
            Err(aborted()),
            Err(StoreError::Unavailable("audit trail: refused".into())),
            Err(aborted()),
        );
        assert!(matches!(r.settle(), Err(StoreError::Unavailable(m)) if m.contains("audit")));
    }

    #[test]
    fn only_aborted_answers_give_the_first() {
        let r: (Result<(), DieselError>, Result<u8, DieselError>) = (Err(aborted()), Ok(2));
        let e = r.settle().expect_err("an error");
        assert!(e.is_aborted_transaction());
    }

    #[test]
    fn other_server_errors_are_causes() {
        assert!(!StoreError::from(server("deadlock detected")).is_aborted_transaction());
        assert!(!StoreError::NotFound.is_aborted_transaction());
        assert!(StoreError::from(aborted()).is_aborted_transaction());
    }
}
