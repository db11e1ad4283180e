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
//! - [`state`]: what is recorded of a stack: its resources as last applied, their
//!   outputs, and the journal of operations under way.

// Every public item says what it is for: the docs are the reference for stack authors.
#![deny(missing_docs)]

pub mod ids;
pub mod invalid;
pub mod resolve;
pub mod state;
pub mod suggest;
pub mod value;
