use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// a -> b -> a, through references and depends_on.
    pub stack S = "s" {
        resource a = Secret { name: "a", secret_string: template!("{b.arn}") };
        resource b = Secret { name: "b", secret_string: SecretSource::env("X") } depends_on [a];
        resource ok = Secret { name: "ok", secret_string: SecretSource::env("X") };
    }
}

fn main() {}
