//! Reading and changing what the sandbox holds directly through Cloud Control, never
//! through formae's state: what end-to-end tests of generated types check against.

use std::time::Duration;

use formae_runtime::exec::Cx;
use serde_json::{json, Value as Json};

/// The resource of `type_name` known by `id`, as the sandbox has it; `None` once gone.
pub async fn read(cx: &Cx, type_name: &str, id: &str) -> Option<Json> {
    match cx.cloudcontrol.get_resource().type_name(type_name).identifier(id).send().await {
        Ok(out) => Some(serde_json::from_str(out.resource_description?.properties?.as_str()).expect("a model is JSON")),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => None,
        Err(e) => panic!("GetResource {type_name} {id} failed: {e:?}"),
    }
}

/// How many resources of `type_name` the sandbox holds.
pub async fn count(cx: &Cx, type_name: &str) -> usize {
    let out = cx.cloudcontrol.list_resources().type_name(type_name).send().await.unwrap_or_else(|e| panic!("ListResources {type_name}: {e:?}"));
    out.resource_descriptions().len()
}

/// Changes `path` of a resource outside formae, as someone at the console would, and
/// waits until the change is done.
pub async fn change_outside(cx: &Cx, type_name: &str, id: &str, path: &str, value: Json) {
    let patch = json!([{"op": "replace", "path": path, "value": value}]).to_string();
    let out = cx.cloudcontrol.update_resource().type_name(type_name).identifier(id).patch_document(patch).send().await.expect("UpdateResource");
    let token = out.progress_event.and_then(|e| e.request_token).expect("a request token");
    for _ in 0..100 {
        let ev = cx.cloudcontrol.get_resource_request_status().request_token(&token).send().await.expect("status").progress_event.expect("an event");
        match ev.operation_status().map(|s| s.as_str()) {
            Some("SUCCESS") => return,
            Some("FAILED") => panic!("the change outside formae failed: {:?}", ev.status_message()),
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    panic!("the change outside formae did not finish");
}

/// A policy document as IAM hands it back: URL-encoded JSON.
pub fn iam_policy(doc: &str) -> Json {
    let mut out = Vec::new();
    let b = doc.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match (b[i], doc.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    serde_json::from_slice(&out).unwrap_or_else(|e| panic!("not a policy document ({e}): {doc}"))
}
