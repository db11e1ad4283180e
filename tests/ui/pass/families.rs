use formae_aws::sqs::Queue;
use formae_macros::stack;
use formae_runtime::prelude::*;
use formae_runtime::{Mode, StackState};

stack! {
    /// A secret per tenant, a reader of them all, a queue per literal key.
    pub stack Tenants = "tenants" {
        param tenants: List<String> = ["a", "b"];
        resource creds[tenant in tenants] = Secret {
            name: template!("{tenant}-creds"),
            description: tenant,
            secret_string: SecretSource::env("TENANT_SECRET"),
        };
        /// Each tenant's reader may read its own secret only.
        resource readers[tenant in tenants] = Role {
            role_name: template!("{tenant}-reader"),
            assume_role_policy: PolicyDocument::assumed_by("ecs-tasks.amazonaws.com"),
            policies: [InlinePolicy {
                name: "read",
                document: PolicyDocument {
                    statements: [Statement { effect: Effect::Allow, actions: ["secretsmanager:GetSecretValue"], resources: [creds[tenant].arn] }],
                },
            }],
        };
        resource auditor = Role {
            role_name: "auditor",
            assume_role_policy: PolicyDocument::assumed_by("ecs-tasks.amazonaws.com"),
            policies: [InlinePolicy {
                name: "read-all",
                document: PolicyDocument {
                    statements: [Statement { effect: Effect::Allow, actions: ["secretsmanager:DescribeSecret"], resources: creds[..].arn }],
                },
            }],
        };
        resource queues[q in ["jobs", "mail"]] = Queue { queue_name: template!("{q}-queue") } depends_on [auditor];
        /// Each tenant's timeout, by tenant.
        param timeouts: Map<i64> = [("a", 30), ("b", 60)];
        resource slow[(tenant, seconds) in timeouts] = Queue { queue_name: template!("{tenant}-slow"), visibility_timeout: seconds };
        output first_reader: RoleArn = readers["a"].arn;
    }
}

fn main() {
    let stack = Tenants::new(TenantsParams::default());
    let inst = stack.instance();
    let names: Vec<&str> = inst.resources.iter().map(|r| r.name).collect();
    assert_eq!(
        names,
        [
            r#"creds["a"]"#,
            r#"creds["b"]"#,
            r#"readers["a"]"#,
            r#"readers["b"]"#,
            "auditor",
            r#"queues["jobs"]"#,
            r#"queues["mail"]"#,
            r#"slow["a"]"#,
            r#"slow["b"]"#,
        ]
    );
    assert_eq!(inst.resources[4].deps, [r#"creds["a"]"#, r#"creds["b"]"#]);
    assert_eq!(inst.resources[5].deps, ["auditor"]);
    let plan = stack.plan(&StackState::empty("tenants"), Mode::Reconcile).unwrap();
    assert_eq!(plan.summary.add, 9);
    let b = plan.change(r#"slow["b"]"#).unwrap().after.as_ref().unwrap();
    assert_eq!(b.value["VisibilityTimeout"], 60, "each member is built with its key's value");
    // A third tenant from the command line: its members only are new.
    let args = [("tenants".to_owned(), "a,b,c".to_owned())];
    let three = Tenants::new(TenantsParams::from_args(&args).unwrap()).instance();
    assert_eq!(three.resources.len(), 11);
}
