use formae_macros::stack;
use formae_runtime::prelude::*;
use formae_runtime::{Mode, StackState};

stack! {
    /// A secret and a role that may read it.
    pub stack Small = "small" {
        /// The secret's name.
        param secret_name: String = "small-secret";
        param password: SecretSource = SecretSource::env("SMALL_PASSWORD");
        resource creds = Secret {
            name: secret_name,
            secret_string: json!({ "user": "me", "password": password, "tags": ["a", secret_name] }),
        };
        resource reader = Role {
            role_name: template!("{secret_name}-reader"),
            assume_role_policy: PolicyDocument {
                statements: [Statement {
                    effect: Effect::Allow,
                    principals: [Principal::service("ecs-tasks.amazonaws.com")],
                    actions: ["sts:AssumeRole"],
                }],
            },
            policies: [InlinePolicy {
                name: "read",
                document: PolicyDocument {
                    statements: [Statement {
                        effect: Effect::Allow,
                        actions: ["secretsmanager:GetSecretValue"],
                        resources: [creds.arn],
                    }],
                },
            }],
        };
        output reader_arn: RoleArn = reader.arn;
        output name: String = secret_name;
    }
}

fn main() {
    let stack = Small::new(SmallParams::default());
    let inst = stack.instance();
    assert_eq!(inst.resources.len(), 2);
    assert_eq!(inst.resources[1].deps, &["creds"]);
    let plan = stack.plan(&StackState::empty("small"), Mode::Reconcile).unwrap();
    assert_eq!(plan.summary.add, 2);
    assert!(Small::outputs(&StackState::empty("small")).is_err());
}
