//! `state migrate`: move a stack's state to another backend.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use crate::config::Backend;
use formae_runtime::store::{move_state, Holder};

use crate::args::{StackArgs, TargetArgs};
use crate::context::{Opened, Reach};
use crate::stacks::Stacks;
use crate::Failure;

/// What to do with a stack's state.
#[derive(Subcommand)]
pub(crate) enum StateAction {
    /// Copies a stack's whole state from the configured backend to another, checks the
    /// copy, then removes it from the source. Refuses while the stack is locked.
    Migrate {
        /// The stack.
        stack: String,
        #[command(flatten)]
        target: TargetArgs,
        /// The backend to move to; its settings come from its section of formae.toml.
        #[arg(long, value_name = "BACKEND")]
        to: Backend,
        /// Overwrite state the destination already has for the stack.
        #[arg(long)]
        force: bool,
    },
}

impl StateAction {
    /// Moves the state, locked at both ends, and says how to select it from now on.
    pub(crate) fn run(self, stacks: Stacks) -> Result<ExitCode, Failure> {
        let StateAction::Migrate { stack, target, to, force } = self;
        let entry = stacks.find(&stack)?;
        Opened::new(entry, &StackArgs::named(stack), &target, Reach::STATE)?.state(async |ctx| {
            let dest = ctx.config.state.open(Some(to), &ctx.default_sqlite, &ctx.target).await?;
            let n = move_state(Arc::clone(&ctx.store), Arc::clone(&dest), entry.name, &Holder::this_process("state migrate"), force).await?;
            println!("Moved the state of {} ({n} resources) from {} to {}.", entry.name, ctx.store.describe(), dest.describe());
            println!("Select it from now on: set `backend = \"{to}\"` under [state] in formae.toml.");
            Ok(ExitCode::SUCCESS)
        })
    }
}
