//! Fixtures shared by formae's tests: fixed secrets and recorded state as a deploy
//! would leave it, with deterministic stand-in outputs.

pub mod e2e;
pub mod sandbox;
pub mod stores;

pub use formae_runtime::testing::{deployed_state, fake_output, FixedSecrets, TEST_PASSWORD};
