//! A unit of work spanning several persistence functions: one transaction
//! around a closure, for callers outside this crate (the API's write
//! kernel) that add their own rows (audit, idempotency) to a change. The
//! functions called inside open their own transactions as usual; those run
//! as savepoints of this one.

use crate::{Connection, StoreError};
use diesel_async::AsyncConnection;
use std::future::Future;
use std::pin::Pin;

/// The future of a unit's closure.
pub type UnitFuture<'c, R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send + 'c>>;

enum Failed<E> {
    Database(diesel::result::Error),
    Caller(E),
}

impl<E> From<diesel::result::Error> for Failed<E> {
    fn from(e: diesel::result::Error) -> Self {
        Failed::Database(e)
    }
}

/// Runs `f` in one transaction: committed if it answers `Ok`, rolled back
/// if it answers `Err` (or if `BEGIN`/`COMMIT` fail, as `StoreError`).
///
/// # Errors
/// The closure's error, or the transaction's own failure converted.
pub async fn transaction<R, E, F>(conn: &mut Connection, f: F) -> Result<R, E>
where
    F: for<'c> FnOnce(&'c mut Connection) -> UnitFuture<'c, R, E> + Send,
    E: From<StoreError> + Send,
    R: Send,
{
    conn.transaction(async move |c| f(c).await.map_err(Failed::Caller))
        .await
        .map_err(|e| match e {
            Failed::Database(d) => E::from(StoreError::from(d)),
            Failed::Caller(e) => e,
        })
}
