//! `unlock`: remove a stack's lock whoever holds it, for a run that died before its
//! lease ran out.

use std::process::ExitCode;

use clap::Args;

use crate::args::{StackArgs, TargetArgs};
use crate::context::{Opened, Reach};
use crate::stacks::Stacks;
use crate::Failure;

/// `unlock`'s flags.
#[derive(Args)]
pub(crate) struct Unlock {
    /// The stack.
    stack: String,
    #[command(flatten)]
    target: TargetArgs,
    /// Required: says you checked that the holder is not running.
    #[arg(long)]
    force: bool,
}

impl Unlock {
    /// Removes the lock, only with `--force`.
    pub(crate) fn run(self, stacks: Stacks) -> Result<ExitCode, Failure> {
        let entry = stacks.find(&self.stack)?;
        if !self.force {
            return Err(Failure::msg(format!(
                "unlock removes the lock whoever holds it; check that the holder (see `cargo xtask status {}`) is not running, then pass --force",
                entry.name
            )));
        }
        Opened::new(entry, &StackArgs::named(self.stack.clone()), &self.target, Reach::STATE)?.state(async |ctx| {
            match ctx.store.force_unlock(entry.name).await? {
                Some(info) => println!("Removed the lock on {} held by {}.", entry.name, info.holder),
                None => println!("Stack {} was not locked.", entry.name),
            }
            Ok(ExitCode::SUCCESS)
        })
    }
}
