//! How an Aurora cluster and its instance are created, read, updated and deleted through
//! the RDS API.

use async_trait::async_trait;
use aws_sdk_rds::client::Waiters;
use aws_sdk_rds::types::{ServerlessV2ScalingConfiguration, Tag as RdsTag};
use serde_json::json;

use super::{newer_minor_running, DbCluster, DbInstance};
use crate::exec::{api_error, answered, optional, outputs, required, tag_map, Applied, Cx, ExecError, Existing, Observed, Ops};
use crate::resolve::secret_hash;
use crate::resource::Resource;
use crate::value::{Sensitive, Value};

const CLUSTER: &str = DbCluster::META.type_name;
const INSTANCE: &str = DbInstance::META.type_name;

/// An optional property of a cluster, owned for a request.
fn get<T: Clone>(v: &Option<Value<T>>, field: &'static str) -> Result<Option<T>, ExecError> {
    Ok(optional(v, field, CLUSTER)?.cloned())
}

fn rds_tags(cx: &Cx, name: &str, own: &[crate::aws::Tag]) -> Vec<RdsTag> {
    cx.tags(name, own).into_iter().map(|(k, v)| RdsTag::builder().key(k).value(v).build()).collect()
}

fn scaling(c: &DbCluster) -> Result<Option<ServerlessV2ScalingConfiguration>, ExecError> {
    let Some(s) = &c.serverless_v2_scaling else { return Ok(None) };
    Ok(Some(
        ServerlessV2ScalingConfiguration::builder()
            .min_capacity(*required(&s.min_capacity, "serverless_v2_scaling.min_capacity", CLUSTER)?)
            .max_capacity(*required(&s.max_capacity, "serverless_v2_scaling.max_capacity", CLUSTER)?)
            .build(),
    ))
}

#[derive(Clone, Copy)]
enum Want {
    Available,
    Deleted,
}

impl Want {
    fn describe(self, what: &str) -> String {
        match self {
            Want::Available => format!("{what} becoming available"),
            Want::Deleted => format!("{what} being deleted"),
        }
    }
    /// Is a resource with this status one that cannot become what we want? The SDK
    /// waiters' failure states for `available` (botocore 1.44.8, rds waiters-2).
    fn failed(self, status: Option<&str>) -> bool {
        matches!(
            (self, status),
            (
                Want::Available,
                Some("failed" | "deleted" | "deleting" | "incompatible-restore" | "incompatible-parameters" | "incompatible-network" | "inaccessible-encryption-credentials")
            )
        )
    }
    /// Is a resource with this status (`None`: gone) where we want it?
    fn reached(self, status: Option<&str>) -> bool {
        match self {
            Want::Available => status == Some("available"),
            Want::Deleted => status.is_none(),
        }
    }
}

/// How an SDK waiter ended: done, out of time, in a failure state (with the status
/// it found), or with an error of its own.
fn waited<O: std::fmt::Debug, E: std::error::Error + Send + Sync + 'static>(
    result: Result<impl Sized, aws_smithy_runtime_api::client::waiters::error::WaiterError<O, E>>,
    what: &str,
    seconds: u64,
    status: impl Fn(&O) -> Option<String>,
) -> Result<(), ExecError> {
    use aws_smithy_runtime_api::client::waiters::error::WaiterError;
    match result {
        Ok(_) => Ok(()),
        Err(WaiterError::ExceededMaxWait(_)) => Err(ExecError::Timeout { what: what.to_owned(), seconds }),
        Err(WaiterError::FailureState(f)) => {
            let state = f.final_poll().as_result().ok().and_then(&status).unwrap_or_else(|| "in a failure state".to_owned());
            Err(ExecError::Failed { what: what.to_owned(), state, reason: String::new() })
        }
        Err(e) => Err(ExecError::Api { operation: "rds:wait", code: None, message: format!("{}", aws_sdk_rds::error::DisplayErrorContext(&e)) }),
    }
}

/// Waits with the SDK's waiter (`sdk`) or, for emulators, by polling `status` (`None`
/// once the resource is gone); a failure state ends the wait with its status.
async fn settle<S, P>(cx: &Cx, what: String, want: Want, sdk: S, status: impl Fn() -> P) -> Result<(), ExecError>
where
    S: std::future::Future<Output = Result<(), ExecError>>,
    P: std::future::Future<Output = Result<Option<String>, ExecError>>,
{
    let limit = cx.timing.database;
    if cx.timing.sdk_waiters {
        return sdk.await;
    }
    cx.wait_for(&what, limit, || async {
        let now = status().await?;
        if let Some(state) = now.as_deref().filter(|s| want.failed(Some(s))) {
            return Err(ExecError::Failed { what: what.clone(), state: state.to_owned(), reason: String::new() });
        }
        Ok(want.reached(now.as_deref()).then_some(()))
    })
    .await
}

/// The cluster's status, or `None` if it does not exist.
async fn cluster_status(cx: &Cx, id: &str) -> Result<Option<aws_sdk_rds::types::DbCluster>, ExecError> {
    match cx.rds.describe_db_clusters().db_cluster_identifier(id).send().await {
        // No list: no such cluster.
        Ok(out) => Ok(out.db_clusters.unwrap_or_default().into_iter().next()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_db_cluster_not_found_fault()) => Ok(None),
        Err(e) => Err(api_error("rds:DescribeDBClusters")(e)),
    }
}

async fn wait_cluster(cx: &Cx, id: &str, want: Want) -> Result<(), ExecError> {
    let limit = cx.timing.database;
    let what = want.describe(&format!("DB cluster {id}"));
    let first = |o: &aws_sdk_rds::operation::describe_db_clusters::DescribeDbClustersOutput| o.db_clusters().first().and_then(|c| c.status.clone());
    let sdk = async {
        match want {
            Want::Available => waited(cx.rds.wait_until_db_cluster_available().db_cluster_identifier(id).wait(limit).await, &what, limit.as_secs(), first),
            Want::Deleted => waited(cx.rds.wait_until_db_cluster_deleted().db_cluster_identifier(id).wait(limit).await, &what, limit.as_secs(), first),
        }
    };
    // A cluster without a status yet is neither there nor failed: waited on.
    let status = || async { Ok(cluster_status(cx, id).await?.map(|c| c.status.unwrap_or_default())) };
    settle(cx, what.clone(), want, sdk, status).await
}

async fn instance_status(cx: &Cx, id: &str) -> Result<Option<aws_sdk_rds::types::DbInstance>, ExecError> {
    match cx.rds.describe_db_instances().db_instance_identifier(id).send().await {
        // No list: no such instance.
        Ok(out) => Ok(out.db_instances.unwrap_or_default().into_iter().next()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_db_instance_not_found_fault()) => Ok(None),
        Err(e) => Err(api_error("rds:DescribeDBInstances")(e)),
    }
}

async fn wait_instance(cx: &Cx, id: &str, want: Want) -> Result<(), ExecError> {
    let limit = cx.timing.database;
    let what = want.describe(&format!("DB instance {id}"));
    let first = |o: &aws_sdk_rds::operation::describe_db_instances::DescribeDbInstancesOutput| o.db_instances().first().and_then(|i| i.db_instance_status.clone());
    let sdk = async {
        match want {
            Want::Available => waited(cx.rds.wait_until_db_instance_available().db_instance_identifier(id).wait(limit).await, &what, limit.as_secs(), first),
            Want::Deleted => waited(cx.rds.wait_until_db_instance_deleted().db_instance_identifier(id).wait(limit).await, &what, limit.as_secs(), first),
        }
    };
    // An instance without a status yet is neither there nor failed: waited on.
    let status = || async { Ok(instance_status(cx, id).await?.map(|i| i.db_instance_status.unwrap_or_default())) };
    settle(cx, what.clone(), want, sdk, status).await
}

async fn cluster_applied(cx: &Cx, id: &str) -> Result<Applied, ExecError> {
    let c = cluster_status(cx, id).await?.ok_or_else(|| ExecError::Api {
        operation: "rds:DescribeDBClusters",
        code: Some("DBClusterNotFoundFault".into()),
        message: format!("DB cluster {id} vanished after it was created"),
    })?;
    let arn = answered(c.db_cluster_arn, "rds:DescribeDBClusters", "DBClusterArn")?;
    Ok(Applied {
        cloud_id: id.to_owned(),
        outputs: outputs([
            ("arn", json!(arn)),
            ("identifier", json!(id)),
            ("endpoint", json!(c.endpoint)),
            ("master_user_secret_arn", json!(c.master_user_secret.and_then(|s| s.secret_arn))),
        ]),
    })
}

fn gone_cluster(id: &str) -> ExecError {
    ExecError::Api { operation: "rds:DescribeDBClusters", code: Some("DBClusterNotFoundFault".into()), message: format!("DB cluster {id} does not exist") }
}

fn password_changed(new: Option<&str>, prior: Option<&DbCluster>) -> bool {
    // The record holds the hash that stands for the password last applied.
    let prior_hash = prior.and_then(|p| p.master_user_password.as_ref()).and_then(Value::get).map(Sensitive::expose);
    match new {
        Some(p) => prior_hash != Some(secret_hash(p).as_str()),
        None => false,
    }
}

#[async_trait]
impl Ops for DbCluster {
    async fn create(&self, cx: &Cx, name: &str) -> Result<Applied, ExecError> {
        let id = required(&self.db_cluster_identifier, "db_cluster_identifier", CLUSTER)?;
        cx.rds
            .create_db_cluster()
            .db_cluster_identifier(id)
            .engine(required(&self.engine, "engine", CLUSTER)?)
            .set_engine_version(get(&self.engine_version, "engine_version")?)
            .set_serverless_v2_scaling_configuration(scaling(self)?)
            .master_username(required(&self.master_username, "master_username", CLUSTER)?)
            .set_master_user_password(get(&self.master_user_password, "master_user_password")?.map(|p| p.expose().to_owned()))
            .set_manage_master_user_password(get(&self.manage_master_user_password, "manage_master_user_password")?)
            .set_enable_http_endpoint(get(&self.enable_http_endpoint, "enable_http_endpoint")?)
            .set_database_name(get(&self.database_name, "database_name")?)
            .set_backup_retention_period(get(&self.backup_retention_period, "backup_retention_period")?.map(|d| d as i32))
            .set_deletion_protection(get(&self.deletion_protection, "deletion_protection")?)
            .set_tags(Some(rds_tags(cx, name, &self.tags)))
            .send()
            .await
            .map_err(api_error("rds:CreateDBCluster"))?;
        wait_cluster(cx, id, Want::Available).await?;
        cluster_applied(cx, id).await
    }

    async fn update(&self, cx: &Cx, name: &str, cloud_id: &str, prior: Option<&Self>) -> Result<Applied, ExecError> {
        // A cluster still creating (one a killed run left, adopted now) refuses Modify
        // with InvalidDBClusterStateFault: wait for it first.
        let mut live = cluster_status(cx, cloud_id).await?.ok_or_else(|| gone_cluster(cloud_id))?;
        if live.status() != Some("available") {
            wait_cluster(cx, cloud_id, Want::Available).await?;
            live = cluster_status(cx, cloud_id).await?.ok_or_else(|| gone_cluster(cloud_id))?;
        }
        let password = optional(&self.master_user_password, "master_user_password", CLUSTER)?.map(Sensitive::expose);
        let changed = password_changed(password, prior);
        // AWS upgrades minor versions by itself; asking for the older one would be a
        // downgrade, which it refuses.
        let version = get(&self.engine_version, "engine_version")?.filter(|v| !newer_minor_running(v, live.engine_version()));
        let live_scaling = live.serverless_v2_scaling_configuration();
        let scaling_differs = self.serverless_v2_scaling.as_ref().is_some_and(|s| {
            s.min_capacity.get().copied() != live_scaling.and_then(|l| l.min_capacity())
                || s.max_capacity.get().copied() != live_scaling.and_then(|l| l.max_capacity())
        });
        let backup = get(&self.backup_retention_period, "backup_retention_period")?.map(|d| d as i32);
        let manage = get(&self.manage_master_user_password, "manage_master_user_password")?;
        let protection = get(&self.deletion_protection, "deletion_protection")?;
        let differs = version.as_deref().is_some_and(|v| Some(v) != live.engine_version())
            || scaling_differs
            || changed
            || manage.is_some_and(|m| m != live.master_user_secret().is_some())
            || backup.is_some_and(|b| Some(b) != live.backup_retention_period())
            || protection.is_some_and(|d| Some(d) != live.deletion_protection());
        if differs {
            cx.rds
                .modify_db_cluster()
                .db_cluster_identifier(cloud_id)
                .apply_immediately(true)
                .set_engine_version(version)
                .set_allow_major_version_upgrade(Some(true))
                .set_serverless_v2_scaling_configuration(scaling(self)?)
                .set_master_user_password(password.filter(|_| changed).map(str::to_owned))
                .set_manage_master_user_password(manage)
                .set_backup_retention_period(backup)
                .set_deletion_protection(protection)
                .send()
                .await
                .map_err(api_error("rds:ModifyDBCluster"))?;
        }
        // ModifyDBCluster's EnableHttpEndpoint applies only to Serverless v1 (AWS takes
        // it and does nothing on v2): the Data API has its own switch.
        if let Some(want) = get(&self.enable_http_endpoint, "enable_http_endpoint")? {
            let arn = answered(live.db_cluster_arn(), "rds:DescribeDBClusters", "DBClusterArn")?;
            if live.http_endpoint_enabled() != Some(want) {
                if want {
                    cx.rds.enable_http_endpoint().resource_arn(arn).send().await.map_err(api_error("rds:EnableHttpEndpoint"))?;
                } else {
                    cx.rds.disable_http_endpoint().resource_arn(arn).send().await.map_err(api_error("rds:DisableHttpEndpoint"))?;
                }
            }
        }
        let applied = cluster_applied(cx, cloud_id).await?;
        if let Some(arn) = applied.outputs.get("arn").and_then(|a| a.as_str()) {
            cx.rds
                .add_tags_to_resource()
                .resource_name(arn)
                .set_tags(Some(rds_tags(cx, name, &self.tags)))
                .send()
                .await
                .map_err(api_error("rds:AddTagsToResource"))?;
        }
        wait_cluster(cx, cloud_id, Want::Available).await?;
        Ok(applied)
    }

    async fn delete(cx: &Cx, cloud_id: &str, _prior: Option<&Self>) -> Result<(), ExecError> {
        match cx.rds.delete_db_cluster().db_cluster_identifier(cloud_id).skip_final_snapshot(true).send().await {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(|s| s.is_db_cluster_not_found_fault()) => return Ok(()),
            Err(e) => return Err(api_error("rds:DeleteDBCluster")(e)),
        }
        wait_cluster(cx, cloud_id, Want::Deleted).await
    }

    async fn find(&self, cx: &Cx) -> Result<Option<Existing>, ExecError> {
        let id = required(&self.db_cluster_identifier, "db_cluster_identifier", CLUSTER)?;
        Ok(cluster_status(cx, id).await?.map(|c| Existing { tags: tag_map(c.tag_list(), |t| (t.key(), t.value())), cloud_id: id.clone() }))
    }

    async fn exists(cx: &Cx, cloud_id: &str, _prior: Option<&Self>) -> Result<bool, ExecError> {
        Ok(cluster_status(cx, cloud_id).await?.is_some())
    }

    /// One read: the engine version, the Serverless v2 capacities, the Data API switch,
    /// backups and deletion protection, where the stack sets them (nothing of them
    /// without a record that says so).
    async fn read(cx: &Cx, cloud_id: &str, prior: Option<&Self>) -> Result<Option<Observed>, ExecError> {
        let Some(c) = cluster_status(cx, cloud_id).await? else { return Ok(None) };
        if c.status() == Some("deleting") {
            return Ok(None);
        }
        let mut live = Vec::new();
        let Some(prior) = prior else { return Ok(Some(live)) };
        if let Some(recorded) = &prior.engine_version {
            match (recorded.get(), c.engine_version()) {
                (Some(recorded), Some(running)) if newer_minor_running(recorded, Some(running)) => {
                    // AWS's own minor upgrade: shown, not undone (that would be a downgrade).
                    tracing::warn!(
                        "AWS upgraded DB cluster {cloud_id} to engine version {running} ({recorded} declared); formae leaves it as it is: set engine_version to it to match"
                    );
                }
                _ => live.push(("engine_version", c.engine_version().map(|v| json!(v)))),
            }
        }
        if prior.serverless_v2_scaling.is_some() {
            let s = c.serverless_v2_scaling_configuration();
            let (min, max) = (s.and_then(|s| s.min_capacity()), s.and_then(|s| s.max_capacity()));
            live.push(("serverless_v2_scaling", Some(json!({ "min_capacity": min, "max_capacity": max }))));
        }
        if prior.enable_http_endpoint.is_some() {
            live.push(("enable_http_endpoint", c.http_endpoint_enabled().map(|v| json!(v))));
        }
        if prior.backup_retention_period.is_some() {
            live.push(("backup_retention_period", c.backup_retention_period().map(|v| json!(v))));
        }
        if prior.deletion_protection.is_some() {
            live.push(("deletion_protection", c.deletion_protection().map(|v| json!(v))));
        }
        Ok(Some(live))
    }
}

async fn instance_applied(cx: &Cx, id: &str) -> Result<Applied, ExecError> {
    let i = instance_status(cx, id).await?.ok_or_else(|| ExecError::Api {
        operation: "rds:DescribeDBInstances",
        code: Some("DBInstanceNotFoundFault".into()),
        message: format!("DB instance {id} vanished after it was created"),
    })?;
    let arn = answered(i.db_instance_arn, "rds:DescribeDBInstances", "DBInstanceArn")?;
    Ok(Applied {
        cloud_id: id.to_owned(),
        outputs: outputs([("arn", json!(arn)), ("identifier", json!(id))]),
    })
}

#[async_trait]
impl Ops for DbInstance {
    async fn create(&self, cx: &Cx, name: &str) -> Result<Applied, ExecError> {
        let id = required(&self.db_instance_identifier, "db_instance_identifier", INSTANCE)?;
        cx.rds
            .create_db_instance()
            .db_instance_identifier(id)
            .db_cluster_identifier(&required(&self.db_cluster_identifier, "db_cluster_identifier", INSTANCE)?.0)
            .db_instance_class(required(&self.db_instance_class, "db_instance_class", INSTANCE)?)
            .engine(required(&self.engine, "engine", INSTANCE)?)
            .set_publicly_accessible(optional(&self.publicly_accessible, "publicly_accessible", INSTANCE)?.copied())
            .set_tags(Some(rds_tags(cx, name, &self.tags)))
            .send()
            .await
            .map_err(api_error("rds:CreateDBInstance"))?;
        wait_instance(cx, id, Want::Available).await?;
        instance_applied(cx, id).await
    }

    async fn update(&self, cx: &Cx, name: &str, cloud_id: &str, _prior: Option<&Self>) -> Result<Applied, ExecError> {
        // An instance still creating refuses Modify (InvalidDBInstanceStateFault).
        let mut live = instance_status(cx, cloud_id).await?;
        if live.as_ref().and_then(|i| i.db_instance_status()) != Some("available") {
            wait_instance(cx, cloud_id, Want::Available).await?;
            live = instance_status(cx, cloud_id).await?;
        }
        let class = required(&self.db_instance_class, "db_instance_class", INSTANCE)?;
        if Some(class.as_str()) != live.as_ref().and_then(|i| i.db_instance_class()) {
            cx.rds
                .modify_db_instance()
                .db_instance_identifier(cloud_id)
                .apply_immediately(true)
                .db_instance_class(class)
                .send()
                .await
                .map_err(api_error("rds:ModifyDBInstance"))?;
            wait_instance(cx, cloud_id, Want::Available).await?;
        }
        let applied = instance_applied(cx, cloud_id).await?;
        if let Some(arn) = applied.outputs.get("arn").and_then(|a| a.as_str()) {
            cx.rds
                .add_tags_to_resource()
                .resource_name(arn)
                .set_tags(Some(rds_tags(cx, name, &self.tags)))
                .send()
                .await
                .map_err(api_error("rds:AddTagsToResource"))?;
        }
        Ok(applied)
    }

    async fn delete(cx: &Cx, cloud_id: &str, _prior: Option<&Self>) -> Result<(), ExecError> {
        match cx.rds.delete_db_instance().db_instance_identifier(cloud_id).skip_final_snapshot(true).send().await {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(|s| s.is_db_instance_not_found_fault()) => return Ok(()),
            Err(e) => return Err(api_error("rds:DeleteDBInstance")(e)),
        }
        wait_instance(cx, cloud_id, Want::Deleted).await
    }

    async fn find(&self, cx: &Cx) -> Result<Option<Existing>, ExecError> {
        let id = required(&self.db_instance_identifier, "db_instance_identifier", INSTANCE)?;
        Ok(instance_status(cx, id).await?.map(|i| Existing { tags: tag_map(i.tag_list(), |t| (t.key(), t.value())), cloud_id: id.clone() }))
    }

    async fn exists(cx: &Cx, cloud_id: &str, _prior: Option<&Self>) -> Result<bool, ExecError> {
        Ok(instance_status(cx, cloud_id).await?.is_some())
    }

    /// One read: the instance class, and public accessibility where the record sets it.
    async fn read(cx: &Cx, cloud_id: &str, prior: Option<&Self>) -> Result<Option<Observed>, ExecError> {
        let Some(i) = instance_status(cx, cloud_id).await? else { return Ok(None) };
        if i.db_instance_status() == Some("deleting") {
            return Ok(None);
        }
        let mut live = vec![("db_instance_class", i.db_instance_class().map(|v| json!(v)))];
        if prior.is_some_and(|p| p.publicly_accessible.is_some()) {
            live.push(("publicly_accessible", Some(json!(i.publicly_accessible()))));
        }
        Ok(Some(live))
    }
}
