//! Executors: how each resource type is created, updated, deleted and looked up in the
//! cloud. A hand-written type implements [`Ops`] in its own file under `aws/`; a type
//! Cloud Control serves goes through [`crate::aws::cloudcontrol`]. [`registry`] holds
//! them for the apply engine.

mod executors;
mod retry;

pub use executors::Executors;
pub use crate::store::while_resuming;
pub use retry::is_iam_propagation;

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use serde_json::Value as Json;

use crate::resource::Resource;
use crate::value::Value;

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
            && self.tags.get("formae:resource").map(String::as_str) == Some(&*crate::family::tag_value(resource))
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
        /// The AWS error code, if the cloud gave one.
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
    Request(Box<crate::aws::cloudcontrol::RequestFailure>),
}

impl ExecError {
    /// The AWS error code, if the cloud gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ExecError::Api { code, .. } => code.as_deref(),
            ExecError::Request(r) => Some(&r.code),
            _ => None,
        }
    }
}

/// Turns an SDK error into an [`ExecError`] naming the operation, the code and the
/// service's message.
pub fn api_error<E>(operation: &'static str) -> impl FnOnce(aws_sdk_iam::error::SdkError<E>) -> ExecError
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |err| {
        let code = aws_sdk_iam::error::ProvideErrorMetadata::code(&err).map(str::to_owned);
        let message = match aws_sdk_iam::error::ProvideErrorMetadata::message(&err) {
            Some(m) => format!("{}: {m}", code.as_deref().unwrap_or("error")),
            None => aws_sdk_iam::error::DisplayErrorContext(&err).to_string(),
        };
        ExecError::Api { operation, code, message }
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

/// How long to wait for slow resources, and how often to look.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Between two looks at a resource that is not ready yet.
    pub poll: Duration,
    /// An Aurora cluster or instance becoming available or deleted.
    pub database: Duration,
    /// An express service becoming active or inactive.
    pub service: Duration,
    /// Use the SDK's waiters where they exist. Their 30 s minimum delay suits AWS; an
    /// emulator with seconds-long delays is better polled every `poll`.
    pub sdk_waiters: bool,
    /// How long a just-created IAM role may stay invisible to another service (IAM is
    /// eventually consistent): calls refused for that reason are retried this long.
    pub iam_propagation: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            poll: Duration::from_secs(10),
            database: Duration::from_secs(45 * 60),
            service: Duration::from_secs(20 * 60),
            sdk_waiters: true,
            iam_propagation: Duration::from_secs(120),
        }
    }
}

/// Where the clients point.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// The region; else the default chain's (AWS_REGION, the profile).
    pub region: Option<String>,
    /// Every client's endpoint, for the sandbox or another emulator.
    pub endpoint_url: Option<String>,
    /// Static dummy credentials instead of the default chain (the sandbox).
    pub dummy_credentials: bool,
}

impl Target {
    /// The SDK configuration for this target: the default credential chain (or the
    /// sandbox's dummy credentials), the region and the endpoint override.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        let target = self;
        // Throttling, 5xx and network errors are retried with capped exponential backoff
        // and jitter (the SDK's standard mode); attempts and backoff are bounded, so is the
        // time a call can take.
        let retry = aws_config::retry::RetryConfig::standard()
            .with_max_attempts(8)
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(10));
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(10))
            .operation_attempt_timeout(Duration::from_secs(60))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry).timeout_config(timeouts);
        if let Some(r) = &target.region {
            loader = loader.region(aws_config::Region::new(r.clone()));
        }
        if let Some(url) = &target.endpoint_url {
            loader = loader.endpoint_url(url.clone());
        }
        if target.dummy_credentials {
            loader = loader.credentials_provider(aws_sdk_iam::config::Credentials::new(
                "sandbox", "sandbox", None, None, "formae-sandbox",
            ));
        }
        loader.load().await
    }
}

/// The clients and settings executors work with.
#[derive(Debug, Clone)]
pub struct Cx {
    /// The stack being applied, for ownership tags.
    pub stack: String,
    /// IAM.
    pub iam: aws_sdk_iam::Client,
    /// Secrets Manager.
    pub secrets: aws_sdk_secretsmanager::Client,
    /// RDS.
    pub rds: aws_sdk_rds::Client,
    /// The RDS Data API.
    pub rdsdata: aws_sdk_rdsdata::Client,
    /// ECS.
    pub ecs: aws_sdk_ecs::Client,
    /// Cloud Control, for every type without an executor of its own.
    pub cloudcontrol: aws_sdk_cloudcontrol::Client,
    /// STS, for the account id.
    pub sts: aws_sdk_sts::Client,
    /// Plain HTTP, for checks.
    pub http: reqwest::Client,
    /// Waiting.
    pub timing: Timing,
    /// The region the clients use.
    pub region: String,
    /// The region's partition (`aws`, `aws-cn`, `aws-us-gov`, ...), for ARNs formae builds.
    pub partition: String,
    /// Clients for the other regions resources name, made once each and shared by every
    /// copy of this context.
    regional: std::sync::Arc<std::sync::Mutex<BTreeMap<String, Cx>>>,
}

/// The partition a region is in: what its ARNs start with after `arn:`.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else {
        "aws"
    }
}

impl Cx {
    /// Clients from `aws-config`'s default chain (environment, profiles, SSO, the ECS
    /// task role), pointed at `target`.
    pub async fn new(stack: &str, target: &Target, timing: Timing) -> Self {
        let conf = target.sdk_config().await;
        let region = conf.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_owned());
        Cx {
            stack: stack.to_owned(),
            iam: aws_sdk_iam::Client::new(&conf),
            secrets: aws_sdk_secretsmanager::Client::new(&conf),
            rds: aws_sdk_rds::Client::new(&conf),
            rdsdata: aws_sdk_rdsdata::Client::new(&conf),
            ecs: aws_sdk_ecs::Client::new(&conf),
            cloudcontrol: aws_sdk_cloudcontrol::Client::new(&conf),
            sts: aws_sdk_sts::Client::new(&conf),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            timing,
            partition: partition_of(&region).to_owned(),
            region,
            regional: Default::default(),
        }
    }

    /// The same clients for the stack `stack`, whose ownership tags they then write.
    pub fn for_stack(&self, stack: &str) -> Cx {
        Cx { stack: stack.to_owned(), ..self.clone() }
    }

    /// The same clients in `region` (`None`: this one's), with the same credentials,
    /// endpoint and settings: what a resource that names its region is applied with.
    pub fn for_region(&self, region: Option<&str>) -> Cx {
        let Some(r) = region.filter(|r| *r != self.region) else { return self.clone() };
        let mut regional = self.regional.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(cx) = regional.get(r) {
            return Cx { stack: self.stack.clone(), ..cx.clone() };
        }
        let to = aws_config::Region::new(r.to_owned());
        let cx = Cx {
            stack: self.stack.clone(),
            iam: aws_sdk_iam::Client::from_conf(self.iam.config().to_builder().region(to.clone()).build()),
            secrets: aws_sdk_secretsmanager::Client::from_conf(self.secrets.config().to_builder().region(to.clone()).build()),
            rds: aws_sdk_rds::Client::from_conf(self.rds.config().to_builder().region(to.clone()).build()),
            rdsdata: aws_sdk_rdsdata::Client::from_conf(self.rdsdata.config().to_builder().region(to.clone()).build()),
            ecs: aws_sdk_ecs::Client::from_conf(self.ecs.config().to_builder().region(to.clone()).build()),
            cloudcontrol: aws_sdk_cloudcontrol::Client::from_conf(self.cloudcontrol.config().to_builder().region(to.clone()).build()),
            sts: aws_sdk_sts::Client::from_conf(self.sts.config().to_builder().region(to).build()),
            http: self.http.clone(),
            timing: self.timing,
            partition: partition_of(r).to_owned(),
            region: r.to_owned(),
            regional: std::sync::Arc::clone(&self.regional),
        };
        regional.insert(r.to_owned(), cx.clone());
        cx
    }

    /// `arn` (written `arn:aws:...`, as stacks write AWS managed policies) in this
    /// region's partition.
    pub fn in_partition(&self, arn: &str) -> String {
        match arn.strip_prefix("arn:aws:") {
            Some(rest) if self.partition != "aws" => format!("arn:{}:{rest}", self.partition),
            _ => arn.to_owned(),
        }
    }

    /// The reverse of [`Cx::in_partition`]: an ARN as the cloud gives it, as a stack writes it.
    pub fn as_written(&self, arn: &str) -> String {
        match arn.strip_prefix(&format!("arn:{}:", self.partition)) {
            Some(rest) if self.partition != "aws" => format!("arn:aws:{rest}"),
            _ => arn.to_owned(),
        }
    }

    /// Ownership tags for the resource `name`, then the stack's own tags.
    pub fn tags(&self, name: &str, own: &[crate::aws::Tag]) -> Vec<(String, String)> {
        let mut tags = vec![
            ("formae:stack".to_owned(), self.stack.clone()),
            ("formae:resource".to_owned(), crate::family::tag_value(name).into_owned()),
        ];
        for t in own {
            if let (Some(k), Some(v)) = (t.key.get(), t.value.get()) {
                tags.push((k.clone(), v.clone()));
            }
        }
        tags
    }

    /// Polls `probe` until it answers `Some`, or fails with a timeout naming `what`.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, limit: Duration, mut probe: F) -> Result<T, ExecError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, ExecError>>,
    {
        let start = tokio::time::Instant::now();
        loop {
            if let Some(v) = probe().await? {
                return Ok(v);
            }
            if start.elapsed() >= limit {
                return Err(ExecError::Timeout { what: what.to_owned(), seconds: limit.as_secs() });
            }
            tracing::debug!(what, elapsed = ?start.elapsed(), "waiting");
            tokio::time::sleep(self.timing.poll).await;
        }
    }
}

/// What a read saw in the cloud: `(path, live value)` pairs put over the recorded
/// properties (see [`observed`]); `None` removes the property (unset in the cloud).
pub type Observed = Vec<(&'static str, Option<Json>)>;

/// A resource type's operations against the cloud, on its typed, resolved properties.
///
/// `prior` is what was applied last, typed (plan form: a sensitive value holds the hash
/// that stands for it). It is `None` when nothing is known of it: a resource adopted (no
/// record), or a record that does not fit the type (a declaration with parts not known
/// yet, compared with what exists before its create; a record holding what a refresh
/// observed outside the type's shape). Without a prior, an update sends everything.
#[async_trait]
pub trait Ops: Resource + Sized {
    /// Creates the resource named `name`.
    async fn create(&self, cx: &Cx, name: &str) -> Result<Applied, ExecError>;
    /// Brings the resource to these properties in place.
    async fn update(&self, cx: &Cx, name: &str, cloud_id: &str, prior: Option<&Self>) -> Result<Applied, ExecError>;
    /// Deletes the resource.
    async fn delete(cx: &Cx, cloud_id: &str, prior: Option<&Self>) -> Result<(), ExecError>;
    /// Whether the resource exists in the cloud.
    async fn exists(cx: &Cx, cloud_id: &str, prior: Option<&Self>) -> Result<bool, ExecError>;
    /// What already exists with the identity this create would use (its name), if anything.
    async fn find(&self, cx: &Cx) -> Result<Option<Existing>, ExecError>;
    /// The resource as the cloud has it now: the live value of every property this type
    /// can observe, put over the record by the caller; `None` once it is gone. Types that
    /// observe nothing more report existence only.
    async fn read(cx: &Cx, cloud_id: &str, prior: Option<&Self>) -> Result<Option<Observed>, ExecError> {
        Ok(Self::exists(cx, cloud_id, prior).await?.then(Vec::new))
    }
}

/// An executor, as the engine sees it: untyped properties in, results out.
#[async_trait]
pub trait Executor: Send + Sync {
    /// Creates from resolved properties (apply form: secrets in the clear).
    async fn create(&self, cx: &Cx, name: &str, props: Json) -> Result<Applied, ExecError>;
    /// Updates in place.
    async fn update(&self, cx: &Cx, name: &str, cloud_id: &str, prior: &Json, props: Json) -> Result<Applied, ExecError>;
    /// Deletes.
    async fn delete(&self, cx: &Cx, cloud_id: &str, prior: &Json) -> Result<(), ExecError>;
    /// Exists?
    async fn exists(&self, cx: &Cx, cloud_id: &str, prior: &Json) -> Result<bool, ExecError>;
    /// What exists with the identity a create from these properties would use.
    async fn find(&self, cx: &Cx, props: Json) -> Result<Option<Existing>, ExecError>;
    /// The live properties, in recorded form (see [`Ops::read`]).
    async fn read(&self, cx: &Cx, cloud_id: &str, prior: &Json) -> Result<Option<Json>, ExecError>;
    /// The type it executes.
    fn type_name(&self) -> &'static str;
    /// Whether a create sent again with the same client token is answered with the first
    /// request (Cloud Control's), so a create an earlier run journaled is followed to its
    /// end rather than looked for.
    fn answers_by_token(&self) -> bool {
        false
    }
}

struct Typed<R>(PhantomData<fn() -> R>);

impl<R: Ops> Typed<R> {
    fn props(props: Json) -> Result<R, ExecError> {
        serde_json::from_value(props)
            .map_err(|e| ExecError::Props { type_name: R::META.type_name, message: e.to_string() })
    }

    /// The recorded properties, typed once for every operation; `None` for `null` (no
    /// record: an adoption) and for a record that does not fit the type (see [`Ops`]).
    fn prior(prior: &Json) -> Option<R> {
        if prior.is_null() {
            return None;
        }
        serde_json::from_value(prior.clone())
            .inspect_err(|e| tracing::debug!(type_name = R::META.type_name, error = %e, "the record does not fit the type; going without it"))
            .ok()
    }
}

#[async_trait]
impl<R: Ops> Executor for Typed<R> {
    async fn create(&self, cx: &Cx, name: &str, props: Json) -> Result<Applied, ExecError> {
        Self::props(props)?.create(cx, name).await
    }
    async fn update(&self, cx: &Cx, name: &str, cloud_id: &str, prior: &Json, props: Json) -> Result<Applied, ExecError> {
        let props = Self::props(props)?;
        props.update(cx, name, cloud_id, Self::prior(prior).as_ref()).await
    }
    async fn delete(&self, cx: &Cx, cloud_id: &str, prior: &Json) -> Result<(), ExecError> {
        R::delete(cx, cloud_id, Self::prior(prior).as_ref()).await
    }
    async fn exists(&self, cx: &Cx, cloud_id: &str, prior: &Json) -> Result<bool, ExecError> {
        R::exists(cx, cloud_id, Self::prior(prior).as_ref()).await
    }
    async fn find(&self, cx: &Cx, props: Json) -> Result<Option<Existing>, ExecError> {
        Self::props(props)?.find(cx).await
    }
    async fn read(&self, cx: &Cx, cloud_id: &str, prior: &Json) -> Result<Option<Json>, ExecError> {
        let live = R::read(cx, cloud_id, Self::prior(prior).as_ref()).await?;
        Ok(live.map(|seen| observed(prior, seen)))
    }
    fn type_name(&self) -> &'static str {
        R::META.type_name
    }
}

/// Tags as key/value pairs, from any SDK's tag type.
pub fn tag_map<'a, T: 'a>(tags: impl IntoIterator<Item = &'a T>, kv: impl Fn(&'a T) -> (Option<&'a str>, Option<&'a str>)) -> BTreeMap<String, String> {
    tags.into_iter()
        .filter_map(|t| match kv(t) {
            (Some(k), Some(v)) => Some((k.to_owned(), v.to_owned())),
            _ => None,
        })
        .collect()
}

fn typed<R: Ops>() -> Box<dyn Executor> {
    Box::new(Typed::<R>(PhantomData))
}

/// The hand-written executors; every other type goes through Cloud Control (see
/// [`Executors::for_stack`]). These stay because they do what Cloud Control does not:
/// the Data API database and the HTTP check have no CloudFormation type; the secret, the
/// role, the Aurora cluster and instance and the express service wait out secret
/// deletion, IAM propagation, Data API switching and deployments.
pub fn registry() -> Executors {
    use crate::aws::*;
    Executors::new([
        typed::<secretsmanager::Secret>(),
        typed::<rds::DbCluster>(),
        typed::<rds::DbInstance>(),
        typed::<rdsdata::Database>(),
        typed::<iam::Role>(),
        typed::<ecs::ExpressGatewayService>(),
        typed::<check::HttpCheck>(),
    ])
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
pub(crate) mod tests;
