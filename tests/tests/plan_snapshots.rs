//! The flagship's plans, pinned: fresh, an in-place update, a replacement, and the
//! deletes of reconcile mode against the keeping of patch mode.

use formae_runtime::plan::{render_text, RenderOptions};
use formae_runtime::resource::split_params;
use formae_runtime::{plan, Action, Mode, Plan, StackInstance};
use formae_stacks::EcsExpressAgent;
use formae_tests::{deployed_state, FixedSecrets, TEST_PASSWORD};

fn flagship(params: &[&str]) -> StackInstance {
    let args: Vec<String> = params.iter().map(|s| (*s).to_owned()).collect();
    (EcsExpressAgent::ENTRY.build)(&split_params(&args).unwrap()).unwrap()
}

fn text(p: &Plan) -> String {
    render_text(p, RenderOptions { color: false })
}

fn assert_no_secret(p: &Plan) {
    let json = serde_json::to_string(p).unwrap();
    assert!(!json.contains(TEST_PASSWORD), "the password leaked into the plan JSON");
    assert!(!text(p).contains(TEST_PASSWORD), "the password leaked into the plan text");
}

#[test]
fn fresh_plan_creates_every_resource_of_the_guide() {
    let stack = flagship(&[]);
    let p = plan(&stack, &formae_runtime::StackState::empty(stack.name), Mode::Reconcile, &FixedSecrets).unwrap();
    assert_eq!(p.summary.add, 10);
    assert!(p.changes.iter().all(|c| c.action == Action::Create));
    assert_no_secret(&p);
    insta::assert_snapshot!("fresh", text(&p));
    insta::assert_json_snapshot!("fresh_json", p);
}

#[test]
fn redeploying_unchanged_plans_nothing() {
    let stack = flagship(&[]);
    let state = deployed_state(&stack);
    let p = plan(&stack, &state, Mode::Reconcile, &FixedSecrets).unwrap();
    assert!(!p.has_changes(), "{}", text(&p));
    insta::assert_snapshot!("no_changes", text(&p));
}

#[test]
fn cpu_and_memory_change_updates_the_service_in_place() {
    let state = deployed_state(&flagship(&[]));
    let p = plan(&flagship(&["cpu=2048", "memory=4096"]), &state, Mode::Reconcile, &FixedSecrets).unwrap();
    assert_eq!(p.change("agent").unwrap().action, Action::Update);
    // The check of the agent's health runs again after the agent changes.
    assert_eq!(p.change("health").unwrap().action, Action::Update);
    assert_eq!((p.summary.add, p.summary.change, p.summary.destroy), (0, 2, 0));
    insta::assert_snapshot!("update", text(&p));
}

#[test]
fn cluster_identifier_change_replaces_the_cluster_and_what_is_bound_to_it() {
    let state = deployed_state(&flagship(&[]));
    let p = plan(&flagship(&["db_cluster_id=formae-db-2"]), &state, Mode::Reconcile, &FixedSecrets).unwrap();
    let cluster = p.change("db_cluster").unwrap();
    assert_eq!(cluster.action, Action::Replace);
    assert!(cluster.fields.iter().any(|f| f.path == "DBClusterIdentifier" && f.forces_replacement));
    // The instance and the database are bound to the cluster by create-only references.
    assert_eq!(p.change("db_instance").unwrap().action, Action::Replace);
    assert_eq!(p.change("database").unwrap().action, Action::Replace);
    // The config text and the task role's policy name the cluster ARN: updated in place.
    assert_eq!(p.change("config").unwrap().action, Action::Update);
    assert_eq!(p.change("task_role").unwrap().action, Action::Update);
    assert_no_secret(&p);
    insta::assert_snapshot!("replace", text(&p));
    // The cluster, its instance and the database hold data: the plan is refused unless
    // data loss is allowed, naming each; the role and the secret it updates are not data.
    let refused = formae_runtime::plan::data_loss::check(&p, false).expect_err("a plan that replaces the database is refused");
    let names: Vec<&str> = refused.losses.iter().map(|l| l.resource.as_str()).collect();
    assert_eq!(names, ["db_cluster", "db_instance", "database"]);
    insta::assert_snapshot!("data_loss_refusal", refused.to_string());
    assert!(formae_runtime::plan::data_loss::check(&p, true).is_ok(), "allowed, it goes ahead");
    let cpu_only = plan(&flagship(&["cpu=2048", "memory=4096"]), &state, Mode::Reconcile, &FixedSecrets).unwrap();
    assert!(cpu_only.data_loss().is_empty(), "an update in place loses nothing");
}

#[test]
fn reconcile_deletes_a_resource_removed_from_the_stack_and_patch_keeps_it() {
    let full = flagship(&[]);
    let state = deployed_state(&full);
    let mut reduced = full.clone();
    reduced.resources.retain(|r| r.name != "health");

    let reconcile = plan(&reduced, &state, Mode::Reconcile, &FixedSecrets).unwrap();
    assert_eq!(reconcile.change("health").unwrap().action, Action::Delete);
    assert_eq!(reconcile.summary.destroy, 1);
    insta::assert_snapshot!("delete", text(&reconcile));

    let patch = plan(&reduced, &state, Mode::Patch, &FixedSecrets).unwrap();
    assert!(patch.change("health").is_none());
    assert_eq!(patch.kept, vec!["health".to_owned()]);
    assert!(!patch.has_changes());
}

#[test]
fn password_change_is_detected_without_showing_it() {
    let state = deployed_state(&flagship(&[]));
    struct Other;
    impl formae_runtime::plan::SecretReader for Other {
        fn read(&self, _: &formae_runtime::SecretSource) -> Result<String, formae_runtime::resolve::SecretError> {
            Ok("a-new-password".into())
        }
    }
    let p = plan(&flagship(&[]), &state, Mode::Reconcile, &Other).unwrap();
    assert_eq!(p.change("db_creds").unwrap().action, Action::Update);
    assert_eq!(p.change("db_cluster").unwrap().action, Action::Update);
    let t = text(&p);
    assert!(!t.contains("a-new-password"));
    assert!(t.contains("(sensitive value) -> (sensitive value)"), "{t}");
}

/// What a refresh found (the config secret deleted, a managed policy detached) is shown
/// apart from the changes, and the changes it causes say why.
#[test]
fn drift_is_shown_apart_from_the_changes_it_causes() {
    use formae_runtime::plan::{Drift, DriftKind, FieldChange};
    use formae_runtime::value::Marked;
    let stack = flagship(&[]);
    let mut live = deployed_state(&stack);
    live.resources.remove("config");
    let role = live.resources.get_mut("task_role").unwrap();
    let recorded = role.props.value()["ManagedPolicyArns"].clone();
    role.props.value_mut()["ManagedPolicyArns"] = serde_json::json!([]);
    let mut p = plan(&stack, &live, Mode::Reconcile, &FixedSecrets).unwrap();
    p.note_drift(vec![
        Drift { resource: "config".into(), type_name: "AWS::SecretsManager::Secret".into(), kind: DriftKind::Deleted },
        Drift {
            resource: "task_role".into(),
            type_name: "AWS::IAM::Role".into(),
            kind: DriftKind::Changed(vec![FieldChange { path: "ManagedPolicyArns".into(), before: Some(Marked::plain(recorded)), after: Some(Marked::plain(serde_json::json!([]))), forces_replacement: false }]),
        },
    ]);
    assert_eq!(p.change("config").unwrap().action, Action::Create);
    assert_eq!(p.change("task_role").unwrap().action, Action::Update);
    assert_no_secret(&p);
    insta::assert_snapshot!("drift", text(&p));
}

/// A stack's plan snapshot through the public testing module, as a user writes one for a
/// stack of their own.
#[test]
fn a_users_stack_snapshots_in_three_lines() {
    use formae_runtime::testing;
    let stack = testing::build(&formae_stacks::BillingApi::ENTRY, &["cpu=1024", "memory=2048"]);
    insta::assert_snapshot!("billing_api_fresh", testing::plan_text(&stack, &testing::empty_state(&stack)));
    insta::assert_snapshot!("billing_api_redeploy", testing::plan_text(&stack, &testing::deployed_state(&stack)));
}

/// A stack of generated types: CloudFormation's property names, JSON documents as
/// structure with references inside them, and the create-only properties (a queue's
/// name) forcing replacement.
#[test]
fn a_stack_of_generated_types_plans_with_cloudformation_names() {
    use formae_runtime::testing;
    let stack = testing::build(&formae_stacks::ServerlessApp::ENTRY, &[]);
    insta::assert_snapshot!("serverless_app_fresh", testing::plan_text(&stack, &testing::empty_state(&stack)));
    let deployed = testing::deployed_state(&stack);
    insta::assert_snapshot!("serverless_app_redeploy", testing::plan_text(&stack, &deployed));
    let renamed = testing::build(&formae_stacks::ServerlessApp::ENTRY, &["prefix=orders", "batch_size=5"]);
    insta::assert_snapshot!("serverless_app_renamed", testing::plan_text(&renamed, &deployed));
}

/// The network stack: EC2 types, typed ids between them, and an explicit dependency.
#[test]
fn the_network_stack_plans_its_order_from_typed_ids() {
    use formae_runtime::testing;
    let stack = testing::build(&formae_stacks::Network::ENTRY, &[]);
    insta::assert_snapshot!("network_fresh", testing::plan_text(&stack, &testing::empty_state(&stack)));
    let deployed = testing::deployed_state(&stack);
    let opened = testing::build(&formae_stacks::Network::ENTRY, &["https_from=10.0.0.0/8"]);
    insta::assert_snapshot!("network_update", testing::plan_text(&opened, &deployed));
}
