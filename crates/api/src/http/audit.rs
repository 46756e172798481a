//! The request's audit annotations: the actor of a write, the subjects a
//! handler read or changed (`note`), and the mark of a write that recorded
//! its own audit rows in its transaction (`mark_recorded`). The audit
//! middleware reads them.

use crate::http::auth::AuditCaller;
use crate::http::auth::Caller;
use crate::http::extract::RequestId;
use actix_web::HttpMessage;
use actix_web::HttpRequest;
use sct_persistence::Actor;

/// The actor of history and audit rows written by a handler.
pub fn actor(caller: &Caller, rid: &RequestId) -> Actor {
    let a = AuditCaller::of(caller);
    Actor {
        subject: a.subject,
        role: a.role,
        request_id: Some(rid.0.clone()),
        client_id: a.client_id,
    }
}

/// Subjects a handler names beyond its path parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Subjects(pub(crate) Vec<(&'static str, String)>);

/// Set when the handler stored its audit rows with its change.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Recorded;

/// Names a subject of this request (e.g. the referral a `POST` created).
pub fn note(req: &HttpRequest, kind: &'static str, id: &impl ToString) {
    let id = id.to_string();
    let mut ext = req.extensions_mut();
    match ext.get_mut::<Subjects>() {
        Some(s) => s.0.push((kind, id)),
        None => {
            ext.insert(Subjects(vec![(kind, id)]));
        }
    }
}

/// Tells the middleware that the handler wrote this request's audit rows
/// in the transaction of its change.
pub fn mark_recorded(req: &HttpRequest) {
    req.extensions_mut().insert(Recorded);
}
