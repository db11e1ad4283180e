//! The SQL layer a backend implements: statements, parameters, result cells, the
//! dialect, and the names of our tables in it.

use async_trait::async_trait;

use super::location::StateLocation;

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
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Cell {
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
    /// NULL; what a cell taken from its row leaves behind.
    #[default]
    Null,
}

impl Cell {
    /// The cell as text (an integer written out), or `None` for NULL.
    pub fn text(&self) -> Option<String> {
        match self {
            Cell::Text(s) => Some(s.clone()),
            Cell::Int(i) => Some(i.to_string()),
            Cell::Null => None,
        }
    }

    /// The cell as text, taken (an integer written out), or `None` for NULL.
    pub fn into_text(self) -> Option<String> {
        match self {
            Cell::Text(s) => Some(s),
            Cell::Int(i) => Some(i.to_string()),
            Cell::Null => None,
        }
    }

    /// The cell as an integer (text parsed), or `None` for NULL or text that is not one.
    pub fn int(&self) -> Option<i64> {
        match self {
            Cell::Int(i) => Some(*i),
            Cell::Text(s) => s.parse().ok(),
            Cell::Null => None,
        }
    }
}

/// One step of an atomic unit of work.
#[derive(Debug, Clone)]
pub enum Step {
    /// One statement.
    One(String, Vec<Param>),
    /// One statement run once per parameter set.
    Many(String, Vec<Vec<Param>>),
}

/// One of the tables formae keeps state in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// One row per recorded resource.
    Resources,
    /// One row per stack: its outputs.
    StackOutputs,
    /// The journal: operations started and not yet recorded.
    Pending,
    /// One lease row per locked stack.
    Locks,
    /// Who reads which stack output: one row per stack, output and reading stack.
    Readers,
}

impl Table {
    /// Every table, in the order the schema introduced them.
    pub const ALL: [Table; 5] = [Table::Resources, Table::StackOutputs, Table::Pending, Table::Locks, Table::Readers];

    /// Its name without the namespace, as earlier builds named it in the default schema.
    pub fn bare(self) -> &'static str {
        match self {
            Table::Resources => "resources",
            Table::StackOutputs => "stack_outputs",
            Table::Pending => "pending",
            Table::Locks => "locks",
            Table::Readers => "stack_readers",
        }
    }
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
    /// `table`'s name in our namespace, as statements write it: `formae_rs.resources` in
    /// PostgreSQL's schema, `formae_rs_resources` in SQLite (which has no schemas).
    pub fn table(self, table: Table) -> &'static str {
        match (self, table) {
            (Dialect::Sqlite, Table::Resources) => "formae_rs_resources",
            (Dialect::Sqlite, Table::StackOutputs) => "formae_rs_stack_outputs",
            (Dialect::Sqlite, Table::Pending) => "formae_rs_pending",
            (Dialect::Sqlite, Table::Locks) => "formae_rs_locks",
            (Dialect::Sqlite, Table::Readers) => "formae_rs_stack_readers",
            (Dialect::Postgres, Table::Resources) => "formae_rs.resources",
            (Dialect::Postgres, Table::StackOutputs) => "formae_rs.stack_outputs",
            (Dialect::Postgres, Table::Pending) => "formae_rs.pending",
            (Dialect::Postgres, Table::Locks) => "formae_rs.locks",
            (Dialect::Postgres, Table::Readers) => "formae_rs.stack_readers",
        }
    }

    /// Milliseconds since the epoch by the database's clock, so leases compare on one
    /// clock whichever machine runs.
    pub(super) fn now_ms(self) -> &'static str {
        match self {
            Dialect::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
            Dialect::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
        }
    }

    /// The database's clock as RFC 3339 text.
    pub(super) fn now_text(self) -> &'static str {
        match self {
            Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            Dialect::Postgres => "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
        }
    }

    /// `sql` with its placeholders filled: `{now}` and `{now_text}` by the database's
    /// clock, `{resources}`, `{stack_outputs}`, `{pending}` and `{locks}` by our tables.
    pub(super) fn fill(self, sql: &str) -> String {
        let mut out = sql.replace("{now_text}", self.now_text()).replace("{now}", self.now_ms());
        for t in Table::ALL {
            out = out.replace(&format!("{{{}}}", t.bare()), self.table(t));
        }
        out
    }
}

/// A backend: runs SQL written with `$1`, `$2`... placeholders.
#[async_trait]
pub trait Sql: Send + Sync {
    /// Its dialect.
    fn dialect(&self) -> Dialect;
    /// Which database this is, for messages.
    fn describe(&self) -> String;
    /// Where the data is: the file, the server and database, the cluster and database.
    fn location(&self) -> StateLocation;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_name_our_tables_in_each_dialect() {
        let sql = "INSERT INTO {locks} AS held SELECT * FROM {resources} WHERE t < {now} AND u = {now_text}";
        let pg = Dialect::Postgres.fill(sql);
        assert!(pg.starts_with("INSERT INTO formae_rs.locks AS held SELECT * FROM formae_rs.resources"), "{pg}");
        assert!(pg.contains("clock_timestamp()") && !pg.contains('{'), "{pg}");
        let lite = Dialect::Sqlite.fill(sql);
        assert!(lite.starts_with("INSERT INTO formae_rs_locks AS held SELECT * FROM formae_rs_resources"), "{lite}");
        assert!(lite.contains("julianday") && lite.contains("strftime") && !lite.contains('{'), "{lite}");
    }
}
