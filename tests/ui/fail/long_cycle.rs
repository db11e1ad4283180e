use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A cycle of three, named whole.
    pub stack S = "s" {
        resource a = Secret { name: "a", secret_string: template!("{c.arn}") };
        resource b = Secret { name: "b", secret_string: template!("{a.arn}") };
        resource c = Secret { name: "c", secret_string: template!("{b.arn}") };
    }
}

fn main() {}
