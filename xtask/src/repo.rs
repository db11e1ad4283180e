//! The repository's own subcommands, added to formae's command line: running the test
//! suite and measuring. They are how this repository is worked on, not part of formae.

use std::process::ExitCode;

use clap::Subcommand;
use formae_cli::{Extension, Failure};

/// `bench`, `codegen` and `test`.
#[derive(Subcommand)]
pub(crate) enum Repo {
    /// Generates formae-aws, every AWS resource type, from the pinned CloudFormation schemas.
    Codegen {
        /// Only compare: fail when the committed crate differs from a fresh generation.
        #[arg(long)]
        check: bool,
    },
    /// Measures plan, compile and deploy times; writes BENCHMARKS.md.
    Bench {
        /// A shorter run: stacks up to 1,000 resources, fewer repetitions.
        #[arg(long)]
        quick: bool,
    },
    /// Runs every test: unit, snapshot, compile-fail UI and end-to-end.
    Test {
        /// Passed on to `cargo test`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

impl Extension for Repo {
    fn run(self) -> Result<ExitCode, Failure> {
        match self {
            Repo::Bench { quick } => {
                crate::bench::run(quick)?;
                Ok(ExitCode::SUCCESS)
            }
            Repo::Test { args } => crate::test::run(&args),
            Repo::Codegen { check } => crate::codegen::run(check),
        }
    }
}

/// `cargo`, without what `cargo run` put in this process's environment (which would make
/// build scripts rerun and rebuild the AWS SDK's TLS stack).
pub(crate) fn cargo() -> std::process::Command {
    let mut c = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    xtask_launch::strip_cargo_run_env(&mut c);
    c
}
