//! `AWS::ECS::ExpressGatewayService`: an ECS Express Mode service, for which ECS
//! provisions the load balancer, certificate, networking and scaling.

use serde::{Deserialize, Serialize};

use super::Tag;
use crate::ids::{ExpressServiceArn, RoleArn, SecretArn};
use crate::resource::{Props, Resource, ResourceMeta};
use crate::value::Value;

/// An ECS Express Mode gateway service.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExpressGatewayService {
    /// The service's name.
    pub service_name: Value<String>,
    /// The ECS cluster; `default` if unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Value<String>>,
    /// The role ECS uses to pull images and inject secrets.
    pub execution_role_arn: Value<RoleArn>,
    /// The role ECS uses to manage the load balancer and networking.
    pub infrastructure_role_arn: Value<RoleArn>,
    /// The role the running task's code gets credentials from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<Value<RoleArn>>,
    /// The container that serves traffic.
    pub primary_container: PrimaryContainer,
    /// The path the load balancer's health check requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_path: Option<Value<String>>,
    /// Task CPU units (256, 512, 1024, 2048, 4096, ...).
    pub cpu: Value<u32>,
    /// Task memory in MiB, within what Fargate offers for the CPU.
    pub memory: Value<u32>,
    /// Task count bounds and the auto-scaling target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<Scaling>,
    /// Tags.
    #[serde(default, skip_serializing_if = "super::is_empty")]
    pub tags: Vec<Tag>,
}

impl Props for ExpressGatewayService {
    const REQUIRED: &'static [crate::resource::Required] = crate::required!(
        ExpressGatewayService: service_name,
        execution_role_arn,
        infrastructure_role_arn,
        primary_container,
        cpu,
        memory
    );
}

/// The primary container of an express service.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PrimaryContainer {
    /// The image to run.
    pub image: Value<String>,
    /// The port the container listens on.
    pub container_port: Value<u16>,
    /// Environment variables filled from Secrets Manager.
    #[serde(default, skip_serializing_if = "super::is_empty")]
    pub secrets: Vec<ContainerSecret>,
    /// The command, overriding the image's.
    #[serde(default, skip_serializing_if = "super::is_empty")]
    pub command: Vec<Value<String>>,
    /// Plain environment variables.
    #[serde(default, skip_serializing_if = "super::is_empty")]
    pub environment: Vec<EnvVar>,
}

impl Props for PrimaryContainer {
    const REQUIRED: &'static [crate::resource::Required] =
        crate::required!(PrimaryContainer: image, container_port);
}

/// An environment variable whose value ECS reads from a secret.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContainerSecret {
    /// The variable's name.
    pub name: Value<String>,
    /// The secret it is read from.
    pub value_from: Value<SecretArn>,
}

impl Props for ContainerSecret {
    const REQUIRED: &'static [crate::resource::Required] =
        crate::required!(ContainerSecret: name, value_from);
}

/// A plain environment variable.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EnvVar {
    /// The variable's name.
    pub name: Value<String>,
    /// Its value.
    pub value: Value<String>,
}

impl Props for EnvVar {
    const REQUIRED: &'static [crate::resource::Required] = crate::required!(EnvVar: name, value);
}

/// Task count bounds and auto-scaling of an express service.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Scaling {
    /// The fewest tasks.
    pub min_task_count: Value<u32>,
    /// The most tasks.
    pub max_task_count: Value<u32>,
    /// The metric scaled on: `AVERAGE_CPU`, `AVERAGE_MEMORY` or `REQUEST_COUNT_PER_TARGET`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Value<String>>,
    /// The metric's target value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_value: Option<Value<u32>>,
}

impl Props for Scaling {
    const REQUIRED: &'static [crate::resource::Required] =
        crate::required!(Scaling: min_task_count, max_task_count);
}

crate::outputs! {
    /// Outputs of an [`ExpressGatewayService`].
    ExpressGatewayServiceOutputs {
        /// The service's ARN.
        arn: ExpressServiceArn,
        /// The public endpoint's host name.
        endpoint: String,
        /// `https://` and the endpoint: where the service answers.
        service_url: String,
    }
}

impl Resource for ExpressGatewayService {
    const META: ResourceMeta = ResourceMeta {
        type_name: "AWS::ECS::ExpressGatewayService",
        create_only: &["service_name", "cluster", "infrastructure_role_arn"],
        write_only: &[],
        sensitive: &[],
        identity: &["service_name", "cluster"],
        outputs: ExpressGatewayServiceOutputs::ATTRS,
    };
    type Outputs = ExpressGatewayServiceOutputs;
    fn outputs(name: &'static str) -> ExpressGatewayServiceOutputs {
        ExpressGatewayServiceOutputs::new(name)
    }
}
