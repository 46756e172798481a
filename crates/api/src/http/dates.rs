//! One bound for every date and time at the boundary: 1900-01-01 to
//! 2200-12-31 (UTC for times).
//!
//! chrono parses years PostgreSQL cannot store (`-5000-01-01`, year 0), so
//! without a bound such a date reached the database and came back as a 500.
//! The bound is enforced in ONE place, driven by the contract: every field a
//! request body declares `format: date` or `date-time`, and every query
//! parameter that does, is found in the OpenAPI document once at start-up
//! (`DateFields::from_document`), and checked for every request of that
//! operation: JSON bodies in the body extractor (`RawJson`, which `JsonBody`
//! and every fingerprinted body go through), queries in a middleware before
//! any handler runs. A body answers 422 naming the field; a query answers 400
//! naming the parameter. No handler, and no new date field, needs to remember
//! the rule: a field is bounded because the contract says it is a date.

use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use chrono::DateTime;
use chrono::FixedOffset;
use chrono::NaiveDate;
use chrono::Utc;
use serde_json::Value;
use std::collections::HashMap;

/// The earliest date accepted anywhere.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
/// The latest date accepted anywhere.
pub const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2200, 12, 31) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The machine code of a date outside the bound.
pub const OUT_OF_RANGE: &str = "date_out_of_range";

/// A date (`YYYY-MM-DD`) or a date and time (RFC 3339).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Date,
    DateTime,
}

impl Kind {
    fn of(format: &str) -> Option<Self> {
        match format {
            "date" => Some(Self::Date),
            "date-time" => Some(Self::DateTime),
            _ => None,
        }
    }

    /// The day a value names (in UTC for times), as the extractors parse it;
    /// `None` when it does not parse.
    fn day(self, s: &str) -> Option<NaiveDate> {
        match self {
            Self::Date => s.parse::<NaiveDate>().ok(),
            Self::DateTime => s
                .parse::<DateTime<FixedOffset>>()
                .ok()
                .map(|t| t.with_timezone(&Utc).date_naive()),
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Self::Date => "a date (YYYY-MM-DD)",
            Self::DateTime => "an RFC 3339 date and time",
        }
    }
}

/// Whether a day is inside the bound.
pub fn in_bounds(day: NaiveDate) -> bool {
    (EARLIEST..=LATEST).contains(&day)
}

fn out_of_range_message(field: &str) -> String {
    format!("{field} must be between {EARLIEST} and {LATEST}")
}

/// One step of a path into a body: a member or every item of an array.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Member(String),
    Items,
}

/// The date fields of one operation.
#[derive(Debug, Clone, Default)]
struct Fields {
    body: Vec<(Vec<Step>, Kind)>,
    query: Vec<(String, Kind)>,
}

/// Date fields by method and route pattern, read from the OpenAPI document.
#[derive(Debug, Clone, Default)]
pub struct DateFields(HashMap<(String, String), Fields>);

impl DateFields {
    /// Reads every operation's request body and query parameters.
    pub fn from_document(doc: &utoipa::openapi::OpenApi) -> Self {
        let Ok(doc) = serde_json::to_value(doc) else {
            return Self::default();
        };
        let empty = serde_json::Map::new();
        let components = doc["components"]["schemas"].as_object().unwrap_or(&empty);
        let mut map = HashMap::new();
        for (path, item) in doc["paths"].as_object().unwrap_or(&empty) {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(op) = item.get(method) else {
                    continue;
                };
                let mut fields = Fields::default();
                if let Some(content) = op["requestBody"]["content"].as_object() {
                    for media in content.values() {
                        walk(
                            &media["schema"],
                            components,
                            &mut Vec::new(),
                            &mut Vec::new(),
                            &mut fields.body,
                        );
                    }
                }
                for p in op["parameters"].as_array().into_iter().flatten() {
                    let (Some(name), Some("query")) = (p["name"].as_str(), p["in"].as_str()) else {
                        continue;
                    };
                    let mut found = Vec::new();
                    walk(
                        &p["schema"],
                        components,
                        &mut Vec::new(),
                        &mut Vec::new(),
                        &mut found,
                    );
                    if let Some((_, kind)) = found.into_iter().find(|(at, _)| at.is_empty()) {
                        fields.query.push((name.to_owned(), kind));
                    }
                }
                if !fields.body.is_empty() || !fields.query.is_empty() {
                    map.insert((method.to_ascii_uppercase(), path.clone()), fields);
                }
            }
        }
        Self(map)
    }

    /// Every bounded body field and query parameter, as `METHOD path field`
    /// lines (for tests and review; the tests over the real contract are in
    /// `crate::openapi`, which may use this module and not the reverse).
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        for ((method, route), f) in &self.0 {
            for (at, _) in &f.body {
                out.push(format!("{method} {route} {}", dotted(at)));
            }
            for (name, _) in &f.query {
                out.push(format!("{method} {route} ?{name}"));
            }
        }
        out.sort();
        out
    }

    /// Checks the date fields of a parsed JSON body.
    ///
    /// # Errors
    /// 422 `ValidationFailed` naming every date outside the bound. A value
    /// that does not parse as a date is left to the body's deserializer.
    pub fn check_body(&self, method: &str, route: &str, body: &Value) -> Result<(), ApiError> {
        let Some(fields) = self.0.get(&(method.to_owned(), route.to_owned())) else {
            return Ok(());
        };
        let mut errors = Vec::new();
        for (at, kind) in &fields.body {
            let mut found = Vec::new();
            values_at(body, at, String::new(), &mut found);
            for (field, value) in found {
                if kind.day(value).is_some_and(|d| !in_bounds(d)) {
                    let message = out_of_range_message(&field);
                    errors.push(FieldError::new(field, OUT_OF_RANGE, message));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(errors))
        }
    }

    /// Checks the date parameters of a query string.
    ///
    /// # Errors
    /// 400 `InvalidParameter` naming the first date parameter that does not
    /// parse or is outside the bound.
    pub fn check_query(&self, method: &str, route: &str, query: &str) -> Result<(), ApiError> {
        let Some(fields) = self.0.get(&(method.to_owned(), route.to_owned())) else {
            return Ok(());
        };
        // A query that does not decode is the handler's extractor's to refuse.
        let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(query) else {
            return Ok(());
        };
        for (name, value) in &pairs {
            let Some((_, kind)) = fields.query.iter().find(|(n, _)| n == name) else {
                continue;
            };
            let (code, message) = match kind.day(value) {
                Some(d) if in_bounds(d) => continue,
                Some(_) => (OUT_OF_RANGE, out_of_range_message(name)),
                None => (
                    "invalid_value",
                    format!("{name} must be {}", kind.expected()),
                ),
            };
            return Err(ApiError {
                errors: vec![FieldError::new(name.clone(), code, message.clone())],
                ..ApiError::new(ErrorCode::InvalidParameter, message)
            });
        }
        Ok(())
    }
}

/// Collects the paths of `format: date`/`date-time` strings under a schema,
/// following `$ref`s (each at most once on a path: no endless recursion).
fn walk(
    schema: &Value,
    components: &serde_json::Map<String, Value>,
    at: &mut Vec<Step>,
    seen: &mut Vec<String>,
    out: &mut Vec<(Vec<Step>, Kind)>,
) {
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        if seen.iter().any(|s| s == name) {
            return;
        }
        if let Some(target) = components.get(name) {
            seen.push(name.to_owned());
            walk(target, components, at, seen, out);
            seen.pop();
        }
        return;
    }
    if let Some(kind) = schema["format"].as_str().and_then(Kind::of) {
        if !out.iter().any(|(p, _)| p == at) {
            out.push((at.clone(), kind));
        }
    }
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        at.push(Step::Member(name.clone()));
        walk(property, components, at, seen, out);
        at.pop();
    }
    if schema["items"].is_object() {
        at.push(Step::Items);
        walk(&schema["items"], components, at, seen, out);
        at.pop();
    }
    for combinator in ["allOf", "oneOf", "anyOf"] {
        for part in schema[combinator].as_array().into_iter().flatten() {
            walk(part, components, at, seen, out);
        }
    }
}

/// The strings found at a path of a body, with their field names in the
/// form the other validation errors use (`actions[1].due_on`).
fn values_at<'a>(value: &'a Value, at: &[Step], name: String, out: &mut Vec<(String, &'a str)>) {
    match at.split_first() {
        None => {
            if let Some(s) = value.as_str() {
                out.push((name, s));
            }
        }
        Some((Step::Member(m), rest)) => {
            if let Some(v) = value.get(m) {
                let name = if name.is_empty() {
                    m.clone()
                } else {
                    format!("{name}.{m}")
                };
                values_at(v, rest, name, out);
            }
        }
        Some((Step::Items, rest)) => {
            for (i, v) in value.as_array().into_iter().flatten().enumerate() {
                values_at(v, rest, format!("{name}[{i}]"), out);
            }
        }
    }
}

fn dotted(at: &[Step]) -> String {
    let mut s = String::new();
    for step in at {
        match step {
            Step::Member(m) if s.is_empty() => s.push_str(m),
            Step::Member(m) => {
                s.push('.');
                s.push_str(m);
            }
            Step::Items => s.push_str("[]"),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_1900_to_2200_inclusive() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
        assert!(in_bounds(d(1900, 1, 1)));
        assert!(in_bounds(d(2200, 12, 31)));
        assert!(!in_bounds(d(1899, 12, 31)));
        assert!(!in_bounds(d(2201, 1, 1)));
        assert!(!in_bounds(d(-5000, 1, 1)));
        assert!(!in_bounds(d(0, 1, 1)));
    }

    #[test]
    fn times_are_bounded_by_their_utc_day() {
        assert_eq!(
            Kind::DateTime.day("1900-01-01T00:30:00+01:00"),
            NaiveDate::from_ymd_opt(1899, 12, 31)
        );
        assert_eq!(
            Kind::DateTime.day("-5000-01-01T00:00:00Z"),
            NaiveDate::from_ymd_opt(-5000, 1, 1)
        );
        assert_eq!(
            Kind::Date.day("0000-01-01"),
            NaiveDate::from_ymd_opt(0, 1, 1)
        );
        assert_eq!(Kind::Date.day("+275760-01-01"), None);
    }
}
