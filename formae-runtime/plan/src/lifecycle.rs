//! The planner's side of lifecycle settings: moves re-address records before the diff,
//! ignored properties keep their recorded values, protected resources refuse deletes and
//! replacements, and a replacement created before its old resource is deleted must not
//! take the old one's name.

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use super::error::PlanError;
use super::model::{Action, Change};
use crate::resource::{DeclaredResource, StackInstance};
use crate::state::StackState;
use crate::value::Marked;

/// The name a replaced resource is recorded under between its replacement's create and
/// its own delete, under `#[create_before_destroy]`. No stack name can take this form, so
/// a run killed in between leaves a record that the next plan deletes.
pub fn deposed_name(resource: &str) -> String {
    format!("{resource}{DEPOSED_SUFFIX}")
}

/// What [`deposed_name`] appends.
pub const DEPOSED_SUFFIX: &str = " (deposed)";

/// The moves this plan makes, new name to old: each declared `#[moved_from(old)]` whose
/// old name is recorded and new one is not. A move already made (only the new name
/// recorded) is none; both recorded is refused.
pub(super) fn moves<'a>(stack: &'a StackInstance, state: &StackState) -> Result<HashMap<&'a str, &'a str>, PlanError> {
    let mut moves = HashMap::default();
    let declared = stack.resources.iter().filter_map(|d| Some((d.lifecycle.moved_from?, d.name)));
    for (from, to) in declared.chain(stack.moves.iter().copied()) {
        if !state.resources.contains_key(from) {
            continue;
        }
        if stack.resource(to).is_none() {
            return Err(PlanError::MoveTarget { from: from.to_owned(), to: to.to_owned() });
        }
        match (state.resources.contains_key(from), state.resources.contains_key(to)) {
            (true, true) => return Err(PlanError::MoveClash { from: from.to_owned(), to: to.to_owned() }),
            (true, false) => {
                moves.insert(to, from);
            }
            _ => {}
        }
    }
    Ok(moves)
}

/// Puts back the recorded value of every property `decl` ignores changes to, in `after`;
/// returns the ones that differed. On create there is no record, and nothing is ignored.
pub(super) fn keep_ignored(decl: &DeclaredResource, before: &Marked, after: &mut Marked) -> Vec<String> {
    if decl.lifecycle.ignore_changes.is_empty() {
        return Vec::new();
    }
    let mut keys: Vec<String> = before.keys().into_iter().chain(after.keys()).map(str::to_owned).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut ignored = Vec::new();
    for k in keys.into_iter().filter(|k| decl.lifecycle.ignores(k)) {
        let recorded = before.field(&k);
        if recorded != after.field(&k) {
            after.set_field(&k, recorded);
            ignored.push(k);
        }
    }
    ignored
}

/// Refuses a `#[create_before_destroy]` replacement whose identity keeps a value the old
/// resource holds: the cloud would refuse the create, or worse, hand back the old one.
pub(super) fn check_identity(decl: &DeclaredResource, change: &Change) -> Result<(), PlanError> {
    let (Some(before), Some(after)) = (&change.before, &change.after) else { return Ok(()) };
    for key in after.keys().into_iter().filter(|k| formae_core::lifecycle::names_resource_field(decl.meta, k)) {
        let (Some(b), Some(a)) = (before.field(key), after.field(key)) else { continue };
        if a.is_known() && a.sensitive.is_empty() && !a.value.is_null() && a == b {
            return Err(PlanError::IdentityClash { resource: decl.name.to_owned(), property: (*key).to_owned(), value: a.value.to_string() });
        }
    }
    Ok(())
}

/// A protected resource that a plan would delete or replace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// The resource's name in the stack.
    pub resource: String,
    /// Its type.
    pub type_name: String,
    /// [`Action::Delete`] or [`Action::Replace`].
    pub action: Action,
    /// Protected only by its record: the stack no longer declares it.
    pub by_record: bool,
}

/// Refuses a plan that deletes or replaces a protected resource, naming each.
pub(super) fn check_protected(stack: &str, changes: &[Change], declared: &HashMap<&str, usize>) -> Result<(), PlanError> {
    let refused: Vec<Refused> = changes
        .iter()
        .filter(|c| c.lifecycle.protected && matches!(c.action, Action::Delete | Action::Replace))
        .map(|c| Refused {
            resource: c.resource.clone(),
            type_name: c.type_name.clone(),
            action: c.action,
            by_record: !declared.contains_key(c.resource.as_str()),
        })
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    Err(PlanError::Protected { stack: stack.to_owned(), refused })
}

/// The text of [`PlanError::Protected`].
pub(super) fn refusal_text(stack: &str, refused: &[Refused]) -> String {
    let mut out = format!("stack `{stack}` protects what this plan would delete or replace; nothing was changed:");
    for r in refused {
        let what = if r.action == Action::Replace { "replace" } else { "delete" };
        let how = if r.by_record {
            "it was #[protect]ed when last deployed: deploy the stack with #[protect] removed from it (declaring it again if it was removed), then run this again"
        } else {
            "it is #[protect]ed: remove #[protect] from it (or set its parameter false) to let this happen"
        };
        out.push_str(&format!("\n  - `{}` ({}): the plan would {what} it; {how}", r.resource, r.type_name));
    }
    out
}
