//! Flags several commands share: the stack and its parameters, the target, the state,
//! the refresh and the mode.

use std::path::PathBuf;

use clap::Args;
use crate::config::Backend;
use formae_runtime::deploy::Refresh;
use formae_runtime::Mode;

/// The stack and its parameters.
#[derive(Args, Clone)]
pub(crate) struct StackArgs {
    /// The stack, as `cargo xtask list` names it.
    pub(crate) stack: String,
    /// A stack parameter, `key=value`; repeatable.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub(crate) params: Vec<String>,
}

impl StackArgs {
    /// A stack named on its own, without parameters.
    pub(crate) fn named(stack: String) -> Self {
        StackArgs { stack, params: Vec::new() }
    }
}

/// Where AWS calls go, and where state lives.
#[derive(Args, Clone)]
pub(crate) struct TargetArgs {
    /// Use the local sandbox (started if it is not running), with dummy credentials.
    #[arg(long)]
    pub(crate) sandbox: bool,
    /// Send every AWS call to this endpoint.
    #[arg(long, value_name = "URL", conflicts_with = "sandbox")]
    pub(crate) endpoint_url: Option<String>,
    /// The AWS region; else the stack's `region` parameter, else the default chain's.
    #[arg(long)]
    pub(crate) region: Option<String>,
    #[command(flatten)]
    pub(crate) state: StateArgs,
}

/// The settings file and the state backend.
#[derive(Args, Clone, Default)]
pub(crate) struct StateArgs {
    /// The settings file; else `formae.toml` in the current directory, if there is one.
    #[arg(long, value_name = "FILE", global = true)]
    pub(crate) config: Option<PathBuf>,
    /// The state backend, overriding formae.toml and FORMAE_STATE_BACKEND: sqlite,
    /// postgres or aurora.
    #[arg(long = "state", value_name = "BACKEND", global = true)]
    pub(crate) backend: Option<Backend>,
}

/// Whether to read the recorded resources back from the cloud first.
#[derive(Args, Clone)]
pub(crate) struct RefreshArgs {
    /// Read the recorded resources back from the cloud first and show what changed
    /// outside formae; --refresh=false plans from the record alone.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub(crate) refresh: bool,
}

impl RefreshArgs {
    /// The refresh the planner is asked for.
    pub(crate) fn refresh(&self) -> Refresh {
        if self.refresh {
            Refresh::Cloud
        } else {
            Refresh::RecordOnly
        }
    }
}

/// Reconcile or patch.
#[derive(Args, Clone)]
pub(crate) struct ModeArgs {
    /// reconcile (delete what is no longer declared) or patch (never delete).
    #[arg(long, default_value = "reconcile")]
    pub(crate) mode: Mode,
}
