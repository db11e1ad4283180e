use formae_macros::{component, stack};
use formae_runtime::prelude::*;
use formae_runtime::{Mode, StackState};

component! {
    /// A secret, and a role ECS tasks assume to read it and one more ARN.
    pub component Reader {
        /// The secret's name, and the role's prefix.
        input name: String;
        /// Something else the role may read.
        input also: AnyArn;
        resource creds = Secret { name: name, secret_string: SecretSource::env("READER_SECRET") };
        resource role = Role {
            role_name: template!("{name}-reader"),
            assume_role_policy: PolicyDocument::assumed_by("ecs-tasks.amazonaws.com"),
            policies: [InlinePolicy {
                name: "read",
                document: PolicyDocument {
                    statements: [Statement { effect: Effect::Allow, actions: ["secretsmanager:GetSecretValue"], resources: [creds.arn, also] }],
                },
            }],
        };
        /// The role.
        output role_arn: RoleArn = role.arn;
        output creds_arn: SecretArn = creds.arn;
    }
}

component! {
    /// Two readers, the second allowed to read the first's secret.
    pub component Pair {
        input prefix: String;
        input also: AnyArn;
        use first = Reader { name: template!("{prefix}-1"), also: also };
        use second = Reader { name: template!("{prefix}-2"), also: first.creds_arn };
        output second_role: RoleArn = second.role_arn;
    }
}

stack! {
    /// Readers, used three ways.
    pub stack Readers = "readers" {
        param env: String = "dev";
        resource shared = Secret { name: "shared", secret_string: SecretSource::env("SHARED") };
        use app = Reader { name: "app", also: shared.arn };
        use api = Reader { name: template!("{env}-api"), also: app.creds_arn };
        resource auditor = Role {
            role_name: "auditor",
            assume_role_policy: PolicyDocument::assumed_by("ecs-tasks.amazonaws.com"),
            policies: [InlinePolicy {
                name: "describe",
                document: PolicyDocument {
                    statements: [Statement { effect: Effect::Allow, actions: ["secretsmanager:DescribeSecret"], resources: [app.creds_arn, api.creds_arn] }],
                },
            }],
        };
        use pair = Pair { prefix: env, also: shared.arn } depends_on [auditor];
        output app_role: RoleArn = app.role_arn;
        output pair_role: RoleArn = pair.second_role;
    }
}

fn main() {
    let inst = Readers::new(ReadersParams::default()).instance();
    let names: Vec<&str> = inst.resources.iter().map(|r| r.name).collect();
    assert_eq!(
        names,
        ["shared", "app.creds", "app.role", "api.creds", "api.role", "auditor", "pair.first.creds", "pair.first.role", "pair.second.creds", "pair.second.role"]
    );
    let deps = |name: &str| inst.resource(name).unwrap().deps.to_vec();
    assert_eq!(deps("app.creds"), ["shared"], "what the inputs use comes first");
    assert_eq!(deps("app.role"), ["app.creds", "shared"]);
    assert_eq!(deps("api.role"), ["api.creds", "app.creds", "app.role"]);
    assert_eq!(deps("auditor"), ["app.creds", "app.role", "api.creds", "api.role"]);
    assert_eq!(deps("pair.second.role"), ["pair.second.creds", "pair.first.creds", "pair.first.role", "shared", "auditor"]);
    let plan = Readers::new(ReadersParams::default()).plan(&StackState::empty("readers"), Mode::Reconcile).unwrap();
    assert_eq!(plan.summary.add, 10);
}
