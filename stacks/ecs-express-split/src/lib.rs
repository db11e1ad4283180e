//! The flagship split in two stacks joined by references, as a team splits what changes
//! rarely from what changes often: `formae-data` holds the database and its credentials,
//! `formae-agent` the roles, the config and the service, and reads the data stack's
//! outputs, typed, from its recorded state. The data stack cannot drop an output the
//! agent stack still reads. As in the flagship, the AWS resources are the generated types.

use formae_aws::{ecs, iam, rds, secretsmanager};
use formae_macros::stack;
use formae_runtime::prelude::{Database, DbClusterArn, Effect, HttpCheck, PolicyArn, PolicyDocument, SecretArn, SecretSource, Statement};

/// The command the guide gives the container: write the config from the environment,
/// then start the agent with it.
const START_COMMAND: &str =
    "printenv FORMAE_CONFIG > /tmp/formae.conf.pkl && formae agent start --config /tmp/formae.conf.pkl";

stack! {
    /// The formae agent's datastore: Aurora Serverless v2 with the Data API, its credentials and database.
    pub stack FormaeData = "formae-data" {
        /// Aurora Serverless v2 minimum capacity, in ACUs.
        param min_capacity: f64 = 0.5;
        /// Aurora Serverless v2 maximum capacity, in ACUs.
        param max_capacity: f64 = 2.0;
        /// Aurora PostgreSQL engine version.
        param engine_version: String = "16.4";
        /// The Aurora cluster's identifier; changing it replaces the cluster.
        param db_cluster_id: String = "formae-db";
        /// Where the database master password is read from: env:NAME or file:PATH.
        param db_password: SecretSource = SecretSource::env("FORMAE_DB_PASSWORD");

        /// Credentials the Data API signs in with.
        resource db_creds = secretsmanager::Secret {
            name: "formae-db-creds",
            description: "Aurora master credentials for the formae agent's datastore",
            secret_string: json!({ "username": "postgres", "password": db_password }),
        };

        /// Aurora Serverless v2 PostgreSQL with the Data API turned on.
        resource db_cluster = rds::DBCluster {
            db_cluster_identifier: db_cluster_id,
            engine: "aurora-postgresql",
            engine_version: engine_version,
            serverless_v2_scaling_configuration: rds::ServerlessV2ScalingConfiguration {
                min_capacity: min_capacity,
                max_capacity: max_capacity,
            },
            master_username: "postgres",
            master_user_password: db_password,
            enable_http_endpoint: true,
        };

        /// The Serverless v2 instance the Data API needs to run statements.
        resource db_instance = rds::DBInstance {
            db_instance_identifier: "formae-db-instance",
            db_cluster_identifier: db_cluster.db_cluster_identifier,
            db_instance_class: "db.serverless",
            engine: "aurora-postgresql",
        };

        /// The agent's database; the Data API needs a running instance first.
        resource database = Database {
            cluster_arn: db_cluster.db_cluster_arn,
            secret_arn: db_creds.id,
            name: "formae",
        } depends_on [db_instance];

        /// The Aurora cluster holding the agent's state.
        output db_cluster_arn: DbClusterArn = db_cluster.db_cluster_arn;
        /// The secret with the database credentials.
        output db_secret_arn: SecretArn = db_creds.id;
        /// The agent's database.
        output database_name: String = database.name;
    }
}

stack! {
    /// The formae agent on ECS Express Mode, its datastore read from the formae-data stack.
    pub stack FormaeAgent = "formae-agent" {
        /// AWS region of the stack; also written into the agent's datastore config.
        param region: String = "us-east-1";
        /// The agent's container image.
        param image: String = "ghcr.io/platform-engineering-labs/formae:latest";
        /// The port the agent's API listens on.
        param container_port: i64 = 49684;
        /// Task CPU units.
        param cpu: u32 = 1024;
        /// Task memory in MiB.
        param memory: u32 = 2048;

        /// The datastore's outputs, typed as formae-data declares them.
        use stack data = FormaeData;

        /// The agent's config file, injected into the container as FORMAE_CONFIG.
        resource config = secretsmanager::Secret {
            name: "formae-config",
            description: "formae agent configuration (formae.conf.pkl)",
            secret_string: template!(r#"amends "formae:/Config.pkl"

agent {{
  datastore {{
    datastoreType = "auroradataapi"
    auroraDataAPI {{
      clusterArn = "{data.db_cluster_arn}"
      secretArn = "{data.db_secret_arn}"
      database = "{data.database_name}"
      region = "{region}"
    }}
  }}
}}
"#),
        };

        /// Lets ECS pull the image and inject the config secret.
        resource execution_role = iam::Role {
            role_name: "ecsTaskExecutionRole",
            assume_role_policy_document: PolicyDocument::assumed_by("ecs-tasks.amazonaws.com"),
            managed_policy_arns: [PolicyArn::aws_managed("service-role/AmazonECSTaskExecutionRolePolicy")],
            policies: [iam::RolePolicyProperty {
                policy_name: "formae-secrets-access",
                policy_document: PolicyDocument {
                    statements: [Statement {
                        effect: Effect::Allow,
                        actions: ["secretsmanager:GetSecretValue"],
                        resources: [config.id],
                    }],
                },
            }],
        };

        /// Lets ECS manage the load balancer, certificate and networking.
        resource infrastructure_role = iam::Role {
            role_name: "ecsInfrastructureRoleForExpressServices",
            assume_role_policy_document: PolicyDocument::assumed_by("ecs.amazonaws.com"),
            managed_policy_arns: [PolicyArn::aws_managed(
                "service-role/AmazonECSInfrastructureRoleforExpressGatewayServices"
            )],
        };

        /// The agent's own credentials: the Data API, its secret, and what the AWS plugin manages.
        resource task_role = iam::Role {
            role_name: "formae-ecs-task-role",
            assume_role_policy_document: PolicyDocument::assumed_by("ecs-tasks.amazonaws.com"),
            managed_policy_arns: [PolicyArn::aws_managed("PowerUserAccess")],
            policies: [iam::RolePolicyProperty {
                policy_name: "formae-data-api",
                policy_document: PolicyDocument {
                    statements: [
                        Statement {
                            effect: Effect::Allow,
                            actions: [
                                "rds-data:ExecuteStatement",
                                "rds-data:BeginTransaction",
                                "rds-data:CommitTransaction",
                                "rds-data:RollbackTransaction",
                            ],
                            resources: [data.db_cluster_arn],
                        },
                        Statement {
                            effect: Effect::Allow,
                            actions: ["secretsmanager:GetSecretValue"],
                            resources: [data.db_secret_arn],
                        },
                    ],
                },
            }],
        };

        /// The agent, on ECS Express Mode.
        resource agent = ecs::ExpressGatewayService {
            service_name: "formae-agent",
            execution_role_arn: execution_role.arn,
            infrastructure_role_arn: infrastructure_role.arn,
            task_role_arn: task_role.arn,
            primary_container: ecs::ExpressGatewayContainer {
                image: image,
                container_port: container_port,
                secrets: [ecs::Secret { name: "FORMAE_CONFIG", value_from: config.id }],
                command: ["sh", "-c", START_COMMAND],
            },
            health_check_path: "/api/v1/health",
            // ECS takes CPU units and MiB as text.
            cpu: template!("{cpu}"),
            memory: template!("{memory}"),
        };

        /// The guide's verify step: the agent's health endpoint answers 200.
        resource health = HttpCheck {
            url: template!("{agent.endpoint}/api/v1/health"),
            expect_status: 200,
        };

        /// Where the agent answers (its public host name); point the CLI's `api.url` here.
        output service_url: String = agent.endpoint;
    }
}
