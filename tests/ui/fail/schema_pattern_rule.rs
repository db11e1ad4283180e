use formae_aws::s3;
use formae_macros::stack;

stack! {
    /// A literal the schema's pattern does not match fails the build at the literal.
    pub stack S = "s" {
        resource uploads = s3::Bucket { bucket_name: "My_Uploads" };
    }
}

fn main() {}
