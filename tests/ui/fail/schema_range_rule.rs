use formae_aws::sqs;
use formae_macros::stack;

stack! {
    /// A delay above the schema's maximum of 900 fails the build at the literal.
    pub stack S = "s" {
        resource jobs = sqs::Queue {
            delay_seconds: 901,
        };
    }
}

fn main() {}
