use formae_aws::s3;
use formae_macros::stack;

stack! {
    /// A policy document is typed wherever a schema property holds one: free JSON does not
    /// compile there.
    pub stack S = "s" {
        resource uploads = s3::Bucket {};
        resource uploads_policy = s3::BucketPolicy {
            bucket: uploads.bucket_name,
            policy_document: json!({ "Statement": [{ "Effect": "Allow", "Action": "s3:GetObject" }] }),
        };
    }
}

fn main() {}
