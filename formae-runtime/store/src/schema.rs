//! The schema: our tables, created in our namespace and migrated from one version to the
//! next, and the move of a store an earlier build made in the default schema.
//!
//! Versions: 1 made `resources` and `stack_outputs`, 2 added `pending` and `locks`, 3
//! keeps them in the namespace, 4 adds the journal's `client_token`, 5 a resource's `lifecycle` (its protection), 6 `stack_readers`
//! (which stacks read which outputs). A store at version 1 or 2 has them in the default schema
//! (PostgreSQL) or without the prefix (SQLite); opening it moves them, in the same
//! transaction as the rest of its migration, keeping every row.

use std::collections::{BTreeMap, BTreeSet};

use super::error::StoreError;
use super::sql::{Cell, Dialect, Sql, Step, Table};
use super::sql_store::SqlStore;

/// The state schema this build writes.
pub const SCHEMA_VERSION: i64 = 6;

/// The namespace our tables live in: a schema of this name in PostgreSQL, a prefix of
/// this name and `_` in SQLite.
pub const NAMESPACE: &str = "formae_rs";

/// The first version that keeps the tables in the namespace.
const NAMESPACED_SINCE: i64 = 3;

/// Where PostgreSQL records the version, in the namespace.
const PG_VERSION_TABLE: &str = "formae_rs.schema_version";

/// Where earlier builds recorded it, in the default schema. After a move it stays, at
/// [`SCHEMA_VERSION`], so that an earlier build refuses the database as newer instead of
/// starting an empty state beside ours.
const LEGACY_VERSION_TABLE: &str = "formae_schema";

/// Serialises concurrent migrations of one PostgreSQL database.
const MIGRATION_LOCK: i64 = 727_716;

/// The version at which `table` appeared.
fn since(table: Table) -> i64 {
    match table {
        Table::Resources | Table::StackOutputs => 1,
        Table::Pending | Table::Locks => 2,
        Table::Readers => 6,
    }
}

/// The columns of each table as versions 1 and 2 made it, outside the namespace: a table
/// of that name with exactly these is ours to move.
fn columns(table: Table) -> &'static [&'static str] {
    match table {
        Table::Resources => &["stack", "name", "type", "cloud_id", "props", "outputs", "deps", "status", "updated_at"],
        Table::StackOutputs => &["stack", "outputs", "updated_at"],
        Table::Pending => &["stack", "name", "op", "type", "cloud_id", "identity", "started_at"],
        Table::Locks => &["stack", "lock_id", "holder", "acquired_ms", "expires_ms"],
        // Made in the namespace; never outside it.
        Table::Readers => &[],
    }
}

/// The statement that creates `table` in the namespace.
fn create(d: Dialect, table: Table) -> String {
    let name = d.table(table);
    match (table, d) {
        // As files written by earlier builds have them.
        (Table::Resources, Dialect::Sqlite) => format!(
            "CREATE TABLE {name} (
                stack TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, cloud_id TEXT NOT NULL,
                props TEXT NOT NULL, outputs TEXT NOT NULL, deps TEXT NOT NULL, status TEXT NOT NULL,
                updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                PRIMARY KEY (stack, name))"
        ),
        (Table::StackOutputs, Dialect::Sqlite) => format!(
            "CREATE TABLE {name} (
                stack TEXT PRIMARY KEY, outputs TEXT NOT NULL,
                updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
        ),
        (Table::Resources, Dialect::Postgres) => format!(
            "CREATE TABLE {name} (
                stack TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, cloud_id TEXT NOT NULL,
                props TEXT NOT NULL, outputs TEXT NOT NULL, deps TEXT NOT NULL, status TEXT NOT NULL,
                updated_at TEXT NOT NULL, PRIMARY KEY (stack, name))"
        ),
        (Table::StackOutputs, Dialect::Postgres) => format!("CREATE TABLE {name} (stack TEXT PRIMARY KEY, outputs TEXT NOT NULL, updated_at TEXT NOT NULL)"),
        (Table::Pending, _) => format!(
            "CREATE TABLE {name} (
                stack TEXT NOT NULL, name TEXT NOT NULL, op TEXT NOT NULL, type TEXT NOT NULL,
                cloud_id TEXT, identity TEXT NOT NULL, started_at TEXT NOT NULL, PRIMARY KEY (stack, name))"
        ),
        (Table::Readers, _) => format!(
            "CREATE TABLE {name} (stack TEXT NOT NULL, output TEXT NOT NULL, reader TEXT NOT NULL, PRIMARY KEY (stack, output, reader))"
        ),
        (Table::Locks, _) => format!(
            "CREATE TABLE {name} (
                stack TEXT PRIMARY KEY, lock_id TEXT NOT NULL, holder TEXT NOT NULL,
                acquired_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL)"
        ),
    }
}

/// Schema migrations in the namespace, in order; migration `i` takes the schema from
/// version `i` to `i + 1`.
pub(super) fn migrations(d: Dialect) -> Vec<Vec<String>> {
    let mut first = Vec::new();
    if d == Dialect::Postgres {
        first.push(format!("CREATE SCHEMA IF NOT EXISTS {NAMESPACE}"));
        first.push(format!("CREATE TABLE {PG_VERSION_TABLE} (version BIGINT NOT NULL)"));
        first.push(format!("INSERT INTO {PG_VERSION_TABLE} (version) VALUES (0)"));
    }
    first.extend([create(d, Table::Resources), create(d, Table::StackOutputs)]);
    let second = vec![create(d, Table::Pending), create(d, Table::Locks)];
    // Version 3 moved the tables into the namespace, where a new store makes them.
    let third = Vec::new();
    // Version 4: the create's idempotency token, so a killed create is sent again with it.
    let fourth = vec![format!("ALTER TABLE {} ADD COLUMN client_token TEXT", d.table(Table::Pending))];
    // Version 5: what a resource's declaration said of its life (`{"protected":true}`,
    // `{"region":"eu-west-1"}`),
    // so a resource removed from the stack stays protected until it is unprotected.
    let fifth = vec![format!("ALTER TABLE {} ADD COLUMN lifecycle TEXT", d.table(Table::Resources))];
    // Version 6: which stacks read which outputs, so an output still read is not removed.
    let sixth = vec![create(d, Table::Readers)];
    vec![first, second, third, fourth, fifth, sixth]
}

/// What a database holds of ours when opened.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// Nothing: a new store.
    Empty,
    /// Our namespace, at this version.
    Current(i64),
    /// Tables an earlier build made outside the namespace.
    Legacy(Legacy),
}

/// A store an earlier build made outside the namespace.
#[derive(Debug, PartialEq, Eq)]
struct Legacy {
    /// Its schema version (1 or 2).
    version: i64,
    /// PostgreSQL's default schema, where the tables are (quoted); none in SQLite.
    schema: Option<String>,
    /// The tables of that version found there with our columns: the ones to move.
    ours: BTreeSet<&'static str>,
    /// Tables of our names found there with other columns: someone else's, left alone.
    foreign: BTreeSet<&'static str>,
}

/// `name` as a quoted PostgreSQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl<B: Sql> SqlStore<B> {
    async fn rows(&self, sql: &str) -> Result<Vec<Vec<Cell>>, StoreError> {
        self.backend.query(sql, vec![]).await.map_err(|e| self.err(e))
    }

    /// The columns of each table of `names` in the default schema (PostgreSQL) or the file
    /// (SQLite), and PostgreSQL's default schema.
    async fn unqualified(&self, names: &[&str]) -> Result<(Option<String>, BTreeMap<String, BTreeSet<String>>), StoreError> {
        let list = names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
        let (schema, sql) = match self.backend.dialect() {
            Dialect::Sqlite => (
                None,
                format!("SELECT m.name, p.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table' AND m.name IN ({list})"),
            ),
            Dialect::Postgres => {
                let rows = self.rows("SELECT current_schema()::text").await?;
                let Some(schema) = rows.first().and_then(|r| r.first()).and_then(|c| c.text()) else {
                    // No schema in the search path: nothing of an earlier build can be there.
                    return Ok((None, BTreeMap::new()));
                };
                (
                    Some(schema),
                    format!(
                        "SELECT table_name::text, column_name::text FROM information_schema.columns
                         WHERE table_schema = current_schema() AND table_name IN ({list})"
                    ),
                )
            }
        };
        let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in self.rows(&sql).await? {
            if let (Some(t), Some(c)) = (r.first().and_then(|c| c.text()), r.get(1).and_then(|c| c.text())) {
                tables.entry(t).or_default().insert(c);
            }
        }
        Ok((schema, tables))
    }

    /// What the database holds of ours.
    async fn found(&self) -> Result<Found, StoreError> {
        let d = self.backend.dialect();
        let legacy_version = match d {
            Dialect::Sqlite => {
                let v = self.rows("PRAGMA user_version").await?.first().and_then(|r| r.first()).and_then(|c| c.int()).unwrap_or(0);
                if v >= NAMESPACED_SINCE {
                    return Ok(Found::Current(v));
                }
                v
            }
            Dialect::Postgres => {
                let ns = self.rows(&format!("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{NAMESPACE}' AND table_name = 'schema_version'")).await?;
                if ns.first().and_then(|r| r.first()).and_then(|c| c.int()).unwrap_or(0) > 0 {
                    let v = self.rows(&format!("SELECT version FROM {PG_VERSION_TABLE}")).await?;
                    return Ok(Found::Current(v.first().and_then(|r| r.first()).and_then(|c| c.int()).unwrap_or(0)));
                }
                0
            }
        };
        let mut names: Vec<&str> = Table::ALL.iter().map(|t| t.bare()).collect();
        names.push(LEGACY_VERSION_TABLE);
        let (schema, tables) = self.unqualified(&names).await?;
        let is_ours = |name: &str, cols: &[&str]| tables.get(name).is_some_and(|have| have.iter().map(String::as_str).eq(cols.iter().copied().collect::<BTreeSet<_>>()));
        let version = match (d, &schema) {
            (Dialect::Sqlite, _) => legacy_version,
            // Ours by its one column; the agent has no table of that name.
            (Dialect::Postgres, Some(s)) if is_ours(LEGACY_VERSION_TABLE, &["version"]) => {
                let v = self.rows(&format!("SELECT version FROM {}.{LEGACY_VERSION_TABLE}", quoted(s))).await?;
                v.first().and_then(|r| r.first()).and_then(|c| c.int()).unwrap_or(0)
            }
            (Dialect::Postgres, _) => 0,
        };
        // A version at or past the move is the mark a move leaves, not tables to move.
        if !(1..NAMESPACED_SINCE).contains(&version) {
            return Ok(Found::Empty);
        }
        let of_version = || Table::ALL.into_iter().filter(|t| since(*t) <= version);
        let ours = of_version().filter(|t| is_ours(t.bare(), columns(*t))).map(Table::bare).collect();
        let foreign = of_version().filter(|t| tables.contains_key(t.bare()) && !is_ours(t.bare(), columns(*t))).map(Table::bare).collect();
        Ok(Found::Legacy(Legacy { version, schema: schema.filter(|_| d == Dialect::Postgres).map(|s| quoted(&s)), ours, foreign }))
    }

    /// The steps that move an earlier build's tables into the namespace, at its version.
    fn relocation(&self, legacy: &Legacy) -> Vec<Step> {
        let d = self.backend.dialect();
        let one = |s: String| Step::One(s, vec![]);
        let mut steps = Vec::new();
        if d == Dialect::Postgres {
            steps.push(one(format!("CREATE SCHEMA IF NOT EXISTS {NAMESPACE}")));
            steps.push(one(format!("CREATE TABLE {PG_VERSION_TABLE} (version BIGINT NOT NULL)")));
            steps.push(one(format!("INSERT INTO {PG_VERSION_TABLE} (version) VALUES ({})", legacy.version)));
        }
        for t in Table::ALL.into_iter().filter(|t| since(*t) <= legacy.version) {
            let bare = t.bare();
            if !legacy.ours.contains(bare) {
                if legacy.foreign.contains(bare) {
                    // Someone else's table of that name: left where it is.
                    tracing::warn!(store = %self.backend.describe(), table = bare, "a table of this name is not formae's; it is left alone and ours is made in the namespace");
                }
                steps.push(one(create(d, t)));
                continue;
            }
            steps.push(one(match (d, &legacy.schema) {
                (Dialect::Postgres, Some(schema)) => format!("ALTER TABLE {schema}.{bare} SET SCHEMA {NAMESPACE}"),
                _ => format!("ALTER TABLE {bare} RENAME TO {}", d.table(t)),
            }));
        }
        if let (Dialect::Postgres, Some(schema)) = (d, &legacy.schema) {
            steps.push(one(format!("UPDATE {schema}.{LEGACY_VERSION_TABLE} SET version = {SCHEMA_VERSION}")));
        }
        steps
    }

    /// Brings the store to [`SCHEMA_VERSION`]: creates it, moves an earlier build's
    /// tables into the namespace, runs what migrations remain; refuses a newer one.
    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
        let d = self.backend.dialect();
        let all = migrations(d);
        // Two first uses at once: one migrates, the other's transaction fails and it then
        // finds the schema current.
        for attempt in 0..3 {
            let found = self.found().await?;
            let mut steps = Vec::new();
            if d == Dialect::Postgres {
                steps.push(Step::One(format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"), vec![]));
            }
            let version = match &found {
                Found::Current(v) if *v > SCHEMA_VERSION => return Err(StoreError::Newer { store: self.backend.describe(), found: *v }),
                Found::Current(v) if *v == SCHEMA_VERSION => return Ok(()),
                Found::Current(v) => *v,
                Found::Empty => 0,
                Found::Legacy(legacy) => {
                    steps.extend(self.relocation(legacy));
                    legacy.version
                }
            };
            for (i, m) in all.iter().enumerate().skip(usize::try_from(version).unwrap_or(0)) {
                steps.extend(m.iter().map(|s| Step::One(s.clone(), vec![])));
                let set = match d {
                    Dialect::Sqlite => format!("PRAGMA user_version = {}", i + 1),
                    Dialect::Postgres => format!("UPDATE {PG_VERSION_TABLE} SET version = {}", i + 1),
                };
                steps.push(Step::One(set, vec![]));
            }
            match self.backend.atomically(steps).await {
                Ok(()) => {
                    if let Found::Legacy(legacy) = &found {
                        tracing::info!(store = %self.backend.describe(), tables = ?legacy.ours, namespace = NAMESPACE, "state tables moved into their namespace");
                    }
                    tracing::info!(store = %self.backend.describe(), from = version, to = SCHEMA_VERSION, "state schema migrated");
                    return Ok(());
                }
                Err(e) if attempt < 2 => tracing::debug!(error = %e, "migration raced another process; checking again"),
                Err(e) => return Err(self.err(e)),
            }
        }
        Ok(())
    }
}
