//! Assertions on replies that tests of several features share.

use crate::Reply;
use serde_json::Value;

/// Asserts the status of a reply, showing its body when it differs.
#[track_caller]
pub fn assert_status(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "body: {}", reply.text);
}

/// Asserts a 422 `validation_failed` naming `field` with the field code `code`.
#[track_caller]
pub fn assert_field_error(reply: &Reply, field: &str, code: &str) {
    reply.assert_problem(422, "validation_failed");
    let errors = reply.body["errors"].as_array().expect("errors is a list");
    assert!(
        errors
            .iter()
            .any(|e| e["field"] == field && e["code"] == code),
        "expected an error for {field} with code {code}, got: {}",
        reply.text
    );
}

/// Asserts a 401 problem+json with `code` and a Bearer challenge; `case`
/// names the attempt in the failure message.
#[track_caller]
pub fn assert_unauthorized(reply: &Reply, code: &str, case: &str) {
    assert_eq!(reply.status, 401, "{case}: {}", reply.text);
    assert_eq!(reply.body["code"], code, "{case}: {}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "{case}"
    );
    let challenge = reply.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.contains("Bearer"),
        "{case}: WWW-Authenticate {challenge:?}"
    );
}

/// The replies to concurrent submissions with one `Idempotency-Key`: each
/// is the referral (201) or "in progress" (409), at least one is the
/// referral, and every 201 is the same referral, whose id is returned.
#[track_caller]
pub fn assert_one_referral_per_key(replies: &[Reply]) -> String {
    let mut ids = Vec::new();
    for reply in replies {
        match reply.status {
            201 => ids.push(reply.id()),
            409 => reply.assert_problem(409, "idempotency_key_in_progress"),
            other => panic!("unexpected status {other}: {}", reply.text),
        }
    }
    assert!(!ids.is_empty(), "at least one request must succeed");
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one referral for every 201: {ids:?}"
    );
    ids.swap_remove(0)
}

/// The items of a list reply.
#[track_caller]
pub fn items(reply: &Reply) -> &[Value] {
    reply.body["items"].as_array().expect("items")
}
