//! One deployment session: a provider's context and executors, a state store and a
//! secret reader, and the steps a command line or a test takes with them: plan, apply,
//! destroy.

use std::sync::Arc;

use crate::drift::{self, RefreshError};
use crate::apply::{self as engine, ApplyOptions, ApplyReport, EngineError, Observer};
use crate::executor::Provider;
use crate::plan::{plan, Mode, Plan, PlanError, SecretReader};
use crate::resource::StackInstance;
use crate::state::StackState;
use crate::store::{StateStore, StoreError};

/// Planning failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The state could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The plan could not be made.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Recorded resources could not be read back from the cloud.
    #[error(transparent)]
    Refresh(#[from] RefreshError),
    /// An output read across stacks is missing, or would go while still read.
    #[error(transparent)]
    StackReference(#[from] StackReferenceError),
}

/// A problem with outputs one stack reads from another.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StackReferenceError {
    /// The stack read has not recorded the output.
    #[error("stack `{reader}` reads output `{output}` of stack `{stack}`, which `{stack}` has not recorded: deploy `{stack}` first (with that output declared); nothing was changed")]
    Unrecorded {
        /// The stack that reads.
        reader: String,
        /// The stack read.
        stack: String,
        /// The output.
        output: String,
    },
    /// Outputs this plan removes are still read by other stacks.
    #[error("stack `{stack}` would stop recording outputs other stacks still read: {}; nothing was changed. Remove those references (`use stack`) from the readers and deploy them (or destroy them) first", .read.iter().map(|(o, r)| format!("`{o}` (read by `{r}`)")).collect::<Vec<_>>().join(", "))]
    StillRead {
        /// The stack whose outputs would go.
        stack: String,
        /// Each output and a stack reading it.
        read: Vec<(String, String)>,
    },
}

/// Whether a plan reads recorded resources back from the cloud first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Read every recorded resource and plan against what is there (the default).
    Cloud,
    /// Plan from the record alone: no reads, and drift goes unseen until apply re-reads.
    RecordOnly,
}

/// What a deploy, destroy or status works with.
pub struct Session<'a, P: Provider> {
    /// The provider's clients and settings.
    pub cx: &'a P::Cx,
    /// Where state is recorded.
    pub store: &'a dyn StateStore,
    /// Where secrets are read.
    pub secrets: &'a dyn SecretReader,
    /// The provider's executors; each plan and apply narrows them to its stack
    /// ([`Provider::for_stack`], [`Provider::for_plan`]).
    pub executors: Arc<P>,
}

impl<P: Provider> Session<'_, P> {
    /// The state of `stack` (refreshed from the cloud unless told otherwise) and the plan
    /// to bring it to `instance`. The stack's values are checked before anything is read.
    pub async fn plan(&self, instance: &StackInstance, mode: Mode, refresh: Refresh) -> Result<(StackState, Plan), DeployError> {
        PlanError::check_values(instance)?;
        let state = self.load(instance).await?;
        self.check_readers(instance, &state).await?;
        let recorded = state.digest();
        let executors = self.executors.for_stack(instance);
        let (state, drift) = match refresh {
            Refresh::Cloud if !state.resources.is_empty() => {
                let r = drift::refresh(&state, self.cx, &executors).await?;
                (r.state, r.drift)
            }
            _ => (state, Vec::new()),
        };
        let mut p = plan(instance, &state, mode, self.secrets)?;
        p.recorded_state = Some(recorded);
        p.note_drift(drift);
        p.refreshed = refresh == Refresh::Cloud;
        if refresh == Refresh::Cloud {
            let (found, absent) = drift::find_existing(instance, &p, &state, self.cx, &executors, self.secrets).await?;
            p.found = found;
            p.absent = absent.into_iter().collect();
        }
        Ok((state, p))
    }

    /// The recorded state of `instance`'s stack, with the outputs it reads from other
    /// stacks; an output those have not recorded fails here, naming both stacks.
    pub async fn load(&self, instance: &StackInstance) -> Result<StackState, DeployError> {
        let mut state = self.store.load(instance.name).await?;
        for (stack, output) in &instance.reads {
            if !state.imports.contains_key(*stack) {
                let other = self.store.load(stack).await?;
                state.imports.insert((*stack).to_owned(), other.outputs);
            }
            if !state.imports.get(*stack).is_some_and(|o| o.contains_key(*output)) {
                return Err(StackReferenceError::Unrecorded { reader: instance.name.to_owned(), stack: (*stack).to_owned(), output: (*output).to_owned() }.into());
            }
        }
        Ok(state)
    }

    /// Refuses, before anything changes, a plan after which `instance` no longer records
    /// an output another stack reads (a removed output, or a destroy).
    async fn check_readers(&self, instance: &StackInstance, state: &StackState) -> Result<(), DeployError> {
        let readers = self.store.readers(instance.name).await?;
        let read: Vec<(String, String)> = readers
            .into_iter()
            .filter(|(output, reader)| reader != instance.name && state.outputs.contains_key(output) && !instance.outputs.iter().any(|o| o.name == output))
            .collect();
        if read.is_empty() {
            return Ok(());
        }
        Err(StackReferenceError::StillRead { stack: instance.name.to_owned(), read }.into())
    }

    /// Fails, before anything changes, if a secret the plan needs cannot be read.
    pub fn check(&self, plan: &Plan) -> Result<(), DeployError> {
        Ok(crate::plan::check_secrets(plan, self.secrets)?)
    }

    /// The plan that deletes everything recorded for `stack`, in reverse dependency order.
    pub async fn destroy_plan(&self, stack: &'static str, refresh: Refresh) -> Result<(StackState, Plan), DeployError> {
        self.plan(&StackInstance::with_capacity(stack, 0), Mode::Reconcile, refresh).await
    }

    /// Applies `plan` (from [`Session::plan`], or a saved plan given back its stack with
    /// [`Plan::attach`]) to `state`, recording every step.
    pub async fn apply(&self, state: StackState, plan: &Plan, opts: ApplyOptions, observer: &dyn Observer) -> Result<ApplyReport, EngineError> {
        let declared = plan.declared.as_ref().ok_or_else(|| EngineError::Detached(plan.stack.clone()))?;
        // What this stack reads is on record before it is used, and what it no longer
        // reads comes off only once the apply succeeded.
        let now: Vec<(String, String)> = declared.reads.iter().map(|(s, o)| ((*s).to_owned(), (*o).to_owned())).collect();
        let before = self.store.reads(&plan.stack).await.map_err(EngineError::Store)?;
        let mut both = before.clone();
        both.extend(now.iter().filter(|r| !before.contains(r)).cloned());
        if both != before {
            self.store.put_reads(&plan.stack, &both).await.map_err(EngineError::Store)?;
        }
        let report = engine::apply(plan, state, self.cx, Arc::clone(&self.executors), self.store, self.secrets, opts, observer).await?;
        if report.succeeded() && both != now {
            self.store.put_reads(&plan.stack, &now).await.map_err(EngineError::Store)?;
        }
        Ok(report)
    }
}
