//! `status`: the recorded resources, their cloud ids, operations started and not
//! finished, the lock, and the outputs.

use std::process::ExitCode;

use clap::Args;
use formae_runtime::state::ResourceStatus;

use crate::args::{StackArgs, TargetArgs};
use crate::context::{Opened, Reach};
use crate::output::print_outputs;
use crate::stacks::Stacks;
use crate::Failure;

/// `status`'s flags.
#[derive(Args)]
pub(crate) struct Status {
    /// The stack.
    stack: String,
    #[command(flatten)]
    target: TargetArgs,
}

impl Status {
    /// Prints what the state records; reads only, and creates no state.
    pub(crate) fn run(self, stacks: Stacks) -> Result<ExitCode, Failure> {
        let entry = stacks.find(&self.stack)?;
        let reach = Reach { cloud: false, preflight: false, read_only: true };
        Opened::new(entry, &StackArgs::named(self.stack.clone()), &self.target, reach)?.state(async |ctx| {
            let stack = entry.name;
            if let Some(path) = &ctx.no_state_file {
                println!("Stack {stack} has no recorded state: {} does not exist yet (a deploy creates it).", path.display());
                return Ok(ExitCode::SUCCESS);
            }
            let state = ctx.store.load(stack).await?;
            let place = ctx.store.describe();
            if let Some(lock) = ctx.store.lock_info(stack).await? {
                let left = (lock.expires_ms - lock.now_ms) / 1000;
                if lock.expired() {
                    println!("Lock: held by {} until its lease ran out {} s ago (the next run takes it over).", lock.holder, -left);
                } else {
                    println!("Lock: held by {} for {} s more unless renewed.", lock.holder, left);
                }
            }
            if state.resources.is_empty() && state.pending.is_empty() {
                println!("Stack {stack} has no recorded resources in {place}.");
                return Ok(ExitCode::SUCCESS);
            }
            println!("Stack {stack} ({} resources, state in {place}):", state.resources.len());
            let w = state.resources.keys().chain(state.pending.keys()).map(String::len).max().unwrap_or(0);
            for (name, r) in &state.resources {
                let status = match r.status {
                    ResourceStatus::Ready => "ready",
                    ResourceStatus::Failed => "FAILED",
                };
                println!("  {name:w$}  {status:6}  {:34}  {}", r.type_name, r.cloud_id);
            }
            if !state.pending.is_empty() {
                println!("\nStarted and not finished (the next deploy looks for these first):");
                for (name, p) in &state.pending {
                    println!("  {name:w$}  {:6}  {:34}  since {}  {}", p.op, p.type_name, p.started_at, p.identity);
                }
            }
            print_outputs(&state.outputs);
            Ok(ExitCode::SUCCESS)
        })
    }
}
