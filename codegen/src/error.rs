//! What can go wrong generating.

use std::path::PathBuf;

/// A generation that could not finish; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// A schema file could not be read.
    #[error("cannot read {path}: {source} (is the sandbox installed? `cargo xtask sandbox install`)")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A schema file is not JSON.
    #[error("{path} is not JSON: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The schemas are not the pinned ones.
    #[error("the schemas' digest is {found}, not the pinned {pinned}: install the pinned cfn-lint (sandbox/py/requirements.txt) or, to move to new schemas, change the pin and the package together")]
    Digest {
        /// What was read.
        found: String,
        /// What is pinned.
        pinned: &'static str,
    },
    /// A generated file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}
