//! State stores. The embedded default is one SQLite file under `.formae/`, written after
//! every resource operation, so an interrupted apply leaves what it did recorded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value as Json;

use crate::state::{RecordedResource, ResourceStatus, StackState};

/// The state schema this build writes.
pub const SCHEMA_VERSION: i64 = 1;

/// A state store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened, read or written.
    #[error("state store {path}: {source}")]
    Db {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    /// The file was written by a newer formae; it is left untouched.
    #[error("state store {path} has schema version {found}, newer than this formae understands ({SCHEMA_VERSION}); upgrade formae, the file was not changed")]
    Newer { path: String, found: i64 },
    /// A row does not parse.
    #[error("state store {path}: the record of `{resource}` is corrupt ({message}); the file was not changed")]
    Corrupt { path: String, resource: String, message: String },
    /// The directory could not be created.
    #[error("cannot create {path}: {source}")]
    Dir {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Where a stack's state is kept.
pub trait StateStore: Send + Sync {
    /// The recorded state of `stack` (empty if never applied).
    fn load(&self, stack: &str) -> Result<StackState, StoreError>;
    /// Records one resource.
    fn put_resource(&self, stack: &str, name: &str, resource: &RecordedResource) -> Result<(), StoreError>;
    /// Forgets one resource.
    fn remove_resource(&self, stack: &str, name: &str) -> Result<(), StoreError>;
    /// Records the stack's outputs.
    fn put_outputs(&self, stack: &str, outputs: &BTreeMap<String, Json>) -> Result<(), StoreError>;
    /// Replaces everything recorded for `state.stack` with `state`, at once.
    fn put_state(&self, state: &StackState) -> Result<(), StoreError>;
}

/// The embedded store: SQLite in one file.
pub struct SqliteStore {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish_non_exhaustive()
    }
}

const MIGRATIONS: &[&str] = &[
    // 1: resources and stack outputs.
    "CREATE TABLE resources (
        stack TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        cloud_id TEXT NOT NULL,
        props TEXT NOT NULL,
        outputs TEXT NOT NULL,
        deps TEXT NOT NULL,
        status TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (stack, name)
    );
    CREATE TABLE stack_outputs (
        stack TEXT PRIMARY KEY,
        outputs TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );",
];

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`, migrating an older schema and
    /// refusing a newer one.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir { path: dir.display().to_string(), source })?;
        }
        let db = |source| StoreError::Db { path: shown.clone(), source };
        let mut conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(db)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer { path: shown, found: version });
        }
        conn.pragma_update(None, "journal_mode", "WAL").map_err(db)?;
        let tx = conn.transaction().map_err(db)?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(version).unwrap_or(0)) {
            tx.execute_batch(sql).map_err(db)?;
            tx.pragma_update(None, "user_version", i as i64 + 1).map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(SqliteStore { path: path.to_owned(), conn: Mutex::new(conn) })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&conn).map_err(|source| StoreError::Db { path: self.path.display().to_string(), source })
    }

    fn corrupt(&self, resource: &str, message: impl ToString) -> StoreError {
        StoreError::Corrupt { path: self.path.display().to_string(), resource: resource.to_owned(), message: message.to_string() }
    }
}

fn status_text(s: ResourceStatus) -> &'static str {
    match s {
        ResourceStatus::Ready => "ready",
        ResourceStatus::Failed => "failed",
    }
}

fn upsert_resource(c: &Connection, stack: &str, name: &str, r: &RecordedResource) -> rusqlite::Result<()> {
    let props = r.props.to_string();
    let outputs = serde_json::to_string(&r.outputs).unwrap_or_default();
    let deps = serde_json::to_string(&r.deps).unwrap_or_default();
    c.execute(
        "INSERT INTO resources (stack, name, type, cloud_id, props, outputs, deps, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (stack, name) DO UPDATE SET type = ?3, cloud_id = ?4, props = ?5, outputs = ?6,
           deps = ?7, status = ?8, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        params![stack, name, r.type_name, r.cloud_id, props, outputs, deps, status_text(r.status)],
    )
    .map(|_| ())
}

fn upsert_outputs(c: &Connection, stack: &str, outputs: &BTreeMap<String, Json>) -> rusqlite::Result<()> {
    let text = serde_json::to_string(outputs).unwrap_or_default();
    c.execute(
        "INSERT INTO stack_outputs (stack, outputs) VALUES (?1, ?2)
         ON CONFLICT (stack) DO UPDATE SET outputs = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        params![stack, text],
    )
    .map(|_| ())
}

impl StateStore for SqliteStore {
    fn load(&self, stack: &str) -> Result<StackState, StoreError> {
        type Row = (String, String, String, String, String, String, String);
        let rows: Vec<Row> = self.with(|c| {
            let mut q = c.prepare(
                "SELECT name, type, cloud_id, props, outputs, deps, status FROM resources WHERE stack = ?1 ORDER BY name",
            )?;
            let rows = q.query_map([stack], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?;
            rows.collect()
        })?;
        let mut state = StackState::empty(stack);
        for (name, type_name, cloud_id, props, outputs, deps, status) in rows {
            let status = match status.as_str() {
                "ready" => ResourceStatus::Ready,
                "failed" => ResourceStatus::Failed,
                other => return Err(self.corrupt(&name, format!("unknown status `{other}`"))),
            };
            let rec = RecordedResource {
                type_name,
                cloud_id,
                props: serde_json::from_str(&props).map_err(|e| self.corrupt(&name, e))?,
                outputs: serde_json::from_str(&outputs).map_err(|e| self.corrupt(&name, e))?,
                deps: serde_json::from_str(&deps).map_err(|e| self.corrupt(&name, e))?,
                status,
            };
            state.resources.insert(name, rec);
        }
        let outputs: Option<String> = self.with(|c| {
            c.query_row("SELECT outputs FROM stack_outputs WHERE stack = ?1", [stack], |r| r.get(0)).optional()
        })?;
        if let Some(o) = outputs {
            state.outputs = serde_json::from_str(&o).map_err(|e| self.corrupt("(stack outputs)", e))?;
        }
        Ok(state)
    }

    fn put_resource(&self, stack: &str, name: &str, r: &RecordedResource) -> Result<(), StoreError> {
        self.with(|c| upsert_resource(c, stack, name, r))
    }

    fn remove_resource(&self, stack: &str, name: &str) -> Result<(), StoreError> {
        self.with(|c| c.execute("DELETE FROM resources WHERE stack = ?1 AND name = ?2", params![stack, name]).map(|_| ()))
    }

    fn put_outputs(&self, stack: &str, outputs: &BTreeMap<String, Json>) -> Result<(), StoreError> {
        self.with(|c| upsert_outputs(c, stack, outputs))
    }

    fn put_state(&self, state: &StackState) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.unchecked_transaction()?;
            tx.execute("DELETE FROM resources WHERE stack = ?1", [&state.stack])?;
            for (name, r) in &state.resources {
                upsert_resource(&tx, &state.stack, name, r)?;
            }
            upsert_outputs(&tx, &state.stack, &state.outputs)?;
            tx.commit()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> RecordedResource {
        RecordedResource {
            type_name: "AWS::IAM::Role".into(),
            cloud_id: "r".into(),
            props: serde_json::json!({"role_name": "r", "secret": {"$sensitive": "sha256:ab"}}),
            outputs: BTreeMap::from([("arn".to_owned(), serde_json::json!("arn:aws:iam::1:role/r"))]),
            deps: vec!["x".into()],
            status: ResourceStatus::Ready,
        }
    }

    #[test]
    fn round_trips_resources_and_outputs() {
        let dir = tempdir();
        let store = SqliteStore::open(&dir.join("state.db")).unwrap();
        store.put_resource("s", "r", &rec()).unwrap();
        store.put_outputs("s", &BTreeMap::from([("url".to_owned(), serde_json::json!("https://x"))])).unwrap();
        let again = SqliteStore::open(&dir.join("state.db")).unwrap();
        let st = again.load("s").unwrap();
        assert_eq!(st.resources["r"], rec());
        assert_eq!(st.outputs["url"], "https://x");
        assert!(again.load("other").unwrap().resources.is_empty());
        again.remove_resource("s", "r").unwrap();
        assert!(again.load("s").unwrap().resources.is_empty());

        let mut whole = StackState::empty("s");
        for i in 0..3 {
            whole.resources.insert(format!("r{i}"), rec());
        }
        whole.outputs.insert("k".into(), serde_json::json!(1));
        again.put_state(&whole).unwrap();
        assert_eq!(again.load("s").unwrap(), whole);
    }

    #[test]
    fn a_newer_schema_is_refused_and_left_alone() {
        let dir = tempdir();
        let path = dir.join("state.db");
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", 99).unwrap();
        }
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::Newer { found: 99, .. }), "{err}");
        let c = Connection::open(&path).unwrap();
        let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 99);
    }

    #[test]
    fn a_corrupt_row_is_reported_not_loaded() {
        let dir = tempdir();
        let store = SqliteStore::open(&dir.join("state.db")).unwrap();
        store.put_resource("s", "r", &rec()).unwrap();
        store.with(|c| c.execute("UPDATE resources SET props = '{not json'", [])).unwrap();
        assert!(matches!(store.load("s").unwrap_err(), StoreError::Corrupt { .. }));
    }

    fn tempdir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("formae-store-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn rand_suffix() -> u128 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    }
}
