//! formae's command line as a library: plan, deploy, import, drift, destroy, status,
//! unlock, state migration and the local sandbox, over the stacks a repository hands it.
//! A repository's `xtask` binary is a few lines:
//!
//! ```rust,ignore
//! fn main() -> std::process::ExitCode {
//!     formae_cli::Cli::new(my_stacks::ALL).run()
//! }
//! ```
//!
//! Subcommands of the repository's own (its test runner, say) plug in through
//! [`Extension`]: `Cli::new(my_stacks::ALL).extend::<MyCommands>().run()`.

mod apply;
mod args;
mod command;
mod commands;
pub mod config;
mod context;
mod failure;
mod logging;
mod output;
mod params;
mod progress;
mod stacks;

use std::ffi::OsString;
use std::marker::PhantomData;
use std::process::ExitCode;

use clap::Parser;
use formae_runtime::StackEntry;

pub use failure::Failure;

use command::{Parsed, Top};
use stacks::Stacks;

/// Subcommands a repository adds to its command line (its own automation), listed after
/// formae's and run once logging is set up.
pub trait Extension: clap::Subcommand {
    /// Runs the subcommand; the exit status on success.
    fn run(self) -> Result<ExitCode, Failure>;
}

/// No subcommands of the repository's own.
#[derive(Debug, Clone, Copy)]
pub enum NoExtension {}

impl clap::FromArgMatches for NoExtension {
    fn from_arg_matches(_: &clap::ArgMatches) -> Result<Self, clap::Error> {
        Err(clap::Error::new(clap::error::ErrorKind::InvalidSubcommand))
    }

    fn update_from_arg_matches(&mut self, _: &clap::ArgMatches) -> Result<(), clap::Error> {
        match *self {}
    }
}

impl clap::Subcommand for NoExtension {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        cmd
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        cmd
    }

    fn has_subcommand(_: &str) -> bool {
        false
    }
}

impl Extension for NoExtension {
    fn run(self) -> Result<ExitCode, Failure> {
        match self {}
    }
}

/// The command line over a repository's stacks, with the repository's own subcommands
/// `E`, if any.
pub struct Cli<E: Extension = NoExtension> {
    stacks: Stacks,
    extension: PhantomData<fn() -> E>,
}

impl Cli {
    /// The command line over `stacks`, listed by `list` in this order.
    pub fn new(stacks: &'static [StackEntry]) -> Self {
        Cli { stacks: Stacks(stacks), extension: PhantomData }
    }
}

impl<E: Extension> Cli<E> {
    /// Adds the repository's own subcommands `X`, listed after formae's.
    pub fn extend<X: Extension>(self) -> Cli<X> {
        Cli { stacks: self.stacks, extension: PhantomData }
    }

    /// Runs the command this process's arguments name; what to exit with.
    pub fn run(self) -> ExitCode {
        self.run_from(std::env::args_os())
    }

    /// Runs the command `args` name (the program's name first); what to exit with.
    pub fn run_from<I, T>(self, args: I) -> ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let parsed = Parsed::<E>::parse_from(args);
        logging::init(parsed.verbose);
        let result = match parsed.command {
            Top::Formae(command) => command.run(self.stacks),
            Top::Repository(command) => command.run(),
        };
        match result {
            Ok(code) => code,
            Err(failure) => {
                eprintln!("error: {}", failure.message());
                let mut cause = failure.source().and_then(|s| s.source());
                while let Some(c) = cause {
                    tracing::debug!(cause = %c, "caused by");
                    cause = c.source();
                }
                ExitCode::FAILURE
            }
        }
    }
}

/// Runs the command line over `stacks`: `Cli::new(stacks).run()`.
pub fn run(stacks: &'static [StackEntry]) -> ExitCode {
    Cli::new(stacks).run()
}
