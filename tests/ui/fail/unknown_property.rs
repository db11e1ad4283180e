use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A property the type does not have.
    pub stack S = "s" {
        resource creds = Secret { name: "creds", secret_string: SecretSource::env("X"), secret_strnig: "y" };
    }
}

fn main() {}
