use formae_macros::{component, stack};
use formae_runtime::prelude::*;

component! {
    /// A reader allowed to assume a role.
    pub component Reader {
        input name: String;
        input role: RoleArn;
        resource creds = Secret { name: name, secret_string: SecretSource::env("A") };
        output creds_arn: SecretArn = creds.arn;
    }
}

stack! {
    /// A secret's ARN where a role's belongs, and an input left out.
    pub stack S = "s" {
        use a = Reader { name: "a", role: b.creds_arn };
        use b = Reader { name: "b" };
    }
}

fn main() {}
