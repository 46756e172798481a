//! The request's audit annotations: the actor of a write, the subjects a
//! handler read or changed (`note`), and the mark of a write that recorded
//! its own audit rows in its transaction (`mark_recorded`). The audit
//! middleware reads them.

use crate::http::auth::AuditCaller;
use crate::http::auth::Caller;
use crate::http::extract::RequestId;
use crate::http::state::AppState;
use actix_web::web;
use actix_web::HttpMessage;
use actix_web::HttpRequest;
use sct_persistence::audit::NewAuditEvent;
use sct_persistence::Actor;
use std::collections::HashMap;

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

/// Operation ids by method and route pattern, from the OpenAPI document.
#[derive(Debug, Clone, Default)]
pub struct Operations(HashMap<(String, String), String>);

impl Operations {
    /// Reads every operation of the document.
    pub fn from_document(doc: &utoipa::openapi::OpenApi) -> Self {
        let mut map = HashMap::new();
        for (path, item) in &doc.paths.paths {
            let ops = [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ];
            for (m, op) in ops {
                if let Some(id) = op.as_ref().and_then(|o| o.operation_id.clone()) {
                    map.insert((m.to_owned(), path.clone()), id);
                }
            }
        }
        Self(map)
    }

    fn action(&self, method: &str, route: &str) -> String {
        self.0
            .get(&(method.to_owned(), route.to_owned()))
            .cloned()
            .unwrap_or_else(|| format!("{method} {route}"))
    }
}

/// The subject type a path parameter names: the singular of the segment
/// before it (`/referrals/{id}` -> `referral`, `/children/{id}` -> `child`).
pub fn subject_type(route: &str, param: &str) -> Option<String> {
    let segments: Vec<&str> = route.split('/').collect();
    let at = segments.iter().position(|s| {
        s.strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .is_some_and(|inner| inner.split(':').next() == Some(param))
    })?;
    let before = segments.get(at.checked_sub(1)?)?;
    let plural = before.replace('-', "_");
    let singular = if plural == "children" {
        "child".to_owned()
    } else if let Some(stem) = plural.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = plural.strip_suffix('s') {
        stem.to_owned()
    } else {
        plural
    };
    let valid = !singular.is_empty()
        && singular.len() <= 40
        && singular
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_');
    valid.then_some(singular)
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// What the audit rows of a request need, taken from it up front (the
/// request itself may not cross into a write's transaction).
#[derive(Debug, Clone)]
pub(crate) struct AuditContext {
    actor: Actor,
    action: String,
    method: String,
    route: String,
    subjects: Vec<(String, String)>,
}

impl AuditContext {
    /// The context of an authenticated request on a matched route (`None`
    /// otherwise: there is no actor to record).
    pub(crate) fn of(http: &HttpRequest) -> Option<Self> {
        let ext = http.extensions();
        let caller = ext.get::<AuditCaller>().cloned()?;
        let route = http.match_pattern()?;
        let method = http.method().as_str().to_owned();
        let action = http.app_data::<web::Data<Operations>>().map_or_else(
            || format!("{method} {route}"),
            |o| o.action(&method, &route),
        );
        let rid = ext.get::<RequestId>().map(|r| r.0.clone());
        let subjects: Vec<(String, String)> = http
            .match_info()
            .iter()
            .filter_map(|(name, value)| subject_type(&route, name).map(|t| (t, clip(value, 100))))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let mut ctx = Self {
            actor: Actor {
                subject: clip(&caller.subject, 200),
                role: caller.role,
                request_id: rid,
                client_id: caller.client_id.map(|c| clip(&c, 200)),
            },
            action: clip(&action, 200),
            method,
            route,
            subjects,
        };
        if let Some(noted) = ext.get::<Subjects>() {
            ctx.add(&noted.0);
        }
        Some(ctx)
    }

    /// Adds subjects (each once).
    pub(crate) fn add(&mut self, subjects: &[(&'static str, String)]) {
        for (t, id) in subjects {
            let pair = ((*t).to_owned(), clip(id, 100));
            if !self.subjects.contains(&pair) {
                self.subjects.push(pair);
            }
        }
    }

    /// One row per subject type, in the order first named: a type named
    /// once gets a row with its `subject_id`, a type named several times
    /// (a list page) one row with all its ids in `subject_ids` (issue 18,
    /// item 4); one row without a subject when there is none.
    pub(crate) fn rows(&self, status: u16) -> Vec<NewAuditEvent> {
        let now = sct_persistence::now();
        if self.subjects.is_empty() {
            return vec![
                NewAuditEvent::new(&self.actor, &self.action, None, status, now)
                    .via(&self.method, &self.route),
            ];
        }
        let mut by_type: Vec<(&str, Vec<String>)> = Vec::new();
        for (t, id) in &self.subjects {
            match by_type.iter_mut().find(|(k, _)| k == t) {
                Some((_, ids)) => ids.push(id.clone()),
                None => by_type.push((t.as_str(), vec![id.clone()])),
            }
        }
        by_type
            .into_iter()
            .map(|(t, ids)| {
                NewAuditEvent::many(&self.actor, &self.action, t, ids, status, now)
                    .via(&self.method, &self.route)
            })
            .collect()
    }
}

/// The audit rows of a finished request, or `None` when it is not audited
/// here (not authenticated, no matched route, or recorded by its handler).
pub(crate) fn rows_of(
    http: &HttpRequest,
    status: u16,
) -> Option<(Vec<NewAuditEvent>, Option<web::Data<AppState>>)> {
    if http.extensions().get::<Recorded>().is_some() {
        return None;
    }
    let ctx = AuditContext::of(http)?;
    Some((
        ctx.rows(status),
        http.app_data::<web::Data<AppState>>().cloned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::subject_type;
    use super::AuditContext;
    use sct_persistence::Actor;

    #[test]
    fn a_page_is_one_row_per_subject_type_naming_every_id() {
        let ctx = AuditContext {
            actor: Actor {
                subject: "m".into(),
                role: "team_manager".into(),
                request_id: None,
                client_id: None,
            },
            action: "list_referrals".into(),
            method: "GET".into(),
            route: "/api/v1/referrals".into(),
            subjects: vec![
                ("referral".into(), "r1".into()),
                ("child".into(), "c1".into()),
                ("referral".into(), "r2".into()),
                ("referral".into(), "r3".into()),
            ],
        };
        let rows = ctx.rows(200);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].subject_type.as_deref(), Some("referral"));
        assert_eq!(rows[0].subject_id, None);
        assert_eq!(
            rows[0].subject_ids,
            Some(vec!["r1".into(), "r2".into(), "r3".into()])
        );
        assert_eq!(rows[1].subject_type.as_deref(), Some("child"));
        assert_eq!(rows[1].subject_id.as_deref(), Some("c1"));
        assert_eq!(rows[1].subject_ids, None);
        let none = AuditContext {
            subjects: Vec::new(),
            ..ctx
        };
        let rows = none.rows(403);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].subject_type, None);
        assert_eq!(rows[0].subject_ids, None);
    }

    #[test]
    fn the_subject_is_named_by_the_segment_before_the_parameter() {
        let t = |r, p| subject_type(r, p);
        assert_eq!(
            t("/api/v1/referrals/{id}/accept", "id").as_deref(),
            Some("referral")
        );
        assert_eq!(
            t("/api/v1/children/{id}/export", "id").as_deref(),
            Some("child")
        );
        assert_eq!(
            t("/api/v1/schools/{urn}/zone", "urn").as_deref(),
            Some("school")
        );
        assert_eq!(
            t("/api/v1/integration-clients/{id}", "id").as_deref(),
            Some("integration_client")
        );
        assert_eq!(t("/api/v1/policies/{v}", "v").as_deref(), Some("policy"));
        assert_eq!(t("/api/v1/referrals/{id}", "other"), None);
    }
}
