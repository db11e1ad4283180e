use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A region from a parameter that is not text.
    pub stack S = "s" {
        param replica: bool = true;
        #[region(replica)]
        resource a = Secret { name: "a", secret_string: SecretSource::env("A") };
    }
}

fn main() {}
