//! The stacks `cargo xtask` knows, each written with the `stack!` macro in a crate of its
//! own (`stacks/<name>`), so that an edit to one rebuilds only that one.

pub use formae_stack_billing_api::{self as billing_api, BillingApi};
pub use formae_stack_ecs_express_agent::{self as ecs_express_agent, EcsExpressAgent};
pub use formae_stack_ecs_express_split::{self as ecs_express_split, FormaeAgent, FormaeData};
pub use formae_stack_network::{self as network, Network};
pub use formae_stack_serverless_app::{self as serverless_app, ServerlessApp};

use formae_runtime::StackEntry;

/// Every stack, in the order `cargo xtask list` shows them.
pub const ALL: &[StackEntry] = &[EcsExpressAgent::ENTRY, FormaeData::ENTRY, FormaeAgent::ENTRY, BillingApi::ENTRY, ServerlessApp::ENTRY, Network::ENTRY];

/// The stack called `name`.
pub fn find(name: &str) -> Option<&'static StackEntry> {
    ALL.iter().find(|s| s.name == name)
}
