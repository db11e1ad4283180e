//! The stacks the command line knows: finding one by name and building it from its
//! parameters.

use crate::config::Config;
use formae_runtime::{StackEntry, StackInstance};

use crate::args::{StackArgs, StateArgs};
use crate::params::stack_params;
use crate::Failure;

/// The stacks a repository hands the command line, in the order `list` shows them.
#[derive(Clone, Copy)]
pub(crate) struct Stacks(pub(crate) &'static [StackEntry]);

impl Stacks {
    /// The stack called `name`, or a message naming the ones there are.
    pub(crate) fn find(&self, name: &str) -> Result<&'static StackEntry, Failure> {
        self.0.iter().find(|s| s.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.0.iter().map(|s| s.name).collect();
            Failure::msg(format!("no stack named `{name}`; the stacks are: {} (see `cargo xtask list`)", known.join(", ")))
        })
    }

    /// The stack `args` names, built from its parameters (formae.toml's, then `--param`)
    /// and checked: bad values change nothing, since nothing is opened or started yet.
    pub(crate) fn build(&self, args: &StackArgs, state: &StateArgs) -> Result<(&'static StackEntry, StackInstance), Failure> {
        let entry = self.find(&args.stack)?;
        let config = Config::find(state.config.as_deref(), &std::env::current_dir()?)?;
        let instance = entry.instance(&stack_params(entry, args, &config)?)?;
        formae_runtime::PlanError::check_values(&instance)?;
        Ok((entry, instance))
    }

    /// Every stack, in order.
    pub(crate) fn all(&self) -> &'static [StackEntry] {
        self.0
    }
}
