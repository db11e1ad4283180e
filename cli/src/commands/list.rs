//! `list`: the stacks, their descriptions and parameters.

use std::process::ExitCode;

use crate::stacks::Stacks;
use crate::Failure;

/// Prints every stack with its description and parameters.
pub(crate) fn run(stacks: Stacks) -> Result<ExitCode, Failure> {
    for s in stacks.all() {
        println!("{}  {}", s.name, s.description);
        for p in (s.params)() {
            let default = p.default.map(|d| format!(" = {d}")).unwrap_or_default();
            println!("    --param {}: {}{}    {}", p.name, p.ty, default, p.doc);
        }
    }
    Ok(ExitCode::SUCCESS)
}
