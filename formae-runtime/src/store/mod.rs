//! State stores: where a stack's recorded resources, outputs, pending operations and lock
//! live. Three backends mean the same thing: the embedded default (SQLite in one file),
//! PostgreSQL, and Aurora through the RDS Data API. All three speak SQL, so one
//! implementation ([`SqlStore`]) holds the schema, its migrations, the journal and the
//! lock; a backend only runs statements ([`Sql`]).

mod dataapi;
mod postgres;
mod sqlite;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::state::{PendingOp, RecordedResource, ResourceStatus, StackState};

pub use dataapi::{DataApi, DataApiStore};
pub use postgres::{Postgres, PostgresStore};
pub use sqlite::{Sqlite, SqliteStore};

/// The state schema this build writes.
pub const SCHEMA_VERSION: i64 = 2;

/// A state store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend refused or failed a statement, or could not be reached.
    #[error("state store {store}: {message}")]
    Backend {
        /// Which store failed.
        store: String,
        /// What the backend said.
        message: String,
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

/// Who holds a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The user name.
    pub user: String,
    /// The host name.
    pub host: String,
    /// The process id.
    pub pid: u32,
    /// What it is doing (`deploy`, `destroy`, `state migrate`).
    pub command: String,
}

impl Holder {
    /// This process, doing `command`.
    pub fn this_process(command: &str) -> Holder {
        let user = ["USER", "LOGNAME", "USERNAME"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|u| !u.is_empty()))
            .or_else(|| {
                // No login variables (a container, CI): the numeric user id.
                let status = std::fs::read_to_string("/proc/self/status").ok()?;
                let uid = status.lines().find(|l| l.starts_with("Uid:"))?.split_whitespace().nth(1)?.to_owned();
                Some(format!("uid {uid}"))
            })
            .unwrap_or_else(|| "unknown".into());
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .ok()
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "unknown".into());
        Holder { user, host, pid: std::process::id(), command: command.to_owned() }
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{} (pid {}, {})", self.user, self.host, self.pid, self.command)
    }
}

/// A lock on one stack, as the store recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockInfo {
    /// Unique per acquisition; renewals and releases name it.
    pub id: String,
    /// Who holds it.
    pub holder: Holder,
    /// When it was taken, in milliseconds since the epoch by the store's clock.
    pub acquired_ms: i64,
    /// When its lease runs out unless renewed, by the store's clock.
    pub expires_ms: i64,
    /// The store's clock when this was read.
    pub now_ms: i64,
}

impl LockInfo {
    /// Whether the lease ran out.
    pub fn expired(&self) -> bool {
        self.expires_ms < self.now_ms
    }

    fn refusal(self, stack: &str) -> StoreError {
        StoreError::Locked { stack: stack.to_owned(), info: Box::new(self) }
    }
}

/// Where a stack's state is kept. Every write is durable when it returns.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// Which store this is, for messages (`sqlite .formae/state.db`).
    fn describe(&self) -> String;
    /// The recorded state of `stack` (empty if never applied), with pending operations.
    async fn load(&self, stack: &str) -> Result<StackState, StoreError>;
    /// Records one resource and clears its pending operation, at once.
    async fn put_resource(&self, stack: &str, name: &str, resource: &RecordedResource) -> Result<(), StoreError>;
    /// Forgets one resource and its pending operation, at once.
    async fn remove_resource(&self, stack: &str, name: &str) -> Result<(), StoreError>;
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

// ------------------------------------------------------------------ the SQL layer

/// A statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// Text.
    Text(String),
    /// A 64-bit integer.
    Int(i64),
    /// NULL.
    Null,
}

/// A result cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
    /// NULL.
    Null,
}

/// One step of an atomic unit of work.
#[derive(Debug, Clone)]
pub enum Step {
    /// One statement.
    One(String, Vec<Param>),
    /// One statement run once per parameter set.
    Many(String, Vec<Vec<Param>>),
}

/// The SQL a backend speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite.
    Sqlite,
    /// PostgreSQL (directly or through the Data API).
    Postgres,
}

impl Dialect {
    /// Milliseconds since the epoch by the database's clock, so leases compare on one
    /// clock whichever machine runs.
    fn now_ms(self) -> &'static str {
        match self {
            Dialect::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
            Dialect::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
        }
    }

    /// The database's clock as RFC 3339 text.
    fn now_text(self) -> &'static str {
        match self {
            Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            Dialect::Postgres => "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
        }
    }
}

/// A backend: runs SQL written with `$1`, `$2`... placeholders.
#[async_trait]
pub trait Sql: Send + Sync {
    /// Its dialect.
    fn dialect(&self) -> Dialect;
    /// Which database this is, for messages.
    fn describe(&self) -> String;
    /// Rows at most this many are read per query; the Data API's 1 MB response cap
    /// needs pages.
    fn page_rows(&self) -> i64;
    /// Runs a query.
    async fn query(&self, sql: &str, params: Vec<Param>) -> Result<Vec<Vec<Cell>>, SqlError>;
    /// Runs a statement, returning the rows it changed.
    async fn execute(&self, sql: &str, params: Vec<Param>) -> Result<u64, SqlError>;
    /// Runs `steps` in one transaction: all or nothing.
    async fn atomically(&self, steps: Vec<Step>) -> Result<(), SqlError>;
}

/// A backend failed a statement.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// A response would exceed what the backend can return at once; read less.
    #[error("the response is too large: {0}")]
    TooLarge(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// A state store over any [`Sql`] backend.
pub struct SqlStore<B> {
    backend: B,
}

impl<B: Sql> std::fmt::Debug for SqlStore<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SqlStore({})", self.backend.describe())
    }
}

/// Schema migrations, in order; migration `i` takes the schema from version `i` to `i + 1`.
fn migrations(d: Dialect) -> Vec<Vec<String>> {
    let first = match d {
        // The embedded store's first schema, as files written by earlier builds have it.
        Dialect::Sqlite => vec![
            "CREATE TABLE resources (
                stack TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, cloud_id TEXT NOT NULL,
                props TEXT NOT NULL, outputs TEXT NOT NULL, deps TEXT NOT NULL, status TEXT NOT NULL,
                updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                PRIMARY KEY (stack, name))"
                .to_owned(),
            "CREATE TABLE stack_outputs (
                stack TEXT PRIMARY KEY, outputs TEXT NOT NULL,
                updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
                .to_owned(),
        ],
        Dialect::Postgres => vec![
            "CREATE TABLE formae_schema (version BIGINT NOT NULL)".to_owned(),
            "INSERT INTO formae_schema (version) VALUES (0)".to_owned(),
            "CREATE TABLE resources (
                stack TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, cloud_id TEXT NOT NULL,
                props TEXT NOT NULL, outputs TEXT NOT NULL, deps TEXT NOT NULL, status TEXT NOT NULL,
                updated_at TEXT NOT NULL, PRIMARY KEY (stack, name))"
                .to_owned(),
            "CREATE TABLE stack_outputs (stack TEXT PRIMARY KEY, outputs TEXT NOT NULL, updated_at TEXT NOT NULL)".to_owned(),
        ],
    };
    let second = vec![
        // The journal: operations started and not yet recorded.
        "CREATE TABLE pending (
            stack TEXT NOT NULL, name TEXT NOT NULL, op TEXT NOT NULL, type TEXT NOT NULL,
            cloud_id TEXT, identity TEXT NOT NULL, started_at TEXT NOT NULL, PRIMARY KEY (stack, name))"
            .to_owned(),
        // One lease row per locked stack, taken with a conditional upsert.
        "CREATE TABLE locks (
            stack TEXT PRIMARY KEY, lock_id TEXT NOT NULL, holder TEXT NOT NULL,
            acquired_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL)"
            .to_owned(),
    ];
    vec![first, second]
}

fn text(c: &Cell) -> Option<String> {
    match c {
        Cell::Text(s) => Some(s.clone()),
        Cell::Int(i) => Some(i.to_string()),
        Cell::Null => None,
    }
}

fn int(c: &Cell) -> Option<i64> {
    match c {
        Cell::Int(i) => Some(*i),
        Cell::Text(s) => s.parse().ok(),
        Cell::Null => None,
    }
}

fn status_text(s: ResourceStatus) -> &'static str {
    match s {
        ResourceStatus::Ready => "ready",
        ResourceStatus::Failed => "failed",
    }
}

fn lease_ms(lease: Duration) -> i64 {
    i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2)
}

/// A lock id no other acquisition shares: this process, the time, a counter.
fn new_lock_id() -> String {
    use sha2::Digest;
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let digest = sha2::Sha256::digest(format!("{}-{t}-{n}", std::process::id()).as_bytes());
    hex::encode(&digest[..12])
}

impl<B: Sql> SqlStore<B> {
    /// A store over `backend`, migrated to this build's schema (a newer one is refused).
    pub async fn new(backend: B) -> Result<Self, StoreError> {
        let store = SqlStore { backend };
        store.migrate().await?;
        Ok(store)
    }

    /// The backend, for tests and tools that need raw SQL.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    fn err(&self, e: SqlError) -> StoreError {
        StoreError::Backend { store: self.backend.describe(), message: e.to_string() }
    }

    fn corrupt(&self, resource: &str, message: impl ToString) -> StoreError {
        StoreError::Corrupt { store: self.backend.describe(), resource: resource.to_owned(), message: message.to_string() }
    }

    /// The `{now}` and `{now_text}` placeholders filled for this dialect.
    fn sql(&self, s: &str) -> String {
        let d = self.backend.dialect();
        s.replace("{now_text}", d.now_text()).replace("{now}", d.now_ms())
    }

    async fn schema_version(&self) -> Result<i64, StoreError> {
        let rows = match self.backend.dialect() {
            Dialect::Sqlite => self.backend.query("PRAGMA user_version", vec![]).await.map_err(|e| self.err(e))?,
            Dialect::Postgres => {
                let exists = self
                    .backend
                    .query(
                        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'formae_schema'",
                        vec![],
                    )
                    .await
                    .map_err(|e| self.err(e))?;
                if exists.first().and_then(|r| r.first()).and_then(int).unwrap_or(0) == 0 {
                    return Ok(0);
                }
                self.backend.query("SELECT version FROM formae_schema", vec![]).await.map_err(|e| self.err(e))?
            }
        };
        Ok(rows.first().and_then(|r| r.first()).and_then(int).unwrap_or(0))
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let all = migrations(self.backend.dialect());
        // Two first uses at once: one migrates, the other's transaction fails and it then
        // finds the schema current.
        for attempt in 0..3 {
            let version = self.schema_version().await?;
            if version > SCHEMA_VERSION {
                return Err(StoreError::Newer { store: self.backend.describe(), found: version });
            }
            if version == SCHEMA_VERSION {
                return Ok(());
            }
            let mut steps = Vec::new();
            if self.backend.dialect() == Dialect::Postgres {
                // Serialises concurrent migrations of one database.
                steps.push(Step::One("SELECT pg_advisory_xact_lock(727716)".into(), vec![]));
            }
            for (i, m) in all.iter().enumerate().skip(usize::try_from(version).unwrap_or(0)) {
                steps.extend(m.iter().map(|s| Step::One(s.clone(), vec![])));
                let set = match self.backend.dialect() {
                    Dialect::Sqlite => format!("PRAGMA user_version = {}", i + 1),
                    Dialect::Postgres => format!("UPDATE formae_schema SET version = {}", i + 1),
                };
                steps.push(Step::One(set, vec![]));
            }
            match self.backend.atomically(steps).await {
                Ok(()) => {
                    tracing::info!(store = %self.backend.describe(), from = version, to = SCHEMA_VERSION, "state schema migrated");
                    return Ok(());
                }
                Err(e) if attempt < 2 => tracing::debug!(error = %e, "migration raced another process; checking again"),
                Err(e) => return Err(self.err(e)),
            }
        }
        Ok(())
    }

    fn resource_params(stack: &str, name: &str, r: &RecordedResource) -> Vec<Param> {
        vec![
            Param::Text(stack.to_owned()),
            Param::Text(name.to_owned()),
            Param::Text(r.type_name.clone()),
            Param::Text(r.cloud_id.clone()),
            Param::Text(r.props.to_string()),
            Param::Text(serde_json::to_string(&r.outputs).unwrap_or_default()),
            Param::Text(serde_json::to_string(&r.deps).unwrap_or_default()),
            Param::Text(status_text(r.status).to_owned()),
        ]
    }

    fn upsert_resource(&self) -> String {
        self.sql(
            "INSERT INTO resources (stack, name, type, cloud_id, props, outputs, deps, status, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, {now_text})
             ON CONFLICT (stack, name) DO UPDATE SET type = excluded.type, cloud_id = excluded.cloud_id,
               props = excluded.props, outputs = excluded.outputs, deps = excluded.deps,
               status = excluded.status, updated_at = excluded.updated_at",
        )
    }

    fn upsert_outputs(&self, stack: &str, outputs: &BTreeMap<String, Json>) -> Step {
        Step::One(
            self.sql(
                "INSERT INTO stack_outputs (stack, outputs, updated_at) VALUES ($1, $2, {now_text})
                 ON CONFLICT (stack) DO UPDATE SET outputs = excluded.outputs, updated_at = excluded.updated_at",
            ),
            vec![Param::Text(stack.to_owned()), Param::Text(serde_json::to_string(outputs).unwrap_or_default())],
        )
    }

    fn pending_params(&self, stack: &str, name: &str, p: &PendingOp) -> Vec<Param> {
        vec![
            Param::Text(stack.to_owned()),
            Param::Text(name.to_owned()),
            Param::Text(p.op.to_string()),
            Param::Text(p.type_name.clone()),
            p.cloud_id.clone().map_or(Param::Null, Param::Text),
            Param::Text(p.identity.to_string()),
            Param::Text(p.started_at.clone()),
        ]
    }

    fn upsert_pending(&self) -> String {
        self.sql(
            "INSERT INTO pending (stack, name, op, type, cloud_id, identity, started_at)
             VALUES ($1, $2, $3, $4, $5, $6, COALESCE(NULLIF($7, ''), {now_text}))
             ON CONFLICT (stack, name) DO UPDATE SET op = excluded.op, type = excluded.type,
               cloud_id = excluded.cloud_id, identity = excluded.identity, started_at = excluded.started_at",
        )
    }

    fn delete_pending(stack: &str, name: &str) -> Step {
        Step::One("DELETE FROM pending WHERE stack = $1 AND name = $2".into(), vec![Param::Text(stack.into()), Param::Text(name.into())])
    }

    /// Reads every row of a query in pages keyed on `name`, halving a page the backend
    /// cannot return at once.
    async fn paged(&self, sql: &str, stack: &str) -> Result<Vec<Vec<Cell>>, StoreError> {
        let mut out = Vec::new();
        let mut after = String::new();
        let mut page = self.backend.page_rows();
        loop {
            let params = vec![Param::Text(stack.to_owned()), Param::Text(after.clone()), Param::Int(page)];
            let rows = match self.backend.query(sql, params).await {
                Ok(rows) => rows,
                Err(SqlError::TooLarge(m)) if page > 1 => {
                    tracing::debug!(page, message = %m, "page too large; halving");
                    page /= 2;
                    continue;
                }
                Err(e) => return Err(self.err(e)),
            };
            let n = rows.len();
            if let Some(last) = rows.last().and_then(|r| r.first()).and_then(text) {
                after = last;
            }
            out.extend(rows);
            if i64::try_from(n).unwrap_or(0) < page {
                return Ok(out);
            }
        }
    }

    async fn read_lock(&self, stack: &str) -> Result<Option<LockInfo>, StoreError> {
        let rows = self
            .backend
            .query(&self.sql("SELECT lock_id, holder, acquired_ms, expires_ms, {now} FROM locks WHERE stack = $1"), vec![Param::Text(stack.to_owned())])
            .await
            .map_err(|e| self.err(e))?;
        let Some(r) = rows.first() else { return Ok(None) };
        let holder = r.get(1).and_then(text).unwrap_or_default();
        Ok(Some(LockInfo {
            id: r.first().and_then(text).unwrap_or_default(),
            holder: serde_json::from_str(&holder).map_err(|e| self.corrupt("(lock)", e))?,
            acquired_ms: r.get(2).and_then(int).unwrap_or(0),
            expires_ms: r.get(3).and_then(int).unwrap_or(0),
            now_ms: r.get(4).and_then(int).unwrap_or(0),
        }))
    }
}

#[async_trait]
impl<B: Sql> StateStore for SqlStore<B> {
    fn describe(&self) -> String {
        self.backend.describe()
    }

    async fn load(&self, stack: &str) -> Result<StackState, StoreError> {
        let rows = self
            .paged(
                "SELECT name, type, cloud_id, props, outputs, deps, status FROM resources
                 WHERE stack = $1 AND name > $2 ORDER BY name LIMIT $3",
                stack,
            )
            .await?;
        let mut state = StackState::empty(stack);
        for r in rows {
            let get = |i: usize| r.get(i).and_then(text).unwrap_or_default();
            let name = get(0);
            let status = match get(6).as_str() {
                "ready" => ResourceStatus::Ready,
                "failed" => ResourceStatus::Failed,
                other => return Err(self.corrupt(&name, format!("unknown status `{other}`"))),
            };
            let rec = RecordedResource {
                type_name: get(1),
                cloud_id: get(2),
                props: serde_json::from_str(&get(3)).map_err(|e| self.corrupt(&name, e))?,
                outputs: serde_json::from_str(&get(4)).map_err(|e| self.corrupt(&name, e))?,
                deps: serde_json::from_str(&get(5)).map_err(|e| self.corrupt(&name, e))?,
                status,
            };
            state.resources.insert(name, rec);
        }
        let pending = self
            .paged(
                "SELECT name, op, type, cloud_id, identity, started_at FROM pending
                 WHERE stack = $1 AND name > $2 ORDER BY name LIMIT $3",
                stack,
            )
            .await?;
        for r in pending {
            let get = |i: usize| r.get(i).and_then(text);
            let name = get(0).unwrap_or_default();
            let op = PendingOp {
                op: get(1).unwrap_or_default().parse().map_err(|e: String| self.corrupt(&name, e))?,
                type_name: get(2).unwrap_or_default(),
                cloud_id: get(3),
                identity: serde_json::from_str(&get(4).unwrap_or_default()).map_err(|e| self.corrupt(&name, e))?,
                started_at: get(5).unwrap_or_default(),
            };
            state.pending.insert(name, op);
        }
        let outputs = self
            .backend
            .query("SELECT outputs FROM stack_outputs WHERE stack = $1", vec![Param::Text(stack.to_owned())])
            .await
            .map_err(|e| self.err(e))?;
        if let Some(o) = outputs.first().and_then(|r| r.first()).and_then(text) {
            state.outputs = serde_json::from_str(&o).map_err(|e| self.corrupt("(stack outputs)", e))?;
        }
        Ok(state)
    }

    async fn put_resource(&self, stack: &str, name: &str, r: &RecordedResource) -> Result<(), StoreError> {
        let steps = vec![Step::One(self.upsert_resource(), Self::resource_params(stack, name, r)), Self::delete_pending(stack, name)];
        self.backend.atomically(steps).await.map_err(|e| self.err(e))
    }

    async fn remove_resource(&self, stack: &str, name: &str) -> Result<(), StoreError> {
        let steps = vec![
            Step::One("DELETE FROM resources WHERE stack = $1 AND name = $2".into(), vec![Param::Text(stack.into()), Param::Text(name.into())]),
            Self::delete_pending(stack, name),
        ];
        self.backend.atomically(steps).await.map_err(|e| self.err(e))
    }

    async fn put_pending(&self, stack: &str, name: &str, op: &PendingOp) -> Result<(), StoreError> {
        self.backend.execute(&self.upsert_pending(), self.pending_params(stack, name, op)).await.map(|_| ()).map_err(|e| self.err(e))
    }

    async fn clear_pending(&self, stack: &str, name: &str) -> Result<(), StoreError> {
        self.backend.atomically(vec![Self::delete_pending(stack, name)]).await.map_err(|e| self.err(e))
    }

    async fn put_outputs(&self, stack: &str, outputs: &BTreeMap<String, Json>) -> Result<(), StoreError> {
        self.backend.atomically(vec![self.upsert_outputs(stack, outputs)]).await.map_err(|e| self.err(e))
    }

    async fn put_state(&self, state: &StackState) -> Result<(), StoreError> {
        let stack = Param::Text(state.stack.clone());
        let resources = state.resources.iter().map(|(n, r)| Self::resource_params(&state.stack, n, r)).collect();
        let pending = state.pending.iter().map(|(n, p)| self.pending_params(&state.stack, n, p)).collect();
        let steps = vec![
            Step::One("DELETE FROM resources WHERE stack = $1".into(), vec![stack.clone()]),
            Step::One("DELETE FROM pending WHERE stack = $1".into(), vec![stack]),
            Step::Many(self.upsert_resource(), resources),
            Step::Many(self.upsert_pending(), pending),
            self.upsert_outputs(&state.stack, &state.outputs),
        ];
        self.backend.atomically(steps).await.map_err(|e| self.err(e))
    }

    async fn lock(&self, stack: &str, holder: &Holder, lease: Duration) -> Result<LockInfo, StoreError> {
        let id = new_lock_id();
        let sql = self.sql(
            "INSERT INTO locks (stack, lock_id, holder, acquired_ms, expires_ms) VALUES ($1, $2, $3, {now}, {now} + $4)
             ON CONFLICT (stack) DO UPDATE SET lock_id = excluded.lock_id, holder = excluded.holder,
               acquired_ms = excluded.acquired_ms, expires_ms = excluded.expires_ms
             WHERE locks.expires_ms < {now}",
        );
        let holder_json = serde_json::to_string(holder).unwrap_or_default();
        let params = vec![Param::Text(stack.into()), Param::Text(id.clone()), Param::Text(holder_json), Param::Int(lease_ms(lease))];
        self.backend.execute(&sql, params).await.map_err(|e| self.err(e))?;
        match self.read_lock(stack).await? {
            Some(info) if info.id == id => {
                tracing::debug!(stack, %holder, "lock taken");
                Ok(info)
            }
            Some(info) => Err(info.refusal(stack)),
            // Removed by force between the two statements: try once more from the top.
            None => Err(StoreError::LockLost { stack: stack.to_owned() }),
        }
    }

    async fn renew(&self, stack: &str, id: &str, lease: Duration) -> Result<(), StoreError> {
        let n = self
            .backend
            .execute(
                &self.sql("UPDATE locks SET expires_ms = {now} + $3 WHERE stack = $1 AND lock_id = $2"),
                vec![Param::Text(stack.into()), Param::Text(id.into()), Param::Int(lease_ms(lease))],
            )
            .await
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(StoreError::LockLost { stack: stack.to_owned() });
        }
        Ok(())
    }

    async fn unlock(&self, stack: &str, id: &str) -> Result<(), StoreError> {
        self.backend
            .execute("DELETE FROM locks WHERE stack = $1 AND lock_id = $2", vec![Param::Text(stack.into()), Param::Text(id.into())])
            .await
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    async fn force_unlock(&self, stack: &str) -> Result<Option<LockInfo>, StoreError> {
        let held = self.read_lock(stack).await?;
        self.backend.execute("DELETE FROM locks WHERE stack = $1", vec![Param::Text(stack.into())]).await.map_err(|e| self.err(e))?;
        Ok(held)
    }

    async fn lock_info(&self, stack: &str) -> Result<Option<LockInfo>, StoreError> {
        self.read_lock(stack).await
    }
}

/// A lock held for the length of a command: renewed in the background, released when
/// dropped (or by [`StackLock::release`], which reports errors).
pub struct StackLock {
    store: std::sync::Arc<dyn StateStore>,
    stack: String,
    id: String,
    renewer: tokio::task::JoinHandle<()>,
    lost: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for StackLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackLock").field("stack", &self.stack).field("id", &self.id).finish_non_exhaustive()
    }
}

impl StackLock {
    /// Takes the lock on `stack` with `lease`, renewing it every third of the lease.
    pub async fn acquire(store: std::sync::Arc<dyn StateStore>, stack: &str, holder: &Holder, lease: Duration) -> Result<StackLock, StoreError> {
        let info = store.lock(stack, holder, lease).await?;
        let lost = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let renewer = {
            let (store, stack, id, lost) = (std::sync::Arc::clone(&store), stack.to_owned(), info.id.clone(), std::sync::Arc::clone(&lost));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(lease / 3).await;
                    if let Err(e) = store.renew(&stack, &id, lease).await {
                        tracing::warn!(%stack, error = %e, "could not renew the lock");
                        if matches!(e, StoreError::LockLost { .. }) {
                            lost.store(true, std::sync::atomic::Ordering::SeqCst);
                            return;
                        }
                    }
                }
            })
        };
        Ok(StackLock { store, stack: stack.to_owned(), id: info.id, renewer, lost })
    }

    /// Whether the lock was lost while held.
    pub fn lost(&self) -> bool {
        self.lost.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Releases the lock.
    pub async fn release(self) -> Result<(), StoreError> {
        self.renewer.abort();
        self.store.unlock(&self.stack, &self.id).await
    }
}

/// Moving a stack's state between stores failed; the source is kept unless the copy was
/// verified.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    /// A store failed or refused (a lock held by another run, say).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Both ends are the same store.
    #[error("the state of `{0}` is already in {1}")]
    Same(String, String),
    /// The source has nothing for the stack.
    #[error("{store} has no state for `{stack}`; nothing to move")]
    Nothing {
        /// The stack to move.
        stack: String,
        /// The source store.
        store: String,
    },
    /// The destination already has state for the stack.
    #[error("{store} already has state for `{stack}` ({resources} resources); pass --force to overwrite it")]
    Occupied {
        /// The stack to move.
        stack: String,
        /// The destination store.
        store: String,
        /// How many resources the destination already records for the stack.
        resources: usize,
    },
    /// The copy read back differs from the source.
    #[error("the copy of `{stack}` in {store} differs from the source; the source was kept")]
    Mismatch {
        /// The stack being moved.
        stack: String,
        /// The destination store.
        store: String,
    },
}

/// Moves everything recorded for `stack` from `from` to `to`: both locked for the move
/// (so it refuses while a deploy holds either), copied at once, read back and compared,
/// and only then removed from `from`. Returns how many resources moved.
pub async fn move_state(from: Arc<dyn StateStore>, to: Arc<dyn StateStore>, stack: &str, holder: &Holder, overwrite: bool) -> Result<usize, MoveError> {
    if from.describe() == to.describe() {
        return Err(MoveError::Same(stack.to_owned(), to.describe()));
    }
    let lease = Duration::from_secs(60);
    let from_lock = StackLock::acquire(Arc::clone(&from), stack, holder, lease).await?;
    let to_lock = match StackLock::acquire(Arc::clone(&to), stack, holder, lease).await {
        Ok(l) => l,
        Err(e) => {
            from_lock.release().await?;
            return Err(e.into());
        }
    };
    let result = async {
        let state = from.load(stack).await?;
        if state.resources.is_empty() && state.pending.is_empty() && state.outputs.is_empty() {
            return Err(MoveError::Nothing { stack: stack.to_owned(), store: from.describe() });
        }
        let existing = to.load(stack).await?;
        if !overwrite && (!existing.resources.is_empty() || !existing.pending.is_empty()) {
            return Err(MoveError::Occupied { stack: stack.to_owned(), store: to.describe(), resources: existing.resources.len() });
        }
        to.put_state(&state).await?;
        if to.load(stack).await? != state {
            return Err(MoveError::Mismatch { stack: stack.to_owned(), store: to.describe() });
        }
        from.put_state(&StackState::empty(stack)).await?;
        Ok(state.resources.len())
    }
    .await;
    to_lock.release().await?;
    from_lock.release().await?;
    result
}

#[cfg(test)]
mod tests;
