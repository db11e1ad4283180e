//! `cargo xtask codegen`: writes `formae-aws` from the pinned CloudFormation schemas;
//! `--check` fails when what is committed differs from a fresh generation.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use formae_cli::Failure;

/// The schemas directory of the `cfn-lint` the sandbox's venv holds.
fn schemas_dir() -> Result<PathBuf, Failure> {
    let venv = formae_sandbox::venv()?;
    let lib = venv.join("lib");
    let entries = std::fs::read_dir(&lib).map_err(|e| Failure::msg(format!("cannot read {}: {e}", lib.display())))?;
    entries
        .filter_map(Result::ok)
        .map(|e| e.path().join("site-packages/cfnlint/data/schemas"))
        .find(|p| p.is_dir())
        .ok_or_else(|| Failure::msg(format!("no cfn-lint schemas under {}: reinstall the sandbox (remove target/sandbox/venv)", lib.display())))
}

pub(crate) fn run(check: bool) -> Result<ExitCode, Failure> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../formae-aws");
    let generated = formae_codegen::generate(&schemas_dir()?)?;
    let (made, listed) = generated.types;
    if check {
        let differ = formae_codegen::differences(&dir, &generated.files);
        if !differ.is_empty() {
            eprintln!("formae-aws differs from a fresh generation in {} file(s):", differ.len());
            for d in differ.iter().take(20) {
                eprintln!("  {d}");
            }
            eprintln!("run `cargo xtask codegen` and commit the result");
            return Ok(ExitCode::FAILURE);
        }
        println!("formae-aws is what the pinned schemas generate ({made} types)");
    } else {
        formae_codegen::write(&dir, &generated.files)?;
        let (typed, all) = generated.typed_references;
        println!(
            "wrote formae-aws: {made} of the {listed} types (those with create, read and delete handlers) in {} services; {typed} of {all} properties take a typed reference; schemas sha256 {}",
            generated.services,
            generated.sha256
        );
    }
    Ok(ExitCode::SUCCESS)
}
