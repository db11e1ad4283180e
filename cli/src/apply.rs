//! Applying a plan with progress and Ctrl-C handling, and the summary after.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use formae_runtime::deploy::Session;
use formae_runtime::engine::{ApplyOptions, ApplyReport, Op};
use formae_runtime::{Plan, StackState};

use crate::output::print_outputs;
use crate::progress::Progress;
use crate::Failure;

/// Applies with progress on stderr. The first Ctrl-C starts nothing new and lets work in
/// flight finish and be recorded; a second one exits at once (the journal holds what was
/// in flight).
pub(crate) async fn apply(session: &Session<'_>, state: StackState, plan: &Plan, opts: ApplyOptions) -> Result<ApplyReport, Failure> {
    let progress = Progress::new(std::io::stderr().is_terminal());
    let interrupt = Arc::new(AtomicBool::new(false));
    let watcher = {
        let interrupt = Arc::clone(&interrupt);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\nInterrupted: starting nothing new; waiting for the operations in flight to finish and be recorded (Ctrl-C again to quit now).");
                interrupt.store(true, Ordering::SeqCst);
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        })
    };
    let report = session.apply(state, plan, ApplyOptions { interrupt: Some(interrupt), ..opts }, &progress).await;
    watcher.abort();
    Ok(report?)
}

/// Prints how the apply went (`what` is "Apply" or "Destroy"): the counts, what failed
/// and what did not start, each check that passed, and the outputs; the exit status.
pub(crate) fn finish(report: &ApplyReport, plan: &Plan, what: &str) -> ExitCode {
    println!();
    let s = plan.summary;
    if report.succeeded() {
        println!(
            "{what} complete in {:.1}s! Resources: {} added, {} changed, {} destroyed.",
            report.elapsed.as_secs_f64(),
            s.add,
            s.change,
            s.destroy
        );
    } else {
        println!("{what} failed after {:.1}s. What was done is recorded; run it again to continue.", report.elapsed.as_secs_f64());
        for (name, op, err) in &report.failed {
            println!("  ✗ {name} ({}): {err}", op.doing());
        }
        for (name, op, why) in &report.not_started {
            println!("  - {name} ({}) not started: {why}", op.doing());
        }
    }
    // Which resources are checks is the runtime's metadata to say.
    let is_check = |name: &str| plan.change(name).and_then(|c| c.declared.as_ref()).is_some_and(|d| d.meta.is_check);
    let checks = report.done.iter().filter(|(name, op, _)| *op != Op::Delete && is_check(name));
    for (name, _, _) in checks {
        let Some(rec) = report.state.resources.get(name) else { continue };
        let status = rec.outputs.get("status").map(|s| s.to_string()).unwrap_or_default();
        println!("Check {name} passed: GET {} answered {status}.", rec.cloud_id);
    }
    print_outputs(&report.outputs);
    if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
