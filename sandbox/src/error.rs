//! What can go wrong installing, starting, stopping or asking the sandbox.

use std::path::PathBuf;
use std::process::ExitStatus;

/// A sandbox step failed.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A file, socket or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// A command the installation runs exited with a failure.
    #[error("{what}: exited with {status}")]
    Exited {
        /// What the command was for.
        what: String,
        /// How it exited.
        status: ExitStatus,
    },
    /// The sandbox's process ended before it answered.
    #[error("the sandbox exited ({status}) while starting:\n{log}")]
    DiedStarting {
        /// How it exited.
        status: ExitStatus,
        /// Its log.
        log: String,
    },
    /// The sandbox did not answer in time.
    #[error("the sandbox did not answer within 90 s; see {}/sandbox.log", dir.display())]
    NoAnswer {
        /// Its directory, with the log.
        dir: PathBuf,
    },
    /// A sandbox already runs in the directory asked for.
    #[error("a sandbox is already running in {} at {endpoint}: stop it with `cargo xtask sandbox down`", dir.display())]
    AlreadyRunning {
        /// Its directory.
        dir: PathBuf,
        /// Where it answers.
        endpoint: String,
    },
    /// A control endpoint refused a request.
    #[error("the sandbox answered {path} with {code}: {body}")]
    Refused {
        /// The endpoint.
        path: String,
        /// The HTTP status.
        code: u16,
        /// What it said.
        body: String,
    },
    /// A control endpoint answered with something that is not JSON.
    #[error("the sandbox answered {path} with bad JSON: {source}")]
    BadJson {
        /// The endpoint.
        path: String,
        /// Why it did not parse.
        #[source]
        source: serde_json::Error,
    },
    /// Something the sandbox keeps in its directory is missing or unreadable.
    #[error("{0}")]
    Missing(String),
}

/// Maps an I/O error to [`SandboxError::Io`] saying what was being done.
pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> SandboxError {
    let what = what.into();
    move |source| SandboxError::Io { what, source }
}
