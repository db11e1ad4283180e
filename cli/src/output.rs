//! What commands print and ask: the plan, the confirmation, the stack's outputs.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};

use formae_runtime::plan::{render_text, RenderOptions};
use formae_runtime::Plan;

use crate::Failure;

/// Prints the plan as text (coloured on a terminal) or as JSON.
pub(crate) fn show_plan(plan: &Plan, json: bool) -> Result<(), Failure> {
    if json {
        println!("{}", serde_json::to_string_pretty(plan)?);
    } else {
        let color = std::io::stdout().is_terminal();
        print!("{}", render_text(plan, RenderOptions { color }));
    }
    Ok(())
}

/// Asks `question` and goes on only on `yes`; `--yes` skips the question, and without a
/// terminal nothing is asked and nothing goes ahead.
pub(crate) fn confirm(yes: bool, question: &str) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::msg("there is no terminal to ask for confirmation: pass --yes to apply without asking"));
    }
    print!("{question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Failure::msg("cancelled; nothing was changed"))
    }
}

/// Prints the stack's outputs, aligned, if it has any.
pub(crate) fn print_outputs(outputs: &BTreeMap<String, serde_json::Value>) {
    if outputs.is_empty() {
        return;
    }
    println!("\nOutputs:");
    let w = outputs.keys().map(String::len).max().unwrap_or(0);
    for (k, v) in outputs {
        let text = v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
        println!("  {k:w$} = {text}");
    }
}
