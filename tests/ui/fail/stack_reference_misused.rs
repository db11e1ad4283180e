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
    /// Another stack used as a value, and as a dependency.
    pub stack App = "app" {
        use stack data = Data;
        resource c = Secret { name: "c", secret_string: SecretSource::env("C"), description: data } depends_on [data];
    }
}

fn main() {}
