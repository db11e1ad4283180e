use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A reference to a resource that does not exist.
    pub stack S = "s" {
        resource creds = Secret { name: "creds", secret_string: SecretSource::env("X") };
        resource copy = Secret { name: "copy", secret_string: template!("{cred.name}") };
        resource role = Role {
            role_name: "r",
            assume_role_policy: PolicyDocument { statements: [] },
            policies: [InlinePolicy {
                name: "read",
                document: PolicyDocument {
                    statements: [Statement {
                        effect: Effect::Allow,
                        actions: ["secretsmanager:GetSecretValue"],
                        resources: [credz.arn],
                    }],
                },
            }],
        };
    }
}

fn main() {}
