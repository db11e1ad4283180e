use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A number parameter where text belongs: the error says to use a template.
    pub stack S = "s" {
        param port: u16 = 8080;
        resource creds = Secret { name: port, secret_string: SecretSource::env("X") };
    }
}

fn main() {}
