//! The contract as a generated client reads it: every property of every
//! response schema has a type (no free-form object, no value of any type
//! but where documented below), and an optional output field is omitted
//! when absent, never `null` (docs/integrating.md, "Absent, never null").

use super::render;
use serde_json::Value;
use std::collections::BTreeSet;

/// Response properties (or operations' inline response schemas) whose
/// values are not narrowed, and why.
const UNTYPED: &[(&str, &str)] = &[
    (
        "HeldRow.values",
        "a subject access export shows each mapped column as stored, jsonb documents included: the shape is the table's",
    ),
    (
        "GET /api/v1/openapi.json 200",
        "this document itself: its schema is OpenAPI 3.1's (https://spec.openapis.org/oas/3.1/schema), not this API's",
    ),
];

/// Response properties that may be `null`, and why (none).
const NULLABLE: &[(&str, &str)] = &[];

fn doc() -> Value {
    serde_json::from_str(&render()).expect("json")
}

/// Names of the component schemas a response reaches (through `$ref`s).
fn response_schemas(doc: &Value) -> BTreeSet<String> {
    fn refs(v: &Value, schemas: &Value, acc: &mut BTreeSet<String>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    if let Some(name) = r.strip_prefix("#/components/schemas/") {
                        if acc.insert(name.to_owned()) {
                            refs(&schemas[name], schemas, acc);
                        }
                    }
                }
                o.values().for_each(|x| refs(x, schemas, acc));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, schemas, acc)),
            _ => {}
        }
    }
    let schemas = &doc["components"]["schemas"];
    let mut acc = BTreeSet::new();
    for item in doc["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("item").values() {
            refs(&op["responses"], schemas, &mut acc);
        }
    }
    refs(&doc["components"]["responses"], schemas, &mut acc);
    acc
}

/// The JSON schemas operations give their responses inline (not a `$ref`
/// to a component), named `METHOD /path status`.
fn inline_responses(doc: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            for (status, r) in op["responses"].as_object().into_iter().flatten() {
                for (media, c) in r["content"].as_object().into_iter().flatten() {
                    let s = &c["schema"];
                    if media.contains("json") && s.get("$ref").is_none() && !s.is_null() {
                        let at = format!("{} {path} {status}", method.to_uppercase());
                        out.push((at, s.clone()));
                    }
                }
            }
        }
    }
    out
}

/// Calls `f` with every property of the schema (and of the objects nested
/// in it), named `Schema.property`.
fn each_property(at: &str, s: &Value, f: &mut dyn FnMut(&str, &Value)) {
    if let Some(props) = s["properties"].as_object() {
        for (name, p) in props {
            let here = format!("{at}.{name}");
            f(&here, p);
            each_property(&here, p, f);
        }
    }
    for key in ["items", "additionalProperties"] {
        if s[key].is_object() {
            each_property(at, &s[key], f);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for x in s[key].as_array().into_iter().flatten() {
            each_property(at, x, f);
        }
    }
}

fn allows_null(p: &Value) -> bool {
    p["type"] == "null"
        || p["type"]
            .as_array()
            .is_some_and(|ts| ts.iter().any(|t| t == "null"))
        || ["oneOf", "anyOf"]
            .iter()
            .any(|k| p[k].as_array().into_iter().flatten().any(allows_null))
}

/// A schema that says nothing of its values: no type, no `$ref`, no
/// composition, no `enum`/`const`; or an object with neither properties
/// nor typed additional properties.
fn untyped(p: &Value) -> bool {
    let Some(o) = p.as_object() else {
        return true;
    };
    let described = ["type", "$ref", "oneOf", "anyOf", "allOf", "enum", "const"]
        .iter()
        .any(|k| o.contains_key(*k));
    if !described {
        return true;
    }
    if p["type"] == "object" && !o.contains_key("properties") {
        return match o.get("additionalProperties") {
            None | Some(Value::Bool(_)) => true,
            Some(v) => untyped(v),
        };
    }
    p["type"] == "array" && p.get("items").is_none_or(untyped)
}

#[test]
fn no_output_field_is_null_when_absent() {
    let doc = doc();
    let mut found = Vec::new();
    for (at, s) in inline_responses(&doc) {
        each_property(&at, &s, &mut |at, p| {
            if allows_null(p) && !NULLABLE.iter().any(|(n, _)| *n == at) {
                found.push(at.to_owned());
            }
        });
    }
    for name in response_schemas(&doc) {
        let s = &doc["components"]["schemas"][&name];
        each_property(&name, s, &mut |at, p| {
            if allows_null(p) && !NULLABLE.iter().any(|(n, _)| *n == at) {
                found.push(at.to_owned());
            }
        });
    }
    assert!(
        found.is_empty(),
        "response properties that may be null (omit them when absent: \
         #[serde(skip_serializing_if = \"Option::is_none\")] #[schema(nullable = false)]): {found:?}"
    );
}

#[test]
fn every_output_field_has_a_type() {
    let doc = doc();
    let mut found = Vec::new();
    for (at, s) in inline_responses(&doc) {
        if untyped(&s) && !UNTYPED.iter().any(|(n, _)| *n == at) {
            found.push(at.clone());
        }
        each_property(&at, &s, &mut |at, p| {
            if untyped(p) && !UNTYPED.iter().any(|(n, _)| *n == at) {
                found.push(at.to_owned());
            }
        });
    }
    for name in response_schemas(&doc) {
        let s = &doc["components"]["schemas"][&name];
        if untyped(s) {
            found.push(name.clone());
        }
        each_property(&name, s, &mut |at, p| {
            if untyped(p) && !UNTYPED.iter().any(|(n, _)| *n == at) {
                found.push(at.to_owned());
            }
        });
    }
    assert!(
        found.is_empty(),
        "response schemas without a type (a client reads them as never or unknown): {found:?}"
    );
}

#[test]
fn every_rule_names_an_operation() {
    let doc = doc();
    let mut ids = BTreeSet::new();
    for item in doc["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("item").values() {
            if let Some(id) = op["operationId"].as_str() {
                ids.insert(id.to_owned());
            }
        }
    }
    for (op, _) in super::rules::RULES {
        assert!(
            ids.contains(*op),
            "openapi/rules.rs names no operation {op}"
        );
    }
}
