//! Snapshot tests of a stack's plans, for a stack of your own. With `insta` as a
//! dev-dependency, a test of what a stack would change is three lines:
//!
//! ```
//! # use formae_macros::stack;
//! # use formae_runtime::prelude::*;
//! # stack! { pub stack BillingApi = "billing-api" {
//! #     param secret_name: String = "billing";
//! #     resource creds = Secret { name: secret_name, secret_string: SecretSource::env("X") };
//! # } }
//! use formae_runtime::testing;
//!
//! // #[test]
//! fn renaming_the_secret_replaces_it() {
//!     let deployed = testing::deployed_state(&testing::build(&BillingApi::ENTRY, &[]));
//!     let plan = testing::plan_text(&testing::build(&BillingApi::ENTRY, &["secret_name=billing-2"]), &deployed);
//!     assert!(plan.contains("must be replaced")); // or insta::assert_snapshot!(plan);
//! }
//! # renaming_the_secret_replaces_it();
//! ```
//!
//! Secrets read as [`TEST_PASSWORD`] and never appear in a plan, so they never reach a
//! snapshot. Accept new or changed snapshots with `INSTA_UPDATE=always cargo test`, after
//! reviewing the `.snap.new` files a failing run leaves beside the `.snap` files.


use serde_json::Value as Json;

use crate::{planned_props, render_text, Mode, Plan, RenderOptions, SecretReader};
use crate::resolve::{Lookup, SecretError};
use crate::state::{RecordedResource, ResourceStatus};
use formae_core::resource::{StackEntry, StackInstance};
use formae_core::state::StackState;
use formae_core::value::SecretSource;

/// The value every secret source yields in tests.
pub const TEST_PASSWORD: &str = "correct-horse-battery-staple";

/// Reads every secret source as [`TEST_PASSWORD`].
#[derive(Debug, Default, Clone, Copy)]
pub struct FixedSecrets;

impl SecretReader for FixedSecrets {
    fn read(&self, _: &SecretSource) -> Result<String, SecretError> {
        Ok(TEST_PASSWORD.to_owned())
    }
}

/// Builds the stack `entry` (`MyStack::ENTRY`) from `key=value` parameters, the rest at
/// their defaults. Panics, naming the problem, on a parameter the stack does not take.
pub fn build(entry: &StackEntry, params: &[&str]) -> StackInstance {
    let args: Vec<String> = params.iter().map(|p| (*p).to_owned()).collect();
    let pairs = crate::resource::split_params(&args).unwrap_or_else(|e| panic!("{e}"));
    entry.instance(&pairs).unwrap_or_else(|e| panic!("{e}"))
}

/// The state of a stack never deployed.
pub fn empty_state(stack: &StackInstance) -> StackState {
    StackState::empty(stack.name)
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

/// The state a successful deploy of `stack` records, every output a [`fake_output`].
pub fn deployed_state(stack: &StackInstance) -> StackState {
    let mut state = StackState::empty(stack.name);
    for decl in &stack.resources {
        let (props, _) = planned_props(decl, &Recording(&state));
        let outputs: crate::state::Outputs = decl.meta.outputs.iter().map(|a| ((*a).to_owned(), fake_output(decl.name, a))).collect();
        state.resources.insert(
            decl.name.to_owned(),
            RecordedResource {
                type_name: decl.meta.type_name.to_owned(),
                cloud_id: format!("fake:{}", decl.name),
                props: crate::state::RecordedProps::from_marked(props),
                outputs,
                deps: decl.deps.iter().map(|d| (*d).to_owned()).collect(),
                status: ResourceStatus::Ready,
                protected: decl.lifecycle.protect,
                region: decl.lifecycle.region.map(str::to_owned),
            },
        );
    }
    state
}

/// `state` with each stand-in output ([`fake_output`]) named in `real` replaced by the
/// value AWS would have given, wherever it appears: in outputs, and in properties that
/// referred to it. For tests that need real ARNs (a state store's cluster, say).
pub fn with_real_outputs(mut state: StackState, real: &[(&str, &str)]) -> StackState {
    fn replace_in(v: &mut Json, real: &[(&str, &str)]) {
        match v {
            Json::String(s) => {
                if let Some((_, to)) = real.iter().find(|(from, _)| from == s) {
                    *s = (*to).to_owned();
                }
            }
            Json::Array(a) => a.iter_mut().for_each(|x| replace_in(x, real)),
            Json::Object(o) => o.values_mut().for_each(|x| replace_in(x, real)),
            _ => {}
        }
    }
    for r in state.resources.values_mut() {
        replace_in(r.props.value_mut(), real);
        r.outputs.iter_mut().for_each(|(_, v)| replace_in(v, real));
    }
    state
}

/// The plan of `stack` against `state` in reconcile mode, with [`FixedSecrets`]. Panics
/// with the planner's error if the stack cannot be planned.
pub fn plan(stack: &StackInstance, state: &StackState) -> Plan {
    crate::plan(stack, state, Mode::Reconcile, &FixedSecrets).unwrap_or_else(|e| panic!("{e}"))
}

/// The plan as `cargo xtask plan` prints it, without colour.
pub fn plan_text(stack: &StackInstance, state: &StackState) -> String {
    render_text(&plan(stack, state), RenderOptions { color: false })
}

/// The plan as `cargo xtask plan --json` prints it.
pub fn plan_json(stack: &StackInstance, state: &StackState) -> Json {
    serde_json::to_value(plan(stack, state)).unwrap_or_else(|e| panic!("the plan does not serialise: {e}"))
}

/// What reads no output and no secret: a resource on its own.
struct Alone;

impl Lookup for Alone {
    fn output(&self, _: &str, _: &str) -> Option<Json> {
        None
    }
    fn secret(&self, source: &SecretSource) -> Result<String, SecretError> {
        FixedSecrets.read(source)
    }
}

/// The round trip of one resource of type `R` made from `sample` (its properties as the
/// type's JSON names them): typed as `R`, planned as a create, and resolved as its
/// executor sends it. Each must give back `sample` (the plan with its sensitive parts
/// masked); the error names the type and what differs. The coverage of the generated
/// types runs it for every type.
pub fn round_trip<R: formae_core::resource::Resource>(sample: Json) -> Result<(), String> {
    let type_name = R::META.type_name;
    let typed: R = serde_json::from_value(sample.clone()).map_err(|e| format!("{type_name}: the sample does not fit the type: {e}"))?;
    let mut stack = StackInstance::with_capacity("coverage", 1);
    stack.add("it", &[], typed);
    let plan = crate::plan(&stack, &empty_state(&stack), Mode::Reconcile, &FixedSecrets).map_err(|e| format!("{type_name}: {e}"))?;
    let after = plan.change("it").and_then(|c| c.after.as_ref()).ok_or_else(|| format!("{type_name}: the plan creates nothing"))?;
    if after.sensitive.is_empty() && after.value != sample {
        return Err(format!("{type_name}: the plan shows {} for {sample}", after.value));
    }
    let sent = crate::resolve::resolve(&stack.resources[0].props, &Alone);
    if sent.value != sample {
        return Err(format!("{type_name}: Cloud Control would be sent {} for {sample}", sent.value));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_round_trip_fails_naming_the_type_when_a_property_is_lost() {
        use formae_runtime::aws::secretsmanager::Secret;
        let fits = serde_json::json!({"name": "a", "secret_string": "x"});
        assert_eq!(super::round_trip::<Secret>(fits), Ok(()));
        let lost = serde_json::json!({"name": "a", "secret_string": "x", "Unknown": 1});
        let e = super::round_trip::<Secret>(lost).err().unwrap_or_default();
        assert!(e.starts_with("AWS::SecretsManager::Secret: Cloud Control would be sent"), "{e}");
        let wrong = serde_json::json!({"name": 5});
        assert!(super::round_trip::<Secret>(wrong).is_err_and(|e| e.contains("does not fit the type")));
    }
}
