//! One write, one transaction: the change, its audit rows and the record of
//! its `Idempotency-Key` commit together, and nothing that committed is
//! answered as an error.
//!
//! A handler checks its caller and its input, then hands the change to
//! [`write`] as a closure over a connection that is already in the write's
//! transaction (persistence functions that open their own transaction run
//! in a savepoint of it). The closure answers a [`Written`]: the status,
//! headers and body of the response, and the subjects (children, referrals)
//! the write touched beyond the route's parameters. Then, in the same
//! transaction, the kernel stores one audit row per subject type (several
//! ids of a type in one row's `subject_ids`) and, for a
//! `POST` sent with `Idempotency-Key`, the response to replay. The key is
//! claimed first, in the same transaction, under an advisory lock: a
//! concurrent repeat is told the first is still running (409), and a write
//! that rolls back (or dies with its process) leaves nothing behind.
//!
//! The transaction runs in a task of its own, so that a client that goes
//! away or the request time limit cannot cut it off half-way through
//! `COMMIT`; and it is rolled back rather than committed when the request's
//! time limit is close, so that a write is never committed after its caller
//! was told it failed.

use crate::http::audit::mark_recorded;
use crate::http::audit::note;
use crate::http::audit::AuditContext;
use crate::http::auth::AuditCaller;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::extract::etag;
use crate::http::extract::BodyDigest;
use crate::http::state::AppState;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::web;
use actix_web::HttpMessage;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_persistence::audit as audit_store;
use sct_persistence::idempotency;
use sct_persistence::idempotency::Claim;
use sct_persistence::idempotency::StoredResponse;
use sct_persistence::unit;
use sct_persistence::Connection as AsyncPgConnection;
use sha2::Digest;
use sha2::Sha256;
use std::time::Duration;
use std::time::Instant;

/// The header that makes a `POST` safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The header a replayed response carries.
pub const REPLAYED: &str = "idempotent-replayed";

/// A write is rolled back rather than committed when less than this is left
/// of the request's time limit.
pub const COMMIT_MARGIN: Duration = Duration::from_secs(2);

/// Stored headers of this name carry the audit subjects of a stored
/// response; they are never sent.
const SUBJECT_HEADER: &str = "x-sct-audit-subject";

/// The instant the request's time limit runs out (set by the limits
/// middleware).
#[derive(Debug, Clone, Copy)]
pub struct Deadline(pub Instant);

/// The answer of a write, built inside its transaction.
#[derive(Debug, Clone)]
pub struct Written {
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    subjects: Vec<(&'static str, String)>,
}

impl Written {
    /// A JSON answer.
    pub fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> Self {
        let body = serde_json::to_vec(body).unwrap_or_else(|e| {
            log::error!("a response body could not be serialised: {e}");
            b"{}".to_vec()
        });
        Self {
            status,
            headers: vec![(
                header::CONTENT_TYPE.as_str().to_owned(),
                "application/json".to_owned(),
            )],
            body,
            subjects: Vec::new(),
        }
    }

    /// 201 with `Location` and `ETag`.
    pub fn created<T: serde::Serialize>(location: String, version: i32, body: &T) -> Self {
        Self::json(StatusCode::CREATED, body)
            .header(header::LOCATION.as_str(), location)
            .header(header::ETAG.as_str(), etag(version))
    }

    /// 200 with `ETag`.
    pub fn ok<T: serde::Serialize>(version: i32, body: &T) -> Self {
        Self::json(StatusCode::OK, body).header(header::ETAG.as_str(), etag(version))
    }

    /// 204.
    pub fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            headers: Vec::new(),
            body: Vec::new(),
            subjects: Vec::new(),
        }
    }

    /// The same answer with one more header.
    #[must_use]
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// The same answer naming a subject of the write in its audit rows (a
    /// created referral, the child of a session).
    #[must_use]
    pub fn about(mut self, kind: &'static str, id: &impl ToString) -> Self {
        let id = id.to_string();
        if !self.subjects.iter().any(|(k, i)| *k == kind && *i == id) {
            self.subjects.push((kind, id));
        }
        self
    }

    /// The same answer naming several subjects of one kind.
    #[must_use]
    pub fn about_each<I: ToString>(
        self,
        kind: &'static str,
        ids: impl IntoIterator<Item = I>,
    ) -> Self {
        ids.into_iter().fold(self, |w, id| w.about(kind, &id))
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    fn stored(&self) -> StoredResponse {
        let mut headers = self.headers.clone();
        headers.extend(
            self.subjects
                .iter()
                .map(|(k, id)| (SUBJECT_HEADER.to_owned(), format!("{k}:{id}"))),
        );
        StoredResponse {
            status: self.status.as_u16(),
            headers,
            body: self.body.clone(),
        }
    }

    fn response(self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        for (k, v) in &self.headers {
            res.insert_header((k.as_str(), v.as_str()));
        }
        res.body(self.body)
    }
}

/// A change to run in the write's transaction. Handlers pass a `move`
/// closure that owns what it needs:
/// `move |c| Box::pin(async move { ...; Ok(Written::created(..)) })`.
pub type Change<'c> = unit::UnitFuture<'c, Written, ApiError>;

/// Where a write's audit rows come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuditRows {
    /// The kernel writes them (one per subject).
    Kernel,
    /// The persistence function writes its own, richer rows in the same
    /// transaction (referral submission and actions, erasure).
    Store,
}

/// Runs a write: see the module's documentation.
///
/// # Errors
/// The closure's error (nothing is stored), a refused or still running
/// `Idempotency-Key`, or 503 when the database is unavailable or the
/// request's time limit is too close to commit.
pub async fn write<F>(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    change: F,
) -> Result<HttpResponse, ApiError>
where
    F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> Change<'c> + Send + 'static,
{
    run(state, req, AuditRows::Kernel, change).await
}

/// [`write`] for a persistence function that stores its own audit rows in
/// the transaction.
///
/// # Errors
/// As [`write`].
pub async fn write_with_own_audit<F>(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    change: F,
) -> Result<HttpResponse, ApiError>
where
    F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> Change<'c> + Send + 'static,
{
    run(state, req, AuditRows::Store, change).await
}

/// The `Idempotency-Key` of a `POST`, checked (other methods ignore it).
///
/// # Errors
/// 400 for a key that is empty, longer than 255 or not visible ASCII.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    if req.method() != actix_web::http::Method::POST {
        return Ok(None);
    }
    let Some(v) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or_default().trim();
    if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::new(
            ErrorCode::InvalidIdempotencyKey,
            "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is recommended)",
        ));
    }
    Ok(Some(s.to_owned()))
}

/// The fingerprint of a request: its method, path, query and body. The
/// same key with another fingerprint is refused.
pub fn fingerprint(req: &HttpRequest) -> String {
    let body = req
        .extensions()
        .get::<BodyDigest>()
        .map_or_else(|| Sha256::digest(b"").into(), |d| d.0);
    let mut h = Sha256::new();
    h.update(req.method().as_str().as_bytes());
    h.update(b" ");
    h.update(req.path().as_bytes());
    h.update(b"?");
    h.update(req.query_string().as_bytes());
    h.update(b"\n");
    h.update(body);
    format!("{:x}", h.finalize())
}

/// The key's scope: keys of different callers never meet.
fn key_scope(req: &HttpRequest) -> Option<String> {
    let ext = req.extensions();
    let caller = ext.get::<AuditCaller>()?;
    Some(format!("{}:{}", caller.role, caller.subject))
}

struct Keyed {
    scope: String,
    key: String,
    fingerprint: String,
}

async fn run<F>(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    rows: AuditRows,
    change: F,
) -> Result<HttpResponse, ApiError>
where
    F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> Change<'c> + Send + 'static,
{
    let key = match (idempotency_key(req)?, key_scope(req)) {
        (Some(key), Some(scope)) => Some(Keyed {
            scope,
            key,
            fingerprint: fingerprint(req),
        }),
        _ => None,
    };
    let audit = AuditContext::of(req);
    let deadline = req.extensions().get::<Deadline>().map(|d| d.0);
    let mut conn = state.db.conn().await?;
    // The transaction runs to its end even if this request is dropped.
    let task = actix_web::rt::spawn(async move {
        unit::transaction(&mut conn, move |tx| {
            Box::pin(async move {
                if let Some(k) = &key {
                    match idempotency::claim(tx, &k.scope, &k.key, &k.fingerprint).await? {
                        Claim::Fresh => {}
                        Claim::Replay(stored) => return Ok(Outcome::Replay(stored)),
                        Claim::Mismatch => {
                            return Err(ApiError::new(
                                ErrorCode::IdempotencyKeyReused,
                                "this Idempotency-Key was used with a different request (method, path or body)",
                            ))
                        }
                        Claim::InProgress => {
                            return Err(ApiError {
                                retry_after: Some(1),
                                ..ApiError::new(
                                    ErrorCode::IdempotencyKeyInProgress,
                                    "a request with this Idempotency-Key is still being processed; retry shortly",
                                )
                            })
                        }
                    }
                }
                let written = change(tx).await?;
                if let Some(mut audit) = audit {
                    if rows == AuditRows::Kernel {
                        audit.add(&written.subjects);
                        audit_store::record(tx, &audit.rows(written.status.as_u16())).await?;
                    }
                }
                if let Some(k) = &key {
                    idempotency::store(tx, &k.scope, &k.key, &k.fingerprint, &written.stored())
                        .await?;
                }
                if deadline.is_some_and(|d| Instant::now() + COMMIT_MARGIN > d) {
                    return Err(too_late());
                }
                Ok::<_, ApiError>(Outcome::Written(written))
            })
        })
        .await
    });
    let outcome = match task.await {
        Ok(result) => result?,
        Err(e) => {
            log::error!("a write's task failed: {e}");
            return Err(ApiError::new(
                ErrorCode::Internal,
                "an internal error occurred",
            ));
        }
    };
    match outcome {
        Outcome::Written(written) => {
            mark_recorded(req);
            Ok(written.response())
        }
        // A replay is a read of the stored answer: the middleware records it.
        Outcome::Replay(stored) => Ok(replay(req, stored)),
    }
}

/// What a write's transaction did.
enum Outcome {
    Written(Written),
    Replay(StoredResponse),
}

fn too_late() -> ApiError {
    ApiError {
        retry_after: Some(2),
        ..ApiError::new(
            ErrorCode::RequestTimeout,
            "the request took too long and nothing was stored; retry shortly",
        )
    }
}

/// The stored answer of an earlier request with the same key.
fn replay(req: &HttpRequest, stored: StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    for (k, v) in &stored.headers {
        if k == SUBJECT_HEADER {
            if let Some((kind, id)) = v.split_once(':') {
                let kind: &'static str = match kind {
                    "referral" => "referral",
                    "child" => "child",
                    _ => "resource",
                };
                note(req, kind, &id);
            }
            continue;
        }
        res.insert_header((k.as_str(), v.as_str()));
    }
    if !stored.headers.iter().any(|(k, _)| k == "content-type") && !stored.body.is_empty() {
        // Responses stored before content types were kept were all JSON.
        res.insert_header((header::CONTENT_TYPE, "application/json"));
    }
    res.insert_header((REPLAYED, "true"));
    res.body(stored.body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_fingerprint_covers_method_path_query_and_body() {
        let post = |uri: &str| TestRequest::post().uri(uri).to_http_request();
        let with_body = post("/api/v1/referrals");
        with_body
            .extensions_mut()
            .insert(BodyDigest(Sha256::digest(b"{}").into()));
        let all = [
            post("/api/v1/referrals"),
            post("/api/v1/consultations"),
            post("/api/v1/referrals?x=1"),
            with_body,
            TestRequest::put()
                .uri("/api/v1/referrals")
                .to_http_request(),
        ]
        .map(|r| fingerprint(&r));
        for (i, x) in all.iter().enumerate() {
            for y in &all[i + 1..] {
                assert_ne!(x, y);
            }
        }
        assert_eq!(fingerprint(&post("/api/v1/referrals")), all[0]);
    }

    #[test]
    fn keys_are_checked_on_post_only() {
        let ok = TestRequest::post()
            .insert_header((IDEMPOTENCY_KEY, "k-1"))
            .to_http_request();
        assert_eq!(
            idempotency_key(&ok).expect("a valid key").as_deref(),
            Some("k-1")
        );
        for bad in ["", " ", "é", &"x".repeat(256)] {
            let r = TestRequest::post()
                .insert_header((IDEMPOTENCY_KEY, bad))
                .to_http_request();
            assert!(idempotency_key(&r).is_err(), "{bad:?}");
        }
        let put = TestRequest::put()
            .insert_header((IDEMPOTENCY_KEY, ""))
            .to_http_request();
        assert_eq!(idempotency_key(&put).expect("ignored on PUT"), None);
    }

    #[test]
    fn a_stored_answer_keeps_its_subjects_apart_from_its_headers() {
        let w = Written::created("/api/v1/x/1".into(), 1, &serde_json::json!({"id": 1}))
            .about("referral", &"r-1")
            .about("referral", &"r-1");
        let s = w.stored();
        assert_eq!(s.status, 201);
        assert_eq!(
            s.headers
                .iter()
                .filter(|(k, _)| k == SUBJECT_HEADER)
                .count(),
            1
        );
        let req = TestRequest::post().to_http_request();
        let res = replay(&req, s);
        assert_eq!(res.status(), StatusCode::CREATED);
        assert!(res.headers().get(SUBJECT_HEADER).is_none());
        assert_eq!(res.headers().get(REPLAYED).expect("marked"), "true");
        assert_eq!(res.headers().get("etag").expect("kept"), "\"v1\"");
    }
}
