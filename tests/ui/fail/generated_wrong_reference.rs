use formae_aws::{lambda, sqs};
use formae_macros::stack;

stack! {
    /// A queue's ARN where the function's role ARN belongs does not compile.
    pub stack S = "s" {
        resource jobs = sqs::Queue {};
        resource worker = lambda::Function {
            role: jobs.arn,
            code: lambda::Code { zip_file: "def handler(e, c): pass" },
        };
    }
}

fn main() {}
