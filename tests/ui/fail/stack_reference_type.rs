use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A secret others read.
    pub stack Data = "data" {
        resource creds = Secret { name: "creds", secret_string: SecretSource::env("CREDS") };
        output creds_arn: SecretArn = creds.arn;
    }
}

stack! {
    /// Another stack's output of the wrong type, and one it does not have.
    pub stack App = "app" {
        use stack data = Data;
        resource a = Role {
            role_name: "a",
            assume_role_policy: PolicyDocument::assumed_by("ecs-tasks.amazonaws.com"),
            managed_policy_arns: [data.creds_arn],
        };
        resource b = Secret { name: "b", secret_string: SecretSource::env("B"), description: data.missing };
    }
}

fn main() {}
