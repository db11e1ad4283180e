//! A stack's parameters: those `formae.toml` keeps for it, then `--param`, which wins.

use crate::config::Config;
use formae_runtime::resource::split_params;
use formae_runtime::StackEntry;

use crate::args::StackArgs;
use crate::Failure;

/// The value of parameter `name`: the last given, else the stack's default.
pub(crate) fn param_value(entry: &StackEntry, given: &[(String, String)], name: &str) -> Option<String> {
    given.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()).or_else(|| (entry.params)().into_iter().find(|p| p.name == name).and_then(|p| p.default))
}

/// The stack's parameters: those `formae.toml` keeps for it, then `--param`, which wins.
pub(crate) fn stack_params(entry: &StackEntry, args: &StackArgs, config: &Config) -> Result<Vec<(String, String)>, Failure> {
    let kept = config.params(entry.name)?;
    let known: Vec<&str> = (entry.params)().iter().map(|p| p.name).collect();
    for (k, _) in &kept {
        if !known.contains(&k.as_str()) {
            let file = config.file.as_deref().map(|f| f.display().to_string()).unwrap_or_else(|| "formae.toml".to_owned());
            let hint = formae_runtime::suggest::did_you_mean(k, known.iter().copied());
            return Err(Failure::msg(format!("{file}: [stacks.{}.params] sets `{k}`, which the stack does not have{hint}; its parameters are: {}", entry.name, known.join(", "))));
        }
    }
    let mut all = kept;
    all.extend(split_params(&args.params)?);
    Ok(all)
}
