//! `AWS::ECS::ExpressGatewayService`: an ECS Express Mode service, for which ECS
//! provisions the load balancer, certificate, networking and scaling.

use crate::rules::{fargate_size, task_counts};
use serde::{Deserialize, Serialize};

use super::Tag;
use crate::ids::{ExpressServiceArn, RoleArn, SecretArn};
use crate::invalid::{Invalid, PropertyPath};
use crate::literal::{Check, LiteralRule};
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
    const LITERAL_RULES: &'static [LiteralRule] = &[
        LiteralRule {
            field: "service_name",
            check: Check::Name { max: 255, extra: "-_" },
            message: "service_name is not a name ECS accepts: use 1 to 255 letters, digits, `-` and `_`",
        },
        LiteralRule {
            field: "cpu",
            check: Check::FargateCpu,
            message: "cpu is not a size Fargate offers: use 256, 512, 1024, 2048, 4096, 8192 or 16384",
        },
        LiteralRule {
            field: "memory",
            check: Check::FargateMemory { cpu: "cpu" },
            message: "memory does not go with this cpu on Fargate: cpu 256 takes 512 to 2048 MiB, 512 takes 1024 to 4096, 1024 takes 2048 to 8192, 2048 takes 4096 to 16384 and 4096 takes 8192 to 30720 (in steps of 1024), 8192 takes 16384 to 61440 (steps of 4096), 16384 takes 32768 to 122880 (steps of 8192)",
        },
    ];
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
    const LITERAL_RULES: &'static [LiteralRule] = &[
        LiteralRule {
            field: "min_task_count",
            check: Check::AtMost { other: "max_task_count" },
            message: "min_task_count is above max_task_count: lower the minimum or raise the maximum",
        },
    ];
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
        identity: &["service_name", "cluster"],
        outputs: ExpressGatewayServiceOutputs::ATTRS,
        reruns_when_dependencies_change: false,
        is_check: false,
        unordered: &[],
        cloud_control: None,
    };
    type Outputs = ExpressGatewayServiceOutputs;
    fn outputs(name: &'static str) -> ExpressGatewayServiceOutputs {
        ExpressGatewayServiceOutputs::new(name)
    }
    fn validate(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        super::name_chars("service_name", &self.service_name, 255, "-_", &mut out);
        if let (Some(&cpu), Some(&memory)) = (self.cpu.get(), self.memory.get()) {
            fargate_size(PropertyPath::default(), cpu, memory, &mut out);
        }
        if let Some(s) = &self.scaling {
            if let (Some(&min), Some(&max)) = (s.min_task_count.get(), s.max_task_count.get()) {
                task_counts(PropertyPath::field("scaling"), u64::from(min), u64::from(max), &mut out);
            }
        }
        out
    }
}





#[cfg(feature = "aws")]
mod ops {
    use async_trait::async_trait;
    use aws_sdk_ecs::types::{
        ExpressGatewayContainer, ExpressGatewayScalingTarget, ExpressGatewayServiceScalingMetric, KeyValuePair,
        Secret as EcsSecret, Tag as EcsTag,
    };
    use serde_json::json;

    use aws_sdk_ecs::operation::create_express_gateway_service::builders::CreateExpressGatewayServiceFluentBuilder;

    use super::ExpressGatewayService;
    use crate::exec::{answered, api_error, optional, outputs, required, tag_map, Applied, Cx, ExecError, Existing, Observed, Ops};
    use crate::resource::Resource;

    const TYPE: &str = ExpressGatewayService::META.type_name;

    fn container(s: &ExpressGatewayService) -> Result<ExpressGatewayContainer, ExecError> {
        let c = &s.primary_container;
        let command = c.command.iter().map(|x| required(x, "primary_container.command", TYPE).cloned()).collect::<Result<Vec<_>, _>>()?;
        let environment = c
            .environment
            .iter()
            .map(|e| {
                Ok(KeyValuePair::builder()
                    .name(required(&e.name, "primary_container.environment.name", TYPE)?)
                    .value(required(&e.value, "primary_container.environment.value", TYPE)?)
                    .build())
            })
            .collect::<Result<Vec<_>, ExecError>>()?;
        let secrets = c
            .secrets
            .iter()
            .map(|x| {
                EcsSecret::builder()
                    .name(required(&x.name, "primary_container.secrets.name", TYPE)?)
                    .value_from(&required(&x.value_from, "primary_container.secrets.value_from", TYPE)?.0)
                    .build()
                    .map_err(|e| ExecError::Props { type_name: TYPE, message: e.to_string() })
            })
            .collect::<Result<Vec<_>, ExecError>>()?;
        ExpressGatewayContainer::builder()
            .image(required(&c.image, "primary_container.image", TYPE)?)
            .container_port(i32::from(*required(&c.container_port, "primary_container.container_port", TYPE)?))
            .set_command((!command.is_empty()).then_some(command))
            .set_environment((!environment.is_empty()).then_some(environment))
            .set_secrets(Some(secrets))
            .build()
            .map_err(|e| ExecError::Props { type_name: TYPE, message: e.to_string() })
    }

    fn scaling(s: &ExpressGatewayService) -> Result<Option<ExpressGatewayScalingTarget>, ExecError> {
        let Some(sc) = &s.scaling else { return Ok(None) };
        Ok(Some(
            ExpressGatewayScalingTarget::builder()
                .min_task_count(*required(&sc.min_task_count, "scaling.min_task_count", TYPE)? as i32)
                .max_task_count(*required(&sc.max_task_count, "scaling.max_task_count", TYPE)? as i32)
                .set_auto_scaling_metric(optional(&sc.metric, "scaling.metric", TYPE)?.map(|m| ExpressGatewayServiceScalingMetric::from(m.as_str())))
                .set_auto_scaling_target_value(optional(&sc.target_value, "scaling.target_value", TYPE)?.map(|v| *v as i32))
                .build(),
        ))
    }

    /// The create call for `s`, named `name` in the stack.
    fn create_request(s: &ExpressGatewayService, cx: &Cx, name: &str) -> Result<CreateExpressGatewayServiceFluentBuilder, ExecError> {
        let tags = cx.tags(name, &s.tags).into_iter().map(|(k, v)| EcsTag::builder().key(k).value(v).build()).collect();
        Ok(cx
            .ecs
            .create_express_gateway_service()
            .service_name(required(&s.service_name, "service_name", TYPE)?)
            .set_cluster(optional(&s.cluster, "cluster", TYPE)?.cloned())
            .execution_role_arn(&required(&s.execution_role_arn, "execution_role_arn", TYPE)?.0)
            .infrastructure_role_arn(&required(&s.infrastructure_role_arn, "infrastructure_role_arn", TYPE)?.0)
            .set_task_role_arn(optional(&s.task_role_arn, "task_role_arn", TYPE)?.map(|a| a.0.clone()))
            .primary_container(container(s)?)
            .set_health_check_path(optional(&s.health_check_path, "health_check_path", TYPE)?.cloned())
            .cpu(required(&s.cpu, "cpu", TYPE)?.to_string())
            .memory(required(&s.memory, "memory", TYPE)?.to_string())
            .set_scaling_target(scaling(s)?)
            .set_tags(Some(tags)))
    }

    /// Whether ECS said the service is not there, in any of the forms it uses: the
    /// operation's own not-found code, the cluster not existing yet (Express Mode creates
    /// `default` on a region's first create), a parameter error naming a missing
    /// resource, or a service no longer active.
    fn gone(err: &ExecError) -> bool {
        match err.code() {
            Some("ResourceNotFoundException" | "ServiceNotFoundException" | "ClusterNotFoundException" | "ServiceNotActiveException") => true,
            Some("InvalidParameterException") => matches!(err, ExecError::Api { message, .. } if message.to_ascii_lowercase().contains("not found")),
            _ => false,
        }
    }

    /// The service as ECS describes it, with its status code; `None` if ECS has no such
    /// service.
    async fn describe(cx: &Cx, arn: &str) -> Result<Option<(aws_sdk_ecs::types::EcsExpressGatewayService, String)>, ExecError> {
        let out = match cx.ecs.describe_express_gateway_service().service_arn(arn).send().await {
            Ok(o) => o,
            Err(e) => {
                let err = api_error("ecs:DescribeExpressGatewayService")(e);
                return if gone(&err) { Ok(None) } else { Err(err) };
            }
        };
        Ok(out.service.map(|svc| {
            // No status yet: neither active nor inactive, so waited on.
            let status = svc.status().and_then(|s| s.status_code()).map(|c| c.as_str().to_owned()).unwrap_or_default();
            (svc, status)
        }))
    }

    /// The service's status code and public endpoint, or `None` once it is gone.
    async fn look(cx: &Cx, arn: &str) -> Result<Option<(String, Option<String>)>, ExecError> {
        let Some((svc, status)) = describe(cx, arn).await? else { return Ok(None) };
        if status == "INACTIVE" {
            return Ok(None);
        }
        // No configuration or path yet: no endpoint yet.
        let endpoint = svc
            .active_configurations
            .unwrap_or_default()
            .into_iter()
            .flat_map(|c| c.ingress_paths.unwrap_or_default())
            .map(|p| p.endpoint)
            .next();
        Ok(Some((status, endpoint)))
    }

    /// Follows the service's newest deployment until it succeeds, as AWS's own deploy
    /// action and Terraform do: a service is ACTIVE while a deployment is still rolling
    /// out, and the old revision answers until the new one is promoted. A deployment
    /// that stops or rolls back fails the operation with its status and reason.
    async fn wait_deployed(cx: &Cx, arn: &str) -> Result<(), ExecError> {
        use aws_sdk_ecs::types::ServiceDeploymentStatus as S;
        let what = format!("the deployment of express service {arn}");
        cx.wait_for(&what, cx.timing.service, || async {
            let out = cx.ecs.list_service_deployments().service(arn).send().await.map_err(api_error("ecs:ListServiceDeployments"))?;
            let newest = out.service_deployments().iter().max_by_key(|d| d.created_at().map(|t| (t.secs(), t.subsec_nanos())));
            let Some(d) = newest else { return Ok(None) };
            match d.status() {
                Some(S::Successful) => Ok(Some(())),
                Some(s @ (S::Stopped | S::StopRequested | S::RollbackRequested | S::RollbackInProgress | S::RollbackSuccessful | S::RollbackFailed)) => {
                    // Shown after the status; nothing when ECS gives no reason.
                    let reason = d.status_reason().map(|r| format!(" ({r})")).unwrap_or_default();
                    Err(ExecError::Failed { what: what.clone(), state: s.as_str().to_owned(), reason })
                }
                _ => Ok(None),
            }
        })
        .await
    }

    async fn wait_active(cx: &Cx, arn: &str) -> Result<Applied, ExecError> {
        let endpoint = cx
            .wait_for(&format!("express service {arn} becoming active"), cx.timing.service, || async {
                Ok(match look(cx, arn).await? {
                    Some((status, Some(endpoint))) if status == "ACTIVE" => Some(endpoint),
                    _ => None,
                })
            })
            .await?;
        // The endpoint is a host name; a URL with a scheme is used as it is.
        let url = if endpoint.contains("://") { endpoint.clone() } else { format!("https://{endpoint}") };
        Ok(Applied {
            cloud_id: arn.to_owned(),
            outputs: outputs([("arn", json!(arn)), ("endpoint", json!(endpoint)), ("service_url", json!(url.trim_end_matches('/')))]),
        })
    }

    #[async_trait]
    impl Ops for ExpressGatewayService {
        async fn create(&self, cx: &Cx, name: &str) -> Result<Applied, ExecError> {
            let out = cx
                .while_iam_propagates("ecs:CreateExpressGatewayService", || async {
                    create_request(self, cx, name)?.send().await.map_err(api_error("ecs:CreateExpressGatewayService"))
                })
                .await?;
            let arn = answered(out.service.and_then(|s| s.service_arn), "ecs:CreateExpressGatewayService", "serviceArn")?;
            wait_deployed(cx, &arn).await?;
            wait_active(cx, &arn).await
        }

        async fn update(&self, cx: &Cx, name: &str, cloud_id: &str, prior: Option<&Self>) -> Result<Applied, ExecError> {
            let execution_role_arn = &required(&self.execution_role_arn, "execution_role_arn", TYPE)?.0;
            let task_role_arn = optional(&self.task_role_arn, "task_role_arn", TYPE)?.map(|a| a.0.clone());
            let health_check_path = optional(&self.health_check_path, "health_check_path", TYPE)?.cloned();
            let (cpu, memory) = (required(&self.cpu, "cpu", TYPE)?.to_string(), required(&self.memory, "memory", TYPE)?.to_string());
            cx.while_iam_propagates("ecs:UpdateExpressGatewayService", || async {
                cx.ecs
                    .update_express_gateway_service()
                    .service_arn(cloud_id)
                    .execution_role_arn(execution_role_arn)
                    .set_task_role_arn(task_role_arn.clone())
                    .primary_container(container(self)?)
                    .set_health_check_path(health_check_path.clone())
                    .cpu(&cpu)
                    .memory(&memory)
                    .set_scaling_target(scaling(self)?)
                    .send()
                    .await
                    .map_err(api_error("ecs:UpdateExpressGatewayService"))
            })
            .await?;
            // The update call takes no tags: an adopted service (no prior record) gets its
            // ownership tags here, a changed tag its new value, and a moved one its new address.
            if prior.is_none_or(|p| p.tags != self.tags) || crate::engine::moved_from().is_some() {
                let tags = cx.tags(name, &self.tags).into_iter().map(|(k, v)| EcsTag::builder().key(k).value(v).build()).collect();
                cx.ecs.tag_resource().resource_arn(cloud_id).set_tags(Some(tags)).send().await.map_err(api_error("ecs:TagResource"))?;
            }
            wait_deployed(cx, cloud_id).await?;
            wait_active(cx, cloud_id).await
        }

        async fn delete(cx: &Cx, cloud_id: &str, _prior: Option<&Self>) -> Result<(), ExecError> {
            if let Err(e) = cx.ecs.delete_express_gateway_service().service_arn(cloud_id).send().await {
                let err = api_error("ecs:DeleteExpressGatewayService")(e);
                // Gone, or already draining: either way, wait for it to be inactive.
                if !gone(&err) {
                    return Err(err);
                }
            }
            cx.wait_for(&format!("express service {cloud_id} becoming inactive"), cx.timing.service, || async {
                Ok(look(cx, cloud_id).await?.is_none().then_some(()))
            })
            .await
        }

        async fn exists(cx: &Cx, cloud_id: &str, _prior: Option<&Self>) -> Result<bool, ExecError> {
            Ok(look(cx, cloud_id).await?.is_some())
        }

        /// One read: the task size and image of the active configuration.
        async fn read(cx: &Cx, cloud_id: &str, _prior: Option<&Self>) -> Result<Option<Observed>, ExecError> {
            let Some((svc, status)) = describe(cx, cloud_id).await? else { return Ok(None) };
            if matches!(status.as_str(), "INACTIVE" | "DRAINING") {
                return Ok(None);
            }
            // While a deployment is under way there is no active configuration to compare.
            let Some(cfg) = svc.active_configurations().first() else { return Ok(Some(Vec::new())) };
            let number = |v: Option<&str>| v.and_then(|v| v.parse::<u32>().ok()).map(|n| json!(n));
            let mut live = vec![("cpu", number(cfg.cpu())), ("memory", number(cfg.memory()))];
            live.retain(|(_, v)| v.is_some());
            if let Some(c) = cfg.primary_container() {
                live.push(("primary_container/image", Some(json!(c.image()))));
            }
            Ok(Some(live))
        }

        async fn find(&self, cx: &Cx) -> Result<Option<Existing>, ExecError> {
            // A service is named by an ARN built from the account, the region, the cluster
            // and the name.
            let who = cx.sts.get_caller_identity().send().await.map_err(api_error("sts:GetCallerIdentity"))?;
            let cluster = optional(&self.cluster, "cluster", TYPE)?.map_or("default", String::as_str);
            let arn = format!(
                "arn:{}:ecs:{}:{}:service/{cluster}/{}",
                cx.partition,
                cx.region,
                answered(who.account(), "sts:GetCallerIdentity", "Account")?,
                required(&self.service_name, "service_name", TYPE)?
            );
            if look(cx, &arn).await?.is_none() {
                return Ok(None);
            }
            // Tags come back only when asked for.
            let out = cx
                .ecs
                .describe_express_gateway_service()
                .service_arn(&arn)
                .include(aws_sdk_ecs::types::ExpressGatewayServiceInclude::Tags)
                .send()
                .await
                .map_err(api_error("ecs:DescribeExpressGatewayService"))?;
            // No service in the answer: no tags to tell whose it is.
            let tags = out.service().map(|s| tag_map(s.tags(), |t| (t.key(), t.value()))).unwrap_or_default();
            Ok(Some(Existing { cloud_id: arn, tags }))
        }
    }

    #[cfg(test)]
    mod tests {
        use super::gone;
        use crate::exec::tests::api;

        #[test]
        fn every_form_of_not_found_ecs_uses_is_gone() {
            for code in ["ResourceNotFoundException", "ServiceNotFoundException", "ClusterNotFoundException", "ServiceNotActiveException"] {
                assert!(gone(&api(code, "")), "{code}");
            }
            assert!(gone(&api("InvalidParameterException", "Resource not found.")));
            assert!(!gone(&api("InvalidParameterException", "cpu is not valid")));
            assert!(!gone(&api("AccessDeniedException", "not found")));
        }
    }
}
