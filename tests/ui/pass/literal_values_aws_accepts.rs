use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// Literal values at the edges of what AWS accepts compile.
    pub stack S = "s" {
        resource cluster = DbCluster {
            db_cluster_identifier: "formae-db-2",
            engine: "aurora-postgresql",
            master_username: "postgres",
            serverless_v2_scaling: ServerlessV2Scaling { min_capacity: 0.0, max_capacity: 256.0 },
        };
        resource role = Role {
            role_name: "ecs+task=role,v1.0@team_a-b",
            assume_role_policy: PolicyDocument {
                statements: [Statement { effect: Effect::Allow, principals: [Principal::service("ecs-tasks.amazonaws.com")], actions: ["sts:AssumeRole"] }],
            },
        };
        resource small = ExpressGatewayService {
            service_name: "small_one",
            execution_role_arn: role.arn,
            infrastructure_role_arn: role.arn,
            primary_container: PrimaryContainer { image: "nginx", container_port: 80 },
            cpu: 256,
            memory: 512,
        };
        resource large = ExpressGatewayService {
            service_name: "large",
            execution_role_arn: role.arn,
            infrastructure_role_arn: role.arn,
            primary_container: PrimaryContainer { image: "nginx", container_port: 80 },
            cpu: 16384,
            memory: 122880,
        };
    }
}

fn main() {
    assert_eq!(S::new(Default::default()).instance().resources.len(), 4);
}
