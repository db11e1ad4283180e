//! The planner: the declared stack against recorded state gives, per resource, what to
//! do, and the order to do it in. Linear in the number of resources.

mod order;
mod render;
pub mod saved;

pub use order::Operation;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

pub use render::{render_drift, render_text, RenderOptions};

use crate::resolve::{self, Lookup, SecretError};
use crate::resource::{DeclaredResource, StackInstance};
use crate::state::{ResourceStatus, StackState};
use crate::value::{Marked, SecretSource};

/// How an apply treats recorded resources that the stack no longer declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The stack is the truth: undeclared resources are deleted.
    #[default]
    Reconcile,
    /// Creates and updates only; never deletes resources or removes properties.
    Patch,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "reconcile" => Ok(Mode::Reconcile),
            "patch" => Ok(Mode::Patch),
            _ => Err(format!("`{s}` is not a mode: use reconcile or patch")),
        }
    }
}

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Nothing: recorded and declared agree.
    NoOp,
    /// Created.
    Create,
    /// Updated in place.
    Update,
    /// Deleted, then created again (a create-only property changed).
    Replace,
    /// Deleted (reconcile mode: recorded, no longer declared).
    Delete,
}

/// One changed property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The property.
    pub path: String,
    /// Its recorded value, if any.
    pub before: Option<Marked>,
    /// Its declared value, if any.
    pub after: Option<Marked>,
    /// A create-only property: the change replaces the resource.
    pub forces_replacement: bool,
}

/// What the plan does to one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The resource's name in the stack.
    pub resource: String,
    /// Its type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// What happens.
    pub action: Action,
    /// Recorded properties (plan form), if recorded.
    pub before: Option<Marked>,
    /// Declared properties, resolved as far as known now, if declared.
    pub after: Option<Marked>,
    /// The properties that change (for update and replace).
    pub fields: Vec<FieldChange>,
    /// Output attributes; unknown until apply for creates and replacements.
    pub outputs: Marked,
    /// Output attributes as recorded, for replacements and deletes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub prior_outputs: BTreeMap<String, Json>,
    /// Why, when it is not only a property change (a failed resource, a type change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A recorded resource that changed in the cloud outside formae, found by a refresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// The resource's name in the stack.
    pub resource: String,
    /// Its type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Deleted, or which properties differ (recorded before, live after).
    pub kind: DriftKind,
}

/// What happened to a resource outside formae.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "fields")]
pub enum DriftKind {
    /// It no longer exists.
    Deleted,
    /// These properties differ from the record: `before` recorded, `after` live.
    Changed(Vec<FieldChange>),
}

/// A resource the plan would create that already exists in the cloud.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found {
    /// The resource's name in the stack.
    pub resource: String,
    /// What the cloud calls it.
    pub cloud_id: String,
    /// Whether its ownership tags say this stack made it (a killed run's work, adopted
    /// without asking).
    pub owned: bool,
    /// Where it differs from the declaration: `before` live, `after` declared.
    pub fields: Vec<FieldChange>,
}

/// A plan: per resource what happens, and in which order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Version of this JSON shape.
    pub format_version: String,
    /// The stack.
    pub stack: String,
    /// The apply mode planned for.
    pub mode: Mode,
    /// Every declared or recorded resource, in execution order; unchanged ones as `no_op`.
    pub changes: Vec<Change>,
    /// Steps of execution: each step's operations wait only on earlier steps; a delete
    /// shows as `name (delete)`. The levels of `operations`.
    pub steps: Vec<Vec<String>>,
    /// The operations the apply runs, each with the operations it waits for.
    pub operations: Vec<Operation>,
    /// Recorded resources patch mode leaves alone although the stack no longer declares them.
    pub kept: Vec<String>,
    /// The stack's outputs, as far as known now.
    pub outputs: Marked,
    /// Counts.
    pub summary: Summary,
    /// What a refresh found changed outside formae; the changes above already undo it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<Drift>,
    /// Whether recorded resources were read back from the cloud for this plan.
    pub refreshed: bool,
    /// Resources to create that already exist in the cloud with the same identity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub found: Vec<Found>,
    /// Resources to create that the plan looked for in the cloud and did not find: the
    /// apply creates them without looking again.
    #[serde(skip)]
    pub absent: std::collections::BTreeSet<String>,
    /// Where each resource's change is in `changes`.
    #[serde(skip)]
    index: HashMap<String, usize>,
    /// The digest of the state as recorded (before any refresh) that this plan was made
    /// against, when a session made it; what a saved plan checks the state by.
    #[serde(skip)]
    pub recorded_state: Option<String>,
}

/// The closing line's counts; a replacement counts as one add and one destroy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Summary {
    /// Resources created (including replacements).
    pub add: usize,
    /// Resources updated in place.
    pub change: usize,
    /// Resources deleted (including replacements).
    pub destroy: usize,
}

impl Plan {
    /// Does the plan change anything?
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }
    /// Does applying it change anything, in the cloud or in the record? A resource
    /// deleted by hand and no longer declared leaves nothing to do but forget it.
    pub fn has_work(&self) -> bool {
        self.has_changes() || !self.drift.is_empty()
    }
    /// Attaches what a refresh found, and says on each change it causes why.
    pub fn note_drift(&mut self, drift: Vec<Drift>) {
        for d in &drift {
            let at = self.index.get(&d.resource).copied();
            if let Some(c) = at.and_then(|i| self.changes.get_mut(i)).filter(|c| c.reason.is_none()) {
                c.reason = Some(match d.kind {
                    DriftKind::Deleted => "it was deleted outside formae".to_owned(),
                    DriftKind::Changed(_) => "it was changed outside formae".to_owned(),
                });
            }
        }
        self.drift = drift;
    }
    /// The change planned for `resource`.
    pub fn change(&self, resource: &str) -> Option<&Change> {
        self.changes.get(*self.index.get(resource)?)
    }
    /// Rebuilds the index of changes by resource, after `changes` was built or read.
    pub fn reindex(&mut self) {
        self.index = self.changes.iter().enumerate().map(|(i, c)| (c.resource.clone(), i)).collect();
    }
}

/// Why a plan cannot be made.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    /// A resource is declared before one it depends on, or depends on an undeclared one.
    #[error("resource `{resource}` depends on `{dep}`, which is not declared before it")]
    Order {
        /// The resource's name in the stack.
        resource: String,
        /// The resource it depends on.
        dep: String,
    },
    /// A secret needed to compare with recorded state, or to apply, cannot be read.
    #[error("`{resource}` needs a secret that cannot be read: {source}")]
    Secret {
        /// The resource that needs the secret.
        resource: String,
        /// Why the secret cannot be read.
        #[source]
        source: SecretError,
    },
    /// Recorded state belongs to another stack.
    #[error("the state given is for stack `{found}`, not `{expected}`")]
    WrongStack {
        /// The stack being planned.
        expected: String,
        /// The stack the state belongs to.
        found: String,
    },
    /// Values AWS would reject; nothing was sent.
    #[error("stack `{stack}` has values AWS would reject; nothing was changed:\n{}", problems.iter().map(|(r, m)| format!("  - `{r}`: {m}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The stack's name.
        stack: String,
        /// Each rejected value, as its resource and what is wrong.
        problems: Vec<(String, String)>,
    },
}

impl PlanError {
    /// The refusal of a stack whose values AWS would reject, if it has any.
    pub fn check_values(stack: &StackInstance) -> Result<(), PlanError> {
        if stack.invalid.is_empty() {
            return Ok(());
        }
        Err(PlanError::Invalid { stack: stack.name.to_owned(), problems: stack.invalid.iter().map(|(r, m)| ((*r).to_owned(), m.clone())).collect() })
    }
}

/// Reads secrets for planning.
pub trait SecretReader {
    /// Reads one secret.
    fn read(&self, source: &SecretSource) -> Result<String, SecretError>;
}

/// Reads secrets from the environment and files.
#[derive(Debug, Default, Clone, Copy)]
pub struct EnvSecrets;

impl SecretReader for EnvSecrets {
    fn read(&self, source: &SecretSource) -> Result<String, SecretError> {
        resolve::read_secret(source)
    }
}

struct PlanLookup<'a> {
    state: &'a StackState,
    actions: &'a HashMap<&'a str, Action>,
    secrets: &'a dyn SecretReader,
}

impl Lookup for PlanLookup<'_> {
    fn output(&self, resource: &str, attr: &str) -> Option<Json> {
        match self.actions.get(resource) {
            Some(Action::NoOp | Action::Update) => {
                self.state.resources.get(resource)?.outputs.get(attr).cloned()
            }
            _ => None,
        }
    }
    fn secret(&self, source: &SecretSource) -> Result<String, SecretError> {
        self.secrets.read(source)
    }
}

/// Resolves a declared resource's properties as far as known, in plan form: secrets as
/// hashes, marks beside. Returns the first unreadable secret's reason alongside.
pub fn planned_props(decl: &DeclaredResource, lookup: &dyn Lookup) -> (Marked, Option<SecretError>) {
    let r = resolve::resolve(&decl.props, lookup);
    let unreadable = r.first_unreadable().cloned();
    (r.planned(), unreadable)
}

/// Checks, before anything changes, that every secret the plan's creates and updates
/// need can be read: a missing one fails here, naming the resource and the source.
pub fn check_secrets(stack: &StackInstance, plan: &Plan, secrets: &dyn SecretReader) -> Result<(), PlanError> {
    for decl in &stack.resources {
        let applies = plan
            .change(decl.name)
            .is_some_and(|c| matches!(c.action, Action::Create | Action::Update | Action::Replace));
        if !applies {
            continue;
        }
        let mut sources = Vec::new();
        decl.props.secret_sources(&mut sources);
        if let Some(source) = sources.into_iter().find_map(|src| secrets.read(src).err()) {
            return Err(PlanError::Secret { resource: decl.name.to_owned(), source });
        }
    }
    Ok(())
}

/// Plans `stack` against `state` in `mode`.
pub fn plan(
    stack: &StackInstance,
    state: &StackState,
    mode: Mode,
    secrets: &dyn SecretReader,
) -> Result<Plan, PlanError> {
    PlanError::check_values(stack)?;
    if !state.stack.is_empty() && state.stack != stack.name {
        return Err(PlanError::WrongStack { expected: stack.name.into(), found: state.stack.clone() });
    }
    let mut position: HashMap<&str, usize> = HashMap::with_capacity(stack.resources.len());
    let mut actions: HashMap<&str, Action> = HashMap::with_capacity(stack.resources.len());
    let mut changes: Vec<Change> = Vec::with_capacity(stack.resources.len());

    for (i, decl) in stack.resources.iter().enumerate() {
        for dep in decl.deps {
            if !position.contains_key(dep) {
                return Err(PlanError::Order { resource: decl.name.into(), dep: (*dep).into() });
            }
        }
        position.insert(decl.name, i);
        let lookup = PlanLookup { state, actions: &actions, secrets };
        let (after, unreadable) = planned_props(decl, &lookup);
        let mut change = diff_resource(decl, state, after, unreadable, mode)?;
        if decl.meta.reruns_when_dependencies_change && change.action == Action::NoOp {
            let changed = decl.deps.iter().find(|d| matches!(actions.get(*d), Some(Action::Create | Action::Update | Action::Replace)));
            if let Some(dep) = changed {
                change.action = Action::Update;
                change.reason = Some(format!("`{dep}` changes, so it runs again"));
            }
        }
        actions.insert(decl.name, change.action);
        changes.push(change);
    }

    let (kept, deletes) = undeclared(stack, state, &position, mode);
    changes.extend(deletes);
    let operations = order::operations(stack, &changes, state);
    let steps = order::steps(&operations);

    let lookup = PlanLookup { state, actions: &actions, secrets };
    let outputs = Marked::object(
        stack.outputs.iter().map(|o| (o.name.to_owned(), resolve::resolve(&o.value, &lookup).planned())).collect(),
    );

    let mut summary = Summary::default();
    for c in &changes {
        match c.action {
            Action::Create => summary.add += 1,
            Action::Update => summary.change += 1,
            Action::Replace => {
                summary.add += 1;
                summary.destroy += 1;
            }
            Action::Delete => summary.destroy += 1,
            Action::NoOp => {}
        }
    }
    let mut plan = Plan {
        format_version: "2".to_owned(),
        stack: stack.name.to_owned(),
        mode,
        changes,
        steps,
        operations,
        kept,
        outputs,
        summary,
        drift: Vec::new(),
        refreshed: false,
        found: Vec::new(),
        absent: Default::default(),
        index: HashMap::new(),
        recorded_state: None,
    };
    plan.reindex();
    Ok(plan)
}

fn unknown_outputs(decl: &DeclaredResource) -> Marked {
    Marked {
        value: Json::Object(decl.meta.outputs.iter().map(|a| ((*a).to_owned(), Json::Null)).collect()),
        sensitive: Default::default(),
        unknown: decl.meta.outputs.iter().map(|a| (format!("/{a}"), format!("{}.{a}", decl.name))).collect(),
    }
}

fn diff_resource(
    decl: &DeclaredResource,
    state: &StackState,
    after: Marked,
    unreadable: Option<SecretError>,
    mode: Mode,
) -> Result<Change, PlanError> {
    let type_name = decl.meta.type_name.to_owned();
    let Some(rec) = state.resources.get(decl.name) else {
        return Ok(Change {
            resource: decl.name.to_owned(),
            type_name,
            action: Action::Create,
            before: None,
            after: Some(after),
            fields: Vec::new(),
            outputs: unknown_outputs(decl),
            prior_outputs: BTreeMap::new(),
            reason: None,
        });
    };
    if let Some(source) = unreadable {
        return Err(PlanError::Secret { resource: decl.name.to_owned(), source });
    }
    let before = rec.props.marked();
    let fields = diff_fields(&before, &after, decl.meta.create_only, mode);
    let (action, reason) = if rec.type_name != decl.meta.type_name {
        (Action::Replace, Some(format!("its type changed from {}", rec.type_name)))
    } else if rec.status == ResourceStatus::Failed {
        (Action::Replace, Some("its last operation failed".to_owned()))
    } else if fields.iter().any(|f| f.forces_replacement) {
        (Action::Replace, None)
    } else if fields.is_empty() {
        (Action::NoOp, None)
    } else {
        (Action::Update, None)
    };
    let (outputs, prior_outputs) = match action {
        Action::Replace => (unknown_outputs(decl), rec.outputs.clone()),
        _ => (Marked::plain(Json::Object(rec.outputs.iter().map(|(k, v)| (k.clone(), v.clone())).collect())), BTreeMap::new()),
    };
    Ok(Change {
        resource: decl.name.to_owned(),
        type_name,
        action,
        before: Some(before),
        after: Some(after),
        fields,
        outputs,
        prior_outputs,
        reason,
    })
}

/// The properties that differ between `before` and `after` (top-level keys): in their
/// data, or in their marks (a part known only after apply always differs).
pub(crate) fn diff_fields(before: &Marked, after: &Marked, create_only: &[&str], mode: Mode) -> Vec<FieldChange> {
    // The common case, unchanged, without allocating.
    if before == after {
        return Vec::new();
    }
    let mut keys: Vec<&str> = before.keys().into_iter().chain(after.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (bv, av) = (before.field(k), after.field(k));
            if (bv == av && av.as_ref().is_none_or(Marked::is_known)) || (mode == Mode::Patch && av.is_none()) {
                return None;
            }
            Some(FieldChange { path: k.to_owned(), before: bv, after: av, forces_replacement: create_only.contains(&k) })
        })
        .collect()
}

fn undeclared(
    stack: &StackInstance,
    state: &StackState,
    declared: &HashMap<&str, usize>,
    mode: Mode,
) -> (Vec<String>, Vec<Change>) {
    let gone = state.resources.iter().filter(|(n, _)| !declared.contains_key(n.as_str()));
    match mode {
        Mode::Patch => (gone.map(|(n, _)| n.clone()).collect(), Vec::new()),
        Mode::Reconcile => {
            let _ = stack;
            let deletes = gone
                .map(|(n, rec)| Change {
                    resource: n.clone(),
                    type_name: rec.type_name.clone(),
                    action: Action::Delete,
                    before: Some(rec.props.marked()),
                    after: None,
                    fields: Vec::new(),
                    outputs: Marked::default(),
                    prior_outputs: rec.outputs.clone(),
                    reason: None,
                })
                .collect();
            (Vec::new(), deletes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::secretsmanager::Secret;
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
                outputs: BTreeMap::from([("arn".to_owned(), Json::String(format!("arn:{}", d.name)))]),
                deps: d.deps.iter().map(|x| (*x).to_owned()).collect(),
                status: ResourceStatus::Ready,
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
                props: crate::state::RecordedProps {
                    value: serde_json::json!({"name": "a", "secret_string": "sha256:00"}),
                    sensitive: ["/secret_string".to_owned()].into(),
                },
                outputs: BTreeMap::new(),
                deps: vec![],
                status: ResourceStatus::Ready,
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
        let err = check_secrets(&s, &p, &NoSecrets).unwrap_err();
        assert_eq!(err.to_string(), "`a` needs a secret that cannot be read: the environment variable env:NOT_SET_ANYWHERE is not set: export it, or point the parameter at a file with file:PATH");
        struct Yes;
        impl SecretReader for Yes {
            fn read(&self, _: &SecretSource) -> Result<String, SecretError> {
                Ok("v".into())
            }
        }
        assert!(check_secrets(&s, &p, &Yes).is_ok());
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
}
