use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A mistyped resource type: one error, with the right name suggested.
    pub stack S = "s" {
        resource creds = Secrte { name: "creds", secret_string: SecretSource::env("X") };
        output arn: SecretArn = creds.arn;
    }
}

fn main() {}
