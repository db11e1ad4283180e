use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// Two resources, a parameter and two outputs share names.
    pub stack S = "s" {
        param creds: String = "x";
        resource creds = Secret { name: "a", secret_string: SecretSource::env("X") };
        resource other = Secret { name: "b", secret_string: SecretSource::env("X") };
        resource other = Secret { name: "c", secret_string: SecretSource::env("X") };
        output arn: SecretArn = other.arn;
        output arn: SecretArn = other.arn;
    }
}

fn main() {}
