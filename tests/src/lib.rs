//! Fixtures shared by formae's tests: fixed secrets and recorded state as a deploy
//! would leave it, with deterministic stand-in outputs.

pub mod e2e;
pub mod sandbox;
pub mod stores;

use std::collections::BTreeMap;

use formae_runtime::plan::{planned_props, SecretReader};
use formae_runtime::resolve::{Lookup, SecretError};
use formae_runtime::state::{RecordedResource, ResourceStatus};
use formae_runtime::{SecretSource, StackInstance, StackState};
use serde_json::Value as Json;

/// The password every secret source yields in tests.
pub const TEST_PASSWORD: &str = "correct-horse-battery-staple";

/// Reads every secret source as [`TEST_PASSWORD`].
#[derive(Debug, Default, Clone, Copy)]
pub struct FixedSecrets;

impl SecretReader for FixedSecrets {
    fn read(&self, _: &SecretSource) -> Result<String, SecretError> {
        Ok(TEST_PASSWORD.to_owned())
    }
}

/// A stand-in output value: `fake:<resource>.<attr>`.
pub fn fake_output(resource: &str, attr: &str) -> Json {
    Json::String(format!("fake:{resource}.{attr}"))
}

struct Recording<'a>(&'a StackState);

impl Lookup for Recording<'_> {
    fn output(&self, resource: &str, attr: &str) -> Option<Json> {
        self.0.resources.get(resource)?.outputs.get(attr).cloned()
    }
    fn secret(&self, source: &SecretSource) -> Result<String, SecretError> {
        FixedSecrets.read(source)
    }
}

/// The state a successful deploy of `stack` records, with [`fake_output`] outputs.
pub fn deployed_state(stack: &StackInstance) -> StackState {
    let mut state = StackState::empty(stack.name);
    for decl in &stack.resources {
        let (props, _) = planned_props(decl, &Recording(&state));
        let outputs: BTreeMap<String, Json> =
            decl.meta.outputs.iter().map(|a| ((*a).to_owned(), fake_output(decl.name, a))).collect();
        state.resources.insert(
            decl.name.to_owned(),
            RecordedResource {
                type_name: decl.meta.type_name.to_owned(),
                cloud_id: format!("fake:{}", decl.name),
                props,
                outputs,
                deps: decl.deps.iter().map(|d| (*d).to_owned()).collect(),
                status: ResourceStatus::Ready,
            },
        );
    }
    state
}
