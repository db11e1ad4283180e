//! One file per command.

pub(crate) mod deploy;
pub(crate) mod destroy;
pub(crate) mod drift;
pub(crate) mod import;
pub(crate) mod list;
pub(crate) mod plan;
pub(crate) mod sandbox;
pub(crate) mod state;
pub(crate) mod status;
pub(crate) mod unlock;
