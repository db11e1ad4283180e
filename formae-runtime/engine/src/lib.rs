//! The apply engine: a plan's operations walked as a dependency graph through a
//! provider's executors, every step journaled and recorded in a state store; refresh,
//! which reads recorded resources back and reports drift; and [`Session`], the steps a
//! command line takes: plan, check, apply, destroy.
//!
//! The engine knows no cloud. A provider gives it a [`Context`] (its clients, the stack
//! being applied) and a [`Provider`] that names the [`Executor`] of each resource;
//! `formae-runtime`'s AWS provider is one.

// Every public item says what it is for: the docs are the reference for providers.
#![deny(missing_docs)]

pub mod apply;
pub mod drift;
pub mod executor;
pub mod session;

pub use apply::{ApplyOptions, ApplyReport, EngineError, Event, Observer, Op, Quiet};
pub use executor::{Applied, Context, ExecError, Executor, Existing, Observed, Provider, RequestFailure};
pub use session::{DeployError, Refresh, Session, StackReferenceError};

// The stack language's modules, named from the engine's files as the runtime names them.
use formae_core::{resolve, resource, state, value};
use formae_plan as plan;
use formae_store as store;
