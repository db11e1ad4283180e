//! The stacks `cargo xtask` knows, each written with the `stack!` macro.

pub mod billing_api;
pub mod ecs_express_agent;
pub mod network;
pub mod serverless_app;

pub use billing_api::BillingApi;
pub use ecs_express_agent::EcsExpressAgent;
pub use network::Network;
pub use serverless_app::ServerlessApp;

use formae_runtime::StackEntry;

/// Every stack, in the order `cargo xtask list` shows them.
pub const ALL: &[StackEntry] = &[EcsExpressAgent::ENTRY, BillingApi::ENTRY, ServerlessApp::ENTRY, Network::ENTRY];

/// The stack called `name`.
pub fn find(name: &str) -> Option<&'static StackEntry> {
    ALL.iter().find(|s| s.name == name)
}
