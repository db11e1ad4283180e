//! The Cloud Control executor: creates, updates, reads and deletes any resource type Cloud
//! Control serves, from its properties in CloudFormation's names, with no code of its own
//! per type. What it needs of a type is in [`ResourceMeta::cloud_control`].
//!
//! A create sends the idempotency token the journal recorded before the call (see
//! [`crate::engine::client_token`]): a run killed after the call sends it again, and
//! Cloud Control answers with the first request instead of making a second resource.

mod model;
mod patch;
mod reads;
mod request;

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value as Json;

use crate::exec::{answered, api_error, Applied, Cx, ExecError, Executor, Existing};
use crate::resource::{CloudControlMeta, ResourceMeta};
use request::{follow, retrying};
pub use formae_engine::RequestFailure;

/// How long a handler may take when the type does not say (a bare executor).
const DEFAULT_TIMEOUT_MINUTES: u64 = 120;

/// Listed resources read one by one when the list does not show their identity, at most.
const READS_TO_MATCH: usize = 200;

/// The executor of one Cloud Control type.
#[derive(Debug, Clone, Copy)]
pub struct CloudControl {
    type_name: &'static str,
    /// What the type's declaration says; `None` for a bare executor (a recorded type no
    /// declaration describes any more): it can read and delete, not create or update.
    meta: Option<&'static ResourceMeta>,
}

/// Whether `name` is a CloudFormation registry type name (`AWS::SQS::Queue`): three
/// non-empty alphanumeric parts, not one of formae's own types.
fn is_registry_type(name: &str) -> bool {
    let parts: Vec<&str> = name.split("::").collect();
    parts.len() == 3 && parts[0] != "Formae" && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `name` with a `'static` lifetime: each distinct type name is kept once per process.
fn intern(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES.get_or_init(Default::default).lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(n) = names.get(name) {
        return n;
    }
    let n: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(n);
    n
}

impl CloudControl {
    /// The executor of a declared type; `None` if Cloud Control does not serve it.
    pub fn new(meta: &'static ResourceMeta) -> Option<Self> {
        meta.cloud_control.map(|_| CloudControl { type_name: meta.type_name, meta: Some(meta) })
    }

    /// A bare executor for a recorded type known only by name; `None` unless the name is a
    /// CloudFormation registry type's.
    pub fn bare(type_name: &str) -> Option<Self> {
        is_registry_type(type_name).then(|| CloudControl { type_name: intern(type_name), meta: None })
    }

    fn cc(&self) -> Option<&'static CloudControlMeta> {
        self.meta.and_then(|m| m.cloud_control)
    }

    /// The type's metadata, or an error saying a bare executor cannot `doing` it.
    fn declared(&self, doing: &str) -> Result<(&'static ResourceMeta, &'static CloudControlMeta), ExecError> {
        match (self.meta, self.cc()) {
            (Some(m), Some(cc)) => Ok((m, cc)),
            _ => Err(ExecError::Props {
                type_name: self.type_name,
                message: format!("the stack no longer declares a resource of this type, so it cannot be {doing}; it can only be read or deleted"),
            }),
        }
    }

    /// How long its requests are followed.
    fn limit(&self) -> Duration {
        Duration::from_secs(60 * self.cc().map_or(DEFAULT_TIMEOUT_MINUTES, |cc| u64::from(cc.timeout_minutes.max(1))))
    }

    /// The resource `identifier` names, as Cloud Control reads it: its identifier and
    /// model; `None` once it is gone.
    async fn get(&self, cx: &Cx, identifier: &str) -> Result<Option<(String, Json)>, ExecError> {
        let op = "cloudcontrol:GetResource";
        let sent = retrying(cx, "GetResource", || async {
            match cx.cloudcontrol.get_resource().type_name(self.type_name).identifier(identifier).send().await {
                Ok(out) => Ok(Some(out)),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(None),
                Err(e) => Err(api_error(op)(e)),
            }
        })
        .await?;
        let Some(out) = sent else { return Ok(None) };
        let d = answered(out.resource_description, op, "ResourceDescription")?;
        Ok(Some((d.identifier.unwrap_or_else(|| identifier.to_owned()), parse(d.properties.as_deref(), op)?)))
    }

    /// The attributes a type's outputs name: its read-only properties, and those a stack
    /// may refer to though it sets them (a bucket's name, its identifier).
    fn output_names(&self, cc: &'static CloudControlMeta) -> &'static [&'static str] {
        // A declared type's outputs leave out what must never be recorded (an access
        // key's secret).
        match self.meta {
            Some(m) => m.outputs,
            None => cc.read_only,
        }
    }

    /// The resource's outputs after a create or an update: its output attributes as
    /// Cloud Control reads them.
    async fn outputs(&self, cx: &Cx, cc: &'static CloudControlMeta, identifier: &str) -> Result<std::collections::BTreeMap<String, Json>, ExecError> {
        match self.get(cx, identifier).await? {
            Some((_, live)) => Ok(model::outputs(&live, self.output_names(cc))),
            None => Err(ExecError::Failed {
                what: format!("{} `{identifier}`", self.type_name),
                state: "not found".into(),
                reason: " (Cloud Control reported success, but GetResource does not find it)".into(),
            }),
        }
    }

    /// Looks through the listed resources of the type for one whose `identity` properties
    /// have the values `props` gives them.
    async fn list_match(&self, cx: &Cx, identity: &[&str], props: &Json) -> Result<Option<Existing>, ExecError> {
        let op = "cloudcontrol:ListResources";
        let want: Vec<(String, &Json)> = identity.iter().filter_map(|k| Some((model::pointer(k), props.pointer(&model::pointer(k))?))).collect();
        if want.len() < identity.len() || want.iter().any(|(_, v)| v.as_str() == Some("")) {
            // Not named by the stack: the service names it, and nothing can be matched.
            return Ok(None);
        }
        let tagging = self.cc().map_or(crate::resource::Tagging::None, |cc| cc.tagging);
        let fits = |m: &Json| want.iter().all(|(p, v)| m.pointer(p) == Some(*v));
        let (mut next, mut reads) = (None::<String>, 0usize);
        loop {
            let page = retrying(cx, "ListResources", || async {
                cx.cloudcontrol.list_resources().type_name(self.type_name).set_next_token(next.clone()).send().await.map_err(api_error(op))
            })
            .await;
            let page = match page {
                Ok(p) => p,
                // A type listed only within a parent (a ResourceModel this executor cannot
                // know): nothing can be found this way.
                Err(e) if e.code() == Some("InvalidRequestException") => {
                    tracing::debug!(type_name = self.type_name, error = %e, "cannot list this type without a parent; nothing to match");
                    return Ok(None);
                }
                Err(e) => return Err(e),
            };
            for d in page.resource_descriptions() {
                let Some(id) = d.identifier() else { continue };
                let mut m = parse(d.properties(), op)?;
                if want.iter().any(|(p, _)| m.pointer(p).is_none()) {
                    // The list shows identifiers only: read it, within reason.
                    reads += 1;
                    if reads > READS_TO_MATCH {
                        tracing::warn!(type_name = self.type_name, "too many resources to read one by one; not looking further");
                        return Ok(None);
                    }
                    let Some((_, full)) = self.get(cx, id).await? else { continue };
                    m = full;
                }
                if fits(&m) {
                    return Ok(Some(Existing { cloud_id: id.to_owned(), tags: model::tags_of(&m, tagging) }));
                }
            }
            next = page.next_token().map(str::to_owned);
            if next.is_none() {
                return Ok(None);
            }
        }
    }
}

/// A model as JSON, from a field Cloud Control fills with JSON text.
fn parse(text: Option<&str>, operation: &'static str) -> Result<Json, ExecError> {
    serde_json::from_str(text.unwrap_or("{}")).map_err(|e| ExecError::Api { operation, code: None, message: format!("the model is not JSON: {e}") })
}

/// `e` with every secret in it replaced (see [`model::redact`]).
fn scrub(e: ExecError, secrets: &[String]) -> ExecError {
    match e {
        ExecError::Api { operation, code, message } => ExecError::Api { operation, code, message: model::redact(&message, secrets) },
        other => other,
    }
}

/// How long a request refused with `e` may be asked again: a role not visible yet, within
/// the IAM window; a secret's name still held by its deletion, for two minutes; a
/// resource busy with another change (ResourceConflict: an Aurora cluster still creating
/// refuses Modify), up to the handler's timeout, `limit`.
fn refused_for_now(cx: &Cx, e: &ExecError, limit: Duration) -> Option<Duration> {
    if crate::exec::is_iam_propagation(e) {
        return Some(cx.timing.iam_propagation);
    }
    let ExecError::Request(r) = e else { return None };
    match r.code.as_str() {
        "InvalidRequest" if crate::aws::secretsmanager::name_held_by_deletion(&r.message) => Some(Duration::from_secs(120)),
        "ResourceConflict" => Some(limit),
        _ => None,
    }
}

#[async_trait]
impl Executor<Cx> for CloudControl {
    async fn create(&self, cx: &Cx, name: &str, props: Json) -> Result<Applied, ExecError> {
        let (meta, cc) = self.declared("created")?;
        let desired = model::desired(props, cc, &cx.tags(name, &[]));
        let secrets = model::secrets_in(&desired, meta.write_only);
        let redact = |m: &str| model::redact(m, &secrets);
        let text = desired.to_string();
        // The journal's token when the engine runs this create; a fresh one otherwise.
        let token = crate::engine::client_token().unwrap_or_else(crate::state::new_client_token);
        let op = "cloudcontrol:CreateResource";
        // A request the service refused because a role it names is not visible yet is
        // made again, under a token derived from the journal's, so a rerun after a crash
        // asks for the same requests in the same order and finds the one that succeeded.
        let attempt = std::sync::atomic::AtomicU32::new(0);
        let done = cx
            .while_refused(self.type_name, |e| refused_for_now(cx, e, self.limit()), || async {
                let n = attempt.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let token = if n == 0 { token.clone() } else { format!("{token}-{n}") };
                let out = retrying(cx, "CreateResource", || async {
                    cx.cloudcontrol.create_resource().type_name(self.type_name).desired_state(&text).client_token(&token).send().await.map_err(api_error(op))
                })
                .await
                .map_err(|e| scrub(e, &secrets))?;
                let first = answered(out.progress_event, op, "ProgressEvent")?;
                tracing::info!(type_name = self.type_name, resource = name, request_token = first.request_token().unwrap_or(""), "Cloud Control create requested");
                follow(cx, first, self.type_name, self.limit(), &redact).await
            })
            .await?;
        let id = answered(done.identifier, "cloudcontrol:GetResourceRequestStatus", "Identifier")?;
        Ok(Applied { outputs: self.outputs(cx, cc, &id).await?, cloud_id: id })
    }

    async fn update(&self, cx: &Cx, name: &str, cloud_id: &str, prior: &Json, props: Json) -> Result<Applied, ExecError> {
        let (meta, cc) = self.declared("updated")?;
        let ours = cx.tags(name, &[]);
        let desired = model::desired(props, cc, &ours);
        let secrets = model::secrets_in(&desired, meta.write_only);
        let redact = |m: &str| model::redact(m, &secrets);
        // Without a record (an adoption), what is there is the base, and nothing the
        // declaration leaves out is removed.
        let (base, removals) = if prior.is_null() {
            match self.get(cx, cloud_id).await? {
                Some((_, live)) => (live, false),
                None => return Err(ExecError::Failed { what: format!("adopting {} `{cloud_id}`", self.type_name), state: "not found".into(), reason: String::new() }),
            }
        } else {
            // After a declared move the cloud's ownership tags still name the old address.
            let tagged = crate::engine::moved_from().map_or(ours.clone(), |from| cx.tags(&from, &[]));
            (model::desired(prior.clone(), cc, &tagged), true)
        };
        let mut ops = patch::diff(&base, &desired, meta.write_only, removals);
        if !ops.is_empty() {
            patch::resend(&mut ops, &desired, cc.sent_on_update);
            if !cc.can_update {
                return Err(ExecError::Props { type_name: self.type_name, message: "Cloud Control cannot update this type in place; a change replaces it".into() });
            }
            let document = Json::Array(ops).to_string();
            let op = "cloudcontrol:UpdateResource";
            cx.while_refused(self.type_name, |e| refused_for_now(cx, e, self.limit()), || async {
                let out = retrying(cx, "UpdateResource", || async {
                    cx.cloudcontrol.update_resource().type_name(self.type_name).identifier(cloud_id).patch_document(&document).send().await.map_err(api_error(op))
                })
                .await
                .map_err(|e| scrub(e, &secrets))?;
                follow(cx, answered(out.progress_event, op, "ProgressEvent")?, self.type_name, self.limit(), &redact).await
            })
            .await?;
        }
        Ok(Applied { outputs: self.outputs(cx, cc, cloud_id).await?, cloud_id: cloud_id.to_owned() })
    }

    async fn delete(&self, cx: &Cx, cloud_id: &str, _prior: &Json) -> Result<(), ExecError> {
        let op = "cloudcontrol:DeleteResource";
        let out = retrying(cx, "DeleteResource", || async {
            match cx.cloudcontrol.delete_resource().type_name(self.type_name).identifier(cloud_id).send().await {
                Ok(out) => Ok(Some(out)),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(None),
                Err(e) => Err(api_error(op)(e)),
            }
        })
        .await?;
        let Some(out) = out else { return Ok(()) };
        let keep = |m: &str| m.to_owned();
        match follow(cx, answered(out.progress_event, op, "ProgressEvent")?, self.type_name, self.limit(), &keep).await {
            Ok(_) => Ok(()),
            // Gone already: what a delete wants.
            Err(ExecError::Request(r)) if r.code == "NotFound" => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn exists(&self, cx: &Cx, cloud_id: &str, _prior: &Json) -> Result<bool, ExecError> {
        Ok(self.get(cx, cloud_id).await?.is_some())
    }

    async fn find(&self, cx: &Cx, props: Json) -> Result<Option<Existing>, ExecError> {
        let (Some(meta), Some(cc)) = (self.meta, self.cc()) else { return Ok(None) };
        // An identifier the stack gives (a name): read it directly.
        if !cc.primary_identifier.is_empty() && cc.primary_identifier.iter().all(|p| !cc.read_only.contains(p)) {
            let Some(id) = model::identifier(cc.primary_identifier, &props) else { return Ok(None) };
            return Ok(self.get(cx, &id).await?.map(|(cloud_id, live)| Existing { tags: model::tags_of(&live, cc.tagging), cloud_id }));
        }
        // An identifier the service makes: look through the list for the identity.
        if cc.can_list && !meta.identity.is_empty() {
            return self.list_match(cx, meta.identity, &props).await;
        }
        Ok(None)
    }

    async fn read(&self, cx: &Cx, cloud_id: &str, prior: &Json) -> Result<Option<Json>, ExecError> {
        let Some((_, live)) = self.get(cx, cloud_id).await? else { return Ok(None) };
        if !prior.is_object() {
            return Ok(Some(live));
        }
        let mut observed = model::observed(prior, &live, self.meta);
        reads::adjust(cx, self.type_name, cloud_id, prior, &mut observed).await?;
        Ok(Some(observed))
    }

    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn answers_by_token(&self) -> bool {
        true
    }

    fn spends_token(&self, e: &ExecError) -> bool {
        matches!(e, ExecError::Request(_)) || e.code() == Some("ClientTokenConflictException")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_registry_type_names_get_a_bare_executor() {
        assert!(is_registry_type("AWS::SQS::Queue"));
        assert!(is_registry_type("MongoDB::Atlas::Cluster"));
        assert!(!is_registry_type("Formae::Check::Http"));
        assert!(!is_registry_type("AWS::SQS"));
        assert!(!is_registry_type("AWS::SQS::Queue::Extra"));
        assert!(!is_registry_type("AWS:: ::Queue"));
        let a = CloudControl::bare("AWS::Logs::LogGroup").map(|e| e.type_name);
        let b = CloudControl::bare(&String::from("AWS::Logs::LogGroup")).map(|e| e.type_name);
        assert!(matches!((a, b), (Some(x), Some(y)) if std::ptr::eq(x, y)), "a type name is kept once");
    }

    #[test]
    fn a_bare_executor_refuses_to_create_and_says_why() {
        let bare = CloudControl::bare("AWS::Logs::LogGroup").expect("a registry type");
        let err = bare.declared("created").unwrap_err();
        assert!(err.to_string().contains("no longer declares a resource of this type, so it cannot be created"), "{err}");
        assert_eq!(bare.limit(), Duration::from_secs(DEFAULT_TIMEOUT_MINUTES * 60));
        assert!(bare.meta.is_none());
    }

    #[test]
    fn api_errors_lose_any_secret_the_service_quotes() {
        let e = ExecError::Api { operation: "cloudcontrol:CreateResource", code: Some("ValidationException".into()), message: "Model validation failed (#/MasterUserPassword: hunter2222 is too short)".into() };
        let scrubbed = scrub(e, &["hunter2222".to_owned()]);
        assert_eq!(scrubbed.code(), Some("ValidationException"));
        assert!(!scrubbed.to_string().contains("hunter2222"), "{scrubbed}");
    }
}
