//! formae-core: the values a stack is written in, and what the planner and the apply
//! make of them. No AWS, no I/O: every other part of formae builds on this one.
//!
//! - [`value`]: declared values ([`value::Value`], [`value::Val`]): literals,
//!   references to other resources' outputs, templates, documents and secrets, beside
//!   the data; and [`value::Marked`], data with its sensitive and unknown parts marked
//!   beside it.
//! - [`resolve`]: a declared value resolved as far as what is known now allows.
//! - [`ids`]: typed ARNs, so a role's ARN cannot go where a secret's belongs.
//! - [`invalid`]: what is wrong with a value, at its property path.
//! - [`suggest`]: the nearest known name to a misspelt one.
//! - [`resource`]: what a resource type is ([`resource::ResourceMeta`], one description
//!   per property) and a stack built from its parameters ([`StackInstance`]), with
//!   [`family`], [`component`] and [`lifecycle`] for what the language adds.
//! - [`literal`]: the checks the compiler runs on values written as literals; [`rules`]:
//!   what AWS refuses that its schemas do not say, which they share with the checks at
//!   build time.
//! - [`cfn`]: what the generated resource types build on.
//! - [`parallel`]: per-resource work of a large stack spread over the cores.
//! - [`state`]: what is recorded of a stack: its resources as last applied, their
//!   outputs, and the journal of operations under way.

// Every public item says what it is for: the docs are the reference for stack authors.
#![deny(missing_docs)]

pub mod cfn;
pub mod component;
pub mod family;
pub mod ids;
pub mod invalid;
pub mod lifecycle;
pub mod literal;
pub mod parallel;
pub mod resolve;
pub mod resource;
pub mod rules;
pub mod state;
pub mod suggest;
pub mod value;

pub use family::{List, Map};
pub use resource::{DeclaredResource, Resource, StackEntry, StackInstance};
pub use value::{Output, Value};
