use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A secret without its value.
    pub stack S = "s" {
        resource creds = Secret { name: "creds" };
    }
}

fn main() {}
