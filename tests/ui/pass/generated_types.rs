use formae_aws::refs::RoleArn;
use formae_aws::{lambda, s3, sqs};
use formae_macros::stack;

stack! {
    /// Generated types with values inside the schema's rules, the visible escapes for a value
    /// the schema does not list and for a role made outside the stack, and typed references.
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
        output bucket: String = uploads.bucket_name;
    }
}

fn main() {}
