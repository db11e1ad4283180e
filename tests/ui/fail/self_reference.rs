use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A resource that uses its own output, and one that depends on itself.
    pub stack S = "s" {
        resource a = Secret { name: "a", secret_string: template!("{a.arn}") };
        resource b = Secret { name: "b", secret_string: SecretSource::env("X") } depends_on [b];
    }
}

fn main() {}
