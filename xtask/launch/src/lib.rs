//! What the launcher and the command line share about running cargo from inside cargo.

use std::process::Command;

/// Removes what `cargo run` put in this process's environment: build scripts (ring's, say)
/// rerun when `CARGO_MANIFEST_DIR` or `CARGO_PKG_NAME` differ from the last build's.
pub fn strip_cargo_run_env(c: &mut Command) {
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_BIN_", "CARGO_PRIMARY_PACKAGE"].iter().any(|p| k.starts_with(p)) {
            c.env_remove(k.as_ref());
        }
    }
}

