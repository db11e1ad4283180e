use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// Keys that only look like they hold secrets, and a literal marked as not one.
    pub stack S = "s" {
        param password: SecretSource = SecretSource::env("S_PASSWORD");
        resource creds = Secret {
            name: "creds",
            secret_string: json!({
                "password": password,
                "password_length": 24,
                "secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
                "password_hint": not_secret("ask the on-call engineer"),
            }),
        };
    }
}

fn main() {
    assert_eq!(S::new(SParams::default()).instance().resources.len(), 1);
}
