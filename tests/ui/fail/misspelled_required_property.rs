use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A required property misspelled: the compiler names the field it meant, and no
    /// "missing required property" follows.
    pub stack S = "s" {
        resource creds = Secret { name: "creds", secret_strnig: "y" };
    }
}

fn main() {}
