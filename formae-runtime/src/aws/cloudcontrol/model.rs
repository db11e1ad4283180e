//! A resource's model as Cloud Control sees it, in the CloudFormation property names:
//! its identifier, its ownership tags, what a read shows beside the record, its outputs.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::resolve::secret_hash;
use crate::resource::{CloudControlMeta, ResourceMeta, Tagging};

/// The tag keys that say which stack and resource formae made a resource for.
pub const OWNERSHIP: [&str; 2] = ["formae:stack", "formae:resource"];

/// `path` (a property, or `A/B` for a nested one) as a JSON pointer.
pub fn pointer(path: &str) -> String {
    format!("/{}", path.replace('~', "~0"))
}

/// The identifier Cloud Control knows a resource by: the values of the primary
/// identifier's properties in `model`, joined with `|`; `None` if one is missing or is
/// not a scalar.
pub fn identifier(primary: &[&str], model: &Json) -> Option<String> {
    if primary.is_empty() {
        return None;
    }
    let parts = primary
        .iter()
        .map(|p| match model.pointer(&pointer(p))? {
            Json::String(s) if !s.is_empty() => Some(s.clone()),
            Json::Number(n) => Some(n.to_string()),
            Json::Bool(b) => Some(b.to_string()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(parts.join("|"))
}

/// The desired state a create or an update sends: the properties as given, without unset
/// (`null`) ones and without read-only ones (Cloud Control refuses them), with the
/// ownership tags `ours` put first where the type keeps its tags.
pub fn desired(props: Json, cc: &CloudControlMeta, ours: &[(String, String)]) -> Json {
    let Json::Object(mut m) = props else { return props };
    m.retain(|k, v| !v.is_null() && !cc.read_only.contains(&k.as_str()));
    match cc.tagging {
        Tagging::None => {}
        Tagging::List(key) => {
            let theirs = match m.get(key) {
                Some(Json::Array(a)) => a.clone(),
                _ => Vec::new(),
            };
            let mut list: Vec<Json> = ours.iter().map(|(k, v)| serde_json::json!({"Key": k, "Value": v})).collect();
            list.extend(theirs.into_iter().filter(|t| !ours.iter().any(|(k, _)| t.get("Key").and_then(Json::as_str) == Some(k))));
            m.insert(key.to_owned(), Json::Array(list));
        }
        Tagging::Map(key) => {
            let mut map: Map<String, Json> = ours.iter().map(|(k, v)| (k.clone(), Json::String(v.clone()))).collect();
            if let Some(Json::Object(theirs)) = m.get(key) {
                for (k, v) in theirs {
                    map.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            m.insert(key.to_owned(), Json::Object(map));
        }
    }
    Json::Object(m)
}

/// The tags of a model, as key/value pairs.
pub fn tags_of(model: &Json, tagging: Tagging) -> BTreeMap<String, String> {
    match tagging {
        Tagging::None => BTreeMap::new(),
        Tagging::List(key) => model
            .get(key)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| Some((t.get("Key")?.as_str()?.to_owned(), t.get("Value")?.as_str()?.to_owned())))
            .collect(),
        Tagging::Map(key) => model
            .get(key)
            .and_then(Json::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
    }
}

/// `live` without the ownership tags (formae puts them on; a stack does not declare
/// them); a tag property left empty by that goes too.
fn without_ownership(mut live: Json, tagging: Tagging) -> Json {
    let Json::Object(m) = &mut live else { return live };
    let key = match tagging {
        Tagging::None => return live,
        Tagging::List(key) | Tagging::Map(key) => key,
    };
    let empty = match m.get_mut(key) {
        Some(Json::Array(a)) => {
            a.retain(|t| !t.get("Key").and_then(Json::as_str).is_some_and(|k| OWNERSHIP.contains(&k)));
            a.is_empty()
        }
        Some(Json::Object(o)) => {
            o.retain(|k, _| !OWNERSHIP.contains(&k.as_str()));
            o.is_empty()
        }
        _ => false,
    };
    if empty {
        m.remove(key);
    }
    live
}

/// Whether `v` is the hash that stands for a sensitive value in a record.
pub fn is_hash(v: &Json) -> bool {
    v.as_str().is_some_and(|s| s.len() == 71 && s.starts_with("sha256:") && s[7..].bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The text a sensitive value is hashed from (as the planner hashes it).
fn text_of(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether a recorded value (plan form: a sensitive part is its hash) and a value in the
/// clear are the same.
pub fn same(recorded: &Json, clear: &Json) -> bool {
    match (recorded, clear) {
        (r, c) if r == c => true,
        (r, c) if is_hash(r) => r.as_str() == Some(secret_hash(&text_of(c)).as_str()),
        (Json::Object(r), Json::Object(c)) => r.len() == c.len() && r.iter().all(|(k, v)| c.get(k).is_some_and(|x| same(v, x))),
        (Json::Array(r), Json::Array(c)) => r.len() == c.len() && r.iter().zip(c).all(|(a, b)| same(a, b)),
        _ => false,
    }
}

/// What a read shows, in the record's shape, for drift: each recorded property with its
/// live value, recursively in the record's own shape (what the service adds of its own,
/// defaults and read-only attributes, is not the declaration's and is left out). A
/// write-only property keeps its recorded value: the cloud never shows it. A recorded
/// hash stays a hash: the live value is hashed, never kept. An array whose order means
/// nothing keeps the recorded order when it holds the same elements. A property gone from
/// the cloud is gone from what is shown, unless `meta` is unknown (a bare executor cannot
/// tell a property unset from a write-only one, and keeps the record's).
pub fn observed(record: &Json, live: &Json, meta: Option<&ResourceMeta>) -> Json {
    let (Json::Object(rec), Json::Object(_)) = (record, live) else { return live.clone() };
    let tagging = meta.and_then(|m| m.cloud_control).map_or(Tagging::None, |cc| cc.tagging);
    let live = without_ownership(live.clone(), tagging);
    let write_only = meta.map_or(&[][..], |m| m.write_only);
    let unordered = meta.map_or(&[][..], |m| m.unordered);
    let mut out = Map::new();
    for (k, r) in rec {
        if write_only.contains(&k.as_str()) {
            out.insert(k.clone(), r.clone());
            continue;
        }
        match live.get(k) {
            Some(l) => {
                out.insert(k.clone(), project(r, l, k, write_only, unordered));
            }
            None if meta.is_none() => {
                out.insert(k.clone(), r.clone());
            }
            // A property with write-only parts (a function's code) can read as nothing at
            // all when those are all it holds: what is known of it is the record.
            None if write_only.iter().any(|w| w.strip_prefix(k.as_str()).is_some_and(|rest| rest.starts_with('/'))) => {
                out.insert(k.clone(), r.clone());
            }
            None => {}
        }
    }
    Json::Object(out)
}

/// `live` in the shape of `rec`, at `path` (see [`observed`]).
fn project(rec: &Json, live: &Json, path: &str, write_only: &[&str], unordered: &[&str]) -> Json {
    if is_hash(rec) {
        return if same(rec, live) { rec.clone() } else { Json::String(secret_hash(&text_of(live))) };
    }
    match (rec, live) {
        (Json::Object(r), Json::Object(l)) => {
            let mut out = Map::new();
            for (k, rv) in r {
                let at = format!("{path}/{k}");
                if write_only.contains(&at.as_str()) {
                    out.insert(k.clone(), rv.clone());
                } else if let Some(lv) = l.get(k) {
                    out.insert(k.clone(), project(rv, lv, &at, write_only, unordered));
                }
            }
            Json::Object(out)
        }
        (Json::Array(r), Json::Array(l)) if r.len() == l.len() => {
            if unordered.contains(&path) && as_set(r, l, path, write_only, unordered) {
                return rec.clone();
            }
            Json::Array(r.iter().zip(l).map(|(a, b)| project(a, b, path, write_only, unordered)).collect())
        }
        _ => live.clone(),
    }
}

/// Whether each recorded element matches a live one of its own, in any order.
fn as_set(rec: &[Json], live: &[Json], path: &str, write_only: &[&str], unordered: &[&str]) -> bool {
    let mut used = vec![false; live.len()];
    rec.iter().all(|r| {
        let found = live.iter().enumerate().position(|(i, l)| !used[i] && project(r, l, path, write_only, unordered) == *r);
        found.inspect(|&i| used[i] = true).is_some()
    })
}

/// The outputs: each read-only property the model has, by its name.
pub fn outputs(model: &Json, read_only: &[&str]) -> BTreeMap<String, Json> {
    read_only.iter().filter_map(|p| Some(((*p).to_owned(), model.pointer(&pointer(p))?.clone()))).collect()
}

/// The strings of `desired` under write-only properties (passwords, keys): what must
/// never reach an error message, a log or a plan, should the service quote it back.
pub fn secrets_in(desired: &Json, write_only: &[&str]) -> Vec<String> {
    fn strings(v: &Json, out: &mut Vec<String>) {
        match v {
            Json::String(s) if s.len() >= 4 => out.push(s.clone()),
            Json::Array(a) => a.iter().for_each(|x| strings(x, out)),
            Json::Object(m) => m.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for p in write_only {
        if let Some(v) = desired.pointer(&pointer(p)) {
            strings(v, &mut out);
        }
    }
    // Longest first, so that a secret containing another is hidden whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// `text` with every one of `secrets` replaced by `(sensitive value)`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_owned(), |t, s| t.replace(s.as_str(), "(sensitive value)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CC: CloudControlMeta = CloudControlMeta {
        primary_identifier: &["QueueUrl"],
        read_only: &["QueueUrl", "Arn"],
        tagging: Tagging::List("Tags"),
        can_update: true,
        can_list: true,
        timeout_minutes: 5,
        sent_on_update: &[],
    };

    const META: ResourceMeta = ResourceMeta {
        type_name: "AWS::SQS::Queue",
        create_only: &["QueueName"],
        write_only: &["Secret", "Nested/Password"],
        identity: &["QueueName"],
        outputs: &["Arn", "QueueUrl"],
        reruns_when_dependencies_change: false,
        is_check: false,
        unordered: &["Zones"],
        cloud_control: Some(&CC),
    };

    fn ours() -> Vec<(String, String)> {
        vec![("formae:stack".into(), "s".into()), ("formae:resource".into(), "q".into())]
    }

    #[test]
    fn identifiers_join_the_primary_identifiers_values_with_a_bar() {
        let model = json!({"DatabaseName": "app", "Port": 5432, "Nested": {"Id": "n-1"}, "Empty": ""});
        assert_eq!(identifier(&["DatabaseName"], &model).as_deref(), Some("app"));
        assert_eq!(identifier(&["DatabaseName", "Port", "Nested/Id"], &model).as_deref(), Some("app|5432|n-1"));
        assert_eq!(identifier(&["DatabaseName", "Missing"], &model), None, "a part not known yet");
        assert_eq!(identifier(&["Empty"], &model), None);
        assert_eq!(identifier(&["Nested"], &model), None, "an object is no identifier");
        assert_eq!(identifier(&[], &model), None);
    }

    #[test]
    fn the_desired_state_carries_ownership_tags_first_and_nothing_read_only_or_unset() {
        let props = json!({"QueueName": "q", "Arn": "arn:x", "DelaySeconds": null, "Tags": [{"Key": "team", "Value": "a"}, {"Key": "formae:stack", "Value": "forged"}]});
        let d = desired(props, &CC, &ours());
        assert_eq!(
            d,
            json!({"QueueName": "q", "Tags": [{"Key": "formae:stack", "Value": "s"}, {"Key": "formae:resource", "Value": "q"}, {"Key": "team", "Value": "a"}]})
        );
        assert_eq!(tags_of(&d, CC.tagging).get("formae:resource").map(String::as_str), Some("q"));
        let map = CloudControlMeta { tagging: Tagging::Map("Tags"), ..CC };
        let d = desired(json!({"Tags": {"team": "a"}}), &map, &ours());
        assert_eq!(d, json!({"Tags": {"formae:stack": "s", "formae:resource": "q", "team": "a"}}));
        assert_eq!(tags_of(&d, map.tagging).len(), 3);
        let none = CloudControlMeta { tagging: Tagging::None, ..CC };
        assert_eq!(desired(json!({"QueueName": "q"}), &none, &ours()), json!({"QueueName": "q"}));
    }

    #[test]
    fn a_read_shows_the_record_shape_with_live_values() {
        let record = json!({
            "QueueName": "q", "VisibilityTimeout": 30, "Secret": "sha256:".to_owned() + &"a".repeat(64),
            "Nested": {"Password": "kept", "Mode": "x"}, "Zones": ["a", "b"], "Tags": [{"Key": "team", "Value": "a"}],
            "Gone": 1
        });
        let live = json!({
            "QueueName": "q", "VisibilityTimeout": 99, "QueueUrl": "https://q", "DelaySeconds": 0,
            "Nested": {"Mode": "x", "Default": true}, "Zones": ["b", "a"],
            "Tags": [{"Key": "formae:stack", "Value": "s"}, {"Key": "team", "Value": "a"}]
        });
        let seen = observed(&record, &live, Some(&META));
        assert_eq!(
            seen,
            json!({
                "QueueName": "q", "VisibilityTimeout": 99, "Secret": record["Secret"],
                "Nested": {"Password": "kept", "Mode": "x"}, "Zones": ["a", "b"], "Tags": [{"Key": "team", "Value": "a"}]
            }),
            "defaults and read-only attributes are not the declaration's; write-only values are the record's; `Gone` is gone"
        );
        // Nothing changed: the record itself.
        let unchanged = json!({"QueueName": "q", "VisibilityTimeout": 30, "Zones": ["b", "a"], "Tags": [{"Key": "formae:resource", "Value": "q"}]});
        let rec = json!({"QueueName": "q", "VisibilityTimeout": 30, "Zones": ["a", "b"]});
        assert_eq!(observed(&rec, &unchanged, Some(&META)), rec);
        // A property holding only write-only parts may read as nothing: the record stands.
        let code = json!({"QueueName": "q", "Nested": {"Password": "kept"}});
        assert_eq!(observed(&code, &json!({"QueueName": "q"}), Some(&META)), code);
        // A bare executor keeps what it cannot see.
        assert_eq!(observed(&json!({"QueueName": "q", "Secret": "x"}), &json!({"QueueName": "r"}), None), json!({"QueueName": "r", "Secret": "x"}));
    }

    #[test]
    fn a_sensitive_value_read_back_stays_a_hash() {
        let hash = secret_hash("hunter22");
        let record = json!({"Password": hash});
        assert_eq!(observed(&record, &json!({"Password": "hunter22"}), Some(&META)), record);
        let changed = observed(&record, &json!({"Password": "changed!"}), Some(&META));
        assert_eq!(changed, json!({"Password": secret_hash("changed!")}));
        assert!(!changed.to_string().contains("changed!"));
        assert!(same(&json!({"a": [hash.clone()]}), &json!({"a": ["hunter22"]})));
        assert!(!same(&json!({"a": [hash]}), &json!({"a": ["other"]})));
    }

    #[test]
    fn outputs_are_the_read_only_properties_and_secrets_are_redacted() {
        let model = json!({"QueueUrl": "https://q", "Arn": "arn:q", "QueueName": "q"});
        let out = outputs(&model, CC.read_only);
        assert_eq!(out.len(), 2);
        assert_eq!(out["Arn"], "arn:q");
        let desired = json!({"Secret": "s3cr3t-value", "Nested": {"Password": "pw-1234"}, "Name": "visible"});
        let secrets = secrets_in(&desired, META.write_only);
        let msg = redact("Model validation failed (#/Secret: s3cr3t-value is too long; pw-1234; visible)", &secrets);
        assert_eq!(msg, "Model validation failed (#/Secret: (sensitive value) is too long; (sensitive value); visible)");
    }
}
