use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A secret others read.
    pub stack Data = "data" {
        resource creds = Secret { name: "creds", secret_string: SecretSource::env("CREDS") };
        output creds_arn: SecretArn = creds.arn;
        output creds_name: String = creds.name;
    }
}

stack! {
    /// A role allowed to read the data stack's secret, by reference.
    pub stack App = "app" {
        use stack data = Data;
        resource reader = Role {
            role_name: template!("{data.creds_name}-reader"),
            assume_role_policy: PolicyDocument::assumed_by("ecs-tasks.amazonaws.com"),
            policies: [InlinePolicy {
                name: "read",
                document: PolicyDocument {
                    statements: [Statement { effect: Effect::Allow, actions: ["secretsmanager:GetSecretValue"], resources: [data.creds_arn] }],
                },
            }],
        };
    }
}

fn main() {
    let app = App::new(AppParams::default()).instance();
    assert_eq!(app.reads, [("data", "creds_name"), ("data", "creds_arn")]);
    assert!(app.resources[0].deps.is_empty(), "another stack's outputs are no dependency inside this one");
}
