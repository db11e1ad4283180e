//! How a state store fails.

use super::lock::LockInfo;
use super::schema::SCHEMA_VERSION;
use super::sql::SqlError;

/// A state store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend refused or failed a statement, or could not be reached.
    #[error("state store {store}: {source}")]
    Backend {
        /// Which store failed.
        store: String,
        /// What the backend said.
        #[source]
        source: SqlError,
    },
    /// The store was written by a newer formae; it is left untouched.
    #[error("state store {store} has schema version {found}, newer than this formae understands ({SCHEMA_VERSION}); upgrade formae, the store was not changed")]
    Newer {
        /// Which store it is.
        store: String,
        /// The schema version the store has.
        found: i64,
    },
    /// A row does not parse.
    #[error("state store {store}: the record of `{resource}` is corrupt ({message}); the store was not changed")]
    Corrupt {
        /// Which store it is.
        store: String,
        /// The resource whose record is corrupt.
        resource: String,
        /// Why the record does not parse.
        message: String,
    },
    /// The stack is locked by another run.
    #[error(
        "stack `{stack}` is locked by {holder}, taken {since} s ago (its lease runs out in {left} s unless renewed); wait for that run to finish, or if it is gone, `cargo xtask unlock {stack} --force`",
        holder = info.holder,
        since = (info.now_ms - info.acquired_ms).max(0) / 1000,
        left = (info.expires_ms - info.now_ms).max(0) / 1000
    )]
    Locked {
        /// The stack that is locked.
        stack: String,
        /// Who holds the lock, and since when.
        info: Box<LockInfo>,
    },
    /// This run's lock was taken over (its lease expired) or removed by force.
    #[error("the lock on stack `{stack}` was lost (its lease expired or it was removed with --force); stop, then plan again")]
    LockLost {
        /// The stack whose lock was lost.
        stack: String,
    },
    /// The store could not be opened: a directory, a setting or a password is missing.
    #[error("{0}")]
    Open(String),
}
