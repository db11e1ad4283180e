use formae_aws::sqs::Queue;
use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// What exists under a condition, used where it may not exist.
    pub stack S = "s" {
        param on: bool = true;
        param name: String = "x";
        resource extra if on = Queue { queue_name: "extra" };
        resource other if !on = Queue { queue_name: "other" };
        resource always = Queue { queue_name: template!("{extra.arn}") };
        resource opposite if !on = Queue { queue_name: "opposite" } depends_on [extra];
        resource by_resource if always = Queue { queue_name: "r" };
        output plain: AnyArn = extra.arn;
        output mixed: Option<String> = template!("{extra.arn} {other.arn}");
    }
}

fn main() {}
