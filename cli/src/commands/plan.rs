//! `plan`: what a deploy would change, after reading the recorded resources back.

use std::process::ExitCode;

use clap::Args;
use formae_runtime::plan::saved::SavedPlan;

use crate::args::{ModeArgs, RefreshArgs, StackArgs, TargetArgs};
use crate::context::{Opened, Reach};
use crate::output::show_plan;
use crate::stacks::Stacks;
use crate::Failure;

/// `plan`'s flags.
#[derive(Args)]
pub(crate) struct Plan {
    #[command(flatten)]
    stack: StackArgs,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    mode: ModeArgs,
    #[command(flatten)]
    refresh: RefreshArgs,
    /// Prints the plan as JSON (see docs/plan-json.md).
    #[arg(long)]
    json: bool,
    /// Exits 0 when there is nothing to change, 2 when there is, 1 on an error (for CI).
    #[arg(long)]
    detailed_exitcode: bool,
    /// Also writes the plan to this file, for `deploy --plan FILE` to apply exactly it.
    #[arg(long, value_name = "FILE")]
    out: Option<std::path::PathBuf>,
}

impl Plan {
    /// Plans and prints; with `--detailed-exitcode`, exits 2 when there is work.
    pub(crate) fn run(self, stacks: Stacks) -> Result<ExitCode, Failure> {
        let (entry, instance) = stacks.build(&self.stack, &self.target.state)?;
        let reach = Reach { cloud: true, preflight: self.refresh.refresh, read_only: true };
        let code = Opened::new(entry, &self.stack, &self.target, reach)?.session(async |ctx, _, session| {
            let (state, plan) = session.plan(&instance, self.mode.mode, self.refresh.refresh()).await?;
            show_plan(&plan, self.json)?;
            if let Some(path) = &self.out {
                let recorded = plan.recorded_state.clone().unwrap_or_else(|| state.digest());
                SavedPlan::new(&instance, recorded, plan.clone()).write(path)?;
                // With --json, stdout is the plan alone.
                let line = format!("Saved this plan to {}: `{} --plan {}` applies exactly it.", path.display(), ctx.again("deploy"), path.display());
                if self.json {
                    eprintln!("{line}");
                } else {
                    println!("{line}");
                }
            }
            let code = if self.detailed_exitcode && plan.has_work() { ExitCode::from(2) } else { ExitCode::SUCCESS };
            // The process ends here: freeing a large stack's trees one by one would only
            // delay the exit.
            std::mem::forget((state, plan));
            Ok(code)
        });
        std::mem::forget(instance);
        code
    }
}
