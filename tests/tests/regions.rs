//! Regions end to end: a stack with queues in two regions (and then a third) deploys,
//! plans no change, moves one queue to another region by replacing it, and destroys;
//! each region's queues are listed from the sandbox directly, through Cloud Control in
//! that region.

use formae_aws::sqs::Queue;
use formae_macros::stack;
use formae_runtime::testing::build;
use formae_runtime::{Action, Mode};
use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;

stack! {
    /// A queue in the stack's region, and its replica elsewhere.
    pub stack TwoRegions = "two-regions" {
        /// Where the replica lives.
        param replica_region: String = "eu-west-1";
        resource home = Queue { queue_name: "regions-home" };
        #[region(replica_region)]
        resource away = Queue { queue_name: "regions-away" };
    }
}

/// The names of this test's queues in `region`, sorted.
async fn queues_in(env: &Env, region: &str) -> Vec<String> {
    let cx = env.cx.for_region(Some(region));
    let out = cx.cloudcontrol.list_resources().type_name("AWS::SQS::Queue").send().await.expect("ListResources");
    let mut names: Vec<String> = out
        .resource_descriptions()
        .iter()
        .filter_map(|d| d.identifier())
        .filter_map(|url| url.rsplit('/').next())
        .filter(|n| n.starts_with("regions-"))
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_in_two_regions_deploys_moves_and_destroys() {
    let env = Env::start("regions", Delays::default()).await;
    assert_eq!(env.cx.region, "us-east-1");
    let stack = build(&TwoRegions::ENTRY, &[]);
    let (_, report) = env.deploy(&stack, Mode::Reconcile).await;
    assert_eq!(queues_in(&env, "us-east-1").await, ["regions-home"]);
    assert_eq!(queues_in(&env, "eu-west-1").await, ["regions-away"]);
    assert!(report.state.resources["away"].outputs["Arn"].as_str().is_some_and(|a| a.contains(":eu-west-1:")));
    assert_eq!(report.state.resources["away"].region.as_deref(), Some("eu-west-1"), "the record says where it lives");
    assert_eq!(report.state.resources["home"].region, None);
    // Read back in its own region: no drift, nothing to do.
    let plan = env.plan(&stack, Mode::Reconcile).await;
    assert!(plan.drift.is_empty() && !plan.has_work(), "{:?}", plan.drift);

    // Another region for the replica: replaced there, gone from the first.
    let moved = build(&TwoRegions::ENTRY, &["replica_region=us-west-2"]);
    let (plan, _) = env.deploy(&moved, Mode::Reconcile).await;
    let away = plan.change("away").expect("the replica is planned");
    assert_eq!(away.action, Action::Replace);
    assert_eq!(away.reason.as_deref(), Some("it moves from region eu-west-1 to region us-west-2"));
    assert!(queues_in(&env, "eu-west-1").await.is_empty());
    assert_eq!(queues_in(&env, "us-west-2").await, ["regions-away"]);

    env.destroy("two-regions").await;
    for region in ["us-east-1", "eu-west-1", "us-west-2"] {
        assert!(queues_in(&env, region).await.is_empty(), "{region}");
    }
    env.sandbox.assert_conformant();
}
