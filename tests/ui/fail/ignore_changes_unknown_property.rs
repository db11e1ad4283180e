use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// `ignore_changes` names a property the type does not have.
    pub stack S = "s" {
        #[ignore_changes(descripton)]
        resource a = Secret { name: "a", secret_string: SecretSource::env("A") };
    }
}

fn main() {}
