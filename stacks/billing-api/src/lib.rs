//! A small API on ECS Express Mode, the shape of a team's first stack: its config in a
//! secret, the two roles ECS needs, the service with its own health check path, and a
//! check that the path answers. It has no `region` parameter: the region comes from
//! `--region`, the AWS profile, or the sandbox.

use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A small API on ECS Express Mode, with its config in Secrets Manager and a check of its health path.
    pub stack BillingApi = "billing-api" {
        /// The API's container image.
        param image: String = "public.ecr.aws/docker/library/nginx:stable";
        /// The port the container listens on.
        param port: u16 = 8080;
        /// The path the load balancer's health check and the deploy's check request.
        param health_path: String = "/healthz";
        /// Task CPU units.
        param cpu: u32 = 512;
        /// Task memory in MiB.
        param memory: u32 = 1024;
        /// How long the deploy's check waits for the health path to answer, in seconds.
        param check_timeout: u32 = 300;
        /// Where the payment provider's API key is read from: env:NAME or file:PATH.
        param api_key: SecretSource = SecretSource::env("BILLING_API_KEY");

        /// The API's configuration, injected into the container as BILLING_CONFIG.
        resource config = Secret {
            name: "billing-api-config",
            description: "billing-api configuration",
            secret_string: json!({ "api_key": api_key, "port": port }),
        };

        /// Lets ECS pull the image and inject the config secret.
        resource execution_role = Role {
            role_name: "billing-api-execution",
            assume_role_policy: PolicyDocument::assumed_by("ecs-tasks.amazonaws.com"),
            managed_policy_arns: [PolicyArn::aws_managed("service-role/AmazonECSTaskExecutionRolePolicy")],
            policies: [InlinePolicy {
                name: "billing-api-config",
                document: PolicyDocument {
                    statements: [Statement {
                        effect: Effect::Allow,
                        actions: ["secretsmanager:GetSecretValue"],
                        resources: [config.arn],
                    }],
                },
            }],
        };

        /// Lets ECS manage the load balancer, certificate and networking.
        resource infrastructure_role = Role {
            role_name: "billing-api-infrastructure",
            assume_role_policy: PolicyDocument::assumed_by("ecs.amazonaws.com"),
            managed_policy_arns: [PolicyArn::aws_managed(
                "service-role/AmazonECSInfrastructureRoleforExpressGatewayServices"
            )],
        };

        /// The API, on ECS Express Mode.
        resource api = ExpressGatewayService {
            service_name: "billing-api",
            execution_role_arn: execution_role.arn,
            infrastructure_role_arn: infrastructure_role.arn,
            primary_container: PrimaryContainer {
                image: image,
                container_port: port,
                secrets: [ContainerSecret { name: "BILLING_CONFIG", value_from: config.arn }],
            },
            health_check_path: health_path,
            cpu: cpu,
            memory: memory,
        };

        /// The service answers 200 on its health path; runs again whenever the service changes.
        resource health = HttpCheck {
            url: template!("{api.service_url}{health_path}"),
            timeout_seconds: check_timeout,
        };

        /// Where the API answers.
        output service_url: String = api.service_url;
    }
}
