use formae_macros::{component, stack};
use formae_runtime::prelude::*;

component! {
    /// Outputs that are inputs, and a family inside.
    pub component Bad {
        input name: String;
        input flag: bool;
        resource creds = Secret { name: name, secret_string: SecretSource::env("A") };
        resource many[k in ["a"]] = Secret { name: k, secret_string: SecretSource::env("B") };
        output name_again: String = name;
        output arn: SecretArn = creds.arn;
    }
}

component! {
    /// A role for a name.
    pub component Reader {
        input name: String;
        input role: RoleArn;
        resource creds = Secret { name: name, secret_string: SecretSource::env("A") };
        output creds_arn: SecretArn = creds.arn;
    }
}

stack! {
    /// Instances used wrongly.
    pub stack S = "s" {
        use a = Reader { name: "a", role: b.creds_arn };
        use b = Reader { name: template!("{a.creds_arn}"), role: a };
        #[protect]
        use c = Reader { name: "c", role: a.creds_arn };
    }
}

fn main() {}
