//! Extractors that answer in problem+json: JSON bodies that name the bad
//! field, `If-Match`, paging, and the request id.

use crate::http::dates::DateFields;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web;
use actix_web::FromRequest;
use actix_web::HttpMessage;
use actix_web::HttpRequest;
use base64::Engine;
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use sct_domain::VersionMatch;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::Digest;
use sha2::Sha256;
use utoipa::IntoParams;

/// Largest JSON body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Deepest nesting of arrays and objects accepted in a JSON body.
pub const MAX_JSON_DEPTH: usize = 16;
/// Longest string (in bytes, as sent) accepted anywhere in a JSON body.
pub const MAX_JSON_STRING_BYTES: usize = 8 * 1024;

/// Refuses bodies nested deeper than `MAX_JSON_DEPTH` or holding a string
/// longer than `MAX_JSON_STRING_BYTES`, before any parsing: one pass over the
/// bytes, so a hostile body costs no more than its size.
///
/// # Errors
/// `TooDeep` (400) or `StringTooLong` (422).
pub fn check_json_shape(bytes: &[u8]) -> Result<(), ApiError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut string_len = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string && escaped && b == b'u' && bytes.get(i + 1..i + 5) == Some(b"0000") {
            // PostgreSQL text cannot hold NUL: refuse it here, not as a 500.
            return Err(ApiError::validation(vec![FieldError::new(
                "",
                "nul_character",
                "strings may not contain the NUL character (\\u0000)",
            )]));
        }
        if in_string {
            string_len += 1;
            if string_len > MAX_JSON_STRING_BYTES {
                return Err(ApiError::new(
                    ErrorCode::StringTooLong,
                    format!("a string in the body is longer than {MAX_JSON_STRING_BYTES} bytes"),
                ));
            }
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                string_len = 0;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(ApiError::new(
                        ErrorCode::TooDeep,
                        format!("the body is nested deeper than {MAX_JSON_DEPTH} levels"),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A JSON body, parsed with the path of any bad field kept for the answer.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let raw = RawJson::from_request(req, payload);
        Box::pin(async move {
            let RawJson(bytes) = raw.await?;
            parse_json(&bytes).map(JsonBody)
        })
    }
}

/// SHA-256 of the request body as received (set by [`RawJson`], read by
/// the write kernel's idempotency fingerprint).
#[derive(Debug, Clone, Copy)]
pub struct BodyDigest(pub [u8; 32]);
/// A JSON body that may be left out: no body at all is `None`; anything else is checked and parsed like [`JsonBody`] (media
/// type, size, shape, fields), so a mistaken body is refused instead of
/// ignored.
#[derive(Debug)]
pub struct OptionalJsonBody<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let declared_empty = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0")
            || (!req.headers().contains_key(header::CONTENT_LENGTH)
                && !req.headers().contains_key(header::TRANSFER_ENCODING));
        if declared_empty {
            return Box::pin(async { Ok(OptionalJsonBody(None)) });
        }
        // A body that is sent must be the options (the contract states the
        // body as the schema, `required: false`): JSON `null` is refused.
        let body = JsonBody::<T>::from_request(req, payload);
        Box::pin(async move { body.await.map(|b| OptionalJsonBody(Some(b.0))) })
    }
}

/// The bytes of a JSON body, checked for media type and size but not
/// parsed (the idempotency fingerprint is taken over exactly these bytes).
#[derive(Debug)]
pub struct RawJson(pub web::Bytes);

impl FromRequest for RawJson {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .mime_type()
            .ok()
            .flatten()
            .is_some_and(|m| m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"));
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let dates = req
            .app_data::<web::Data<DateFields>>()
            .cloned()
            .zip(req.match_pattern())
            .map(|(fields, route)| (fields, req.method().to_string(), route));
        let mut payload = payload.take();
        let req = req.clone();
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "send the body as application/json",
                ));
            }
            if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
                return Err(too_large());
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk =
                    chunk.map_err(|e| ApiError::new(ErrorCode::MalformedJson, e.to_string()))?;
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            // The write kernel's idempotency fingerprint covers these bytes.
            req.extensions_mut()
                .insert(BodyDigest(Sha256::digest(&body).into()));
            let body = body.freeze();
            if let Some((fields, method, route)) = &dates {
                // The one date bound (crate::http::dates); a body that is
                // not JSON, or too deep, is left to `parse_json` to refuse.
                if check_json_shape(&body).is_ok() {
                    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) {
                        fields.check_body(method, route, &value)?;
                    }
                }
            }
            Ok(RawJson(body))
        })
    }
}

pub(crate) fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the body may be at most {MAX_BODY_BYTES} bytes"),
    )
}

/// Parses JSON, telling syntax errors (400) from schema errors (422).
///
/// # Errors
/// `MalformedJson` or `ValidationFailed` with the field's path.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    check_json_shape(bytes)?;
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        // JSON (and the contract's JSON Schema) counts `2.0` as the integer 2;
        // serde does not, so a refused body is read again with such numbers
        // made integers (its errors are then those of that reading).
        Err(e) if e.inner().classify() == serde_json::error::Category::Data => {
            match integral_floats_as_integers(bytes) {
                Some(value) => serde_path_to_error::deserialize::<_, T>(value).map_err(json_error),
                None => Err(json_error(e)),
            }
        }
        Err(e) => Err(json_error(e)),
    }
}

/// The body with every number that has no fraction (`2.0`, `1e2`) written as
/// an integer, or `None` when it holds no such number.
fn integral_floats_as_integers(bytes: &[u8]) -> Option<serde_json::Value> {
    fn walk(v: &mut serde_json::Value) -> bool {
        match v {
            serde_json::Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                    // Exact: |f| < 2^53 and has no fraction.
                    #[allow(clippy::cast_possible_truncation)]
                    let i = f as i64;
                    *v = serde_json::Value::from(i);
                    true
                }
                _ => false,
            },
            serde_json::Value::Array(items) => items.iter_mut().fold(false, |c, x| walk(x) | c),
            serde_json::Value::Object(map) => map.values_mut().fold(false, |c, x| walk(x) | c),
            _ => false,
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    walk(&mut value).then_some(value)
}

fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    match inner.classify() {
        serde_json::error::Category::Data => {
            let msg = inner.to_string();
            let code = if msg.starts_with("unknown field") {
                "unknown_field"
            } else if msg.starts_with("missing field") {
                "required"
            } else {
                "invalid_value"
            };
            let field = if path == "." { String::new() } else { path };
            let field = match (code, msg.split('`').nth(1)) {
                // serde reports a missing field at its parent's path.
                ("required", Some(name)) if field.is_empty() => name.to_owned(),
                ("required", Some(name)) => format!("{field}.{name}"),
                _ => field,
            };
            ApiError::validation(vec![FieldError::new(field, code, strip_position(&msg))])
        }
        _ => ApiError::new(
            ErrorCode::MalformedJson,
            format!("the body is not valid JSON: {inner}"),
        ),
    }
}

fn strip_position(msg: &str) -> String {
    msg.split(" at line ").next().unwrap_or(msg).to_owned()
}

/// What an `If-Match` header accepts, if it was sent: `*`, or the
/// versions of the strong tags it lists (RFC 9110 §13.1.1).
#[derive(Debug, Clone)]
pub struct IfMatch(pub Option<VersionMatch>);

impl IfMatch {
    /// The condition the client sets.
    ///
    /// # Errors
    /// `IfMatchRequired` when the header was absent.
    pub fn required(self) -> Result<VersionMatch, ApiError> {
        self.0.ok_or_else(|| {
            ApiError::new(
                ErrorCode::IfMatchRequired,
                "send If-Match with the ETag you last read",
            )
        })
    }
}

/// The ETag of a version: `"v3"`.
pub fn etag(version: i32) -> String {
    format!("\"v{version}\"")
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Several header lines are one comma-separated list; a value that is
        // not text names no tag of ours and matches nothing.
        let lines: Vec<&str> = req
            .headers()
            .get_all(header::IF_MATCH)
            .map(|h| h.to_str().unwrap_or(""))
            .collect();
        let condition = (!lines.is_empty()).then(|| VersionMatch::parse(&lines.join(", ")));
        std::future::ready(Ok(IfMatch(condition)))
    }
}

/// Paging parameters shared by every list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

impl PageParams {
    /// The page size, checked.
    ///
    /// # Errors
    /// `InvalidParameter` outside 1..=200.
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(50),
            Some(n) if (1..=200).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::new(
                ErrorCode::InvalidParameter,
                "limit must be between 1 and 200",
            )),
        }
    }
}

/// Encodes cursor parts into an opaque token.
pub fn encode_cursor<S: AsRef<str>>(parts: &[S]) -> String {
    let mut text = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            text.push('\u{1f}');
        }
        text.push_str(part.as_ref());
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// The error of a cursor this API did not issue, or that does not decode
/// into the key of its list.
pub(crate) fn bad_cursor() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCursor,
        "the cursor is not one this API issued",
    )
}

/// Decodes a cursor into exactly `n` parts.
///
/// # Errors
/// `InvalidCursor`.
pub fn decode_cursor(cursor: &str, n: usize) -> Result<Vec<String>, ApiError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad_cursor())?;
    let text = String::from_utf8(bytes).map_err(|_| bad_cursor())?;
    let parts: Vec<String> = text.split('\u{1f}').map(str::to_owned).collect();
    if parts.len() == n {
        Ok(parts)
    } else {
        Err(bad_cursor())
    }
}

/// The id of the current request (from `x-request-id` or generated).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl FromRequest for RequestId {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId(uuid::Uuid::new_v4().to_string()));
        std::future::ready(Ok(id))
    }
}

/// Accepts a client's request id if it is short printable ASCII.
pub fn sanitize_request_id(raw: Option<&str>) -> String {
    match raw {
        Some(s)
            if !s.is_empty()
                && s.len() <= 128
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) =>
        {
            s.to_owned()
        }
        _ => uuid::Uuid::new_v4().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        level: u8,
    }

    #[test]
    fn syntax_errors_are_400_and_schema_errors_name_the_field() {
        let e = parse_json::<Outer>(b"{").expect_err("syntax");
        assert_eq!(e.code, ErrorCode::MalformedJson);
        let e = parse_json::<Outer>(br#"{"inner": {"level": "x"}}"#).expect_err("type");
        assert_eq!(e.code, ErrorCode::ValidationFailed);
        assert_eq!(e.errors[0].field, "inner.level");
        let e =
            parse_json::<Outer>(br#"{"inner": {"level": 1, "extra": 2}}"#).expect_err("unknown");
        assert_eq!(e.errors[0].code, "unknown_field");
        assert_eq!(e.errors[0].field, "inner.extra");
        let e = parse_json::<Outer>(b"{}").expect_err("missing");
        assert_eq!(e.errors[0].code, "required");
        assert_eq!(e.errors[0].field, "inner");
    }

    #[test]
    fn integral_numbers_written_with_a_fraction_are_integers() {
        // JSON Schema's `integer` includes 2.0 and 1e1: a client generated
        // from the contract may send them.
        let o = parse_json::<Outer>(br#"{"inner": {"level": 2.0}}"#).expect("2.0");
        assert_eq!(o.inner.level, 2);
        let o = parse_json::<Outer>(br#"{"inner": {"level": 1e1}}"#).expect("1e1");
        assert_eq!(o.inner.level, 10);
        // A real fraction is still refused, naming the field.
        let e = parse_json::<Outer>(br#"{"inner": {"level": 2.5}}"#).expect_err("2.5");
        assert_eq!(e.errors[0].field, "inner.level");
        assert!(e.errors[0].message.contains("2.5"), "{:?}", e.errors[0]);
        // So is a value out of range, and unknown fields stay unknown.
        let e = parse_json::<Outer>(br#"{"inner": {"level": 300.0}}"#).expect_err("300");
        assert_eq!(e.errors[0].field, "inner.level");
        let e = parse_json::<Outer>(br#"{"inner": {"level": 1.0, "x": 1}}"#).expect_err("extra");
        assert_eq!(e.errors[0].code, "unknown_field");
    }

    #[test]
    fn deep_nesting_and_long_strings_are_refused_before_parsing() {
        let deep = format!("{}{}", "[".repeat(17), "]".repeat(17));
        let e = check_json_shape(deep.as_bytes()).expect_err("deep");
        assert_eq!(e.code, ErrorCode::TooDeep);
        let fine = format!("{}{}", "[".repeat(16), "]".repeat(16));
        assert!(check_json_shape(fine.as_bytes()).is_ok());
        // Brackets inside strings do not count.
        let quoted = format!("{{\"a\": \"{}\"}}", "[".repeat(100));
        assert!(check_json_shape(quoted.as_bytes()).is_ok());
        let long = format!("{{\"a\": \"{}\"}}", "x".repeat(MAX_JSON_STRING_BYTES + 1));
        let e = check_json_shape(long.as_bytes()).expect_err("long");
        assert_eq!(e.code, ErrorCode::StringTooLong);
        let escaped = r#"{"a": "quote \" then [[[[[[[[[[[[[[[[[[ inside"}"#;
        assert!(check_json_shape(escaped.as_bytes()).is_ok());
        let nul = r#"{"a": "x\u0000"}"#;
        let e = check_json_shape(nul.as_bytes()).expect_err("nul");
        assert_eq!(e.errors[0].code, "nul_character");
        let literal = r#"{"a": "x\\u0000"}"#;
        assert!(
            check_json_shape(literal.as_bytes()).is_ok(),
            "an escaped backslash"
        );
    }

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        let c = encode_cursor(&["a", "b"]);
        assert_eq!(decode_cursor(&c, 2).expect("ok"), vec!["a", "b"]);
        assert!(decode_cursor(&c, 3).is_err());
        assert!(decode_cursor("!!", 2).is_err());
    }

    #[test]
    fn request_ids_are_sanitised() {
        assert_eq!(sanitize_request_id(Some("abc-123")), "abc-123");
        assert_ne!(sanitize_request_id(Some("bad id\n")), "bad id\n");
        assert_eq!(sanitize_request_id(None).len(), 36);
    }
}
