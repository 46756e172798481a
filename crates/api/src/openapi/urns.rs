//! One rule for every URN the contract reads: a setting identifier
//! (`sct_domain::SETTING_ID_PATTERN`, the shapes `SettingId::parse`
//! accepts), stated the same way on every parameter and field, never the
//! 6 digits alone of a GIAS URN.

use super::render;
use sct_domain::SETTING_ID_PATTERN;
use serde_json::Value;

fn walk(v: &Value, at: &str, found: &mut Vec<String>, urn_params: &mut usize) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(p)) = o.get("pattern") {
                let urn_like = p.contains("[0-9]{6}");
                if urn_like && p != SETTING_ID_PATTERN {
                    found.push(format!("{at}: {p}"));
                }
            }
            let named_urn = matches!(
                o.get("name").and_then(Value::as_str),
                Some("urn" | "school_urn")
            );
            if named_urn && o.get("in").is_some() {
                *urn_params += 1;
                if o["schema"]["pattern"] != SETTING_ID_PATTERN {
                    found.push(format!("{at}: parameter without the setting pattern"));
                }
            }
            for (k, child) in o {
                walk(child, &format!("{at}/{k}"), found, urn_params);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &format!("{at}/{i}"), found, urn_params);
            }
        }
        _ => {}
    }
}

#[test]
fn every_urn_the_contract_reads_is_a_setting_identifier() {
    let doc: Value = serde_json::from_str(&render()).expect("json");
    let mut found = Vec::new();
    let mut urn_params = 0;
    walk(&doc, "", &mut found, &mut urn_params);
    assert!(found.is_empty(), "{found:#?}");
    assert!(urn_params >= 10, "only {urn_params} URN parameters seen");
}
