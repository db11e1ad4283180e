use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A family's keys from a parameter that is not a list.
    pub stack S = "s" {
        param tenant: String = "a";
        resource creds[t in tenant] = Secret { name: t, secret_string: SecretSource::env("A") };
    }
}

fn main() {}
