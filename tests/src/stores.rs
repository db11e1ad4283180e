//! State-store fixtures: a PostgreSQL database on the sandbox's server, an Aurora cluster
//! in the sandbox for the Data API backend (deployed with formae's own stack), and a
//! description of a store that a second process can open.

use std::path::PathBuf;
use std::sync::Arc;

use formae_macros::stack;
use formae_runtime::exec::Target;
use formae_runtime::prelude::*;
use formae_runtime::store::{DataApiStore, PostgresStore, SqliteStore, StateStore, StoreError};
use serde_json::json;

use crate::e2e::Env;
use crate::sandbox::Sandbox;

stack! {
    /// An Aurora cluster to keep formae's own state in, reached through the Data API.
    pub stack StateDb = "formae-state-db" {
        param password: SecretSource = SecretSource::env("FORMAE_STATE_DB_PASSWORD");

        resource creds = Secret {
            name: "formae-state-creds",
            secret_string: json!({ "username": "postgres", "password": password }),
        };
        resource cluster = DbCluster {
            db_cluster_identifier: "formae-state",
            engine: "aurora-postgresql",
            engine_version: "16.4",
            serverless_v2_scaling: ServerlessV2Scaling { min_capacity: 0.5, max_capacity: 1.0 },
            master_username: "postgres",
            master_user_password: password,
            enable_http_endpoint: true,
        };
        resource instance = DbInstance {
            db_instance_identifier: "formae-state-1",
            db_cluster_identifier: cluster.identifier,
            db_instance_class: "db.serverless",
            engine: "aurora-postgresql",
        };
        resource database = Database {
            cluster_arn: cluster.arn,
            secret_arn: creds.arn,
            name: "formae_state",
        } depends_on [instance];

        /// The cluster.
        output cluster_arn: DbClusterArn = cluster.arn;
        /// The credentials.
        output secret_arn: SecretArn = creds.arn;
        /// The database.
        output database: String = database.name;
    }
}

/// The ARNs of the Aurora state cluster deployed into `env`'s sandbox.
pub struct AuroraState {
    /// The cluster's ARN.
    pub cluster_arn: String,
    /// The credentials' ARN.
    pub secret_arn: String,
    /// The database formae's state goes in.
    pub database: String,
}

/// Deploys [`StateDb`] into `env`'s sandbox (with formae itself) and returns its ARNs.
pub async fn aurora_state_cluster(env: &Env) -> AuroraState {
    let instance = (StateDb::ENTRY.build)(&[]).expect("the state-db stack builds");
    let (_, report) = env.deploy(&instance, formae_runtime::Mode::Reconcile).await;
    let out = |k: &str| report.outputs[k].as_str().unwrap_or_default().to_owned();
    AuroraState { cluster_arn: out("cluster_arn"), secret_arn: out("secret_arn"), database: out("database") }
}

/// A fresh PostgreSQL database named `name` on `sandbox`'s server; its connection settings.
pub async fn postgres_database(sandbox: &Sandbox, name: &str) -> String {
    let admin = sandbox.postgres_url("postgres").expect("the sandbox runs PostgreSQL");
    let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.expect("PostgreSQL answers");
    tokio::spawn(conn);
    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).await.expect("drop database");
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create database");
    sandbox.postgres_url(name).expect("the sandbox runs PostgreSQL")
}

/// A store a test, or a second process it starts, can open.
#[derive(Debug, Clone)]
pub enum StoreSpec {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(String),
    /// A database of an Aurora cluster in the sandbox at `endpoint`.
    Aurora { endpoint: String, cluster_arn: String, secret_arn: String, database: String },
}

impl StoreSpec {
    /// Opens it (migrating on first use).
    pub async fn open(&self) -> Result<Arc<dyn StateStore>, StoreError> {
        Ok(match self {
            StoreSpec::Sqlite(p) => Arc::new(SqliteStore::open(p).await?),
            StoreSpec::Postgres(url) => Arc::new(PostgresStore::connect(url).await?),
            StoreSpec::Aurora { endpoint, cluster_arn, secret_arn, database } => {
                let target = Target { region: Some("us-east-1".into()), endpoint_url: Some(endpoint.clone()), dummy_credentials: true };
                Arc::new(DataApiStore::connect(&target.sdk_config().await, cluster_arn, secret_arn, database).await?)
            }
        })
    }

    /// As one line, for a child process's environment.
    pub fn encode(&self) -> String {
        match self {
            StoreSpec::Sqlite(p) => json!(["sqlite", p]),
            StoreSpec::Postgres(u) => json!(["postgres", u]),
            StoreSpec::Aurora { endpoint, cluster_arn, secret_arn, database } => json!(["aurora", endpoint, cluster_arn, secret_arn, database]),
        }
        .to_string()
    }

    /// Back from [`StoreSpec::encode`].
    pub fn decode(text: &str) -> Option<StoreSpec> {
        let v: Vec<String> = serde_json::from_str(text).ok()?;
        Some(match v.first()?.as_str() {
            "sqlite" => StoreSpec::Sqlite(v.get(1)?.into()),
            "postgres" => StoreSpec::Postgres(v.get(1)?.clone()),
            "aurora" => StoreSpec::Aurora { endpoint: v.get(1)?.clone(), cluster_arn: v.get(2)?.clone(), secret_arn: v.get(3)?.clone(), database: v.get(4)?.clone() },
            _ => return None,
        })
    }
}
