//! Conditions: a resource present only when a bool parameter says so, planned as it is
//! switched on and off.

use formae_aws::sqs::Queue;
use formae_macros::stack;
use formae_runtime::ids::AnyArn;
use formae_runtime::testing::{build, deployed_state, empty_state, plan, plan_text};
use formae_runtime::Action;

stack! {
    /// A work queue, and its dead-letter queue only when asked for.
    pub stack Maybe = "maybe" {
        param with_dead_letters: bool = false;
        resource dead_letters if with_dead_letters = Queue { queue_name: "maybe-dead" };
        resource jobs = Queue { queue_name: "maybe-jobs" };
        resource alarms if with_dead_letters = Queue {
            queue_name: "maybe-alarms",
            redrive_policy: json!({ "deadLetterTargetArn": dead_letters.arn, "maxReceiveCount": 3 }),
        };
        output dead_letters_arn: Option<AnyArn> = dead_letters.arn;
    }
}

#[test]
fn a_condition_switched_on_then_off() {
    let off = build(&Maybe::ENTRY, &[]);
    let on = build(&Maybe::ENTRY, &["with_dead_letters=true"]);
    let deployed_off = deployed_state(&off);
    // On: its resources are created, the rest untouched.
    let p = plan(&on, &deployed_off);
    let acted: Vec<(&str, Action)> = p.changes.iter().filter(|c| c.action != Action::NoOp).map(|c| (c.resource.as_str(), c.action)).collect();
    assert_eq!(acted, [("dead_letters", Action::Create), ("alarms", Action::Create)]);
    insta::assert_snapshot!("condition_on", plan_text(&on, &deployed_off));
    // Off again: they are deleted, the rest untouched.
    let deployed_on = deployed_state(&on);
    insta::assert_snapshot!("condition_off", plan_text(&off, &deployed_on));
    assert_eq!(plan(&off, &empty_state(&off)).summary.add, 1);
}
