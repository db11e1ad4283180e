//! The JSON Patch (RFC 6902) an update sends: one operation per top-level property that
//! changed, nothing for the rest.

use serde_json::{json, Value as Json};

use super::model::same;

/// `key` as a JSON pointer to a top-level member (RFC 6901 escapes).
fn path(key: &str) -> String {
    format!("/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// Whether the top-level property `key` is write-only or holds a write-only part.
fn write_only_under(key: &str, write_only: &[&str]) -> bool {
    write_only.iter().any(|w| *w == key || w.strip_prefix(key).is_some_and(|rest| rest.starts_with('/')))
}

/// The operations that take `prior` (recorded form: a sensitive part is its hash) to
/// `desired` (in the clear): `replace` for a changed property, `add` for a new one and
/// for any change under a write-only property (Cloud Control refuses `replace` there: the
/// model it patches never shows them), `remove` for one no longer declared, when
/// `removals` (not when `prior` is the live model of an adopted resource: what the
/// service shows beyond the declaration is not formae's to remove). A write-only property
/// no longer declared is left alone: the model has nothing there to remove.
pub fn diff(prior: &Json, desired: &Json, write_only: &[&str], removals: bool) -> Vec<Json> {
    let empty = serde_json::Map::new();
    let before = prior.as_object().unwrap_or(&empty);
    let after = desired.as_object().unwrap_or(&empty);
    let mut ops = Vec::new();
    for (k, v) in after {
        let hidden = write_only_under(k, write_only);
        match before.get(k) {
            Some(p) if same(p, v) => {}
            Some(_) if !hidden => ops.push(json!({"op": "replace", "path": path(k), "value": v})),
            _ => ops.push(json!({"op": "add", "path": path(k), "value": v})),
        }
    }
    if removals {
        for k in before.keys().filter(|k| !after.contains_key(*k)) {
            if write_only_under(k, write_only) {
                tracing::debug!(property = %k, "a write-only property no longer declared is left as it is");
                continue;
            }
            ops.push(json!({"op": "remove", "path": path(k)}));
        }
    }
    ops
}

/// Adds to `ops` an `add` of each of `required` that `desired` holds and `ops` does not
/// touch yet: the required properties with write-only parts, which Cloud Control wants in
/// every update.
pub fn resend(ops: &mut Vec<Json>, desired: &Json, required: &[&str]) {
    for k in required {
        let at = path(k);
        let touched = ops.iter().any(|o| o.get("path").and_then(Json::as_str) == Some(at.as_str()));
        if let (false, Some(v)) = (touched, desired.get(*k)) {
            ops.push(json!({"op": "add", "path": at, "value": v}));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::secret_hash;

    #[test]
    fn only_changed_top_level_properties_are_patched() {
        let prior = json!({"QueueName": "q", "VisibilityTimeout": 30, "DelaySeconds": 5, "RedrivePolicy": {"maxReceiveCount": 3, "deadLetterTargetArn": "arn:d"}});
        let desired = json!({"QueueName": "q", "VisibilityTimeout": 60, "RedrivePolicy": {"maxReceiveCount": 4, "deadLetterTargetArn": "arn:d"}, "MessageRetentionPeriod": 600});
        assert_eq!(
            diff(&prior, &desired, &[], true),
            vec![
                json!({"op": "replace", "path": "/VisibilityTimeout", "value": 60}),
                json!({"op": "replace", "path": "/RedrivePolicy", "value": {"maxReceiveCount": 4, "deadLetterTargetArn": "arn:d"}}),
                json!({"op": "add", "path": "/MessageRetentionPeriod", "value": 600}),
                json!({"op": "remove", "path": "/DelaySeconds"}),
            ]
        );
        assert!(diff(&prior, &prior, &[], true).is_empty(), "nothing changed, nothing sent");
    }

    #[test]
    fn a_required_property_with_write_only_parts_goes_with_every_update() {
        let desired = json!({"Code": {"ZipFile": "def h(e, c): pass"}, "Timeout": 60});
        let mut ops = vec![json!({"op": "replace", "path": "/Timeout", "value": 60})];
        resend(&mut ops, &desired, &["Code"]);
        assert_eq!(ops[1], json!({"op": "add", "path": "/Code", "value": {"ZipFile": "def h(e, c): pass"}}));
        let mut ops = vec![json!({"op": "add", "path": "/Code", "value": {"ZipFile": "new"}})];
        resend(&mut ops, &desired, &["Code"]);
        assert_eq!(ops.len(), 1, "what the update already sends is not sent twice");
    }

    #[test]
    fn write_only_changes_go_as_add_and_an_unchanged_secret_is_not_sent() {
        let prior = json!({"MasterUserPassword": secret_hash("old-password"), "Auth": {"Token": secret_hash("t-1")}, "Gone": "x"});
        let same_secret = json!({"MasterUserPassword": "old-password", "Auth": {"Token": "t-1"}});
        let write_only = ["MasterUserPassword", "Auth/Token", "Gone"];
        assert!(diff(&prior, &same_secret, &write_only, true).is_empty(), "{:?}", diff(&prior, &same_secret, &write_only, true));
        let changed = json!({"MasterUserPassword": "new-password", "Auth": {"Token": "t-1"}});
        assert_eq!(diff(&prior, &changed, &write_only, true), vec![json!({"op": "add", "path": "/MasterUserPassword", "value": "new-password"})]);
        let nested = json!({"MasterUserPassword": "old-password", "Auth": {"Token": "t-2"}});
        assert_eq!(diff(&prior, &nested, &write_only, true), vec![json!({"op": "add", "path": "/Auth", "value": {"Token": "t-2"}})]);
    }

    #[test]
    fn an_adoption_adds_what_differs_and_removes_nothing() {
        let live = json!({"QueueName": "q", "QueueUrl": "https://q", "VisibilityTimeout": 30, "DelaySeconds": 0});
        let desired = json!({"QueueName": "q", "VisibilityTimeout": 45, "Secret": "s"});
        assert_eq!(
            diff(&live, &desired, &["Secret"], false),
            vec![json!({"op": "replace", "path": "/VisibilityTimeout", "value": 45}), json!({"op": "add", "path": "/Secret", "value": "s"})]
        );
        assert_eq!(path("a/b~c"), "/a~1b~0c");
    }
}
