//! The apply engine: walks a plan's changes as a dependency graph with bounded
//! parallelism. A resource starts as soon as what it waits for is done; references are
//! resolved from outputs as they become known; state is recorded after every step. After
//! a failure nothing new starts, what is in flight finishes, and all done is recorded.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use tokio::task::JoinSet;

use crate::executor::{Applied, Context, ExecError, Executor, Provider};
use crate::plan::{Action, Plan, SecretReader};
use crate::resolve::{self, Lookup, SecretError};
use crate::resource::DeclaredResource;
use crate::state::{PendingOp, RecordedProps, RecordedResource, ResourceStatus, StackState};
use crate::store::{StateStore, StoreError};
use crate::value::{Marked, SecretSource};

pub use crate::state::Op;

/// What happened, as it happens; the command line shows it as progress.
#[derive(Debug, Clone)]
pub enum Event {
    /// An operation started.
    Started {
        /// The resource's name in the stack.
        resource: String,
        /// The operation that started.
        op: Op,
    },
    /// An operation finished.
    Finished {
        /// The resource's name in the stack.
        resource: String,
        /// The operation that finished.
        op: Op,
        /// How long the operation took.
        elapsed: Duration,
    },
    /// An operation failed.
    Failed {
        /// The resource's name in the stack.
        resource: String,
        /// The operation that failed.
        op: Op,
        /// How long the operation ran before it failed.
        elapsed: Duration,
        /// Why it failed.
        error: String,
    },
    /// A running operation says how it is getting on (a check's last answer, say).
    Waiting {
        /// The resource's name in the stack.
        resource: String,
        /// The latest note on how it is getting on.
        note: String,
    },
}

tokio::task_local! {
    /// Where [`note`] sends, within one running operation.
    static NOTES: (String, tokio::sync::mpsc::UnboundedSender<(String, String)>);
    /// The journaled idempotency token of the running create (see [`client_token`]).
    static CLIENT_TOKEN: String;
    /// The name the running update's resource was recorded under (see [`moved_from`]).
    static MOVED_FROM: String;
}

/// The name the resource of the running update was recorded and tagged under before a
/// declared move (`#[moved_from]`): its ownership tags still name it, and the update
/// re-tags. `None` outside such an update.
pub fn moved_from() -> Option<String> {
    MOVED_FROM.try_with(Clone::clone).ok().filter(|t| !t.is_empty())
}

/// The idempotency token the journal recorded for the running create, before it was
/// started: an executor that sends one makes a create killed after the call safe to run
/// again. `None` outside a create the engine runs.
pub fn client_token() -> Option<String> {
    CLIENT_TOKEN.try_with(Clone::clone).ok().filter(|t| !t.is_empty())
}

/// Says how the running operation is getting on (what a check's URL last answered, say);
/// the command line shows it beside the resource while it waits. Outside an apply, it
/// does nothing.
pub fn note(text: impl Into<String>) {
    let text = text.into();
    let _ = NOTES.try_with(|(resource, tx)| tx.send((resource.clone(), text)));
}

/// Receives [`Event`]s.
pub trait Observer: Send + Sync {
    /// One event.
    fn event(&self, event: &Event);
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Observer for Quiet {
    fn event(&self, _: &Event) {}
}

/// How an apply is run.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// At most this many operations at once.
    pub parallelism: usize,
    /// Set (by Ctrl-C, say) to start nothing new: work in flight finishes and is recorded.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// Take over a resource that exists with the identity a create would use even when
    /// this stack did not make it.
    pub adopt: bool,
    /// Update or delete even what changed in the cloud since the plan read it.
    pub force: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions { parallelism: 10, interrupt: None, adopt: false, force: false }
    }
}

/// The outcome of an apply.
#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Operations that completed, with their durations.
    pub done: Vec<(String, Op, Duration)>,
    /// Operations that failed, with the error.
    pub failed: Vec<(String, Op, String)>,
    /// Operations not started, with the reason.
    pub not_started: Vec<(String, Op, String)>,
    /// The stack's outputs after the apply.
    pub outputs: BTreeMap<String, Json>,
    /// Wall time.
    pub elapsed: Duration,
    /// The state as recorded at the end.
    pub state: StackState,
}

impl ApplyReport {
    /// Did every operation complete?
    pub fn succeeded(&self) -> bool {
        self.failed.is_empty() && self.not_started.is_empty()
    }
}

/// Why an apply could not run or record its work.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Writing state failed; the cloud may be ahead of the record.
    #[error("recording state failed: {0}")]
    Store(#[from] StoreError),
    /// A resource type has no executor.
    #[error("no executor for resource type {0}")]
    NoExecutor(String),
    /// A change names a resource neither declared nor recorded.
    #[error("the plan names `{0}`, which is neither declared nor recorded")]
    UnknownResource(String),
    /// A plan read from a file was applied without being given back its stack.
    #[error("the plan of stack `{0}` does not hold its declarations (a plan read from a file holds none): apply what `SavedPlan::into_plan` gives back; nothing was changed")]
    Detached(String),
}

struct Node {
    resource: String,
    op: Op,
    waits_for: usize,
    dependents: Vec<usize>,
}

/// The plan's operation graph, as the engine walks it: the plan computed the order; here
/// each operation only learns who waits for it.
fn graph(plan: &Plan) -> Vec<Node> {
    let mut nodes: Vec<Node> = plan
        .operations
        .iter()
        .map(|o| Node { resource: o.resource.clone(), op: o.op, waits_for: o.after.len(), dependents: Vec::new() })
        .collect();
    for (i, o) in plan.operations.iter().enumerate() {
        for &before in &o.after {
            if let Some(n) = nodes.get_mut(before) {
                n.dependents.push(i);
            }
        }
    }
    nodes
}

struct LiveLookup<'a> {
    state: &'a StackState,
    secrets: &'a dyn SecretReader,
}

impl Lookup for LiveLookup<'_> {
    fn output(&self, resource: &str, attr: &str) -> Option<Json> {
        self.state.output_of(resource, attr)
    }
    fn secret(&self, source: &SecretSource) -> Result<String, SecretError> {
        self.secrets.read(source)
    }
}

enum Work {
    Put { props: Json, prior: Option<(String, Json)> },

    Delete { cloud_id: String, prior: Json },
}

/// Applies `plan` (made against `state`) and records every step in `store`. The plan is
/// all it applies: its planned values, and for what it could not hold, the declarations
/// it keeps.
#[allow(clippy::too_many_arguments)]
pub async fn apply<P: Provider>(
    plan: &Plan,
    mut state: StackState,
    cx: &P::Cx,
    executors: Arc<P>,
    store: &dyn StateStore,
    secrets: &dyn SecretReader,
    opts: ApplyOptions,
    observer: &dyn Observer,
) -> Result<ApplyReport, EngineError> {
    let started = Instant::now();
    let stack_declared = plan.declared.as_ref().ok_or_else(|| EngineError::Detached(plan.stack.clone()))?;
    let stack = plan.stack.as_str();
    let executors = executors.for_plan(plan);
    let mut nodes = graph(plan);
    let mut ready: VecDeque<usize> = (0..nodes.len()).filter(|&i| nodes[i].waits_for == 0).collect();
    // Each operation answers with what it did, and whether a failed create spent its token.
    let mut running: JoinSet<(usize, Duration, Result<Option<Applied>, ExecError>, bool)> = JoinSet::new();
    let mut report = ApplyReport::default();
    let mut started_nodes = vec![false; nodes.len()];
    // What each create or update applies, in plan form: recorded once it is done.
    let mut planned: Vec<Option<Marked>> = vec![None; nodes.len()];
    // What each operation journaled before it started.
    let mut journal: Vec<Option<PendingOp>> = vec![None; nodes.len()];
    let mut failed = false;
    let parallelism = opts.parallelism.max(1);
    let (notes, mut noted) = tokio::sync::mpsc::unbounded_channel::<(String, String)>();

    forget_drift(stack, plan, &state, store).await?;
    // Declared moves: the run sees each resource under its new name at once; the store
    // re-addresses it when its re-tagging update is recorded.
    let mut moves: HashMap<String, String> = HashMap::new();
    for c in &plan.changes {
        let Some(from) = &c.lifecycle.moved_from else { continue };
        if let Some(rec) = state.resources.remove(from) {
            state.resources.insert(c.resource.clone(), rec);
            moves.insert(c.resource.clone(), from.clone());
        }
    }
    let interrupted = || opts.interrupt.as_ref().is_some_and(|i| i.load(Ordering::SeqCst));
    loop {
        while !failed && !interrupted() && running.len() < parallelism {
            let Some(i) = ready.pop_front() else { break };
            started_nodes[i] = true;
            let (name, op) = (nodes[i].resource.clone(), nodes[i].op);
            // What the plan says of this resource, looked up once.
            let change = plan.change(&name);
            let declared = change.and_then(|c| c.declared.as_ref());
            let type_name = match declared {
                Some(d) if op != Op::Delete => d.meta.type_name.to_owned(),
                _ => match state.resources.get(&name) {
                    Some(r) => r.type_name.clone(),
                    None => return Err(EngineError::UnknownResource(name)),
                },
            };
            let work = match op {
                Op::Delete => {
                    let rec = state.resources.get(&name).ok_or_else(|| EngineError::UnknownResource(name.clone()))?;
                    Work::Delete { cloud_id: rec.cloud_id.clone(), prior: rec.props.value().clone() }
                }
                Op::Create | Op::Update => {
                    let d = declared.ok_or_else(|| EngineError::UnknownResource(name.clone()))?;
                    if op == Op::Create && change.is_some_and(|c| c.lifecycle.create_before_destroy) {
                        // The old resource stays, recorded as deposed, until its delete.
                        let deposed = crate::plan::lifecycle::deposed_name(&name);
                        let stored_as = moves.remove(&name).unwrap_or_else(|| name.clone());
                        store.move_resource(stack, &stored_as, &deposed, None).await?;
                        if let Some(rec) = state.resources.remove(&name) {
                            state.resources.insert(deposed, rec);
                        }
                    }
                    let prior = match op {
                        Op::Update => state.resources.get(&name).map(|r| (r.cloud_id.clone(), r.props.value().clone())),
                        _ => None,
                    };
                    // What the plan resolved is what is applied. Only what it could not
                    // hold is resolved now: outputs this apply makes, and secrets (plans
                    // hold their hashes, never them).
                    let after = change.and_then(|c| c.after.as_ref());
                    if let Some(after) = after.filter(|a| a.is_plain()) {
                        planned[i] = Some(after.clone());
                        Work::Put { props: after.value.clone(), prior }
                    } else {
                        let lookup = LiveLookup { state: &state, secrets };
                        let completed = after.and_then(|a| resolve::complete(a, &d.props, &lookup));
                        let resolved = completed.unwrap_or_else(|| resolve::resolve(&d.props, &lookup));
                        if let Some(e) = resolved.first_unreadable() {
                            report.failed.push((name.clone(), op, format!("a secret it needs cannot be read: {e}")));
                            failed = true;
                            continue;
                        }
                        if let Some(what) = resolved.unknown.values().next() {
                            // Only possible if a dependency failed to record its outputs.
                            report.failed.push((name.clone(), op, format!("a value it refers to is not known: {what}")));
                            failed = true;
                            continue;
                        }
                        let mut props = resolved.value.clone();
                        let mut marked = resolved.into_planned();
                        keep_ignored(d, prior.as_ref().map(|(_, p)| p), state.resources.get(&name), &mut props, &mut marked);
                        planned[i] = Some(marked);
                        Work::Put { props, prior }
                    }
                }
            };
            let shape = match &work {
                Work::Put { props, .. } => props,
                Work::Delete { prior, .. } => prior,
            };
            let Some(exec) = executors.for_resource(&name, &type_name, shape) else {
                return Err(EngineError::NoExecutor(type_name));
            };
            // The intent goes on record before the first mutating call, so a run killed
            // midway leaves what it may have made findable. A create's token goes with it:
            // the one an earlier run journaled, while the cloud still honours it.
            let reused = (op == Op::Create).then(|| state.pending.get(&name).and_then(|p| p.reusable_token(&type_name))).flatten();
            // The earlier run's request, answered again by its token, is followed to its
            // end: what it is making may not be ready yet (an instance still creating).
            let follow_request = reused.is_some() && exec.answers_by_token();
            let client_token = (op == Op::Create).then(|| reused.map_or_else(crate::state::new_client_token, str::to_owned));
            let pending = PendingOp {
                op,
                type_name: type_name.clone(),
                cloud_id: state.resources.get(&name).map(|r| r.cloud_id.clone()).filter(|_| op != Op::Create),
                identity: identity_of(&work, declared.map(|d| d.meta.identity).unwrap_or(&[])),
                started_at: String::new(),
                client_token,
            };
            store.put_pending(stack, &name, &pending).await?;
            let token = pending.client_token.clone().unwrap_or_default();
            journal[i] = Some(pending);
            // A create journaled by an earlier run that never recorded its result may
            // have made the resource: that one is ours to adopt.
            let journaled = state.pending.get(&name).is_some_and(|p| p.op == Op::Create);
            // The plan looked for it a moment ago, under the lock, and found nothing.
            let looked = plan.absent.contains(&name) && !journaled;
            observer.event(&Event::Started { resource: name.clone(), op });
            tracing::info!(resource = %name, op = op.doing(), "start");
            // A resource whose last operation failed is in no recorded shape to compare with.
            let failed_before = state.resources.get(&name).is_some_and(|r| r.status == ResourceStatus::Failed);
            // A resource that names its region is applied there; a delete goes where the
            // record says it lives.
            let region = match op {
                Op::Delete => state.resources.get(&name).and_then(|r| r.region.clone()),
                _ => change.and_then(|c| c.lifecycle.region.clone()),
            };
            let (cx, adopt, force) = (cx.in_region(region.as_deref()), opts.adopt, opts.force || failed_before);
            let creating = if looked {
                Creating::Absent
            } else if follow_request {
                Creating::ByToken
            } else {
                Creating::Find { adopt: journaled || adopt }
            };
            let scope = (name.clone(), notes.clone());
            let moving = moves.get(&name).cloned().filter(|_| op == Op::Update).unwrap_or_default();
            running.spawn(NOTES.scope(scope, MOVED_FROM.scope(moving, CLIENT_TOKEN.scope(token, async move {
                let t = Instant::now();
                let result = match work {
                    Work::Put { props, prior: None } => create(exec.as_ref(), &cx, &name, props, creating).await.map(Some),
                    Work::Put { props, prior: Some((id, prior)) } => match reread(exec.as_ref(), &cx, &id, &prior, force).await {
                        Ok(_) => exec.update(&cx, &name, &id, &prior, props).await.map(Some),
                        Err(e) => Err(e),
                    },
                    Work::Delete { cloud_id, prior } => match reread(exec.as_ref(), &cx, &cloud_id, &prior, force).await {
                        Ok(true) => exec.delete(&cx, &cloud_id, &prior).await.map(|_| None),
                        Ok(false) => Ok(None),
                        Err(e) => Err(e),
                    },
                };
                let spent = result.as_ref().err().is_some_and(|e| exec.spends_token(e));
                (i, t.elapsed(), result, spent)
            }))));
        }
        let joined = loop {
            tokio::select! {
                joined = running.join_next() => break joined,
                Some((resource, note)) = noted.recv() => observer.event(&Event::Waiting { resource, note }),
            }
        };
        let Some(joined) = joined else { break };
        let (i, elapsed, result, spent) = match joined {
            Ok(r) => r,
            Err(e) => {
                // A panicking executor is a bug; the run stops starting work and reports it.
                failed = true;
                report.failed.push(("(executor)".into(), Op::Update, format!("an executor crashed: {e}")));
                continue;
            }
        };
        let (name, op) = (nodes[i].resource.clone(), nodes[i].op);
        match result {
            Ok(applied) => {
                let change = plan.change(&name);
                let at = Recording {
                    protected: change.is_some_and(|c| c.lifecycle.protected),
                    region: change.and_then(|c| c.lifecycle.region.clone()),
                    stored_as: moves.remove(&name),
                };
                record(stack, &name, op, applied, planned[i].take(), change.and_then(|c| c.declared.as_ref()), at, &mut state, store).await?;
                observer.event(&Event::Finished { resource: name.clone(), op, elapsed });
                tracing::info!(resource = %name, op = op.done(), ?elapsed, "done");
                report.done.push((name, op, elapsed));
                for j in std::mem::take(&mut nodes[i].dependents) {
                    nodes[j].waits_for -= 1;
                    if nodes[j].waits_for == 0 {
                        ready.push_back(j);
                    }
                }
            }
            Err(e) => {
                if matches!(e, ExecError::Exists { .. }) {
                    // Refused before any change: nothing of ours may be out there, and the
                    // next run must not adopt what this one declined.
                    store.clear_pending(stack, &name).await?;
                } else if let Some(p) = journal[i].take().filter(|p| p.client_token.is_some() && spent) {
                    // The request ended, or its token was used for other properties: the
                    // token is spent. The journaled create stays, for the next run to find
                    // what it may have made by its identity.
                    store.put_pending(stack, &name, &PendingOp { client_token: None, ..p }).await?;
                }
                let error = e.to_string();
                observer.event(&Event::Failed { resource: name.clone(), op, elapsed, error: error.clone() });
                tracing::warn!(resource = %name, op = op.doing(), %error, "failed");
                report.failed.push((name, op, error));
                failed = true;
            }
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        if !started_nodes[i] {
            let why = if interrupted() { "interrupted" } else { "an operation it waits for failed or did not start" };
            report.not_started.push((n.resource.clone(), n.op, why.into()));
        }
    }
    // Protection turned on or off where nothing else changed: recorded all the same.
    if !failed {
        for c in plan.changes.iter().filter(|c| c.lifecycle.protection_changes && c.action == Action::NoOp) {
            if let Some(rec) = state.resources.get_mut(&c.resource) {
                rec.protected = c.lifecycle.protected;
                store.put_resource(stack, &c.resource, rec).await?;
            }
        }
    }
    let lookup = LiveLookup { state: &state, secrets };
    report.outputs = stack_declared
        .outputs
        .iter()
        .filter_map(|o| {
            let r = resolve::resolve(&o.value, &lookup);
            if !r.sensitive.is_empty() {
                // Outputs are recorded and printed in the clear: a secret is never one.
                tracing::warn!(output = o.name, "a stack output holds a secret; it is not recorded");
                return None;
            }
            r.is_complete().then(|| (o.name.to_owned(), r.value))
        })
        .collect();
    store.put_outputs(stack, &report.outputs).await?;
    report.elapsed = started.elapsed();
    report.state = state;
    Ok(report)
}

/// Re-reads a resource before it is updated or deleted: a change made in the cloud since
/// the plan read it (or, without a refresh, since it was recorded) is not overwritten
/// unless `force`. Returns whether the resource still exists.
async fn reread<C: Context>(exec: &dyn Executor<C>, cx: &C, cloud_id: &str, seen: &Json, force: bool) -> Result<bool, ExecError> {
    let live = exec.read(cx, cloud_id, seen).await?;
    match crate::drift::unseen_change(seen, live.as_ref()) {
        Some(detail) if !force => Err(ExecError::Drifted { detail }),
        Some(detail) => {
            tracing::warn!(cloud_id, %detail, "changed outside formae; overwriting (--force)");
            Ok(live.is_some())
        }
        None => Ok(true),
    }
}

/// Brings the record in line with what a refresh found: resources deleted outside
/// formae are forgotten (a create puts back what is still declared), and live properties
/// of drifted resources the plan leaves alone are recorded.
async fn forget_drift(stack: &str, plan: &Plan, state: &StackState, store: &dyn StateStore) -> Result<(), StoreError> {
    for d in &plan.drift {
        match d.kind {
            crate::plan::DriftKind::Deleted => store.remove_resource(stack, &d.resource).await?,
            crate::plan::DriftKind::Changed(_) => {
                let untouched = plan.change(&d.resource).is_none_or(|c| c.action == Action::NoOp);
                if let (true, Some(rec)) = (untouched, state.resources.get(&d.resource)) {
                    store.put_resource(stack, &d.resource, rec).await?;
                }
            }
        }
    }
    Ok(())
}

/// The identity properties of what is being applied (never a secret: identities are names).
fn identity_of(work: &Work, identity: &[&str]) -> Json {
    let props = match work {
        Work::Put { props, .. } => props,
        Work::Delete { prior, .. } => prior,
    };
    Json::Object(identity.iter().filter_map(|k| Some(((*k).to_owned(), props.get(*k)?.clone()))).collect())
}

/// Puts back, in what an update sends and records, the recorded value of each property
/// the declaration ignores changes to; a sensitive one stays as resolved, since the record
/// holds only its hash. The plan did the same to what it shows.
fn keep_ignored(d: &DeclaredResource, prior: Option<&Json>, rec: Option<&RecordedResource>, props: &mut Json, planned: &mut Marked) {
    let (Some(prior), Some(rec), Json::Object(props)) = (prior, rec, props) else { return };
    let recorded = rec.props.marked();
    for key in recorded.keys().into_iter().chain(planned.keys()).map(str::to_owned).collect::<Vec<_>>() {
        let Some(part) = recorded.field(&key).filter(|_| d.lifecycle.ignores(&key)) else { continue };
        if part.sensitive.is_empty() {
            match prior.get(&key) {
                Some(v) => props.insert(key.clone(), v.clone()),
                None => props.remove(&key),
            };
            planned.set_field(&key, Some(part));
        }
    }
}

/// How a finished operation is recorded, beyond what it applied.
struct Recording {
    /// The declaration's protection.
    protected: bool,
    /// The region it was applied in, when not the stack's.
    region: Option<String>,
    /// The name the resource is still stored under, before a declared move.
    stored_as: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn record(
    stack: &str,
    name: &str,
    op: Op,
    applied: Option<Applied>,
    planned: Option<Marked>,
    declared: Option<&DeclaredResource>,
    at: Recording,
    state: &mut StackState,
    store: &dyn StateStore,
) -> Result<(), StoreError> {
    match (op, applied, declared, planned) {
        (Op::Create | Op::Update, Some(applied), Some(d), Some(planned)) => {
            // The record is what was applied, as resolved for the apply, secrets hashed.
            let rec = RecordedResource {
                type_name: d.meta.type_name.to_owned(),
                cloud_id: applied.cloud_id,
                props: RecordedProps::from_marked(planned),
                outputs: applied.outputs.into_iter().collect(),
                deps: d.deps.iter().map(|s| (*s).to_owned()).collect(),
                status: ResourceStatus::Ready,
                protected: at.protected,
                region: at.region.clone(),
            };
            match &at.stored_as {
                Some(from) => store.move_resource(stack, from, name, Some(&rec)).await?,
                None => store.put_resource(stack, name, &rec).await?,
            }
            state.resources.insert(name.to_owned(), rec);
        }
        (Op::Delete, _, _, _) => {
            store.remove_resource(stack, at.stored_as.as_deref().unwrap_or(name)).await?;
            state.resources.remove(name);
        }
        _ => {}
    }
    Ok(())
}

mod create;
#[cfg(test)]
mod tests;

use create::{create, Creating};
