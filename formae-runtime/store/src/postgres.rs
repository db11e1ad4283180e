//! The PostgreSQL backend, for teams: one server holds every stack's state and lock.
//! The password never sits in `formae.toml`: it comes from `FORMAE_STATE_PASSWORD` or
//! `PGPASSWORD`.
//!
//! TLS (rustls) is set by `sslmode` and `sslrootcert` in the URL, as libpq names them, in
//! three of libpq's modes:
//!
//! - `disable`: no TLS. The default for a Unix socket and for `localhost`, `127.0.0.1` and
//!   `::1`.
//! - `require`: TLS, but the server's certificate is not checked. It keeps the traffic from
//!   eavesdroppers, not from a machine that takes the server's place.
//! - `verify-full`: TLS, and the certificate must be signed by a CA in `sslrootcert` (a PEM
//!   bundle, such as RDS's `global-bundle.pem`) or, without it, by a well-known public CA,
//!   and be for the host name connected to. The default for every other host, and when
//!   `sslrootcert` is given.
//!
//! A Unix socket never carries TLS (PostgreSQL offers none there), so `require` and
//! `verify-full` are refused for one.

mod tls;

use async_trait::async_trait;
use tokio::sync::Mutex;
use tokio_postgres::config::Host;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use tls::{refused, tls_config, Settings, SslMode};

use super::{Cell, Dialect, Param, Sql, SqlError, SqlStore, StateLocation, Step, StoreError};

/// State in PostgreSQL.
pub type PostgresStore = SqlStore<Postgres>;

/// A connection to one PostgreSQL database.
pub struct Postgres {
    shown: String,
    location: StateLocation,
    client: Mutex<Client>,
}

impl PostgresStore {
    /// Connects with `url` (a `postgresql://` URL or `key=value` settings, without a
    /// password) and migrates the schema. `sslmode` and `sslrootcert` in it set TLS (see
    /// the module's documentation); without `sslmode`, a remote server is reached with
    /// `verify-full`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let Settings { mut config, mode, root_cert } = Settings::parse(url).map_err(|e| StoreError::Open(e.to_string()))?;
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
                Host::Tcp(h) => h.clone(),
                Host::Unix(p) => p.display().to_string(),
            })
            .collect();
        let shown = format!("postgres {}/{}", hosts.join(","), config.get_dbname().unwrap_or("(default database)"));
        let connected = match mode {
            SslMode::Disable => {
                config.ssl_mode(tokio_postgres::config::SslMode::Disable);
                config.connect(NoTls).await.map(|(client, connection)| {
                    tokio::spawn(watch(connection));
                    client
                })
            }
            SslMode::Require | SslMode::VerifyFull => {
                let tls = tls_config(mode, root_cert.as_deref()).map_err(|e| StoreError::Open(e.to_string()))?;
                config.ssl_mode(tokio_postgres::config::SslMode::Require);
                config.connect(MakeRustlsConnect::new(tls)).await.map(|(client, connection)| {
                    tokio::spawn(watch(connection));
                    client
                })
            }
        };
        let client = connected.map_err(|e| StoreError::Open(refused(&e, &shown, &hosts, mode, root_cert.as_deref()).to_string()))?;
        let location = StateLocation::Postgres { hosts, database: config.get_dbname().map(str::to_owned) };
        SqlStore::new(Postgres { shown, location, client: Mutex::new(client) }).await
    }

    /// Checks `url`'s form and its TLS settings without connecting: what
    /// [`PostgresStore::connect`] would refuse before reaching the server.
    pub fn check_url(url: &str) -> Result<(), StoreError> {
        Settings::parse(url).map(|_| ()).map_err(|e| StoreError::Open(e.to_string()))
    }
}

async fn watch<F: std::future::Future<Output = Result<(), tokio_postgres::Error>>>(connection: F) {
    if let Err(e) = connection.await {
        tracing::warn!(error = %e, "the state database connection closed");
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

    fn location(&self) -> StateLocation {
        self.location.clone()
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
