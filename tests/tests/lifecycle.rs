//! Lifecycle settings end to end: a declared move re-addresses and re-tags a queue and
//! destroys nothing, a replacement created first leaves no gap, ignored changes stay
//! unapplied, and protection refuses `destroy` until a deploy lifts it. What the sandbox
//! holds is read from it directly, through Cloud Control.

use formae_aws::sqs::Queue;
use formae_macros::stack;
use formae_runtime::deploy::Refresh;
use formae_runtime::engine::Op;
use formae_runtime::plan::{render_text, RenderOptions};
use formae_runtime::testing::{build, deployed_state, plan_text};
use formae_runtime::{Action, Mode};
use formae_tests::cloud::read;
use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;
use serde_json::Value as Json;

stack! {
    /// A work queue and a spare one, replaced before it is destroyed.
    pub stack Before = "lifecycle" {
        param generation: String = "1";
        resource jobs = Queue { queue_name: "lifecycle-jobs", visibility_timeout: 30 };
        #[create_before_destroy]
        resource spare = Queue { queue_name: template!("lifecycle-spare-{generation}") };
    }
}

stack! {
    /// The same queues, the work queue renamed `work`, protected while `keep` is, and its
    /// visibility timeout left to whoever tunes it.
    pub stack After = "lifecycle" {
        param generation: String = "1";
        param keep: bool = true;
        #[moved_from(jobs)]
        #[protect(keep)]
        #[ignore_changes(visibility_timeout)]
        resource work = Queue { queue_name: "lifecycle-jobs", visibility_timeout: 45 };
        #[create_before_destroy]
        resource spare = Queue { queue_name: template!("lifecycle-spare-{generation}") };
    }
}

fn tag(model: &Json, key: &str) -> Option<String> {
    model["Tags"].as_array()?.iter().find(|t| t["Key"] == key).and_then(|t| t["Value"].as_str()).map(str::to_owned)
}

async fn queue_count(env: &Env) -> usize {
    let out = env.cx.cloudcontrol.list_resources().type_name("AWS::SQS::Queue").send().await.expect("ListResources");
    out.resource_descriptions().iter().filter(|d| d.properties().is_some_and(|p| p.contains("lifecycle-"))).count()
}

#[test]
fn lifecycle_plans_are_as_reviewed() {
    let before = build(&Before::ENTRY, &[]);
    let after = build(&After::ENTRY, &["generation=2"]);
    let state = deployed_state(&before);
    // A move, an ignored change and a replacement created first.
    insta::assert_snapshot!("lifecycle_move", plan_text(&after, &state));
    // The protected refusal: destroying what was deployed protected.
    let protected = deployed_state(&build(&After::ENTRY, &[]));
    let nothing = formae_runtime::StackInstance::with_capacity("lifecycle", 0);
    let err = formae_runtime::plan(&nothing, &protected, Mode::Reconcile, &formae_runtime::testing::FixedSecrets).unwrap_err();
    insta::assert_snapshot!("lifecycle_protected_refusal", err.to_string());
    // Lifting it is a plan with nothing else to do.
    let lifted = formae_runtime::testing::plan(&build(&After::ENTRY, &["keep=false"]), &protected);
    assert!(!lifted.has_changes() && lifted.has_work());
    insta::assert_snapshot!("lifecycle_unprotect", render_text(&lifted, RenderOptions::default()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_destroys_nothing_a_replacement_comes_first_and_protection_holds() {
    let env = Env::start("lifecycle", Delays::default()).await;
    let (_, report) = env.deploy(&build(&Before::ENTRY, &[]), Mode::Reconcile).await;
    let jobs = report.state.resources["jobs"].cloud_id.clone();
    let spare = report.state.resources["spare"].cloud_id.clone();
    assert_eq!(queue_count(&env).await, 2);

    // The move: the same queue, now recorded and tagged as `work`; nothing created or
    // destroyed, and the changed timeout left as it is.
    let after = build(&After::ENTRY, &[]);
    let (plan, report) = env.deploy(&after, Mode::Reconcile).await;
    assert_eq!((plan.summary.add, plan.summary.change, plan.summary.destroy), (0, 1, 0));
    let work = plan.change("work").expect("the moved queue is planned");
    assert_eq!((work.action, work.lifecycle.moved_from.as_deref()), (Action::Update, Some("jobs")));
    assert_eq!(work.lifecycle.ignored, vec!["VisibilityTimeout"]);
    assert_eq!(report.state.resources["work"].cloud_id, jobs, "the same queue");
    assert!(!report.state.resources.contains_key("jobs"));
    assert!(report.state.resources["work"].protected);
    let model = read(&env.cx, "AWS::SQS::Queue", &jobs).await.expect("the queue is still there");
    assert_eq!(tag(&model, "formae:resource").as_deref(), Some("work"), "re-tagged: {model}");
    assert_eq!(model["VisibilityTimeout"], 30, "the ignored change was not applied: {model}");
    assert_eq!(queue_count(&env).await, 2);
    let recorded = env.store.load("lifecycle").await.expect("the state loads");
    assert_eq!(recorded.resources.keys().collect::<Vec<_>>(), vec!["spare", "work"]);
    assert!(!env.plan(&after, Mode::Reconcile).await.has_work(), "made once, the move is nothing");

    // The replacement is created, then the old queue deleted.
    let next = build(&After::ENTRY, &["generation=2"]);
    let (plan, report) = env.deploy(&next, Mode::Reconcile).await;
    assert_eq!(plan.steps, vec![vec!["spare".to_owned()], vec!["spare (deposed) (delete)".to_owned()]]);
    let done: Vec<(&str, Op)> = report.done.iter().map(|(r, op, _)| (r.as_str(), *op)).collect();
    assert_eq!(done, vec![("spare", Op::Create), ("spare (deposed)", Op::Delete)]);
    let new_spare = report.state.resources["spare"].cloud_id.clone();
    assert_ne!(new_spare, spare);
    assert!(read(&env.cx, "AWS::SQS::Queue", &spare).await.is_none(), "the old spare queue is gone");
    assert!(read(&env.cx, "AWS::SQS::Queue", &new_spare).await.is_some());
    assert_eq!(queue_count(&env).await, 2);
    assert_eq!(env.store.load("lifecycle").await.expect("the state loads").resources.len(), 2, "no deposed record is left");

    // Protected: destroy is refused before anything changes, naming the queue.
    let err = env.session().destroy_plan("lifecycle", Refresh::Cloud).await.expect_err("destroying a protected queue is refused");
    assert!(err.to_string().contains("`work` (AWS::SQS::Queue): the plan would delete it"), "{err}");
    assert_eq!(queue_count(&env).await, 2);

    // Lifted by a deploy that changes nothing else; then destroy goes ahead.
    let (plan, _) = env.deploy(&build(&After::ENTRY, &["generation=2", "keep=false"]), Mode::Reconcile).await;
    assert!(!plan.has_changes());
    assert!(!env.store.load("lifecycle").await.expect("the state loads").resources["work"].protected);
    env.destroy("lifecycle").await;
    assert_eq!(queue_count(&env).await, 0);
    env.sandbox.assert_conformant();
}
