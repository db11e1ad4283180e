use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A parameter used as a resource, a resource used as a value, and a parameter of
    /// the wrong type.
    pub stack S = "s" {
        param n: String = "x";
        param port: u16 = 80;
        resource a = Secret { name: n.arn, secret_string: SecretSource::env("X") };
        resource b = Secret { name: a, secret_string: port };
    }
}

fn main() {}
