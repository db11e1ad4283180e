//! The AWS provider's executors: how each resource type is created, updated, deleted and
//! looked up in AWS. A hand-written type implements [`Ops`] in its own file under `aws/`;
//! a type Cloud Control serves goes through [`crate::aws::cloudcontrol`]. [`Cx`] holds the
//! SDK clients they run with, and [`Executors`] (from [`registry`]) is the provider the
//! apply engine (`formae-engine`) asks for each resource's executor.

mod executors;
mod retry;

pub use executors::Executors;
pub use crate::store::while_resuming;
pub use formae_engine::executor::{answered, observed, optional, outputs, required, Applied, Context, ExecError, Executor, Existing, Observed, Provider, RequestFailure};
pub use retry::is_iam_propagation;

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use serde_json::Value as Json;

use crate::resource::Resource;

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

impl Context for Cx {
    fn stack(&self) -> &str {
        &self.stack
    }
    fn in_region(&self, region: Option<&str>) -> Self {
        self.for_region(region)
    }
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
impl<R: Ops> Executor<Cx> for Typed<R> {
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

fn typed<R: Ops>() -> Box<dyn Executor<Cx>> {
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

#[cfg(test)]
pub(crate) mod tests;
