//! The embedded backend: SQLite in one file (`.formae/state.db` by default).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::Connection;

use super::{Cell, Dialect, Param, Sql, SqlError, SqlStore, StateLocation, Step, StoreError};

/// The embedded store.
pub type SqliteStore = SqlStore<Sqlite>;

/// One SQLite file.
pub struct Sqlite {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`, migrating an older schema and
    /// refusing a newer one.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let shown = format!("sqlite {}", path.display());
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Open(format!("cannot create {}: {e}", dir.display())))?;
        }
        let db = |e: rusqlite::Error| StoreError::Backend { store: shown.clone(), source: other(e) };
        let conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(db)?;
        // Read the version before anything writes: a newer file must stay as it is.
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db)?;
        if version > super::SCHEMA_VERSION {
            return Err(StoreError::Newer { store: shown, found: version });
        }
        conn.pragma_update(None, "journal_mode", "WAL").map_err(db)?;
        // In WAL mode, NORMAL survives a killed process (what the journal is for) without
        // an fsync per write; only a power loss can undo the last few.
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(db)?;
        // Reads map the file instead of copying it page by page into SQLite's own cache:
        // a plan reads every row of a stack's state.
        conn.pragma_update(None, "mmap_size", 1_i64 << 30).map_err(db)?;
        SqlStore::new(Sqlite { path: path.to_owned(), conn: Mutex::new(conn) }).await
    }
}

/// `$1` placeholders become `?1`, SQLite's numbered form.
fn numbered(sql: &str) -> String {
    sql.replace('$', "?")
}

struct P<'a>(&'a Param);

impl rusqlite::ToSql for P<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Param::Int(i) => ToSqlOutput::Owned(SqlValue::Integer(*i)),
            Param::Null => ToSqlOutput::Owned(SqlValue::Null),
        })
    }
}

fn bind(params: &[Param]) -> Vec<P<'_>> {
    params.iter().map(P).collect()
}

fn other(e: rusqlite::Error) -> SqlError {
    SqlError::Other(e.to_string())
}

fn run(c: &Connection, sql: &str, params: &[Param]) -> rusqlite::Result<usize> {
    let mut st = c.prepare_cached(&numbered(sql))?;
    st.execute(rusqlite::params_from_iter(bind(params)))
}

impl Sqlite {
    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl Sql for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn describe(&self) -> String {
        format!("sqlite {}", self.path.display())
    }

    fn location(&self) -> StateLocation {
        StateLocation::Sqlite { path: self.path.clone() }
    }

    fn page_rows(&self) -> i64 {
        // Pages bound what a load holds at once; each is one index seek.
        2000
    }

    async fn query(&self, sql: &str, params: Vec<Param>) -> Result<Vec<Vec<Cell>>, SqlError> {
        let c = self.conn();
        let mut st = c.prepare_cached(&numbered(sql)).map_err(other)?;
        let width = st.column_count();
        let rows = st
            .query_map(rusqlite::params_from_iter(bind(&params)), |r| {
                (0..width)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            ValueRef::Integer(n) => Cell::Int(n),
                            ValueRef::Text(t) => Cell::Text(text_of(t)),
                            ValueRef::Real(f) => Cell::Text(f.to_string()),
                            ValueRef::Blob(b) => Cell::Text(text_of(b)),
                            ValueRef::Null => Cell::Null,
                        })
                    })
                    .collect::<rusqlite::Result<Vec<Cell>>>()
            })
            .map_err(other)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(other)
    }

    async fn execute(&self, sql: &str, params: Vec<Param>) -> Result<u64, SqlError> {
        run(&self.conn(), sql, &params).map(|n| n as u64).map_err(other)
    }

    async fn atomically(&self, steps: Vec<Step>) -> Result<(), SqlError> {
        let c = self.conn();
        let tx = c.unchecked_transaction().map_err(other)?;
        for step in &steps {
            match step {
                Step::One(sql, params) => {
                    run(&tx, sql, params).map_err(other)?;
                }
                Step::Many(sql, sets) => {
                    for params in sets {
                        run(&tx, sql, params).map_err(other)?;
                    }
                }
            }
        }
        tx.commit().map_err(other)
    }
}

/// A column's bytes as text: checked as UTF-8 (quick for the ASCII a store mostly holds),
/// any invalid sequence replaced.
fn text_of(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}
