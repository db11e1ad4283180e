//! What the engine asks of a provider: a [`Context`] to run in, a [`Provider`] that names
//! each resource's [`Executor`], and what an executor answers ([`Applied`], [`Existing`],
//! [`ExecError`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value as Json;

use crate::plan::Plan;
use crate::resource::StackInstance;
use crate::value::Value;

/// What executors run with: a provider's clients and settings, for one stack. The engine
/// clones it into every operation it starts.
pub trait Context: Clone + Send + Sync + 'static {
    /// The stack being applied, whose ownership tags executors write and look for.
    fn stack(&self) -> &str;
    /// The same context in `region` (`None`: its own): what a resource that names its
    /// region is applied, read and deleted with.
    fn in_region(&self, region: Option<&str>) -> Self;
}

/// A provider as the engine sees it: the executor of each resource, and the context they
/// run in. An apply, a refresh and a lookup first narrow it to the stack at hand
/// ([`Provider::for_plan`], [`Provider::for_stack`]), then ask per resource.
pub trait Provider: Send + Sync + Sized + 'static {
    /// What its executors run with.
    type Cx: Context;
    /// These executors, knowing what each resource `stack` declares calls for.
    fn for_stack(&self, stack: &StackInstance) -> Self;
    /// [`Provider::for_stack`] for the stack `plan` was made from, from the declarations
    /// it keeps.
    fn for_plan(&self, plan: &Plan) -> Self;
    /// The executor of the resource `name` of type `type_name`, whose record (or
    /// declared properties) is `record`; `None` for a type it does not serve.
    fn for_resource(&self, name: &str, type_name: &str, record: &Json) -> Option<Arc<dyn Executor<Self::Cx>>>;
}

/// What a create or update leaves: the cloud id and the output attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// What identifies the resource in the cloud (an ARN, a name).
    pub cloud_id: String,
    /// Output attributes, by name.
    pub outputs: BTreeMap<String, Json>,
}

/// A resource found in the cloud with the identity a create would use.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Existing {
    /// Its cloud id.
    pub cloud_id: String,
    /// Its tags (empty for a type that has none).
    pub tags: BTreeMap<String, String>,
}

impl Existing {
    /// Whether its ownership tags say formae made it as `resource` of `stack`.
    pub fn owned_by(&self, stack: &str, resource: &str) -> bool {
        self.tags.get("formae:stack").map(String::as_str) == Some(stack)
            && self.tags.get("formae:resource").map(String::as_str) == Some(&*formae_core::family::tag_value(resource))
    }
}

/// An executor failed.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The cloud refused or failed a call.
    #[error("{operation} failed: {message}")]
    Api {
        /// The API operation that failed.
        operation: &'static str,
        /// The error code, if the cloud gave one (an AWS error code, say).
        code: Option<String>,
        /// The service's message.
        message: String,
    },
    /// The resource reached a state from which the one waited for cannot come (an RDS
    /// cluster `failed`, say): reported as it is, not waited out.
    #[error("{what} failed: it is `{state}`{reason}")]
    Failed {
        /// What was waited for.
        what: String,
        /// The state it reached instead.
        state: String,
        /// Why, as the cloud says it (` (...)`), or nothing.
        reason: String,
    },
    /// The resource did not reach the wanted state in time.
    #[error("{what} did not happen within {seconds} s")]
    Timeout {
        /// What was waited for.
        what: String,
        /// How long it was waited for, in seconds.
        seconds: u64,
    },
    /// Resolved properties do not fit the type (a bug, or a hand-edited state file).
    #[error("properties do not fit {type_name}: {message}")]
    Props {
        /// The resource type the properties were meant for.
        type_name: &'static str,
        /// Why they do not fit.
        message: String,
    },
    /// A create found its resource already there, made by someone else.
    #[error("{type_name} `{cloud_id}` already exists and was not created by this stack; it is not taken over silently: delete or rename it, or run the deploy with --adopt to bring it under management")]
    Exists {
        /// The resource's type.
        type_name: &'static str,
        /// The resource's identifier in the cloud.
        cloud_id: String,
    },
    /// The resource changed in the cloud after the plan was made (or was never shown).
    #[error("refused: since the plan read it, {detail} outside formae; formae does not overwrite a change it has not shown: run plan to see it, or rerun with --force to overwrite it")]
    Drifted {
        /// What changed in the cloud.
        detail: String,
    },
    /// A check ran and failed.
    #[error("{0}")]
    Check(String),
    /// A property the call needs has no value. Resolved properties are complete, so this
    /// is a bug upstream; it is reported instead of sending AWS an empty value.
    #[error("`{field}` of {type_name} has no value: it was not resolved before the call, and nothing was sent to AWS")]
    Missing {
        /// The resource type.
        type_name: &'static str,
        /// The property, dotted for a nested one (`primary_container.image`).
        field: &'static str,
    },
    /// The cloud answered a call without a field it always returns.
    #[error("{operation} answered without `{field}`")]
    Answer {
        /// The API operation.
        operation: &'static str,
        /// The field that was missing from the answer.
        field: &'static str,
    },
    /// A Cloud Control request ended without success: the handler's error code and
    /// message, for the resource and the request, as the service reports them.
    #[error("{0}")]
    Request(Box<RequestFailure>),
}

impl ExecError {
    /// The error code, if the cloud gave one (an AWS error code, say).
    pub fn code(&self) -> Option<&str> {
        match self {
            ExecError::Api { code, .. } => code.as_deref(),
            ExecError::Request(r) => Some(&r.code),
            _ => None,
        }
    }
}

/// The value of a required property, or [`ExecError::Missing`] naming it: never a default
/// sent in its place.
pub fn required<'a, T>(v: &'a Value<T>, field: &'static str, type_name: &'static str) -> Result<&'a T, ExecError> {
    v.get().ok_or(ExecError::Missing { type_name, field })
}

/// The value of an optional property: `None` when it is not set, [`ExecError::Missing`]
/// when it is set to something not resolved.
pub fn optional<'a, T>(v: &'a Option<Value<T>>, field: &'static str, type_name: &'static str) -> Result<Option<&'a T>, ExecError> {
    v.as_ref().map(|v| required(v, field, type_name)).transpose()
}

/// A field of a cloud answer that the API always fills, or [`ExecError::Answer`] naming
/// the operation and the field.
pub fn answered<T>(v: Option<T>, operation: &'static str, field: &'static str) -> Result<T, ExecError> {
    v.ok_or(ExecError::Answer { operation, field })
}


/// A request the cloud carries out after answering it (a Cloud Control request) that
/// ended without success, as the service reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFailure {
    /// CREATE, UPDATE or DELETE.
    pub operation: String,
    /// The resource type.
    pub type_name: String,
    /// The resource's identifier in backquotes, or `(not yet identified)` for a create.
    pub resource: String,
    /// FAILED, or CANCEL_COMPLETE for a request cancelled outside formae.
    pub status: String,
    /// The handler's error code (NotStabilized, AlreadyExists, NotFound, ...).
    pub code: String,
    /// The handler's status message, secrets redacted.
    pub message: String,
    /// The request token, for GetResourceRequestStatus and AWS support.
    pub request_token: String,
}

impl std::fmt::Display for RequestFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let RequestFailure { operation, type_name, resource, status, code, message, request_token } = self;
        write!(f, "Cloud Control {operation} of {type_name} {resource} ended {status}: {code}: {message} (request token {request_token})")
    }
}

/// What a read saw in the cloud: `(path, live value)` pairs put over the recorded
/// properties (see [`observed`]); `None` removes the property (unset in the cloud).
pub type Observed = Vec<(&'static str, Option<Json>)>;

/// An executor, as the engine sees it: untyped properties in, results out, in the
/// provider's context `C`.
#[async_trait]
pub trait Executor<C: Context>: Send + Sync {
    /// Creates from resolved properties (apply form: secrets in the clear).
    async fn create(&self, cx: &C, name: &str, props: Json) -> Result<Applied, ExecError>;
    /// Updates in place.
    async fn update(&self, cx: &C, name: &str, cloud_id: &str, prior: &Json, props: Json) -> Result<Applied, ExecError>;
    /// Deletes.
    async fn delete(&self, cx: &C, cloud_id: &str, prior: &Json) -> Result<(), ExecError>;
    /// Exists?
    async fn exists(&self, cx: &C, cloud_id: &str, prior: &Json) -> Result<bool, ExecError>;
    /// What exists with the identity a create from these properties would use.
    async fn find(&self, cx: &C, props: Json) -> Result<Option<Existing>, ExecError>;
    /// The live properties, in recorded form: the record with what the cloud has now put
    /// over it (see [`observed`]); `None` once it is gone.
    async fn read(&self, cx: &C, cloud_id: &str, prior: &Json) -> Result<Option<Json>, ExecError>;
    /// The type it executes.
    fn type_name(&self) -> &'static str;
    /// Whether a create sent again with the same client token is answered with the first
    /// request (Cloud Control's), so a create an earlier run journaled is followed to its
    /// end rather than looked for.
    fn answers_by_token(&self) -> bool {
        false
    }
    /// Whether `e`, a create's failure, means its request will never be answered again
    /// with anything but this failure: it ended, or its token belongs to another request.
    /// The engine then stops sending that token.
    fn spends_token(&self, e: &ExecError) -> bool {
        matches!(e, ExecError::Request(_))
    }
}

/// `prior` with `observed` values put over it, each at its path: a field, or `a/b` for a
/// field of the object field `a` (set only where `a` is recorded). A `None` removes the
/// field (unset in the cloud).
pub fn observed(prior: &Json, observed: impl IntoIterator<Item = (&'static str, Option<Json>)>) -> Json {
    let mut live = prior.clone();
    for (path, v) in observed {
        let (object, key) = match path.rsplit_once('/') {
            Some((parent, key)) => (live.pointer_mut(&format!("/{parent}")), key),
            None => (Some(&mut live), path),
        };
        if let Some(Json::Object(m)) = object {
            match v {
                Some(v) => m.insert(key.to_owned(), v),
                None => m.remove(key),
            };
        }
    }
    live
}

/// Outputs from `(name, value)` pairs.
pub fn outputs<const N: usize>(pairs: [(&str, Json); N]) -> BTreeMap<String, Json> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

#[cfg(test)]
mod tests;
