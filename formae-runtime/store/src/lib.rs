//! State stores: where a stack's recorded resources, outputs, pending operations and lock
//! live. Three backends mean the same thing: the embedded default (SQLite in one file),
//! PostgreSQL, and Aurora through the RDS Data API. All three speak SQL, so one
//! implementation ([`SqlStore`]) holds the schema, its migrations, the journal and the
//! lock; a backend only runs statements ([`Sql`]).
//!
//! The tables live in a namespace of their own ([`NAMESPACE`]): the schema `formae_rs` on
//! PostgreSQL and the Data API, the prefix `formae_rs_` in SQLite. The formae agent keeps
//! its own tables (`resources` among them) in the same PostgreSQL database; ours never meet
//! them. A store an earlier build made in the default schema is moved into the namespace
//! when opened.

mod dataapi;
mod error;
mod location;
mod lock;
mod moves;
mod postgres;
mod resuming;
mod schema;
mod sql;
mod sql_store;
mod sqlite;
mod stack_lock;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value as Json;

// The state model is formae-core's; the store's files name it as their own.
use formae_core::state;
use state::{PendingOp, RecordedResource, StackState};

pub use dataapi::{DataApi, DataApiStore};
pub use error::StoreError;
pub use location::StateLocation;
pub use lock::{Holder, LockInfo};
pub use moves::{move_state, MoveError};
pub use postgres::{Postgres, PostgresStore};
pub use resuming::while_resuming;
pub use schema::{NAMESPACE, SCHEMA_VERSION};
pub use sql::{Cell, Dialect, Param, Sql, SqlError, Step, Table};
pub use sql_store::SqlStore;
pub use sqlite::{Sqlite, SqliteStore};
pub use stack_lock::StackLock;

/// Where a stack's state is kept. Every write is durable when it returns.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// Which store this is, for messages (`sqlite .formae/state.db`).
    fn describe(&self) -> String;
    /// Where the store keeps its data, to compare with what a plan deletes.
    fn location(&self) -> StateLocation;
    /// The recorded state of `stack` (empty if never applied), with pending operations.
    async fn load(&self, stack: &str) -> Result<StackState, StoreError>;
    /// Records one resource and clears its pending operation, at once.
    async fn put_resource(&self, stack: &str, name: &str, resource: &RecordedResource) -> Result<(), StoreError>;
    /// Forgets one resource and its pending operation, at once.
    async fn remove_resource(&self, stack: &str, name: &str) -> Result<(), StoreError>;
    /// Re-addresses the resource recorded as `from` to `to` (replacing any record there),
    /// and with `resource` records it anew, in one transaction: a rename never leaves the
    /// resource under both names or neither.
    async fn move_resource(&self, stack: &str, from: &str, to: &str, resource: Option<&RecordedResource>) -> Result<(), StoreError>;
    /// Records that `reader` reads these outputs (stack, output) of other stacks, in
    /// place of what it recorded before.
    async fn put_reads(&self, reader: &str, reads: &[(String, String)]) -> Result<(), StoreError>;
    /// What `reader` recorded that it reads: (stack, output) pairs.
    async fn reads(&self, reader: &str) -> Result<Vec<(String, String)>, StoreError>;
    /// Who reads the outputs of `stack`: (output, reading stack) pairs.
    async fn readers(&self, stack: &str) -> Result<Vec<(String, String)>, StoreError>;
    /// Records that an operation on `name` is starting (at `op.started_at`, or now by the
    /// store's clock if that is empty).
    async fn put_pending(&self, stack: &str, name: &str, op: &PendingOp) -> Result<(), StoreError>;
    /// Forgets the pending operation on `name` (one that never reached the cloud).
    async fn clear_pending(&self, stack: &str, name: &str) -> Result<(), StoreError>;
    /// Records the stack's outputs.
    async fn put_outputs(&self, stack: &str, outputs: &BTreeMap<String, Json>) -> Result<(), StoreError>;
    /// Replaces everything recorded for `state.stack` with `state`, at once.
    async fn put_state(&self, state: &StackState) -> Result<(), StoreError>;
    /// Takes the lock on `stack` for `lease`, or fails naming who holds it. A lock whose
    /// lease ran out is taken over.
    async fn lock(&self, stack: &str, holder: &Holder, lease: Duration) -> Result<LockInfo, StoreError>;
    /// Extends a held lock's lease; fails if it was taken over or removed.
    async fn renew(&self, stack: &str, id: &str, lease: Duration) -> Result<(), StoreError>;
    /// Releases a held lock (nothing if it is no longer ours).
    async fn unlock(&self, stack: &str, id: &str) -> Result<(), StoreError>;
    /// Removes whatever lock `stack` has, returning it.
    async fn force_unlock(&self, stack: &str) -> Result<Option<LockInfo>, StoreError>;
    /// The lock `stack` has, if any (possibly expired).
    async fn lock_info(&self, stack: &str) -> Result<Option<LockInfo>, StoreError>;
}

#[cfg(test)]
mod tests;
