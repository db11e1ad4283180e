//! `Formae::RDSData::Database`: a PostgreSQL database created through the Data API.

use serde::{Deserialize, Serialize};

use crate::ids::{DbClusterArn, SecretArn};
use crate::resource::{Props, Resource, ResourceMeta};
use crate::value::Value;

/// A database inside an Aurora PostgreSQL cluster, created with `CREATE DATABASE` over
/// the Data API. The cluster needs a running instance first: declare `depends_on` it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Database {
    /// The cluster, reached through its Data API.
    pub cluster_arn: Value<DbClusterArn>,
    /// The secret with the credentials the Data API uses.
    pub secret_arn: Value<SecretArn>,
    /// The database's name (letters, digits, underscores).
    pub name: Value<String>,
}

impl Props for Database {
    const REQUIRED: &'static [crate::resource::Required] =
        crate::required!(Database: cluster_arn, secret_arn, name);
}

crate::outputs! {
    /// Outputs of a [`Database`].
    DatabaseOutputs {
        /// The database's name.
        name: String,
    }
}

impl Resource for Database {
    const META: ResourceMeta = ResourceMeta {
        type_name: "Formae::RDSData::Database",
        create_only: &["cluster_arn", "name"],
        write_only: &[],
        identity: &["cluster_arn", "name"],
        outputs: DatabaseOutputs::ATTRS,
        reruns_when_dependencies_change: false,
        is_check: false,
        unordered: &[],
        cloud_control: None,
    };
    type Outputs = DatabaseOutputs;
    fn outputs(name: &'static str) -> DatabaseOutputs {
        DatabaseOutputs::new(name)
    }
}

#[cfg(feature = "aws")]
mod ops {
    use async_trait::async_trait;
    use aws_sdk_rdsdata::types::{Field, SqlParameter};
    use serde_json::json;

    use super::Database;
    use crate::exec::{api_error, outputs, required, while_resuming, Applied, Cx, ExecError, Existing, Observed, Ops};
    use crate::resource::Resource;

    const TYPE: &str = Database::META.type_name;

    /// A database name is sent as an identifier, so only safe ones are accepted.
    fn identifier(name: &str) -> Result<String, ExecError> {
        let ok = !name.is_empty()
            && name.len() <= 63
            && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ok {
            Ok(format!("\"{name}\""))
        } else {
            Err(ExecError::Props {
                type_name: TYPE,
                message: format!("`{name}` is not a database name: use letters, digits and underscores, at most 63"),
            })
        }
    }

    async fn execute(cx: &Cx, cluster: &str, secret: &str, sql: String, op: &'static str) -> Result<aws_sdk_rdsdata::operation::execute_statement::ExecuteStatementOutput, ExecError> {
        let first = std::time::Duration::from_secs(1).min(cx.timing.poll * 5);
        while_resuming(op, first, || cx.rdsdata.execute_statement().resource_arn(cluster).secret_arn(secret).sql(sql.clone()).send())
            .await
            .map_err(api_error(op))
    }

    /// The cluster, the secret and the database's name: where to connect and what to
    /// look for.
    fn address(d: &Database) -> Result<(&str, &str, &str), ExecError> {
        Ok((
            &required(&d.cluster_arn, "cluster_arn", TYPE)?.0,
            &required(&d.secret_arn, "secret_arn", TYPE)?.0,
            required(&d.name, "name", TYPE)?,
        ))
    }

    #[async_trait]
    impl Ops for Database {
        async fn create(&self, cx: &Cx, _name: &str) -> Result<Applied, ExecError> {
            let (cluster, secret, name) = address(self)?;
            let sql = format!("CREATE DATABASE {}", identifier(name)?);
            execute(cx, cluster, secret, sql, "rds-data:ExecuteStatement (CREATE DATABASE)").await?;
            Ok(Applied { cloud_id: format!("{cluster}/{name}"), outputs: outputs([("name", json!(name))]) })
        }

        async fn update(&self, _cx: &Cx, _name: &str, cloud_id: &str, _prior: Option<&Self>) -> Result<Applied, ExecError> {
            // Only the secret used to connect can change in place; it is not stored in the database.
            let name = required(&self.name, "name", TYPE)?;
            Ok(Applied { cloud_id: cloud_id.to_owned(), outputs: outputs([("name", json!(name))]) })
        }

        async fn delete(cx: &Cx, _cloud_id: &str, prior: Option<&Self>) -> Result<(), ExecError> {
            let Some((cluster, secret, name)) = prior.and_then(|p| address(p).ok()) else {
                return Err(ExecError::Props { type_name: TYPE, message: "recorded properties lack cluster_arn, secret_arn or name".into() });
            };
            // WITH (FORCE): the Data API may still hold connections to it (PostgreSQL 13+).
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", identifier(name)?);
            match execute(cx, cluster, secret, sql, "rds-data:ExecuteStatement (DROP DATABASE)").await {
                Ok(_) => Ok(()),
                // If the cluster went first (a replacement, a hand deletion), so did the database.
                Err(e) if e.code() == Some("DatabaseNotFoundException") => Ok(()),
                Err(e) => Err(e),
            }
        }

        async fn find(&self, cx: &Cx) -> Result<Option<Existing>, ExecError> {
            let (cluster, _, name) = address(self)?;
            // A database has no tags: whether formae made it is known only from the journal.
            Ok(Self::exists(cx, "", Some(self)).await?.then(|| Existing { cloud_id: format!("{cluster}/{name}"), tags: Default::default() }))
        }

        /// Whether the database is still there; with the cluster's Data API switched off
        /// (drift the cluster's own read shows, and its update repairs first) nothing can
        /// be seen, so it is taken as unchanged.
        async fn read(cx: &Cx, cloud_id: &str, prior: Option<&Self>) -> Result<Option<Observed>, ExecError> {
            match Self::exists(cx, cloud_id, prior).await {
                Ok(there) => Ok(there.then(Vec::new)),
                Err(e) if e.code() == Some("HttpEndpointNotEnabledException") => {
                    tracing::info!(database = cloud_id, "the cluster's Data API is off; the database cannot be read, taken as unchanged");
                    Ok(Some(Vec::new()))
                }
                Err(e) => Err(e),
            }
        }

        /// Whether the database is there; without a record saying where to look (or with
        /// one whose parts are not known yet), it is taken as not there.
        async fn exists(cx: &Cx, _cloud_id: &str, prior: Option<&Self>) -> Result<bool, ExecError> {
            let Some((cluster, secret, name)) = prior.and_then(|p| address(p).ok()) else {
                return Ok(false);
            };
            let first = std::time::Duration::from_secs(1).min(cx.timing.poll * 5);
            let out = while_resuming("rds-data:ExecuteStatement (SELECT)", first, || {
                cx.rdsdata
                    .execute_statement()
                    .resource_arn(cluster)
                    .secret_arn(secret)
                    .sql("SELECT 1 FROM pg_database WHERE datname = :name")
                    .parameters(SqlParameter::builder().name("name").value(Field::StringValue(name.to_owned())).build())
                    .send()
            })
            .await;
            match out {
                // No records: no such database.
                Ok(o) => Ok(!o.records.unwrap_or_default().is_empty()),
                Err(e) => {
                    let err = api_error("rds-data:ExecuteStatement (SELECT)")(e);
                    match err.code() {
                        Some("DatabaseNotFoundException") => Ok(false),
                        _ => Err(err),
                    }
                }
            }
        }
    }
}
