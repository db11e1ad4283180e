use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// Values AWS would reject, written as literals: each fails the build where it is written.
    pub stack S = "s" {
        resource cluster = DbCluster {
            db_cluster_identifier: "formae_db",
            engine: "aurora-postgresql",
            master_username: "postgres",
            serverless_v2_scaling: ServerlessV2Scaling { min_capacity: 4.0, max_capacity: 2.25 },
        };
        resource role = Role {
            role_name: "has spaces",
            assume_role_policy: PolicyDocument {
                statements: [Statement { effect: Effect::Allow, principals: [Principal::service("ecs-tasks.amazonaws.com")], actions: ["sts:AssumeRole"] }],
            },
        };
        resource agent = ExpressGatewayService {
            service_name: "agent",
            execution_role_arn: role.arn,
            infrastructure_role_arn: role.arn,
            primary_container: PrimaryContainer { image: "nginx", container_port: 80 },
            cpu: 1024,
            memory: 1000,
        };
        resource odd = ExpressGatewayService {
            service_name: "odd",
            execution_role_arn: role.arn,
            infrastructure_role_arn: role.arn,
            primary_container: PrimaryContainer { image: "nginx", container_port: 80 },
            cpu: 300,
            memory: 1024,
        };
    }
}

fn main() {}
