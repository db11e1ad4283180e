use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A template with an unclosed hole, and one with an unknown name.
    pub stack S = "s" {
        resource a = Secret { name: "a", secret_string: template!("{a.arn") };
        resource b = Secret { name: "b", secret_string: template!("x={missing.arn}") };
    }
}

fn main() {}
