//! Components: a work queue with its dead-letter queue, written once and used twice.
//! Planned, then deployed into the sandbox, where each queue's ownership tag carries its
//! address (`mail.jobs`), read from the sandbox directly through Cloud Control.

use formae_aws::sqs::Queue;
use formae_macros::{component, stack};
use formae_runtime::ids::AnyArn;
use formae_runtime::testing::{build, empty_state, plan_text};
use formae_runtime::Mode;
use formae_tests::cloud::read;
use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;
use serde_json::Value as Json;

component! {
    /// A work queue whose failed messages go to a dead-letter queue of its own.
    pub component WorkQueue {
        /// The queues' name prefix.
        input name: String;
        resource dead = Queue { queue_name: template!("{name}-dead") };
        resource jobs = Queue {
            queue_name: template!("{name}-jobs"),
            redrive_policy: json!({ "deadLetterTargetArn": dead.arn, "maxReceiveCount": 5 }),
        };
        /// The work queue.
        output jobs_arn: AnyArn = jobs.arn;
    }
}

stack! {
    /// Two work queues, for mail and for reports.
    pub stack Work = "work" {
        param env: String = "dev";
        use mail = WorkQueue { name: template!("{env}-mail") };
        use reports = WorkQueue { name: template!("{env}-reports") };
        output mail_jobs: AnyArn = mail.jobs_arn;
    }
}

fn tag(model: &Json, key: &str) -> Option<String> {
    model["Tags"].as_array()?.iter().find(|t| t["Key"] == key).and_then(|t| t["Value"].as_str()).map(str::to_owned)
}

#[test]
fn a_component_used_twice_plans_each_instance_under_its_name() {
    let stack = build(&Work::ENTRY, &[]);
    insta::assert_snapshot!("component_used_twice", plan_text(&stack, &empty_state(&stack)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_used_twice_deploys_under_its_addresses() {
    let env = Env::start("components", Delays::default()).await;
    let stack = build(&Work::ENTRY, &[]);
    let (plan, report) = env.deploy(&stack, Mode::Reconcile).await;
    assert_eq!(plan.summary.add, 4);
    assert_eq!(report.state.resources.keys().collect::<Vec<_>>(), ["mail.dead", "mail.jobs", "reports.dead", "reports.jobs"]);
    let jobs = read(&env.cx, "AWS::SQS::Queue", &report.state.resources["mail.jobs"].cloud_id).await.expect("the mail queue exists");
    assert_eq!(jobs["QueueName"], "dev-mail-jobs");
    assert_eq!(tag(&jobs, "formae:resource").as_deref(), Some("mail.jobs"), "{jobs}");
    assert!(jobs["RedrivePolicy"].to_string().contains("dev-mail-dead"), "each instance's queue uses its own dead-letter queue: {jobs}");
    assert_eq!(report.outputs["mail_jobs"], report.state.resources["mail.jobs"].outputs["Arn"]);
    assert!(!env.plan(&stack, Mode::Reconcile).await.has_work(), "deployed, it plans nothing");
    env.destroy("work").await;
    env.sandbox.assert_conformant();
}

stack! {
    /// The mail queues before they were a component.
    pub stack Loose = "work" {
        resource dead = Queue { queue_name: "dev-mail-dead" };
        resource jobs = Queue {
            queue_name: "dev-mail-jobs",
            redrive_policy: json!({ "deadLetterTargetArn": dead.arn, "maxReceiveCount": 5 }),
        };
    }
}

stack! {
    /// The same queues, moved into an instance of the component.
    pub stack Grouped = "work" {
        use mail = WorkQueue { name: "dev-mail" };
        moved dead => mail.dead;
        moved jobs => mail.jobs;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_moved_into_a_component_are_re_addressed_not_replaced() {
    let env = Env::start("component-move", Delays::default()).await;
    let (_, before) = env.deploy(&build(&Loose::ENTRY, &[]), Mode::Reconcile).await;
    let grouped = build(&Grouped::ENTRY, &[]);
    let (plan, after) = env.deploy(&grouped, Mode::Reconcile).await;
    assert_eq!((plan.summary.add, plan.summary.change, plan.summary.destroy), (0, 2, 0), "two re-tagging updates, nothing made or destroyed");
    assert_eq!(plan.change("mail.jobs").and_then(|c| c.lifecycle.moved_from.as_deref()), Some("jobs"));
    assert_eq!(after.state.resources.keys().collect::<Vec<_>>(), ["mail.dead", "mail.jobs"]);
    assert_eq!(after.state.resources["mail.jobs"].cloud_id, before.state.resources["jobs"].cloud_id, "the same queue");
    let jobs = read(&env.cx, "AWS::SQS::Queue", &after.state.resources["mail.jobs"].cloud_id).await.expect("the queue is still there");
    assert_eq!(tag(&jobs, "formae:resource").as_deref(), Some("mail.jobs"), "{jobs}");
    assert!(!env.plan(&grouped, Mode::Reconcile).await.has_work(), "once made, the moves are nothing");
    env.destroy("work").await;
    env.sandbox.assert_conformant();
}
