use formae_aws::sqs::Queue;
use formae_macros::stack;

stack! {
    /// A replacement created first would ask for the name the old queue still holds.
    pub stack S = "s" {
        #[create_before_destroy]
        resource jobs = Queue { queue_name: "jobs", visibility_timeout: 30 };
    }
}

fn main() {}
