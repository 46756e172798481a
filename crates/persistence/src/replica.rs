//! Reads that may run on a PostgreSQL hot standby (`SCT_DATABASE_READ_URL`):
//! a connection from the read pool, with how stale the standby may be.
//!
//! The staleness is measured on the connection the read then uses, before
//! the read: replay only moves forward, so what the read sees is at least as
//! fresh as the figure says.

use crate::{Db, StoreError, StoreResult};
use diesel::sql_types::Integer;
use diesel_async::pooled_connection::deadpool::Object;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Whole seconds the standby may be behind the primary: 0 when it is not in
/// recovery (a primary, or a standby promoted since) or has replayed every
/// WAL record it received; otherwise the time since the last transaction it
/// replayed committed on the primary. A caught-up standby counts 0 even
/// though `pg_last_xact_replay_timestamp()` grows old while the primary is
/// idle: no commit happened since, so nothing is missing. WAL the standby
/// has not yet received is not seen (it cannot be, from the standby): the
/// figure is a floor, not a bound, when the network lags.
pub const STALENESS_SQL: &str = "SELECT CASE \
       WHEN NOT pg_is_in_recovery() THEN 0 \
       WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 \
       ELSE coalesce(greatest(0, floor(extract(epoch FROM now() - pg_last_xact_replay_timestamp())))::int, 0) \
     END AS age";

#[derive(diesel::QueryableByName)]
struct Age {
    #[diesel(sql_type = Integer)]
    age: i32,
}

/// A pooled connection for a heavy read, and where it came from.
pub struct ReadConn {
    conn: Object<AsyncPgConnection>,
    age: Option<u32>,
}

impl ReadConn {
    /// Seconds the data may be stale, when the read runs on the read pool
    /// (`Some(0)` for a caught-up standby); `None` on the primary.
    pub fn age(&self) -> Option<u32> {
        self.age
    }
}

impl std::ops::Deref for ReadConn {
    type Target = AsyncPgConnection;
    fn deref(&self) -> &AsyncPgConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for ReadConn {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        &mut self.conn
    }
}

/// Seconds the server of `conn` may be behind its primary (see
/// [`STALENESS_SQL`]).
///
/// # Errors
/// The database's.
pub async fn staleness(conn: &mut AsyncPgConnection) -> StoreResult<u32> {
    let found: Age = diesel::sql_query(STALENESS_SQL).get_result(conn).await?;
    Ok(u32::try_from(found.age).unwrap_or(0))
}

/// A connection for a heavy read: from `replica` when there is one, with its
/// staleness; from `primary` otherwise, or when the replica cannot be
/// reached (the read then costs the primary, but answers).
///
/// # Errors
/// `Unavailable` when neither answers; the database's otherwise.
pub async fn read_conn(primary: &Db, replica: Option<&Db>) -> StoreResult<ReadConn> {
    if let Some(replica) = replica {
        let tried = async {
            let mut conn = replica.conn().await?;
            let age = staleness(&mut conn).await?;
            Ok::<_, StoreError>(ReadConn {
                conn,
                age: Some(age),
            })
        };
        match tried.await {
            Ok(read) => return Ok(read),
            Err(StoreError::Unavailable(e)) => {
                log::warn!("the read replica is unavailable ({e}); reading from the primary");
            }
            Err(other) => return Err(other),
        }
    }
    Ok(ReadConn {
        conn: primary.conn().await?,
        age: None,
    })
}
