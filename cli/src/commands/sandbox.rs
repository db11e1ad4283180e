//! `sandbox up|down|status|reset`: the local AWS sandbox that `--sandbox` deploys into.

use std::process::ExitCode;

use clap::Subcommand;
use formae_sandbox::{Delays, Sandbox};

use crate::Failure;

/// What to do with the sandbox.
#[derive(Subcommand)]
pub(crate) enum SandboxAction {
    /// Installs (once) and starts the sandbox on 127.0.0.1.
    Up {
        /// The port.
        #[arg(long, default_value_t = Sandbox::default_port())]
        port: u16,
        /// Seconds an Aurora cluster stays creating.
        #[arg(long, default_value_t = 0.0)]
        cluster_delay: f64,
        /// Seconds a DB instance stays creating.
        #[arg(long, default_value_t = 0.0)]
        instance_delay: f64,
        /// Seconds an express service takes to become active.
        #[arg(long, default_value_t = 0.0)]
        service_delay: f64,
    },
    /// Stops the sandbox and every process it started.
    Down,
    /// Says whether the sandbox runs, where, and what it holds.
    Status,
    /// Wipes every resource in the running sandbox (and the sandbox's recorded state).
    Reset,
}

impl SandboxAction {
    /// Acts on the developer's sandbox (`FORMAE_SANDBOX_DIR`, else `target/sandbox/default`).
    pub(crate) fn run(self) -> Result<ExitCode, Failure> {
        let dir = Sandbox::default_dir();
        match self {
            SandboxAction::Up { port, cluster_delay, instance_delay, service_delay } => {
                if let Some(s) = Sandbox::find(&dir) {
                    println!("The sandbox is already running at {}.", s.endpoint);
                    return Ok(ExitCode::SUCCESS);
                }
                Sandbox::stop(&dir)?;
                let s = Sandbox::start(&dir, port, Delays { cluster: cluster_delay, instance: instance_delay, service: service_delay })?;
                println!("The sandbox is running at {} (state and logs in {}).", s.endpoint, s.dir.display());
            }
            SandboxAction::Down => {
                if Sandbox::stop(&dir)? {
                    println!("The sandbox is stopped.");
                } else {
                    println!("The sandbox was not running.");
                }
            }
            SandboxAction::Status => match Sandbox::find(&dir) {
                Some(s) => {
                    println!("The sandbox is running at {} (in {}).", s.endpoint, s.dir.display());
                    println!("{}", serde_json::to_string_pretty(&s.inventory()?)?);
                }
                None => println!("The sandbox is not running: start it with `cargo xtask sandbox up`."),
            },
            SandboxAction::Reset => {
                let s = Sandbox::find(&dir).ok_or_else(|| Failure::msg("the sandbox is not running: start it with `cargo xtask sandbox up`"))?;
                s.reset()?;
                // Its recorded state describes what was just wiped.
                let _ = std::fs::remove_file(dir.join("state.db"));
                println!("The sandbox is empty.");
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
