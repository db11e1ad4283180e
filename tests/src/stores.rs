//! State-store fixtures: a PostgreSQL database on the sandbox's server, an Aurora cluster
//! in the sandbox for the Data API backend (deployed with formae's own stack), a
//! description of a store that a second process can open, and raw SQL beside a store:
//! the formae agent's tables, and a store as builds before the namespace left it.

use std::path::PathBuf;
use std::sync::Arc;

use formae_macros::stack;
use formae_runtime::exec::Target;
use formae_runtime::prelude::*;
use formae_runtime::state::ResourceStatus;
use formae_runtime::store::{DataApiStore, PostgresStore, SqliteStore, StateStore, StoreError};
use formae_runtime::StackState;
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

/// Raw SQL on a database a store also uses, as the formae agent or an earlier formae
/// runs it there: straight to PostgreSQL, or through the Data API.
pub enum RawSql {
    /// A connection to the sandbox's PostgreSQL.
    Postgres(tokio_postgres::Client),
    /// A database of an Aurora cluster in the sandbox, through the Data API.
    DataApi {
        /// The Data API client.
        client: aws_sdk_rdsdata::Client,
        /// The cluster.
        cluster_arn: String,
        /// The credentials.
        secret_arn: String,
        /// The database.
        database: String,
    },
}

impl RawSql {
    /// Connects with `url` (the sandbox's settings for one database).
    pub async fn postgres(url: &str) -> RawSql {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.expect("PostgreSQL answers");
        tokio::spawn(conn);
        RawSql::Postgres(client)
    }

    /// Reaches `database` of the cluster through the sandbox's Data API at `endpoint`.
    pub async fn data_api(endpoint: &str, cluster_arn: &str, secret_arn: &str, database: &str) -> RawSql {
        let target = Target { region: Some("us-east-1".into()), endpoint_url: Some(endpoint.to_owned()), dummy_credentials: true };
        let client = aws_sdk_rdsdata::Client::new(&target.sdk_config().await);
        RawSql::DataApi { client, cluster_arn: cluster_arn.into(), secret_arn: secret_arn.into(), database: database.into() }
    }

    /// Runs each statement on its own; panics naming the one that fails.
    pub async fn exec<S: AsRef<str>>(&self, statements: &[S]) {
        for sql in statements {
            self.rows(sql.as_ref()).await;
        }
    }

    /// The rows of one statement, every cell as text (`NULL` for null).
    pub async fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        match self {
            RawSql::Postgres(client) => {
                let messages = client.simple_query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
                messages
                    .iter()
                    .filter_map(|m| match m {
                        tokio_postgres::SimpleQueryMessage::Row(r) => Some((0..r.len()).map(|i| r.get(i).unwrap_or("NULL").to_owned()).collect()),
                        _ => None,
                    })
                    .collect()
            }
            RawSql::DataApi { client, cluster_arn, secret_arn, database } => {
                use aws_sdk_rdsdata::types::Field;
                let out = client
                    .execute_statement()
                    .resource_arn(cluster_arn)
                    .secret_arn(secret_arn)
                    .database(database)
                    .sql(sql)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
                out.records()
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(|f| match f {
                                Field::StringValue(s) => s.clone(),
                                Field::LongValue(n) => n.to_string(),
                                Field::BooleanValue(b) => b.to_string(),
                                Field::DoubleValue(d) => d.to_string(),
                                _ => "NULL".to_owned(),
                            })
                            .collect()
                    })
                    .collect()
            }
        }
    }

    /// The tables of `schema`, sorted.
    pub async fn tables(&self, schema: &str) -> Vec<String> {
        let sql = format!("SELECT table_name::text FROM information_schema.tables WHERE table_schema = '{schema}' ORDER BY 1");
        self.rows(&sql).await.into_iter().filter_map(|r| r.into_iter().next()).collect()
    }
}

/// The tables the formae agent keeps in its PostgreSQL database.
pub const AGENT_TABLES: [&str; 6] = ["resources", "stacks", "targets", "policies", "forma_commands", "resource_updates"];

/// The agent's tables, in the default schema, a few columns of their own each and one row.
pub fn agent_schema() -> Vec<&'static str> {
    vec![
        "CREATE TABLE resources (uri TEXT PRIMARY KEY, stack TEXT NOT NULL, type TEXT NOT NULL, label TEXT NOT NULL, data JSONB NOT NULL, managed BOOLEAN NOT NULL DEFAULT true)",
        "INSERT INTO resources (uri, stack, type, label, data) VALUES ('formae://agent/bucket', 'agent-stack', 'AWS::S3::Bucket', 'agent-bucket', '{\"BucketName\": \"agent-bucket\"}')",
        "CREATE TABLE stacks (label TEXT PRIMARY KEY, description TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        "INSERT INTO stacks (label, description) VALUES ('agent-stack', 'made by the agent')",
        "CREATE TABLE targets (label TEXT PRIMARY KEY, namespace TEXT NOT NULL, config JSONB NOT NULL)",
        "INSERT INTO targets (label, namespace, config) VALUES ('prod', 'AWS', '{\"Region\": \"us-east-1\"}')",
        "CREATE TABLE policies (label TEXT PRIMARY KEY, stack TEXT NOT NULL, data JSONB NOT NULL)",
        "INSERT INTO policies (label, stack, data) VALUES ('ttl', 'agent-stack', '{\"TTL\": 3600}')",
        "CREATE TABLE forma_commands (command_id TEXT PRIMARY KEY, command TEXT NOT NULL, state TEXT NOT NULL)",
        "INSERT INTO forma_commands (command_id, command, state) VALUES ('cmd-1', 'apply', 'Success')",
        "CREATE TABLE resource_updates (command_id TEXT NOT NULL, ksuid TEXT NOT NULL, operation TEXT NOT NULL, PRIMARY KEY (command_id, ksuid))",
        "INSERT INTO resource_updates (command_id, ksuid, operation) VALUES ('cmd-1', 'k-1', 'create')",
    ]
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The statements a formae build before the namespace (schema version 2) left in the
/// default schema of a PostgreSQL database holding `state`, with a lock on its stack held
/// by `lock_id`; without its `resources` table if `with_resources` is false (the name
/// taken by someone else's).
pub fn legacy_schema(state: &StackState, lock_id: &str, with_resources: bool) -> Vec<String> {
    let mut sql = vec![
        "CREATE TABLE formae_schema (version BIGINT NOT NULL)".to_owned(),
        "INSERT INTO formae_schema (version) VALUES (2)".to_owned(),
        "CREATE TABLE stack_outputs (stack TEXT PRIMARY KEY, outputs TEXT NOT NULL, updated_at TEXT NOT NULL)".to_owned(),
        "CREATE TABLE pending (
            stack TEXT NOT NULL, name TEXT NOT NULL, op TEXT NOT NULL, type TEXT NOT NULL,
            cloud_id TEXT, identity TEXT NOT NULL, started_at TEXT NOT NULL, PRIMARY KEY (stack, name))"
            .to_owned(),
        "CREATE TABLE locks (
            stack TEXT PRIMARY KEY, lock_id TEXT NOT NULL, holder TEXT NOT NULL,
            acquired_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL)"
            .to_owned(),
    ];
    let stack = quote(&state.stack);
    if with_resources {
        sql.push(
            "CREATE TABLE resources (
                stack TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, cloud_id TEXT NOT NULL,
                props TEXT NOT NULL, outputs TEXT NOT NULL, deps TEXT NOT NULL, status TEXT NOT NULL,
                updated_at TEXT NOT NULL, PRIMARY KEY (stack, name))"
                .to_owned(),
        );
        for (name, r) in &state.resources {
            let status = if r.status == ResourceStatus::Ready { "ready" } else { "failed" };
            sql.push(format!(
                "INSERT INTO resources VALUES ({stack}, {}, {}, {}, {}, {}, {}, '{status}', '2026-01-01T00:00:00.000Z')",
                quote(name),
                quote(&r.type_name),
                quote(&r.cloud_id),
                quote(&r.props.to_string()),
                quote(&json!(r.outputs).to_string()),
                quote(&json!(r.deps).to_string()),
            ));
        }
    }
    for (name, p) in &state.pending {
        let cloud_id = p.cloud_id.as_deref().map_or_else(|| "NULL".to_owned(), quote);
        sql.push(format!(
            "INSERT INTO pending VALUES ({stack}, {}, {}, {}, {cloud_id}, {}, {})",
            quote(name),
            quote(p.op.verb()),
            quote(&p.type_name),
            quote(&p.identity.to_string()),
            quote(&p.started_at),
        ));
    }
    sql.push(format!("INSERT INTO stack_outputs VALUES ({stack}, {}, '2026-01-01T00:00:00.000Z')", quote(&json!(state.outputs).to_string())));
    let holder = json!({"user": "earlier", "host": "build", "pid": 1, "command": "deploy"}).to_string();
    sql.push(format!("INSERT INTO locks VALUES ({stack}, {}, {}, 1, 9999999999999)", quote(lock_id), quote(&holder)));
    sql
}
