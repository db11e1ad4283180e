//! Refresh: reads every recorded resource back from the cloud and reports what changed
//! outside formae (drift). The planner then plans against what is really there, so the
//! plan undoes the drift: it updates what was edited and creates again what was deleted.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value as Json;
use tokio::task::JoinSet;

use crate::executor::{Context, ExecError, Existing, Provider};
use crate::plan::{diff_fields, Drift, DriftKind, Found, Mode};
use crate::resolve;
use crate::state::{Op, StackState};
use crate::value::Marked;

/// Reads in flight at once: enough to hide latency, few enough not to be throttled.
const READS_AT_ONCE: usize = 16;

/// A refresh could not read what it needed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// A resource could not be read.
    #[error("reading `{resource}` ({type_name}) back from the cloud failed: {source}; nothing was changed (--refresh=false plans from the recorded state without reading the cloud)")]
    Read {
        /// The resource's name in the stack.
        resource: String,
        /// The resource's type.
        type_name: String,
        /// Why the read failed.
        #[source]
        source: ExecError,
    },
    /// A recorded type has no executor (state written by a newer formae, or a type
    /// its provider does not serve).
    #[error("the state records `{resource}` as {type_name}, a type this formae does not know; nothing was changed")]
    UnknownType {
        /// The resource's name in the stack.
        resource: String,
        /// The type recorded for it, unknown to this build.
        type_name: String,
    },
}

/// The recorded state with every resource as the cloud has it now, and what differs.
#[derive(Debug)]
pub struct Refreshed {
    /// Recorded resources, each with its live properties; resources gone from the cloud
    /// are left out.
    pub state: StackState,
    /// What changed outside formae, in the state's order.
    pub drift: Vec<Drift>,
}

/// Reads every resource recorded in `state` from the cloud. `executors` should know the
/// stack's declarations (see [`Provider::for_stack`]): a provider may serve a recorded
/// resource no declaration describes less well (the AWS provider's bare Cloud Control
/// executor cannot tell a write-only property from an unset one, and keeps the record's
/// value for both).
pub async fn refresh<P: Provider>(state: &StackState, cx: &P::Cx, executors: &P) -> Result<Refreshed, RefreshError> {
    let mut reads: JoinSet<(String, Result<Option<Json>, ExecError>)> = JoinSet::new();
    let mut pending = state.resources.iter();
    let mut live: HashMap<String, Result<Option<Json>, ExecError>> = HashMap::with_capacity(state.resources.len());
    loop {
        while reads.len() < READS_AT_ONCE {
            let Some((name, rec)) = pending.next() else { break };
            let Some(exec) = executors.for_resource(name, &rec.type_name, rec.props.value()) else {
                return Err(RefreshError::UnknownType { resource: name.clone(), type_name: rec.type_name.clone() });
            };
            let (cx, name, rec) = (cx.in_region(rec.region.as_deref()), name.clone(), rec.clone());
            reads.spawn(async move {
                let result = exec.read(&cx, &rec.cloud_id, rec.props.value()).await;
                (name, result)
            });
        }
        let Some(joined) = reads.join_next().await else { break };
        match joined {
            Ok((name, result)) => {
                live.insert(name, result);
            }
            Err(e) => {
                return Err(RefreshError::Read {
                    resource: "(reader)".into(),
                    type_name: String::new(),
                    source: ExecError::Check(format!("a read crashed: {e}")),
                })
            }
        }
    }

    let deleted: Vec<String> = live.iter().filter(|(_, r)| matches!(r, Ok(None))).map(|(n, _)| n.clone()).collect();
    let mut out = state.clone();
    let mut drift = Vec::new();
    for (name, rec) in &state.resources {
        let result = live.remove(name).unwrap_or(Ok(Some(rec.props.value().clone())));
        let kind = match result {
            Ok(None) => {
                out.resources.remove(name);
                DriftKind::Deleted
            }
            Ok(Some(now)) if now == *rec.props.value() => continue,
            Ok(Some(now)) => {
                let now = Marked { value: now, ..rec.props.marked() };
                let fields = diff_fields(&rec.props.marked(), &now, &[], &[], Mode::Reconcile);
                if let Some(r) = out.resources.get_mut(name) {
                    *r.props.value_mut() = now.value;
                }
                DriftKind::Changed(fields)
            }
            // A resource whose home went with a deleted dependency (a database in a
            // deleted cluster) cannot be read; it is planned from its record.
            Err(e) if rec.deps.iter().any(|d| deleted.contains(d)) => {
                tracing::warn!(resource = %name, error = %e, "not readable: something it depends on was deleted");
                continue;
            }
            Err(source) => {
                return Err(RefreshError::Read { resource: name.clone(), type_name: rec.type_name.clone(), source });
            }
        };
        tracing::info!(resource = %name, ?kind, "changed outside formae");
        drift.push(Drift { resource: name.clone(), type_name: rec.type_name.clone(), kind });
    }
    Ok(Refreshed { state: out, drift })
}

/// The properties of a live resource that differ from what the plan saw, if any:
/// `None` when it is as the plan saw it.
pub fn unseen_change(seen: &Json, live: Option<&Json>) -> Option<String> {
    match live {
        None => Some("it was deleted".to_owned()),
        Some(now) if now == seen => None,
        Some(now) => {
            let fields: Vec<String> = diff_fields(&Marked::plain(seen.clone()), &Marked::plain(now.clone()), &[], &[], Mode::Reconcile)
                .into_iter()
                .map(|f| f.path)
                .collect();
            Some(format!("{} changed", fields.join(", ")))
        }
    }
}

struct PlannedOutputs<'a> {
    plan: &'a crate::plan::Plan,
    secrets: &'a dyn crate::plan::SecretReader,
}

impl resolve::Lookup for PlannedOutputs<'_> {
    fn output(&self, resource: &str, attr: &str) -> Option<Json> {
        self.plan.change(resource)?.outputs.field(attr).filter(Marked::is_known).map(|m| m.value)
    }
    fn secret(&self, source: &crate::value::SecretSource) -> Result<String, resolve::SecretError> {
        self.secrets.read(source)
    }
}

/// Values not known before apply stand in as empty strings: finding needs only the
/// identity, which names the resource and is known.
fn placeholders(r: &resolve::Resolved) -> Json {
    let mut v = r.value.clone();
    for p in r.unknown.keys() {
        if let Some(x) = v.pointer_mut(p) {
            *x = Json::String(String::new());
        }
    }
    v
}

/// Looks in the cloud for what each create of `plan` would make: a resource with the
/// same identity (a role made by hand with the guide's commands, say), with where it
/// differs from the declaration. Also returns the resources looked for and not found.
pub async fn find_existing<P: Provider>(
    stack: &crate::resource::StackInstance,
    plan: &crate::plan::Plan,
    state: &StackState,
    cx: &P::Cx,
    executors: &P,
    secrets: &dyn crate::plan::SecretReader,
) -> Result<(Vec<Found>, Vec<String>), RefreshError> {
    let lookup = PlannedOutputs { plan, secrets };
    type Looked = (String, Result<Option<(Existing, Option<Json>)>, ExecError>);
    let mut lookups: JoinSet<Looked> = JoinSet::new();
    let at_once = Arc::new(tokio::sync::Semaphore::new(READS_AT_ONCE));
    let mut declared = HashMap::new();
    let mut order = Vec::new();
    for decl in &stack.resources {
        if !plan.change(decl.name).is_some_and(|c| c.action == crate::plan::Action::Create) {
            continue;
        }
        let Some(exec) = executors.for_resource(decl.name, decl.meta.type_name, &Json::Null) else {
            continue;
        };
        // Only what can be named now can be looked for.
        let resolved = resolve::resolve(&decl.props, &lookup);
        let planned = resolved.planned();
        let identity_known = decl.meta.identity.iter().all(|k| resolved.value.get(*k).is_some() && !planned.unknown_at(&format!("/{k}")));
        if !identity_known {
            continue;
        }
        let props = placeholders(&resolved);
        let (cx, name, type_name) = (cx.in_region(decl.lifecycle.region), decl.name.to_owned(), decl.meta.type_name);
        declared.insert(name.clone(), (type_name, decl.meta.unordered, planned.clone()));
        order.push(name.clone());
        let at_once = Arc::clone(&at_once);
        lookups.spawn(async move {
            let _turn = at_once.acquire_owned().await;
            let found = match exec.find(&cx, props).await {
                Ok(Some(e)) => e,
                Ok(None) => return (name, Ok(None)),
                Err(e) => return (name, Err(e)),
            };
            let live = exec.read(&cx, &found.cloud_id, &planned.value).await;
            (name, live.map(|l| Some((found, l))))
        });
    }
    let mut results = HashMap::new();
    while let Some(joined) = lookups.join_next().await {
        if let Ok((name, r)) = joined {
            results.insert(name, r);
        }
    }
    let (mut found, mut absent) = (Vec::new(), Vec::new());
    for name in order {
        let Some((type_name, unordered, declared_props)) = declared.remove(&name) else { continue };
        match results.remove(&name) {
            Some(Ok(None)) => absent.push(name),
            Some(Ok(Some((existing, Some(live))))) => {
                // The journal's word counts like a tag: an untaggable resource a killed
                // run was creating is ours too.
                let journaled = state.pending.get(&name).is_some_and(|p| p.op == Op::Create);
                let owned = journaled || existing.owned_by(cx.stack(), &name);
                let live = Marked { value: live, sensitive: declared_props.sensitive.clone(), unknown: Default::default() };
                let fields = diff_fields(&live, &declared_props, &[], unordered, Mode::Reconcile);
                found.push(Found { resource: name, cloud_id: existing.cloud_id, owned, fields });
            }
            // Gone between the lookup and the read.
            Some(Ok(Some((_, None)))) => absent.push(name),
            // A lookup that cannot run yet (a database in a cluster whose instance is
            // still to come) is not an error: the apply looks again right before it creates.
            Some(Err(e)) => tracing::debug!(resource = %name, type_name, error = %e, "cannot look for it before the apply"),
            None => {}
        }
    }
    Ok((found, absent))
}
