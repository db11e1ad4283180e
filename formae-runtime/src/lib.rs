//! formae-runtime: what the `stack!` macro's generated code builds on, and the AWS
//! provider. It gathers the stack language (`formae-core`), the planner (`formae-plan`),
//! and with the `aws` feature the apply engine (`formae-engine`), the state stores
//! (`formae-store`) and its own executors on the AWS SDK ([`exec`], [`aws`]), each under
//! the path a stack and the command line use.
//!
//! The resource types a stack can declare, with every property and what AWS does with
//! it, are in [`prelude`]: `cargo doc --open -p formae-runtime` shows them.

// Every public item says what it is for: the docs are the reference for the types.
#![deny(missing_docs)]

pub use formae_core::{cfn_enum, cfn_reference, outputs, required};
pub use formae_core::{cfn, component, family, ids, invalid, lifecycle, literal, resolve, resource, rules, state, suggest, value};

pub mod aws;
#[cfg(feature = "aws")]
pub mod deploy;
#[cfg(feature = "aws")]
pub use formae_engine::drift;
#[cfg(feature = "aws")]
pub use formae_engine::apply as engine;
#[cfg(feature = "aws")]
pub mod exec;
pub use formae_plan as plan;
pub use formae_plan::testing;
#[cfg(feature = "aws")]
pub mod state_guard;
#[cfg(feature = "aws")]
pub use formae_store as store;

pub use plan::{plan, Action, Change, Mode, Plan, PlanError};
pub use resource::{DeclaredResource, Resource, StackEntry, StackInstance};
pub use state::StackState;
pub use family::{List, Map};
pub use value::{nested, prop, Output, SecretSource, Sensitive, Template, Value};

/// What a stack file imports: the resource types and the value helpers.
///
/// Resource types: [`Secret`](crate::aws::secretsmanager::Secret),
/// [`Role`](crate::aws::iam::Role), [`DbCluster`](crate::aws::rds::DbCluster),
/// [`DbInstance`](crate::aws::rds::DbInstance), [`Database`](crate::aws::rdsdata::Database),
/// [`ExpressGatewayService`](crate::aws::ecs::ExpressGatewayService) and
/// [`HttpCheck`](crate::aws::check::HttpCheck); the rest are the structures their
/// properties hold and the typed ARNs their outputs give.
pub mod prelude {
    pub use crate::aws::check::HttpCheck;
    pub use crate::aws::ecs::{ContainerSecret, EnvVar, ExpressGatewayService, PrimaryContainer, Scaling};
    pub use crate::aws::iam::{Effect, InlinePolicy, PolicyDocument, Principal, Role, Statement};
    pub use crate::aws::rds::{DbCluster, DbInstance, ServerlessV2Scaling};
    pub use crate::aws::rdsdata::Database;
    pub use crate::aws::secretsmanager::Secret;
    pub use crate::aws::Tag;
    pub use crate::aws::rds::DbClusterId;
    pub use crate::ids::{AnyArn, DbClusterArn, DbInstanceArn, ExpressServiceArn, PolicyArn, RoleArn, SecretArn};
    pub use crate::family::{List, Map};
    pub use crate::value::{not_secret, SecretSource};
}
