//! `destroy`: delete every recorded resource, dependents first, in parallel.

use std::process::ExitCode;

use clap::Args;
use formae_runtime::engine::ApplyOptions;

use crate::apply::{apply, finish};
use crate::args::{RefreshArgs, StackArgs, TargetArgs};
use crate::context::{Opened, Reach};
use crate::output::{confirm, show_plan};
use crate::stacks::Stacks;
use crate::Failure;

/// `destroy`'s flags.
#[derive(Args)]
pub(crate) struct Destroy {
    /// The stack.
    stack: String,
    #[command(flatten)]
    target: TargetArgs,
    /// Delete without asking.
    #[arg(long)]
    yes: bool,
    /// Go ahead even when the plan deletes or replaces a resource that holds data (a
    /// database, a bucket, a table, a key); `--yes` alone does not.
    #[arg(long)]
    allow_data_loss: bool,
    /// At most this many deletions at once.
    #[arg(long, default_value_t = 10)]
    parallelism: usize,
    #[command(flatten)]
    refresh: RefreshArgs,
    /// Delete even what changed in the cloud after the plan read it.
    #[arg(long)]
    force: bool,
}

impl Destroy {
    /// Plans the deletion under the lock, asks, applies.
    pub(crate) fn run(self, stacks: Stacks) -> Result<ExitCode, Failure> {
        let entry = stacks.find(&self.stack)?;
        let args = StackArgs::named(self.stack.clone());
        Opened::new(entry, &args, &self.target, Reach::CHANGES)?.session(async |ctx, _, session| {
            let lock = ctx.lock("destroy").await?;
            let result = async {
                let (state, plan) = session.destroy_plan(entry.name, self.refresh.refresh()).await?;
                show_plan(&plan, false)?;
                // Nothing that deletes the database holding this very state goes ahead.
                formae_runtime::state_guard::check(&plan, &ctx.store.location())?;
                formae_runtime::plan::data_loss::check(&plan, self.allow_data_loss)?;
                if !plan.has_work() {
                    return Ok(ExitCode::SUCCESS);
                }
                confirm(self.yes, &format!("Do you really want to destroy every resource of {}?", entry.name))?;
                let opts = ApplyOptions { parallelism: self.parallelism, force: self.force, ..Default::default() };
                let report = apply(session, state, &plan, opts).await?;
                Ok(finish(&report, &plan, "Destroy"))
            }
            .await;
            lock.release().await?;
            result
        })
    }
}
