use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A parameter misspelt where it is used.
    pub stack S = "s" {
        param secret_name: String = "creds";
        resource creds = Secret { name: secret_nme, secret_string: SecretSource::env("X") };
    }
}

fn main() {}
