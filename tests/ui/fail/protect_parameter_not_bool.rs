use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// `protect` depends on a parameter that is not a bool.
    pub stack S = "s" {
        param env: String = "prod";
        #[protect(env)]
        resource a = Secret { name: "a", secret_string: SecretSource::env("A") };
    }
}

fn main() {}
