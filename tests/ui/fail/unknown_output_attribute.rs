use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A secret has no `endpoint` output.
    pub stack S = "s" {
        resource creds = Secret { name: "creds", secret_string: SecretSource::env("X") };
        resource db = Database { cluster_arn: creds.endpoint, secret_arn: creds.arn, name: "d" };
    }
}

fn main() {}
