use formae_aws::sqs;
use formae_macros::stack;

stack! {
    /// A tag key shorter than the schema's minLength of 1 fails the build at the literal.
    pub stack S = "s" {
        resource jobs = sqs::Queue {
            tags: [sqs::Tag { key: "", value: "x" }],
        };
    }
}

fn main() {}
