//! The audit rows of reads and refusals by group commit (issue 18, item 3).
//!
//! Every request that reads children's data writes who read what before its
//! answer leaves (fail-closed). Written one request at a time, each costs a
//! pooled connection, a statement and a commit of its own. Instead, requests
//! hand their rows to one writer task: it takes whatever has accumulated
//! while its previous insert ran (up to [`MAX_BATCH_ROWS`]), inserts it in
//! one multi-row statement (one commit, one WAL flush), and then wakes each
//! request with the outcome. A request still answers only after its own rows
//! are committed, and answers 503 when they are not (the middleware decides).
//!
//! One request's bad row must not refuse the others: when a batch of several
//! requests fails, each request's rows are tried again on their own.
//!
//! Writes are not batched here: they keep their audit rows in the
//! transaction of their change (`crate::http::write`).
//!
//! The writer runs on the runtime that started the server (the main arbiter
//! in `sct serve`); when there is none, or it has stopped, a request writes
//! its rows itself on a pooled connection, as before.

use crate::http::metrics::AuditBatches;
use sct_persistence::audit as store;
use sct_persistence::audit::NewAuditEvent;
use sct_persistence::Db;
use sct_persistence::StoreError;
use sct_persistence::StoreResult;
use std::ops::Range;
use tokio::sync::mpsc;
use tokio::sync::oneshot;

/// The most rows one insert takes (13 parameters a row, well under
/// PostgreSQL's 65,535 bind parameters).
pub const MAX_BATCH_ROWS: usize = 2_000;

/// Requests that may wait for the writer before senders wait for room.
const QUEUE: usize = 4_096;

/// One request's rows and where to tell it they are stored.
struct Pending {
    rows: Vec<NewAuditEvent>,
    done: oneshot::Sender<StoreResult<()>>,
}

/// The handle requests use; see the module's documentation.
#[derive(Clone)]
pub struct AuditWriter {
    db: Db,
    queue: Option<mpsc::Sender<Pending>>,
}

impl std::fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditWriter")
            .field("grouped", &self.queue.is_some())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("rows", &self.rows.len())
            .finish_non_exhaustive()
    }
}

impl AuditWriter {
    /// Starts the writer on the current runtime (without one, every request
    /// writes its own rows).
    pub fn start(db: Db, batches: AuditBatches) -> Self {
        let queue = tokio::runtime::Handle::try_current().ok().map(|rt| {
            let (tx, rx) = mpsc::channel(QUEUE);
            rt.spawn(run(db.clone(), rx, batches));
            tx
        });
        Self { db, queue }
    }

    /// A writer without a task: each call writes its rows itself.
    pub fn direct(db: Db) -> Self {
        Self { db, queue: None }
    }

    /// Stores `rows` and returns once they are committed.
    ///
    /// # Errors
    /// `Unavailable` when they could not be stored (or the writer stopped
    /// before saying whether they were): the caller must not acknowledge
    /// what they record.
    pub async fn record(&self, rows: Vec<NewAuditEvent>) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let rows = match &self.queue {
            Some(queue) => {
                let (done, outcome) = oneshot::channel();
                match queue.send(Pending { rows, done }).await {
                    Ok(()) => {
                        return outcome.await.unwrap_or_else(|_| {
                            Err(StoreError::Unavailable(
                                "audit trail: the writer stopped".to_owned(),
                            ))
                        })
                    }
                    // The writer's runtime has gone: write them here.
                    Err(mpsc::error::SendError(p)) => p.rows,
                }
            }
            None => rows,
        };
        let conn = self.db.conn().await?;
        store::record(&conn, &rows).await
    }
}

/// Takes the first waiting request, then every other one already queued,
/// up to [`MAX_BATCH_ROWS`].
fn gather(first: Pending, queue: &mut mpsc::Receiver<Pending>) -> Vec<Pending> {
    let mut rows = first.rows.len();
    let mut batch = vec![first];
    while rows < MAX_BATCH_ROWS {
        match queue.try_recv() {
            Ok(p) => {
                rows += p.rows.len();
                batch.push(p);
            }
            Err(_) => break,
        }
    }
    batch
}

/// All rows of a batch in one vector, and each request's range of it.
fn flatten(batch: Vec<Pending>) -> (Vec<NewAuditEvent>, Vec<(Range<usize>, Done)>) {
    let mut rows = Vec::with_capacity(batch.iter().map(|p| p.rows.len()).sum());
    let mut owners = Vec::with_capacity(batch.len());
    for p in batch {
        let start = rows.len();
        rows.extend(p.rows);
        owners.push((start..rows.len(), p.done));
    }
    (rows, owners)
}

type Done = oneshot::Sender<StoreResult<()>>;

async fn run(db: Db, mut queue: mpsc::Receiver<Pending>, batches: AuditBatches) {
    while let Some(first) = queue.recv().await {
        let batch = gather(first, &mut queue);
        let (rows, owners) = flatten(batch);
        batches.observe(owners.len(), rows.len());
        let conn = match db.conn().await {
            Ok(c) => c,
            Err(e) => {
                let why = e.to_string();
                for (_, done) in owners {
                    let _ = done.send(Err(StoreError::Unavailable(why.clone())));
                }
                continue;
            }
        };
        match store::record(&conn, &rows).await {
            Ok(()) => {
                for (_, done) in owners {
                    // A request that has gone (its client hung up) no longer waits.
                    let _ = done.send(Ok(()));
                }
            }
            Err(e) if owners.len() == 1 => {
                if let Some((_, done)) = owners.into_iter().next() {
                    let _ = done.send(Err(e));
                }
            }
            Err(e) => {
                log::warn!(target: "audit", "a batch of {} requests failed, storing each alone: {e}", owners.len());
                for (range, done) in owners {
                    let _ = done.send(store::record(&conn, &rows[range]).await);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sct_persistence::Actor;

    fn rows(n: usize) -> Vec<NewAuditEvent> {
        let actor = Actor {
            subject: "s".into(),
            role: "school".into(),
            request_id: None,
            client_id: None,
        };
        (0..n)
            .map(|i| {
                NewAuditEvent::new(&actor, &format!("a{i}"), None, 200, sct_persistence::now())
            })
            .collect()
    }

    fn pending(n: usize) -> (Pending, oneshot::Receiver<StoreResult<()>>) {
        let (done, rx) = oneshot::channel();
        (
            Pending {
                rows: rows(n),
                done,
            },
            rx,
        )
    }

    #[tokio::test]
    async fn a_batch_takes_every_queued_request_up_to_the_row_cap() {
        let (tx, mut rx) = mpsc::channel(16);
        let (first, _r0) = pending(1);
        let mut keep = Vec::new();
        for n in [2, 3] {
            let (p, r) = pending(n);
            keep.push(r);
            tx.send(p).await.expect("queued");
        }
        let batch = gather(first, &mut rx);
        assert_eq!(
            batch.iter().map(|p| p.rows.len()).collect::<Vec<_>>(),
            [1, 2, 3]
        );

        let (big, _r1) = pending(MAX_BATCH_ROWS);
        let (next, _r2) = pending(1);
        tx.send(next).await.expect("queued");
        assert_eq!(
            gather(big, &mut rx).len(),
            1,
            "a full batch waits for the next"
        );
        assert_eq!(rx.try_recv().map(|p| p.rows.len()).ok(), Some(1));
    }

    #[tokio::test]
    async fn flattening_keeps_each_requests_own_rows() {
        let (a, _ra) = pending(2);
        let (b, _rb) = pending(1);
        let (c, _rc) = pending(3);
        let (all, owners) = flatten(vec![a, b, c]);
        assert_eq!(all.len(), 6);
        let ranges: Vec<_> = owners.iter().map(|(r, _)| r.clone()).collect();
        assert_eq!(ranges, [0..2, 2..3, 3..6]);
        assert_eq!(all[2].action, "a0", "the second request's first row");
    }
}
