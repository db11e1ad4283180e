//! What a plan is: per resource what happens and why, the drift a refresh found, what
//! already exists, the order, and the counts.

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use super::order::Operation;
use crate::resource::{DeclaredOutput, DeclaredResource, StackInstance};
use crate::value::Marked;

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
    /// Recorded properties (plan form), when the change alters or deletes them; a no-op's
    /// are its `after`.
    pub before: Option<Marked>,
    /// Declared properties, resolved as far as known now, if declared.
    pub after: Option<Marked>,
    /// The properties that change (for update and replace).
    pub fields: Vec<FieldChange>,
    /// Output attributes: as recorded for a resource kept, unknown until apply for
    /// creates and replacements.
    pub outputs: super::ChangeOutputs,
    /// Output attributes as recorded, for replacements and deletes.
    #[serde(default, skip_serializing_if = "crate::state::Outputs::is_empty")]
    pub prior_outputs: crate::state::Outputs,
    /// Why, when it is not only a property change (a failed resource, a type change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the stack says of its life that the apply acts on.
    #[serde(flatten)]
    pub lifecycle: ChangeLifecycle,
    /// The declaration it was planned from, when the stack declares it: the apply
    /// resolves from it what the plan could not hold (values known only once what they
    /// refer to exists, and secrets, of which the plan holds hashes). Never written out.
    #[serde(skip)]
    pub declared: Option<DeclaredResource>,
}

impl Change {
    /// Turns a no-op into an update that sends the same properties again, for `reason`
    /// (a move's ownership tags, a check that runs again after its dependencies).
    pub(crate) fn update_unchanged(&mut self, reason: String) {
        self.action = Action::Update;
        self.before = self.before.take().or_else(|| self.after.clone());
        self.reason = Some(reason);
    }
}

/// What a change carries of its resource's lifecycle settings (`#[protect]` and the like).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeLifecycle {
    /// Protected: the apply records it so, and no plan may delete or replace it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protected: bool,
    /// The protection differs from the record: the apply records the new one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protection_changes: bool,
    /// The replacement is created before the old resource is deleted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
    /// The stack allows losing the data it holds (`#[allow_data_loss]`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_data_loss: bool,
    /// Recorded under this name until now: the apply re-addresses it (`#[moved_from]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
    /// Properties that differ from the record but are left as recorded (`#[ignore_changes]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
    /// The region it lives in, when not the stack's (`#[region(..)]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
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
    pub(super) index: super::index::ChangeIndex,
    /// The digest of the state as recorded (before any refresh) that this plan was made
    /// against, when a session made it; what a saved plan checks the state by.
    #[serde(skip)]
    pub recorded_state: Option<String>,
    /// What the apply needs of the stack besides its changes; `None` in a plan read from
    /// a file until [`Plan::attach`] gives it back.
    #[serde(skip)]
    pub declared: Option<StackDeclaration>,
}

/// What a plan keeps of its stack for the apply, beyond each change's declaration: never
/// written out, since a declaration may hold a secret's expression.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StackDeclaration {
    /// The stack's outputs as declared, resolved once the resources exist.
    pub outputs: Vec<DeclaredOutput>,
    /// The other stacks' outputs it reads: (stack, output).
    pub reads: Vec<(&'static str, &'static str)>,
}

impl StackDeclaration {
    /// What `stack` declares of itself.
    pub fn of(stack: &StackInstance) -> Self {
        StackDeclaration { outputs: stack.outputs.clone(), reads: stack.reads.clone() }
    }
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
        self.has_changes() || !self.drift.is_empty() || self.changes.iter().any(|c| c.lifecycle.protection_changes)
    }
    /// Attaches what a refresh found, and says on each change it causes why.
    pub fn note_drift(&mut self, drift: Vec<Drift>) {
        for d in &drift {
            let at = self.index.get(&self.changes, &d.resource);
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
        self.changes.get(self.index.get(&self.changes, resource)?)
    }
    /// Gives a plan read from a file back what it was made from: each change's declaration
    /// and the stack's outputs, from `stack` as built now. Only for a plan checked to be
    /// of this very stack ([`super::saved::SavedPlan::check`]).
    pub fn attach(&mut self, stack: &StackInstance) {
        let declared: HashMap<&str, &DeclaredResource> = stack.resources.iter().map(|d| (d.name, d)).collect();
        for c in &mut self.changes {
            c.declared = match c.action {
                Action::Delete => None,
                _ => declared.get(c.resource.as_str()).map(|d| (*d).clone()),
            };
        }
        self.declared = Some(StackDeclaration::of(stack));
    }

    /// Rebuilds the index of changes by resource, after `changes` was built or read.
    pub fn reindex(&mut self) {
        self.index = super::index::ChangeIndex::of(&self.changes);
    }
}
