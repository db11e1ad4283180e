//! The planner: the declared stack against recorded state gives, per resource, what to
//! do, and the order to do it in. Linear in the number of resources.

// Every public item says what it is for: the docs are the reference for plans.
#![deny(missing_docs)]

pub mod data_loss;
mod error;
mod index;
pub mod lifecycle;
mod model;
mod order;
mod outputs;
mod render;
pub mod saved;
#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod tests;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde_json::Value as Json;

pub use data_loss::{DataLoss, DataLossRefused};
pub use error::{EnvSecrets, PlanError, SecretReader};
pub use model::{Action, Change, ChangeLifecycle, Drift, DriftKind, FieldChange, Found, Mode, Plan, StackDeclaration, Summary};
pub use order::Operation;
pub use outputs::ChangeOutputs;
pub use render::{render_drift, render_text, RenderOptions};
pub mod testing;

// The stack language's modules, named from the planner's files as the runtime names them.
use formae_core::{invalid, resource, state, value};

use formae_core::resolve::{self, Lookup, SecretError};
use crate::resource::{DeclaredResource, StackInstance};
use crate::state::{RecordedResource, ResourceStatus, StackState};
use crate::value::{Marked, SecretSource};

/// The recorded resources by name, looked up once or twice for every resource planned.
type Records<'a> = HashMap<&'a str, &'a RecordedResource>;

struct PlanLookup<'a> {
    state: &'a StackState,
    /// `state`'s resources by name.
    records: &'a Records<'a>,
    /// What the plan does to the resources planned so far; `None` while planning ahead
    /// of them, as if each one referred to keeps its record (see [`plan`]).
    actions: Option<&'a HashMap<&'a str, Action>>,
    /// Where secrets are read: [`Unread`] while planning ahead, which leaves every
    /// resource that reads one to the walk in order.
    secrets: &'a dyn SecretReader,
    /// Resources this plan re-addresses: new name to the one recorded.
    moves: &'a HashMap<&'a str, &'a str>,
}

/// The secrets of planning ahead: none is read there, so that each is read once, in order.
struct Unread;

impl SecretReader for Unread {
    fn read(&self, source: &SecretSource) -> Result<String, SecretError> {
        Err(SecretError::Empty(source.to_string()))
    }
}

impl<'a> PlanLookup<'a> {
    /// The lookup of the plan proper: outputs of resources the plan keeps, secrets read.
    fn planned(state: &'a StackState, records: &'a Records<'a>, actions: &'a HashMap<&'a str, Action>, secrets: &'a dyn SecretReader, moves: &'a HashMap<&'a str, &'a str>) -> Self {
        PlanLookup { state, records, actions: Some(actions), secrets, moves }
    }

    /// The lookup of planning ahead: every recorded output as if its resource were kept;
    /// no secret read.
    fn ahead(state: &'a StackState, records: &'a Records<'a>, moves: &'a HashMap<&'a str, &'a str>) -> Self {
        PlanLookup { state, records, actions: None, secrets: &Unread, moves }
    }

    /// The record of the declared resource `resource`, under the name it was recorded by.
    fn record(&self, resource: &str) -> Option<&'a RecordedResource> {
        self.records.get(self.moves.get(resource).copied().unwrap_or(resource)).copied()
    }
}

impl Lookup for PlanLookup<'_> {
    fn output(&self, resource: &str, attr: &str) -> Option<Json> {
        self.output_ref(resource, attr).map(std::borrow::Cow::into_owned)
    }
    fn output_ref(&self, resource: &str, attr: &str) -> Option<std::borrow::Cow<'_, Json>> {
        if resource.starts_with(crate::resource::STACK_PREFIX) {
            return self.state.output_of(resource, attr).map(std::borrow::Cow::Owned);
        }
        match self.actions.map(|a| a.get(resource)) {
            None | Some(Some(Action::NoOp | Action::Update)) => self.record(resource)?.outputs.get(attr).map(std::borrow::Cow::Borrowed),
            Some(_) => None,
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
    (r.into_planned(), unreadable)
}

/// Checks, before anything changes, that every secret the plan's creates and updates
/// need can be read: a missing one fails here, naming the resource and the source.
pub fn check_secrets(plan: &Plan, secrets: &dyn SecretReader) -> Result<(), PlanError> {
    for c in &plan.changes {
        let Some(decl) = c.declared.as_ref().filter(|_| matches!(c.action, Action::Create | Action::Update | Action::Replace)) else {
            continue;
        };
        let unreadable = decl.props.each_secret(&mut |src| match secrets.read(src) {
            Ok(_) => std::ops::ControlFlow::Continue(()),
            Err(source) => std::ops::ControlFlow::Break(source),
        });
        if let std::ops::ControlFlow::Break(source) = unreadable {
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
    let mut position: HashMap<&str, usize> = HashMap::with_capacity_and_hasher(stack.resources.len(), Default::default());
    let mut actions: HashMap<&str, Action> = HashMap::with_capacity_and_hasher(stack.resources.len(), Default::default());
    let moves = lifecycle::moves(stack, state)?;
    let records: Records<'_> = state.resources.iter().map(|(name, rec)| (name.as_str(), rec)).collect();

    // Each resource's change depends on those before it only through the outputs it
    // refers to, known unless their resource is created or replaced. So every change is
    // first planned ahead, on every core, as if each resource referred to keeps its
    // record; the walk in order below takes that change when it holds, and plans again
    // the few that refer to a recorded resource it replaces, that read secrets, or that
    // failed (to fail in order). Each change is kept where it was planned ahead.
    let mut changes: Vec<Option<Change>> = formae_core::parallel::map(&stack.resources, |decl| {
        if decl.props.reads_secret() {
            return None;
        }
        change_of(decl, state, &PlanLookup::ahead(state, &records, &moves), &moves, mode).ok()
    });
    for ((i, decl), slot) in stack.resources.iter().enumerate().zip(changes.iter_mut()) {
        for dep in decl.deps {
            if !position.contains_key(dep) {
                return Err(PlanError::Order { resource: decl.name.into(), dep: (*dep).into() });
            }
        }
        position.insert(decl.name, i);
        let lookup = PlanLookup::planned(state, &records, &actions, secrets, &moves);
        // Planning ahead read a recorded output where this plan reads none. What it refers
        // to is among its dependencies, which the macro listed.
        let stale = |r: &&str| !matches!(actions.get(r), Some(Action::NoOp | Action::Update)) && lookup.record(r).is_some();
        // Kept where it is: a change is large, and most are taken as planned ahead.
        let change = match slot {
            Some(change) if !decl.deps.iter().any(stale) => change,
            _ => slot.insert(change_of(decl, state, &lookup, &moves, mode)?),
        };
        if decl.meta.reruns_when_dependencies_change && change.action == Action::NoOp {
            let changed = decl.deps.iter().find(|d| matches!(actions.get(*d), Some(Action::Create | Action::Update | Action::Replace)));
            if let Some(dep) = changed {
                change.update_unchanged(format!("`{dep}` changes, so it runs again"));
            }
        }
        actions.insert(decl.name, change.action);
        change.declared = Some(decl.clone());
    }
    // Every slot holds its change by now. `filter_map` reuses the slots' memory in place,
    // where `flatten` would copy each change into a second buffer.
    #[allow(clippy::filter_map_identity)]
    let mut changes: Vec<Change> = changes.into_iter().filter_map(std::convert::identity).collect();

    let moved: HashSet<&str> = moves.values().copied().collect();
    let (kept, mut deletes) = undeclared(state, &position, &moved, mode);
    for d in &mut deletes {
        if let Some(cond) = stack.off_because(&d.resource) {
            let (param, holds) = match cond.strip_prefix('!') {
                Some(p) => (p, "true"),
                None => (cond, "false"),
            };
            d.reason = Some(format!("`{param}` is {holds}, and it exists only under `if {cond}`"));
        }
    }
    changes.extend(deletes);
    lifecycle::check_protected(stack.name, &changes, &position)?;
    let operations = order::operations(stack, &changes, state);
    let steps = order::steps(&operations);

    let lookup = PlanLookup::planned(state, &records, &actions, secrets, &moves);
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
        index: Default::default(),
        recorded_state: None,
        declared: Some(StackDeclaration::of(stack)),
    };
    plan.reindex();
    Ok(plan)
}

/// What the plan does to `decl`, its references resolved through `lookup`.
fn change_of(decl: &DeclaredResource, state: &StackState, lookup: &PlanLookup<'_>, moves: &HashMap<&str, &str>, mode: Mode) -> Result<Change, PlanError> {
    let (after, unreadable) = planned_props(decl, lookup);
    let moved_from = moves.get(decl.name).copied();
    let rec = lookup.record(decl.name);
    // Only a replacement created first can meet an earlier one's deposed record.
    let deposed = decl.lifecycle.create_before_destroy && state.resources.contains_key(&lifecycle::deposed_name(decl.name));
    let mut change = diff_resource(decl, rec, after, unreadable, mode, deposed)?;
    if let Some(from) = moved_from {
        change.lifecycle.moved_from = Some(from.to_owned());
        if change.action == Action::NoOp {
            // The cloud's ownership tags name the resource: they follow the move.
            change.update_unchanged(format!("it moved from `{from}`; its ownership tags follow"));
        }
    }
    if change.lifecycle.create_before_destroy {
        lifecycle::check_identity(decl, &change)?;
    }
    Ok(change)
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
    rec: Option<&RecordedResource>,
    mut after: Marked,
    unreadable: Option<SecretError>,
    mode: Mode,
    deposed: bool,
) -> Result<Change, PlanError> {
    let type_name = decl.meta.type_name.to_owned();
    let declared = ChangeLifecycle {
        protected: decl.lifecycle.protect,
        allow_data_loss: decl.lifecycle.allow_data_loss,
        region: decl.lifecycle.region.map(str::to_owned),
        ..ChangeLifecycle::default()
    };
    let Some(rec) = rec else {
        return Ok(Change {
            resource: decl.name.to_owned(),
            type_name,
            action: Action::Create,
            before: None,
            after: Some(after),
            fields: Vec::new(),
            outputs: ChangeOutputs::Planned(unknown_outputs(decl)),
            prior_outputs: Default::default(),
            reason: None,
            lifecycle: declared,
            declared: None,
        });
    };
    if let Some(source) = unreadable {
        return Err(PlanError::Secret { resource: decl.name.to_owned(), source });
    }
    // What is declared is, most often, exactly what is recorded: then nothing differs
    // and nothing is ignored, found without building the record's tree.
    let (before, ignored, fields) = if rec.props.is(&after) {
        (None, Vec::new(), Vec::new())
    } else {
        let before = rec.props.marked();
        let ignored = lifecycle::keep_ignored(decl, &before, &mut after);
        let fields = diff_fields(&before, &after, decl.meta.create_only, decl.meta.unordered, mode);
        (Some(before), ignored, fields)
    };
    let (action, reason) = if rec.type_name != decl.meta.type_name {
        (Action::Replace, Some(format!("its type changed from {}", rec.type_name)))
    } else if rec.region.as_deref() != decl.lifecycle.region {
        let region = |r: Option<&str>| r.map_or_else(|| "the stack's region".to_owned(), |r| format!("region {r}"));
        (Action::Replace, Some(format!("it moves from {} to {}", region(rec.region.as_deref()), region(decl.lifecycle.region))))
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
        Action::Replace => (ChangeOutputs::Planned(unknown_outputs(decl)), rec.outputs.clone()),
        _ => (ChangeOutputs::Recorded(rec.outputs.clone()), Default::default()),
    };
    let mut reason = reason;
    let replace_first = decl.lifecycle.create_before_destroy && action == Action::Replace;
    if replace_first && deposed {
        // One deposed record per name: the earlier one goes first, with this replacement.
        reason = Some("an earlier replacement's old resource is still to be deleted, so this one deletes before it creates".to_owned());
    }
    // A no-op's record is its `after`; any other change shows what it changes from.
    let before = match action {
        Action::NoOp => None,
        _ => Some(before.unwrap_or_else(|| rec.props.marked())),
    };
    Ok(Change {
        resource: decl.name.to_owned(),
        type_name,
        action,
        before,
        after: Some(after),
        fields,
        outputs,
        prior_outputs,
        reason,
        lifecycle: ChangeLifecycle {
            protection_changes: rec.protected != decl.lifecycle.protect,
            create_before_destroy: replace_first && !deposed,
            ignored,
            ..declared
        },
        declared: None,
    })
}

/// The properties that differ between `before` and `after` (top-level keys): in their
/// data, or in their marks (a part known only after apply always differs). The lists
/// named `unordered` differ only when they hold other items.
pub fn diff_fields(before: &Marked, after: &Marked, create_only: &[&str], unordered: &[&str], mode: Mode) -> Vec<FieldChange> {
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
            if unordered.contains(&k) && same_items(bv.as_ref(), av.as_ref()) {
                return None;
            }
            Some(FieldChange { path: k.to_owned(), before: bv, after: av, forces_replacement: create_only.contains(&k) })
        })
        .collect()
}

/// Whether two known lists hold the same items, in any order.
fn same_items(before: Option<&Marked>, after: Option<&Marked>) -> bool {
    let (Some(b), Some(a)) = (before, after) else { return false };
    if !b.is_known() || !a.is_known() || b.sensitive != a.sensitive {
        return false;
    }
    let (Json::Array(b), Json::Array(a)) = (&b.value, &a.value) else { return false };
    let sorted = |items: &[Json]| {
        let mut texts: Vec<String> = items.iter().map(Json::to_string).collect();
        texts.sort_unstable();
        texts
    };
    b.len() == a.len() && sorted(b) == sorted(a)
}

fn undeclared(
    state: &StackState,
    declared: &HashMap<&str, usize>,
    moved: &HashSet<&str>,
    mode: Mode,
) -> (Vec<String>, Vec<Change>) {
    let gone = state.resources.iter().filter(|(n, _)| !declared.contains_key(n.as_str()) && !moved.contains(n.as_str()));
    // The old half of an interrupted replacement is deleted in either mode: it was meant to go.
    let is_deposed = |n: &str| n.ends_with(lifecycle::DEPOSED_SUFFIX);
    let kept = match mode {
        Mode::Patch => gone.clone().filter(|(n, _)| !is_deposed(n)).map(|(n, _)| n.clone()).collect(),
        Mode::Reconcile => Vec::new(),
    };
    let deleted = gone.filter(|(n, _)| mode == Mode::Reconcile || is_deposed(n));
    let deletes = deleted
        .map(|(n, rec)| Change {
            resource: n.clone(),
            type_name: rec.type_name.clone(),
            action: Action::Delete,
            before: Some(rec.props.marked()),
            after: None,
            fields: Vec::new(),
            outputs: ChangeOutputs::default(),
            prior_outputs: rec.outputs.clone(),
            reason: None,
            lifecycle: ChangeLifecycle { protected: rec.protected, region: rec.region.clone(), ..ChangeLifecycle::default() },
            declared: None,
        })
        .collect();
    (kept, deletes)
}
