//! Families end to end: a queue per tenant, grown and shrunk by key. Only the members
//! whose keys came or went are touched; the others keep their queues. What the sandbox
//! holds is read from it directly, through Cloud Control.

use formae_aws::sqs::Queue;
use formae_macros::stack;
use formae_runtime::testing::{build, deployed_state, plan_text};
use formae_runtime::{Action, List, Mode, Plan};
use formae_tests::cloud::read;
use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;
use serde_json::Value as Json;

stack! {
    /// A work queue per tenant, each with its own dead-letter queue.
    pub stack Tenants = "tenants" {
        param tenants: List<String> = ["a", "b", "c"];
        resource dead_letters[tenant in tenants] = Queue { queue_name: template!("tenants-{tenant}-dead") };
        resource jobs[tenant in tenants] = Queue {
            queue_name: template!("tenants-{tenant}-jobs"),
            redrive_policy: json!({ "deadLetterTargetArn": dead_letters[tenant].arn, "maxReceiveCount": 3 }),
        };
    }
}

fn actions(plan: &Plan) -> Vec<(String, Action)> {
    plan.changes.iter().filter(|c| c.action != Action::NoOp).map(|c| (c.resource.clone(), c.action)).collect()
}

fn tag(model: &Json, key: &str) -> Option<String> {
    model["Tags"].as_array()?.iter().find(|t| t["Key"] == key).and_then(|t| t["Value"].as_str()).map(str::to_owned)
}

/// The names of the tenants' queues in the sandbox, sorted.
async fn queue_names(env: &Env) -> Vec<String> {
    let out = env.cx.cloudcontrol.list_resources().type_name("AWS::SQS::Queue").send().await.expect("ListResources");
    let mut names: Vec<String> = out
        .resource_descriptions()
        .iter()
        .filter_map(|d| d.identifier())
        .filter_map(|url| url.rsplit('/').next())
        .filter(|n| n.starts_with("tenants-"))
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

#[test]
fn a_family_grows_and_shrinks_by_key_in_the_plan() {
    let three = build(&Tenants::ENTRY, &[]);
    let state = deployed_state(&three);
    // Growing by one key and shrinking by two, at once: only those members change.
    insta::assert_snapshot!("family_grow_and_shrink", plan_text(&build(&Tenants::ENTRY, &["tenants=b,d"]), &state));
    // A key named twice is refused before anything is planned.
    let twice = build(&Tenants::ENTRY, &["tenants=a,a"]);
    let err = formae_runtime::plan(&twice, &state, Mode::Reconcile, &formae_runtime::testing::FixedSecrets).unwrap_err();
    assert_eq!(
        err.to_string(),
        "stack `tenants` has families whose keys do not work; nothing was changed:\n  - `dead_letters[\"a\"]`: parameter `tenants` lists \"a\" twice; each key makes one member\n  - `jobs[\"a\"]`: parameter `tenants` lists \"a\" twice; each key makes one member"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_family_of_three_grows_to_four_and_shrinks_to_two_touching_only_what_changed() {
    let env = Env::start("families", Delays::default()).await;
    let (plan, report) = env.deploy(&build(&Tenants::ENTRY, &[]), Mode::Reconcile).await;
    assert_eq!(plan.summary.add, 6);
    let ids = |r: &formae_runtime::engine::ApplyReport| -> Vec<(String, String)> {
        r.state.resources.iter().map(|(n, rec)| (n.clone(), rec.cloud_id.clone())).collect()
    };
    let before = ids(&report);
    assert_eq!(queue_names(&env).await, ["tenants-a-dead", "tenants-a-jobs", "tenants-b-dead", "tenants-b-jobs", "tenants-c-dead", "tenants-c-jobs"]);
    let b_jobs = read(&env.cx, "AWS::SQS::Queue", &report.state.resources[r#"jobs["b"]"#].cloud_id).await.expect("b's queue exists");
    assert_eq!(tag(&b_jobs, "formae:resource").as_deref(), Some("jobs/b"), "the ownership tag in AWS's characters: {b_jobs}");

    // Four: only d's two queues are made.
    let (plan, report) = env.deploy(&build(&Tenants::ENTRY, &["tenants=a,b,c,d"]), Mode::Reconcile).await;
    assert_eq!(actions(&plan), [(r#"dead_letters["d"]"#.to_owned(), Action::Create), (r#"jobs["d"]"#.to_owned(), Action::Create)]);
    let kept: Vec<(String, String)> = ids(&report).into_iter().filter(|(n, _)| !n.contains("\"d\"")).collect();
    assert_eq!(kept, before, "a, b and c keep their queues");
    assert_eq!(queue_names(&env).await.len(), 8);

    // Two: a and c go, b and d stay as they are.
    let (plan, report) = env.deploy(&build(&Tenants::ENTRY, &["tenants=b,d"]), Mode::Reconcile).await;
    let mut gone = actions(&plan);
    gone.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        gone,
        [
            (r#"dead_letters["a"]"#.to_owned(), Action::Delete),
            (r#"dead_letters["c"]"#.to_owned(), Action::Delete),
            (r#"jobs["a"]"#.to_owned(), Action::Delete),
            (r#"jobs["c"]"#.to_owned(), Action::Delete),
        ]
    );
    assert_eq!(queue_names(&env).await, ["tenants-b-dead", "tenants-b-jobs", "tenants-d-dead", "tenants-d-jobs"]);
    let b = read(&env.cx, "AWS::SQS::Queue", &report.state.resources[r#"jobs["b"]"#].cloud_id).await.expect("b's queue is still there");
    assert_eq!(report.state.resources[r#"jobs["b"]"#].cloud_id, before.iter().find(|(n, _)| n == r#"jobs["b"]"#).map(|(_, id)| id.clone()).unwrap_or_default());
    assert!(b["RedrivePolicy"].to_string().contains("tenants-b-dead"), "{b}");
    env.destroy("tenants").await;
    assert!(queue_names(&env).await.is_empty());
    env.sandbox.assert_conformant();
}
