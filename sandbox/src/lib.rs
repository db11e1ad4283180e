//! The local AWS sandbox: installs moto, PostgreSQL and the gap-filler (the Python in
//! `py/`) into a venv under `target/sandbox/`, starts them on 127.0.0.1, stops them, and
//! drives the sandbox through its control endpoints. The command line's `--sandbox` and
//! the end-to-end tests both run it; nothing here reaches AWS.

mod control;
mod error;
mod http;
mod install;
mod postgres;
mod process;
mod secrets;

use std::path::{Path, PathBuf};

pub use error::SandboxError;
pub use install::{pinned, py_dir, venv};
pub use process::free_port;
pub use secrets::SandboxSecrets;

/// The port a developer's sandbox listens on.
pub const DEFAULT_PORT: u16 = 4599;

/// The region the sandbox serves; commands aimed at it use it unless told otherwise.
pub const REGION: &str = "us-east-1";

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Delays that keep resources "creating", so waiters and progress are exercised.
#[derive(Debug, Clone, Copy, Default)]
pub struct Delays {
    /// Seconds an Aurora cluster stays creating.
    pub cluster: f64,
    /// Seconds an instance stays creating.
    pub instance: f64,
    /// Seconds an express service takes to become active (and to drain).
    pub service: f64,
}

/// A running sandbox.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// Where it keeps PostgreSQL's data, its pid, its log and its secrets.
    pub dir: PathBuf,
    /// The endpoint every AWS client points at.
    pub endpoint: String,
}
