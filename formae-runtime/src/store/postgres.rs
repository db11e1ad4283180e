//! The PostgreSQL backend, for teams: one server holds every stack's state and lock.
//! The password never sits in `formae.toml`: it comes from `FORMAE_STATE_PASSWORD` or
//! `PGPASSWORD`.

use async_trait::async_trait;
use tokio::sync::Mutex;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Config, NoTls};

use super::{Cell, Dialect, Param, Sql, SqlError, SqlStore, Step, StoreError};

/// State in PostgreSQL.
pub type PostgresStore = SqlStore<Postgres>;

/// A connection to one PostgreSQL database.
pub struct Postgres {
    shown: String,
    client: Mutex<Client>,
}

impl PostgresStore {
    /// Connects with `url` (a `postgresql://` URL or `key=value` settings, without a
    /// password) and migrates the schema.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let mut config: Config = url
            .parse()
            .map_err(|e| StoreError::Open(format!("the PostgreSQL state URL does not parse ({e}); write it as postgresql://USER@HOST:PORT/DATABASE")))?;
        if config.get_password().is_some() {
            return Err(StoreError::Open(
                "the PostgreSQL state URL holds a password; remove it and set FORMAE_STATE_PASSWORD (or PGPASSWORD) instead".into(),
            ));
        }
        if let Ok(p) = std::env::var("FORMAE_STATE_PASSWORD").or_else(|_| std::env::var("PGPASSWORD")) {
            config.password(p);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                tokio_postgres::config::Host::Tcp(h) => h.clone(),
                tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
            })
            .collect();
        let shown = format!("postgres {}/{}", hosts.join(","), config.get_dbname().unwrap_or("(default database)"));
        let (client, connection) = config
            .connect(NoTls)
            .await
            .map_err(|e| StoreError::Open(format!("cannot connect to the state database {shown}: {e}; check the URL in formae.toml and that the server is reachable")))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "the state database connection closed");
            }
        });
        SqlStore::new(Postgres { shown, client: Mutex::new(client) }).await
    }
}

fn other(e: tokio_postgres::Error) -> SqlError {
    match e.as_db_error() {
        Some(db) => SqlError::Other(format!("{}: {}", db.code().code(), db.message())),
        None => SqlError::Other(e.to_string()),
    }
}

fn boxed(params: &[Param]) -> Vec<Box<dyn ToSql + Sync + Send>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync + Send> {
            match p {
                Param::Text(s) => Box::new(s.clone()),
                Param::Int(i) => Box::new(*i),
                Param::Null => Box::new(None::<String>),
            }
        })
        .collect()
}

fn refs(b: &[Box<dyn ToSql + Sync + Send>]) -> Vec<&(dyn ToSql + Sync)> {
    b.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect()
}

fn cells(row: &tokio_postgres::Row) -> Result<Vec<Cell>, SqlError> {
    (0..row.len())
        .map(|i| {
            let t = row.columns()[i].type_().clone();
            let cell = if t == Type::INT8 {
                row.try_get::<_, Option<i64>>(i).map(|v| v.map_or(Cell::Null, Cell::Int))
            } else if t == Type::INT4 {
                row.try_get::<_, Option<i32>>(i).map(|v| v.map_or(Cell::Null, |n| Cell::Int(n.into())))
            } else {
                row.try_get::<_, Option<String>>(i).map(|v| v.map_or(Cell::Null, Cell::Text))
            };
            cell.map_err(other)
        })
        .collect()
}

#[async_trait]
impl Sql for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }

    fn page_rows(&self) -> i64 {
        5000
    }

    async fn query(&self, sql: &str, params: Vec<Param>) -> Result<Vec<Vec<Cell>>, SqlError> {
        let b = boxed(&params);
        let rows = self.client.lock().await.query(sql, &refs(&b)).await.map_err(other)?;
        rows.iter().map(cells).collect()
    }

    async fn execute(&self, sql: &str, params: Vec<Param>) -> Result<u64, SqlError> {
        let b = boxed(&params);
        self.client.lock().await.execute(sql, &refs(&b)).await.map_err(other)
    }

    async fn atomically(&self, steps: Vec<Step>) -> Result<(), SqlError> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await.map_err(other)?;
        for step in &steps {
            match step {
                Step::One(sql, params) => {
                    let b = boxed(params);
                    tx.execute(sql.as_str(), &refs(&b)).await.map_err(other)?;
                }
                Step::Many(sql, sets) => {
                    let st = tx.prepare(sql).await.map_err(other)?;
                    for params in sets {
                        let b = boxed(params);
                        tx.execute(&st, &refs(&b)).await.map_err(other)?;
                    }
                }
            }
        }
        tx.commit().await.map_err(other)
    }
}
