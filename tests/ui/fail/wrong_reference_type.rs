use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A role's ARN where a secret's ARN is required.
    pub stack S = "s" {
        resource creds = Secret { name: "creds", secret_string: SecretSource::env("X") };
        resource role = Role {
            role_name: "r",
            assume_role_policy: PolicyDocument { statements: [] },
        };
        resource cluster = DbCluster {
            db_cluster_identifier: "c",
            engine: "aurora-postgresql",
            master_username: "postgres",
        };
        resource db = Database { cluster_arn: cluster.arn, secret_arn: role.arn, name: "d" };
    }
}

fn main() {}
