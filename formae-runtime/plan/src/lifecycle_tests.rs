//! The planner's handling of lifecycle settings: protection, ignored changes,
//! replacements created first, allowed data loss and moves.

use super::*;
use formae_runtime::aws::secretsmanager::Secret;
use formae_core::lifecycle::Lifecycle;
use crate::testing::{deployed_state, FixedSecrets};
use crate::value::{Output, Template, Value};

fn secret(name: &str, description: &str) -> Secret {
    Secret { name: Value::Lit(name.into()), description: Some(Value::Lit(description.into())), secret_string: Value::Lit("x".into()), ..Default::default() }
}

fn stack(resources: &[(&'static str, Secret, Lifecycle)]) -> StackInstance {
    let mut s = StackInstance::with_capacity("t", resources.len());
    for (name, props, lifecycle) in resources {
        s.add_with(name, &[], props.clone(), *lifecycle);
    }
    s
}

fn planned(s: &StackInstance, state: &StackState) -> Result<Plan, PlanError> {
    plan(s, state, Mode::Reconcile, &FixedSecrets)
}

const PROTECT: Lifecycle = Lifecycle { protect: true, ignore_changes: &[], create_before_destroy: false, allow_data_loss: false, moved_from: None, region: None };

#[test]
fn a_protected_resource_refuses_replacement_and_names_it() {
    let before = stack(&[("db", secret("db", "a"), PROTECT), ("other", secret("o", "a"), Lifecycle::default())]);
    let state = deployed_state(&before);
    let renamed = stack(&[("db", secret("db-2", "a"), PROTECT), ("other", secret("o-2", "a"), Lifecycle::default())]);
    let err = planned(&renamed, &state).unwrap_err();
    let PlanError::Protected { refused, .. } = &err else { panic!("{err}") };
    assert_eq!(refused.iter().map(|r| (r.resource.as_str(), r.action, r.by_record)).collect::<Vec<_>>(), vec![("db", Action::Replace, false)]);
    assert!(err.to_string().contains("`db` (AWS::SecretsManager::Secret): the plan would replace it; it is #[protect]ed"), "{err}");
    // Unprotected in the same change: allowed.
    let unprotected = stack(&[("db", secret("db-2", "a"), Lifecycle::default()), ("other", secret("o-2", "a"), Lifecycle::default())]);
    assert_eq!(planned(&unprotected, &state).unwrap().change("db").unwrap().action, Action::Replace);
}

#[test]
fn protection_outlives_the_declaration_until_a_deploy_removes_it() {
    let before = stack(&[("db", secret("db", "a"), PROTECT)]);
    let state = deployed_state(&before);
    let destroy = StackInstance::with_capacity("t", 0);
    let err = planned(&destroy, &state).unwrap_err();
    let PlanError::Protected { refused, .. } = &err else { panic!("{err}") };
    assert!(refused[0].by_record && refused[0].action == Action::Delete, "{refused:?}");
    assert!(err.to_string().contains("deploy the stack with #[protect] removed from it (declaring it again if it was removed), then run this again"), "{err}");
    // Declared without protection: nothing else changes, but the apply has work to record.
    let unprotect = stack(&[("db", secret("db", "a"), Lifecycle::default())]);
    let p = planned(&unprotect, &state).unwrap();
    let c = p.change("db").unwrap();
    assert_eq!((c.action, c.lifecycle.protection_changes, c.lifecycle.protected), (Action::NoOp, true, false));
    assert!(!p.has_changes() && p.has_work());
    assert!(render_text(&p, RenderOptions::default()).contains("db is no longer protected"));
}

#[test]
fn ignored_properties_keep_their_recorded_values() {
    let ignore = Lifecycle { ignore_changes: &["description"], ..Lifecycle::default() };
    let s = stack(&[("db", secret("db", "by hand"), ignore)]);
    let state = deployed_state(&s);
    let edited = stack(&[("db", secret("db", "in code"), ignore)]);
    let p = planned(&edited, &state).unwrap();
    let c = p.change("db").unwrap();
    assert_eq!(c.action, Action::NoOp);
    assert_eq!(c.lifecycle.ignored, vec!["description"]);
    assert_eq!(c.after.as_ref().unwrap().value["description"], "by hand", "what would be applied keeps the record's value");
    // Other properties still change.
    let renamed = stack(&[("db", secret("db-2", "in code"), ignore)]);
    let p = planned(&renamed, &state).unwrap();
    assert_eq!(p.change("db").unwrap().fields.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), vec!["name"]);
}

#[test]
fn a_replacement_created_first_deletes_the_old_one_after_its_users_moved() {
    let first = Lifecycle { create_before_destroy: true, ..Lifecycle::default() };
    let mut s = StackInstance::with_capacity("t", 2);
    s.add_with("key", &[], secret("key", "a"), first);
    let user = Secret { secret_string: Value::Template(Template::new().part(&Output::<String>::new("key", "arn"))), ..secret("user", "a") };
    s.add("user", &["key"], user.clone());
    let state = deployed_state(&s);
    let mut renamed = StackInstance::with_capacity("t", 2);
    renamed.add_with("key", &[], secret("key-2", "a"), first);
    renamed.add("user", &["key"], user);
    let p = planned(&renamed, &state).unwrap();
    assert!(p.change("key").unwrap().lifecycle.create_before_destroy);
    assert_eq!(p.steps, vec![vec!["key"], vec!["user"], vec!["key (deposed) (delete)"]]);
    let text = render_text(&p, RenderOptions::default());
    assert!(text.contains("+/- create replacement and then destroy") && text.contains("# key must be replaced, the replacement created first"), "{text}");
}

#[test]
fn a_replacement_created_first_may_not_keep_its_name() {
    let first = Lifecycle { create_before_destroy: true, ..Lifecycle::default() };
    let s = stack(&[("key", secret("key", "a"), first)]);
    let mut state = deployed_state(&s);
    state.resources.get_mut("key").unwrap().status = ResourceStatus::Failed;
    let err = planned(&s, &state).unwrap_err();
    assert_eq!(err, PlanError::IdentityClash { resource: "key".into(), property: "name".into(), value: "\"key\"".into() });
}

#[test]
fn the_old_half_of_an_interrupted_replacement_is_deleted_even_in_patch_mode() {
    let s = stack(&[("key", secret("key", "a"), Lifecycle::default())]);
    let mut state = deployed_state(&s);
    let old = state.resources["key"].clone();
    state.resources.insert(lifecycle::deposed_name("key"), old);
    let p = plan(&s, &state, Mode::Patch, &FixedSecrets).unwrap();
    assert_eq!(p.change("key (deposed)").unwrap().action, Action::Delete);
    assert!(p.kept.is_empty());
}

#[test]
fn allowed_data_loss_is_shown_and_not_refused() {
    let mut s = StackInstance::with_capacity("t", 1);
    let cluster = |name: &str| formae_runtime::aws::rds::DbCluster { db_cluster_identifier: Value::Lit(name.into()), ..Default::default() };
    s.add_with("db", &[], cluster("db"), Lifecycle { allow_data_loss: true, ..Lifecycle::default() });
    let state = deployed_state(&s);
    let mut renamed = StackInstance::with_capacity("t", 1);
    renamed.add_with("db", &[], cluster("db-2"), Lifecycle { allow_data_loss: true, ..Lifecycle::default() });
    let p = planned(&renamed, &state).unwrap();
    assert_eq!(p.data_loss().len(), 1);
    assert!(data_loss::check(&p, false).is_ok());
    let text = render_text(&p, RenderOptions::default());
    assert!(text.contains("the stack allows it (#[allow_data_loss])") && !text.contains("needs --allow-data-loss"), "{text}");
}

#[test]
fn a_move_re_addresses_and_destroys_nothing() {
    let s = stack(&[("creds", secret("creds", "a"), Lifecycle::default())]);
    let state = deployed_state(&s);
    let moved = stack(&[("app_creds", secret("creds", "a"), Lifecycle { moved_from: Some("creds"), ..Lifecycle::default() })]);
    let p = planned(&moved, &state).unwrap();
    assert_eq!(p.summary, Summary { add: 0, change: 1, destroy: 0 });
    let c = p.change("app_creds").unwrap();
    assert_eq!((c.action, c.lifecycle.moved_from.as_deref()), (Action::Update, Some("creds")));
    assert!(c.fields.is_empty() && p.change("creds").is_none());
    assert!(render_text(&p, RenderOptions::default()).contains("# creds has moved to app_creds"));
    // Once made, the move is nothing; with both names recorded it is refused.
    let mut after = state.clone();
    let rec = after.resources.remove("creds").unwrap();
    after.resources.insert("app_creds".into(), rec);
    assert!(!planned(&moved, &after).unwrap().has_work());
    let mut both = after.clone();
    both.resources.insert("creds".into(), state.resources["creds"].clone());
    assert_eq!(planned(&moved, &both).unwrap_err(), PlanError::MoveClash { from: "creds".into(), to: "app_creds".into() });
}

#[test]
fn a_declared_move_into_a_family_re_addresses_and_a_missing_target_is_refused() {
    let single = stack(&[("creds", secret("creds", "a"), Lifecycle::default())]);
    let state = deployed_state(&single);
    let member = formae_core::family::address("creds", "a");
    let mut family = StackInstance::with_capacity("t", 1);
    family.add(member, &[], secret("creds", "a"));
    family.moved("creds", member);
    let p = planned(&family, &state).unwrap();
    assert_eq!(p.summary, Summary { add: 0, change: 1, destroy: 0 });
    assert_eq!(p.change(member).unwrap().lifecycle.moved_from.as_deref(), Some("creds"));
    let mut elsewhere = StackInstance::with_capacity("t", 1);
    elsewhere.add(member, &[], secret("creds", "a"));
    elsewhere.moved("creds", formae_core::family::address("creds", "z"));
    assert_eq!(planned(&elsewhere, &state).unwrap_err(), PlanError::MoveTarget { from: "creds".into(), to: r#"creds["z"]"#.into() });
}

#[test]
fn a_resource_that_changes_region_is_replaced_and_the_plan_says_where() {
    let west = Lifecycle { region: Some("eu-west-1"), ..Lifecycle::default() };
    let s = stack(&[("db", secret("db", "a"), west)]);
    let state = deployed_state(&s);
    assert_eq!(state.resources["db"].region.as_deref(), Some("eu-west-1"));
    assert!(!planned(&s, &state).unwrap().has_work());
    let home = stack(&[("db", secret("db", "a"), Lifecycle::default())]);
    let p = planned(&home, &state).unwrap();
    let c = p.change("db").unwrap();
    assert_eq!((c.action, c.reason.as_deref()), (Action::Replace, Some("it moves from region eu-west-1 to the stack's region")));
    let destroy = planned(&StackInstance::with_capacity("t", 0), &state).unwrap();
    assert_eq!(destroy.change("db").unwrap().lifecycle.region.as_deref(), Some("eu-west-1"), "a delete goes where it lives");
}
