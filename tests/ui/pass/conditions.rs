use formae_aws::sqs::Queue;
use formae_macros::{component, stack};
use formae_runtime::prelude::*;
use formae_runtime::StackState;

component! {
    /// An alarm queue.
    pub component Alarm {
        input name: String;
        resource queue = Queue { queue_name: name };
        output arn: AnyArn = queue.arn;
    }
}

stack! {
    /// A queue always, and a dead-letter queue and its alarm queue only when asked.
    pub stack Maybe = "maybe" {
        param with_dead_letters: bool = false;
        resource dead_letters if with_dead_letters = Queue { queue_name: "maybe-dead" };
        resource alarms if with_dead_letters = Queue {
            queue_name: "maybe-alarms",
            redrive_policy: json!({ "deadLetterTargetArn": dead_letters.arn, "maxReceiveCount": 3 }),
        };
        resource fallback if !with_dead_letters = Queue { queue_name: "maybe-fallback" };
        resource jobs = Queue { queue_name: "maybe-jobs" };
        use alarm if with_dead_letters = Alarm { name: "maybe-alarm" };
        output dead_letters_arn: Option<AnyArn> = dead_letters.arn;
        output alarm_arn: Option<AnyArn> = alarm.arn;
        output jobs_arn: AnyArn = jobs.arn;
    }
}

fn main() {
    let off = Maybe::new(MaybeParams::default()).instance();
    assert_eq!(off.resources.iter().map(|r| r.name).collect::<Vec<_>>(), ["fallback", "jobs"]);
    assert_eq!(off.outputs.iter().map(|o| o.name).collect::<Vec<_>>(), ["jobs_arn"]);
    let on = Maybe::new(MaybeParams::from_args(&[("with_dead_letters".to_owned(), "true".to_owned())]).unwrap()).instance();
    assert_eq!(on.resources.iter().map(|r| r.name).collect::<Vec<_>>(), ["dead_letters", "alarms", "jobs", "alarm.queue"]);
    assert_eq!(on.outputs.len(), 3);
    assert_eq!(off.off_because("alarm.queue"), Some("with_dead_letters"), "a component's resources are off with it");
    // An optional output is `None` when its condition was off, not an error.
    let mut state = StackState::empty("maybe");
    state.outputs.insert("jobs_arn".into(), "arn:aws:sqs:us-east-1:1:maybe-jobs".into());
    let outputs = Maybe::outputs(&state).unwrap();
    assert!(outputs.dead_letters_arn.is_none());
}
