//! `drift`: what changed in the cloud outside formae since the last apply.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Args;
use formae_runtime::exec::registry;
use formae_runtime::plan::RenderOptions;

use crate::args::{StackArgs, TargetArgs};
use crate::context::{Opened, Reach};
use crate::stacks::Stacks;
use crate::Failure;

/// `drift`'s flags.
#[derive(Args)]
pub(crate) struct Drift {
    /// The stack, and the parameters the hint's deploy should repeat.
    #[command(flatten)]
    stack: StackArgs,
    #[command(flatten)]
    target: TargetArgs,
}

impl Drift {
    /// Reads the recorded resources back and shows what differs, without planning; exits
    /// 2 when something does.
    pub(crate) fn run(self, stacks: Stacks) -> Result<ExitCode, Failure> {
        // The declaration says how Cloud Control types are read (which properties the
        // cloud never shows).
        let (entry, instance) = stacks.build(&self.stack, &self.target.state)?;
        let reach = Reach { cloud: true, preflight: true, read_only: true };
        Opened::new(entry, &self.stack, &self.target, reach)?.session(async |ctx, cx, _| {
            let stack = entry.name;
            let state = ctx.store.load(stack).await?;
            if state.resources.is_empty() {
                println!("Stack {stack} has no recorded resources in {}; nothing to compare.", ctx.store.describe());
                return Ok(ExitCode::SUCCESS);
            }
            let refreshed = formae_runtime::drift::refresh(&state, cx, &registry().for_stack(&instance)).await?;
            if refreshed.drift.is_empty() {
                println!("No drift: the {} resources of {stack} are as formae last applied them.", state.resources.len());
                return Ok(ExitCode::SUCCESS);
            }
            print!("{}", formae_runtime::plan::render_drift(&refreshed.drift, RenderOptions { color: std::io::stdout().is_terminal() }));
            println!("{} of {} resources changed outside formae. `{}` restores the declaration.", refreshed.drift.len(), state.resources.len(), ctx.again("deploy"));
            Ok(ExitCode::from(2))
        })
    }
}
