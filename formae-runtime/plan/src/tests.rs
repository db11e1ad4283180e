//! The planner's unit tests.

use super::*;
use formae_runtime::aws::secretsmanager::Secret;
use crate::state::RecordedResource;
use crate::value::{Output, Sensitive, Template, Value};

struct NoSecrets;
impl SecretReader for NoSecrets {
    fn read(&self, s: &SecretSource) -> Result<String, SecretError> {
        Err(SecretError::EnvUnset(s.to_string()))
    }
}

fn secret(name: &str, text: Value<Sensitive>) -> Secret {
    Secret { name: Value::Lit(name.into()), secret_string: text, ..Default::default() }
}

fn refer(to: &'static str) -> Value<Sensitive> {
    Value::Template(Template::new().part(&Output::<String>::new(to, "arn")))
}

/// a <- b <- c, plus d alone.
fn chain() -> StackInstance {
    let mut s = StackInstance::with_capacity("t", 4);
    s.add("a", &[], secret("a", Value::Lit("x".into())));
    s.add("b", &["a"], secret("b", refer("a")));
    s.add("c", &["b"], secret("c", refer("b")));
    s.add("d", &[], secret("d", Value::Lit("y".into())));
    s
}

/// The state a deploy of `s` leaves, outputs `arn:<name>`.
fn applied(s: &StackInstance) -> StackState {
    let mut state = StackState::empty(s.name);
    for d in &s.resources {
        struct L<'a>(&'a StackState);
        impl Lookup for L<'_> {
            fn output(&self, r: &str, a: &str) -> Option<Json> {
                self.0.resources.get(r)?.outputs.get(a).cloned()
            }
            fn secret(&self, s: &SecretSource) -> Result<String, SecretError> {
                Err(SecretError::EnvUnset(s.to_string()))
            }
        }
        let (props, _) = planned_props(d, &L(&state));
        let rec = RecordedResource {
            type_name: d.meta.type_name.into(),
            cloud_id: d.name.into(),
            props: crate::state::RecordedProps::from_marked(props),
            outputs: [("arn".to_owned(), Json::String(format!("arn:{}", d.name)))].into_iter().collect(),
            deps: d.deps.iter().map(|x| (*x).to_owned()).collect(),
            status: ResourceStatus::Ready, protected: false, region: None
        };
        state.resources.insert(d.name.into(), rec);
    }
    state
}

#[test]
fn fresh_stack_creates_in_dependency_steps() {
    let p = plan(&chain(), &StackState::empty("t"), Mode::Reconcile, &NoSecrets).unwrap();
    assert_eq!(p.summary, Summary { add: 4, change: 0, destroy: 0 });
    assert_eq!(p.steps, vec![vec!["a", "d"], vec!["b"], vec!["c"]]);
    let after = p.change("b").unwrap().after.as_ref().unwrap();
    assert_eq!(after.unknown.get("/secret_string").map(String::as_str), Some("a.arn"));
    assert!(after.sensitive.contains("/secret_string"));
}

#[test]
fn unchanged_stack_plans_no_change_and_no_steps() {
    let s = chain();
    let p = plan(&s, &applied(&s), Mode::Reconcile, &NoSecrets).unwrap();
    assert!(!p.has_changes());
    assert!(p.steps.is_empty());
}

/// State as a store reads it: each record's properties as the text it wrote.
fn as_stored(state: &StackState) -> StackState {
    let mut out = state.clone();
    for rec in out.resources.values_mut() {
        rec.props = crate::state::RecordedProps::from_stored_text(rec.props.to_string()).unwrap();
    }
    out
}

#[test]
fn records_read_as_text_plan_as_parsed_ones_and_a_no_op_carries_only_its_after() {
    let s = chain();
    let parsed = applied(&s);
    let stored = as_stored(&parsed);
    let (from_text, from_tree) = (plan(&s, &stored, Mode::Reconcile, &NoSecrets).unwrap(), plan(&s, &parsed, Mode::Reconcile, &NoSecrets).unwrap());
    assert_eq!(from_text.changes, from_tree.changes);
    let a = from_text.change("a").unwrap();
    assert_eq!((a.action, a.before.as_ref()), (Action::NoOp, None));
    assert_eq!(a.after.as_ref().map(|m| m.value["name"].clone()), Some(Json::String("a".into())));
    // The record edited by hand: an update that shows what it changes from.
    let mut edited = parsed.clone();
    if let Some(rec) = edited.resources.get_mut("d") {
        rec.props.value_mut()["name"] = Json::String("d-by-hand".into());
    }
    let p = plan(&s, &as_stored(&edited), Mode::Reconcile, &NoSecrets).unwrap();
    let d = p.change("d").unwrap();
    assert_eq!(d.action, Action::Replace, "name is create-only");
    assert_eq!(d.before.as_ref().map(|m| m.value["name"].clone()), Some(Json::String("d-by-hand".into())));
    assert_eq!(d.fields.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), vec!["name"]);
    assert_eq!(p.change("c").map(|c| c.action), Some(Action::NoOp));
}

#[test]
fn replacement_makes_dependents_see_unknown_values() {
    let s = chain();
    let state = applied(&s);
    let mut changed = StackInstance::with_capacity("t", 4);
    changed.add("a", &[], secret("a2", Value::Lit("x".into())));
    changed.add("b", &["a"], secret("b", refer("a")));
    changed.add("c", &["b"], secret("c", refer("b")));
    changed.add("d", &[], secret("d", Value::Lit("y".into())));
    let p = plan(&changed, &state, Mode::Reconcile, &NoSecrets).unwrap();
    assert_eq!(p.change("a").unwrap().action, Action::Replace);
    assert!(p.change("a").unwrap().fields[0].forces_replacement);
    // b's value refers to a's new ARN: unknown now, so b changes in place.
    assert_eq!(p.change("b").unwrap().action, Action::Update);
    // b's own ARN survives an in-place update, so c is untouched.
    assert_eq!(p.change("c").unwrap().action, Action::NoOp);
    assert_eq!(p.change("d").unwrap().action, Action::NoOp);
    // The replacement's delete, then its create, then what uses its new ARN.
    assert_eq!(p.steps, vec![vec!["a (delete)"], vec!["a"], vec!["b"]]);
    let ops: Vec<(&str, crate::state::Op, &[usize])> = p.operations.iter().map(|o| (o.resource.as_str(), o.op, o.after.as_slice())).collect();
    use crate::state::Op;
    assert_eq!(ops, vec![("a", Op::Delete, &[][..]), ("a", Op::Create, &[0][..]), ("b", Op::Update, &[1][..])]);
    assert_eq!(p.summary, Summary { add: 1, change: 1, destroy: 1 });
}

#[test]
fn deletes_wait_only_for_the_deletes_of_their_dependents() {
    let s = chain();
    let state = applied(&s);
    let mut only_d = StackInstance::with_capacity("t", 1);
    only_d.add("d", &[], secret("d", Value::Lit("changed".into())));
    let p = plan(&only_d, &state, Mode::Reconcile, &NoSecrets).unwrap();
    // d's update touches nothing being deleted, so it runs beside the first delete,
    // as the engine runs it.
    assert_eq!(p.steps, vec![vec!["d", "c (delete)"], vec!["b (delete)"], vec!["a (delete)"]]);
    assert_eq!(p.summary, Summary { add: 0, change: 1, destroy: 3 });

    let patch = plan(&only_d, &state, Mode::Patch, &NoSecrets).unwrap();
    assert_eq!(patch.kept, vec!["a", "b", "c"]);
    assert_eq!(patch.summary, Summary { add: 0, change: 1, destroy: 0 });
}

#[test]
fn patch_mode_never_removes_a_property() {
    let mut with_desc = StackInstance::with_capacity("t", 1);
    with_desc.add(
        "a",
        &[],
        Secret { description: Some(Value::Lit("d".into())), ..secret("a", Value::Lit("x".into())) },
    );
    let state = applied(&with_desc);
    let mut without = StackInstance::with_capacity("t", 1);
    without.add("a", &[], secret("a", Value::Lit("x".into())));
    assert!(!plan(&without, &state, Mode::Patch, &NoSecrets).unwrap().has_changes());
    let r = plan(&without, &state, Mode::Reconcile, &NoSecrets).unwrap();
    assert_eq!(r.change("a").unwrap().fields[0].path, "description");
    assert_eq!(r.change("a").unwrap().fields[0].after, None);
}

#[test]
fn an_unreadable_secret_fails_only_when_there_is_something_to_compare() {
    let mut s = StackInstance::with_capacity("t", 1);
    s.add("a", &[], secret("a", Value::Secret(SecretSource::env("NOT_SET_ANYWHERE"))));
    let fresh = plan(&s, &StackState::empty("t"), Mode::Reconcile, &NoSecrets).unwrap();
    assert_eq!(fresh.summary.add, 1);
    let mut state = StackState::empty("t");
    state.resources.insert(
        "a".into(),
        RecordedResource {
            type_name: "AWS::SecretsManager::Secret".into(),
            cloud_id: "a".into(),
            props: crate::state::RecordedProps::new(serde_json::json!({"name": "a", "secret_string": "sha256:00"}), ["/secret_string".to_owned()].into()),
            outputs: Default::default(),
            deps: vec![],
            status: ResourceStatus::Ready, protected: false, region: None
        },
    );
    let err = plan(&s, &state, Mode::Reconcile, &NoSecrets).unwrap_err();
    assert!(err.to_string().contains("NOT_SET_ANYWHERE"), "{err}");
}

#[test]
fn secrets_a_deploy_needs_are_checked_before_anything_changes() {
    let mut s = StackInstance::with_capacity("t", 2);
    s.add("plain", &[], secret("plain", Value::Lit("x".into())));
    s.add("a", &[], secret("a", Value::Secret(SecretSource::env("NOT_SET_ANYWHERE"))));
    let p = plan(&s, &StackState::empty("t"), Mode::Reconcile, &NoSecrets).unwrap();
    let err = check_secrets(&p, &NoSecrets).unwrap_err();
    assert_eq!(err.to_string(), "`a` needs a secret that cannot be read: the environment variable env:NOT_SET_ANYWHERE is not set: export it, or point the parameter at a file with file:PATH");
    struct Yes;
    impl SecretReader for Yes {
        fn read(&self, _: &SecretSource) -> Result<String, SecretError> {
            Ok("v".into())
        }
    }
    assert!(check_secrets(&p, &Yes).is_ok());
}

#[test]
fn a_dependency_declared_later_is_refused() {
    let mut s = StackInstance::with_capacity("t", 2);
    s.add("b", &["a"], secret("b", refer("a")));
    s.add("a", &[], secret("a", Value::Lit("x".into())));
    let err = plan(&s, &StackState::empty("t"), Mode::Reconcile, &NoSecrets).unwrap_err();
    assert_eq!(err, PlanError::Order { resource: "b".into(), dep: "a".into() });
}

#[test]
fn a_failed_resource_is_replaced() {
    let s = chain();
    let mut state = applied(&s);
    state.resources.get_mut("d").unwrap().status = ResourceStatus::Failed;
    let p = plan(&s, &state, Mode::Reconcile, &NoSecrets).unwrap();
    assert_eq!(p.change("d").unwrap().action, Action::Replace);
    assert_eq!(p.change("d").unwrap().reason.as_deref(), Some("its last operation failed"));
}

#[test]
fn ten_thousand_resources_plan_linearly() {
    let mut s = StackInstance::with_capacity("t", 10_000);
    let names: Vec<&'static str> =
        (0..10_000).map(|i| &*Box::leak(format!("r{i}").into_boxed_str())).collect();
    let deps: Vec<&'static [&'static str]> = (0..10_000)
        .map(|i| if i == 0 { &[][..] } else { &*Box::leak(vec![names[i - 1]].into_boxed_slice()) })
        .collect();
    for i in 0..10_000 {
        let v = if i == 0 { Value::Lit("x".into()) } else { refer(names[i - 1]) };
        s.add(names[i], deps[i], secret(names[i], v));
    }
    let p = plan(&s, &StackState::empty("t"), Mode::Reconcile, &NoSecrets).unwrap();
    assert_eq!(p.steps.len(), 10_000);
    assert_eq!(p.summary.add, 10_000);
}

#[test]
fn a_list_whose_order_means_nothing_differs_only_in_its_items() {
    use crate::value::Marked;
    let before = Marked::plain(serde_json::json!({"Tags": [{"Key": "a"}, {"Key": "b"}], "Order": [1, 2]}));
    let reordered = Marked::plain(serde_json::json!({"Tags": [{"Key": "b"}, {"Key": "a"}], "Order": [2, 1]}));
    let fields = super::diff_fields(&before, &reordered, &[], &["Tags"], Mode::Reconcile);
    assert_eq!(fields.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), vec!["Order"], "a reordering of an unordered list is no change; of another list it is");
    let other = Marked::plain(serde_json::json!({"Tags": [{"Key": "b"}, {"Key": "c"}], "Order": [1, 2]}));
    let fields = super::diff_fields(&before, &other, &[], &["Tags"], Mode::Reconcile);
    assert_eq!(fields.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), vec!["Tags"]);
}

/// A chain of `n` secrets, each referring to the one before.
fn long_chain(n: usize) -> StackInstance {
    let names: &'static [&'static str] = Vec::leak((0..n).map(|i| &*String::leak(format!("s{i}"))).collect());
    let deps: &'static [&'static [&'static str]] = Vec::leak((0..n).map(|i| if i == 0 { &[][..] } else { &names[i - 1..i] }).collect());
    let mut s = StackInstance::with_capacity("t", n);
    for i in 0..n {
        let text = if i == 0 { Value::Lit("x".into()) } else { refer(names[i - 1]) };
        s.add(names[i], deps[i], secret(names[i], text));
    }
    s
}

#[test]
fn planning_ahead_on_every_core_gives_what_planning_in_order_gives() {
    // Large enough to be planned ahead on more than one thread where there are cores.
    let s = long_chain(5_000);
    let mut state = applied(&s);
    assert!(plan(&s, &state, Mode::Reconcile, &NoSecrets).unwrap().changes.iter().all(|c| c.action == Action::NoOp));
    // A replaced resource in the middle: planned ahead, the one after it read its
    // recorded ARN; in order, that ARN is known only after apply.
    state.resources.get_mut("s3500").unwrap().status = ResourceStatus::Failed;
    let p = plan(&s, &state, Mode::Reconcile, &NoSecrets).unwrap();
    assert_eq!(p.change("s3500").unwrap().action, Action::Replace);
    let next = p.change("s3501").unwrap();
    assert_eq!(next.action, Action::Update);
    assert_eq!(next.after.as_ref().unwrap().unknown, std::collections::BTreeMap::from([("/secret_string".to_owned(), "s3500.arn".to_owned())]));
    // Updated in place, `s3501` keeps its ARN: the rest of the chain has nothing to do.
    let changed: Vec<&str> = p.changes.iter().filter(|c| c.action != Action::NoOp).map(|c| c.resource.as_str()).collect();
    assert_eq!(changed, ["s3500", "s3501"]);
    // Nothing recorded: every change is a create, each reference unknown until apply.
    let fresh = plan(&s, &StackState::empty("t"), Mode::Reconcile, &NoSecrets).unwrap();
    assert!(fresh.changes.iter().all(|c| c.action == Action::Create));
    assert_eq!(fresh.change("s4999").unwrap().after.as_ref().unwrap().unknown.get("/secret_string").map(String::as_str), Some("s4998.arn"));
}

#[test]
fn a_secret_is_read_in_order_and_a_failure_is_the_first_in_order() {
    let mut s = long_chain(600);
    s.add("env", &[], secret("env", Value::Secret(SecretSource::env("NOT_SET_ANYWHERE"))));
    s.add("late", &["nowhere"], secret("late", Value::Lit("y".into())));
    let err = plan(&s, &applied(&long_chain(600)), Mode::Reconcile, &NoSecrets).unwrap_err();
    assert!(matches!(err, PlanError::Order { ref resource, .. } if resource == "late"), "{err}");
    struct Counted(std::sync::atomic::AtomicUsize);
    impl SecretReader for Counted {
        fn read(&self, _: &SecretSource) -> Result<String, SecretError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok("v".into())
        }
    }
    s.resources.pop();
    let reads = Counted(std::sync::atomic::AtomicUsize::new(0));
    let p = plan(&s, &StackState::empty("t"), Mode::Reconcile, &reads).unwrap();
    assert_eq!(reads.0.load(std::sync::atomic::Ordering::SeqCst), 1, "planning ahead reads no secret");
    assert!(p.change("env").unwrap().after.as_ref().unwrap().sensitive.contains("/secret_string"));
}

#[test]
fn the_plan_lends_the_outputs_it_reads_as_it_would_copy_them() {
    let s = chain();
    let mut state = applied(&s);
    state.imports.insert("shared".into(), [("url".to_owned(), Json::from("https://shared"))].into_iter().collect());
    let records: Records<'_> = state.resources.iter().map(|(n, r)| (n.as_str(), r)).collect();
    let moves = HashMap::default();
    let actions: HashMap<&str, Action> = [("a", Action::NoOp), ("b", Action::Replace)].into_iter().collect();
    let lookup = PlanLookup::planned(&state, &records, &actions, &NoSecrets, &moves);
    let lent = |r: &str, a: &str| lookup.output_ref(r, a).map(|v| v.into_owned());
    for (r, a) in [("a", "arn"), ("a", "name"), ("b", "arn"), ("c", "arn"), ("stack:shared", "url"), ("stack:shared", "port")] {
        assert_eq!(lent(r, a), lookup.output(r, a), "{r}.{a}");
    }
    assert_eq!(lent("a", "arn"), Some(Json::from("arn:a")), "a kept resource's record");
    assert!(matches!(lookup.output_ref("a", "arn"), Some(std::borrow::Cow::Borrowed(_))), "lent, not copied");
    assert_eq!(lent("b", "arn"), None, "a replaced resource's outputs are not known yet");
    assert_eq!(lent("stack:shared", "url"), Some(Json::from("https://shared")));
}
