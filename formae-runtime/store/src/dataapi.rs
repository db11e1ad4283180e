//! The Aurora backend, reached through the RDS Data API: the guide's own setup, with no
//! network path to the database. The Data API caps a request and a response at 1 MB, so
//! state is one row per resource, reads are paged and batched writes are split by size.

use async_trait::async_trait;
use aws_sdk_rdsdata::error::ProvideErrorMetadata;
use aws_sdk_rdsdata::types::{Field, SqlParameter};
use aws_sdk_rdsdata::Client;

use super::{Cell, Dialect, Param, Sql, SqlError, SqlStore, StateLocation, Step, StoreError};

/// State in Aurora through the Data API.
pub type DataApiStore = SqlStore<DataApi>;

/// Below the Data API's 1 MB request cap, with room for the request's envelope.
const BATCH_BYTES: usize = 512 * 1024;

/// One database of an Aurora cluster, as the Data API reaches it.
pub struct DataApi {
    client: Client,
    cluster_arn: String,
    secret_arn: String,
    database: String,
}

impl DataApiStore {
    /// Reaches `database` of the cluster `cluster_arn` with the credentials in
    /// `secret_arn`, creating the schema on first use.
    pub async fn connect(conf: &aws_config::SdkConfig, cluster_arn: &str, secret_arn: &str, database: &str) -> Result<Self, StoreError> {
        let client = Client::new(conf);
        SqlStore::new(DataApi { client, cluster_arn: cluster_arn.into(), secret_arn: secret_arn.into(), database: database.into() }).await
    }
}

/// `$1` placeholders become `:p1`, the Data API's named form.
fn named(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push_str(":p");
        } else {
            out.push(c);
        }
    }
    out
}

fn parameters(params: &[Param]) -> Vec<SqlParameter> {
    params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let value = match p {
                Param::Text(s) => Field::StringValue(s.clone()),
                Param::Int(n) => Field::LongValue(*n),
                Param::Null => Field::IsNull(true),
            };
            SqlParameter::builder().name(format!("p{}", i + 1)).value(value).build()
        })
        .collect()
}

/// The first wait before asking a resuming cluster again.
const RESUME_FIRST_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

fn size(params: &[Param]) -> usize {
    params.iter().map(|p| if let Param::Text(s) = p { s.len() + 64 } else { 64 }).sum()
}

fn error<E: ProvideErrorMetadata + std::fmt::Debug>(e: aws_sdk_rdsdata::error::SdkError<E>) -> SqlError {
    let message = match ProvideErrorMetadata::message(&e) {
        Some(m) => format!("{}: {m}", ProvideErrorMetadata::code(&e).unwrap_or("error")),
        None => format!("{e:?}"),
    };
    if message.contains("response size") || message.contains("too large") {
        SqlError::TooLarge(message)
    } else {
        SqlError::Other(message)
    }
}

fn cell(f: &Field) -> Cell {
    match f {
        Field::StringValue(s) => Cell::Text(s.clone()),
        Field::LongValue(n) => Cell::Int(*n),
        Field::BooleanValue(b) => Cell::Text(b.to_string()),
        Field::DoubleValue(d) => Cell::Text(d.to_string()),
        _ => Cell::Null,
    }
}

impl DataApi {
    async fn run(&self, sql: &str, params: &[Param], tx: Option<&str>) -> Result<aws_sdk_rdsdata::operation::execute_statement::ExecuteStatementOutput, SqlError> {
        crate::while_resuming("rds-data:ExecuteStatement", RESUME_FIRST_WAIT, || {
            self.client
                .execute_statement()
                .resource_arn(&self.cluster_arn)
                .secret_arn(&self.secret_arn)
                .database(&self.database)
                .sql(named(sql))
                .set_parameters(Some(parameters(params)))
                .set_transaction_id(tx.map(str::to_owned))
                .send()
        })
        .await
        .map_err(error)
    }

    async fn steps(&self, steps: &[Step], tx: &str) -> Result<(), SqlError> {
        for step in steps {
            match step {
                Step::One(sql, params) => {
                    self.run(sql, params, Some(tx)).await?;
                }
                Step::Many(sql, sets) => {
                    // Batches split by size, each under the request cap.
                    let mut start = 0;
                    while start < sets.len() {
                        let (mut end, mut bytes) = (start, 0);
                        while end < sets.len() && (end == start || bytes + size(&sets[end]) < BATCH_BYTES) {
                            bytes += size(&sets[end]);
                            end += 1;
                        }
                        self.client
                            .batch_execute_statement()
                            .resource_arn(&self.cluster_arn)
                            .secret_arn(&self.secret_arn)
                            .database(&self.database)
                            .sql(named(sql))
                            .set_parameter_sets(Some(sets[start..end].iter().map(|p| parameters(p)).collect()))
                            .transaction_id(tx)
                            .send()
                            .await
                            .map_err(error)?;
                        start = end;
                    }
                }
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Sql for DataApi {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn describe(&self) -> String {
        format!("aurora {} database {}", self.cluster_arn, self.database)
    }

    fn location(&self) -> StateLocation {
        StateLocation::Aurora { cluster_arn: self.cluster_arn.clone(), secret_arn: self.secret_arn.clone(), database: self.database.clone() }
    }

    fn page_rows(&self) -> i64 {
        500
    }

    async fn query(&self, sql: &str, params: Vec<Param>) -> Result<Vec<Vec<Cell>>, SqlError> {
        let out = self.run(sql, &params, None).await?;
        Ok(out.records().iter().map(|r| r.iter().map(cell).collect()).collect())
    }

    async fn execute(&self, sql: &str, params: Vec<Param>) -> Result<u64, SqlError> {
        let out = self.run(sql, &params, None).await?;
        Ok(u64::try_from(out.number_of_records_updated()).unwrap_or(0))
    }

    async fn atomically(&self, steps: Vec<Step>) -> Result<(), SqlError> {
        let begun = crate::while_resuming("rds-data:BeginTransaction", RESUME_FIRST_WAIT, || {
            self.client.begin_transaction().resource_arn(&self.cluster_arn).secret_arn(&self.secret_arn).database(&self.database).send()
        })
        .await
        .map_err(error)?;
        let tx = begun.transaction_id().unwrap_or_default().to_owned();
        match self.steps(&steps, &tx).await {
            Ok(()) => {
                self.client.commit_transaction().resource_arn(&self.cluster_arn).secret_arn(&self.secret_arn).transaction_id(&tx).send().await.map_err(error)?;
                Ok(())
            }
            Err(e) => {
                let rolled = self.client.rollback_transaction().resource_arn(&self.cluster_arn).secret_arn(&self.secret_arn).transaction_id(&tx).send().await;
                if let Err(r) = rolled {
                    tracing::warn!(error = ?r, "rollback failed; the Data API ends the transaction after its timeout");
                }
                Err(e)
            }
        }
    }
}
