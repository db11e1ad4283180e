//! Stack references end to end: one stack reads another's outputs, typed, from its
//! recorded state; an output still read cannot be removed, nor its stack destroyed; and
//! the flagship split in two stacks deploys into the sandbox joined by references. What
//! the sandbox holds is read from it directly.

use formae_aws::sqs::Queue;
use formae_macros::stack;
use formae_runtime::deploy::{DeployError, Refresh, StackReferenceError};
use formae_runtime::ids::AnyArn;
use formae_runtime::testing::build;
use formae_runtime::Mode;
use formae_stacks::{FormaeAgent, FormaeData};
use formae_tests::cloud::{iam_policy, read};
use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;

stack! {
    /// A dead-letter queue other stacks send to.
    pub stack Shared = "shared" {
        resource dead = Queue { queue_name: "shared-dead" };
        output dead_arn: AnyArn = dead.arn;
    }
}

stack! {
    /// The same stack, its output gone.
    pub stack SharedWithout = "shared" {
        resource dead = Queue { queue_name: "shared-dead" };
    }
}

stack! {
    /// A work queue whose failures go to the shared dead-letter queue.
    pub stack Worker = "worker" {
        use stack shared = Shared;
        resource jobs = Queue {
            queue_name: "worker-jobs",
            redrive_policy: json!({ "deadLetterTargetArn": shared.dead_arn, "maxReceiveCount": 3 }),
        };
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_reads_another_and_an_output_still_read_stays() {
    let env = Env::start("stack-refs", Delays::default()).await;
    let worker = build(&Worker::ENTRY, &[]);
    // Nothing to read yet: refused, naming both stacks.
    let err = env.session().plan(&worker, Mode::Reconcile, Refresh::Cloud).await.expect_err("the shared stack is not deployed");
    assert!(matches!(&err, DeployError::StackReference(StackReferenceError::Unrecorded { stack, output, .. }) if stack == "shared" && output == "dead_arn"), "{err}");

    let (_, shared) = env.deploy(&build(&Shared::ENTRY, &[]), Mode::Reconcile).await;
    let (plan, report) = env.deploy(&worker, Mode::Reconcile).await;
    assert_eq!(plan.summary.add, 1);
    let jobs = read(&env.cx, "AWS::SQS::Queue", &report.state.resources["jobs"].cloud_id).await.expect("the worker's queue exists");
    let dead_arn = shared.outputs["dead_arn"].as_str().expect("the shared stack recorded its output").to_owned();
    assert!(jobs["RedrivePolicy"].to_string().contains(&dead_arn), "the other stack's output reached AWS: {jobs}");
    assert_eq!(env.store.readers("shared").await.unwrap(), [("dead_arn".to_owned(), "worker".to_owned())]);
    assert!(!env.plan(&worker, Mode::Reconcile).await.has_work());

    // Still read: the output cannot be removed, nor the stack destroyed.
    let err = env.session().plan(&build(&SharedWithout::ENTRY, &[]), Mode::Reconcile, Refresh::Cloud).await.expect_err("the output is read");
    assert_eq!(err.to_string(), "stack `shared` would stop recording outputs other stacks still read: `dead_arn` (read by `worker`); nothing was changed. Remove those references (`use stack`) from the readers and deploy them (or destroy them) first");
    assert!(env.session().destroy_plan("shared", Refresh::Cloud).await.is_err());

    // Once the reader is gone, so is the lock on the output.
    env.destroy("worker").await;
    assert!(env.store.readers("shared").await.unwrap().is_empty());
    env.deploy(&build(&SharedWithout::ENTRY, &[]), Mode::Reconcile).await;
    env.destroy("shared").await;
    env.sandbox.assert_conformant();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_split_flagship_deploys_as_two_stacks_joined_by_references() {
    let env = Env::start("split-flagship", Delays::default()).await;
    let (_, data) = env.deploy(&build(&FormaeData::ENTRY, &[]), Mode::Reconcile).await;
    let cluster_arn = data.outputs["db_cluster_arn"].as_str().expect("the data stack records its cluster").to_owned();
    let (plan, agent) = env.deploy(&build(&FormaeAgent::ENTRY, &[]), Mode::Reconcile).await;
    assert_eq!(plan.summary.add, 6, "config, three roles, the service and its check");
    // The agent's task role may use the data stack's cluster, read across stacks.
    let policy = env.cx.iam.get_role_policy().role_name("formae-ecs-task-role").policy_name("formae-data-api").send().await.expect("the task role's policy");
    let document = iam_policy(&policy.policy_document);
    assert_eq!(document["Statement"][0]["Resource"], cluster_arn.as_str(), "{document}");
    // Its config names the cluster, and the service is up and healthy.
    let config = env.cx.secrets.get_secret_value().secret_id("formae-config").send().await.expect("the config secret");
    assert!(config.secret_string().unwrap_or_default().contains(&format!("clusterArn = \"{cluster_arn}\"")));
    assert_eq!(agent.state.resources["health"].outputs["status"], 200);
    // The data stack cannot go while the agent reads it.
    let err = env.session().destroy_plan("formae-data", Refresh::Cloud).await.expect_err("still read by the agent");
    assert!(err.to_string().contains("(read by `formae-agent`)"), "{err}");
    env.destroy("formae-agent").await;
    let (plan, _) = env.destroy("formae-data").await;
    assert_eq!(plan.summary.destroy, 4);
    env.sandbox.assert_conformant();
}

