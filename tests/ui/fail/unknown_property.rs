use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A property the type does not have.
    pub stack S = "s" {
        resource creds = Secret { name: "creds", secret_string: "x", secret_strnig: "y" };
    }
}

fn main() {}
