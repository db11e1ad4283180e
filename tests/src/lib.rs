//! Fixtures shared by formae's tests: fixed secrets and recorded state as a deploy
//! would leave it, with deterministic stand-in outputs.

pub mod cloud;
pub mod e2e;
pub mod stores;

/// The local AWS sandbox, as the tests have always named it.
pub use formae_sandbox as sandbox;

pub use formae_runtime::testing::{deployed_state, fake_output, FixedSecrets, TEST_PASSWORD};

/// Whether resources of `type_name`, as `entry` declares them with its default
/// parameters, are checks by the runtime's metadata: a check leaves nothing in the cloud to
/// look for.
pub fn declares_check(entry: &formae_runtime::StackEntry, type_name: &str) -> bool {
    let instance = entry.instance(&[]).unwrap_or_else(|e| panic!("{} does not build with its defaults: {e}", entry.name));
    instance.resources.iter().any(|d| d.meta.type_name == type_name && d.meta.is_check)
}
