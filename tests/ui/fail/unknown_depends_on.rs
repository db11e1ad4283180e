use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// depends_on names a resource that does not exist, and a parameter.
    pub stack S = "s" {
        param n: String = "x";
        resource first = Secret { name: "first", secret_string: SecretSource::env("X") };
        resource second = Secret { name: "second", secret_string: SecretSource::env("Y") } depends_on [frist, n];
    }
}

fn main() {}
