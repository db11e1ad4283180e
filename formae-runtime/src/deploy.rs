//! One deployment session: clients, a state store and a secret reader, and the steps a
//! command line or a test takes with them: plan, apply, destroy.

use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::{self, ApplyOptions, ApplyReport, EngineError, Observer};
use crate::exec::{Cx, Executor};
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
}

/// What a deploy, destroy or status works with.
pub struct Session<'a> {
    /// Clients.
    pub cx: &'a Cx,
    /// Where state is recorded.
    pub store: &'a dyn StateStore,
    /// Where secrets are read.
    pub secrets: &'a dyn SecretReader,
    /// Executors by type name.
    pub executors: Arc<HashMap<&'static str, Box<dyn Executor>>>,
}

impl Session<'_> {
    /// The recorded state of `stack` and the plan to bring it to `instance`.
    pub async fn plan(&self, instance: &StackInstance, mode: Mode) -> Result<(StackState, Plan), DeployError> {
        let state = self.store.load(instance.name).await?;
        let p = plan(instance, &state, mode, self.secrets)?;
        Ok((state, p))
    }

    /// Fails, before anything changes, if a secret the plan needs cannot be read.
    pub fn check(&self, instance: &StackInstance, plan: &Plan) -> Result<(), DeployError> {
        Ok(crate::plan::check_secrets(instance, plan, self.secrets)?)
    }

    /// The plan that deletes everything recorded for `stack`, in reverse dependency order.
    pub async fn destroy_plan(&self, stack: &'static str) -> Result<(StackInstance, StackState, Plan), DeployError> {
        let nothing = StackInstance::with_capacity(stack, 0);
        let (state, p) = self.plan(&nothing, Mode::Reconcile).await?;
        Ok((nothing, state, p))
    }

    /// Applies `plan`, recording every step.
    pub async fn apply(
        &self,
        instance: &StackInstance,
        state: StackState,
        plan: &Plan,
        opts: ApplyOptions,
        observer: &dyn Observer,
    ) -> Result<ApplyReport, EngineError> {
        engine::apply(instance, plan, state, self.cx, Arc::clone(&self.executors), self.store, self.secrets, opts, observer).await
    }
}
