//! The command line's grammar: formae's commands, then the repository's own, and which
//! file runs each.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands::{deploy, destroy, drift, import, list, plan, sandbox, state, status, unlock};
use crate::stacks::Stacks;
use crate::{Extension, Failure};

/// What the process was asked to do.
#[derive(Parser)]
#[command(name = "cargo xtask", about = "formae: infrastructure as Rust code")]
pub(crate) struct Parsed<E: Extension> {
    /// More detail on stderr: -v shows each resource step and every retry of an AWS call,
    /// -vv everything formae logs. Secret values are never logged. FORMAE_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,
    #[command(subcommand)]
    pub(crate) command: Top<E>,
}

/// formae's commands, or one of the repository's own.
#[derive(Subcommand)]
pub(crate) enum Top<E: Extension> {
    /// formae's.
    #[command(flatten)]
    Formae(Command),
    /// The repository's.
    #[command(flatten)]
    Repository(E),
}

/// formae's commands.
#[derive(Subcommand)]
pub(crate) enum Command {
    /// Lists the stacks with their descriptions and parameters.
    List,
    /// Shows what a deploy would change.
    Plan(plan::Plan),
    /// Reads a stack's recorded resources back from the cloud and shows what changed
    /// outside formae. Exits 0 when nothing did, 2 when something did.
    Drift(drift::Drift),
    /// Brings resources that already exist with a declared identity (made by hand, say)
    /// under management: shows each one's differences from the declaration, asks, then
    /// deploys with them adopted.
    Import(import::Import),
    /// Plans, asks, then applies.
    Deploy(deploy::Deploy),
    /// Deletes every recorded resource of a stack, dependents first.
    Destroy(destroy::Destroy),
    /// Shows the recorded resources, their ids and the stack's outputs.
    Status(status::Status),
    /// Removes a stack's lock, whoever holds it: for a run that is gone before its lease
    /// ran out.
    Unlock(unlock::Unlock),
    /// Moves a stack's state between backends.
    State {
        #[command(subcommand)]
        action: state::StateAction,
    },
    /// The local AWS sandbox.
    Sandbox {
        #[command(subcommand)]
        action: sandbox::SandboxAction,
    },
}

impl Command {
    /// Runs the command over `stacks`.
    pub(crate) fn run(self, stacks: Stacks) -> Result<ExitCode, Failure> {
        match self {
            Command::List => list::run(stacks),
            Command::Plan(c) => c.run(stacks),
            Command::Drift(c) => c.run(stacks),
            Command::Import(c) => c.run(stacks),
            Command::Deploy(c) => c.run(stacks),
            Command::Destroy(c) => c.run(stacks),
            Command::Status(c) => c.run(stacks),
            Command::Unlock(c) => c.run(stacks),
            Command::State { action } => action.run(stacks),
            Command::Sandbox { action } => action.run(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::process::ExitCode;

    use clap::{CommandFactory, Parser, Subcommand};

    use super::Parsed;
    use crate::{Extension, Failure, NoExtension};

    /// A repository's own command, as an `xtask` adds one.
    #[derive(Subcommand)]
    enum Own {
        /// Says hello.
        Hello,
    }

    impl Extension for Own {
        fn run(self) -> Result<ExitCode, Failure> {
            Ok(ExitCode::SUCCESS)
        }
    }

    #[test]
    fn the_grammar_holds_together() {
        Parsed::<NoExtension>::command().debug_assert();
        Parsed::<Own>::command().debug_assert();
    }

    #[test]
    fn a_repository_s_own_commands_come_after_formae_s() {
        let names: Vec<String> = Parsed::<Own>::command().get_subcommands().map(|c| c.get_name().to_owned()).collect();
        assert_eq!(names.first().map(String::as_str), Some("list"), "{names:?}");
        assert_eq!(names.last().map(String::as_str), Some("hello"), "{names:?}");
        assert!(names.iter().any(|n| n == "deploy") && names.iter().any(|n| n == "sandbox"), "{names:?}");
    }

    #[test]
    fn a_repository_s_own_command_parses_as_its_own() {
        let parsed = Parsed::<Own>::try_parse_from(["xtask", "-v", "hello"]).expect("hello parses");
        assert_eq!(parsed.verbose, 1);
        assert!(matches!(parsed.command, super::Top::Repository(Own::Hello)));
        let parsed = Parsed::<Own>::try_parse_from(["xtask", "status", "billing-api", "--sandbox"]).expect("status parses");
        assert!(matches!(parsed.command, super::Top::Formae(super::Command::Status(_))));
    }
}
