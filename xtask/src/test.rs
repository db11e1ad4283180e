//! `cargo xtask test`: every test of the workspace, with the sandbox installed first and
//! the snapshots a failure left pointed out.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use formae_cli::Failure;

/// Runs `cargo test --workspace` with `args`, leaving out the generated service crates
/// (they hold no tests; `formae-aws`'s coverage test covers them); on a failure, lists the
/// new snapshots.
pub(crate) fn run(args: &[String]) -> Result<ExitCode, Failure> {
    // The end-to-end tests start their own sandboxes; install its packages once, up front.
    let venv = formae_sandbox::venv()?;
    let status = crate::repo::cargo()
        .args(["test", "--workspace", "--exclude", "formae-aws-*", "--locked"])
        .args(args)
        .status()
        .map_err(|e| Failure::msg(format!("cannot run cargo test: {e}")))?;
    if status.success() {
        return sandbox_tests(&venv);
    }
    let pending = new_snapshots(&formae_sandbox::repo_root());
    if !pending.is_empty() {
        eprintln!("\n{} snapshot(s) differ from what the tests now produce; each new one is beside the old:", pending.len());
        for p in &pending {
            eprintln!("  {}", p.display());
        }
        eprintln!("Review one with `git diff --no-index <file>.snap <file>.snap.new`; accept them all with `INSTA_UPDATE=always cargo xtask test`.");
    }
    Ok(ExitCode::FAILURE)
}

/// The sandbox's own tests, in Python: its Cloud Control API through boto3, and a sweep
/// that creates, reads and deletes every type it can.
fn sandbox_tests(venv: &Path) -> Result<ExitCode, Failure> {
    let py = formae_sandbox::py_dir();
    let status = std::process::Command::new(venv.join("bin/python"))
        .args(["-m", "unittest", "discover", "-s"])
        .arg(py.join("tests"))
        .arg("-v")
        .current_dir(&py)
        .status()
        .map_err(|e| Failure::msg(format!("cannot run the sandbox's tests: {e}")))?;
    Ok(if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The `.snap.new` files a failed snapshot test left, outside `target/`.
fn new_snapshots(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name();
            if path.is_dir() && name != "target" && name != ".git" {
                dirs.push(path);
            } else if name.to_string_lossy().ends_with(".snap.new") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::new_snapshots;

    #[test]
    fn the_snapshots_a_failed_test_left_are_found_outside_target() {
        let root = std::env::temp_dir().join(format!("formae-snapshots-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for f in ["tests/snapshots/a.snap.new", "tests/snapshots/a.snap", "target/x/b.snap.new", ".git/c.snap.new"] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        assert_eq!(new_snapshots(&root), vec![root.join("tests/snapshots/a.snap.new")]);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
