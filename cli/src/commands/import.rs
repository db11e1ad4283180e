//! `import`: bring resources that already exist with a declared identity under
//! management, after showing where each differs from the declaration.

use std::process::ExitCode;

use clap::Args;
use formae_runtime::deploy::Refresh;
use formae_runtime::engine::ApplyOptions;
use formae_runtime::Mode;

use crate::args::{StackArgs, TargetArgs};
use crate::commands::deploy::{plan_and_apply, How};
use crate::context::{Opened, Reach};
use crate::stacks::Stacks;
use crate::Failure;

/// `import`'s flags.
#[derive(Args)]
pub(crate) struct Import {
    #[command(flatten)]
    stack: StackArgs,
    #[command(flatten)]
    target: TargetArgs,
    /// Import and apply without asking.
    #[arg(long)]
    yes: bool,
    /// At most this many resource operations at once.
    #[arg(long, default_value_t = 10)]
    parallelism: usize,
}

impl Import {
    /// A deploy that adopts what exists, reconciling and reading the cloud first.
    pub(crate) fn run(self, stacks: Stacks) -> Result<ExitCode, Failure> {
        let (entry, instance) = stacks.build(&self.stack, &self.target.state)?;
        let how = How {
            mode: Mode::Reconcile,
            refresh: Refresh::Cloud,
            yes: self.yes,
            // Import takes over what exists; a plan of its that deletes data stops.
            allow_data_loss: false,
            opts: ApplyOptions { parallelism: self.parallelism, adopt: true, ..Default::default() },
            command: "import",
        };
        Opened::new(entry, &self.stack, &self.target, Reach::CHANGES)?.session(async |ctx, _, session| plan_and_apply(ctx, session, &instance, how).await)
    }
}
