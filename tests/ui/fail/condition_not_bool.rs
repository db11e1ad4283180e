use formae_aws::sqs::Queue;
use formae_macros::stack;

stack! {
    /// A condition on a parameter that is not a bool.
    pub stack S = "s" {
        param env: String = "prod";
        resource extra if env = Queue { queue_name: "extra" };
    }
}

fn main() {}
