use formae_aws::refs::RoleArn;
use formae_aws::{iam, kms, lambda, s3, sqs};
use formae_macros::stack;
use formae_runtime::prelude::{AnyArn, Effect, PolicyDocument, Principal, Statement};
use formae_runtime::value::Value;

/// A trust policy, written once in plain Rust and used where a policy document goes.
fn assumed_by(service: &str) -> PolicyDocument {
    PolicyDocument {
        version: None,
        statements: vec![Statement {
            effect: Value::Lit(Effect::Allow),
            principals: vec![Value::Lit(Principal::service(service))],
            actions: vec![Value::Lit("sts:AssumeRole".to_owned())],
            ..Statement::default()
        }],
    }
}

stack! {
    /// Generated types with values inside the schema's rules, the visible escapes for a value
    /// the schema does not list and for a role made outside the stack, typed references, and
    /// typed policy documents wherever a schema property holds one.
    pub stack S = "s" {
        resource uploads = s3::Bucket {
            versioning_configuration: s3::VersioningConfiguration {
                status: s3::VersioningConfigurationStatus::Other("Paused".into()),
            },
        };
        resource jobs = sqs::Queue {
            delay_seconds: 900,
            tags: [sqs::Tag { key: "team", value: "" }],
        };
        resource worker = lambda::Function {
            role: RoleArn("arn:aws:iam::123456789012:role/worker".into()),
            code: lambda::Code { zip_file: "def handler(e, c): pass" },
            description: jobs.arn,
        };
        resource uploads_policy = s3::BucketPolicy {
            bucket: uploads.bucket_name,
            policy_document: PolicyDocument {
                statements: [Statement {
                    effect: Effect::Deny,
                    principals: [Principal::Any],
                    actions: ["s3:*"],
                    resources: [uploads.arn, template!("{uploads.arn}/*")],
                    condition: json!({ "Bool": { "aws:SecureTransport": "false" } }),
                }],
            },
        };
        resource key = kms::Key {
            key_policy: PolicyDocument {
                statements: [Statement {
                    effect: Effect::Allow,
                    principals: [Principal::aws("arn:aws:iam::123456789012:root")],
                    actions: ["kms:*"],
                    resources: [AnyArn::literal("*")],
                }],
            },
        };
        resource runner = iam::Role {
            // The schema's pattern allows no dash outside Latin-1; a template is not checked.
            description: template!("runs jobs — nightly"),
            assume_role_policy_document: assumed_by("lambda.amazonaws.com"),
            policies: [iam::RolePolicyProperty {
                policy_name: "read",
                policy_document: PolicyDocument {
                    statements: [Statement { effect: Effect::Allow, actions: ["sqs:ReceiveMessage"], resources: [jobs.arn, key.arn] }],
                },
            }],
        };
        output bucket: String = uploads.bucket_name;
    }
}

fn main() {}
