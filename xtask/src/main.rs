//! `cargo xtask`: the command line of formae. Picks a stack and plans, deploys,
//! destroys or shows it; runs the sandbox and the benchmarks.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use formae_runtime::plan::{render_text, EnvSecrets, RenderOptions};
use formae_runtime::resource::split_params;
use formae_runtime::{Mode, StackEntry, StackState};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "formae: infrastructure as Rust code")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lists the stacks with their descriptions and parameters.
    List,
    /// Shows what a deploy would change.
    Plan {
        /// The stack, as `cargo xtask list` names it.
        stack: String,
        /// A stack parameter, `key=value`; repeatable.
        #[arg(long = "param", value_name = "KEY=VALUE")]
        params: Vec<String>,
        /// reconcile (delete what is no longer declared) or patch (never delete).
        #[arg(long, default_value = "reconcile")]
        mode: Mode,
        /// Prints the plan as JSON (see docs/plan-json.md).
        #[arg(long)]
        json: bool,
    },
    /// Runs every test: unit, snapshot, compile-fail UI and end-to-end.
    Test {
        /// Passed on to `cargo test`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// An error for people: what went wrong, and what to do.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Failure(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::List => {
            list();
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan { stack, params, mode, json } => {
            let entry = find_stack(&stack)?;
            let instance = (entry.build)(&split_params(&params)?)?;
            let state = StackState::empty(entry.name);
            let plan = formae_runtime::plan(&instance, &state, mode, &EnvSecrets)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&plan)?);
            } else {
                let color = std::io::stdout().is_terminal();
                print!("{}", render_text(&plan, RenderOptions { color }));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Test { args } => test(&args),
    }
}

fn test(args: &[String]) -> Result<ExitCode, Failure> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = std::process::Command::new(cargo)
        .args(["test", "--workspace", "--locked"])
        .args(args)
        .status()
        .map_err(|e| Failure(format!("cannot run cargo test: {e}")))?;
    Ok(if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn find_stack(name: &str) -> Result<&'static StackEntry, Failure> {
    formae_stacks::find(name).ok_or_else(|| {
        let known: Vec<&str> = formae_stacks::ALL.iter().map(|s| s.name).collect();
        Failure(format!("no stack named `{name}`; the stacks are: {} (see `cargo xtask list`)", known.join(", ")))
    })
}

fn list() {
    for s in formae_stacks::ALL {
        println!("{}  {}", s.name, s.description);
        for p in (s.params)() {
            let default = p.default.map(|d| format!(" = {d}")).unwrap_or_default();
            println!("    --param {}: {}{}    {}", p.name, p.ty, default, p.doc);
        }
    }
}
