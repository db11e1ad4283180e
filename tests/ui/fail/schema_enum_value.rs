use formae_aws::s3;
use formae_macros::stack;

stack! {
    /// Text where the schema lists the values: the enum's variant is asked for, and a value
    /// the schema does not list goes through the visible `Other(..)`.
    pub stack S = "s" {
        resource uploads = s3::Bucket {
            versioning_configuration: s3::VersioningConfiguration { status: "Enabled" },
        };
    }
}

fn main() {}
