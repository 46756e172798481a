//! The fail-closed audit trail: after a handler answers, the middleware
//! writes who read or changed which subjects (from the route's parameters and
//! the handler's notes) before the response leaves; a write that recorded its
//! own rows in its transaction is skipped.

use crate::http::audit::Recorded;
use crate::http::audit::Subjects;
use crate::http::auth::AuditCaller;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::extract::RequestId;
use crate::http::state::AppState;
use actix_web::body::EitherBody;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::dev::ServiceResponse;
use actix_web::middleware::Next;
use actix_web::web;
use actix_web::HttpMessage;
use actix_web::HttpRequest;
use actix_web::ResponseError;
use sct_persistence::audit as store;
use sct_persistence::audit::NewAuditEvent;
use sct_persistence::Actor;
use std::collections::HashMap;

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

/// The audit rows of a finished request, or `None` when it is not audited
/// here (not authenticated, no matched route, or recorded by its handler).
fn rows_of(
    http: &HttpRequest,
    status: u16,
) -> Option<(Vec<NewAuditEvent>, Option<web::Data<AppState>>)> {
    let ext = http.extensions();
    // Not authenticated: there is no actor to record.
    let caller = ext.get::<AuditCaller>().cloned()?;
    if ext.get::<Recorded>().is_some() {
        return None;
    }
    let route = http.match_pattern()?;
    let method = http.method().as_str().to_owned();
    let action = http.app_data::<web::Data<Operations>>().map_or_else(
        || format!("{method} {route}"),
        |o| o.action(&method, &route),
    );
    let rid = ext.get::<RequestId>().map(|r| r.0.clone());
    let mut subjects: Vec<(String, String)> = http
        .match_info()
        .iter()
        .filter_map(|(name, value)| subject_type(&route, name).map(|t| (t, clip(value, 100))))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    if let Some(noted) = ext.get::<Subjects>() {
        for (t, id) in &noted.0 {
            let pair = ((*t).to_owned(), clip(id, 100));
            if !subjects.contains(&pair) {
                subjects.push(pair);
            }
        }
    }
    let actor = Actor {
        subject: clip(&caller.subject, 200),
        role: caller.role,
        request_id: rid,
        client_id: caller.client_id.map(|c| clip(&c, 200)),
    };
    let now = sct_persistence::now();
    let action = clip(&action, 200);
    let base = |subject: Option<(&str, String)>| {
        NewAuditEvent::new(&actor, &action, subject, status, now).via(&method, &route)
    };
    let rows: Vec<NewAuditEvent> = if subjects.is_empty() {
        vec![base(None)]
    } else {
        subjects
            .into_iter()
            .map(|(t, id)| base(Some((t.as_str(), id))))
            .collect()
    };
    Some((rows, http.app_data::<web::Data<AppState>>().cloned()))
}

/// The middleware (innermost, so that the request id and the matched route
/// are known).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let is_api = req.path().starts_with("/api/v1/");
    let res = next.call(req).await?;
    if !is_api {
        return Ok(res.map_into_left_body());
    }
    let status = res.status().as_u16();
    let Some((rows, state)) = rows_of(res.request(), status) else {
        return Ok(res.map_into_left_body());
    };
    if status == 503 {
        // The database is unavailable or saturated: nothing was shown or
        // changed, and waiting for it again would only slow the answer.
        log::warn!(target: "audit", "not recorded (503): {} rows", rows.len());
        return Ok(res.map_into_left_body());
    }
    let stored = match state {
        Some(state) => match state.db.conn().await {
            Ok(conn) => store::record(&conn, &rows).await,
            Err(e) => Err(e),
        },
        None => Ok(()),
    };
    match stored {
        Ok(()) => Ok(res.map_into_left_body()),
        Err(e) if (200..300).contains(&status) => {
            log::error!(target: "audit", "audit row not stored, answering 503: {e}");
            let (http, _) = res.into_parts();
            let refused = ApiError::new(
                ErrorCode::DatabaseUnavailable,
                "the request could not be recorded in the audit trail; retry shortly",
            )
            .error_response();
            Ok(ServiceResponse::new(http, refused).map_into_right_body())
        }
        Err(e) => {
            log::warn!(target: "audit", "audit row of a refused request not stored: {e}");
            Ok(res.map_into_left_body())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::subject_type;

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
