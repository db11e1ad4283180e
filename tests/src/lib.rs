//! Fixtures shared by formae's tests: fixed secrets and recorded state as a deploy
//! would leave it, with deterministic stand-in outputs.

pub mod e2e;
pub mod stores;

/// The local AWS sandbox, as the tests have always named it.
pub use formae_sandbox as sandbox;

pub use formae_runtime::testing::{deployed_state, fake_output, FixedSecrets, TEST_PASSWORD};
